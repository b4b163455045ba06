"""``dicert estimate`` on large alphabets (issue 14 item 1): the sparse CTW tree gives a number, or a named refusal.

Exit 0 with a number, or exit 2 with one line naming the input and what would
work; never a traceback.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

from dicert.proofs.cli import run
from dicert.verify.memory import memory_limit


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(argv)
    return code, out.getvalue(), err.getvalue()


def _csv(path: Path, x: np.ndarray, y: np.ndarray) -> Path:
    path.write_text("x,y\n" + "".join(f"{a},{b}\n" for a, b in zip(x.tolist(), y.tolist())))
    return path


def test_estimate_ctw_i1_past_the_dense_limit_uses_the_sparse_tree_and_prints_a_number(tmp_path: Path) -> None:
    # X: 0/1 with rare excursions over 2..999 (about 180 symbols seen), Y_t = X_{t-1} mod 2: DI rate 1 bit.
    rng = np.random.default_rng(3)
    n = 20_000
    x = np.where(rng.random(n) < 0.01, rng.integers(2, 1000, n), rng.integers(0, 2, n))
    path = _csv(tmp_path / "wide.csv", x, np.roll(x, 1) % 2)
    with memory_limit("64MiB"):  # the dense tree needs ~0.4 GiB here
        code, out, err = _run(["estimate", str(path), "--x", "x", "--y", "y", "--depth", "2", "--variant", "I1", "--json"])
    assert code == 0, err
    result = json.loads(out)
    assert result["ci_method"].startswith("sparse context tree")
    assert 0.6 < result["di_rate"] < 1.3
    assert result["di_rate_ci"][0] <= result["di_rate_ci"][1]


@pytest.mark.parametrize(
    ("variant", "message"),
    [
        ("I1", "dicert: error: --x x / --y y: too few samples for CTW on alphabets of 1000 and 1000 symbols"),
        ("I4", "dicert: error: --x x / --y y: CTW (depth 2) on alphabets of 1000 and 1000 symbols (n = 3000) needs"),
    ],
)
def test_estimate_ctw_on_a_1000_symbol_copy_channel_refuses_in_one_line(tmp_path: Path, variant: str, message: str) -> None:
    x = np.arange(3000) * 7 % 1000  # every one of the 1000 symbols, 3 times
    path = _csv(tmp_path / "copy.csv", x, np.roll(x, 1))
    with memory_limit("4GiB"):
        code, out, err = _run(["estimate", str(path), "--x", "x", "--y", "y", "--depth", "2", "--variant", variant])
    assert code == 2 and out == ""
    assert err.startswith(message) and err.count("\n") == 1 and "Traceback" not in err
    if variant == "I4":
        assert "use variant='I1' (--variant I1)" in err

"""``dicert estimate``: JSON contract, estimators, text labels, and one-line errors (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dicert.proofs.cli import run
from dicert.verify.processes import bsc_delay, gaussian_var1


def _write(path: Path, header: str, rows) -> Path:
    path.write_text(header + "\n" + "".join(",".join(str(v) for v in row) + "\n" for row in rows))
    return path


@pytest.fixture
def discrete_csv(tmp_path: Path) -> tuple[Path, float]:
    sample = bsc_delay(20_000, p=0.1, rng=8)
    rows = zip(range(sample.x.size), sample.x, sample.y)
    return _write(tmp_path / "bsc.csv", "t,input,output", rows), sample.di_rate


@pytest.mark.parametrize("estimator", ["ctw", "plugin"])
def test_estimate_json_reports_rates_and_seconds(discrete_csv, estimator: str, capsys) -> None:
    path, truth = discrete_csv
    code = run(["estimate", str(path), "--x", "input", "--y", "output", "--estimator", estimator, "--depth", "2", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert {"di_rate", "reverse_di_rate", "mi_rate", "seconds"} <= out.keys()
    assert out["di_rate"] == pytest.approx(truth, abs=0.02)
    assert abs(out["reverse_di_rate"]) < 0.02
    assert out["mi_rate"] == pytest.approx(out["di_rate"] + out["reverse_di_rate"], abs=1e-12)
    assert out["n"] == 20_000 and out["seconds"] >= 0


def test_estimate_human_output_goes_to_stdout(discrete_csv, capsys) -> None:
    path, _ = discrete_csv
    assert run(["estimate", str(path), "--x", "input", "--y", "output", "--variant", "I1"]) == 0
    captured = capsys.readouterr()
    assert "I(input -> output)" in captured.out and "95% interval" in captured.out


@pytest.mark.parametrize("estimator", ["ksg", "granger"])
def test_estimate_continuous_estimators(tmp_path: Path, estimator: str, capsys) -> None:
    sample = gaussian_var1(3000, [[0.0, 0.0], [0.8, 0.5]], np.eye(2), rng=1)
    path = _write(tmp_path / "var.csv", "a,b", zip(sample.x, sample.y))
    assert run(["estimate", str(path), "--x", "a", "--y", "b", "--estimator", estimator, "--depth", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["di_rate"] == pytest.approx(sample.di_rate, abs=0.05)


def test_estimate_text_labels_are_symbols_for_discrete_estimators(tmp_path: Path, capsys) -> None:
    sample = bsc_delay(5000, p=0.0, rng=2)
    labels = np.array(["low", "high"])
    path = _write(tmp_path / "labels.csv", "x,y", zip(labels[sample.x], labels[sample.y]))
    assert run(["estimate", str(path), "--x", "x", "--y", "y", "--estimator", "plugin", "--depth", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["di_rate"] == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--x", "nope", "--y", "output"], "--x: column 'nope' not in the header"),
        (["--x", "input", "--y", "output", "--estimator", "lz"], "--estimator: expected one of ctw, plugin, ksg"),
        (["--x", "input", "--y", "output", "--variant", "I9"], "--variant: expected one of I1"),
        (["--x", "input", "--y", "output", "--estimator", "ksg", "--depth", "0"], "--depth: expected an integer >= 1"),
    ],
)
def test_estimate_bad_options_exit_2_naming_the_option(discrete_csv, args, field: str, capsys) -> None:
    path, _ = discrete_csv
    assert run(["estimate", str(path), *args]) == 2
    err = capsys.readouterr().err
    assert field in err and err.count("\n") == 1


def test_estimate_bad_files_exit_2(tmp_path: Path, capsys) -> None:
    assert run(["estimate", str(tmp_path / "missing.csv"), "--x", "a", "--y", "b"]) == 2
    assert f"FILE {tmp_path / 'missing.csv'}: no such file" in capsys.readouterr().err
    assert run(["estimate", str(tmp_path), "--x", "a", "--y", "b"]) == 2
    assert f"FILE {tmp_path}: is a directory" in capsys.readouterr().err
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    assert run(["estimate", str(empty), "--x", "a", "--y", "b"]) == 2
    assert f"FILE {empty}: is empty" in capsys.readouterr().err
    gap = _write(tmp_path / "gap.csv", "a,b", [(0, 1), (1, ""), (0, 1)])
    assert run(["estimate", str(gap), "--x", "a", "--y", "b", "--depth", "0"]) == 2
    assert "--y: missing value in line 3" in capsys.readouterr().err
    words = _write(tmp_path / "words.csv", "a,b", [(0.5, "up"), (1.5, "down")] * 10)
    assert run(["estimate", str(words), "--x", "a", "--y", "b", "--estimator", "ksg"]) == 2
    assert "--y: non-numeric value" in capsys.readouterr().err
    floats = _write(tmp_path / "floats.csv", "a,b", [(0.5, 1), (1.5, 0)] * 10)
    assert run(["estimate", str(floats), "--x", "a", "--y", "b", "--estimator", "ctw"]) == 2
    assert "x: non-integer symbol 0.5" in capsys.readouterr().err


def test_estimate_surrogate_test_gives_plus_one_corrected_p_values(discrete_csv, capsys) -> None:
    path, _ = discrete_csv
    args = ["estimate", str(path), "--x", "input", "--y", "output", "--estimator", "plugin", "--depth", "1"]
    assert run([*args, "--test", "surrogates=19,method=block", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["test"]["di_p_value"] == pytest.approx(1 / 20) and out["test"]["method"] == "block"
    assert out["test"]["reverse_di_p_value"] > 0.05 and out["test"]["n_surrogates"] == 19
    assert run([*args, "--test", "surrogates=9"]) == 0
    assert "p-value (9 shift surrogates)" in capsys.readouterr().out
    assert run([*args, "--test", "surrogates=lots"]) == 2
    assert "--test: expected surrogates=N" in capsys.readouterr().err


def test_estimate_json_has_no_infinity_and_says_why_an_interval_is_missing(tmp_path: Path, capsys) -> None:
    path = _write(tmp_path / "short.csv", "a,b", [(i % 2, (i // 2) % 2) for i in range(12)])
    assert run(["estimate", str(path), "--x", "a", "--y", "b", "--estimator", "ctw", "--depth", "1", "--json"]) == 0
    text = capsys.readouterr().out
    assert "Infinity" not in text and "inf" not in text
    out = json.loads(text)
    assert out["di_rate_ci"] is None and "too few samples" in out["ci_note"]


def test_estimate_ksg_on_discrete_data_exits_2_and_names_the_right_estimator(discrete_csv, capsys) -> None:
    path, _ = discrete_csv
    assert run(["estimate", str(path), "--x", "input", "--y", "output", "--estimator", "ksg", "--depth", "1"]) == 2
    err = capsys.readouterr().err
    assert "expected continuous data for KSG; use PlugIn or CTW" in err and err.count("\n") == 1


def test_estimate_dine_without_the_neural_extra_exits_2_naming_it(discrete_csv, capsys, monkeypatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "dicert.verify.neural.dine", None)
    path, _ = discrete_csv
    assert run(["estimate", str(path), "--x", "input", "--y", "output", "--estimator", "dine"]) == 2
    assert "pip install 'dicert[neural]'" in capsys.readouterr().err


def test_estimate_side_information_explains_the_dependence(tmp_path: Path, capsys) -> None:
    rng = np.random.default_rng(3)
    zs = rng.integers(0, 2, 6000)
    x = np.roll(zs, 1) ^ (rng.random(6000) < 0.05)  # X_t and Y_t both copy Z_{t-1}
    y = np.roll(zs, 1) ^ (rng.random(6000) < 0.05)
    path = _write(tmp_path / "z.csv", "x,y,z", zip(x, y, zs))
    base = ["estimate", str(path), "--x", "x", "--y", "y", "--estimator", "plugin", "--depth", "1", "--json"]
    assert run(base) == 0
    plain = json.loads(capsys.readouterr().out)
    assert run([*base, "--z", "z"]) == 0
    given = json.loads(capsys.readouterr().out)
    assert plain["di_rate"] > 0.3 and abs(given["di_rate"]) < 0.01 and given["z"] == "z"
    assert run([*base[:-1], "--z", "z", "--estimator", "dine"]) == 2


def test_estimate_dine_reads_integer_csv_columns_as_symbols_and_its_window_reaches_x_t_minus_depth() -> None:
    import numpy as np

    from dicert.proofs.cli.estimate import _build, _looks_discrete

    assert _looks_discrete(np.array([0.0, 1.0, 1.0])) and not _looks_discrete(np.array([0.0, 0.5]))
    assert not _looks_discrete(np.arange(100, dtype=np.float64))  # 100 distinct values: real-valued
    pytest.importorskip("jax")
    model = _build("dine", 1, "I4", True)
    assert model.memory == 2 and model.input_kind == "discrete"

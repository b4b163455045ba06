"""Progress with ETA off a terminal (issue 14 item 2): discover, bounds, sweep print plain periodic lines on stderr.

stderr is a StringIO here (not a terminal), as in a log or a pipe; the
interval between lines is set to 0 with ``DICERT_PROGRESS_INTERVAL``.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
from pathlib import Path

import pytest

from dicert.proofs.cli import run

LINE = r"{label}: (\d+)/(\d+) \(\d+\.\d%\), elapsed [0-9.]+ (s|min), ETA ([0-9.]+ (s|min)|\?)"


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def _every_update(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DICERT_PROGRESS_INTERVAL", "0")


def test_discover_off_a_terminal_prints_value_iteration_and_bound_stages_with_eta() -> None:
    code, out, err = _run(["discover", "bsc:p=0.1", "--steps", "60"])
    assert code == 0 and "upper_estimate" in out
    vi = [re.fullmatch(LINE.format(label=r"discover bsc:p=0\.1: value iteration"), line) for line in err.splitlines()]
    vi = [m for m in vi if m]
    assert vi and int(vi[-1].group(1)) == int(vi[-1].group(2))  # the last line: done == (estimated) total
    assert any(m.group(4) != "?" for m in vi[1:]) or len(vi) == 1
    bounds = [line for line in err.splitlines() if re.fullmatch(LINE.format(label=r"discover bsc:p=0\.1: Q-graph bounds"), line)]
    assert bounds and bounds[-1].startswith("discover bsc:p=0.1: Q-graph bounds: 1/1 (100.0%)")
    assert "\x1b" not in err


def test_bounds_announces_a_long_solve_and_refuses_it_above_the_time_limit(tmp_path: Path, monkeypatch) -> None:
    states = 300  # a ring channel: 300 states took 38 s here (model: 55 s) (verify/time_models.py), minutes on a loaded machine
    law = [[[0.9, 0.1], [0.2, 0.8]] for _ in range(states)]
    nxt = [[[(s + x + y) % states for y in range(2)] for x in range(2)] for s in range(states)]
    channel = tmp_path / "ring.json"
    channel.write_text(json.dumps({"type": "unifilar", "states": states, "inputs": 2, "outputs": 2, "law": law,
                                   "next_state": nxt}))
    monkeypatch.setenv("DICERT_TIME_LIMIT", "10s")
    code, out, err = _run(["bounds", str(channel)])
    lines = err.splitlines()
    assert code == 2 and out == ""
    assert lines[0] == "--graph debruijn:1: the bound program for 300 states on 2 nodes: estimated 55 s (size model)"
    assert lines[1] == ("dicert: error: --graph debruijn:1: the bound program for 300 states on 2 nodes needs an "
                        "estimated 55 s > time limit 10 s (DICERT_TIME_LIMIT); pass --yes to run anyway (or raise "
                        "DICERT_TIME_LIMIT)")


def test_bounds_long_solve_shows_a_heartbeat_with_eta_from_the_size_model(monkeypatch) -> None:
    from dicert.proofs.cli import bounds as bounds_module

    monkeypatch.setattr(bounds_module, "ANNOUNCE_SECONDS", -1.0)  # treat the tiny program as a long one
    code, out, err = _run(["bounds", "trapdoor", "--graph", "debruijn:1", "--yes"])
    assert code == 0 and out.startswith("upper ")
    lines = err.splitlines()
    assert re.fullmatch(r"--graph debruijn:1: the bound program for 2 states on 2 nodes: estimated [0-9.]+ s \(size model\)",
                        lines[0])
    label = "bounds --graph debruijn:1: program (4.40) and duality bound"
    assert lines[1].startswith(f"{label}, elapsed 0.00 s, ETA ") and lines[1].endswith("from the size model)")
    assert any(re.fullmatch(rf"{re.escape(label)}: done, [0-9.]+ s", line) for line in lines)


def test_sweep_off_a_terminal_prints_one_line_per_point_with_eta() -> None:
    code, out, err = _run(["sweep", "bsc", "--param", "p=0.1:0.2:0.1"])
    assert code == 0 and "2 points" in out
    lines = [line for line in err.splitlines() if re.fullmatch(LINE.format(label="sweep bsc p"), line)]
    assert [line.split(" (")[0] for line in lines] == ["sweep bsc p: 0/2", "sweep bsc p: 1/2", "sweep bsc p: 2/2"]
    assert lines[1].endswith(" s") and "ETA ?" not in lines[1]


def test_bad_progress_interval_is_one_line_naming_the_variable(monkeypatch) -> None:
    monkeypatch.setenv("DICERT_PROGRESS_INTERVAL", "soon")
    code, _, err = _run(["sweep", "bsc", "--param", "p=0.1:0.1:0.1"])
    assert code == 2 and err == "dicert: error: DICERT_PROGRESS_INTERVAL: expected a number of seconds >= 0, got 'soon'\n"

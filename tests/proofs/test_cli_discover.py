"""``dicert discover``: JSON contract, plots, bad input, and the done-when runs."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from dicert.proofs.cli import run


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert run(argv) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    return json.loads(out[0])


def test_json_output_for_memoryless_channel(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, ["discover", "bsc:p=0.1", "--json", "--steps", "60"])
    assert data["graph"]["phi"] == [[0, 0]] and data["nodes"] == 1
    closed = 1 + 0.1 * math.log2(0.1) + 0.9 * math.log2(0.9)
    assert abs(data["upper_estimate"] - closed) < 1e-7 and abs(data["lower_estimate"] - closed) < 1e-7
    assert float(data["upper"]) >= closed - 1e-15 and data["lower"] is None        # only valid bounds
    assert data["seconds"] > 0 and data["plots"] == []


@pytest.mark.slow
def test_plot_directory_receives_all_figures(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["discover", "trapdoor", "--json", "--plot", str(tmp_path), "--nletter", "2",
            "--steps", "300", "--belief-resolution", "60", "--action-resolution", "20"]
    data = _json(capsys, argv)
    names = sorted(Path(p).name for p in data["plots"])
    stems = ["belief_histogram", "nletter_bounds", "policy", "qgraph", "value_function", "value_iteration"]
    assert names == sorted(f"{s}{ext}" for s in stems for ext in (".png", ".svg"))
    for p in data["plots"]:
        assert Path(p).stat().st_size > 2000
    assert data["nletter"]["ns"] == [1, 2]


def test_human_output_names_graph_and_bounds(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["discover", "bsc:p=0.2", "--steps", "60"]) == 0
    out = capsys.readouterr().out
    assert "graph phi [[0, 0]]" in out and "upper 0.27807" in out and "upper_estimate" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["discover", "gilbert-elliott"], "unifilar"),
        (["discover", "ising", "--steps", "3"], "--steps"),
        (["discover", "no-such-channel"], "channel"),
    ],
)
def test_bad_input_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    assert run(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]


@pytest.mark.slow
def test_discover_trapdoor_and_ising_reach_known_capacities(capsys: pytest.CaptureFixture[str]) -> None:
    roots = np.roots([1.0, -5.0, 6.0, -4.0, 1.0])  # a^3 = (1 - a)^4
    a = next(r.real for r in roots if abs(r.imag) < 1e-12 and 0 < r.real < 1)
    known = {"trapdoor": math.log2((1 + math.sqrt(5)) / 2), "ising": -0.5 * math.log2(a)}
    for name, capacity in known.items():
        data = _json(capsys, ["discover", name, "--json"])
        assert data["upper_estimate"] - data["lower_estimate"] < 1e-6
        assert abs(data["upper_estimate"] - capacity) < 1e-6
        assert float(data["upper"]) >= capacity
        assert data["nodes"] == 4


def test_certify_brackets_memoryless_capacity_with_intervals(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(capsys, ["discover", "bsc:p=0.1", "--json", "--steps", "60", "--certify"])
    closed = 1 + 0.1 * math.log2(0.1) + 0.9 * math.log2(0.9)
    cert = data["certificate"]
    assert cert["verified"] and cert["result"] == "qgraph_bracket"
    hi, lo = float(cert["upper"]), float(cert["lower"])
    assert hi >= closed - 1e-15 and hi - closed < 1e-9
    assert lo <= closed + 1e-15 and closed - lo < 1e-9


@pytest.mark.slow
def test_certify_proves_an_upper_bound_within_1e_9_of_the_trapdoor_capacity(capsys: pytest.CaptureFixture[str]) -> None:
    import mpmath

    data = _json(capsys, ["discover", "trapdoor", "--json", "--certify"])
    hi = mpmath.mpf(data["certificate"]["upper"])
    with mpmath.workdps(40):
        capacity = mpmath.log((1 + mpmath.sqrt(5)) / 2, 2)
        assert hi >= capacity, "a certified upper bound below the capacity would be unsound"
        assert hi - capacity < mpmath.mpf("1e-9")

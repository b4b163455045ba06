"""``dicert sweep``: grid parsing, SQLite resume, exports, bad input, a certified curve (issue 12, item 6)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from dicert.proofs.cli import run
from dicert.verify.errors import InvalidInput
from dicert.verify.sweep import closed_form_value, parameter_grid


def _json(capsys, argv):
    assert run(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_parameter_grid_includes_stop_and_uses_exact_decimals():
    assert parameter_grid("eps=0:0.9:0.1") == ("eps", ["0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"])
    with pytest.raises(InvalidInput, match="STEP must be > 0"):
        parameter_grid("eps=0:1:0")


@pytest.mark.slow
def test_sweep_resumes_from_the_database_and_writes_csv_latex_plot(capsys, tmp_path: Path):
    db, csv, tex, plots = tmp_path / "s.sqlite", tmp_path / "s.csv", tmp_path / "s.tex", tmp_path / "plots"
    argv = ["sweep", "bsc", "--param", "p=0.1:0.2:0.1", "--db", str(db), "--csv", str(csv), "--latex", str(tex),
            "--plot", str(plots), "--json"]
    first = _json(capsys, argv)
    assert first["computed"] == 2 and first["resumed"] == 0
    for point in first["points"]:
        p = float(point["value"])
        closed = 1 + p * math.log2(p) + (1 - p) * math.log2(1 - p)
        assert float(point["upper"]) >= closed - 1e-12  # a valid bound, not an estimate
        assert point["certified"] is False and point["lower"] is None
    second = _json(capsys, argv)
    assert second["computed"] == 0 and second["resumed"] == 2
    assert [p["upper"] for p in second["points"]] == [p["upper"] for p in first["points"]]
    assert csv.read_text().splitlines()[0].startswith("p,lower,upper,gap,certified")
    assert "\\begin{tabular}" in tex.read_text()
    assert sorted(p.name for p in plots.iterdir()) == ["sweep_bsc_p.png", "sweep_bsc_p.svg"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["sweep", "bec-noc", "--param", "eps"], "--param: expected NAME=START:STOP:STEP"),
        (["sweep", "bec-noc", "--param", "eps=0.5:0.1:0.1"], "--param: expected START <= STOP"),
        (["sweep", "bec-noc", "--param", "eps=0:x:0.1"], "--param: STOP must be a decimal"),
        (["sweep", "bec-noc", "--param", "eps=0:0.1:0.1", "--jobs", "0"], "--jobs"),
    ],
)
def test_sweep_bad_input_exits_2_with_one_line(argv, message, capsys):
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


@pytest.mark.slow
def test_certified_bec_noc_curve_contains_the_closed_form(capsys, tmp_path: Path):
    data = _json(capsys, ["sweep", "bec-noc", "--param", "eps=0.5:0.6:0.1", "--certify", "--json"])
    assert data["all_certified"]
    for point in data["points"]:
        closed = closed_form_value("bec-noc", "eps", point["value"])  # Sabag et al. 2016, Thm 1
        assert float(point["lower"]) <= closed + 1e-12 and closed <= float(point["upper"])
        assert float(point["upper"]) - float(point["lower"]) < 3e-9

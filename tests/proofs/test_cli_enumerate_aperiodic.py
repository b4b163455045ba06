"""``dicert enumerate --aperiodic``: the counts of aperiodic Q-graphs (brute-forced in tests/graphs/test_period.py)."""

from __future__ import annotations

import json

import pytest

from dicert.proofs.cli import run


@pytest.mark.parametrize("m, expected", [(1, 1), (2, 5), (3, 50), (4, 866), (5, 21126)])
def test_cli_enumerate_aperiodic_counts_m_1_to_5(m, expected, capsys):
    assert run(["enumerate", "--nodes", str(m), "--outputs", "2", "--aperiodic", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["count"] == expected and data["aperiodic"] is True and data["outputs"] == 2


def test_cli_refuses_aperiodic_ranking_in_one_line(capsys):
    assert run(["enumerate", "--nodes", "2", "--aperiodic", "--channel", "trapdoor"]) == 2
    assert "--aperiodic" in capsys.readouterr().err

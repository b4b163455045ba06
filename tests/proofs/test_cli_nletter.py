"""``dicert bounds CHANNEL --nletter N [--no-feedback]`` on any FSC, and the unifilar-only refusals."""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pytest

from dicert.proofs.cli import run
from dicert.verify.capacity.blahut_arimoto import blahut_arimoto


def _entropy_rate_bracket(g: float, b: float, pg: float, pb: float, n: int) -> tuple[float, float]:
    """Bracket of the entropy rate of the Gilbert-Elliott noise (stationary start), by brute force.

    ``H(Z_n | Z^{n-1}, S_0) <= H(Z) <= H(Z_n | Z^{n-1})`` (Cover-Thomas Thm 4.5.1, functions of a Markov chain).
    """
    move = np.array([[1 - g, g], [b, 1 - b]])
    flip = np.array([pg, pb])
    pi = np.array([b, g]) / (g + b)

    def block_entropy(length: int, start: np.ndarray) -> float:
        total = 0.0
        for z in itertools.product((0, 1), repeat=length):
            alpha = start.copy()
            for zi in z:
                alpha = (alpha * np.where(zi, flip, 1 - flip)) @ move
            p = alpha.sum()
            total -= p * math.log2(p) if p > 0 else 0.0
        return total

    upper = block_entropy(n, pi) - block_entropy(n - 1, pi)
    cond = [block_entropy(n, np.eye(2)[s]) - block_entropy(n - 1, np.eye(2)[s]) for s in (0, 1)]
    # H(Z_n|Z^{n-1},S_0) = sum_s pi(s) [H(Z^n|S_0=s) - H(Z^{n-1}|S_0=s)]
    lower = float(pi @ np.array(cond))
    return lower, upper


@pytest.mark.slow
def test_gilbert_elliott_file_nletter_6_brackets_the_capacity_with_and_without_feedback(capsys):
    assert run(["bounds", "examples/gilbert_elliott.json", "--nletter", "6", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    fb, nf = data["feedback"], data["no_feedback"]
    assert fb["ns"] == list(range(1, 7)) and nf["ns"] == list(range(1, 7))
    for seq in (fb, nf):
        assert all(b >= a for a, b in zip(seq["lower"], seq["lower"][1:]))  # increasing
        assert all(b <= a for a, b in zip(seq["upper"], seq["upper"][1:]))  # decreasing
        assert all(lo < hi for lo, hi in zip(seq["lower"], seq["upper"]))
    # capacity = 1 - entropy rate of the additive Markov noise, with or without feedback (Alajaji 1995)
    h_lo, h_hi = _entropy_rate_bracket(0.1, 0.3, 0.01, 0.3, 10)
    assert h_hi - h_lo < 1e-2
    assert fb["lower"][-1] <= 1 - h_hi and 1 - h_lo <= fb["upper"][-1]
    assert nf["lower"][-1] <= 1 - h_hi and 1 - h_lo <= nf["upper"][-1]
    assert data["lower"] == fb["lower"][-1] and data["upper"] == fb["upper"][-1]
    assert "not certified" in data["note"]


def test_memoryless_special_case_equals_blahut_arimoto(capsys):
    """A Gilbert-Elliott channel whose two states have the same crossover is the BSC (Example 4.1.1)."""
    assert run(["bounds", "gilbert-elliott:pg=0.2,pb=0.2", "--nletter", "3", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    cap = blahut_arimoto(np.array([[0.8, 0.2], [0.2, 0.8]])).value
    for side in ("feedback", "no_feedback"):
        seq = data[side]
        assert all(lo <= cap + 1e-9 <= hi + 2e-9 for lo, hi in zip(seq["lower"], seq["upper"]))
        # the gap is exactly the log2|S|/n slack: the block values equal C at every n
        gaps = [hi - lo for lo, hi in zip(seq["lower_per_n"], seq["upper_per_n"])]
        assert np.allclose(gaps, [2 / n for n in (1, 2, 3)], atol=1e-4)


def test_no_feedback_only_and_constrained_channel(capsys):
    assert run(["bounds", "bec-noc:eps=0.5", "--nletter", "3", "--no-feedback", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "feedback" not in data and data["constrained"] is True
    assert data["upper"] == data["no_feedback"]["upper"][-1]


def test_nletter_human_table(capsys):
    assert run(["bounds", "trapdoor", "--nletter", "2"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[0].startswith("lower ")
    assert "no-feedback upper" in captured.err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["bounds", "examples/gilbert_elliott.json"], "the Q-graph bound (Thm 4.4.3) needs a unifilar channel (Def. 4.2.3)"),
        (["discover", "gilbert-elliott"], "discover (belief MDP of sec. 4.3"),
        (["enumerate", "--nodes", "2", "--rank", "--channel", "gilbert-elliott"], "enumerate --rank"),
        (["bounds", "trapdoor", "--no-feedback"], "--no-feedback: expected --nletter N"),
        (["bounds", "trapdoor", "--nletter", "-1"], "--nletter: expected an integer >= 1"),
        (["bounds", "gilbert-elliott", "--nletter", "40"], "n: n-letter arrays for n=40"),
    ],
)
def test_unifilar_only_methods_refuse_a_general_fsc_in_one_line(argv, message, capsys):
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1

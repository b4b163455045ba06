"""n-letter bounds on the capacity without feedback (eq. (4.12), Gallager Thm 4.6.1)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from dicert.verify.capacity.blahut_arimoto import blahut_arimoto
from dicert.verify.capacity.nletter import nletter_bounds
from dicert.verify.capacity.nofeedback import admissible_blocks, block_channel, nofeedback_bounds
from dicert.verify.channels import parse_channel
from dicert.verify.errors import TooLarge
from dicert.verify.memory import memory_limit


def noise_entropy_bits(g: float, b: float, pg: float, pb: float, n: int, s0: int) -> float:
    """H(Z^n | s0) of the Gilbert-Elliott noise, by brute force over z^n (forward algorithm)."""
    move = np.array([[1 - g, g], [b, 1 - b]])
    flip = np.array([pg, pb])
    total = 0.0
    for z in itertools.product((0, 1), repeat=n):
        alpha = np.eye(2)[s0]
        for zi in z:
            alpha = (alpha * np.where(zi, flip, 1 - flip)) @ move
        p = alpha.sum()
        total -= p * math.log2(p) if p > 0 else 0.0
    return total


@pytest.mark.parametrize("n", [1, 3, 5])
def test_additive_noise_fsc_values_equal_one_minus_noise_entropy_with_and_without_feedback(n: int) -> None:
    """Gilbert-Elliott is Y = X xor Z with Z independent of X: max I = n - H(Z^n|s0), feedback or not
    (Alajaji 1995, 'Feedback does not increase the capacity of discrete channels with additive noise')."""
    params = dict(g=0.1, b=0.3, pg=0.01, pb=0.3)
    ch = parse_channel("gilbert-elliott:" + ",".join(f"{k}={v}" for k, v in params.items()))
    nofb = nofeedback_bounds(ch, n)
    fb = nletter_bounds(ch, n)
    for s0 in (0, 1):
        expected = 1 - noise_entropy_bits(**params, n=n, s0=s0) / n
        assert nofb.per_state_lower[-1, s0] <= expected + 1e-9 <= nofb.per_state_upper[-1, s0] + 2e-9
        assert abs(fb.per_state[-1, s0] - expected) < 1e-6
    worst = 1 - max(noise_entropy_bits(**params, n=n, s0=s) for s in (0, 1)) / n
    assert abs(nofb.maxmin_lower[-1] - worst) < 1e-7


def test_nofeedback_is_below_feedback_on_the_trapdoor() -> None:
    nofb = nofeedback_bounds(parse_channel("trapdoor"), 4)
    fb = nletter_bounds(parse_channel("trapdoor"), 4)
    assert np.all(nofb.per_state_lower <= fb.per_state + 1e-7)
    # feedback strictly helps from n = 3 on (C_fb = log2 golden ratio > 0.661 >= C, Lutz 2014)
    assert fb.per_state[2, 0] - nofb.per_state_upper[2, 0] > 1e-3
    assert np.all(np.diff(nofb.lower_monotone[1:]) >= 0) and np.all(np.diff(nofb.upper_monotone) <= 0)


def test_dmc_block_values_equal_blahut_arimoto() -> None:
    matrix = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
    cap = blahut_arimoto(matrix).value
    b = nofeedback_bounds(matrix, 3)
    assert np.allclose(b.lower, cap, atol=1e-8) and np.allclose(b.upper, cap, atol=1e-8)


def test_constrained_blocks_are_the_words_without_11() -> None:
    ch = parse_channel("bsc-noc:p=0.1")
    ok = admissible_blocks(ch, 4, [0])
    words = [format(i, "04b") for i in range(16)]
    assert [w for w, o in zip(words, ok) if o] == [w for w in words if "11" not in w]
    both = admissible_blocks(ch, 3, [0, 1])  # unknown start (previous input 0 or 1): as if preceded by a 1
    words3 = [format(i, "03b") for i in range(8)]
    assert [w for w, o in zip(words3, both) if o] == [w for w in words3 if "11" not in "1" + w]


def test_block_channel_rows_are_pmfs_and_size_is_guarded() -> None:
    w = block_channel(parse_channel("gilbert-elliott"), 3, 1)
    assert w.shape == (8, 8) and np.allclose(w.sum(axis=1), 1.0)
    with memory_limit("1MiB"), pytest.raises(TooLarge, match="n: n-letter arrays"):
        nofeedback_bounds(parse_channel("gilbert-elliott"), 12)

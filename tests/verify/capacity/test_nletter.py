"""n-letter DI maximisation (Thm 4.2.1) and the classic lower/upper bound sequences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dicert.verify.capacity.blahut_arimoto import blahut_arimoto
from dicert.verify.capacity.nletter import (
    causal_channel_levels,
    fsc_law,
    nletter_bounds,
    nletter_maxmin_value,
    nletter_value,
)
from dicert.verify.channels import parse_channel
from dicert.verify.errors import InvalidChannel, InvalidInput, TooLarge
from dicert.verify.memory import memory_limit

TRAPDOOR_CAPACITY = math.log2((1 + math.sqrt(5)) / 2)  # [Permuter2008Trapdoor]


@pytest.mark.parametrize("n", [1, 2, 3])
def test_nletter_value_of_dmc_equals_ba_capacity(n: int) -> None:
    matrix = np.array([[0.8, 0.15, 0.05], [0.1, 0.2, 0.7]])
    assert abs(nletter_value(matrix, n).value - blahut_arimoto(matrix).value) < 1e-7


def test_causal_channel_is_a_conditional_pmf_per_input_sequence() -> None:
    law = fsc_law(parse_channel("gilbert-elliott"))
    levels = causal_channel_levels(law, 3, initial_state=np.array([0.5, 0.5]))
    k3 = levels[-1].reshape((2, 2) * 3)  # (x1, y1, x2, y2, x3, y3)
    per_x = k3.sum(axis=(1, 3, 5))  # sum over y^3 for every x^3
    assert np.allclose(per_x, 1.0)


def test_trapdoor_bounds_are_monotone_and_bracket_the_capacity() -> None:
    calls: list[tuple[int, int]] = []
    bounds = nletter_bounds(parse_channel("trapdoor"), 6, progress=lambda n, total: calls.append((n, total)))
    assert calls == [(n, 6) for n in range(1, 7)]
    assert np.all(np.diff(bounds.lower_monotone) >= 0)
    assert np.all(np.diff(bounds.upper_monotone) <= 0)
    assert np.all(bounds.lower <= TRAPDOOR_CAPACITY) and np.all(bounds.upper >= TRAPDOOR_CAPACITY)
    assert np.all(bounds.maxmin <= bounds.maxmax + 1e-8)
    # for the trapdoor the raw n-letter values increase towards log2(golden ratio)
    assert np.all(np.diff(bounds.maxmax) > 0) and bounds.maxmax[-1] < TRAPDOOR_CAPACITY
    assert abs(bounds.per_state[1, 0] - 0.5413628704) < 1e-7  # C_2(s0=0), also computed by directed BA


def test_gilbert_elliott_bounds_are_monotone_and_ordered() -> None:
    bounds = nletter_bounds(parse_channel("gilbert-elliott"), 5)
    assert np.all(np.diff(bounds.lower_monotone) >= 0)
    assert np.all(np.diff(bounds.upper_monotone) <= 0)
    assert np.all(bounds.lower_monotone <= bounds.upper_monotone)
    assert np.all(bounds.per_state.min(axis=1) >= bounds.maxmin - 1e-7)
    # the slack log2|S|/n shrinks: the last bracket is narrower than the first
    assert bounds.upper_monotone[-1] - bounds.lower_monotone[-1] < bounds.upper[0] - bounds.lower[0]


def test_maxmin_of_one_state_channel_equals_value() -> None:
    matrix = np.array([[0.9, 0.1], [0.2, 0.8]])
    assert abs(nletter_maxmin_value(matrix, 2).value - nletter_value(matrix, 2).value) < 1e-7


def test_memory_guard_refuses_large_n() -> None:
    with memory_limit("1MiB"), pytest.raises(TooLarge, match="n: n-letter arrays for n=12"):
        nletter_value(parse_channel("trapdoor"), 12)


def test_bad_inputs_raise() -> None:
    with pytest.raises(InvalidInput, match="n: expected an integer >= 1"):
        nletter_value(np.eye(2), 0)
    with pytest.raises(InvalidChannel, match="channel: expected matrix"):
        nletter_value(np.ones((2, 2, 2)), 1)
    assert fsc_law(parse_channel("bec-noc")).shape == (2, 2, 3, 2)  # constraints travel separately now
    with pytest.raises(InvalidInput, match="initial_state"):
        nletter_value(parse_channel("trapdoor"), 1, initial_state=np.array([0.5, 0.6]))

"""Accelerated extended BA (safeguarded SQUAREM): a valid bracket, fewer maps where plain BA is slow, and an upper
bound (2.44) that stays valid for inputs whose output law has zeros."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dicert.verify.capacity.directed_ba import (
    _ba_step,
    _conditionals,
    _history_y_index,
    directed_blahut_arimoto,
)
from dicert.verify.capacity.nletter import causal_channel_levels, fsc_law
from dicert.verify.channels import parse_channel

Z_CAPACITY = math.log2(1.25)  # Z-channel with crossover 1/2: log2(1 + 2^-2)


def _setup(channel, n: int) -> tuple:
    law = fsc_law(channel)
    _, nx, ny, _ = law.shape
    levels = causal_channel_levels(law, n, 0)
    cond = _conditionals(levels)
    log_cond = [np.log(np.where(c > 0, c, 1.0)) for c in cond]
    return cond, log_cond, levels[-1].reshape(-1), [_history_y_index(i, nx, ny) for i in range(n + 1)], nx, ny


def test_upper_bound_of_an_input_that_never_sends_one_is_still_at_least_the_z_channel_capacity() -> None:
    # x = 0 always: P(y = 1) = 0 although x = 1 can produce y = 1; with T = P_r the bound would be 0 < C
    z = np.array([[1.0, 0.0], [0.5, 0.5]])
    lower, upper, _ = _ba_step([np.array([[1.0, 0.0]])], _setup(z, 1))
    assert lower == 0.0 and upper / math.log(2) >= Z_CAPACITY


@pytest.mark.parametrize("spec, n", [("ising", 4), ("trapdoor", 4), ("bsc:p=0.11", 3)])
def test_accelerated_and_plain_ba_brackets_overlap_and_are_each_within_tolerance(spec: str, n: int) -> None:
    channel = parse_channel(spec)
    fast = directed_blahut_arimoto(channel, n, tol=1e-9)
    plain = directed_blahut_arimoto(channel, n, tol=1e-9, accelerate=False)
    assert fast.converged and plain.converged
    assert fast.lower <= plain.upper + 1e-12 and plain.lower <= fast.upper + 1e-12
    assert 0 <= fast.upper - fast.lower <= 1e-9


@pytest.mark.slow
def test_acceleration_needs_several_times_fewer_maps_on_the_trapdoor_where_the_optimal_input_has_ties() -> None:
    channel = parse_channel("trapdoor")
    fast = directed_blahut_arimoto(channel, 5, tol=1e-9)
    plain = directed_blahut_arimoto(channel, 5, tol=1e-9, accelerate=False)
    assert fast.converged and plain.converged and fast.iterations * 4 < plain.iterations
    assert fast.lower <= plain.upper and plain.lower <= fast.upper

"""Extended Blahut-Arimoto for DI (2.44)-(2.47) against BA and the n-letter convex program."""

from __future__ import annotations

import numpy as np
import pytest

from dicert.verify.capacity.blahut_arimoto import blahut_arimoto
from dicert.verify.capacity.directed_ba import directed_blahut_arimoto, policy_directed_information_rate
from dicert.verify.capacity.nletter import fsc_law, nletter_value
from dicert.verify.channels import parse_channel
from dicert.verify.errors import InvalidInput

MEMORYLESS = {
    "bsc": np.array([[0.9, 0.1], [0.1, 0.9]]),
    "bec": np.array([[0.7, 0.3, 0.0], [0.0, 0.3, 0.7]]),
    "z": np.array([[1.0, 0.0], [0.5, 0.5]]),
    "random3x3": np.random.default_rng(7).dirichlet(np.ones(3), size=3),
    "random2x4": np.random.default_rng(8).dirichlet(np.ones(4), size=2),
}


@pytest.mark.parametrize("name", sorted(MEMORYLESS))
@pytest.mark.parametrize("n", [1, 2, 3])
def test_directed_ba_on_memoryless_channel_equals_ba_capacity(name: str, n: int) -> None:
    matrix = MEMORYLESS[name]
    capacity = blahut_arimoto(matrix, tol=1e-12).value
    result = directed_blahut_arimoto(matrix, n, tol=1e-7)
    assert result.converged
    assert result.lower - 1e-12 <= capacity <= result.upper + 1e-12
    assert result.upper - result.lower <= 1e-7


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_directed_ba_reproduces_nletter_program_on_trapdoor(n: int) -> None:
    channel = parse_channel("trapdoor")
    program = nletter_value(channel, n, initial_state=0).value
    result = directed_blahut_arimoto(channel, n, initial_state=0, tol=2e-7)
    assert result.converged
    assert result.lower - 1e-8 <= program <= result.upper + 1e-8
    assert abs(result.value - program) < 1e-6


def test_directed_ba_matches_program_on_non_unifilar_channel_with_initial_pmf() -> None:
    channel = parse_channel("gilbert-elliott")
    initial = np.array([0.3, 0.7])
    program = nletter_value(channel, 3, initial_state=initial).value
    result = directed_blahut_arimoto(channel, 3, initial_state=initial, tol=1e-7)
    assert result.lower - 1e-8 <= program <= result.upper + 1e-8


def test_lower_bound_is_the_directed_information_of_the_returned_policy() -> None:
    channel = parse_channel("trapdoor")
    result = directed_blahut_arimoto(channel, 3, initial_state=1, tol=1e-5)
    rate = policy_directed_information_rate(channel, result.input_policy, initial_state=1)
    # the bracket was evaluated one update before the returned policy; it can only improve
    assert rate >= result.lower - 1e-12
    assert rate <= result.upper + 1e-12


def test_feedback_increases_trapdoor_rate_beyond_one_letter() -> None:
    channel = parse_channel("trapdoor")
    one = directed_blahut_arimoto(channel, 1, tol=1e-8).value
    three = directed_blahut_arimoto(channel, 3, tol=1e-8).value
    assert three > one + 0.2


def test_policy_shapes_follow_interleaved_histories() -> None:
    result = directed_blahut_arimoto(fsc_law(np.eye(2)), 3, tol=1e-6)
    assert [p.shape for p in result.input_policy] == [(1, 2), (4, 2), (16, 2)]
    for p in result.input_policy:
        assert np.allclose(p.sum(axis=1), 1.0)


def test_bad_arguments_raise() -> None:
    with pytest.raises(InvalidInput, match="n: expected an integer >= 1"):
        directed_blahut_arimoto(np.eye(2), 0)
    with pytest.raises(InvalidInput, match="tol"):
        directed_blahut_arimoto(np.eye(2), 1, tol=-1.0)
    with pytest.raises(InvalidInput, match="initial_state"):
        directed_blahut_arimoto(parse_channel("trapdoor"), 1, initial_state=5)
    with pytest.raises(InvalidInput, match=r"policy\[0\]"):
        policy_directed_information_rate(np.eye(2), [np.full((1, 2), 0.7)])

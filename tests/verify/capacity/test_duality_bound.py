"""Duality upper bound (Thm 4.5.2) as an MDP (sec. 4.5.1), Ising test distribution (4.56)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import brentq

from dicert.graphs.debruijn import debruijn_qgraph
from dicert.graphs.qgraph import QGraph
from dicert.verify.capacity.duality import DualityMDP, duality_upper_bound
from dicert.verify.capacity.qgraph_bounds import qgraph_upper_bound
from dicert.verify.channels import bec, bec_noc_channel, bsc, ising_channel, trapdoor_channel, z_channel
from dicert.verify.errors import InvalidInput

ISING_CAPACITY = 0.57552157416805778
TRAPDOOR_CAPACITY = 0.69424191363061730
ISING_FIG_4_4 = QGraph([[3, 1], [3, 0], [3, 0], [2, 0]])  # nodes q1..q4 of (4.56) -> 0..3


def ising_test_distribution(a: float) -> np.ndarray:
    """T(y|q) of (4.56)."""
    t0 = np.array([(1 - a) / 2, (1 - a) / (1 + a), 2 * a / (1 + a), (1 + a) / 2])
    return np.stack([t0, 1 - t0], axis=1)


A_STAR = brentq(lambda a: a**3 - (1 - a) ** 4, 0.0, 1.0)


def test_ising_duality_bound_with_test_distribution_4_56_is_the_capacity():
    result = duality_upper_bound(ising_channel(), ISING_FIG_4_4, ising_test_distribution(A_STAR))
    assert abs(result.upper - ISING_CAPACITY) < 1e-10
    assert abs(result.rho - ISING_CAPACITY) < 1e-10
    assert abs(result.rho + 0.5 * math.log2(A_STAR)) < 1e-12  # rho(a) = -1/2 log2 a, (4.57)
    assert result.bellman_residual < 1e-11
    # The value function (4.58)-(4.61), up to the additive constant (node q_k -> column k-1).
    v, rho = result.value, result.rho
    a = A_STAR
    assert abs((v[0, 0] - v[0, 3]) - (1 - math.log2(1 - a) - rho)) < 1e-10
    assert abs((v[0, 1] - v[0, 3]) - (math.log2((1 + a) / (1 - a)) - rho)) < 1e-10
    assert abs(v[0, 0] - v[1, 3]) < 1e-10 and abs(v[0, 1] - v[1, 2]) < 1e-10 and abs(v[0, 3] - v[1, 0]) < 1e-10


def test_ising_value_function_satisfies_the_bellman_equation_4_55():
    result = duality_upper_bound(ising_channel(), ISING_FIG_4_4, ising_test_distribution(A_STAR))
    mdp = DualityMDP(ising_channel(), ISING_FIG_4_4, result.test_distribution)
    flat = result.value.reshape(-1)
    np.testing.assert_allclose(mdp.bellman(flat), result.rho + flat, atol=1e-12)


@settings(max_examples=40, deadline=None)
@given(a=st.floats(0.05, 0.95))
def test_duality_bound_with_any_ising_test_distribution_is_at_least_the_capacity(a):
    result = duality_upper_bound(ising_channel(), ISING_FIG_4_4, ising_test_distribution(a))
    assert result.upper >= ISING_CAPACITY - 1e-12


def test_duality_bound_with_the_natural_test_distribution_is_close_to_the_qgraph_bound():
    graph = QGraph([[0, 1], [0, 2], [1, 2]])  # the best 3-node graph for the trapdoor channel
    qbound = qgraph_upper_bound(trapdoor_channel(), graph, lower=False)
    result = duality_upper_bound(trapdoor_channel(), graph, qbound.output_law)
    assert result.upper >= TRAPDOOR_CAPACITY - 1e-12
    assert result.upper - TRAPDOOR_CAPACITY < 1e-3


def z_capacity_and_output(p: float) -> tuple[float, np.ndarray]:
    capacity = math.log2(1 + (1 - p) * p ** (p / (1 - p)))
    entropy = -p * math.log2(p) - (1 - p) * math.log2(1 - p)
    q1 = 1 / ((1 - p) * (1 + 2 ** (entropy / (1 - p))))  # optimal P(X=1) of the Z channel
    y1 = q1 * (1 - p)
    return capacity, np.array([1 - y1, y1])


@pytest.mark.parametrize("k", [0, 1])
def test_memoryless_duality_bound_with_optimal_output_law_is_the_closed_form_capacity(k):
    h = lambda p: -p * math.log2(p) - (1 - p) * math.log2(1 - p)  # noqa: E731
    z_cap, z_out = z_capacity_and_output(0.3)
    cases = [
        (bsc(0.1), 1 - h(0.1), np.array([0.5, 0.5])),
        (bec(0.25), 0.75, bec(0.25).matrix.mean(axis=0)),  # uniform input is optimal
        (z_channel(0.3), z_cap, z_out),
    ]
    for channel, capacity, output in cases:
        graph = debruijn_qgraph(k, channel.n_outputs)
        result = duality_upper_bound(channel, graph, np.tile(output, (graph.m, 1)))
        assert abs(result.upper - capacity) < 1e-12
        assert result.bellman_residual < 1e-12


def test_duality_policy_respects_input_constraints():
    channel = bec_noc_channel(0.5)
    graph = debruijn_qgraph(1, 3)
    result = duality_upper_bound(channel, graph, np.full((3, 3), 1 / 3))
    allowed = channel.allowed_mask
    for s in range(2):
        for q in range(3):
            assert allowed[s, result.policy[s, q]]
    assert np.isneginf(result.reward[1, :, 1]).all()
    assert result.to_dict()["reward"][1][0][1] is None


def test_duality_bound_rejects_bad_test_distributions():
    graph = debruijn_qgraph(1, 2)
    with pytest.raises(InvalidInput, match="shape"):
        duality_upper_bound(ising_channel(), graph, np.full((3, 2), 0.5))
    with pytest.raises(InvalidInput, match="sums to"):
        duality_upper_bound(ising_channel(), graph, np.full((2, 2), 0.4))
    with pytest.raises(InvalidInput, match="infinite"):
        duality_upper_bound(ising_channel(), graph, np.array([[1.0, 0.0], [0.5, 0.5]]))
    with pytest.raises(InvalidInput, match="tau"):
        duality_upper_bound(ising_channel(), graph, np.full((2, 2), 0.5), tau=0.0)


def test_duality_bound_with_a_multichain_optimal_policy_still_bounds_by_the_bellman_inequality():
    # One node, uniform T: x = s keeps the Ising state forever (two recurrent classes), each
    # with reward D(delta_s || uniform) = 1 bit, so (4.54) has no solution but upper = 1.
    result = duality_upper_bound(ising_channel(), [[0, 0]], [[0.5, 0.5]])
    assert result.policy.tolist() == [[0], [1]]
    assert abs(result.upper - 1.0) < 1e-12 and result.bellman_residual < 1e-12


def test_duality_result_is_json_ready():
    result = duality_upper_bound(bsc(0.1), [[0, 0]], [[0.5, 0.5]])
    data = result.to_dict()
    assert data["graph"] == {"nodes": 1, "outputs": 2, "phi": [[0, 0]]}
    assert data["value"] == [[0.0]] and data["policy"] in ([[0]], [[1]])

"""Q-graph upper bound (Thm 4.4.3) and BCJR-invariant lower bound (Thm 4.4.4, Cor 4.4.5)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from dicert.graphs.debruijn import debruijn_qgraph
from dicert.graphs.enumerate import enumerate_qgraphs
from dicert.graphs.qgraph import QGraph
from dicert.verify.capacity.qgraph_bounds import (
    QGraphBoundProgram,
    bcjr_residual,
    evaluate_policy,
    qgraph_upper_bound,
    rate_of_joint,
    unique_stationary_law,
    unifilar_arrays,
)
from dicert.verify.channels import bec, bec_noc_channel, bsc, ising_channel, post_channel, trapdoor_channel, z_channel
from dicert.verify.errors import InvalidChannel, InvalidGraph, InvalidInput, SolverFailed

TRAPDOOR_CAPACITY = 0.69424191363061730  # log2 of the golden ratio (Permuter et al. 2008)
ISING_CAPACITY = 0.57552157416805778  # -1/2 log2 a, a^3 = (1-a)^4 (Elishco-Permuter 2014, (4.38))
#: The Q-graph of Fig. 4.4 with the node numbering of the test distribution (4.56) (q1..q4 -> 0..3).
ISING_FIG_4_4 = QGraph([[3, 1], [3, 0], [3, 0], [2, 0]])


def h2(p: float) -> float:
    return 0.0 if p in (0.0, 1.0) else -p * math.log2(p) - (1 - p) * math.log2(1 - p)


def z_capacity(p: float) -> float:
    """Closed form of the Z-channel capacity, log2(1 + (1-p) p^(p/(1-p)))."""
    return math.log2(1 + (1 - p) * p ** (p / (1 - p)))


MEMORYLESS = [
    pytest.param(bsc(0.1), 1 - h2(0.1), id="bsc-0.1"),
    pytest.param(bsc(0.3), 1 - h2(0.3), id="bsc-0.3"),
    pytest.param(bec(0.25), 0.75, id="bec-0.25"),
    pytest.param(z_channel(0.5), z_capacity(0.5), id="z-0.5"),
    pytest.param(z_channel(0.2), z_capacity(0.2), id="z-0.2"),
]


@pytest.mark.parametrize(
    ("channel", "capacity"),
    [(trapdoor_channel(), TRAPDOOR_CAPACITY), (ising_channel(), ISING_CAPACITY)],
    ids=["trapdoor", "ising"],
)
def test_debruijn_upper_bounds_decrease_with_order_and_stay_above_capacity(channel, capacity):
    uppers = [qgraph_upper_bound(channel, debruijn_qgraph(k, 2), lower=False).upper for k in range(4)]
    assert all(later <= earlier + 1e-8 for earlier, later in zip(uppers, uppers[1:]))
    assert uppers[0] > uppers[-1] + 1e-3
    assert min(uppers) >= capacity - 1e-8


def test_best_three_node_graph_for_trapdoor_gives_log2_golden_ratio():
    channel = trapdoor_channel()
    program = QGraphBoundProgram(channel, 3)
    results = [program.solve(g, lower=False) for g in enumerate_qgraphs(3, 2)]
    assert len(results) == 52
    best = min(results, key=lambda r: r.upper)
    assert abs(best.upper - TRAPDOOR_CAPACITY) < 1e-7
    assert all(r.upper >= TRAPDOOR_CAPACITY - 1e-8 for r in results)
    assert sum(abs(r.upper - TRAPDOOR_CAPACITY) < 1e-7 for r in results) == 1
    # The witness: P(y=0|q) on the three nodes is (1/phi, 1/2, 1/phi^2) up to the node order.
    golden = (1 + math.sqrt(5)) / 2
    np.testing.assert_allclose(np.sort(best.output_law[:, 0]), [1 / golden**2, 0.5, 1 / golden], atol=1e-4)
    # Cor 4.4.5 does not close the gap on this graph: no maximiser found is BCJR-invariant.
    again = program.solve(best.graph)
    assert again.bcjr_invariant is False and again.lower is None and again.bcjr_residual > 1e-2


def test_ising_graph_of_fig_4_4_gives_capacity_with_matching_bcjr_lower_bound():
    result = qgraph_upper_bound(ising_channel(), ISING_FIG_4_4)
    assert result.status == "optimal"
    assert abs(result.upper - ISING_CAPACITY) < 1e-7
    assert result.bcjr_invariant is True and result.bcjr_residual < 1e-6
    assert abs(result.lower - ISING_CAPACITY) < 1e-7
    assert result.gap is not None and abs(result.gap) < 1e-7
    # The output law is the test distribution (4.56) at a = a*.
    a = 2 ** (-2 * ISING_CAPACITY)
    expected = np.array([(1 - a) / 2, (1 - a) / (1 + a), 2 * a / (1 + a), (1 + a) / 2])
    np.testing.assert_allclose(result.output_law[:, 0], expected, atol=1e-4)


def test_best_four_node_graph_for_ising_is_fig_4_4():
    program = QGraphBoundProgram(ising_channel(), 4)
    results = [program.solve(g, lower=False) for g in enumerate_qgraphs(4, 2)]
    assert len(results) == 892
    best = min(results, key=lambda r: r.upper)
    assert abs(best.upper - ISING_CAPACITY) < 1e-7
    assert best.graph.canonical() == ISING_FIG_4_4.canonical()
    assert all(r.upper >= ISING_CAPACITY - 1e-8 for r in results)


@pytest.mark.parametrize(("channel", "capacity"), MEMORYLESS)
@pytest.mark.parametrize("k", [0, 1])
def test_memoryless_channel_bounds_equal_closed_form_capacity(channel, capacity, k):
    result = qgraph_upper_bound(channel, debruijn_qgraph(k, channel.n_outputs))
    assert abs(result.upper - capacity) < 1e-7
    assert result.bcjr_invariant is True
    assert abs(result.lower - capacity) < 1e-7


def test_rate_of_maximiser_reevaluates_to_the_upper_bound():
    result = qgraph_upper_bound(trapdoor_channel(), debruijn_qgraph(1, 2))
    joint = result.stationary[:, :, None] * result.policy
    law = unifilar_arrays(trapdoor_channel()).law
    assert abs(rate_of_joint(law, joint) - result.upper) < 1e-7


def test_input_constraint_forces_zero_probability_on_forbidden_inputs():
    channel = bec_noc_channel(0.3)
    result = qgraph_upper_bound(channel, debruijn_qgraph(2, 3))
    forbidden = ~channel.allowed_mask
    assert np.all(result.policy[forbidden[:, None, :].repeat(result.policy.shape[1], axis=1)] == 0)
    assert result.upper < 0.7 - 1e-3  # strictly below the unconstrained BEC capacity 1 - eps
    assert result.upper > 0.5


def test_post_channel_maximiser_on_debruijn_1_is_bcjr_invariant():
    result = qgraph_upper_bound(post_channel(0.3), debruijn_qgraph(1, 2))
    assert result.bcjr_invariant is True
    assert abs(result.lower - result.upper) < 1e-7


def test_evaluate_policy_of_uniform_input_on_bsc_is_mutual_information():
    rate = evaluate_policy(bsc(0.1), debruijn_qgraph(1, 2), np.full((1, 2, 2), 0.5))
    assert abs(rate.rate - (1 - h2(0.1))) < 1e-12
    assert rate.bcjr_invariant()
    np.testing.assert_allclose(rate.stationary, [[0.5, 0.5]])


def test_evaluate_policy_rejects_malformed_policies():
    graph = debruijn_qgraph(1, 2)
    with pytest.raises(InvalidInput, match="policy: expected"):
        evaluate_policy(trapdoor_channel(), graph, np.full((2, 3, 2), 0.5))
    with pytest.raises(InvalidInput, match="sums to"):
        evaluate_policy(trapdoor_channel(), graph, np.full((2, 2, 2), 0.4))
    with pytest.raises(InvalidInput, match="not allowed"):
        evaluate_policy(bec_noc_channel(0.3), debruijn_qgraph(1, 3), np.full((2, 3, 2), 0.5))
    keep_state = np.zeros((2, 2, 2))
    keep_state[0, :, 0] = keep_state[1, :, 1] = 1.0  # x = s: the Ising state never changes
    with pytest.raises(InvalidInput, match="2 recurrent classes"):
        evaluate_policy(ising_channel(), graph, keep_state)


def test_unique_stationary_law_solves_the_balance_equations():
    kernel = np.array([[0.1, 0.9, 0.0], [0.0, 0.2, 0.8], [0.5, 0.0, 0.5]])
    pi = unique_stationary_law(kernel)
    np.testing.assert_allclose(pi @ kernel, pi, atol=1e-14)
    assert abs(pi.sum() - 1) < 1e-14


def test_bcjr_residual_detects_a_non_invariant_input():
    arrays = unifilar_arrays(ising_channel())
    graph = QGraph([[0, 0]])
    joint = np.full((2, 1, 2), 0.25)  # uniform i.i.d. input: the state belief after y is not uniform
    assert bcjr_residual(arrays, graph, joint) > 0.1


def test_program_rejects_graphs_of_the_wrong_size_or_not_strongly_connected():
    program = QGraphBoundProgram(ising_channel(), 2)
    with pytest.raises(InvalidGraph, match="m=2"):
        program.solve(debruijn_qgraph(0, 2))
    with pytest.raises(InvalidGraph, match="r=3"):
        program.solve([[0, 1, 1], [0, 1, 1]])
    with pytest.raises(InvalidGraph, match="not strongly connected"):
        program.solve([[0, 1], [1, 1]])
    with pytest.raises(InvalidInput, match="m: expected"):
        QGraphBoundProgram(ising_channel(), 0)
    with pytest.raises(InvalidInput, match="r: graphs over 3"):
        QGraphBoundProgram(ising_channel(), 2, r=3)


@pytest.mark.parametrize("backend", ["clarabel", "cvxpy"])
def test_solver_status_other_than_optimal_raises_solver_failed(backend):
    program = QGraphBoundProgram(ising_channel(), 2, backend=backend, solver_options={"max_iter": 1})
    with pytest.raises(SolverFailed, match="status"):
        program.solve(debruijn_qgraph(1, 2))


def test_program_rejects_unknown_backend_and_solver_options():
    with pytest.raises(InvalidInput, match="backend"):
        QGraphBoundProgram(ising_channel(), 2, backend="scs")
    with pytest.raises(InvalidInput, match="solver_options"):
        QGraphBoundProgram(ising_channel(), 2, solver_options={"no_such_setting": 1}).solve(debruijn_qgraph(1, 2))


def test_unifilar_arrays_rejects_channels_that_are_not_unifilar():
    with pytest.raises(InvalidChannel, match="channel: expected"):
        unifilar_arrays(object())
    from dicert.verify.channels import gilbert_elliott_channel

    with pytest.raises(InvalidChannel, match="random"):
        unifilar_arrays(gilbert_elliott_channel())


def test_result_is_frozen_and_json_ready():
    result = qgraph_upper_bound(bsc(0.1), debruijn_qgraph(0, 2))
    with pytest.raises(AttributeError):
        result.upper = 2.0  # type: ignore[misc]
    assert not result.policy.flags.writeable
    data = result.to_dict()
    assert data["graph"] == {"nodes": 1, "outputs": 2, "phi": [[0, 0]]}
    assert isinstance(data["policy"], list) and data["status"] == "optimal"


def test_every_relabelling_of_fig_4_4_gets_the_same_upper_and_lower_bound():
    program = QGraphBoundProgram(ising_channel(), 4)
    for perm in itertools.permutations(range(4)):
        result = program.solve(ISING_FIG_4_4.relabel(list(perm)))
        assert abs(result.upper - ISING_CAPACITY) < 1e-7
        assert result.lower is not None and abs(result.lower - ISING_CAPACITY) < 1e-7


@pytest.mark.parametrize("backend", ["clarabel", "cvxpy"])
def test_program_survives_pickling_for_parallel_workers(backend):
    import pickle

    program = QGraphBoundProgram(ising_channel(), 4, backend=backend)
    before = program.solve(ISING_FIG_4_4, lower=False).upper
    clone = pickle.loads(pickle.dumps(program))
    assert clone.backend == backend and clone.m == 4
    assert abs(clone.solve(ISING_FIG_4_4, lower=False).upper - before) < 1e-12

"""Q-graph discovery from the belief MDP (end of sec. 4.5) and its bounds (Thm 4.4.2, 4.4.4)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dicert.graphs.qgraph import QGraph
from dicert.verify.capacity.belief_mdp import BeliefMDP
from dicert.verify.capacity.discover import (
    cluster_beliefs,
    discover_qgraph,
    extract_qgraph,
    refine_invariant_input,
    simulate_beliefs,
)
from dicert.verify.capacity.qgraph_bounds import evaluate_policy, qgraph_upper_bound
from dicert.verify.channels import parse_channel
from dicert.verify.errors import InvalidInput

TRAPDOOR_CAPACITY = math.log2((1 + math.sqrt(5)) / 2)


def ising_capacity() -> float:
    roots = np.roots([1.0, -5.0, 6.0, -4.0, 1.0])  # a^3 = (1 - a)^4
    a = next(r.real for r in roots if abs(r.imag) < 1e-12 and 0 < r.real < 1)
    return -0.5 * math.log2(a)


def test_cluster_beliefs_orders_by_mass_and_respects_radius() -> None:
    beliefs = np.array([[0.5, 0.5]] * 3 + [[0.1, 0.9], [0.105, 0.895]] * 4)
    labels, centres, masses = cluster_beliefs(beliefs, radius=0.01)
    assert np.allclose(masses, [8 / 11, 3 / 11])
    assert np.allclose(centres, [[0.1025, 0.8975], [0.5, 0.5]])
    assert labels.tolist() == [1, 1, 1] + [0] * 8
    assert len(cluster_beliefs(beliefs, radius=0.001)[2]) == 3
    with pytest.raises(InvalidInput, match="radius"):
        cluster_beliefs(beliefs, radius=0.0)


def test_simulation_is_reproducible_with_a_seed() -> None:
    mdp = BeliefMDP(parse_channel("trapdoor"), belief_resolution=40, action_resolution=10)
    vi = mdp.value_iteration(max_iter=200)
    a = simulate_beliefs(mdp, vi.h, 200, rng=5)
    b = simulate_beliefs(mdp, vi.h, 200, rng=5)
    assert np.array_equal(a.beliefs, b.beliefs) and np.array_equal(a.outputs, b.outputs)
    assert np.allclose(a.beliefs.sum(axis=1), 1.0)
    with pytest.raises(InvalidInput, match="steps"):
        simulate_beliefs(mdp, vi.h, 0)


def test_extracted_graph_is_canonical_strongly_connected_and_consistent() -> None:
    mdp = BeliefMDP(parse_channel("ising"), belief_resolution=100, action_resolution=25)
    vi = mdp.value_iteration(max_iter=500, tol=1e-8)
    path = simulate_beliefs(mdp, vi.h, 1500, rng=2)
    extracted = extract_qgraph(mdp, vi.h, path, radius=0.03, burn_in=200)
    g = extracted.graph
    assert g == g.canonical() and g.is_strongly_connected()
    assert g.m == 4 and abs(extracted.masses.sum() - 1) < 1e-12
    # node beliefs follow the graph: the nodes reached on y=0 / y=1 differ in P(S=0)
    for q in range(g.m):
        z0, z1 = extracted.beliefs[g.phi[q, 0], 0], extracted.beliefs[g.phi[q, 1], 0]
        assert z0 > z1


def test_refined_invariant_input_on_trapdoor_graph_reaches_golden_ratio() -> None:
    graph = QGraph([[0, 1], [0, 2], [3, 2], [0, 2]])
    beliefs = np.array([[0.77, 0.23], [0.38, 0.62], [0.23, 0.77], [0.62, 0.38]])
    actions = np.array([[[0.62, 0.38], [0.0, 1.0]], [[1.0, 0.0], [0.38, 0.62]],
                        [[1.0, 0.0], [0.38, 0.62]], [[0.62, 0.38], [0.0, 1.0]]])
    refined = refine_invariant_input(parse_channel("trapdoor"), graph, beliefs, actions)
    assert refined.bcjr_residual < 1e-9
    assert abs(refined.rate - TRAPDOOR_CAPACITY) < 1e-9
    check = evaluate_policy(parse_channel("trapdoor"), graph, refined.policy)
    assert abs(check.rate - refined.rate) < 1e-12
    assert refined.rate <= qgraph_upper_bound(parse_channel("trapdoor"), graph, lower=False).upper + 1e-7


def test_memoryless_channel_discovers_the_one_node_graph() -> None:
    d = discover_qgraph(parse_channel("bsc:p=0.1"), steps=60, burn_in=10)
    assert d.graph == QGraph([[0, 0]])
    closed = 1 + 0.1 * math.log2(0.1) + 0.9 * math.log2(0.9)
    assert abs(d.upper - closed) < 1e-7 and d.lower is not None and abs(d.lower - closed) < 1e-7


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "capacity", "nodes"),
    [("trapdoor", TRAPDOOR_CAPACITY, 4), ("ising", ising_capacity(), 4)],
)
def test_discovery_closes_the_gap_at_the_known_capacity(name: str, capacity: float, nodes: int) -> None:
    d = discover_qgraph(parse_channel(name))
    assert d.graph.m == nodes
    assert d.lower is not None and d.upper - d.lower < 1e-6
    assert abs(d.upper - capacity) < 1e-6 and abs(d.lower - capacity) < 1e-6
    assert d.rho_lower <= d.rho_upper and abs(d.rho_lower - capacity) < 1e-3
    assert d.timings["total"] > 0 and d.to_dict()["graph"]["phi"] == d.graph.phi.tolist()

"""Property tests of the Q-graph bounds: upper >= any BCJR-invariant lower bound; relabelling invariance."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dicert.graphs.debruijn import debruijn_qgraph
from dicert.graphs.qgraph import QGraph
from dicert.verify.capacity.qgraph_bounds import QGraphBoundProgram, evaluate_policy, qgraph_upper_bound
from dicert.verify.channels import ising_channel, parse_channel
from dicert.verify.strategies.qgraphs import node_permutations, strongly_connected_qgraphs

CHANNELS = ["trapdoor", "ising", "post:a=0.3", "post:a=0.7"]
ISING_FIG_4_4 = QGraph([[3, 1], [3, 0], [3, 0], [2, 0]])


@lru_cache(maxsize=None)
def program(spec: str, m: int) -> QGraphBoundProgram:
    return QGraphBoundProgram(parse_channel(spec), m)


@lru_cache(maxsize=None)
def ising_fig_4_4_lower_bound() -> float:
    lower = qgraph_upper_bound(ising_channel(), ISING_FIG_4_4).lower
    assert lower is not None
    return lower


@settings(max_examples=150, deadline=None)
@given(spec=st.sampled_from(CHANNELS), graph=strongly_connected_qgraphs(m=st.integers(1, 4), r=2), data=st.data())
def test_qgraph_upper_bound_is_invariant_under_node_relabelling(spec, graph, data):
    perm = data.draw(node_permutations(graph.m))
    original = program(spec, graph.m).solve(graph, lower=False)
    relabelled = program(spec, graph.m).solve(graph.relabel(perm), lower=False)
    assert abs(original.upper - relabelled.upper) < 1e-7


@settings(max_examples=150, deadline=None)
@given(
    a=st.sampled_from([0.3, 0.7]),
    rows=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=2),
    graph=strongly_connected_qgraphs(m=st.integers(1, 4), r=2),
)
def test_upper_bound_of_any_strongly_connected_graph_is_at_least_a_bcjr_invariant_lower_bound(a, rows, graph):
    spec = f"post:a={a}"
    # Any input P(x|y-) on the order-1 de Bruijn graph of a POST channel is BCJR-invariant
    # (the state is the node), so its rate is a lower bound (Thm 4.4.4) ...
    # (P(x=1|q=0), P(x=1|q=1)) = (0, 1) freezes the chain in its start node: two stationary laws, no rate
    assume(not (rows[0] == 0.0 and rows[1] == 1.0))
    p_x1 = np.array(rows)
    policy = np.stack([np.stack([1 - p_x1, p_x1], axis=1)] * 2)
    achieved = evaluate_policy(parse_channel(spec), debruijn_qgraph(1, 2), policy)
    assert achieved.bcjr_invariant()
    # ... which no Q-graph upper bound (Thm 4.4.2) may undercut.
    assert program(spec, graph.m).solve(graph, lower=False).upper >= achieved.rate - 1e-8


@settings(max_examples=100, deadline=None)
@given(graph=strongly_connected_qgraphs(m=st.integers(1, 4), r=2))
def test_ising_upper_bound_of_any_graph_is_at_least_the_fig_4_4_bcjr_lower_bound(graph):
    assert program("ising", graph.m).solve(graph, lower=False).upper >= ising_fig_4_4_lower_bound() - 1e-8


@lru_cache(maxsize=None)
def cvxpy_program(spec: str, m: int) -> QGraphBoundProgram:
    return QGraphBoundProgram(parse_channel(spec), m, backend="cvxpy")


@settings(max_examples=100, deadline=None)
@given(spec=st.sampled_from(CHANNELS), graph=strongly_connected_qgraphs(m=st.integers(1, 4), r=2))
def test_direct_clarabel_backend_equals_the_cvxpy_dpp_problem(spec, graph):
    direct = program(spec, graph.m).solve(graph, lower=False)
    via_cvxpy = cvxpy_program(spec, graph.m).solve(graph, lower=False)
    assert abs(direct.upper_estimate - via_cvxpy.upper_estimate) < 1e-7

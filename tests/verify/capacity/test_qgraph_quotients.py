"""Congruence quotients of Q-graphs (:mod:`dicert.verify.capacity.qgraph_quotients`, issue 12)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dicert.verify.capacity.qgraph_quotients import congruence_classes, quotient_phi, self_loop_unseen_edges
from dicert.verify.channels import parse_channel


@st.composite
def _graphs(draw):
    m = draw(st.integers(2, 7))
    r = draw(st.integers(1, 3))
    phi = np.array(draw(st.lists(st.lists(st.integers(0, m - 1), min_size=r, max_size=r), min_size=m, max_size=m)))
    i, j = draw(st.integers(0, m - 1)), draw(st.integers(0, m - 1))
    return phi, i, j


@settings(max_examples=60)
@given(_graphs())
def test_congruence_closure_merges_the_pair_and_maps_classes_into_classes(case):
    phi, i, j = case
    labels = congruence_classes(phi, i, j)
    assert labels[i] == labels[j]
    # a congruence: same class => successors in the same class, for every output
    for a in range(phi.shape[0]):
        for b in range(phi.shape[0]):
            if labels[a] == labels[b]:
                assert np.array_equal(labels[phi[a]], labels[phi[b]])
    q = quotient_phi(phi, labels)
    assert np.array_equal(q[labels], labels[phi])  # the quotient map is a graph homomorphism


def test_congruence_closure_is_the_smallest_one():
    # 0 -> 1 -> 2 -> 2 on one output: merging 0, 1 forces 1 ~ 2 as well; merging 1, 2 leaves 0 alone
    phi = np.array([[1], [2], [2]])
    assert congruence_classes(phi, 0, 1).tolist() == [0, 0, 0]
    assert congruence_classes(phi, 1, 2).tolist() == [0, 1, 1]


def test_unseen_edges_of_a_known_state_become_self_loops():
    ch = parse_channel("dicode-erasure:eps=0.5")  # outputs -1, 0, +1, ?
    phi = np.array([[1, 0, 2, 1], [0, 1, 2, 1], [0, 2, 1, 1]])
    beliefs = np.array([[1.0, 0.0], [0.5, 0.5], [0.0, 1.0]])
    looped = self_loop_unseen_edges(ch, phi, beliefs)
    # state known 0: output -1 (= 0 - 1) cannot occur; state known 1: output +1 cannot occur
    assert looped.tolist() == [[0, 0, 2, 1], [0, 1, 2, 1], [0, 2, 2, 1]]


def test_edge_move_search_never_raises_the_upper_estimate_and_ends_in_a_local_minimum():
    from dicert.graphs.qgraph import QGraph
    from dicert.verify.capacity.qgraph_bounds import qgraph_upper_bound
    from dicert.verify.capacity.qgraph_quotients import edge_move_search

    ch = parse_channel("ising")
    start = np.array([[1, 1], [0, 0]])  # a poor 2-node graph
    before = float(qgraph_upper_bound(ch, start, lower=False).upper)
    after, phi = edge_move_search(ch, start)
    assert after <= before and QGraph(phi).is_strongly_connected()
    for q in range(2):
        for y in range(2):
            trial = phi.copy()
            trial[q, y] = 1 - trial[q, y]
            if QGraph(trial).is_strongly_connected():
                assert float(qgraph_upper_bound(ch, trial, lower=False).upper) >= after - 1e-9

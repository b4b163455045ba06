"""Orderly enumeration of strongly connected Q-graphs: counts, completeness, order, batches."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dicert.graphs import (
    InvalidGraph,
    InvalidInput,
    QGraph,
    canonical_forms,
    count_accessible_automata,
    count_qgraphs,
    enumerate_qgraphs,
    is_canonical_batch,
    qgraph_batches,
)
from dicert.graphs.strategies import node_permutations, qgraphs

# OEIS A027835: strongly connected binary automata (complete, deterministic,
# no initial state) up to relabelling of the states.
A027835 = [1, 6, 52, 892, 21291, 658885]
# OEIS A006689: accessible binary automata with a marked initial state, up to isomorphism.
A006689 = [1, 12, 216, 5248, 160675, 5931540]


def _all_phis(m: int, r: int) -> np.ndarray:
    return np.array(list(itertools.product(range(m), repeat=m * r)), dtype=np.int64).reshape(-1, m, r)


def _strongly_connected_mask(phis: np.ndarray) -> np.ndarray:
    """Transitive closure of the adjacency matrices by repeated squaring (independent of BFS code)."""
    count, m, _ = phis.shape
    reach = np.zeros((count, m, m), dtype=np.int64)
    rows = np.arange(count)[:, None, None]
    reach[rows, np.arange(m)[None, :, None], phis] = 1
    reach |= np.eye(m, dtype=np.int64)[None]
    for _ in range(max(1, int(np.ceil(np.log2(m))))):
        reach = np.minimum(reach @ reach, 1)
    return reach.all(axis=(1, 2))


def _brute_force_classes(m: int, r: int) -> set[QGraph]:
    """Every phi, kept when strongly connected, reduced to its canonical form and deduplicated.

    Small cases use the pure-Python QGraph.canonical; larger ones the vectorised
    canonical_forms (itself property-tested against QGraph.canonical below).
    """
    phis = _all_phis(m, r)
    phis = phis[_strongly_connected_mask(phis)]
    if phis.shape[0] <= 5000:
        return {QGraph(p).canonical() for p in phis}
    return {QGraph(p) for p in np.unique(canonical_forms(phis), axis=0)}


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5])
def test_binary_counts_equal_oeis_a027835(m: int) -> None:
    assert count_qgraphs(m, 2) == A027835[m - 1]


@pytest.mark.slow
def test_six_node_binary_count_equals_oeis_a027835() -> None:
    assert count_qgraphs(6, 2) == 658885


def test_candidate_counts_equal_oeis_a006689() -> None:
    assert [count_accessible_automata(m, 2) for m in range(1, 7)] == A006689


@pytest.mark.parametrize(("m", "r"), [(1, 3), (2, 2), (3, 2), (4, 2), (2, 3), (3, 3)])
def test_candidate_count_equals_accessible_maps_over_relabellings_fixing_node_0(m: int, r: int) -> None:
    """An automaton accessible from node 0 has no automorphism fixing 0, so classes = labelled / (m-1)!."""
    phis = _all_phis(m, r)
    reach = np.zeros((phis.shape[0], m), dtype=bool)
    reach[:, 0] = True
    rows = np.arange(phis.shape[0])
    for _ in range(m):
        for q in range(m):
            for y in range(r):
                reach[rows, phis[:, q, y]] |= reach[:, q]
    accessible = int(reach.all(axis=1).sum())
    assert count_accessible_automata(m, r) * math.factorial(m - 1) == accessible


@pytest.mark.parametrize(("m", "r"), [(1, 1), (1, 3), (2, 1), (2, 2), (2, 3), (3, 1), (3, 2), (3, 3), (4, 1), (4, 2), (2, 4)])
def test_enumeration_equals_brute_force_classes(m: int, r: int) -> None:
    enumerated = list(enumerate_qgraphs(m, r))
    assert len(set(enumerated)) == len(enumerated)  # pairwise distinct canonical forms = pairwise non-isomorphic
    assert set(enumerated) == _brute_force_classes(m, r)


def test_unary_alphabet_has_exactly_the_cycle() -> None:
    assert [g.phi[:, 0].tolist() for g in enumerate_qgraphs(5, 1)] == [[1, 2, 3, 4, 0]]


def test_every_enumerated_graph_is_strongly_connected_and_canonical() -> None:
    for g in enumerate_qgraphs(4, 2):
        assert g.is_strongly_connected()
        assert g.canonical() == g


def test_order_is_lexicographic_in_the_canonical_word() -> None:
    words = [tuple(g.phi.ravel().tolist()) for g in enumerate_qgraphs(4, 2)]
    assert words == sorted(words)
    big = np.concatenate([b.phi for b in qgraph_batches(5, 2)]).reshape(21291, -1)
    assert np.all(np.lexsort(big.T[::-1]) == np.arange(big.shape[0]))


def test_batches_are_consecutive_and_match_the_graph_iterator() -> None:
    batches = list(qgraph_batches(5, 2))
    assert batches[0].start == 0
    for previous, batch in zip(batches, batches[1:]):
        assert batch.start == previous.start + previous.phi.shape[0]
    assert all(b.phi.dtype == np.int64 and b.phi.shape[1:] == (5, 2) for b in batches)
    stacked = np.concatenate([b.phi for b in batches])
    assert [QGraph(p) for p in stacked[:200]] == list(enumerate_qgraphs(5, 2, stop=200))


@pytest.mark.parametrize(("start", "stop"), [(0, 10), (17, 40), (851, None), (891, 892), (892, None), (5, 5), (100, 50)])
def test_start_stop_select_the_same_graphs_as_slicing(start: int, stop: int | None) -> None:
    everything = list(enumerate_qgraphs(4, 2))
    assert list(enumerate_qgraphs(4, 2, start=start, stop=stop)) == everything[start:stop]


def test_resuming_across_block_boundaries_gives_the_same_sequence() -> None:
    full = np.concatenate([b.phi for b in qgraph_batches(5, 2)])
    for start in (0, 1, 12345, 21290):
        tail = np.concatenate([b.phi for b in qgraph_batches(5, 2, start=start)])
        assert np.array_equal(tail, full[start:])
    window = list(qgraph_batches(5, 2, start=10000, stop=10003))
    assert [b.start for b in window] == [10000] and np.array_equal(window[0].phi, full[10000:10003])


def test_parallel_jobs_give_the_same_sequence() -> None:
    serial = np.concatenate([b.phi for b in qgraph_batches(5, 2)])
    parallel = np.concatenate([b.phi for b in qgraph_batches(5, 2, jobs=2)])
    assert np.array_equal(serial, parallel)
    assert count_qgraphs(5, 2, jobs=2) == 21291
    assert np.array_equal(np.concatenate([b.phi for b in qgraph_batches(5, 2, start=15000, jobs=2)]), serial[15000:])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"m": 0, "r": 2}, "m: expected an integer >= 1, got 0"),
        ({"m": 2, "r": 0}, "r: expected an integer >= 1, got 0"),
        ({"m": 2.0, "r": 2}, "m: expected an integer >= 1, got 2.0"),
        ({"m": 3, "r": 2, "start": -1}, "start: expected an integer >= 0, got -1"),
        ({"m": 3, "r": 2, "stop": "5"}, "stop: expected an integer >= 0, got '5'"),
        ({"m": 3, "r": 2, "jobs": 0}, "jobs: expected an integer >= 1, got 0"),
        ({"m": 200, "r": 2}, "m: at most 127 nodes can be enumerated, got 200"),
    ],
)
def test_arguments_are_validated_at_the_call_not_at_iteration(kwargs: dict, message: str) -> None:
    for func in (enumerate_qgraphs, qgraph_batches):
        with pytest.raises(InvalidInput) as info:
            func(**kwargs)
        assert str(info.value) == message
    if set(kwargs) <= {"m", "r"}:
        with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
            count_qgraphs(**kwargs)


@given(qgraphs(m=st.integers(1, 6), r=st.integers(1, 3)))
def test_vectorised_canonical_forms_equal_qgraph_canonical(g: QGraph) -> None:
    assert canonical_forms(g.phi[None])[0].tolist() == g.canonical().phi.tolist()


@given(st.data(), qgraphs(m=st.integers(1, 6), r=st.integers(1, 3)))
def test_vectorised_canonical_form_is_invariant_under_relabelling(data: st.DataObject, g: QGraph) -> None:
    perms = [data.draw(node_permutations(g.m)) for _ in range(3)]
    forms = canonical_forms(np.stack([g.relabel(p).phi for p in perms]))
    assert all(np.array_equal(f, forms[0]) for f in forms)


def test_is_canonical_batch_selects_exactly_the_enumerated_graphs() -> None:
    phis = _all_phis(3, 2)
    mask = is_canonical_batch(phis)
    assert [QGraph(p) for p in phis[mask]] == list(enumerate_qgraphs(3, 2))


def test_batch_functions_reject_malformed_arrays() -> None:
    with pytest.raises(InvalidGraph, match=r"^phis: expected an int array of shape \(N, m, r\)"):
        canonical_forms(np.zeros((2, 2)))
    with pytest.raises(InvalidGraph, match=r"^phis\[1, 0, 1\]: next node 2 out of range 0..1"):
        is_canonical_batch([[[0, 1], [1, 0]], [[0, 2], [1, 0]]])


def test_order_and_resume_do_not_depend_on_the_block_size(monkeypatch: pytest.MonkeyPatch) -> None:
    from dicert.graphs import enumerate as enumeration

    reference = np.concatenate([b.phi for b in qgraph_batches(4, 2)])
    enumeration._blocks.cache_clear()
    monkeypatch.setattr(enumeration, "BLOCK_CANDIDATES", 100)
    try:
        assert len(enumeration._blocks(4, 2)[3]) > 40
        small_blocks = list(qgraph_batches(4, 2))
        assert len(small_blocks) > 20  # blocks without survivors yield no batch
        assert np.array_equal(np.concatenate([b.phi for b in small_blocks]), reference)
        for start in (1, 100, 457, 891):
            resumed = list(qgraph_batches(4, 2, start=start, stop=start + 60))
            assert resumed[0].start == start
            assert np.array_equal(np.concatenate([b.phi for b in resumed]), reference[start : start + 60])
    finally:
        enumeration._blocks.cache_clear()

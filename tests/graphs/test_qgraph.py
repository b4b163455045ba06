"""QGraph: validation, identity, relabelling, strong connectivity, canonical form."""

from __future__ import annotations

import itertools
import pickle

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dicert.graphs import InvalidGraph, QGraph, TooLarge, require_strongly_connected
from dicert.graphs.qgraph import MAX_BRUTE_FORCE_NODES, bfs_order
from dicert.graphs.strategies import node_permutations, qgraphs, strongly_connected_qgraphs


def _brute_force_isomorphic(a: QGraph, b: QGraph) -> bool:
    if a.phi.shape != b.phi.shape:
        return False
    return any(a.relabel(p) == b for p in itertools.permutations(range(a.m)))


@pytest.mark.parametrize(
    ("phi", "message"),
    [
        ([[0, 5], [1, 0], [0, 0], [1, 1]], "phi[0, 1]: next node 5 out of range 0..3"),
        ([[0, 1], [2, -1], [0, 0]], "phi[1, 1]: next node -1 out of range 0..2"),
        ([0, 1], "phi: expected a 2-D array (m rows of r next nodes), got 1 dimension(s)"),
        ([[0.0, 1.0], [0.0, 1.0]], "phi: expected a 2-D array of ints (m rows of r next nodes), got dtype float64"),
        ([[0, 1], [0]], "phi: expected a 2-D array of ints"),
        (np.zeros((0, 2), dtype=int), "phi: expected at least one node (m >= 1), got 0 rows"),
        (np.zeros((2, 0), dtype=int), "phi: expected at least one output symbol (r >= 1), got 0 columns"),
        ([[True, False]], "phi: expected a 2-D array of ints (m rows of r next nodes), got dtype bool"),
    ],
)
def test_constructor_rejects_malformed_phi_naming_the_field(phi: object, message: str) -> None:
    with pytest.raises(InvalidGraph) as info:
        QGraph(phi)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_phi_is_a_read_only_int64_copy_and_graph_is_immutable() -> None:
    source = np.array([[0, 1], [1, 0]], dtype=np.int32)
    g = QGraph(source)
    source[0, 0] = 1
    assert g.phi.dtype == np.int64 and g.phi[0, 0] == 0
    with pytest.raises(ValueError):
        g.phi[0, 0] = 1
    with pytest.raises(AttributeError):
        g.m = 3  # type: ignore[misc]
    assert (g.m, g.r) == (2, 2)


def test_equality_and_hash_follow_shape_and_entries() -> None:
    a = QGraph([[0, 1], [1, 0]])
    assert a == QGraph(np.array([[0, 1], [1, 0]], dtype=np.uint8))
    assert hash(a) == hash(QGraph([[0, 1], [1, 0]]))
    assert a != QGraph([[1, 0], [0, 1]])
    assert QGraph([[0, 0]]) != QGraph([[0]])
    assert len({a, QGraph([[0, 1], [1, 0]]), QGraph([[0, 0], [1, 0]])}) == 2
    assert a != "not a graph"


def test_key_encodes_shape_so_equal_bytes_of_different_shape_differ() -> None:
    flat = QGraph([[0, 0, 0, 0]])
    tall = QGraph([[0], [0], [0], [0]])
    assert flat.phi.tobytes() == tall.phi.tobytes()
    assert flat.key() != tall.key() and flat != tall
    assert QGraph([[1, 0], [0, 1]]).key() == QGraph([[1, 0], [0, 1]]).key()


def test_pickle_round_trip_keeps_equality() -> None:
    g = QGraph([[1, 0], [2, 2], [0, 1]])
    assert pickle.loads(pickle.dumps(g)) == g


def test_repr_shows_shape_and_phi() -> None:
    assert repr(QGraph([[1, 0], [0, 1]])) == "QGraph(m=2, r=2, phi=[[1, 0], [0, 1]])"


def test_from_edges_builds_phi_and_names_missing_or_duplicate_edges() -> None:
    g = QGraph.from_edges([(1, 0, 0), (0, 1, 1), (0, 0, 0), (1, 1, 1)])
    assert g == QGraph([[0, 1], [0, 1]])
    with pytest.raises(InvalidGraph, match=r"^edges: \(q=0, y=0\) given twice"):
        QGraph.from_edges([(0, 0, 0), (0, 0, 0)], m=1, r=1)
    with pytest.raises(InvalidGraph, match=r"^edges: no edge for \(q=1, y=1\)"):
        QGraph.from_edges([(0, 0, 1), (0, 1, 1), (1, 0, 0)])
    with pytest.raises(InvalidGraph, match=r"^edges\[0\]: expected a triple of ints"):
        QGraph.from_edges([(0, 0)])
    with pytest.raises(InvalidGraph, match=r"^phi\[0, 0\]: next node 3 out of range 0..1"):
        QGraph.from_edges([(0, 0, 3), (1, 0, 0)], m=2, r=1)


def test_dict_round_trip_and_field_errors() -> None:
    g = QGraph([[2, 1], [0, 0], [1, 2]])
    assert QGraph.from_dict(g.to_dict()) == g
    with pytest.raises(InvalidGraph, match=r"^graph: unknown key\(s\) colour"):
        QGraph.from_dict({"nodes": 1, "outputs": 1, "phi": [[0]], "colour": 1})
    with pytest.raises(InvalidGraph, match=r"^outputs: missing"):
        QGraph.from_dict({"nodes": 1, "phi": [[0]]})
    with pytest.raises(InvalidGraph, match=r"^nodes: expected an integer >= 1, got 0"):
        QGraph.from_dict({"nodes": 0, "outputs": 1, "phi": []})
    with pytest.raises(InvalidGraph, match=r"^phi: expected a list of 2 rows of 2 ints$"):
        QGraph.from_dict({"nodes": 2, "outputs": 2, "phi": [[0, 1], [0, "1"]]})


def test_relabel_moves_rows_and_targets_and_rejects_non_permutations() -> None:
    g = QGraph([[1, 2], [2, 2], [0, 1]])
    perm = np.array([2, 0, 1])
    h = g.relabel(perm)
    for q in range(3):
        for y in range(2):
            assert h.phi[perm[q], y] == perm[g.phi[q, y]]
    with pytest.raises(InvalidGraph, match=r"^perm: expected a permutation of 0..2"):
        g.relabel([0, 0, 1])


@given(qgraphs(m=st.integers(1, 6), r=st.integers(1, 3)))
def test_strong_connectivity_agrees_with_networkx(g: QGraph) -> None:
    assert g.is_strongly_connected() == nx.is_strongly_connected(g.to_networkx())


def test_networkx_view_has_one_labelled_edge_per_node_and_output() -> None:
    g = QGraph([[0, 1], [0, 0], [2, 1]])
    view = g.to_networkx()
    assert isinstance(view, nx.MultiDiGraph)
    assert view.number_of_nodes() == 3 and view.number_of_edges() == 6
    assert sorted((u, v, y) for u, v, y in view.edges(data="y")) == sorted(
        (q, int(g.phi[q, y]), y) for q in range(3) for y in range(2)
    )


def test_require_strongly_connected_names_the_culprit_node() -> None:
    with pytest.raises(InvalidGraph, match=r"^phi: not strongly connected, node 2 is not reachable from node 0$"):
        require_strongly_connected(QGraph([[0, 1], [0, 1], [2, 2]]))
    with pytest.raises(InvalidGraph, match=r"^phi: not strongly connected, node 1 cannot reach node 0$"):
        require_strongly_connected(QGraph([[1, 1], [1, 1]]))
    g = QGraph([[1], [0]])
    assert require_strongly_connected(g) is g
    with pytest.raises(InvalidGraph, match=r"^graph: expected a QGraph"):
        require_strongly_connected([[0]])  # type: ignore[arg-type]


@given(st.data(), qgraphs(m=st.integers(1, 7), r=st.integers(1, 3)))
def test_canonical_form_is_invariant_under_relabelling(data: st.DataObject, g: QGraph) -> None:
    perm = data.draw(node_permutations(g.m))
    assert g.relabel(perm).canonical() == g.canonical()


@given(qgraphs(m=st.integers(1, 6), r=st.integers(1, 3)))
def test_canonical_form_is_isomorphic_and_idempotent(g: QGraph) -> None:
    c = g.canonical()
    assert c.canonical() == c
    assert _brute_force_isomorphic(g, c)


@given(strongly_connected_qgraphs(m=st.integers(1, 4), r=st.integers(1, 2)), qgraphs(m=st.integers(1, 4), r=st.integers(1, 2)))
def test_equal_canonical_forms_iff_isomorphic(a: QGraph, b: QGraph) -> None:
    assert (a.canonical() == b.canonical()) == _brute_force_isomorphic(a, b)


def test_canonical_form_of_all_small_graphs_matches_brute_force_minimum() -> None:
    """m <= 3, r = 2: for graphs with no root the brute-force minimum is used; classes must match orbits."""
    for m in (1, 2, 3):
        graphs = [QGraph(np.array(t).reshape(m, 2)) for t in itertools.product(range(m), repeat=2 * m)]
        classes: dict[QGraph, set[QGraph]] = {}
        for g in graphs:
            classes.setdefault(g.canonical(), set()).add(g)
        for members in classes.values():
            first = next(iter(members))
            orbit = {first.relabel(p) for p in itertools.permutations(range(m))}
            assert orbit == members


def test_canonical_form_of_rootless_graph_beyond_brute_force_limit_is_refused() -> None:
    m = MAX_BRUTE_FORCE_NODES + 1
    identity = QGraph(np.arange(m)[:, None])
    with pytest.raises(TooLarge, match=r"^phi: no node reaches all others"):
        identity.canonical()
    small = QGraph(np.arange(3)[:, None])
    assert small.canonical() == small


@given(qgraphs(m=st.integers(1, 6), r=st.integers(1, 3)))
def test_canonical_with_permutation_relabels_the_graph_onto_its_canonical_form(g: QGraph) -> None:
    canon, perm = g.canonical_with_permutation()
    assert canon == g.canonical()
    assert g.relabel(perm) == canon


@given(qgraphs(m=st.integers(1, 6), r=st.integers(1, 3)), st.data())
def test_bfs_order_visits_exactly_the_reachable_nodes_once_in_label_order(g: QGraph, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, g.m - 1))
    order = bfs_order(g.phi, start)
    reachable = set(nx.descendants(g.to_networkx(), start)) | {start}
    assert order[0] == start and len(order) == len(set(order)) and set(order) == reachable
    # label order: node k's first discoverer is the earliest node in order with an edge to it, by y
    for k, v in enumerate(order[1:], start=1):
        parent = next(u for u in order[:k] if v in g.phi[u].tolist())
        assert all(int(w) in order[:k] or w == v for w in g.phi[parent][: g.phi[parent].tolist().index(v)])

"""Period filter (``--aperiodic``) and Q-graph counts for up to 4 outputs, against brute force."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from dicert.graphs.enumerate import count_qgraphs, enumerate_qgraphs
from dicert.graphs.errors import InvalidGraph
from dicert.graphs.period import aperiodic_mask, count_aperiodic_qgraphs, qgraph_periods


def brute_force_classes(m: int, r: int) -> np.ndarray:
    """All strongly connected ``phi`` (m^(m r) of them) up to node relabelling, by brute force.

    Independent of the orderly generation: every function phi is listed, strong
    connectivity is a boolean matrix closure, and the canonical form is the least
    relabelled word (as a base-m integer) over all m! permutations.
    """
    n_words = m ** (m * r)
    words = np.stack(np.unravel_index(np.arange(n_words), (m,) * (m * r)), axis=1).astype(np.int64)
    phis = words.reshape(-1, m, r)
    n = phis.shape[0]
    adj = np.zeros((n, m, m), dtype=bool)
    for q in range(m):
        for y in range(r):
            adj[np.arange(n), q, phis[:, q, y]] = True
    reach = adj | np.eye(m, dtype=bool)[None]
    for _ in range(m):
        reach = reach | (reach[:, :, :, None] & reach[:, None, :, :]).any(axis=2)
    phis = phis[reach.all(axis=(1, 2))]
    weights = m ** np.arange(m * r - 1, -1, -1, dtype=np.int64)  # lexicographic order = integer order
    best = np.full(len(phis), np.iinfo(np.int64).max)
    for perm in itertools.permutations(range(m)):
        p = np.array(perm)
        relabelled = p[phis[:, np.argsort(p), :]]  # node q becomes p[q]
        best = np.minimum(best, relabelled.reshape(len(phis), -1) @ weights)
    keys = np.unique(best)
    return np.stack(np.unravel_index(keys, (m,) * (m * r)), axis=1).reshape(-1, m, r)


def networkx_aperiodic(phi: np.ndarray) -> bool:
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(phi.shape[0]))
    g.add_edges_from((q, int(t)) for q in range(phi.shape[0]) for t in phi[q])
    return nx.is_aperiodic(nx.DiGraph(g))


def primitive_mask(phis: np.ndarray) -> np.ndarray:
    """Aperiodic = primitive adjacency matrix: A^k > 0 for k = (m-1)^2 + 1 (Wielandt's bound)."""
    n, m, r = phis.shape
    adj = np.zeros((n, m, m), dtype=np.int64)
    for q in range(m):
        for y in range(r):
            adj[np.arange(n), q, phis[:, q, y]] = 1
    power = np.broadcast_to(np.eye(m, dtype=np.int64), adj.shape).copy()
    for _ in range((m - 1) ** 2 + 1):
        power = (np.einsum("nij,njk->nik", power, adj) > 0).astype(np.int64)
    return power.all(axis=(1, 2))


@pytest.mark.parametrize(
    "m, r",
    [(1, 2), (2, 2), (3, 2), (4, 2), (1, 3), (2, 3), (3, 3), (1, 4), (2, 4), pytest.param(3, 4, marks=pytest.mark.slow)],
)
def test_counts_and_aperiodic_counts_equal_brute_force(m, r):
    classes = brute_force_classes(m, r)
    assert count_qgraphs(m, r) == len(classes)
    primitive = primitive_mask(classes)
    assert count_aperiodic_qgraphs(m, r) == int(primitive.sum())
    if len(classes) <= 3000:  # and a third method, graph by graph
        assert primitive.tolist() == [networkx_aperiodic(phi) for phi in classes]


def test_aperiodic_counts_m5_agree_with_networkx_on_every_enumerated_graph():
    graphs = [g.phi for g in enumerate_qgraphs(5, 2)]
    assert len(graphs) == 21291  # OEIS A027835
    flags = aperiodic_mask(np.array(graphs))
    assert int(flags.sum()) == count_aperiodic_qgraphs(5, 2)
    rng = np.random.default_rng(0)
    for i in rng.choice(len(graphs), size=400, replace=False):
        assert bool(flags[i]) == networkx_aperiodic(graphs[i])


def test_periods_of_known_graphs():
    cycle = np.array([[[1, 1], [2, 2], [3, 3], [0, 0]]])  # 4-cycle: period 4
    bipartite = np.array([[[2, 3], [2, 3], [0, 1], [1, 0]]])  # {0,1} <-> {2,3}: period 2
    assert qgraph_periods(cycle).tolist() == [4] and qgraph_periods(bipartite).tolist() == [2]
    with pytest.raises(InvalidGraph, match="not strongly connected"):
        qgraph_periods(np.array([[[0, 0], [0, 0]]]))

"""Hypothesis strategies for Q-graphs (monograph sec. 4.4.1), built directly rather than filtered.

``strongly_connected_qgraphs`` draws an arbitrary ``phi`` and, when it is not
strongly connected, repairs it by routing one chosen output label along a
Hamiltonian cycle in a drawn node order; every strongly connected graph can
still be drawn unchanged, and nothing is rejected.

Examples
--------
>>> from hypothesis import given, settings
>>> @settings(max_examples=25)
... @given(strongly_connected_qgraphs(m=3, r=2))
... def check(g):
...     assert g.is_strongly_connected()
>>> check()
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from dicert.graphs.errors import InvalidInput
from dicert.graphs.qgraph import QGraph

__all__ = ["qgraphs", "strongly_connected_qgraphs", "node_permutations"]

IntOrStrategy = int | st.SearchStrategy[int]


def _size(name: str, value: IntOrStrategy, low: int) -> st.SearchStrategy[int]:
    if isinstance(value, st.SearchStrategy):
        return value
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise InvalidInput(f"{name}: expected an integer >= {low} or a strategy of them, got {value!r}")
    return st.just(value)


@st.composite
def _phi(draw: st.DrawFn, m: st.SearchStrategy[int], r: st.SearchStrategy[int]) -> np.ndarray:
    m_, r_ = draw(m), draw(r)
    flat = draw(st.lists(st.integers(0, m_ - 1), min_size=m_ * r_, max_size=m_ * r_))
    return np.array(flat, dtype=np.int64).reshape(m_, r_)


def qgraphs(m: IntOrStrategy = st.integers(1, 5), r: IntOrStrategy = st.integers(1, 3)) -> st.SearchStrategy[QGraph]:
    """Any ``phi`` with ``m`` nodes and ``r`` outputs (not necessarily strongly connected).

    Parameters
    ----------
    m, r : int or strategy of int
        Node count (>= 1) and output alphabet size (>= 1).

    Examples
    --------
    >>> from hypothesis import find
    >>> find(qgraphs(m=2, r=3), lambda g: True).phi.tolist()       # the simplest one
    [[0, 0, 0], [0, 0, 0]]
    """
    return _phi(_size("m", m, 1), _size("r", r, 1)).map(QGraph)


@st.composite
def _strongly_connected(draw: st.DrawFn, m: st.SearchStrategy[int], r: st.SearchStrategy[int]) -> QGraph:
    phi = draw(_phi(m, r))
    g = QGraph(phi)
    if g.is_strongly_connected():
        return g
    size, outputs = phi.shape
    label = draw(st.integers(0, outputs - 1))
    cycle = np.array(draw(st.permutations(range(size))), dtype=np.int64)
    repaired = phi.copy()
    repaired[cycle, label] = np.roll(cycle, -1)
    return QGraph(repaired)


def strongly_connected_qgraphs(m: IntOrStrategy = st.integers(1, 5), r: IntOrStrategy = st.integers(1, 3)) -> st.SearchStrategy[QGraph]:
    """Strongly connected Q-graphs (irreducible, as sec. 4.4.1 requires), built without rejection.

    Parameters
    ----------
    m, r : int or strategy of int
        As in :func:`qgraphs`.

    Examples
    --------
    >>> from hypothesis import find
    >>> g = find(strongly_connected_qgraphs(m=4, r=1), lambda g: True)
    >>> g.is_strongly_connected(), sorted(g.phi[:, 0].tolist())      # r = 1: one cycle through every node
    (True, [0, 1, 2, 3])
    """
    return _strongly_connected(_size("m", m, 1), _size("r", r, 1))


def node_permutations(m: int) -> st.SearchStrategy[np.ndarray]:
    """Permutations of ``0..m-1`` as int64 arrays, for :meth:`QGraph.relabel`.

    Examples
    --------
    >>> from hypothesis import find
    >>> sorted(find(node_permutations(4), lambda p: p[0] == 3).tolist())
    [0, 1, 2, 3]
    """
    if not isinstance(m, int) or isinstance(m, bool) or m < 1:
        raise InvalidInput(f"m: expected an integer >= 1, got {m!r}")
    return st.permutations(range(m)).map(lambda p: np.array(p, dtype=np.int64))

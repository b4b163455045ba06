"""The Q-graph type: a complete deterministic edge-labelled graph ``phi[q, y] -> q'``.

A Q-graph (monograph sec. 4.4.1) on ``m`` nodes over an output alphabet of size
``r`` is a map ``Phi: Q x Y -> Q``: every node ``q`` has exactly one outgoing
edge per output symbol ``y``, leading to ``phi[q, y]``.  It quantises output
histories, ``Phi_i(y^i) = Phi(Phi_{i-1}(y^{i-1}), y_i)``; the monograph asks
for an *irreducible* (strongly connected) graph, which
:func:`require_strongly_connected` checks.  The constructor only checks the
shape and the range of the entries, so that non-irreducible maps can still be
built, inspected and rejected with a clear message.

Isomorphism means relabelling the nodes; the output labels ``y`` are channel
outputs and are never permuted.

Examples
--------
>>> from dicert.graphs.qgraph import QGraph
>>> g = QGraph([[0, 1], [0, 1]])
>>> g
QGraph(m=2, r=2, phi=[[0, 1], [0, 1]])
>>> g.is_strongly_connected()
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import permutations
from typing import TYPE_CHECKING, Any

import numpy as np

from dicert.graphs.errors import InvalidGraph, TooLarge

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["QGraph", "require_strongly_connected", "bfs_order", "MAX_BRUTE_FORCE_NODES"]

#: Largest node count for which :meth:`QGraph.canonical` tries every node
#: permutation (only needed for graphs in which no node reaches all others).
MAX_BRUTE_FORCE_NODES = 8


def _as_phi(phi: Any) -> np.ndarray:
    """Validate ``phi`` and return a read-only C-contiguous int64 copy."""
    if isinstance(phi, QGraph):
        return phi.phi
    try:
        arr = np.array(phi)
    except (ValueError, TypeError) as exc:
        raise InvalidGraph(f"phi: expected a 2-D array of ints (m rows of r next nodes), got ragged or invalid data ({exc})") from None
    if arr.dtype == object or arr.dtype.kind not in "iu":
        kind = "ragged rows" if arr.dtype == object else f"dtype {arr.dtype}"
        raise InvalidGraph(f"phi: expected a 2-D array of ints (m rows of r next nodes), got {kind}")
    if arr.ndim != 2:
        raise InvalidGraph(f"phi: expected a 2-D array (m rows of r next nodes), got {arr.ndim} dimension(s)")
    m, r = arr.shape
    if m < 1:
        raise InvalidGraph("phi: expected at least one node (m >= 1), got 0 rows")
    if r < 1:
        raise InvalidGraph("phi: expected at least one output symbol (r >= 1), got 0 columns")
    bad = np.argwhere((arr < 0) | (arr >= m))
    if bad.size:
        q, y = (int(v) for v in bad[0])
        raise InvalidGraph(f"phi[{q}, {y}]: next node {int(arr[q, y])} out of range 0..{m - 1}")
    out = np.ascontiguousarray(arr, dtype=np.int64)
    out.flags.writeable = False
    return out


def bfs_order(phi: Any, start: int) -> list[int]:
    """Nodes reachable from ``start`` in breadth-first order, edges taken in output-label order ``y = 0..r-1``.

    ``order[k]`` is the node that gets the new label ``k`` in the BFS numbering
    behind :meth:`QGraph.canonical`; the numbering is unique because the edges
    out of a node are ordered by ``y``.  The one label-order BFS of the package
    (canonical forms, reachability, the discovered graphs of
    :mod:`dicert.verify.capacity.discover`).

    Examples
    --------
    >>> bfs_order([[2, 0], [1, 1], [2, 0]], 0), bfs_order([[2, 0], [1, 1], [2, 0]], 1)
    ([0, 2], [1])
    """
    phi = np.asarray(phi)
    m, r = phi.shape
    seen = [False] * m
    seen[start] = True
    order = [start]
    head = 0
    while head < len(order):
        u = order[head]
        head += 1
        for y in range(r):
            v = int(phi[u, y])
            if not seen[v]:
                seen[v] = True
                order.append(v)
    return order


def _reach_all_order(phi: np.ndarray, start: int) -> list[int] | None:
    """:func:`bfs_order` from ``start`` when it reaches every node, else None."""
    order = bfs_order(phi, start)
    return order if len(order) == phi.shape[0] else None


def _relabelled(phi: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """``out[perm[q], y] = perm[phi[q, y]]``."""
    out = np.empty_like(phi)
    out[perm] = perm[phi]
    return out


class QGraph:
    """A Q-graph ``phi[q, y] -> q'`` on ``m`` nodes over ``r`` output symbols (sec. 4.4.1).

    Immutable and hashable; two Q-graphs are equal when their ``phi`` arrays
    have the same shape and entries (use :meth:`canonical` to compare up to
    node relabelling).

    Parameters
    ----------
    phi : array_like of int, shape (m, r)
        ``phi[q, y]`` is the node reached from node ``q`` on output ``y``;
        entries in ``range(m)``.  A read-only int64 copy is stored.

    Raises
    ------
    InvalidGraph
        If ``phi`` is not a 2-D integer array with ``m >= 1``, ``r >= 1`` and
        entries in ``range(m)``; the message names the offending entry.

    Examples
    --------
    >>> g = QGraph([[1, 0], [1, 0]])
    >>> g.m, g.r
    (2, 2)
    >>> g.phi[0, 0]
    np.int64(1)
    >>> QGraph([[0, 5]])
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidGraph: phi[0, 1]: next node 5 out of range 0..0
    """

    __slots__ = ("_phi", "_hash")
    _phi: np.ndarray  # int64 phi[q, y], read-only (set once through object.__setattr__)
    _hash: int

    def __init__(self, phi: Any) -> None:
        arr = _as_phi(phi)
        object.__setattr__(self, "_phi", arr)
        object.__setattr__(self, "_hash", hash((arr.shape, arr.tobytes())))

    @classmethod
    def _trusted(cls, phi: np.ndarray) -> QGraph:
        """Wrap an int64 array already known to be valid (used by the enumerator; skips the checks)."""
        self = object.__new__(cls)
        arr = np.array(phi, dtype=np.int64, order="C")
        arr.flags.writeable = False
        object.__setattr__(self, "_phi", arr)
        object.__setattr__(self, "_hash", hash((arr.shape, arr.tobytes())))
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"QGraph is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"QGraph is immutable: cannot delete {name!r}")

    def __reduce__(self) -> tuple[type, tuple[np.ndarray]]:
        return (QGraph, (np.array(self._phi),))

    # ------------------------------------------------------------------ basics
    @property
    def phi(self) -> np.ndarray:
        """The read-only int64 array ``phi[q, y] -> q'`` of shape ``(m, r)``."""
        return self._phi

    @property
    def m(self) -> int:
        """Number of nodes."""
        return int(self._phi.shape[0])

    @property
    def r(self) -> int:
        """Size of the output alphabet (out-degree of every node)."""
        return int(self._phi.shape[1])

    def key(self) -> bytes:
        """Byte string identifying this exact graph: ``m``, ``r`` (uint32 LE) then ``phi`` (int64 LE, row-major).

        Equal graphs have equal keys and vice versa.  For a key that is equal
        for isomorphic graphs use ``g.canonical().key()``.

        Examples
        --------
        >>> QGraph([[0]]).key().hex()
        '01000000010000000000000000000000'
        """
        header = np.array([self.m, self.r], dtype="<u4").tobytes()
        return header + self._phi.astype("<i8", copy=False).tobytes()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, QGraph):
            return NotImplemented
        return self._phi.shape == other._phi.shape and bool(np.array_equal(self._phi, other._phi))

    def __hash__(self) -> int:
        return self._hash

    def __repr__(self) -> str:
        return f"QGraph(m={self.m}, r={self.r}, phi={self._phi.tolist()})"

    # ------------------------------------------------------------ constructors
    @classmethod
    def from_edges(cls, edges: Iterable[Sequence[int]], m: int | None = None, r: int | None = None) -> QGraph:
        """Build a Q-graph from ``(q, y, q_next)`` triples, one per node and output symbol.

        Parameters
        ----------
        edges : iterable of (int, int, int)
            Edge ``q --y--> q_next``.  Every pair ``(q, y)`` must appear exactly once.
        m, r : int, optional
            Node count and alphabet size; inferred from the largest indices when omitted.

        Examples
        --------
        >>> QGraph.from_edges([(0, 0, 0), (0, 1, 1), (1, 0, 0), (1, 1, 1)])
        QGraph(m=2, r=2, phi=[[0, 1], [0, 1]])
        >>> QGraph.from_edges([(0, 0, 0)], m=1, r=2)
        Traceback (most recent call last):
        ...
        dicert.graphs.errors.InvalidGraph: edges: no edge for (q=0, y=1)
        """
        triples: list[tuple[int, int, int]] = []
        for i, edge in enumerate(edges):
            if len(edge) != 3 or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in edge):
                raise InvalidGraph(f"edges[{i}]: expected a triple of ints (q, y, q_next), got {edge!r}")
            q, y, nxt = (int(v) for v in edge)
            if q < 0 or y < 0 or nxt < 0:
                raise InvalidGraph(f"edges[{i}]: entries must be >= 0, got {(q, y, nxt)}")
            triples.append((q, y, nxt))
        if not triples and (m is None or r is None):
            raise InvalidGraph("edges: empty edge list; give m and r or at least one edge")
        m_ = m if m is not None else 1 + max(max(q, nxt) for q, _, nxt in triples)
        r_ = r if r is not None else 1 + max(y for _, y, _ in triples)
        if m_ < 1 or r_ < 1:
            raise InvalidGraph(f"edges: expected m >= 1 and r >= 1, got m={m_}, r={r_}")
        phi = np.full((m_, r_), -1, dtype=np.int64)
        for q, y, nxt in triples:
            if q >= m_ or y >= r_:
                raise InvalidGraph(f"edges: edge (q={q}, y={y}) outside m={m_} nodes, r={r_} outputs")
            if phi[q, y] >= 0:
                raise InvalidGraph(f"edges: (q={q}, y={y}) given twice")
            phi[q, y] = nxt
        missing = np.argwhere(phi < 0)
        if missing.size:
            q, y = (int(v) for v in missing[0])
            raise InvalidGraph(f"edges: no edge for (q={q}, y={y})")
        return cls(phi)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form ``{"nodes": m, "outputs": r, "phi": [[...], ...]}``.

        Examples
        --------
        >>> QGraph([[0, 0]]).to_dict()
        {'nodes': 1, 'outputs': 2, 'phi': [[0, 0]]}
        """
        return {"nodes": self.m, "outputs": self.r, "phi": self._phi.tolist()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QGraph:
        """Inverse of :meth:`to_dict`, validating every field.

        Raises
        ------
        InvalidGraph
            On unknown or missing keys, or when ``phi`` does not match
            ``nodes`` and ``outputs``.

        Examples
        --------
        >>> QGraph.from_dict({"nodes": 1, "outputs": 2, "phi": [[0, 0]]})
        QGraph(m=1, r=2, phi=[[0, 0]])
        >>> QGraph.from_dict({"nodes": 2, "outputs": 2, "phi": [[0, 0]]})
        Traceback (most recent call last):
        ...
        dicert.graphs.errors.InvalidGraph: phi: expected a list of 2 rows of 2 ints
        """
        if not isinstance(data, Mapping):
            raise InvalidGraph(f"graph: expected an object with keys nodes, outputs, phi; got {type(data).__name__}")
        unknown = sorted(set(data) - {"nodes", "outputs", "phi"})
        if unknown:
            raise InvalidGraph(f"graph: unknown key(s) {', '.join(map(str, unknown))}; expected nodes, outputs, phi")
        for name in ("nodes", "outputs", "phi"):
            if name not in data:
                raise InvalidGraph(f"{name}: missing; expected keys nodes, outputs, phi")
        m, r, rows = data["nodes"], data["outputs"], data["phi"]
        for name, value in (("nodes", m), ("outputs", r)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise InvalidGraph(f"{name}: expected an integer >= 1, got {value!r}")
        shape_ok = (
            isinstance(rows, list)
            and len(rows) == m
            and all(
                isinstance(row, list)
                and len(row) == r
                and all(isinstance(v, int) and not isinstance(v, bool) for v in row)
                for row in rows
            )
        )
        if not shape_ok:
            raise InvalidGraph(f"phi: expected a list of {m} rows of {r} ints")
        return cls(rows)

    # ---------------------------------------------------------------- analysis
    def is_strongly_connected(self) -> bool:
        """True when every node reaches every node (the graph is irreducible, sec. 4.4.1).

        Examples
        --------
        >>> QGraph([[0, 1], [1, 1]]).is_strongly_connected()
        False
        >>> QGraph([[1, 0], [0, 1]]).is_strongly_connected()
        True
        """
        phi = self._phi
        if _reach_all_order(phi, 0) is None:
            return False
        m = self.m
        preds: list[list[int]] = [[] for _ in range(m)]
        for q, nxt in zip(np.repeat(np.arange(m), self.r).tolist(), phi.ravel().tolist()):
            preds[nxt].append(q)
        seen = [False] * m
        seen[0] = True
        stack = [0]
        count = 1
        while stack:
            v = stack.pop()
            for u in preds[v]:
                if not seen[u]:
                    seen[u] = True
                    count += 1
                    stack.append(u)
        return count == m

    def relabel(self, perm: Sequence[int] | np.ndarray) -> QGraph:
        """The isomorphic graph in which old node ``q`` is called ``perm[q]``.

        ``new.phi[perm[q], y] == perm[self.phi[q, y]]``; output labels are unchanged.

        Examples
        --------
        >>> QGraph([[1, 0], [1, 1]]).relabel([1, 0])
        QGraph(m=2, r=2, phi=[[0, 0], [0, 1]])
        """
        p = np.asarray(perm)
        if p.ndim != 1 or p.dtype.kind not in "iu" or p.shape[0] != self.m or not np.array_equal(np.sort(p), np.arange(self.m)):
            raise InvalidGraph(f"perm: expected a permutation of 0..{self.m - 1}, got {np.asarray(perm).tolist()}")
        return QGraph(_relabelled(self._phi, p.astype(np.int64)))

    def canonical(self) -> QGraph:
        """Canonical form under node relabelling (output labels are kept).

        Two Q-graphs are isomorphic iff their canonical forms are equal.  For
        each node ``s`` from which every node is reachable (every node, when
        the graph is strongly connected), number the nodes in breadth-first
        order from ``s`` (:func:`bfs_order`), following the edges out of each
        node in the order ``y = 0, 1, ..., r-1``; because edges are labelled
        this numbering is unique.  The canonical form is the relabelled ``phi``
        that is least in row-major lexicographic order; cost ``O(m^2 r)``.  In
        the result node 0 is the chosen start and ``phi`` is in BFS normal form.
        :meth:`canonical_with_permutation` also returns the relabelling.

        A graph in which no node reaches all others has no such numbering; its
        canonical form is the lexicographically least relabelling over all
        ``m!`` permutations, computed for ``m <= MAX_BRUTE_FORCE_NODES``.

        Raises
        ------
        TooLarge
            For a graph with no node reaching all others and more than
            ``MAX_BRUTE_FORCE_NODES`` nodes.

        Examples
        --------
        >>> QGraph([[1, 1], [1, 0]]).canonical()
        QGraph(m=2, r=2, phi=[[0, 1], [0, 0]])
        >>> QGraph([[0, 0], [1, 0]]).canonical() == QGraph([[0, 1], [1, 1]]).canonical()
        True
        """
        return self.canonical_with_permutation()[0]

    def canonical_with_permutation(self) -> tuple[QGraph, np.ndarray]:
        """The canonical form (:meth:`canonical`) and the relabelling ``perm[old node] = new node`` that gives it.

        ``self.relabel(perm) == canonical``; where the graph has automorphisms
        several permutations do, and one of them is returned.

        Raises
        ------
        TooLarge
            As :meth:`canonical`.

        Examples
        --------
        >>> g = QGraph([[1, 1], [1, 0]])
        >>> canon, perm = g.canonical_with_permutation()
        >>> perm.tolist(), g.relabel(perm) == canon
        ([1, 0], True)
        """
        phi = self._phi
        m = self.m
        best: np.ndarray | None = None
        best_perm: np.ndarray | None = None
        best_list: list[int] | None = None
        for s in range(m):
            order = _reach_all_order(phi, s)
            if order is None:
                continue
            perm = np.empty(m, dtype=np.int64)
            perm[np.asarray(order)] = np.arange(m)
            cand = _relabelled(phi, perm)
            cand_list = cand.ravel().tolist()
            if best_list is None or cand_list < best_list:
                best, best_perm, best_list = cand, perm, cand_list
        if best is None or best_perm is None:
            best, best_perm = self._brute_force_canonical()
        return QGraph(best), best_perm

    def _brute_force_canonical(self) -> tuple[np.ndarray, np.ndarray]:
        m = self.m
        if m > MAX_BRUTE_FORCE_NODES:
            raise TooLarge(
                f"phi: no node reaches all others and m={m} > {MAX_BRUTE_FORCE_NODES}; "
                "canonical form would need all m! relabellings"
            )
        perms = np.array(list(permutations(range(m))), dtype=np.int64)  # perms[i, q] = new name of q
        cands = np.empty((perms.shape[0], m, self.r), dtype=np.int64)
        cands[np.arange(perms.shape[0])[:, None], perms] = perms[:, self._phi]
        best = np.lexsort(cands.reshape(len(perms), -1).T[::-1])[0]
        return cands[best], perms[best]

    def to_networkx(self) -> nx.MultiDiGraph:
        """A ``networkx.MultiDiGraph`` view: nodes ``0..m-1``, one edge per ``(q, y)`` with key and attribute ``y``.

        Examples
        --------
        >>> G = QGraph([[0, 1], [0, 0]]).to_networkx()
        >>> sorted(G.edges(keys=True, data="y"))
        [(0, 0, 0, 0), (0, 1, 1, 1), (1, 0, 0, 0), (1, 0, 1, 1)]
        """
        import networkx as nx

        graph = nx.MultiDiGraph(nodes=self.m, outputs=self.r)
        graph.add_nodes_from(range(self.m))
        for q in range(self.m):
            for y in range(self.r):
                graph.add_edge(q, int(self._phi[q, y]), key=y, y=y)
        return graph


def require_strongly_connected(g: QGraph) -> QGraph:
    """Return ``g`` if it is strongly connected (a Q-graph in the sense of sec. 4.4.1), else raise.

    Raises
    ------
    InvalidGraph
        Naming a node that the others cannot reach or that cannot reach node 0.

    Examples
    --------
    >>> require_strongly_connected(QGraph([[0, 1], [1, 1]]))
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidGraph: phi: not strongly connected, node 1 cannot reach node 0
    """
    if not isinstance(g, QGraph):
        raise InvalidGraph(f"graph: expected a QGraph, got {type(g).__name__}")
    if g.is_strongly_connected():
        return g
    phi = g.phi
    reached = _reachable(phi, 0)
    if len(reached) < g.m:
        missing = min(set(range(g.m)) - reached)
        raise InvalidGraph(f"phi: not strongly connected, node {missing} is not reachable from node 0")
    stuck = next(s for s in range(1, g.m) if 0 not in _reachable(phi, s))
    raise InvalidGraph(f"phi: not strongly connected, node {stuck} cannot reach node 0")


def _reachable(phi: np.ndarray, start: int) -> set[int]:
    return set(bfs_order(phi, start))

"""Period of strongly connected Q-graphs, and the aperiodic ones.

The *period* of a strongly connected directed (multi)graph is the gcd of the
lengths of its cycles; the graph is *aperiodic* when the period is 1.  Papers
that publish Q-graph lists (the MATLAB lists of Sabag, Permuter et al.; monograph
sec. 4.4) keep only aperiodic Q-graphs, because the (S, Q) Markov chain of the
Q-graph bound (Thm 4.4.3) is then more likely to be aperiodic as well.

Computation: number the nodes by breadth-first distance ``level`` from node 0;
for a strongly connected graph the period is
``gcd over edges (u -> v) of |level[u] + 1 - level[v]|`` (the classical
characterisation of the period through any BFS tree).  It is vectorised over a
batch of graphs ``phi[i, q, y]`` as produced by
:func:`dicert.graphs.enumerate.qgraph_batches`.

Examples
--------
>>> import numpy as np
>>> from dicert.graphs.period import qgraph_periods
>>> qgraph_periods(np.array([[[1, 1], [0, 0]], [[0, 1], [0, 0]]])).tolist()   # 2-cycle only; has a loop
[2, 1]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dicert.graphs.errors import InvalidGraph

__all__ = ["qgraph_periods", "aperiodic_mask", "count_aperiodic_qgraphs"]


def qgraph_periods(phis: np.ndarray) -> np.ndarray:
    """Period of each strongly connected Q-graph in a batch ``phis[i, q, y]``.

    Parameters
    ----------
    phis : array_like of int, shape (N, m, r)
        Strongly connected Q-graphs (as from the enumeration).

    Returns
    -------
    numpy.ndarray
        int64 array of length N: the gcd of the cycle lengths of each graph.

    Raises
    ------
    InvalidGraph
        If an entry is out of range or a graph is not strongly connected from node 0.

    Examples
    --------
    >>> qgraph_periods([[[0, 0]]]).tolist()          # one node with loops
    [1]
    """
    arr = np.asarray(phis)
    if arr.ndim != 3 or arr.dtype.kind not in "iu" or 0 in arr.shape:
        raise InvalidGraph(f"phis: expected an int array of shape (N, m, r), got {arr.dtype} array of shape {arr.shape}")
    count, m, r = arr.shape
    if arr.min() < 0 or arr.max() >= m:
        raise InvalidGraph(f"phis: next nodes must lie in 0..{m - 1}")
    arr = arr.astype(np.int64)
    rows = np.arange(count)
    level = np.full((count, m), -1, dtype=np.int64)
    level[:, 0] = 0
    for t in range(m):
        for u in range(m):
            at_t = level[:, u] == t
            for y in range(r):
                v = arr[:, u, y]
                new = at_t & (level[rows, v] < 0)
                level[rows[new], v[new]] = t + 1
    if (level < 0).any():
        i = int(np.flatnonzero((level < 0).any(axis=1))[0])
        raise InvalidGraph(f"phis[{i}]: not every node is reachable from node 0 (not strongly connected)")
    src = np.repeat(level, r, axis=1)  # (N, m*r): level of u for edge (u, y)
    dst = np.take_along_axis(level, arr.reshape(count, m * r), axis=1)
    return np.gcd.reduce(np.abs(src + 1 - dst), axis=1).astype(np.int64)


def aperiodic_mask(phis: np.ndarray) -> np.ndarray:
    """Boolean mask of the aperiodic graphs (period 1) in a batch.

    Examples
    --------
    >>> aperiodic_mask([[[1, 1], [0, 0]], [[0, 1], [0, 0]]]).tolist()
    [False, True]
    """
    return qgraph_periods(phis) == 1


def count_aperiodic_qgraphs(
    m: int, r: int, *, jobs: int = 1, progress: Callable[[int, int], None] | None = None
) -> int:
    """Number of non-isomorphic strongly connected *aperiodic* Q-graphs with ``m`` nodes over ``r`` outputs.

    Filters the orderly enumeration of :func:`dicert.graphs.enumerate.qgraph_batches`
    batch by batch (the period is invariant under relabelling, so the filter
    commutes with taking canonical forms).

    Examples
    --------
    >>> [count_aperiodic_qgraphs(m, 2) for m in (1, 2, 3)]
    [1, 5, 50]
    """
    from dicert.graphs.enumerate import qgraph_batches

    total = 0
    done = 0
    for batch in qgraph_batches(m, r, jobs=jobs):
        total += int(aperiodic_mask(batch.phi).sum())
        done += batch.phi.shape[0]
        if progress is not None:
            progress(done, done)
    return total

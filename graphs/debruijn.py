"""Order-k de Bruijn Q-graphs over r output symbols (monograph sec. 4.4, Markov output structure).

The order-``k`` de Bruijn Q-graph remembers the last ``k`` channel outputs: the
binning ``Phi_{i}(y^{i}) = (y_{i-k+1}, ..., y_i)`` of (4.34) with the choice
``Phi_{i-1}(y^{i-1}) = y_{i-k}^{i-1}``, which imposes a k-th order Markov
structure on the outputs.  Node ``q`` is the last ``k`` outputs read as a
base-``r`` number with the most recent output as the least significant digit,
so ``phi[q, y] = (q * r + y) mod r**k``.  ``k = 0`` gives the single-node graph
(memoryless outputs, ``H(Y^n) <= sum_i H(Y_i)``).

Examples
--------
>>> from dicert.graphs.debruijn import debruijn_qgraph
>>> debruijn_qgraph(1, 2)
QGraph(m=2, r=2, phi=[[0, 1], [0, 1]])
"""

from __future__ import annotations

import numpy as np

from dicert.graphs.errors import InvalidGraph, TooLarge
from dicert.graphs.qgraph import QGraph

__all__ = ["debruijn_qgraph", "MAX_DEBRUIJN_NODES"]

#: Largest node count ``r**k`` that :func:`debruijn_qgraph` builds.
MAX_DEBRUIJN_NODES = 1 << 22


def debruijn_qgraph(k: int, r: int) -> QGraph:
    """The order-``k`` de Bruijn Q-graph over ``r`` outputs: ``phi[q, y] = (q*r + y) mod r**k``.

    Parameters
    ----------
    k : int
        Memory order, ``k >= 0``; the graph has ``r**k`` nodes.
    r : int
        Output alphabet size, ``r >= 1``.

    Returns
    -------
    QGraph
        Strongly connected, with ``r**k`` nodes; node ``q`` encodes the last
        ``k`` outputs in base ``r`` (most recent output least significant).

    Raises
    ------
    InvalidGraph
        If ``k < 0`` or ``r < 1`` or either is not an integer.
    TooLarge
        If ``r**k`` exceeds ``MAX_DEBRUIJN_NODES``.

    Examples
    --------
    >>> debruijn_qgraph(0, 3)
    QGraph(m=1, r=3, phi=[[0, 0, 0]])
    >>> debruijn_qgraph(2, 2).phi.tolist()
    [[0, 1], [2, 3], [0, 1], [2, 3]]
    """
    for name, value, low in (("k", k, 0), ("r", r, 1)):
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
            raise InvalidGraph(f"{name}: expected an integer >= {low}, got {value!r}")
    k, r = int(k), int(r)
    m = r**k
    if m > MAX_DEBRUIJN_NODES:
        raise TooLarge(f"k: de Bruijn graph with r**k = {r}**{k} = {m} nodes exceeds {MAX_DEBRUIJN_NODES}")
    q = np.arange(m, dtype=np.int64)[:, None]
    y = np.arange(r, dtype=np.int64)[None, :]
    return QGraph((q * r + y) % m)

"""Textbook context-tree weighting with a per-symbol Python tree (reference only).

This is the straightforward implementation of CTW (Willems-Shtarkov-Tjalkens)
used to cross-check the vectorised :func:`dicert.verify.estimators.ctw.ctw_predictive`
and as the baseline of ``benchmarks/bench_ctw.py``. It walks the context path
of every symbol through a dictionary of node objects, so it is slow
(``O(n * depth * r)`` Python operations); use it for small inputs only.

Examples
--------
>>> import numpy as np
>>> from dicert.verify.estimators.ctw import ctw_predictive
>>> s = np.array([0, 0, 1, 0, 1, 1, 0, 1, 0, 0, 1])
>>> bool(np.allclose(ctw_predictive_reference(s, 2, 2), ctw_predictive(s, 2, 2)))
True
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["ctw_predictive_reference"]


class _Node:
    """One context node: symbol counts, log KT probability, log weighted probability."""

    __slots__ = ("counts", "log_pe", "log_pw", "children")

    def __init__(self, alphabet_size: int) -> None:
        self.counts = [0] * alphabet_size
        self.log_pe = 0.0
        self.log_pw = 0.0
        self.children: dict[int, _Node] = {}


def _logaddexp(a: float, b: float) -> float:
    top = max(a, b)
    return top + math.log(math.exp(a - top) + math.exp(b - top))


def _sigmoid(value: float) -> float:
    if value >= 0:
        return 1.0 / (1.0 + math.exp(-value))
    small = math.exp(value)
    return small / (1.0 + small)


def ctw_predictive_reference(symbols: ArrayLike, alphabet_size: int, depth: int) -> NDArray[np.float64]:
    """CTW predictive distributions, one tree walk per symbol (see the module docstring).

    Same contract as :func:`dicert.verify.estimators.ctw.ctw_predictive` with ``start=depth``.

    Examples
    --------
    >>> ctw_predictive_reference([1, 1, 1], 2, 0)[:, 1].round(4).tolist()
    [0.5, 0.75, 0.8333]
    """
    s = [int(v) for v in np.asarray(symbols).tolist()]
    r = int(alphabet_size)
    root = _Node(r)
    out = np.zeros((max(len(s) - depth, 0), r))
    half = math.log(0.5)
    for t in range(depth, len(s)):
        path = [root]
        for d in range(1, depth + 1):
            path.append(path[-1].children.setdefault(s[t - d], _Node(r)))
        # predictive distribution, leaf to root
        predictive: list[float] = []
        for d in range(depth, -1, -1):
            node = path[d]
            total = sum(node.counts)
            kt = [(c + 0.5) / (total + 0.5 * r) for c in node.counts]
            if d == depth:
                predictive = kt
            else:
                log_split = sum(child.log_pw for child in node.children.values())
                weight = _sigmoid(node.log_pe - log_split)
                predictive = [weight * a + (1.0 - weight) * b for a, b in zip(kt, predictive)]
        out[t - depth] = predictive
        # update counts and weighted probabilities, leaf to root
        symbol = s[t]
        for d in range(depth, -1, -1):
            node = path[d]
            total = sum(node.counts)
            node.log_pe += math.log((node.counts[symbol] + 0.5) / (total + 0.5 * r))
            node.counts[symbol] += 1
            if d == depth:
                node.log_pw = node.log_pe
            else:
                log_split = sum(child.log_pw for child in node.children.values())
                node.log_pw = half + _logaddexp(node.log_pe, log_split)
    return out

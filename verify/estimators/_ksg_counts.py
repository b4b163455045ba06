"""Exact max-norm neighbour counts for the KSG estimator without a tree (1-D and 2-D spaces).

The Frenzel-Pompe estimator (monograph 3.1.6) needs, for every sample ``i``, the
number of samples ``j`` with :math:`\\max_d |v_{j,d} - v_{i,d}| \\le r_i` in each
subspace. In one dimension that is a range of the sorted values (two binary
searches); in two dimensions it is an orthogonal range count: the samples whose
first coordinate lies in a range of the x-sorted order AND whose second
coordinate's rank lies in a range. A wavelet matrix over the y-ranks in x order
answers every such count in :math:`O(\\log n)` vectorised steps, so all ``n``
counts cost :math:`O(n \\log n)` array operations (a k-d tree ball count walks
the tree once per point).

The counts are exact: each range is repaired so that it holds exactly the values
``v_j`` with ``fl(|v_j - v_i|) <= r_i`` (the test a tree applies), which is a
contiguous range of the sorted values because rounding is monotone.

Examples
--------
>>> import numpy as np
>>> from scipy.spatial import cKDTree
>>> rng = np.random.default_rng(0)
>>> pts, r = rng.standard_normal((500, 2)), rng.uniform(0, 0.3, 500)
>>> tree = cKDTree(pts)
>>> expected = tree.query_ball_point(pts, r, p=np.inf, return_length=True) - 1
>>> bool((count_within_2d(pts, r) == expected).all())
True
"""

from __future__ import annotations

import numpy as np
from typing import Any

from numpy.typing import NDArray

__all__ = ["count_within_1d", "count_within_2d", "sorted_range"]


def sorted_range(
    ordered: NDArray[np.float64], values: NDArray[np.float64], radius: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Bounds ``lower, upper`` with ``ordered[lower:upper]`` = the ``v`` with ``fl(|v - value|) <= radius``.

    ``ordered`` is sorted ascending; ``values`` and ``radius`` are per query.
    ``values +- radius`` is rounded, so the binary-search bounds are repaired
    with the exact test (a few vectorised passes, usually none).

    Examples
    --------
    >>> import numpy as np
    >>> sorted_range(np.array([0.0, 1.0, 2.0, 3.0]), np.array([1.0]), np.array([1.0]))
    (array([0]), array([3]))
    """
    n = ordered.size
    upper = np.searchsorted(ordered, values + radius, side="right")
    lower = np.searchsorted(ordered, values - radius, side="left")
    while True:
        out = (upper > 0) & (ordered[np.maximum(upper - 1, 0)] - values > radius)
        into = (upper < n) & (ordered[np.minimum(upper, n - 1)] - values <= radius)
        if not (out.any() or into.any()):
            break
        upper = upper - out + into
    while True:
        out = (lower < n) & (values - ordered[np.minimum(lower, n - 1)] > radius)
        into = (lower > 0) & (values - ordered[np.maximum(lower - 1, 0)] <= radius)
        if not (out.any() or into.any()):
            break
        lower = lower + out - into
    return lower.astype(np.int64), upper.astype(np.int64)


def count_within_1d(values: NDArray[np.float64], radius: NDArray[np.float64]) -> NDArray[np.int64]:
    """Number of other samples ``j`` with ``|values[j] - values[i]| <= radius[i]``.

    Examples
    --------
    >>> import numpy as np
    >>> count_within_1d(np.array([0.0, 0.5, 2.0]), np.array([0.5, 0.1, 2.0]))
    array([1, 0, 2])
    """
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    lower, upper = sorted_range(ordered, ordered, radius[order])  # sorted queries: cache-friendly searches
    counts = np.empty(values.size, dtype=np.int64)
    counts[order] = upper - lower - 1
    return counts


class _WaveletMatrix:
    """Wavelet matrix of a permutation ``seq`` of ``0..n-1``: ``count_less(lo, hi, q)`` in O(log n) steps.

    ``count_less`` gives, per query, the number of positions ``p`` in
    ``[lo, hi)`` with ``seq[p] < q`` (all queries advance together, one level per
    bit). Memory: one ``int32`` prefix count of ``n + 1`` entries per bit.
    """

    def __init__(self, seq: NDArray[np.int64]) -> None:
        n = seq.size
        self.bits = max(1, int(n).bit_length())  # q may equal n
        dtype = np.int32 if n < 2**31 - 1 else np.int64
        self.zeros: list[NDArray[np.integer]] = []
        self.n_zeros: list[int] = []
        current: NDArray[np.integer[Any]] = seq.astype(dtype)
        for bit in range(self.bits - 1, -1, -1):
            is_one = ((current >> bit) & 1).astype(bool)
            prefix: NDArray[np.integer[Any]] = np.empty(n + 1, dtype=dtype)
            prefix[0] = 0
            np.cumsum(~is_one, out=prefix[1:], dtype=dtype)
            self.zeros.append(prefix)
            self.n_zeros.append(int(prefix[-1]))
            current = np.concatenate([current[~is_one], current[is_one]])

    def count_less(
        self, lo: NDArray[np.integer], hi: NDArray[np.integer], q: NDArray[np.integer]
    ) -> NDArray[np.int64]:
        dtype = self.zeros[0].dtype
        bounds = np.stack([lo, hi]).astype(dtype)  # one gather per level for both ends
        q = q.astype(dtype)
        result = np.zeros(lo.shape, dtype=dtype)
        for level, bit in enumerate(range(self.bits - 1, -1, -1)):
            zeros = self.zeros[level].take(bounds)  # zeros before each end at this level
            one = (q >> bit) & 1
            inside = zeros[1] - zeros[0]
            inside *= one  # bit set: every 0-bit value in the range is smaller than q
            result += inside
            # bit set: follow the 1-bit values (placed after the n_zeros 0-bits), else the 0-bit values
            bounds -= zeros
            bounds -= zeros
            bounds += self.n_zeros[level]
            bounds *= one
            bounds += zeros
        return result.astype(np.int64)


def count_within_2d(points: NDArray[np.float64], radius: NDArray[np.float64]) -> NDArray[np.int64]:
    """Number of other samples within max-norm distance ``radius[i]`` of ``points[i]`` (2 columns).

    Exactly the counts of :meth:`scipy.spatial.cKDTree.query_ball_point` with
    ``p=inf`` minus one (the sample itself), from sorting: the x range of each
    query is a slice of the x order, its y range a range of y ranks, and a
    wavelet matrix over the y ranks in x order counts the intersection.

    Examples
    --------
    >>> import numpy as np
    >>> pts = np.array([[0.0, 0.0], [0.5, 0.2], [0.4, 3.0], [2.0, 2.0]])
    >>> count_within_2d(pts, np.array([0.5, 0.5, 0.1, 2.0]))
    array([1, 1, 0, 3])
    """
    n = points.shape[0]
    x, y = np.ascontiguousarray(points[:, 0]), np.ascontiguousarray(points[:, 1])
    x_order = np.argsort(x, kind="stable")
    y_order = np.argsort(y, kind="stable")
    y_rank = np.empty(n, dtype=np.int64)
    y_rank[y_order] = np.arange(n)
    x_sorted, y_sorted = x[x_order], y[y_order]
    # every query in x order (position p holds sample x_order[p]): sorted searches, local gathers
    lo, hi = sorted_range(x_sorted, x_sorted, radius[x_order])
    q_lo_by_rank, q_hi_by_rank = sorted_range(y_sorted, y_sorted, radius[y_order])
    ranks = y_rank[x_order]
    q_lo, q_hi = q_lo_by_rank[ranks], q_hi_by_rank[ranks]
    matrix = _WaveletMatrix(ranks)
    both = matrix.count_less(np.concatenate([lo, lo]), np.concatenate([hi, hi]), np.concatenate([q_hi, q_lo]))
    counts = np.empty(n, dtype=np.int64)
    counts[x_order] = both[:n] - both[n:] - 1
    return counts

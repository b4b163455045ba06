"""k-nearest-neighbour (KSG) estimator of DI rates for continuous data (monograph 3.1.6).

For a joint process that is Markov of order ``m`` (``history``), the DI rate is a
conditional mutual information (2.27),

.. math::
    I(\\mathbb X\\to\\mathbb Y) = I(X_{t-m}^{t}; Y_t \\mid Y_{t-m}^{t-1}),
    \\qquad
    I(D\\mathbb Y\\to\\mathbb X) = I(Y_{t-m}^{t-1}; X_t \\mid X_{t-m}^{t-1}),

each estimated with the Frenzel-Pompe conditional version of the KSG estimator:
with :math:`\\varepsilon_i` the max-norm distance from sample ``i`` to its
``k``-th neighbour in the joint space and :math:`n_{AC}, n_{BC}, n_C` the numbers
of other samples strictly closer than :math:`\\varepsilon_i` in the subspaces,

.. math::
    \\hat I(A; B \\mid C) = \\psi(k) - \\langle \\psi(n_{AC}+1) + \\psi(n_{BC}+1) - \\psi(n_C+1) \\rangle .

Neighbour searches use :class:`scipy.spatial.cKDTree`. Each series is
standardised first (so the estimate does not depend on the units of ``x`` or
``y``). The ``X`` window includes :math:`X_t`, so the DI estimate contains the
instantaneous information of (2.30).

Examples
--------
>>> from dicert.verify.processes import gaussian_var1
>>> from dicert.verify.estimators import KSG
>>> s = gaussian_var1(3000, [[0.0, 0.0], [0.8, 0.5]], rng=0)
>>> est = KSG(k=4, history=1).fit(s.x, s.y)
>>> abs(est.di_rate_ - s.di_rate) < 0.05
True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import ClassVar, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dicert.verify.errors import InvalidInput
from dicert.verify.estimators.intervals import batch_means_se, z_value
from dicert.verify.estimators.protocol import BaseDIEstimator, check_int_param, log_base, validate_pair

__all__ = ["KSG", "ksg_conditional_mutual_information"]


def _count_within(points: NDArray[np.float64], radius: NDArray[np.float64], workers: int = 1) -> NDArray[np.int64]:
    """Number of other points at max-norm distance <= ``radius`` (per point).

    One-dimensional spaces use two binary searches in the sorted values
    (O(n log n), no tree); higher dimensions a :class:`scipy.spatial.cKDTree`
    queried in its own leaf order (``workers`` threads).
    """
    from scipy.spatial import cKDTree

    if points.shape[1] == 0:
        return np.full(points.shape[0], points.shape[0] - 1, dtype=np.int64)
    if points.shape[1] == 1:
        values = points[:, 0]
        ordered = np.sort(values)
        n = ordered.size
        upper = np.searchsorted(ordered, values + radius, side="right")
        lower = np.searchsorted(ordered, values - radius, side="left")
        # values +- radius is rounded: repair the bounds with the exact test |v_j - v_i| <= radius
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
        return (upper - lower - 1).astype(np.int64)
    tree = cKDTree(points)
    order = tree.indices  # query in the tree's leaf order: neighbouring queries touch the same nodes
    counts = np.empty(points.shape[0], dtype=np.int64)
    counts[order] = tree.query_ball_point(points[order], radius[order], p=np.inf, return_length=True, workers=workers)
    return counts - 1


def ksg_conditional_mutual_information(
    a: ArrayLike, b: ArrayLike, c: ArrayLike, k: int = 4, workers: int = 1
) -> NDArray[np.float64]:
    """Per-sample Frenzel-Pompe KSG contributions to :math:`I(A; B \\mid C)` in nats.

    ``a``, ``b``, ``c`` are arrays of shape ``(n, d_a)``, ``(n, d_b)``, ``(n, d_c)``
    (``d_c`` may be 0: plain KSG mutual information). The mean of the result is
    the estimate; it is not clipped at zero. ``workers`` is passed to the
    :class:`scipy.spatial.cKDTree` queries (``-1``: all cores); the result does
    not depend on it.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.standard_normal((2000, 2))
    >>> a, b = z[:, :1], 0.8 * z[:, :1] + 0.6 * z[:, 1:]
    >>> est = ksg_conditional_mutual_information(a, b, np.zeros((2000, 0))).mean()
    >>> bool(abs(est - (-0.5 * np.log(1 - 0.64))) < 0.05)
    True
    """
    from scipy.spatial import cKDTree
    from scipy.special import digamma

    a, b, c = (np.asarray(v, dtype=np.float64) for v in (a, b, c))
    joint = np.hstack([a, b, c])
    tree = cKDTree(joint)
    order = tree.indices  # leaf order: consecutive queries share nodes (about 2x faster than data order)
    distances, _ = tree.query(joint[order], k=k + 1, p=np.inf, workers=workers)
    radius = np.empty(joint.shape[0])
    radius[order] = np.nextafter(distances[:, -1], 0.0)  # strictly closer than the k-th neighbour
    n_ac = _count_within(np.hstack([a, c]), radius, workers)
    n_bc = _count_within(np.hstack([b, c]), radius, workers)
    n_c = _count_within(c, radius, workers)
    return digamma(k) - digamma(n_ac + 1) - digamma(n_bc + 1) + digamma(n_c + 1)


def _standardise(values: NDArray[np.float64]) -> NDArray[np.float64]:
    centred = values - values.mean()
    scale = centred.std()
    return centred / scale if scale > 0 else centred


def _lags(series: NDArray[np.float64], first: int, last: int, history: int) -> NDArray[np.float64]:
    """Columns ``series[t - j]`` for ``j = first .. last`` at ``t = history .. n-1``."""
    n = series.size
    if last < first:
        return np.zeros((n - history, 0))
    return np.column_stack([series[history - j : n - j] for j in range(first, last + 1)])


def _check_continuous(values: NDArray[np.float64], name: str, max_tied_fraction: float) -> None:
    """Refuse heavily tied (discrete-looking) data: kNN distances collapse to 0 there."""
    distinct = np.unique(values).size
    tied = 1.0 - distinct / values.size
    if tied > max_tied_fraction:
        raise InvalidInput(
            f"{name}: {distinct} distinct values in {values.size} samples ({tied:.0%} ties), expected continuous data "
            "for KSG; use PlugIn or CTW for discrete data"
        )
    if tied > 0:
        warnings.warn(
            f"{name}: {values.size - distinct} tied values; KSG assumes continuous data (ties bias the neighbour counts)",
            UserWarning,
            stacklevel=3,
        )


class KSG(BaseDIEstimator):
    """KSG / Frenzel-Pompe kNN estimator of the DI rates of continuous processes.

    Parameters
    ----------
    k : int, default 4
        Number of nearest neighbours.
    history : int, default 1
        Assumed Markov order ``m`` of the joint process (and of each marginal).
    base : float or "e", default 2
        Logarithm base of the reported rates (2: bits).
    max_tied_fraction : float, default 0.05
        Refuse (``InvalidInput``) a series in which more than this fraction of
        the values are repeats (discrete data), and warn on any ties.
    workers : int, default 1
        Threads of the :class:`scipy.spatial.cKDTree` queries (``-1``: all
        cores); the estimate does not depend on it.

    Notes
    -----
    ``mi_rate_`` is ``di_rate_ + reverse_di_rate_`` (conservation (2.13)). The
    confidence intervals are batch-means intervals on the per-sample
    contributions (their coverage is measured in ``benchmarks/``). Side
    information ``z`` (``fit(x, y, z=...)``) gives the causally conditioned
    rates: :math:`Z_{t-m}^{t}` joins every conditioning set.

    Examples
    --------
    >>> KSG(k=0)
    Traceback (most recent call last):
    dicert.graphs.errors.InvalidInput: k: expected an integer >= 1, got 0
    >>> import numpy as np
    >>> KSG().fit(np.arange(100) % 2, np.arange(100) % 3)
    Traceback (most recent call last):
    dicert.graphs.errors.InvalidInput: x: 2 distinct values in 100 samples (98% ties), expected continuous data for KSG; use PlugIn or CTW for discrete data
    """

    input_kind: ClassVar[str] = "continuous"
    _param_names = ("k", "history", "base", "max_tied_fraction", "workers")

    def __init__(
        self, k: int = 4, history: int = 1, base: float | str = 2, max_tied_fraction: float = 0.05, workers: int = 1
    ) -> None:
        self.k = check_int_param("k", k, 1)
        self.history = check_int_param("history", history, 1, 16)
        log_base(base)
        self.base = base
        if isinstance(max_tied_fraction, bool) or not isinstance(max_tied_fraction, (int, float)) or not (
            0 <= max_tied_fraction <= 1
        ):
            raise InvalidInput(f"max_tied_fraction: expected a number in [0, 1], got {max_tied_fraction!r}")
        self.max_tied_fraction = max_tied_fraction
        if isinstance(workers, bool) or not isinstance(workers, (int, np.integer)) or not (workers == -1 or workers >= 1):
            raise InvalidInput(f"workers: expected -1 or an integer >= 1, got {workers!r}")
        self.workers = int(workers)

    def fit(
        self,
        x: ArrayLike,
        y: ArrayLike,
        z: ArrayLike | None = None,
        *,
        progress: Callable[[int, int], None] | None = None,
    ) -> Self:
        """Estimate both DI rates from the real-valued series ``x``, ``y`` (given ``z``); return ``self``.

        ``progress(done, total)`` is called after each neighbour search (the two
        full-sample estimates count 10 units each, each of the 20 interval
        blocks one unit), so a caller can show an ETA on long fits.
        """
        m = self.history
        xa, ya = validate_pair(x, y, min_length=m + self.k + 2)
        za = None if z is None else validate_pair(xa, z)[1]
        for values, name in ((xa, "x"), (ya, "y")) + (() if za is None else ((za, "z"),)):
            _check_continuous(values.astype(np.float64), name, self.max_tied_fraction)
        xs = _standardise(xa.astype(np.float64))
        ys = _standardise(ya.astype(np.float64))
        x_window = _lags(xs, 0, m, m)  # X_{t-m} .. X_t
        x_past = _lags(xs, 1, m, m)
        y_now = _lags(ys, 0, 0, m)
        y_past = _lags(ys, 1, m, m)
        x_now = _lags(xs, 0, 0, m)
        if za is not None:
            z_window = _lags(_standardise(za.astype(np.float64)), 0, m, m)
            y_past = np.hstack([y_past, z_window])
            x_past = np.hstack([x_past, z_window])
        di_parts = (x_window, y_now, y_past)
        reverse_parts = (y_past[:, :m], x_now, x_past)
        tick = _Ticker(progress, 40)
        di = ksg_conditional_mutual_information(*di_parts, self.k, self.workers)
        tick(10)
        reverse = ksg_conditional_mutual_information(*reverse_parts, self.k, self.workers)
        tick(10)
        self._data = (xa, ya, za)
        di_ci = self._interval(di, di_parts, tick)
        rev_ci = self._interval(reverse, reverse_parts, tick)
        tick.finish()
        self._store(di, reverse, self.base, di_ci, rev_ci, self.ci_method)
        return self

    #: How the intervals are formed (see :meth:`_interval`).
    ci_method = (
        "full estimate +- (1.96 sd(10 block estimates) / sqrt(10) + |mean of block estimates - full estimate|)"
    )

    def _interval(
        self,
        contributions: NDArray[np.float64],
        parts: tuple[NDArray[np.float64], ...],
        tick: Callable[[int], None] = lambda units: None,
    ) -> tuple[float, float]:
        """95% interval (nats) from estimates on 10 contiguous blocks.

        The kNN contributions share neighbours, so batch means of them
        under-state the spread; the spread of independent block estimates does
        not (``sd / sqrt(10)`` for the full-sample estimate, variance ~ 1/n).
        The gap between the mean block estimate (n/10 samples) and the full
        estimate is added on both sides as a bias allowance (the KSG bias
        shrinks with n). Coverage: ``benchmarks/bench_estimators_coverage.py``.
        With fewer than 10 blocks of 10 (k + 1) rows: batch means.
        """
        estimate = float(contributions.mean())
        n_blocks = 10
        size = contributions.size // n_blocks
        z_ = z_value()
        if size < max(50, 10 * (self.k + 1)):
            half = z_ * batch_means_se(contributions)
            return (estimate - half, estimate + half)
        estimates = []
        for b in range(n_blocks):
            a, b_, c = (p[b * size : (b + 1) * size] for p in parts)  # the (A, B, C) columns of block b
            estimates.append(float(ksg_conditional_mutual_information(a, b_, c, self.k, self.workers).mean()))
            tick(1)
        blocks = np.array(estimates)
        half = z_ * float(blocks.std(ddof=1)) / float(np.sqrt(n_blocks)) + abs(float(blocks.mean()) - estimate)
        return (estimate - half, estimate + half)


class _Ticker:
    """Accumulate work units and report ``progress(done, total)`` (no-op without a callback)."""

    def __init__(self, progress: Callable[[int, int], None] | None, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0

    def __call__(self, units: int) -> None:
        self.done = min(self.done + units, self.total)
        if self.progress is not None:
            self.progress(self.done, self.total)

    def finish(self) -> None:
        """Report completion (blocks skipped for short series count as done)."""
        if self.progress is not None and self.done < self.total:
            self.done = self.total
            self.progress(self.done, self.total)

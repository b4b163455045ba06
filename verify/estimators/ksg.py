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

The k-th-neighbour search uses one :class:`scipy.spatial.cKDTree` of the
joint space; the subspace counts of one- and two-dimensional spaces are exact
counts by sorting (:mod:`dicert.verify.estimators._ksg_counts`: binary searches
and a wavelet matrix over ranks, no tree), higher-dimensional ones a tree per
subspace. A fit runs its 42 searches (2 full CMIs and 10 interval blocks
each, plus the 20 blocks at history ``m + 1`` of the truncation allowance) on
``workers`` threads. Each series is
standardised first (so the estimate does not depend on the units of ``x`` or
``y``). The ``X`` window includes :math:`X_t`, so the DI estimate contains the
instantaneous information of (2.30).

The CMI at history ``m`` is the truncated DI :math:`I_T^{(m)}` of monograph
3.1.2: it equals the DI rate only when the marginal ``Y`` (resp. ``X``) is
Markov of order ``m`` too, and is an upper bound when only the joint process
is. A feedback loop makes the marginals ARMA, never finite-order Markov, so by
default the interval is widened by the truncation allowance
:math:`2|\\hat I_{m+1} - \\hat I_m|`
(:func:`~dicert.verify.estimators.intervals.truncation_allowance`; it bounds
the truncation error when that error at least halves with each extra lag).

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

import os
import warnings
from collections.abc import Callable
from typing import ClassVar, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dicert.verify.errors import InvalidInput
from dicert.verify.estimators._ksg_counts import count_within_1d, count_within_2d
from dicert.verify.estimators.intervals import (
    TRUNCATION_FACTOR,
    batch_means_se,
    truncation_allowance,
    widen,
    z_value,
)
from dicert.verify.estimators.protocol import BaseDIEstimator, check_int_param, log_base, validate_pair

__all__ = ["KSG", "ksg_conditional_mutual_information"]

#: The (A, B, C) arrays of one conditional mutual information I(A; B | C).
_Parts = tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]


def _count_within(points: NDArray[np.float64], radius: NDArray[np.float64], workers: int = 1) -> NDArray[np.int64]:
    """Number of other points at max-norm distance <= ``radius`` (per point).

    One- and two-dimensional spaces are counted exactly by sorting
    (:mod:`dicert.verify.estimators._ksg_counts`: binary searches, and a
    wavelet matrix over ranks in 2-D; no tree); higher dimensions use a
    :class:`scipy.spatial.cKDTree` queried in its own leaf order (``workers``
    threads). Both give the counts of ``query_ball_point(p=inf)``.
    """
    from scipy.spatial import cKDTree

    if points.shape[1] == 0:
        return np.full(points.shape[0], points.shape[0] - 1, dtype=np.int64)
    if points.shape[1] == 1:
        return count_within_1d(np.ascontiguousarray(points[:, 0]), radius)
    if points.shape[1] == 2:
        return count_within_2d(points, radius)
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
    distances, _ = tree.query(joint[order], k=[k + 1], p=np.inf, workers=workers)  # only the k-th other
    radius = np.empty(joint.shape[0])
    radius[order] = np.nextafter(distances[:, 0], 0.0)  # strictly closer than the k-th neighbour
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


def _cmi_parts(
    xs: NDArray[np.float64], ys: NDArray[np.float64], zs: NDArray[np.float64] | None, m: int
) -> tuple[_Parts, _Parts]:
    """The (A, B, C) arrays of the history-``m`` DI CMI and reverse-DI CMI (2.27), rows ``t = m .. n-1``."""
    x_window = _lags(xs, 0, m, m)  # X_{t-m} .. X_t
    x_past = _lags(xs, 1, m, m)
    y_now = _lags(ys, 0, 0, m)
    y_past = _lags(ys, 1, m, m)
    x_now = _lags(xs, 0, 0, m)
    y_lags = y_past
    if zs is not None:
        z_window = _lags(zs, 0, m, m)
        y_past = np.hstack([y_past, z_window])
        x_past = np.hstack([x_past, z_window])
    return (x_window, y_now, y_past), (y_lags, x_now, x_past)


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
    truncation_allowance : bool, default True
        Also estimate both CMIs at history ``m + 1`` (on the interval's 10
        blocks, at most :attr:`allowance_rows` rows) and widen each interval by :math:`2|\\hat I_{m+1} - \\hat I_m|`
        (monograph 3.1.2: the history-``m`` CMI is the truncated DI
        :math:`I_T^{(m)}`, which misses the rate when ``Y`` alone is not Markov
        of order ``m``). It roughly doubles the fit time (2.4x at
        ``n = 20000``, history 1); the centre ``di_rate_`` does not change.

    Attributes
    ----------
    truncation_allowance_ : tuple of float or None
        The (DI, reverse DI) allowances added on both sides of the intervals
        (output unit); ``None`` when switched off or the series is too short.
    history_rates_ : tuple or None
        ``((di at m, di at m + 1), (reverse at m, reverse at m + 1))``: the
        estimates on the same rows that the allowances come from (block means;
        full-sample estimates for series too short for blocks).

    Notes
    -----
    ``mi_rate_`` is ``di_rate_ + reverse_di_rate_`` (conservation (2.13)). The
    confidence intervals are block intervals on the per-sample contributions
    (:meth:`_interval`) plus the truncation allowance; their coverage is
    measured in ``benchmarks/bench_estimators_coverage.py`` (README). Side
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
    _param_names = ("k", "history", "base", "max_tied_fraction", "workers", "truncation_allowance")

    def __init__(
        self,
        k: int = 4,
        history: int = 1,
        base: float | str = 2,
        max_tied_fraction: float = 0.05,
        workers: int = 1,
        truncation_allowance: bool = True,
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
        if not isinstance(truncation_allowance, bool):
            raise InvalidInput(f"truncation_allowance: expected True or False, got {truncation_allowance!r}")
        self.truncation_allowance = truncation_allowance

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
        blocks and of the 20 history-``m + 1`` blocks one unit), so a caller
        can show an ETA on long fits.
        """
        m = self.history
        xa, ya = validate_pair(x, y, min_length=m + self.k + 2)
        za = None if z is None else validate_pair(xa, z)[1]
        for values, name in ((xa, "x"), (ya, "y")) + (() if za is None else ((za, "z"),)):
            _check_continuous(values.astype(np.float64), name, self.max_tied_fraction)
        xs = _standardise(xa.astype(np.float64))
        ys = _standardise(ya.astype(np.float64))
        zs = None if za is None else _standardise(za.astype(np.float64))
        di_parts, reverse_parts = _cmi_parts(xs, ys, zs, m)
        # history m + 1 (the truncation allowance): the two CMIs again, on the blocks (see _searches)
        allow = self.truncation_allowance and xs.size >= m + self.k + 3 and m < 16
        extra = _cmi_parts(xs, ys, zs, m + 1) if allow else ()
        self._data = (xa, ya, za)
        di, di_blocks, reverse, rev_blocks, following = self._searches(
            di_parts, reverse_parts, _Ticker(progress, 60 if allow else 40), extra
        )
        di_ci = self._interval(di, di_blocks)
        rev_ci = self._interval(reverse, rev_blocks)
        method = self.ci_method
        self.truncation_allowance_: tuple[float, float] | None = None
        self.history_rates_: tuple[tuple[float, float], tuple[float, float]] | None = None
        if allow:
            scale = 1.0 / log_base(self.base)
            now = (following[0][0], following[1][0])  # like with like: same rows at m and m + 1
            nxt = (following[0][1], following[1][1])
            allowance = tuple(truncation_allowance(a, b) for a, b in zip(now, nxt))
            di_ci, rev_ci = widen(di_ci, allowance[0]), widen(rev_ci, allowance[1])
            self.truncation_allowance_ = (allowance[0] * scale, allowance[1] * scale)
            self.history_rates_ = ((now[0] * scale, nxt[0] * scale), (now[1] * scale, nxt[1] * scale))
            method += f" +- {TRUNCATION_FACTOR:g} |history m+1 - history m| (truncation allowance, 3.1.2)"
        elif self.truncation_allowance:
            method += "; no truncation allowance (series too short for history m+1)"
        self._store(di, reverse, self.base, di_ci, rev_ci, method)
        return self

    #: How the intervals are formed (see :meth:`_interval`).
    ci_method = (
        "full estimate +- (1.96 sd(10 block estimates) / sqrt(10) + |mean of block estimates - full estimate|)"
    )

    #: Most rows on which the history-``m + 1`` CMIs of the truncation allowance are estimated
    #: (10 blocks up to n = 20000; fewer, or the start of one block, beyond: a 10^6-row fit costs
    #: two 20000-row search pairs more, not 20 blocks of 10^5 rows in the larger space).
    allowance_rows: ClassVar[int] = 20_000

    #: Number of contiguous blocks of the interval (:meth:`_interval`).
    n_blocks: ClassVar[int] = 10

    def _searches(
        self,
        di_parts: _Parts,
        reverse_parts: _Parts,
        tick: _Ticker,
        extra: tuple[_Parts, ...] = (),
    ) -> tuple[
        NDArray[np.float64],
        NDArray[np.float64] | None,
        NDArray[np.float64],
        NDArray[np.float64] | None,
        list[tuple[float, float]],
    ]:
        """Both full-sample contribution vectors and their block estimates (None: too short for blocks).

        The 22 neighbour-search jobs (2 full CMIs, 10 blocks each) are
        independent; with ``workers != 1`` they run on a thread pool (the tree
        searches and NumPy's sorts release the GIL), the full CMIs first and
        with ``workers`` tree threads each. Every job is deterministic, so
        the result does not depend on ``workers``. ``tick`` is advanced in the
        calling thread (10 units per full CMI, 1 per block).

        ``extra`` (the history-``m + 1`` DI and reverse parts of the truncation
        allowance): each is estimated on the first ``j`` blocks, ``j`` as many as
        fit in :attr:`allowance_rows` rows (at least 1, at most 10), and paired
        with the history-``m`` estimate on the same blocks; when one block is
        longer than :attr:`allowance_rows`, both histories are estimated on its
        first :attr:`allowance_rows` rows; for series too short for blocks, on
        the full sample. The last item is the list of ``(history m, history
        m + 1)`` estimates (nats), one pair per part.
        """
        from concurrent.futures import ThreadPoolExecutor, as_completed

        rows = di_parts[0].shape[0]
        size = rows // self.n_blocks
        with_blocks = size >= max(50, 10 * (self.k + 1))
        jobs: list[tuple[str, int, _Parts, int]] = [
            ("di", -1, di_parts, self.workers),
            ("reverse", -1, reverse_parts, self.workers),
        ]
        if with_blocks:
            for name, parts in (("di", di_parts), ("reverse", reverse_parts)):
                a, b_, c = parts
                for b in range(self.n_blocks):
                    rows_b = slice(b * size, (b + 1) * size)
                    jobs.append((name, b, (a[rows_b], b_[rows_b], c[rows_b]), 1))
        n_extra_blocks = min(self.n_blocks, max(1, self.allowance_rows // size)) if with_blocks else 0
        chunk = min(size, self.allowance_rows)
        for i, parts in enumerate(extra):
            if not with_blocks:
                jobs.append((f"extra{i}", -1, parts, self.workers))
                continue
            if chunk < size:  # one block is too long: both histories on its first rows
                current = (di_parts, reverse_parts)[i]
                jobs.append((f"now{i}", 0, tuple(v[:chunk] for v in current), 1))  # type: ignore[arg-type]
            for b in range(n_extra_blocks):
                rows_b = slice(b * size, b * size + chunk)
                jobs.append((f"extra{i}", b, (parts[0][rows_b], parts[1][rows_b], parts[2][rows_b]), 1))
        full: dict[str, NDArray[np.float64]] = {}
        names = ["di", "reverse"] + [f"{kind}{i}" for i in range(len(extra)) for kind in ("extra", "now")]
        blocks: dict[str, NDArray[np.float64]] = {name: np.full(self.n_blocks, np.nan) for name in names}

        def record(job: tuple[str, int, _Parts, int], values: NDArray[np.float64]) -> None:
            name, block = job[0], job[1]
            if block < 0:
                full[name] = values
            else:
                blocks[name][block] = float(values.mean())
            tick(10 if block < 0 else 1)

        threads = (os.cpu_count() or 1) if self.workers == -1 else self.workers
        if threads == 1:
            for job in jobs:
                record(job, ksg_conditional_mutual_information(*job[2], self.k, job[3]))
        else:
            with ThreadPoolExecutor(max_workers=threads) as pool:
                futures = {
                    pool.submit(ksg_conditional_mutual_information, *job[2], self.k, job[3]): job for job in jobs
                }
                for future in as_completed(futures):
                    record(futures[future], future.result())
        tick.finish()
        pairs: list[tuple[float, float]] = []
        for i in range(len(extra)):
            current_name = ("di", "reverse")[i]
            if not with_blocks:
                pairs.append((float(full[current_name].mean()), float(full[f"extra{i}"].mean())))
            elif chunk < size:
                pairs.append((float(blocks[f"now{i}"][0]), float(blocks[f"extra{i}"][0])))
            else:
                used = slice(0, n_extra_blocks)
                pairs.append((float(blocks[current_name][used].mean()), float(blocks[f"extra{i}"][used].mean())))
        if not with_blocks:
            return full["di"], None, full["reverse"], None, pairs
        return full["di"], blocks["di"], full["reverse"], blocks["reverse"], pairs

    def _interval(self, contributions: NDArray[np.float64], blocks: NDArray[np.float64] | None) -> tuple[float, float]:
        """95% interval (nats) from estimates on 10 contiguous blocks.

        The kNN contributions share neighbours, so batch means of them
        under-state the spread; the spread of independent block estimates does
        not (``sd / sqrt(10)`` for the full-sample estimate, variance ~ 1/n).
        The gap between the mean block estimate (n/10 samples) and the full
        estimate is added on both sides as a bias allowance (the KSG bias
        shrinks with n). Coverage: ``benchmarks/bench_estimators_coverage.py``.
        With fewer than 10 blocks of 10 (k + 1) rows (``blocks`` None): batch means.
        """
        estimate = float(contributions.mean())
        z_ = z_value()
        if blocks is None:
            half = z_ * batch_means_se(contributions)
            return (estimate - half, estimate + half)
        half = z_ * float(blocks.std(ddof=1)) / float(np.sqrt(blocks.size)) + abs(float(blocks.mean()) - estimate)
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

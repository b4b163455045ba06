"""Plug-in DI estimator with an assumed Markov order (monograph 3.1.1).

The empirical distribution of the length-``k+1`` windows replaces the true law in
the stationary DI rate :math:`I(X^{n}; Y_n \\mid Y^{n-1})` (2.27), truncated to the
last ``k`` steps:

.. math::
    \\hat I(\\mathbb X\\to\\mathbb Y) = \\hat H(Y_t \\mid Y_{t-k}^{t-1})
    - \\hat H(Y_t \\mid Y_{t-k}^{t-1}, X_{t-k}^{t}),

    \\hat I(D\\mathbb Y\\to\\mathbb X) = \\hat H(X_t \\mid X_{t-k}^{t-1})
    - \\hat H(X_t \\mid X_{t-k}^{t-1}, Y_{t-k}^{t-1}),

all over the windows ``t = k .. n-1``. This is the truncated DI of 3.1.2: it
is exact in the limit when the joint process and ``Y`` are Markov of order ``k``.
The per-step increments are the empirical log-likelihood ratios, whose mean is
the plug-in estimate exactly (2n times it is the likelihood-ratio statistic
of the causal-influence test of [kontoyiannis2016estimating]).

Intervals: ``di_rate_ci_`` / ``reverse_di_rate_ci_`` follow the asymptotics
after Thm 3.1.1 (Gaussian around a positive rate, :math:`2n\\hat I\\to\\chi^2_{df}`
at rate 0), see :func:`~dicert.verify.estimators.intervals.likelihood_ratio_interval`;
``df`` counts the observed cells, so the Miller-Madow correction
(``bias_correction="miller-madow"``) is :math:`df/(2n)`. Counting is sparse
(only observed windows get a cell, relabelled densely with ``bincount``); when
there are fewer than ``min_per_context`` samples per observed context the fit
refuses ("too few samples per context") rather than return a collapsed 0.

Side information ``z`` (``fit(x, y, z=...)``) gives the causally conditioned
rates :math:`I(\\mathbb X\\to\\mathbb Y\\|\\mathbb Z)` and
:math:`I(D\\mathbb Y\\to\\mathbb X\\|\\mathbb Z)` (Kramer's causal conditioning,
(2.20)): every context also holds :math:`Z_{t-k}^{t}`.

Examples
--------
>>> from dicert.verify.processes import bsc_delay
>>> from dicert.verify.estimators import PlugIn
>>> s = bsc_delay(20_000, p=0.1, rng=0)
>>> est = PlugIn(order=1).fit(s.x, s.y)
>>> abs(est.di_rate_ - s.di_rate) < 0.02
True
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dicert.verify.errors import InvalidInput, TooLarge
from dicert.verify.estimators.ctw import _check_alphabet_size
from dicert.verify.estimators.intervals import batch_means_se, likelihood_ratio_interval, truncation_allowance, widen
from dicert.verify.estimators.protocol import (
    BaseDIEstimator,
    check_int_param,
    encode_symbols,
    log_base,
    validate_pair,
)
from dicert.verify.memory import check_allocation

__all__ = ["PlugIn", "BIAS_CORRECTIONS"]

#: Accepted values of ``bias_correction``.
BIAS_CORRECTIONS = (None, "miller-madow")

_SMALL = 1 << 12  # label ranges up to 4 n + _SMALL are relabelled by bincount


def _dense(label: NDArray[np.int64], bound: int) -> tuple[NDArray[np.int64], int]:
    """Relabel ``label`` (values < ``bound``) to ``0 .. m-1``; return the labels and ``m``.

    ``bincount`` relabelling (O(n + bound)) when ``bound`` is small, a sort otherwise.
    """
    if bound <= 4 * label.size + _SMALL:
        if bound > 1 << 16:
            check_allocation(bound, 8, "plug-in window counts")
        present = np.bincount(label, minlength=bound) > 0
        lookup = np.cumsum(present) - 1
        return lookup[label], int(lookup[-1]) + 1 if bound else 0
    _, dense = np.unique(label, return_inverse=True)
    dense = dense.astype(np.int64).reshape(-1)
    return dense, int(dense.max()) + 1 if dense.size else 0


def _window_ids(columns: list[NDArray[np.int64]], sizes: list[int]) -> tuple[NDArray[np.int64], int]:
    """Dense integer label of each row of the stacked symbol columns, and the number of labels."""
    label = columns[0].astype(np.int64, copy=True)
    bound = sizes[0]
    for column, size in zip(columns[1:], sizes[1:]):
        if bound * size > 4 * label.size + _SMALL:
            label, bound = _dense(label, bound)
        label *= size
        label += column
        bound *= size
    return _dense(label, bound)


def _log_conditional(
    target: NDArray[np.int64],
    context: tuple[NDArray[np.int64], int],
    target_size: int,
    weights: NDArray[np.int64],
) -> tuple[NDArray[np.float64], int, int]:
    """Empirical :math:`\\log \\hat P(\\text{target} \\mid \\text{context})` for every cell.

    The arrays run over the distinct windows (cells); ``weights`` are their
    counts. Also returns the numbers of observed (context, target) pairs and of
    contexts (for the degrees of freedom).
    """
    labels, n_contexts = context
    joint, n_joint = _window_ids([labels, target], [n_contexts, target_size])
    joint_counts = np.bincount(joint, weights=weights, minlength=n_joint)
    context_counts = np.bincount(labels, weights=weights, minlength=n_contexts)
    return np.log(joint_counts)[joint] - np.log(context_counts)[labels], n_joint, n_contexts


class PlugIn(BaseDIEstimator):
    """Plug-in estimator of the DI rates for discrete data with Markov order ``order``.

    Parameters
    ----------
    order : int, default 1
        Assumed Markov order ``k`` (number of past samples of each process used).
    alphabet_size : int, pair of int, or None
        Declared alphabet sizes of ``x`` and ``y`` (an int applies to both); symbols
        must then be ``0 .. size-1``. ``None``: the observed symbols.
    base : float or "e", default 2
        Logarithm base of the reported rates (2: bits).
    bias_correction : {None, "miller-madow"}, default None
        ``"miller-madow"`` subtracts ``df / (2n)`` (nats) from each rate, ``df``
        the number of extra observed cells of the larger model.
    min_per_context : float, default 2.0
        Refuse the fit when the windows average fewer samples than this per
        observed causal context, or per distinct observed window (large
        alphabets: every window seen about once, the plug-in law is a point
        mass and the estimate is all bias).

    Notes
    -----
    ``mi_rate_`` is ``di_rate_ + reverse_di_rate_``, which equals the plug-in
    estimate :math:`\\hat H(X_t|X^{t-1}_{t-k}) + \\hat H(Y_t|Y^{t-1}_{t-k}) - \\hat H(X_t, Y_t|X^{t-1}_{t-k}, Y^{t-1}_{t-k})`
    (conservation (2.13) holds exactly for the empirical law). ``di_df_`` and
    ``reverse_di_df_`` are the observed-cell differences used by the Miller-Madow
    term ``df / (2n)`` (negative when the larger model is deterministic) and, when
    positive, as the chi-square degrees of freedom of the intervals.

    Examples
    --------
    >>> import numpy as np
    >>> x, noise = np.random.default_rng(0).integers(0, 2, (2, 400))
    >>> est = PlugIn(order=1).fit(x, np.roll(x, 1) ^ (noise & np.roll(noise, 1)))
    >>> est.di_rate_ > 0.1, est.n_steps_, est.di_df_
    (True, 399, 6)
    >>> PlugIn(order=3).fit(np.arange(40) % 7, np.arange(40) % 5)
    Traceback (most recent call last):
    dicert.graphs.errors.InvalidInput: order: too few samples per context: 35 contexts, 37 samples (about 2 per context needed; use a smaller order or CTW)
    """

    input_kind: ClassVar[str] = "discrete"
    _param_names = ("order", "alphabet_size", "base", "bias_correction", "min_per_context", "truncation_allowance")

    def __init__(
        self,
        order: int = 1,
        alphabet_size: int | tuple[int, int] | None = None,
        base: float | str = 2,
        bias_correction: str | None = None,
        min_per_context: float = 2.0,
        truncation_allowance: bool = True,
    ) -> None:
        self.order = check_int_param("order", order, 0, 32)
        self.alphabet_size = _check_alphabet_size(alphabet_size)
        log_base(base)
        self.base = base
        if bias_correction not in BIAS_CORRECTIONS:
            raise InvalidInput(f"bias_correction: expected None or 'miller-madow', got {bias_correction!r}")
        self.bias_correction = bias_correction
        if isinstance(min_per_context, bool) or not isinstance(min_per_context, (int, float)) or not min_per_context >= 0:
            raise InvalidInput(f"min_per_context: expected a number >= 0, got {min_per_context!r}")
        self.min_per_context = min_per_context
        if not isinstance(truncation_allowance, bool):
            raise InvalidInput(f"truncation_allowance: expected True or False, got {truncation_allowance!r}")
        self.truncation_allowance = truncation_allowance

    def fit(self, x: ArrayLike, y: ArrayLike, z: ArrayLike | None = None) -> Self:
        """Count the windows of ``(x, y)`` (and ``z``) and store the plug-in rates; return ``self``.

        One pass labels every full window (pasts, side information, ``X_t``,
        ``Y_t``); all logs are taken once per distinct window (cell). With a small
        window alphabet the label also carries the batch index, so a single
        ``bincount`` gives the counts and the batch means of the interval, and the
        per-step increments are only gathered when read.

        One function on purpose (about 80 lines of body): the three counting
        paths (shared order-k+1 pass, dense table, sparse windows) feed the
        same cell arrays; the per-cell work lives in :meth:`_cell_increments`
        and :meth:`_widen_for_truncation`.
        """
        k = self.order
        xa, ya = validate_pair(x, y, min_length=k + 2)
        sizes = self.alphabet_size
        xc, rx = _codes(xa, "x", None if sizes is None else sizes[0])
        yc, ry = _codes(ya, "y", None if sizes is None else sizes[1])
        za, zc, rz = None, None, 0
        if z is not None:
            za = validate_pair(xa, z)[1]
            zc, rz = _codes(za, "z", None)
        # one-byte copies of small codes: every later pass over the samples reads 1 byte, not 8
        xc, yc = _narrow(xc, rx), _narrow(yc, ry)
        zc = None if zc is None else _narrow(zc, rz)
        n = xc.size
        m = n - k
        columns, column_sizes = _window_columns(xc, rx, yc, ry, zc, rz, k)
        full = int(np.prod(np.array(column_sizes, dtype=np.float64)))
        # dense: the (batch, window) table is small next to the samples; else count only observed windows
        dense = full * (math.isqrt(m) + 1) <= 4 * m + _SMALL
        shared = _SharedPass.build(xc, rx, yc, ry, zc, rz, k, columns, column_sizes) if (
            dense and self.truncation_allowance
        ) else None
        if shared is not None:  # one pass counts the order-(k+1) windows; order k is their marginal
            batched, table, n_batches, batch_size = shared.batched, shared.table, shared.n_batches, shared.batch_size
            counts = table.sum(axis=0)
            observed = np.flatnonzero(counts)
            counts = counts[observed]
            decoded = _decode(observed, column_sizes)
        elif dense:
            batched, table, n_batches, batch_size = _batched_counts(columns, column_sizes, full, m)
            counts = table.sum(axis=0)
            observed = np.flatnonzero(counts)
            counts = counts[observed]
            decoded = _decode(observed, column_sizes)
        else:
            cell, n_cells = _window_ids(columns, column_sizes)
            counts = np.bincount(cell, minlength=n_cells)
            representative = np.empty(n_cells, dtype=np.int64)
            representative[cell] = np.arange(m)
            decoded = [column[representative] for column in columns]
        n_side = len(column_sizes) - 2 - 2 * k
        self.alphabet_sizes_ = (rx, ry) if sizes is not None else (
            _n_symbols(decoded[:k] + [decoded[-2]], rx),
            _n_symbols(decoded[k : 2 * k] + [decoded[-1]], ry),
        )
        di_cell, reverse_cell, self.di_df_, self.reverse_di_df_ = self._cell_increments(
            decoded, counts, k, n_side, column_sizes, m
        )
        unit = 1.0 / log_base(self.base)
        raw_di = float(di_cell @ counts) / m
        raw_reverse = float(reverse_cell @ counts) / m
        di_mean, reverse_mean = raw_di, raw_reverse
        if self.bias_correction == "miller-madow":  # a constant shift: the standard errors do not change
            di_cell -= unit * self.di_df_ / (2.0 * m)
            reverse_cell -= unit * self.reverse_di_df_ / (2.0 * m)
            di_mean -= unit * self.di_df_ / (2.0 * m)
            reverse_mean -= unit * self.reverse_di_df_ / (2.0 * m)
        if dense:  # tables over all labels (unobserved ones are never read); batch sums from the table
            di_table, reverse_table = np.zeros(full), np.zeros(full)
            di_table[observed], reverse_table[observed] = di_cell, reverse_cell
            di_se, reverse_se = _table_se(table, n_batches, batch_size, np.stack([di_table, reverse_table], axis=1))
        else:
            di_full, reverse_full = np.take(di_cell, cell), np.take(reverse_cell, cell)
            di_se, reverse_se = batch_means_se(di_full), batch_means_se(reverse_full)
        intervals = (
            _interval(raw_di, di_se, self.di_df_, m, unit),
            _interval(raw_reverse, reverse_se, self.reverse_di_df_, m, unit),
        )
        method = "Miller-Madow centred batch means, chi-square lower end at rate 0 (Thm 3.1.1)"
        self.truncation_allowance_: tuple[float, float] | None = None
        if self.truncation_allowance:
            intervals, method = self._widen_for_truncation(
                (xc, rx, yc, ry, zc, rz), (raw_di, raw_reverse), (self.di_df_, self.reverse_di_df_), m, intervals, method,
                shared,
            )
        self._data: tuple[Any, ...] = (xa, ya, za)
        if shared is not None:
            self._store_tabulated(
                batched, shared.radix, (di_table, reverse_table), (di_mean, reverse_mean),
                intervals, method, (float(di_table[shared.head]), float(reverse_table[shared.head])), shared.expand,
            )
        elif dense:
            self._store_tabulated(batched, full, (di_table, reverse_table), (di_mean, reverse_mean), intervals, method)
        else:
            self._store(di_full, reverse_full, "e", intervals[0], intervals[1], method)  # already in the output unit
        return self

    def _cell_increments(
        self,
        decoded: list[NDArray[np.int64]],
        counts: NDArray[np.int64],
        k: int,
        n_side: int,
        column_sizes: list[int],
        m: int,
        refuse: bool = True,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], int, int]:
        """Per-cell DI and reverse-DI log-likelihood ratios (output unit) and their Miller-Madow ``df``.

        Refuses (``order: too few samples per context``) when the observed
        causal contexts average fewer than ``min_per_context`` samples (with
        ``refuse=False`` it raises ``_TooSparse`` instead).
        """
        rx, ry = column_sizes[-2], column_sizes[-1]
        side_sizes = column_sizes[2 * k : 2 * k + n_side]
        c_x_past, c_y_past = decoded[:k], decoded[k : 2 * k]
        c_side = decoded[2 * k : 2 * k + n_side]
        c_x_now, c_y_now = decoded[-2], decoded[-1]
        ones = np.zeros(counts.size, dtype=np.int64)
        y_ctx = _window_ids([ones, *c_y_past, *c_side], [1] + [ry] * k + side_sizes)
        x_ctx = _window_ids([ones, *c_x_past, *c_side], [1] + [rx] * k + side_sizes)
        both_ctx = _window_ids([ones, *c_x_past, *c_y_past, *c_side], [1] + [rx] * k + [ry] * k + side_sizes)
        causal_ctx = _window_ids([both_ctx[0], c_x_now], [both_ctx[1], rx])
        if self.min_per_context > 0 and m < self.min_per_context * max(causal_ctx[1], counts.size):
            # counts.size: distinct full windows; about one sample each means every law is a point mass
            if not refuse:
                raise _TooSparse
            what = "context" if causal_ctx[1] >= counts.size else "observed window"
            number = max(causal_ctx[1], counts.size)
            raise InvalidInput(
                f"order: too few samples per {what}: {number} {what}s, {m} samples "
                f"(about {self.min_per_context:g} per {what} needed; use a smaller order or CTW)"
            )
        log_causal, cells_causal, ctx_causal = _log_conditional(c_y_now, causal_ctx, ry, counts)
        log_y, cells_y, ctx_y = _log_conditional(c_y_now, y_ctx, ry, counts)
        log_both, cells_both, ctx_both = _log_conditional(c_x_now, both_ctx, rx, counts)
        log_x, cells_x, ctx_x = _log_conditional(c_x_now, x_ctx, rx, counts)
        # Miller-Madow: bias of H(A|C) is -(#(a, c) cells - #c cells) / (2n); the DI bias is the
        # difference, which is negative when the larger model is deterministic (e.g. a noiseless copy)
        di_df = (cells_causal - ctx_causal) - (cells_y - ctx_y)
        reverse_df = (cells_both - ctx_both) - (cells_x - ctx_x)
        unit = 1.0 / log_base(self.base)
        return (log_causal - log_y) * unit, (log_both - log_x) * unit, di_df, reverse_df

    def _widen_for_truncation(
        self,
        codes: tuple[Any, ...],
        raw: tuple[float, float],
        dfs: tuple[int, int],
        m: int,
        intervals: tuple[tuple[float, float], tuple[float, float]],
        method: str,
        shared: "_SharedPass | None" = None,
    ) -> tuple[tuple[tuple[float, float], tuple[float, float]], str]:
        """Widen both intervals by the change of the Miller-Madow-centred estimate from order k to k+1.

        The order-``k`` plug-in estimates the truncated DI of 3.1.2, which
        equals the DI rate only when the process is Markov of order ``k``; the
        truncated DI converges as ``k`` grows, and the one-step change
        :math:`|\\hat I_{k+1} - \\hat I_k|` is the data's measure of the
        truncation error left at order ``k`` (a bound on it when the error at
        least halves with each extra step of memory). Stored as
        ``truncation_allowance_`` (output unit); ``None`` when order ``k+1``
        has too few samples per context (the interval then covers the
        order-``k`` truncated DI only, and ``ci_method_`` says so).
        """
        xc, rx, yc, ry, zc, rz = codes
        k = self.order + 1
        if k > 32 or xc.size < k + 2:
            return intervals, method + "; no truncation allowance (series too short for order k+1)"
        columns, column_sizes = _window_columns(xc, rx, yc, ry, zc, rz, k)
        m_next = xc.size - k
        unit = 1.0 / log_base(self.base)
        try:
            if shared is not None:  # rates straight from the order-(k+1) count tensor
                di_nats, reverse_nats, di_df, reverse_df = shared.next_rates(self.min_per_context)
                raw_next = (di_nats * unit, reverse_nats * unit)
            else:
                counts, decoded = _window_counts(columns, column_sizes, m_next)
                n_side = len(column_sizes) - 2 - 2 * k
                di_cell, reverse_cell, di_df, reverse_df = self._cell_increments(
                    decoded, counts, k, n_side, column_sizes, m_next, refuse=False
                )
                raw_next = (float(di_cell @ counts) / m_next, float(reverse_cell @ counts) / m_next)
        except (_TooSparse, TooLarge):
            return intervals, method + "; no truncation allowance (too few samples per context at order k+1)"
        next_di = raw_next[0] - unit * di_df / (2.0 * m_next)
        next_reverse = raw_next[1] - unit * reverse_df / (2.0 * m_next)
        allowance = (  # factor 1 for the plug-in: its measured coverage (bench_estimators_coverage.py) needs no more
            truncation_allowance(raw[0] - unit * dfs[0] / (2.0 * m), next_di, factor=1.0),
            truncation_allowance(raw[1] - unit * dfs[1] / (2.0 * m), next_reverse, factor=1.0),
        )
        self.truncation_allowance_ = allowance
        widened = tuple(widen(interval, extra) for interval, extra in zip(intervals, allowance))
        return widened, method + " +- |order k+1 - order k| (truncation allowance, 3.1.2)"  # type: ignore[return-value]


class _SharedPass:
    """Order-``k`` batched counts as the marginal of one pass over the order-``k+1`` windows.

    The order-``(k+1)`` window at ``t`` is the order-``k`` window plus the
    oldest lags :math:`X_{t-k-1}, Y_{t-k-1}(, Z_{t-k-1})`; summing those axes
    of the ``(batch, window)`` table gives the order-``k`` table over
    ``t = k+1 .. n-1``, and the single window at ``t = k`` is added by hand.
    Used when the truncation allowance needs the order-``k+1`` counts anyway.
    """

    # the fields :meth:`build` passes to ``__init__``
    batched: NDArray[Any]
    table: NDArray[np.int64]
    n_batches: int
    batch_size: int
    radix: int
    head: int
    table_next: NDArray[np.int64]
    next_sizes: list[int]
    removed: list[int]
    sizes: list[int]
    order: int

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)

    @classmethod
    def build(
        cls, xc: Any, rx: int, yc: Any, ry: int, zc: Any, rz: int, k: int, columns: list[Any], sizes: list[int]
    ) -> "_SharedPass | None":
        n, big = xc.size, k + 1
        m = n - k
        if big > 32 or n < big + 3:
            return None
        next_columns, next_sizes = _window_columns(xc, rx, yc, ry, zc, rz, big)
        full_next = int(np.prod(np.array(next_sizes, dtype=np.float64)))
        if full_next * (math.isqrt(m) + 1) > 4 * m + _SMALL:
            return None
        batched, table_next, n_batches, batch_size = _batched_counts(next_columns, next_sizes, full_next, m, skip=1)
        n_side = len(next_sizes) - 2 - 2 * big
        removed = [big - 1, 2 * big - 1] + ([2 * big + n_side - 1] if n_side else [])
        full = int(np.prod(np.array(sizes, dtype=np.float64)))
        shape = (n_batches + 1, *next_sizes)
        table = table_next.reshape(shape).sum(axis=tuple(1 + a for a in removed)).reshape(n_batches + 1, full)
        head = 0
        for column, size in zip(columns, sizes):  # label of the window at t = k (step 0, batch 0)
            head = head * size + int(column[0])
        table[0, head] += 1
        return cls(
            batched=batched, table=table, n_batches=n_batches, batch_size=batch_size, radix=full_next, head=head,
            table_next=table_next, next_sizes=next_sizes, removed=removed, sizes=sizes, order=big,
        )

    def expand(self, values: NDArray[np.float64]) -> NDArray[np.float64]:
        """An order-``k`` per-window table re-indexed by the order-``(k+1)`` window labels."""
        spread = np.expand_dims(values.reshape(self.sizes), axis=tuple(self.removed))
        return np.ascontiguousarray(np.broadcast_to(spread, self.next_sizes)).reshape(-1)

    def next_rates(self, min_per_context: float) -> tuple[float, float, int, int]:
        """Order-``(k+1)`` plug-in DI and reverse DI (nats) and their Miller-Madow ``df``, from the count tensor.

        Conditional entropies :math:`\\hat H(A \\mid C)` are sums over the
        marginal tensors (no per-cell relabelling); raises ``_TooSparse`` under
        the same rule as the fit's refusal.
        """
        tensor = self.table_next.sum(axis=0).reshape(self.next_sizes).astype(np.float64)
        m = float(tensor.sum())
        rank = tensor.ndim
        n_side = rank - 2 - 2 * self.order
        x_past = list(range(self.order))
        y_past = list(range(self.order, 2 * self.order))
        side = list(range(2 * self.order, 2 * self.order + n_side))
        x_now, y_now = rank - 2, rank - 1

        def conditional(target: int, context: list[int]) -> tuple[float, int, int]:
            keep = set(context) | {target}
            joint = tensor.sum(axis=tuple(a for a in range(rank) if a not in keep), keepdims=True)
            given = joint.sum(axis=target, keepdims=True)
            nonzero = joint > 0
            ratio = np.where(nonzero, joint, 1.0) / np.where(given > 0, given, 1.0)
            entropy = -float(np.sum(joint[nonzero] * np.log(ratio[nonzero]))) / m
            return entropy, int(nonzero.sum()), int((given > 0).sum())

        h_y, cells_y, ctx_y = conditional(y_now, y_past + side)
        h_causal, cells_causal, ctx_causal = conditional(y_now, x_past + y_past + side + [x_now])
        if min_per_context > 0 and m < min_per_context * max(ctx_causal, int((tensor > 0).sum())):
            raise _TooSparse
        h_x, cells_x, ctx_x = conditional(x_now, x_past + side)
        h_both, cells_both, ctx_both = conditional(x_now, x_past + y_past + side)
        di_df = (cells_causal - ctx_causal) - (cells_y - ctx_y)
        reverse_df = (cells_both - ctx_both) - (cells_x - ctx_x)
        return h_y - h_causal, h_x - h_both, di_df, reverse_df


class _TooSparse(Exception):
    """Order ``k+1`` has too few samples per context for a truncation allowance."""


def _window_counts(
    columns: list[NDArray[np.int64]], sizes: list[int], m: int
) -> tuple[NDArray[np.int64], list[NDArray[np.int64]]]:
    """Counts of the distinct windows and their decoded columns (no batch index)."""
    full = int(np.prod(np.array(sizes, dtype=np.float64)))
    if full <= 4 * m + _SMALL:
        dtype = next(t for t in (np.uint8, np.uint16, np.uint32, np.int64) if full <= np.iinfo(t).max)
        label: NDArray[Any] = columns[0].astype(dtype, copy=True)
        for column, size in zip(columns[1:], sizes[1:]):
            label *= dtype(size)
            np.add(label, column, out=label, casting="unsafe")
        counts = np.bincount(label, minlength=full)
        observed = np.flatnonzero(counts)
        return counts[observed], _decode(observed, sizes)
    cell, n_cells = _window_ids(columns, sizes)
    counts = np.bincount(cell, minlength=n_cells)
    representative = np.empty(n_cells, dtype=np.int64)
    representative[cell] = np.arange(m)
    return counts, [column[representative] for column in columns]


def _codes(values: NDArray[Any], name: str, declared: int | None) -> tuple[NDArray[np.int64], int]:
    """Symbol codes for the plug-in counts: small non-negative integers are used as they are.

    Plug-in estimates only see observed cells, so codes with gaps give the same
    numbers as :func:`encode_symbols` (which relabels to ``0 .. r-1``) and save a
    pass; anything else goes through :func:`encode_symbols`.
    """
    if declared is None and values.dtype.kind in "iu" and values.size:
        low, high = int(values.min()), int(values.max())
        if low >= 0 and high < 256:
            return values, high + 1
    return encode_symbols(values, name, declared)


def _narrow(codes: NDArray[Any], size: int) -> NDArray[Any]:
    """``codes`` as ``uint8`` when the alphabet fits in a byte (else unchanged)."""
    return codes.astype(np.uint8) if size <= 256 and codes.dtype != np.uint8 else codes


def _n_symbols(columns: list[NDArray[np.int64]], bound: int) -> int:
    """Number of distinct symbols in the decoded columns (values < ``bound``)."""
    present = np.zeros(max(bound, 1), dtype=bool)
    for column in columns:
        present[column] = True
    return max(int(present.sum()), 1)


def _window_columns(
    xc: NDArray[np.int64],
    rx: int,
    yc: NDArray[np.int64],
    ry: int,
    zc: NDArray[np.int64] | None,
    rz: int,
    k: int,
) -> tuple[list[NDArray[np.int64]], list[int]]:
    """Columns ``X_{t-1..t-k}, Y_{t-1..t-k}, Z_{t..t-k}, X_t, Y_t`` over ``t = k .. n-1`` and their sizes."""
    n = xc.size
    x_past = [xc[k - j : n - j] for j in range(1, k + 1)]
    y_past = [yc[k - j : n - j] for j in range(1, k + 1)]
    side = [] if zc is None else [zc[k - j : n - j] for j in range(0, k + 1)]
    sizes = [rx] * k + [ry] * k + [rz] * len(side) + [rx, ry]
    return [*x_past, *y_past, *side, xc[k:], yc[k:]], sizes


def _batched_counts(
    columns: list[NDArray[np.int64]], sizes: list[int], full: int, m: int, skip: int = 0
) -> tuple[NDArray[Any], NDArray[np.int64], int, int]:
    """Counts of each (batch, window) pair from one ``bincount``.

    The mixed-radix window label (``< full``) gets the batch index as its top
    digit (about ``sqrt(m)`` batches of equal size, a last partial batch of the
    remainder), computed in the smallest unsigned dtype that holds it. Returns
    the labels, the ``(batches + 1, full)`` table, the number of full batches
    (0 when fewer than 4: no interval) and the batch size. The batches are
    those of ``m`` steps; the columns hold steps ``skip .. m-1`` only.
    """
    n_batches = math.isqrt(m)
    if n_batches < 4:
        n_batches = 0
    batch_size = m // n_batches if n_batches else m
    bound = full * (n_batches + 1)
    dtype = next(t for t in (np.uint8, np.uint16, np.uint32, np.int64) if bound <= np.iinfo(t).max)
    check_allocation(bound, 8, "plug-in window counts")
    repeats = np.full(n_batches + 1, batch_size, dtype=np.int64)
    repeats[-1] = m - n_batches * batch_size
    label: NDArray[Any] = np.repeat(np.arange(n_batches + 1, dtype=dtype), repeats)[skip:]
    for column, size in zip(columns, sizes):
        label *= dtype(size)
        np.add(label, column, out=label, casting="unsafe")
    table = np.bincount(label, minlength=bound).reshape(n_batches + 1, full)
    return label, table, n_batches, batch_size


def _decode(labels: NDArray[np.int64], sizes: list[int]) -> list[NDArray[np.int64]]:
    """The mixed-radix digits (one array per column) of window labels."""
    digits, rest = [], labels.copy()
    for size in reversed(sizes):
        digits.append(rest % size)
        rest //= size
    return digits[::-1]


def _table_se(
    table: NDArray[np.int64], n_batches: int, batch_size: int, values: NDArray[np.float64]
) -> tuple[float, ...]:
    """Batch-means standard errors of the per-step values ``values[window, j]`` (one per column ``j``).

    Equal to :func:`batch_means_se` of the gathered increments (same batches),
    from the batch count table: one matrix product for all columns.
    """
    if n_batches < 4:
        return (math.inf,) * values.shape[1]
    means = (table[:n_batches] @ values) / batch_size
    return tuple(float(v) for v in means.std(axis=0, ddof=1) / math.sqrt(n_batches))


def _interval(raw: float, se: float, df: int, m: int, unit: float) -> tuple[float, float]:
    """Thm 3.1.1 interval in the output unit from the raw (uncorrected) estimate."""
    low, high = likelihood_ratio_interval(raw / unit, se / unit, df, m)
    return (low * unit, high * unit)

"""Linear-Gaussian (Granger) DI estimator: the parametric baseline (monograph 2.5.2, 3.1.7).

For jointly Gaussian stationary processes the DI rate equals Geweke's Granger
causality index :math:`F_{X\\to Y}` (in the log form of 2.5.2): half the log-ratio
of the one-step prediction error variances without and with the past (and
present) of the other process. With order-``p`` least-squares regressions
(intercept included):

.. math::
    \\hat I(\\mathbb X\\to\\mathbb Y) = \\tfrac12 \\log
    \\frac{\\hat\\sigma^2[Y_t \\mid Y_{t-p}^{t-1}]}{\\hat\\sigma^2[Y_t \\mid Y_{t-p}^{t-1}, X_{t-p}^{t}]},
    \\qquad
    \\hat I(D\\mathbb Y\\to\\mathbb X) = \\tfrac12 \\log
    \\frac{\\hat\\sigma^2[X_t \\mid X_{t-p}^{t-1}]}{\\hat\\sigma^2[X_t \\mid X_{t-p}^{t-1}, Y_{t-p}^{t-1}]}.

These are the maximum-likelihood DI estimates under a Gaussian linear
autoregressive model (3.1.7). The per-step increments are the Gaussian
log-likelihood ratios of the two fitted models; their mean is the estimate.

At order ``p`` the estimate targets the truncated DI :math:`I_T^{(p)}` of
monograph 3.1.2, which is the DI rate only when ``Y`` alone is Markov of order
``p``; with feedback the marginals are ARMA (infinite order). So by default the
same regressions are also fitted at order ``p + 1`` and each interval is widened
by :math:`2|\\hat I_{p+1} - \\hat I_p|` (Miller-Madow centred estimates;
:func:`~dicert.verify.estimators.intervals.truncation_allowance`).

Examples
--------
>>> from dicert.verify.processes import gaussian_var1
>>> s = gaussian_var1(5000, [[0.3, 0.0], [0.8, 0.5]], rng=0)
>>> est = GaussianGranger(order=3).fit(s.x, s.y)
>>> abs(est.di_rate_ - s.di_rate) < 0.03
True
"""

from __future__ import annotations

from typing import ClassVar, Literal, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dicert.verify.errors import InvalidInput
from dicert.verify.estimators.intervals import (
    TRUNCATION_FACTOR,
    batch_means_se,
    likelihood_ratio_interval,
    truncation_allowance,
    widen,
)
from dicert.verify.estimators.protocol import BaseDIEstimator, check_int_param, log_base, validate_pair

__all__ = ["GaussianGranger", "bic_order"]


def _residuals(target: NDArray[np.float64], regressors: NDArray[np.float64]) -> NDArray[np.float64]:
    design = np.column_stack([np.ones(target.size), regressors])
    coefficients, *_ = np.linalg.lstsq(design, target, rcond=None)
    return target - design @ coefficients


def _log_likelihood_ratio(restricted: NDArray[np.float64], full: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per-sample Gaussian log-likelihood of the full model minus that of the restricted one."""
    var_r = float(np.mean(restricted**2))
    var_f = float(np.mean(full**2))
    if var_f <= 0.0 or var_r <= 0.0:
        return np.zeros(full.size) if var_f == var_r else np.full(full.size, np.inf)
    return 0.5 * np.log(var_r / var_f) + restricted**2 / (2 * var_r) - full**2 / (2 * var_f)


class GaussianGranger(BaseDIEstimator):
    """Linear-Gaussian DI / Granger-causality estimator with autoregressive order ``order``.

    Parameters
    ----------
    order : int or "auto", default 2
        Number ``p`` of past samples of each process in the regressions;
        ``"auto"``: chosen by :func:`bic_order` (up to :attr:`max_auto_order`),
        stored as ``order_``.
    base : float or "e", default 2
        Logarithm base of the reported rates (2: bits).
    truncation_allowance : bool, default True
        Widen the DI, reverse-DI and Granger intervals by twice the change of
        the estimate from order ``p`` to ``p + 1`` (3.1.2); the regressions at
        ``p + 1`` cost about as much as those at ``p``.

    Attributes
    ----------
    truncation_allowance_ : tuple of float or None
        The (DI, reverse DI) allowances (output unit); ``None`` when off.
    granger_truncation_allowance_ : float or None
        The allowance of ``granger_index_ci_``.
    order_ : int
        The order used (``order``, or the BIC choice of ``order="auto"``).

    Notes
    -----
    Consistent for Gaussian processes whose joint and marginal
    autoregressions have order at most ``p``; with the truncation allowance the
    interval also covers the rate when the marginal's order is larger but its
    truncation error at least halves per extra lag (measured:
    ``benchmarks/bench_estimators_coverage.py``). For other processes it
    measures linear predictability only. ``mi_rate_`` is ``di_rate_ + reverse_di_rate_``.

    ``di_rate_`` is the DI index: the full regression holds :math:`X_t` (the
    instantaneous term of (2.30)). ``granger_index_`` is Geweke's strict-past
    Granger index :math:`F_{X\\to Y} = \\tfrac12\\log(\\hat\\sigma^2[Y_t|Y^{t-1}_{t-p}] /
    \\hat\\sigma^2[Y_t|Y^{t-1}_{t-p}, X^{t-1}_{t-p}])` (no :math:`X_t`), with
    ``granger_index_ci_``. With ``fit(x, y, z=...)`` every regression also holds
    :math:`Z_{t-p}^{t}`: the conditional (causally conditioned) DI and Granger indices.
    Intervals: :func:`~dicert.verify.estimators.intervals.likelihood_ratio_interval`
    with ``df`` the number of added regressors (``p + 1``, ``p``, ``p``).

    Examples
    --------
    >>> import numpy as np
    >>> est = GaussianGranger(order=1).fit(np.arange(50.0) % 7, np.arange(50.0) % 5)
    >>> est.n_steps_
    49
    >>> from dicert.verify.processes import gaussian_var1
    >>> s = gaussian_var1(5000, [[0.0, 0.0], [0.0, 0.5]], [[1.0, 0.8], [0.8, 1.0]], rng=0)
    >>> est = GaussianGranger(order=1).fit(s.x, s.y)   # only instantaneous coupling
    >>> est.di_rate_ > 0.3, abs(est.granger_index_) < 0.01
    (True, True)
    """

    input_kind: ClassVar[str] = "continuous"
    _param_names = ("order", "base", "truncation_allowance")

    #: Largest order that ``order="auto"`` considers (capped further at ``(n - 4) / 3``).
    max_auto_order: ClassVar[int] = 16

    def __init__(
        self, order: int | Literal["auto"] = 2, base: float | str = 2, truncation_allowance: bool = True
    ) -> None:
        self.order: int | Literal["auto"] = "auto" if order == "auto" else check_int_param("order", order, 1, 64)
        log_base(base)
        self.base = base
        if not isinstance(truncation_allowance, bool):
            raise InvalidInput(f"truncation_allowance: expected True or False, got {truncation_allowance!r}")
        self.truncation_allowance = truncation_allowance

    def fit(self, x: ArrayLike, y: ArrayLike, z: ArrayLike | None = None) -> Self:
        """Fit the regressions and store the DI and Granger indices; return ``self``."""
        xa, ya = validate_pair(x, y, min_length=3 * (1 if self.order == "auto" else self.order) + 4)
        za = None if z is None else validate_pair(xa, z)[1]
        xs, ys = xa.astype(np.float64), ya.astype(np.float64)
        zs = None if za is None else za.astype(np.float64)
        p = bic_order(xs, ys, zs, min(self.max_auto_order, (xs.size - 4) // 3)) if self.order == "auto" else self.order
        self.order_ = p
        di, reverse, granger = _increments(xs, ys, zs, p)
        m = di.size
        dfs = (p + 1, p, p)
        intervals = [
            likelihood_ratio_interval(float(v.mean()), batch_means_se(v), df, m)
            for v, df in zip((di, reverse, granger), dfs)
        ]
        method = "Gaussian likelihood-ratio asymptotics (chi-square at 0)"
        scale = 1.0 / log_base(self.base)
        self.truncation_allowance_: tuple[float, float] | None = None
        self.granger_truncation_allowance_: float | None = None
        if self.truncation_allowance and xs.size >= 3 * (p + 1) + 4 and p < 64:
            # order p + 1: the same regressions with one more lag (Miller-Madow centres compared)
            following = _increments(xs, ys, zs, p + 1)
            m_next = following[0].size
            allowance = [
                truncation_allowance(float(v.mean()) - df / (2.0 * m), float(w.mean()) - (df + 1) / (2.0 * m_next))
                for v, w, df in zip((di, reverse, granger), following, dfs)
            ]
            intervals = [widen(interval, extra) for interval, extra in zip(intervals, allowance)]
            self.truncation_allowance_ = (allowance[0] * scale, allowance[1] * scale)
            self.granger_truncation_allowance_ = allowance[2] * scale
            method += f" +- {TRUNCATION_FACTOR:g} |order p+1 - order p| (truncation allowance, 3.1.2)"
        elif self.truncation_allowance:
            method += "; no truncation allowance (series too short for order p+1)"
        self.granger_index_ = float(granger.mean()) * scale
        self.granger_index_ci_ = (intervals[2][0] * scale, intervals[2][1] * scale)
        self._data = (xa, ya, za)
        self._store(di, reverse, self.base, intervals[0], intervals[1], method)
        return self


def _lagged(
    xs: NDArray[np.float64], ys: NDArray[np.float64], zs: NDArray[np.float64] | None, p: int, start: int
) -> tuple[NDArray[np.float64], ...]:
    """``x_now, y_now, x_past, y_past, side`` (lags 1..p; side ``Z_t .. Z_{t-p}``) at ``t = start .. n-1``."""
    n = xs.size
    x_past = np.column_stack([xs[start - j : n - j] for j in range(1, p + 1)])
    y_past = np.column_stack([ys[start - j : n - j] for j in range(1, p + 1)])
    side = np.zeros((n - start, 0))
    if zs is not None:
        side = np.column_stack([zs[start - j : n - j] for j in range(0, p + 1)])
    return xs[start:], ys[start:], x_past, y_past, side


def bic_order(xs: NDArray[np.float64], ys: NDArray[np.float64], zs: NDArray[np.float64] | None, cap: int) -> int:
    """Autoregressive order chosen by BIC: the largest of the four regressions' BIC-optimal orders.

    The four regressions of the DI and reverse-DI indices (``Y`` on its past,
    ``Y`` on both pasts and :math:`X_t`, ``X`` on its past, ``X`` on both
    pasts) are fitted for ``p = 1 .. cap`` on the same rows ``t = cap .. n-1``;
    each order minimises :math:`m \\log\\hat\\sigma^2 + (\\#\\text{coefficients}) \\log m`.
    The marginal regressions need the most lags when the other process feeds
    back (an ARMA marginal, monograph 3.1.2), so the largest order is taken.

    Examples
    --------
    >>> from dicert.verify.processes import gaussian_var1
    >>> s = gaussian_var1(20000, [[0.5, 0.6], [-0.6, 0.5]], rng=0)
    >>> bic_order(s.x, s.y, None, 16) >= 4
    True
    """
    cap = max(1, cap)
    best: list[tuple[float, int]] = [(np.inf, 1)] * 4
    for p in range(1, cap + 1):
        x_now, y_now, x_past, y_past, side = _lagged(xs, ys, zs, p, cap)
        m = x_now.size
        designs = (
            (y_now, np.column_stack([y_past, side])),
            (y_now, np.column_stack([y_past, side, x_now, x_past])),
            (x_now, np.column_stack([x_past, side])),
            (x_now, np.column_stack([x_past, side, y_past])),
        )
        for i, (target, regressors) in enumerate(designs):
            variance = float(np.mean(_residuals(target, regressors) ** 2))
            score = m * np.log(max(variance, 1e-300)) + (regressors.shape[1] + 1) * np.log(m)
            if score < best[i][0]:
                best[i] = (score, p)
    return max(order for _, order in best)


def _increments(
    xs: NDArray[np.float64], ys: NDArray[np.float64], zs: NDArray[np.float64] | None, p: int
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Per-step log-likelihood ratios (nats) of the order-``p`` DI, reverse-DI and Granger regressions."""
    x_now, y_now, x_past, y_past, side = _lagged(xs, ys, zs, p, p)
    restricted_y = _residuals(y_now, np.column_stack([y_past, side]))
    di = _log_likelihood_ratio(restricted_y, _residuals(y_now, np.column_stack([y_past, side, x_now, x_past])))
    granger = _log_likelihood_ratio(restricted_y, _residuals(y_now, np.column_stack([y_past, side, x_past])))
    reverse = _log_likelihood_ratio(
        _residuals(x_now, np.column_stack([x_past, side])), _residuals(x_now, np.column_stack([x_past, side, y_past]))
    )
    return di, reverse, granger

"""Confidence intervals for DI rates whose coverage is measured (monograph 3.1.1, 3.1.5).

Every interval here is an *estimate* of the sampling uncertainty (asymptotic,
for stationary mixing processes), never a certified bound. Its coverage on
ground-truth processes is measured by ``benchmarks/bench_estimators_coverage.py``
(the README states the numbers).

Two ingredients:

* :func:`batch_means_se` -- standard error of the mean of a dependent sequence
  from ``~sqrt(n)`` non-overlapping batch means (consistent for the long-run
  variance of a mixing sequence);
* :func:`likelihood_ratio_interval` -- the interval of the plug-in asymptotics
  after Thm 3.1.1 ([kontoyiannis2016estimating]): with ``df`` extra free
  parameters, the plug-in (log-likelihood-ratio) estimate is Gaussian around a
  positive rate and :math:`2n\\hat I \\to \\chi^2_{df}` (nats) at rate 0. The
  interval is the hull of the Gaussian interval around the Miller-Madow
  corrected estimate :math:`\\hat I - df/(2n)` (batch-means spread) and the
  chi-square interval for a rate of 0,
  :math:`[\\hat I - \\chi^2_{df, 1-\\alpha/2}/(2n),\\ \\hat I - \\chi^2_{df, \\alpha/2}/(2n)]`,
  so both regimes are covered with their asymptotic probability.

Examples
--------
>>> import numpy as np
>>> from dicert.verify.estimators.intervals import batch_means_se, likelihood_ratio_interval
>>> se = batch_means_se(np.random.default_rng(0).normal(size=10_000))
>>> 0.005 < se < 0.015
True
>>> lo, hi = likelihood_ratio_interval(0.0003, se=0.0002, df=4, n=10_000)
>>> lo < 0 < hi
True
"""

from __future__ import annotations

import functools
import math
from statistics import NormalDist

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "batch_means_se",
    "likelihood_ratio_interval",
    "span_interval",
    "z_value",
    "richardson_weights",
    "richardson_estimate",
    "TRUNCATION_FACTOR",
    "truncation_allowance",
    "widen",
]

#: Multiple of the one-step change :math:`|\hat I_{m+1} - \hat I_m|` used as the truncation allowance.
#: If the truncation error :math:`e_m = I_T^{(m)} - I` (3.1.2) at least halves with each extra step of
#: history, :math:`e_m = (I_m - I_{m+1}) + e_{m+1} \le |I_m - I_{m+1}| + e_m / 2`, so
#: :math:`e_m \le 2 |I_m - I_{m+1}|`.
TRUNCATION_FACTOR = 2.0


def truncation_allowance(current: float, following: float, factor: float = TRUNCATION_FACTOR) -> float:
    """Allowance for the history truncation of a DI estimate: ``factor * |following - current|``.

    ``current`` estimates the truncated DI :math:`I_T^{(m)}` of monograph
    3.1.2 (the order-``m`` CMI (2.27)); ``following`` the one at ``m + 1``. For
    a joint process of Markov order ``d <= m`` the truncated DI is an upper
    bound on the DI rate, decreasing in ``m``; when its error at least halves
    per extra step of history (geometric decay with ratio <= 1/2, as for the
    ARMA marginals of a VAR), ``2 |I_{m+1} - I_m|`` bounds the error left at
    ``m`` (see :data:`TRUNCATION_FACTOR`). An estimate, not a certified bound.

    Examples
    --------
    >>> truncation_allowance(0.75, 0.5)
    0.5
    """
    return factor * abs(following - current)


def widen(interval: tuple[float, float], allowance: float) -> tuple[float, float]:
    """``interval`` widened by ``allowance`` on both sides.

    Examples
    --------
    >>> widen((0.2, 0.3), 0.05)
    (0.15000000000000002, 0.35)
    """
    return (interval[0] - allowance, interval[1] + allowance)


@functools.lru_cache(maxsize=64)
def z_value(level: float = 0.95) -> float:
    """Two-sided standard normal quantile for confidence ``level`` (1.96 for 0.95).

    Examples
    --------
    >>> round(z_value(0.95), 3)
    1.96
    """
    return float(NormalDist().inv_cdf(0.5 + level / 2))


def batch_means_se(increments: NDArray[np.float64]) -> float:
    """Standard error of the mean of a dependent sequence (non-overlapping batch means).

    About ``sqrt(n)`` batches of ``sqrt(n)`` steps; ``inf`` with fewer than 4 batches.

    Examples
    --------
    >>> import numpy as np
    >>> batch_means_se(np.ones(100))
    0.0
    >>> batch_means_se(np.ones(10))
    inf
    """
    values = np.asarray(increments, dtype=np.float64)
    n_batches = int(math.isqrt(values.size))
    if n_batches < 4:
        return math.inf
    size = values.size // n_batches
    batch = values[: n_batches * size].reshape(n_batches, size).mean(axis=1)
    return float(batch.std(ddof=1) / math.sqrt(n_batches))


def likelihood_ratio_interval(
    estimate: float, se: float, df: int, n: int, level: float = 0.95
) -> tuple[float, float]:
    """Interval (nats) for a log-likelihood-ratio (plug-in or Gaussian) rate estimate.

    Parameters
    ----------
    estimate : float
        The raw plug-in estimate :math:`\\hat I` in nats.
    se : float
        Its standard error (e.g. :func:`batch_means_se` of the per-step increments).
    df : int
        Number of extra free parameters of the larger model (chi-square degrees
        of freedom at rate 0, Thm 3.1.1 and the discussion after it). It also
        sets the Miller-Madow centre ``estimate - df / (2n)``; a negative value
        (observed-cell count of a deterministic larger model) only moves the centre.
    n : int
        Number of time steps.

    Examples
    --------
    >>> lo, hi = likelihood_ratio_interval(0.5, se=0.01, df=1, n=20_000)
    >>> round(lo, 4), round(hi, 4)
    (0.4804, 0.5196)
    """
    from scipy.special import chdtri  # chi-square quantile: chdtri(df, 1 - q)

    if not math.isfinite(se) or n <= 0:
        return (-math.inf, math.inf)
    z = z_value(level)
    corrected = estimate - df / (2.0 * n)
    lower, upper = corrected - z * se, corrected + z * se
    if df > 0:  # hull with the interval for a rate of 0: 2 n I ~ chi2(df)
        lower = min(lower, estimate - float(chdtri(df, 0.5 - level / 2)) / (2.0 * n))
        upper = max(upper, estimate - float(chdtri(df, 0.5 + level / 2)) / (2.0 * n))
    return (lower, upper)


def span_interval(estimates: list[float], se: float, level: float = 0.95) -> tuple[float, float]:
    """Interval from the span of several estimates of one rate, widened by ``z * se``.

    Used for CTW: the codelength estimate I1 (3.3) and the divergence estimate
    I4 (3.6) have biases of opposite sign at small rates, so the interval covers
    both and the sampling spread.

    Examples
    --------
    >>> [round(v, 4) for v in span_interval([0.10, 0.12], se=0.01)]
    [0.0804, 0.1396]
    """
    if not math.isfinite(se):
        return (-math.inf, math.inf)
    half = z_value(level) * se
    return (min(estimates) - half, max(estimates) + half)


def richardson_weights(m: int) -> NDArray[np.float64]:
    """Weights ``w`` with ``sum(w * increments)`` = 2 x mean(last half) - mean(second quarter).

    For a sequential (universal) estimator whose per-step bias decays like
    :math:`c/t` (the learning cost of CTW, about (#parameters / 2) / t), the mean over
    ``[T, 2T)`` is :math:`I + c\\log 2 / T`; so twice the mean over the last half
    minus the mean over the second quarter cancels the :math:`c` term
    (Richardson extrapolation in :math:`1/T`).

    Examples
    --------
    >>> w = richardson_weights(8)
    >>> w.tolist(), float(w.sum())
    ([0.0, 0.0, -0.5, -0.5, 0.5, 0.5, 0.5, 0.5], 1.0)
    """
    w = np.zeros(m)
    quarter, half = m // 4, m // 2
    if quarter == 0:
        w[:] = 1.0 / max(m, 1)
        return w
    w[quarter:half] = -1.0 / (half - quarter)
    w[half:] = 2.0 / (m - half)
    return w


def richardson_estimate(increments: NDArray[np.float64]) -> tuple[float, float]:
    """Bias-extrapolated mean of sequential increments and its standard error (batch means).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(1, 100_001)
    >>> value, se = richardson_estimate(1.0 - 3.0 / t)    # learning bias 3/t, no noise
    >>> round(value, 4), round(float(np.mean(1.0 - 3.0 / t)), 4)
    (1.0, 0.9996)
    """
    values = np.asarray(increments, dtype=np.float64)
    m = values.size
    quarter, half = m // 4, m // 2
    value = float(richardson_weights(m) @ values)
    if quarter == 0:
        return value, math.inf
    se = math.sqrt(4.0 * batch_means_se(values[half:]) ** 2 + batch_means_se(values[quarter:half]) ** 2)
    return value, se

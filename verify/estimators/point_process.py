"""Intensity-function (point-process GLM) DI estimator with MDL order selection (monograph sec. 3.1.4, (3.1)-(3.2)).

Spike trains are discretised into bins (``dy_i`` = spikes in bin ``i``); the
conditional intensity of ``Y`` is a generalised linear model of its own spike
history and of the stimulus ``X`` (the class ``GLM_{J,K}(h)`` of 3.1.4):

.. math::
    \\log \\lambda(i \\| x^i, y^i) = \\alpha_0 + \\sum_{j=1}^{J} \\alpha_j(dy_{i-j})
    + \\sum_{k=1}^{K} \\beta_k(x_{i-(k-1)}),

with ``h`` the indicator (piecewise-constant) basis, one coefficient per lag
and symbol. Two likelihoods are offered:

* ``link="logit"`` (default): the Bernoulli spike model (a multinomial logit
  for more than two symbols), ``P(dy_i = c) \\propto \\exp(\\text{predictor}_c)``;
  exact for binned binary trains and any finite alphabet;
* ``link="log"``: the discretised point-process likelihood (3.1),
  ``log f = sum_i dy_i log(lambda_i Delta) - lambda_i Delta - log(dy_i!)`` with
  a log-linear Poisson GLM (canonical log link), for spike *counts* (the
  symbols are the counts; it is not invariant to relabelling them).

For every model order ``(J, K)`` in ``0..max_history x 0..max_lags`` the ML
parameters are found by Newton's method (a convex problem,
:func:`.markov_ml.fit_conditional_logit` or the Poisson analogue) and the
order minimising the MDL objective (3.2),
``-L_n / n + (#params / 2n) log n``, is selected. ``K_hat = 0`` means no causal
effect: then the ``Y`` model without ``X`` (the MDL-best ``J`` with ``K = 0``) is
the same model and the DI estimate is exactly 0 (3.1.4: ``H(Y) = H(Y||X)``).
The DI rate is ``H(Y) - H(Y||X)`` (2.27), each entropy rate the mean negative
log-likelihood of its selected model on the same bins; the monograph suggests
a universal (Lempel-Ziv) estimate of ``H(Y)``, here the ``K = 0`` GLM plays
that role so that both terms share one model family. The reverse rate
``I(DY -> X)`` is estimated the same way with the roles swapped (``X`` on its
history and ``y_{i-1}, ..., y_{i-K}``).

Examples
--------
Neuron ``X`` drives neuron ``Y`` with a one-bin delay; nothing flows back:

>>> from dicert.verify.estimators.point_process import PointProcessGLM, coupled_spike_trains
>>> x, y = coupled_spike_trains(6000, rng=0)
>>> est = PointProcessGLM().fit(x, y)
>>> est.di_rate_ > 0.05, est.reverse_di_rate_ == 0.0, est.orders_["forward"][1] >= 2
(True, True, True)
"""

from __future__ import annotations

import math
from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import gammaln

from dicert.verify.errors import InvalidInput
from dicert.verify.estimators._newton import newton_minimise
from dicert.verify.estimators.markov_ml import LogitFit, _check_alphabet, _design, fit_conditional_logit, lagged_columns
from dicert.verify.estimators.protocol import BaseDIEstimator, check_int_param, encode_symbols, log_base, validate_pair

__all__ = ["PointProcessGLM", "fit_poisson_glm", "coupled_spike_trains"]

_LINKS = ("logit", "log")
RIDGE = 1e-6


def fit_poisson_glm(
    counts: NDArray[np.int64], columns: list[NDArray[np.int64]], sizes: list[int], ridge: float = RIDGE, max_iter: int = 100
) -> LogitFit:
    """ML log-linear Poisson GLM of spike counts on indicator features: the likelihood (3.1) with ``Delta = 1``.

    ``log_prob`` holds ``dy_i log lambda_i - lambda_i - log(dy_i!)`` per bin.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 2, 5000)
    >>> y = rng.poisson(np.where(x == 1, 0.3, 0.05))
    >>> fit = fit_poisson_glm(y, [x], [2])
    >>> round(float(np.exp(fit.log_prob[y == 0]).mean()), 2) > 0.7
    True
    """
    ids, features = _design(columns, sizes, "main", counts.size)
    n_ctx, d = features.shape
    total = np.bincount(ids, minlength=n_ctx).astype(float)
    spikes = np.bincount(ids, weights=counts.astype(float), minlength=n_ctx)
    theta = np.zeros(d)
    theta[0] = math.log(max(float(counts.mean()), 1e-12))

    def objective(t: NDArray[np.float64]) -> float:
        eta = features @ t
        return float(np.sum(total * np.exp(eta) - spikes * eta) + 0.5 * ridge * np.sum(t * t))

    def newton_step(t: NDArray[np.float64]) -> NDArray[np.float64] | None:
        rate = np.exp(features @ t)
        grad = features.T @ (total * rate - spikes) + ridge * t
        if float(np.max(np.abs(grad))) <= 1e-9 * max(counts.size, 1):
            return None
        hess = (features * (total * rate)[:, None]).T @ features + ridge * np.eye(d)
        return np.linalg.solve(hess, grad)

    theta, iterations = newton_minimise(objective, newton_step, theta, max_iter, "fit_poisson_glm")
    eta = (features @ theta)[ids]
    log_prob = counts * eta - np.exp(eta) - gammaln(counts + 1.0)
    keep = [0]
    position = 1
    for size in sizes:
        keep += list(range(position + 1, position + size))
        position += size
    reduced = features[:, keep]
    fisher = (reduced * (total * np.exp(features @ theta))[:, None]).T @ reduced
    return LogitFit(log_prob=log_prob, n_parameters=len(keep), fisher=fisher, iterations=iterations)


def _mdl(fit: LogitFit, n: int) -> float:
    """The MDL objective (3.2) in nats per bin."""
    return -float(fit.log_prob.mean()) + fit.n_parameters / (2 * n) * math.log(max(n, 2))


class PointProcessGLM(BaseDIEstimator):
    """Point-process (GLM intensity) DI estimator with MDL model-order selection (sec. 3.1.4).

    Parameters
    ----------
    max_history : int, default 2
        Largest spike-history order ``J`` tried.
    max_lags : int, default 3
        Largest stimulus order ``K`` tried (lags ``x_i .. x_{i-K+1}`` for ``Y``;
        ``y_{i-1} .. y_{i-K}`` for the reverse model).
    link : {"logit", "log"}, default "logit"
        Bernoulli/multinomial spike model or the Poisson point-process likelihood (3.1).
    alphabet_size : int, optional
        Declared alphabet ``0 .. alphabet_size - 1`` (default: the observed symbols).
    base : float or "e", default 2
        Unit of the rates.

    Attributes
    ----------
    di_rate_, reverse_di_rate_, mi_rate_, di_increments_, reverse_di_increments_, di_rate_ci_, reverse_di_rate_ci_, n_steps_
        See :mod:`dicert.verify.estimators.protocol`.
    orders_ : dict
        Selected orders: ``"forward"`` ``(J, K)`` of ``Y || X``, ``"marginal"`` ``J`` of ``Y``,
        ``"reverse"`` ``(J, K)`` of ``X || DY``, ``"reverse_marginal"`` ``J`` of ``X``.
    mdl_ : dict
        MDL objective (3.2) of every ``(J, K)`` tried, per direction.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).integers(0, 2, 2000)
    >>> y = np.random.default_rng(1).integers(0, 2, 2000)
    >>> est = PointProcessGLM().fit(x, y)
    >>> est.orders_["forward"][1], est.di_rate_
    (0, 0.0)
    """

    input_kind: ClassVar[str] = "discrete"
    _param_names: ClassVar[tuple[str, ...]] = ("max_history", "max_lags", "link", "alphabet_size", "base")

    def __init__(
        self,
        max_history: int = 2,
        max_lags: int = 3,
        link: str = "logit",
        alphabet_size: int | None = None,
        base: float | str = 2,
    ) -> None:
        self.max_history = check_int_param("max_history", max_history, 0, 6)
        self.max_lags = check_int_param("max_lags", max_lags, 0, 6)
        if link not in _LINKS:
            raise InvalidInput(f"link: expected one of {list(_LINKS)}, got {link!r}")
        self.link = link
        self.alphabet_size = _check_alphabet(alphabet_size)
        log_base(base)
        self.base = base

    def _fit(self, target: NDArray[np.int64], r_target: int, columns: list[NDArray[np.int64]], sizes: list[int]) -> LogitFit:
        if self.link == "log":
            return fit_poisson_glm(target, columns, sizes)
        return fit_conditional_logit(target, r_target, columns, sizes, "main")

    def _select(
        self,
        target: NDArray[np.int64],
        r_target: int,
        other: NDArray[np.int64],
        r_other: int,
        first_lag: int,
        start: int,
    ) -> tuple[LogitFit, LogitFit, tuple[int, int], int, dict[tuple[int, int], float]]:
        now = target[start:]
        n = now.size
        fits: dict[tuple[int, int], LogitFit] = {}
        costs: dict[tuple[int, int], float] = {}
        for j in range(self.max_history + 1):
            own = lagged_columns(target, range(1, j + 1), start)
            for k in range(self.max_lags + 1):
                cross = lagged_columns(other, range(first_lag, first_lag + k), start)
                fit = self._fit(now, r_target, own + cross, [r_target] * j + [r_other] * k)
                fits[(j, k)] = fit
                costs[(j, k)] = _mdl(fit, n)
        # ties broken towards the smaller model (fewer parameters), deterministically
        best = min(costs, key=lambda jk: (round(costs[jk], 12), jk[1], jk[0]))
        marginal = min((jk for jk in costs if jk[1] == 0), key=lambda jk: (round(costs[jk], 12), jk[0]))
        return fits[best], fits[marginal], best, marginal[0], costs

    def fit(self, x: ArrayLike, y: ArrayLike) -> Self:
        """Select the orders by MDL (3.2), fit the GLMs, store the rates; returns ``self``."""
        start = max(self.max_history, self.max_lags)
        xa, ya = validate_pair(x, y, min_length=start + 2)
        if self.link == "log":
            xc, rx = _counts(xa, "x", self.alphabet_size)
            yc, ry = _counts(ya, "y", self.alphabet_size)
        else:
            xc, rx = encode_symbols(xa, "x", self.alphabet_size)
            yc, ry = encode_symbols(ya, "y", self.alphabet_size)
        joint, alone, best, marginal, costs = self._select(yc, ry, xc, rx, 0, start)
        joint_r, alone_r, best_r, marginal_r, costs_r = self._select(xc, rx, yc, ry, 1, start)
        self._store(joint.log_prob - alone.log_prob, joint_r.log_prob - alone_r.log_prob, self.base)
        self.orders_ = {"forward": best, "marginal": marginal, "reverse": best_r, "reverse_marginal": marginal_r}
        self.mdl_ = {"forward": costs, "reverse": costs_r}
        return self


def _counts(values: NDArray[Any], name: str, alphabet_size: int | None) -> tuple[NDArray[np.int64], int]:
    """Spike counts: non-negative integers, used as they are (the Poisson model reads the counts)."""
    if alphabet_size is not None:
        encode_symbols(values, name, alphabet_size)  # refuses symbols outside 0 .. alphabet_size - 1
    raw = values.astype(np.float64)
    if np.any(raw != np.round(raw)) or np.any(raw < 0):
        bad = int(np.flatnonzero((raw != np.round(raw)) | (raw < 0))[0])
        raise InvalidInput(f"{name}: entry {values[bad]} at index {bad} is not a spike count, expected integers >= 0")
    counts = raw.astype(np.int64)
    return counts, int(counts.max()) + 1


def coupled_spike_trains(
    n: int,
    base_rate: float = 0.1,
    drive: float = 2.5,
    delay: int = 1,
    refractory: float = -2.0,
    rng: np.random.Generator | int | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Two binned spike trains: ``X`` Bernoulli(``base_rate``), ``Y`` a GLM driven by ``x_{i-delay}``.

    ``logit P(dy_i = 1) = logit(base_rate) + drive * x_{i-delay} + refractory * y_{i-1}``:
    the dependence runs from ``X`` to ``Y`` only (the reverse DI is 0).

    Examples
    --------
    >>> x, y = coupled_spike_trains(1000, rng=0)
    >>> x.shape, y.shape, set(np.unique(y)) <= {0, 1}
    ((1000,), (1000,), True)
    """
    n = check_int_param("n", n, 2)
    delay = check_int_param("delay", delay, 0)
    if not 0 < base_rate < 1:
        raise InvalidInput(f"base_rate: expected a probability in (0, 1), got {base_rate!r}")
    gen = np.random.default_rng(rng)
    x = (gen.random(n) < base_rate).astype(np.int64)
    y = np.zeros(n, dtype=np.int64)
    offset = math.log(base_rate / (1 - base_rate))
    u = gen.random(n)
    for i in range(n):
        drive_i = drive * x[i - delay] if i - delay >= 0 else 0.0
        eta = offset + drive_i + (refractory * y[i - 1] if i >= 1 else 0.0)
        y[i] = int(u[i] < 1.0 / (1.0 + math.exp(-eta)))
    return x, y

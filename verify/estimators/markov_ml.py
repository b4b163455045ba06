"""Parametric maximum-likelihood DI estimation for Markov models of a chosen order (monograph sec. 3.1.3).

The conditional law of the next symbol is a *log-linear* (multinomial logit)
model with parameter ``theta``:

.. math::
    P(y_i = c \\mid \\text{context}; \\theta) \\propto \\exp(\\theta_c^\\top h(\\text{context})),

where the features ``h`` are indicators of the lagged symbols (``terms="main"``:
one indicator per lag and symbol, the additive model) or of the whole context
(``terms="full"``: the saturated Markov model, whose ML estimate is the
empirical conditional law). The log-likelihood
``L_n(theta) = sum_i log P(y_i | y^{i-1}, x^i; theta)`` of 3.1.3 is maximised by
Newton's method with the exact Hessian on the distinct contexts (a convex
problem); a tiny symmetric ridge keeps the optimum finite when the data are
separable and makes it unique, and it is invariant under relabelling symbols.

:class:`MarkovML` fits four such models (``Y`` on its past with and without
``X^i``, ``X`` on its past with and without ``Y^{i-1}``) and reports the DI
rate as the mean log-likelihood ratio, ``H(Y||X) `` vs ``H(Y)`` (2.27), and the
reverse rate likewise; it also stores the observed Fisher information of the
``Y`` model, whose positive definiteness is assumption 3 of 3.1.3 (under which
the error is ``O(n^{-1/2})``). :mod:`.point_process` builds on the same fitting
core with MDL order selection (3.2).

Examples
--------
>>> from dicert.verify.processes import bsc_delay
>>> from dicert.verify.estimators.markov_ml import MarkovML
>>> s = bsc_delay(5000, p=0.1, delay=1, rng=0)
>>> est = MarkovML(y_order=1, x_order=2).fit(s.x, s.y)
>>> abs(est.di_rate_ - s.di_rate) < 0.03, est.fisher_positive_definite_
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dicert.verify.errors import InvalidInput
from dicert.verify.estimators._newton import newton_minimise
from dicert.verify.estimators.protocol import BaseDIEstimator, check_int_param, encode_symbols, log_base, validate_pair

__all__ = ["MarkovML", "LogitFit", "fit_conditional_logit", "lagged_columns"]

#: Ridge added to the negative log-likelihood (sum over samples), times ``||theta||^2 / 2``.
RIDGE = 1e-6
_TERMS = ("main", "full")


@dataclass(frozen=True)
class LogitFit:
    """A fitted multinomial logit model of ``P(target | context)``.

    Attributes
    ----------
    log_prob : numpy.ndarray
        ``log P(target_i | context_i; theta_hat)`` for every sample (nats).
    n_parameters : int
        Number of free parameters (identifiable: ``(C - 1) * (1 + sum_lags (r_lag - 1))``
        for ``terms="main"``, ``(C - 1) * #contexts seen`` for ``"full"``).
    fisher : numpy.ndarray
        Observed Fisher information (Hessian of ``-L_n``) at the optimum, in the
        identifiable parametrisation (classes ``1..C-1`` against class 0).
    iterations : int
        Newton iterations used.
    """

    log_prob: NDArray[np.float64]
    n_parameters: int
    fisher: NDArray[np.float64]
    iterations: int


def lagged_columns(series: NDArray[np.int64], lags: range | list[int], start: int) -> list[NDArray[np.int64]]:
    """``series[i - lag]`` for ``i = start .. len - 1``, one column per lag.

    Examples
    --------
    >>> import numpy as np
    >>> [c.tolist() for c in lagged_columns(np.arange(5), [0, 1], 2)]
    [[2, 3, 4], [1, 2, 3]]
    """
    return [series[start - lag : series.size - lag] for lag in lags]


def _design(
    columns: list[NDArray[np.int64]], sizes: list[int], terms: str, n: int
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Distinct contexts (ids of the ``n`` samples) and their feature matrix (intercept + indicators)."""
    if not columns:
        return np.zeros(n, dtype=np.int64), np.ones((1, 1))
    if math.prod(sizes) >= 2**62:
        raise InvalidInput(f"orders: {len(sizes)} lags give more than 2^62 contexts, expected smaller model orders")
    label = np.zeros(n, dtype=np.int64)
    for column, size in zip(columns, sizes, strict=True):
        label = label * size + column
    present = np.unique(label)
    ids = np.searchsorted(present, label)
    unique = np.empty((present.size, len(sizes)), dtype=np.int64)
    rest = present.copy()
    for k in range(len(sizes) - 1, -1, -1):  # decode the mixed-radix labels back into symbols
        unique[:, k] = rest % sizes[k]
        rest //= sizes[k]
    if terms == "full":
        return ids, np.eye(unique.shape[0])  # one indicator per context (no separate intercept needed)
    blocks = [np.ones((unique.shape[0], 1))]
    for k, size in enumerate(sizes):
        blocks.append((unique[:, k][:, None] == np.arange(size)[None, :]).astype(float))
    return ids, np.concatenate(blocks, axis=1)


def fit_conditional_logit(
    target: NDArray[np.int64],
    n_classes: int,
    columns: list[NDArray[np.int64]],
    sizes: list[int],
    terms: str = "main",
    ridge: float = RIDGE,
    max_iter: int = 100,
) -> LogitFit:
    """Maximum-likelihood multinomial logit ``P(target | lagged symbols)`` by Newton's method (sec. 3.1.3).

    The samples are compressed to their distinct contexts, so the cost is in
    the number of contexts, not of samples.

    Raises
    ------
    SolverFailed
        If Newton's method does not converge in ``max_iter`` iterations.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 2, 4000)
    >>> y = np.where(rng.random(4000) < 0.9, x, 1 - x)
    >>> fit = fit_conditional_logit(y, 2, [x], [2])
    >>> round(float(np.exp(fit.log_prob[(x == 1) & (y == 1)]).mean()), 2)   # fitted P(y = 1 | x = 1)
    0.9
    """
    n = target.size
    ids, features = _design(columns, sizes, terms, n)
    n_ctx, d = features.shape
    counts = np.zeros((n_ctx, n_classes))
    np.add.at(counts, (ids, target), 1.0)
    totals = counts.sum(axis=1)
    c = n_classes
    theta = np.zeros((d, c))

    def objective(t: NDArray[np.float64]) -> float:
        sc = features @ t
        log_p = sc - np.logaddexp.reduce(sc, axis=1, keepdims=True)
        return float(-np.sum(counts * log_p) + 0.5 * ridge * np.sum(t * t))

    def newton_step(t: NDArray[np.float64]) -> NDArray[np.float64] | None:
        scores = features @ t
        scores -= scores.max(axis=1, keepdims=True)
        prob = np.exp(scores)
        prob /= prob.sum(axis=1, keepdims=True)
        residual = totals[:, None] * prob - counts  # d(-L)/d(score)
        grad = features.T @ residual + ridge * t
        if float(np.max(np.abs(grad))) <= 1e-9 * max(n, 1):
            return None
        # Hessian of -L: sum_ctx total * (diag(p) - p p^T) (x) f f^T, plus ridge
        w = totals[:, None, None] * (prob[:, :, None] * np.eye(c)[None] - prob[:, :, None] * prob[:, None, :])
        hess = np.einsum("kab,ki,kj->iajb", w, features, features).reshape(d * c, d * c)
        hess += ridge * np.eye(d * c)
        return np.linalg.solve(hess, grad.reshape(-1)).reshape(d, c)

    theta, iterations = newton_minimise(objective, newton_step, theta, max_iter, "fit_conditional_logit")
    scores = features @ theta
    log_prob_ctx = scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)
    log_prob = log_prob_ctx[ids, target]
    n_params, fisher = _observed_information(scores, totals, features, sizes, terms)
    return LogitFit(log_prob=log_prob, n_parameters=n_params, fisher=fisher, iterations=iterations)


def _observed_information(
    scores: NDArray[np.float64], totals: NDArray[np.float64], features: NDArray[np.float64], sizes: list[int], terms: str
) -> tuple[int, NDArray[np.float64]]:
    """The parameter count and observed information of a fitted logit, in the identifiable parametrisation.

    Class 0 is the reference class; with ``terms="main"`` one indicator per lag is
    dropped (identifiability with the intercept), with ``"full"`` the unseen contexts.
    """
    c = scores.shape[1]
    scores = scores - scores.max(axis=1, keepdims=True)
    prob = np.exp(scores)
    prob /= prob.sum(axis=1, keepdims=True)
    sub = prob[:, 1:]
    w = totals[:, None, None] * (sub[:, :, None] * np.eye(c - 1)[None] - sub[:, :, None] * sub[:, None, :])
    if terms == "full":
        seen = totals > 0
        n_params = (c - 1) * int(seen.sum())
        fisher = np.einsum("kab,ki,kj->iajb", w[seen], features[seen][:, seen], features[seen][:, seen])
        fisher = fisher.reshape((c - 1) * int(seen.sum()), -1)
    else:
        keep = [0]
        position = 1
        for size in sizes:
            keep += list(range(position + 1, position + size))
            position += size
        reduced = features[:, keep]
        n_params = (c - 1) * len(keep)
        fisher = np.einsum("kab,ki,kj->iajb", w, reduced, reduced).reshape(n_params, n_params)
    return n_params, fisher


def _check_terms(terms: Any) -> str:
    if terms not in _TERMS:
        raise InvalidInput(f"terms: expected one of {list(_TERMS)}, got {terms!r}")
    return str(terms)


def _check_alphabet(alphabet_size: Any) -> int | None:
    if alphabet_size is None:
        return None
    return check_int_param("alphabet_size", alphabet_size, 1)


class MarkovML(BaseDIEstimator):
    """Parametric ML DI estimator for Markov models of fixed orders (sec. 3.1.3, rates (2.27)).

    Parameters
    ----------
    y_order : int, default 1
        Number of past ``Y`` symbols in every model (``J``).
    x_order : int, default 1
        Number of ``X`` symbols ``x_i, ..., x_{i-K+1}`` in the ``Y`` model (``K``; the
        current ``x_i`` carries the instantaneous term (2.30)); the reverse model
        uses ``y_{i-1}, ..., y_{i-K}``.
    terms : {"main", "full"}, default "main"
        Additive indicator features or the saturated context model.
    alphabet_size : int, optional
        Declared alphabet ``0 .. alphabet_size - 1`` of both processes
        (default: the observed symbols).
    base : float or "e", default 2
        Unit of the rates.

    Attributes
    ----------
    di_rate_, reverse_di_rate_, mi_rate_, di_increments_, reverse_di_increments_, di_rate_ci_, reverse_di_rate_ci_, n_steps_
        See :mod:`dicert.verify.estimators.protocol`.
    fisher_information_ : numpy.ndarray
        Observed information of the ``Y || X`` model divided by ``n_steps_``.
    fisher_positive_definite_ : bool
        Assumption 3 of 3.1.3 at the fitted parameter.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(1).integers(0, 2, 3000)
    >>> est = MarkovML(y_order=1, x_order=1).fit(x, np.roll(x, 0))
    >>> round(est.di_rate_, 1)
    1.0
    """

    input_kind: ClassVar[str] = "discrete"
    _param_names: ClassVar[tuple[str, ...]] = ("y_order", "x_order", "terms", "alphabet_size", "base")

    def __init__(
        self, y_order: int = 1, x_order: int = 1, terms: str = "main", alphabet_size: int | None = None, base: float | str = 2
    ) -> None:
        self.y_order = check_int_param("y_order", y_order, 0, 8)
        self.x_order = check_int_param("x_order", x_order, 0, 8)
        self.terms = _check_terms(terms)
        self.alphabet_size = _check_alphabet(alphabet_size)
        log_base(base)
        self.base = base

    def fit(self, x: ArrayLike, y: ArrayLike) -> Self:
        """Fit the four conditional models and store the rates; returns ``self``."""
        xa, ya = validate_pair(x, y, min_length=max(self.y_order, self.x_order) + 2)
        xc, rx = encode_symbols(xa, "x", self.alphabet_size)
        yc, ry = encode_symbols(ya, "y", self.alphabet_size)
        start = max(self.y_order, self.x_order)
        forward, reverse, fisher = _increments(xc, rx, yc, ry, self.y_order, self.x_order, self.y_order, self.x_order, start, self.terms)
        self._store(forward, reverse, self.base)
        self.fisher_information_ = fisher / max(self.n_steps_, 1)
        eigen = np.linalg.eigvalsh(self.fisher_information_) if self.fisher_information_.size else np.ones(1)
        self.fisher_positive_definite_ = bool(eigen.min() > 1e-12)
        return self


def _one_direction(
    target: NDArray[np.int64],
    r_target: int,
    other: NDArray[np.int64],
    r_other: int,
    own_order: int,
    other_lags: list[int],
    start: int,
    terms: str,
) -> tuple[LogitFit, LogitFit]:
    """Fits of ``target`` on its own past with and without the lags ``other_lags`` of ``other``."""
    own = lagged_columns(target, range(1, own_order + 1), start)
    cross = lagged_columns(other, other_lags, start)
    y_now = target[start:]
    alone = fit_conditional_logit(y_now, r_target, own, [r_target] * own_order, terms)
    joint = fit_conditional_logit(y_now, r_target, own + cross, [r_target] * own_order + [r_other] * len(other_lags), terms)
    return joint, alone


def _increments(
    xc: NDArray[np.int64],
    rx: int,
    yc: NDArray[np.int64],
    ry: int,
    j_forward: int,
    k_forward: int,
    j_reverse: int,
    k_reverse: int,
    start: int,
    terms: str,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    joint, alone = _one_direction(yc, ry, xc, rx, j_forward, list(range(0, k_forward)), start, terms)
    joint_r, alone_r = _one_direction(xc, rx, yc, ry, j_reverse, list(range(1, k_reverse + 1)), start, terms)
    return joint.log_prob - alone.log_prob, joint_r.log_prob - alone_r.log_prob, joint.fisher


def _mdl_cost(fit: LogitFit, n: int) -> float:
    """MDL objective (3.2) in nats per sample: ``-L_n / n + (#parameters / 2n) log n``."""
    return -float(fit.log_prob.mean()) + fit.n_parameters / (2 * n) * math.log(max(n, 2))

"""Ground-truth processes with closed-form DI rates, for testing estimators (monograph ch. 2-3).

Every generator has the form ``(n, <parameters>, rng) -> ProcessSample`` and
returns ``n`` samples of a *stationary* pair process together with its exact
rates in bits:

* ``di_rate`` = :math:`I(\\mathbb X\\to\\mathbb Y) = H(\\mathbb Y) - H(\\mathbb Y\\|\\mathbb X)` (2.24)-(2.26);
* ``reverse_di_rate`` = :math:`I(D\\mathbb Y\\to\\mathbb X) = H(\\mathbb X) - H(\\mathbb X\\|D\\mathbb Y)`;
* ``mi_rate`` = ``di_rate + reverse_di_rate`` (Massey's conservation law (2.13)).

Discrete processes: :func:`bsc_delay` (i.i.d. input through a delayed BSC),
:func:`markov_erasure` (binary Markov input through a delayed erasure
channel), :func:`feedback_xor` (two coupled BSCs, X depends on past Y, so DI
differs from MI), :func:`independent_discrete`. Continuous processes:
:func:`gaussian_var1` (stationary Gaussian VAR(1) with exact rates from a
spectral factorisation, see :func:`gaussian_var1_rates`) and
:func:`independent_gaussian`.

Examples
--------
>>> from dicert.verify.processes import bsc_delay
>>> sample = bsc_delay(1000, p=0.1, rng=0)
>>> sample.x.shape, round(sample.di_rate, 4), sample.reverse_di_rate
((1000,), 0.531, 0.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dicert.verify._numeric import check_int
from dicert.verify.errors import InvalidInput

__all__ = [
    "ProcessSample",
    "binary_entropy",
    "bsc_delay",
    "markov_erasure",
    "markov_erasure_rate",
    "feedback_xor",
    "independent_discrete",
    "copy_channel",
    "gaussian_var1",
    "gaussian_var1_rates",
    "gaussian_innovation_variance",
    "independent_gaussian",
]

Rng = np.random.Generator | int | None


@dataclass(frozen=True)
class ProcessSample:
    """Samples ``x``, ``y`` of a stationary pair process and its exact rates (bits).

    Examples
    --------
    >>> s = independent_discrete(5, rng=0)
    >>> (s.di_rate, s.reverse_di_rate, s.mi_rate, s.kind)
    (0.0, 0.0, 0.0, 'discrete')
    """

    x: NDArray[Any]
    y: NDArray[Any]
    di_rate: float
    reverse_di_rate: float
    mi_rate: float
    kind: str
    name: str
    params: dict[str, Any] = field(default_factory=dict)


def binary_entropy(p: float) -> float:
    """Binary entropy :math:`H_2(p)` in bits.

    Examples
    --------
    >>> binary_entropy(0.5), binary_entropy(0.0)
    (1.0, 0.0)
    """
    if p <= 0.0 or p >= 1.0:
        return 0.0
    return float(-p * math.log2(p) - (1 - p) * math.log2(1 - p))


def _check_probability(name: str, value: Any, open_interval: bool = False) -> float:
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool)
    if ok:
        value = float(value)
        ok = (0.0 < value < 1.0) if open_interval else (0.0 <= value <= 1.0)
    if not ok:
        interval = "(0, 1)" if open_interval else "[0, 1]"
        raise InvalidInput(f"{name}: expected a probability in {interval}, got {value!r}")
    return float(value)


def _binary_markov(n: int, flip: float, rng: np.random.Generator) -> NDArray[np.int64]:
    """Stationary symmetric binary Markov chain: uniform start, flips with probability ``flip``."""
    steps = np.concatenate([rng.integers(0, 2, size=1), (rng.random(n - 1) < flip).astype(np.int64)])
    return np.cumsum(steps) % 2


def bsc_delay(n: int, p: float, delay: int = 1, rng: Rng = None) -> ProcessSample:
    """X i.i.d. Bern(1/2), :math:`Y_i = X_{i-d} \\oplus Z_i` with :math:`Z_i` i.i.d. Bern(p).

    DI rate :math:`1 - H_2(p)`, reverse DI rate 0 (X is i.i.d.), MI rate ``1 - H_2(p)``.
    The samples :math:`X_{1-d}, \\dots, X_0` that feed the first outputs are drawn
    but not returned, so the returned pair is stationary.

    Examples
    --------
    >>> s = bsc_delay(5, p=0.0, delay=1, rng=1)
    >>> bool((s.y[1:] == s.x[:-1]).all())
    True
    """
    n = check_int(n, "n")
    p = _check_probability("p", p)
    delay = check_int(delay, "delay", 0)
    gen = np.random.default_rng(rng)
    x_all = gen.integers(0, 2, size=n + delay)
    noise = (gen.random(n) < p).astype(np.int64)
    x = x_all[delay:]
    y = x_all[:n] ^ noise
    rate = 1.0 - binary_entropy(p)
    return ProcessSample(x, y, rate, 0.0, rate, "discrete", "bsc_delay", {"p": p, "delay": delay})


def markov_erasure_rate(flip: float, erasure: float, tol: float = 1e-16) -> float:
    """DI rate (bits) of a symmetric binary Markov chain through a delayed erasure channel.

    With :math:`q_k = (1 - (1-2q)^k)/2` the k-step flip probability and ``e`` the
    erasure probability, :math:`H(\\mathbb Y\\|\\mathbb X) = H_2(e)` and
    :math:`H(\\mathbb Y) = H_2(e) + (1-e)^2 \\sum_{k\\ge1} e^{k-1} H_2(q_k)`
    (the last unerased output, k steps back, is the only useful past), so
    :math:`I(\\mathbb X\\to\\mathbb Y) = (1-e)^2 \\sum_{k\\ge1} e^{k-1} H_2(q_k)`.
    The series is summed until the tail bound :math:`(1-e) e^{K}` is below ``tol``.

    Examples
    --------
    >>> round(markov_erasure_rate(0.5, 0.3), 12)   # i.i.d. input: capacity of the BEC
    0.7
    >>> abs(markov_erasure_rate(0.1, 0.0) - binary_entropy(0.1)) < 1e-12   # no erasures: H(X)
    True
    """
    q = _check_probability("flip", flip)
    e = _check_probability("erasure", erasure)
    if e == 1.0:
        return 0.0
    total, weight, k, contraction = 0.0, 1.0, 1, 1.0 - 2.0 * q
    while True:
        q_k = (1.0 - contraction**k) / 2.0
        total += weight * binary_entropy(q_k)
        weight *= e
        if weight * (1.0 - e) <= tol or weight == 0.0:
            break
        k += 1
    return (1.0 - e) ** 2 * total


def markov_erasure(n: int, flip: float, erasure: float, delay: int = 1, rng: Rng = None) -> ProcessSample:
    """Symmetric binary Markov input through an erasure channel with delay.

    :math:`X` flips with probability ``flip`` at each step (stationary uniform);
    :math:`Y_i = X_{i-d}` with probability :math:`1-e` and the erasure symbol 2
    otherwise (so ``y`` has the ternary alphabet {0, 1, 2}). Rates:
    DI = :func:`markov_erasure_rate` (independent of the delay), reverse DI 0
    (X is Markov on its own past), MI = DI.

    Examples
    --------
    >>> s = markov_erasure(6, flip=0.2, erasure=0.5, rng=3)
    >>> set(s.y.tolist()) <= {0, 1, 2}, round(s.di_rate, 4)
    (True, 0.4159)
    """
    n = check_int(n, "n")
    delay = check_int(delay, "delay", 0)
    rate = markov_erasure_rate(flip, erasure)
    gen = np.random.default_rng(rng)
    x_all = _binary_markov(n + delay, flip, gen)
    erased = gen.random(n) < erasure
    y = np.where(erased, 2, x_all[:n])
    params = {"flip": flip, "erasure": erasure, "delay": delay}
    return ProcessSample(x_all[delay:], y, rate, 0.0, rate, "discrete", "markov_erasure", params)


def feedback_xor(n: int, p: float, r: float, delay: int = 0, rng: Rng = None) -> ProcessSample:
    """A feedback loop of two binary symmetric channels: X depends on past Y.

    :math:`Y_i = X_{i-d} \\oplus Z_i` (channel with delay ``d``) and
    :math:`X_i = Y_{i-1} \\oplus W_i` (encoder that looks at the last output), with
    :math:`Z_i \\sim` Bern(p), :math:`W_i \\sim` Bern(r) i.i.d. Then
    :math:`Y_i = Y_{i-d-1} \\oplus W_{i-d} \\oplus Z_i`: both marginals are Markov of
    order ``d + 1`` with entropy rate :math:`H_2(p \\star r)`,
    :math:`p\\star r = p(1-r) + r(1-p)`, while :math:`H(\\mathbb Y\\|\\mathbb X) = H_2(p)`
    and :math:`H(\\mathbb X\\|D\\mathbb Y) = H_2(r)`. Hence DI rate
    :math:`H_2(p\\star r) - H_2(p)`, reverse DI rate :math:`H_2(p\\star r) - H_2(r)`,
    and the MI rate is their sum (so DI < MI). With ``d = 0`` the joint process
    and both marginals are first-order Markov.

    Examples
    --------
    >>> s = feedback_xor(10, p=0.1, r=0.2, rng=0)
    >>> round(s.di_rate, 4), round(s.reverse_di_rate, 4), round(s.mi_rate, 4)
    (0.3578, 0.1048, 0.4626)
    """
    n = check_int(n, "n")
    p = _check_probability("p", p)
    r = _check_probability("r", r)
    d = check_int(delay, "delay", 0)
    gen = np.random.default_rng(rng)
    z = (gen.random(n) < p).astype(np.int64)
    w = (gen.random(n) < r).astype(np.int64)
    # v[j] = Y_{j-1}, j = 0..n. The Y process is d + 1 interleaved symmetric Markov
    # chains v[j] = v[j-d-1] xor W_{j-1-d} xor Z_{j-1}; uniform independent starts
    # v[0..d] make it stationary (the hidden inputs X_{-d}..X_{-1} are implicit).
    lag = d + 1
    steps = np.empty(n + 1, dtype=np.int64)
    steps[:lag] = gen.integers(0, 2, size=min(lag, n + 1))
    j = np.arange(lag, n + 1)
    steps[lag:] = w[j - 1 - d] ^ z[j - 1]
    rows = -(-(n + 1) // lag)
    padded = np.zeros(rows * lag, dtype=np.int64)
    padded[: n + 1] = steps
    v = (np.cumsum(padded.reshape(rows, lag), axis=0) % 2).reshape(-1)[: n + 1]
    y = v[1:]
    x = v[:-1] ^ w
    h_star = binary_entropy(p * (1 - r) + r * (1 - p))
    di, reverse = h_star - binary_entropy(p), h_star - binary_entropy(r)
    params = {"p": p, "r": r, "delay": d}
    return ProcessSample(x, y, di, reverse, di + reverse, "discrete", "feedback_xor", params)


def independent_discrete(
    n: int, x_alphabet: int = 2, y_alphabet: int = 2, stay: float = 0.7, rng: Rng = None
) -> ProcessSample:
    """Independent X (i.i.d. uniform) and Y (a 'sticky' Markov chain): all rates are 0.

    ``Y`` keeps its previous symbol with probability ``stay`` and otherwise draws
    a uniform symbol, so it has memory but no link to X.

    Examples
    --------
    >>> s = independent_discrete(4, x_alphabet=3, y_alphabet=2, rng=0)
    >>> int(s.x.max()) < 3 and int(s.y.max()) < 2
    True
    """
    n = check_int(n, "n")
    check_int(x_alphabet, "x_alphabet")
    check_int(y_alphabet, "y_alphabet")
    stay = _check_probability("stay", stay)
    gen = np.random.default_rng(rng)
    x = gen.integers(0, x_alphabet, size=n)
    fresh = gen.integers(0, y_alphabet, size=n)
    renew = gen.random(n) >= stay
    renew[0] = True
    last_renewal = np.maximum.accumulate(np.where(renew, np.arange(n), 0))
    y = fresh[last_renewal]
    params = {"x_alphabet": x_alphabet, "y_alphabet": y_alphabet, "stay": stay}
    return ProcessSample(x, y, 0.0, 0.0, 0.0, "discrete", "independent_discrete", params)


def copy_channel(n: int, alphabet: int = 5, rng: Rng = None) -> ProcessSample:
    """X i.i.d. uniform on ``alphabet`` symbols and :math:`Y_i = X_{i-1}`: DI rate :math:`\\log_2 r`.

    A noiseless delayed copy with a large alphabet: the hard case for universal
    (CTW) estimators, whose learning cost grows with the alphabet. Reverse DI
    rate 0, MI rate :math:`\\log_2 r`.

    Examples
    --------
    >>> s = copy_channel(6, alphabet=5, rng=0)
    >>> bool((s.y[1:] == s.x[:-1]).all()), round(s.di_rate, 4)
    (True, 2.3219)
    """
    n = check_int(n, "n")
    r = check_int(alphabet, "alphabet")
    gen = np.random.default_rng(rng)
    x = gen.integers(0, r, size=n + 1)
    rate = math.log2(r)
    return ProcessSample(x[1:], x[:-1], rate, 0.0, rate, "discrete", "copy_channel", {"alphabet": r})


def _check_var1(coefficients: ArrayLike, noise_cov: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    a = np.asarray(coefficients, dtype=np.float64)
    sigma = np.asarray(noise_cov, dtype=np.float64)
    if a.shape != (2, 2) or not np.all(np.isfinite(a)):
        raise InvalidInput(f"coefficients: expected a finite 2x2 matrix, got shape {a.shape}")
    if sigma.shape != (2, 2) or not np.all(np.isfinite(sigma)) or not np.allclose(sigma, sigma.T):
        raise InvalidInput("noise_cov: expected a finite symmetric 2x2 matrix")
    if sigma[0, 0] <= 0 or np.linalg.det(sigma) <= 0:
        raise InvalidInput("noise_cov: expected a positive definite matrix")
    radius = float(np.max(np.abs(np.linalg.eigvals(a))))
    if radius >= 1.0:
        raise InvalidInput(f"coefficients: spectral radius {radius:.6g} >= 1, expected a stable VAR(1)")
    return a, sigma


def gaussian_innovation_variance(coefficients: ArrayLike, noise_cov: ArrayLike, component: int) -> float:
    """One-step prediction error variance of one component of a VAR(1) from its own infinite past.

    For :math:`Z_t = A Z_{t-1} + E_t` (2-dimensional, :math:`E_t \\sim N(0, \\Sigma)`),
    multiplying by the adjugate of :math:`I - AL` gives
    :math:`\\det(I - AL) Y_t = U_t`, a moving average of order 1 with
    autocovariances :math:`\\gamma_0, \\gamma_1`. As :math:`\\det(I - Az)` is monic
    with its zeros outside the unit disc, the Kolmogorov-Szego formula gives the
    innovation variance of :math:`Y` as that of :math:`U`:
    :math:`\\sigma^2 = \\gamma_0 / (1 + \\theta^2)` with :math:`|\\theta| \\le 1` the
    invertible root of :math:`\\gamma_1 \\theta^2 - \\gamma_0 \\theta + \\gamma_1 = 0`.

    Examples
    --------
    >>> import numpy as np
    >>> round(gaussian_innovation_variance(np.diag([0.5, 0.5]), np.eye(2), 1), 12)   # AR(1)
    1.0
    """
    a, sigma = _check_var1(coefficients, noise_cov)
    j = int(component)
    i = 1 - j
    # det(I - A L) Y_j = (1 - a_ii L) E_j + a_ji L E_i
    a_ii, a_ji = a[i, i], a[j, i]
    s_jj, s_ii, s_ij = sigma[j, j], sigma[i, i], sigma[i, j]
    gamma0 = s_jj + a_ji**2 * s_ii - 2.0 * a_ji * a_ii * s_ij + a_ii**2 * s_jj
    gamma1 = a_ji * s_ij - a_ii * s_jj
    if gamma1 == 0.0:
        return float(gamma0)
    rho = gamma1 / gamma0  # |rho| <= 1/2 for a valid MA(1) autocovariance
    theta = (1.0 - math.sqrt(max(1.0 - 4.0 * rho * rho, 0.0))) / (2.0 * rho)
    return float(gamma0 / (1.0 + theta * theta))


def gaussian_var1_rates(coefficients: ArrayLike, noise_cov: ArrayLike) -> tuple[float, float, float]:
    """Exact ``(di_rate, reverse_di_rate, mi_rate)`` in bits of a stationary Gaussian VAR(1).

    :math:`(X_t, Y_t) = A (X_{t-1}, Y_{t-1}) + E_t`, :math:`E_t \\sim N(0, \\Sigma)`.
    For Gaussian processes the DI rate is half the log-ratio of one-step
    prediction error variances (the Granger-DI equivalence of 2.5.2):
    :math:`I(\\mathbb X\\to\\mathbb Y) = \\tfrac12\\log \\sigma_Y^2/(\\Sigma_{yy} - \\Sigma_{xy}^2/\\Sigma_{xx})`
    (the causally conditioned error is that of :math:`E_y` given :math:`E_x`) and
    :math:`I(D\\mathbb Y\\to\\mathbb X) = \\tfrac12\\log \\sigma_X^2/\\Sigma_{xx}`, with
    :math:`\\sigma^2` from :func:`gaussian_innovation_variance`.

    Examples
    --------
    >>> import numpy as np
    >>> di, rev, mi = gaussian_var1_rates([[0.0, 0.0], [0.8, 0.5]], np.eye(2))
    >>> bool(np.isclose(di, 0.5 * np.log2(1.64))), rev
    (True, 0.0)
    """
    a, sigma = _check_var1(coefficients, noise_cov)
    var_y = gaussian_innovation_variance(a, sigma, 1)
    var_x = gaussian_innovation_variance(a, sigma, 0)
    causal_y = sigma[1, 1] - sigma[0, 1] ** 2 / sigma[0, 0]
    di = 0.5 * math.log2(var_y / causal_y)
    reverse = 0.5 * math.log2(var_x / sigma[0, 0])
    return di, reverse, di + reverse


def gaussian_var1(
    n: int, coefficients: ArrayLike, noise_cov: ArrayLike | None = None, rng: Rng = None
) -> ProcessSample:
    """Stationary Gaussian VAR(1) :math:`(X_t, Y_t) = A (X_{t-1}, Y_{t-1}) + E_t` with exact rates.

    The first sample is drawn from the stationary covariance (discrete Lyapunov
    equation), so the returned path is exactly stationary. Rates from
    :func:`gaussian_var1_rates`.

    Examples
    --------
    >>> s = gaussian_var1(100, [[0.0, 0.6], [0.7, 0.0]], rng=0)
    >>> s.kind, round(s.di_rate, 4), round(s.reverse_di_rate, 4)
    ('continuous', 0.2877, 0.2218)
    """
    from scipy.linalg import solve_discrete_lyapunov

    n = check_int(n, "n")
    a, sigma = _check_var1(coefficients, np.eye(2) if noise_cov is None else noise_cov)
    di, reverse, mi = gaussian_var1_rates(a, sigma)
    gen = np.random.default_rng(rng)
    chol = np.linalg.cholesky(sigma)
    noise = gen.standard_normal((n, 2)) @ chol.T
    stationary = solve_discrete_lyapunov(a, sigma)
    z = np.empty((n, 2))
    z[0] = np.linalg.cholesky(stationary) @ gen.standard_normal(2)
    for t in range(1, n):
        z[t] = a @ z[t - 1] + noise[t]
    params = {"coefficients": a.tolist(), "noise_cov": sigma.tolist()}
    return ProcessSample(z[:, 0].copy(), z[:, 1].copy(), di, reverse, mi, "continuous", "gaussian_var1", params)


def independent_gaussian(n: int, phi_x: float = 0.5, phi_y: float = -0.3, rng: Rng = None) -> ProcessSample:
    """Two independent stationary Gaussian AR(1) processes: all rates are 0.

    Examples
    --------
    >>> s = independent_gaussian(50, rng=0)
    >>> s.di_rate, s.kind
    (0.0, 'continuous')
    """
    sample = gaussian_var1(n, [[phi_x, 0.0], [0.0, phi_y]], np.eye(2), rng=rng)
    params = {"phi_x": phi_x, "phi_y": phi_y}
    return ProcessSample(sample.x, sample.y, 0.0, 0.0, 0.0, "continuous", "independent_gaussian", params)

"""Ground-truth processes: the closed-form rates agree with independent exact computations.

Discrete processes: the exact joint pmf of a block (X^m, Y^m) is enumerated
here from the generative equations (written independently of the library
generators), and the DI terms I(X^m; Y_m | Y^{m-1}), I(Y^{m-1}; X_m | X^{m-1})
are computed from it exactly; for processes of finite memory they equal the
rates once m exceeds the memory. The erasure process is bracketed with the
Cover-Thomas bounds on the entropy rate of a hidden Markov process.
Gaussian VAR(1): the innovation variance is checked against the
Kolmogorov-Szego integral and against the finite-past prediction error
computed from the stationary covariance.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.integrate import quad
from scipy.linalg import solve_discrete_lyapunov

from dicert.verify.errors import InvalidInput
from dicert.verify.processes import (
    binary_entropy,
    bsc_delay,
    feedback_xor,
    gaussian_innovation_variance,
    gaussian_var1,
    gaussian_var1_rates,
    independent_discrete,
    independent_gaussian,
    markov_erasure,
    markov_erasure_rate,
)
from dicert.verify.strategies.processes import (
    continuous_processes,
    discrete_processes,
    gaussian_var1_parameters,
    processes,
)

# ----------------------------------------------------------------- exact block pmfs


def _entropy_bits(pmf: dict, keep) -> float:
    marginal: dict = defaultdict(float)
    for outcome, p in pmf.items():
        marginal[keep(outcome)] += p
    return -sum(p * math.log2(p) for p in marginal.values() if p > 0)


def _block_di_terms(pmf: dict, m: int) -> tuple[float, float]:
    """I(X^m; Y_m | Y^{m-1}) and I(Y^{m-1}; X_m | X^{m-1}) of a pmf over (x^m, y^m) tuples."""

    def h(keep):
        return _entropy_bits(pmf, keep)

    di = (
        h(lambda o: o[1][: m - 1] + o[0])
        + h(lambda o: o[1])
        - h(lambda o: o[1][: m - 1])
        - h(lambda o: (o[0], o[1]))
    )
    reverse = (
        h(lambda o: o[0][: m - 1] + o[1][: m - 1])
        + h(lambda o: o[0])
        - h(lambda o: o[0][: m - 1])
        - h(lambda o: (o[0], o[1][: m - 1]))
    )
    return di, reverse


def _bsc_delay_block(p: float, delay: int, m: int) -> dict:
    pmf: dict = defaultdict(float)
    for xs in itertools.product((0, 1), repeat=m + delay):  # X_{1-d} .. X_m
        for zs in itertools.product((0, 1), repeat=m):
            prob = 0.5 ** (m + delay) * math.prod(p if z else 1 - p for z in zs)
            x = xs[delay:]
            y = tuple(xs[i] ^ zs[i] for i in range(m))  # Y_i = X_{i-d} xor Z_i
            pmf[(x, y)] += prob
    return pmf


def _feedback_block_delay0(p: float, r: float, m: int) -> dict:
    """Delay 0: the pair (X_i, Y_i) is a Markov chain with uniform stationary law."""
    pmf: dict = defaultdict(float)
    for y0 in (0, 1):  # Y_0, uniform
        for ws in itertools.product((0, 1), repeat=m):
            for zs in itertools.product((0, 1), repeat=m):
                prob = 0.5 * math.prod(r if w else 1 - r for w in ws) * math.prod(p if z else 1 - p for z in zs)
                x, y, last = [], [], y0
                for i in range(m):
                    xi = last ^ ws[i]  # X_i = Y_{i-1} xor W_i
                    yi = xi ^ zs[i]  # Y_i = X_i xor Z_i
                    x.append(xi)
                    y.append(yi)
                    last = yi
                pmf[(tuple(x), tuple(y))] += prob
    return pmf


def _feedback_block_delay1(p: float, r: float, m: int) -> dict:
    """Delay 1: (X_i, Y_i) is a Markov chain (X_i = Y_{i-1} ^ W_i, Y_i = X_{i-1} ^ Z_i), uniform start."""
    pmf: dict = defaultdict(float)
    for x0, y0 in itertools.product((0, 1), repeat=2):
        for ws in itertools.product((0, 1), repeat=m):
            for zs in itertools.product((0, 1), repeat=m):
                prob = 0.25 * math.prod(r if w else 1 - r for w in ws) * math.prod(p if z else 1 - p for z in zs)
                x, y, px, py = [], [], x0, y0
                for i in range(m):
                    xi, yi = py ^ ws[i], px ^ zs[i]
                    x.append(xi)
                    y.append(yi)
                    px, py = xi, yi
                pmf[(tuple(x), tuple(y))] += prob
    return pmf


@pytest.mark.parametrize("p", [0.0, 0.1, 0.3])
@pytest.mark.parametrize("delay", [0, 1, 2])
def test_bsc_delay_rates_equal_exact_block_di(p: float, delay: int) -> None:
    m = delay + 2
    di, reverse = _block_di_terms(_bsc_delay_block(p, delay, m), m)
    sample = bsc_delay(10, p=p, delay=delay, rng=0)
    assert sample.di_rate == pytest.approx(di, abs=1e-12)
    assert sample.reverse_di_rate == pytest.approx(reverse, abs=1e-12)
    assert sample.mi_rate == pytest.approx(di + reverse, abs=1e-12)


@pytest.mark.parametrize(("p", "r"), [(0.1, 0.2), (0.05, 0.4), (0.3, 0.3)])
def test_feedback_xor_delay0_rates_equal_exact_block_di(p: float, r: float) -> None:
    m = 3
    di, reverse = _block_di_terms(_feedback_block_delay0(p, r, m), m)
    sample = feedback_xor(10, p=p, r=r, delay=0, rng=0)
    assert sample.di_rate == pytest.approx(di, abs=1e-12)
    assert sample.reverse_di_rate == pytest.approx(reverse, abs=1e-12)
    assert sample.di_rate < sample.mi_rate  # feedback: DI differs from MI


@pytest.mark.parametrize(("p", "r"), [(0.1, 0.2), (0.25, 0.05)])
def test_feedback_xor_delay1_rates_equal_exact_block_di(p: float, r: float) -> None:
    m = 4  # both marginals are second-order Markov
    di, reverse = _block_di_terms(_feedback_block_delay1(p, r, m), m)
    sample = feedback_xor(10, p=p, r=r, delay=1, rng=0)
    assert sample.di_rate == pytest.approx(di, abs=1e-12)
    assert sample.reverse_di_rate == pytest.approx(reverse, abs=1e-12)


@pytest.mark.parametrize("delay", [0, 1, 3])
def test_feedback_xor_samples_follow_the_channel_equations(delay: int) -> None:
    s = feedback_xor(50_000, p=0.1, r=0.2, delay=delay, rng=7)
    y_errors = np.mean(s.y[delay:] != s.x[: s.x.size - delay])
    x_errors = np.mean(s.x[1:] != s.y[:-1])
    assert y_errors == pytest.approx(0.1, abs=0.01)
    assert x_errors == pytest.approx(0.2, abs=0.01)
    assert s.x.mean() == pytest.approx(0.5, abs=0.02) and s.y.mean() == pytest.approx(0.5, abs=0.02)


def _hmm_erasure_entropies(flip: float, erasure: float, m: int) -> tuple[float, float]:
    """Cover-Thomas bounds H(Y_m|Y^{m-1}, S_1) <= H(Y) <= H(Y_m|Y^{m-1}) by a forward pass.

    Hidden state S_i = X_{i-d} (a symmetric Markov chain), Y_i = S_i or 2 (erased).
    """
    emit = np.array([[1 - erasure, 0.0, erasure], [0.0, 1 - erasure, erasure]])  # emit[s, y]
    trans = np.array([[1 - flip, flip], [flip, 1 - flip]])

    def block_entropies(length: int, given_start: bool) -> float:
        ys = np.array(list(itertools.product(range(3), repeat=length)))
        total = 0.0
        starts = [0, 1] if given_start else [None]
        for start in starts:
            alpha = np.tile(np.array([0.5, 0.5]) if start is None else np.eye(2)[start], (ys.shape[0], 1))
            for i in range(length):
                if i > 0:
                    alpha = alpha @ trans
                alpha = alpha * emit[:, ys[:, i]].T
            probs = alpha.sum(axis=1)
            probs = probs[probs > 0]
            weight = 1.0 if start is None else 0.5
            total += weight * float(-(probs * np.log2(probs)).sum())
        return total

    upper = block_entropies(m, False) - block_entropies(m - 1, False)
    lower = block_entropies(m, True) - block_entropies(m - 1, True)
    return lower, upper


@pytest.mark.parametrize(("flip", "erasure"), [(0.1, 0.3), (0.25, 0.2), (0.5, 0.4)])
def test_markov_erasure_rate_lies_in_cover_thomas_bracket(flip: float, erasure: float) -> None:
    lower, upper = _hmm_erasure_entropies(flip, erasure, m=9)
    rate = markov_erasure_rate(flip, erasure)
    h_causal = binary_entropy(erasure)  # H(Y || X): only the erasures are random
    assert lower - h_causal - 1e-12 <= rate <= upper - h_causal + 1e-12
    assert upper - lower < 2e-3


def test_markov_erasure_limits() -> None:
    assert markov_erasure_rate(0.5, 0.3) == pytest.approx(0.7, abs=1e-12)  # i.i.d. input: 1 - e
    assert markov_erasure_rate(0.2, 1.0) == 0.0
    s = markov_erasure(20_000, flip=0.2, erasure=0.3, delay=2, rng=1)
    observed = s.y[2:] != 2
    assert np.mean(~observed) == pytest.approx(0.3, abs=0.02)
    assert np.all(s.y[2:][observed] == s.x[:-2][observed])
    assert s.reverse_di_rate == 0.0 and s.mi_rate == s.di_rate


# ----------------------------------------------------------------- Gaussian VAR(1)


def _kolmogorov_szego(a: np.ndarray, cov: np.ndarray, component: int) -> float:
    def log_spectrum(w: float) -> float:
        transfer = np.linalg.inv(np.eye(2) - a * np.exp(-1j * w))
        return float(np.log((transfer @ cov @ transfer.conj().T)[component, component].real))

    integral, _ = quad(log_spectrum, -np.pi, np.pi, limit=400, epsabs=1e-11, epsrel=1e-11)
    return math.exp(integral / (2 * np.pi))


def _finite_past_error(a: np.ndarray, cov: np.ndarray, component: int, lags: int) -> float:
    """Var(Y_t | Y_{t-1}, ..., Y_{t-lags}) from the stationary autocovariances."""
    gamma0 = solve_discrete_lyapunov(a, cov)
    autocov = [gamma0]
    for _ in range(lags):
        autocov.append(a @ autocov[-1])
    c = np.array([autocov[k][component, component] for k in range(lags + 1)])
    toeplitz = np.array([[c[abs(i - j)] for j in range(lags)] for i in range(lags)])
    return float(c[0] - c[1:] @ np.linalg.solve(toeplitz, c[1:]))


@given(gaussian_var1_parameters(max_radius=0.8), st.sampled_from([0, 1]))
def test_gaussian_innovation_variance_equals_kolmogorov_szego_integral(params, component: int) -> None:
    a, cov = params
    exact = gaussian_innovation_variance(a, cov, component)
    assert exact == pytest.approx(_kolmogorov_szego(a, cov, component), rel=1e-8)


@given(gaussian_var1_parameters(max_radius=0.6), st.sampled_from([0, 1]))
def test_gaussian_innovation_variance_is_limit_of_finite_past_prediction_error(params, component: int) -> None:
    a, cov = params
    exact = gaussian_innovation_variance(a, cov, component)
    finite = _finite_past_error(a, cov, component, lags=60)
    assert finite >= exact * (1 - 1e-9)
    assert finite == pytest.approx(exact, rel=1e-7)


def test_gaussian_var1_rates_of_simple_cases() -> None:
    di, reverse, mi = gaussian_var1_rates([[0.0, 0.0], [0.8, 0.5]], np.eye(2))
    assert di == pytest.approx(0.5 * math.log2(1 + 0.64)) and reverse == 0.0 and mi == di
    # instantaneous loop X_t = b Y_{t-1} + E_x, Y_t = c X_t + E_y (b = 0.6, c = 0.7)
    di, reverse, _ = gaussian_var1_rates([[0.0, 0.6], [0.0, 0.42]], [[1.0, 0.7], [0.7, 1.49]])
    assert di == pytest.approx(0.5 * math.log2(1.49)) and reverse == pytest.approx(0.5 * math.log2(1.36))
    assert gaussian_var1_rates(np.diag([0.5, -0.3]), np.eye(2)) == pytest.approx((0.0, 0.0, 0.0), abs=1e-12)


def test_gaussian_var1_sample_has_the_stationary_covariance() -> None:
    a, cov = np.array([[0.5, 0.2], [0.3, 0.4]]), np.array([[1.0, 0.3], [0.3, 2.0]])
    s = gaussian_var1(100_000, a, cov, rng=3)
    sample_cov = np.cov(np.vstack([s.x, s.y]))
    assert np.allclose(sample_cov, solve_discrete_lyapunov(a, cov), rtol=0.05)
    lag1 = np.mean(s.y[1:] * s.x[:-1])
    assert lag1 == pytest.approx((a @ solve_discrete_lyapunov(a, cov))[1, 0], abs=0.03)


# ----------------------------------------------------------------- validation and strategies


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: bsc_delay(0, 0.1), "n"),
        (lambda: bsc_delay(10, 1.5), "p"),
        (lambda: bsc_delay(10, 0.1, delay=-1), "delay"),
        (lambda: feedback_xor(10, 0.1, -0.2), "r"),
        (lambda: markov_erasure(10, 0.1, 2.0), "erasure"),
        (lambda: independent_discrete(10, 0, 2), "x_alphabet"),
        (lambda: gaussian_var1(10, [[1.2, 0.0], [0.0, 0.0]]), "coefficients"),
        (lambda: gaussian_var1(10, np.eye(3) * 0.1), "coefficients"),
        (lambda: gaussian_var1(10, np.eye(2) * 0.1, [[1.0, 2.0], [2.0, 1.0]]), "noise_cov"),
        (lambda: processes("symbolic"), "kind"),
    ],
)
def test_generators_refuse_bad_parameters_naming_the_field(call, field: str) -> None:
    with pytest.raises(InvalidInput, match=f"^{field}:"):
        call()


def test_generators_are_deterministic_under_a_seed() -> None:
    for make in (
        lambda: bsc_delay(100, 0.2, rng=5),
        lambda: feedback_xor(100, 0.1, 0.3, delay=2, rng=5),
        lambda: markov_erasure(100, 0.1, 0.3, rng=5),
        lambda: independent_discrete(100, 3, 2, rng=5),
        lambda: independent_gaussian(100, rng=5),
    ):
        first, second = make(), make()
        assert np.array_equal(first.x, second.x) and np.array_equal(first.y, second.y)


@given(discrete_processes(min_n=5, max_n=40, memory=2))
def test_discrete_strategy_samples_obey_conservation_and_di_le_mi(sample) -> None:
    assert sample.x.shape == sample.y.shape and sample.x.dtype.kind == "i"
    assert sample.mi_rate == pytest.approx(sample.di_rate + sample.reverse_di_rate, abs=1e-12)
    assert -1e-12 <= sample.di_rate <= sample.mi_rate + 1e-12
    assert -1e-12 <= sample.reverse_di_rate <= sample.mi_rate + 1e-12


@given(continuous_processes(min_n=5, max_n=40))
def test_continuous_strategy_samples_obey_conservation_and_di_le_mi(sample) -> None:
    assert np.all(np.isfinite(sample.x)) and np.all(np.isfinite(sample.y))
    assert sample.mi_rate == pytest.approx(sample.di_rate + sample.reverse_di_rate, abs=1e-12)
    assert -1e-12 <= sample.di_rate <= sample.mi_rate + 1e-12

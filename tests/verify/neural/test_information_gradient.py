"""Score-based information gradient (Wadayama) and denoising score matching."""

from __future__ import annotations

import math

import numpy as np
import pytest

jax = pytest.importorskip("jax")

import jax.numpy as jnp  # noqa: E402
from scipy import integrate  # noqa: E402

from dicert.verify.errors import InvalidInput  # noqa: E402
from dicert.verify.neural import (  # noqa: E402
    fit_denoising_score,
    frobenius_ball,
    gaussian_score,
    information_gradient,
    linear_gaussian_channel_scores,
    linear_gaussian_mutual_information,
    maximize_information,
)

H = np.array([[1.0, 0.4, -0.3], [0.2, 0.8, 0.5]])
SIGMA_X = np.array([[1.0, 0.3, 0.0], [0.3, 1.5, 0.2], [0.0, 0.2, 0.7]])
NOISE_VAR = 0.5


def _exact_gradient_nats(h: np.ndarray) -> np.ndarray:
    """jax.grad of 1/2 log det(I + H Sigma H^T / sigma^2): an independent route to the gradient."""

    def mi(hm: jax.Array) -> jax.Array:
        return 0.5 * jnp.linalg.slogdet(jnp.eye(2) + hm @ SIGMA_X @ hm.T / NOISE_VAR)[1]

    return np.asarray(jax.grad(mi)(jnp.asarray(h, jnp.float32)))


def _linear_batch(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)) @ np.linalg.cholesky(SIGMA_X).T
    return x, rng.normal(size=(n, 2))


def _linear_channel(h: jax.Array, x: jax.Array, noise: jax.Array) -> jax.Array:
    return x @ h.T + math.sqrt(NOISE_VAR) * noise


def test_analytic_gradient_equals_C_inverse_H_Sigma() -> None:
    """Sanity of the reference: d/dH 1/2 logdet(C) = C^{-1} H Sigma_x."""
    c = H @ SIGMA_X @ H.T + NOISE_VAR * np.eye(2)
    np.testing.assert_allclose(_exact_gradient_nats(H), np.linalg.solve(c, H @ SIGMA_X), atol=1e-5)


def test_score_gradient_with_analytic_scores_matches_logdet_gradient() -> None:
    x, noise = _linear_batch(100_000, 0)
    marginal, conditional = linear_gaussian_channel_scores(H, SIGMA_X, NOISE_VAR)
    h = jnp.asarray(H, jnp.float32)
    grad = np.asarray(information_gradient(_linear_channel, h, x, noise, marginal, conditional, base="e"))
    exact = _exact_gradient_nats(H)
    assert np.abs(grad - exact).max() < 0.02, (grad, exact)
    bits = information_gradient(_linear_channel, jnp.asarray(H, jnp.float32), x, noise, marginal, conditional)
    np.testing.assert_allclose(np.asarray(bits), grad / math.log(2), atol=1e-4)


@pytest.mark.slow
def test_score_gradient_with_learned_scores_matches_logdet_gradient() -> None:
    """Marginal and conditional scores both learned by DSM on the channel's own noise (Tweedie)."""
    x, noise = _linear_batch(20_000, 1)
    y = x @ H.T + math.sqrt(NOISE_VAR) * noise
    marginal = fit_denoising_score(y, noise, math.sqrt(NOISE_VAR), steps=600, rng=0)
    conditional = fit_denoising_score(y, noise, math.sqrt(NOISE_VAR), condition=x, steps=600, rng=1)
    x2, noise2 = _linear_batch(100_000, 2)
    grad = information_gradient(
        _linear_channel, jnp.asarray(H, jnp.float32), x2, noise2, marginal, lambda yy, xx: conditional(yy, xx), base="e"
    )
    exact = _exact_gradient_nats(H)
    error = np.abs(np.asarray(grad) - exact).max()
    assert error < 0.05, (np.asarray(grad), exact, error)


def _bpsk_mi_nats(theta: float, sigma: float) -> float:
    """I(X;Y) for X uniform on {-1, 1}, Y = tanh(theta X) + sigma N, by quadrature: h(Y) - h(N)."""
    u = math.tanh(theta)

    def density(y: float) -> float:
        return 0.5 * (math.exp(-((y - u) ** 2) / (2 * sigma**2)) + math.exp(-((y + u) ** 2) / (2 * sigma**2))) / (
            math.sqrt(2 * math.pi) * sigma
        )

    def integrand(y: float) -> float:
        p = density(y)
        return -p * math.log(p) if p > 0 else 0.0

    h_y = integrate.quad(integrand, -u - 12 * sigma, u + 12 * sigma, limit=200)[0]
    return h_y - 0.5 * math.log(2 * math.pi * math.e * sigma**2)


def test_nonlinear_channel_gradient_matches_finite_difference_of_quadrature_mi() -> None:
    """Y = tanh(theta X) + sigma N, BPSK X: learned marginal score, analytic conditional score."""
    theta, sigma = 0.6, 0.5
    rng = np.random.default_rng(3)
    n = 20_000
    x = rng.choice([-1.0, 1.0], size=(n, 1))
    noise = rng.normal(size=(n, 1))

    def channel(t: jax.Array, xx: jax.Array, nn: jax.Array) -> jax.Array:
        return jnp.tanh(t * xx) + sigma * nn

    y = np.tanh(theta * x) + sigma * noise
    marginal = fit_denoising_score(y, noise, sigma, steps=600, rng=0)
    conditional = lambda yy, xx: -(yy - jnp.tanh(theta * xx)) / sigma**2  # noqa: E731
    x2 = rng.choice([-1.0, 1.0], size=(100_000, 1))
    n2 = rng.normal(size=(100_000, 1))
    grad = float(information_gradient(channel, jnp.float32(theta), x2, n2, marginal, conditional, base="e"))
    step = 1e-3
    exact = (_bpsk_mi_nats(theta + step, sigma) - _bpsk_mi_nats(theta - step, sigma)) / (2 * step)
    assert abs(grad - exact) < 0.03 * max(1.0, abs(exact)), (grad, exact)


def _water_filling_capacity_nats(h: np.ndarray, power: float, noise_var: float) -> float:
    gains = np.sort(np.linalg.eigvalsh(h.T @ h / noise_var))[::-1]
    for active in range(len(gains), 0, -1):
        level = (power + np.sum(1.0 / gains[:active])) / active
        if level > 1.0 / gains[active - 1]:
            return float(0.5 * np.sum(np.log(level * gains[:active])))
    raise AssertionError("no active eigenmode")


def test_gradient_ascent_increases_mi_and_reaches_water_filling_under_power_constraint() -> None:
    h_channel = np.array([[1.0, 0.3], [0.0, 0.5]])
    power, noise_var = 2.0, 1.0

    def channel(p: jax.Array, x: jax.Array, noise: jax.Array) -> jax.Array:
        return x @ (h_channel @ p).T + noise

    def draw(gen: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        return gen.normal(size=(4000, 2)), gen.normal(size=(4000, 2))

    def scores(p: jax.Array) -> tuple:
        return linear_gaussian_channel_scores(h_channel @ np.asarray(p), np.eye(2), noise_var)

    start = jnp.array([[0.1, 0.0], [0.0, 0.1]])
    result = maximize_information(
        channel, start, draw, scores, frobenius_ball(power), steps=60, learning_rate=0.5, base="e", rng=0
    )
    mi = [
        linear_gaussian_mutual_information(h_channel @ np.asarray(p), np.eye(2), noise_var, base="e")
        for p in result.path
    ]
    assert all(float(np.sum(np.asarray(p) ** 2)) <= power * (1 + 1e-5) for p in result.path[1:])
    assert mi[10] > mi[0] + 0.2 and mi[-1] >= max(mi[:10]) - 1e-3
    capacity = _water_filling_capacity_nats(h_channel, power, noise_var)
    assert mi[-1] <= capacity + 1e-6
    assert capacity - mi[-1] < 0.01, (mi[-1], capacity)


def test_gaussian_score_is_minus_precision_times_centred_y() -> None:
    cov = np.array([[2.0, 0.5], [0.5, 1.0]])
    y = np.array([[1.0, -2.0], [0.5, 0.0]])
    expected = -(y - [1.0, 1.0]) @ np.linalg.inv(cov).T
    np.testing.assert_allclose(np.asarray(gaussian_score(cov, mean=[1.0, 1.0])(y)), expected, rtol=1e-5)


def test_learned_gaussian_marginal_score_is_linear_minus_C_inverse() -> None:
    x, noise = _linear_batch(20_000, 4)
    y = x @ H.T + math.sqrt(NOISE_VAR) * noise
    score = fit_denoising_score(y, noise, math.sqrt(NOISE_VAR), steps=600, rng=0)
    probe = np.random.default_rng(5).normal(size=(500, 2))
    exact = -probe @ np.linalg.inv(H @ SIGMA_X @ H.T + NOISE_VAR * np.eye(2)).T
    error = np.asarray(score(probe)) - exact
    assert np.sqrt(np.mean(error**2)) < 0.05 * np.sqrt(np.mean(exact**2)), np.sqrt(np.mean(error**2))


def test_bad_inputs_raise_invalid_input_naming_the_field() -> None:
    marginal, conditional = linear_gaussian_channel_scores(H, SIGMA_X, NOISE_VAR)
    with pytest.raises(InvalidInput, match="noise: batch size"):
        information_gradient(_linear_channel, jnp.asarray(H), np.zeros((5, 3)), np.zeros((4, 2)), marginal, conditional)
    with pytest.raises(InvalidInput, match="marginal_score"):
        information_gradient(
            _linear_channel, jnp.asarray(H), np.zeros((5, 3)), np.zeros((5, 2)), lambda y: y[:, :1], conditional
        )
    with pytest.raises(InvalidInput, match="input_cov"):
        linear_gaussian_channel_scores(H, np.eye(2), 1.0)
    with pytest.raises(InvalidInput, match="noise_var"):
        linear_gaussian_mutual_information(H, SIGMA_X, 0.0)
    with pytest.raises(InvalidInput, match="power"):
        frobenius_ball(-1.0)
    with pytest.raises(InvalidInput, match="noise_std"):
        fit_denoising_score(np.zeros((5, 1)), np.zeros((5, 1)), 0.0)
    with pytest.raises(InvalidInput, match="condition"):
        fit_denoising_score(np.zeros((5, 1)), np.zeros((5, 1)), 1.0, condition=np.zeros((4, 1)))
    with pytest.raises(InvalidInput, match="noisy"):
        fit_denoising_score(np.full((5, 1), np.nan), np.zeros((5, 1)), 1.0)

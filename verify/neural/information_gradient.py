"""Score-based information gradient for directed acyclic graphs (Wadayama, ``seeds/000_...txt``).

A stochastic DAG maps a source :math:`X` and independent noises :math:`N` to an
output :math:`Y = f_\\theta(X, N)`, differentiable in the parameters
:math:`\\theta` of any node. Writing :math:`I(X;Y) = h(Y) - h(Y\\mid X)` and
differentiating :math:`h(Y) = -\\mathbb E\\log p_\\theta(f_\\theta(X, N))`, the
term :math:`\\mathbb E[\\partial_\\theta \\log p_\\theta(y)]_{y=Y} = \\int
\\partial_\\theta p_\\theta = 0` drops out, leaving only the path derivative; the
same holds for :math:`h(Y\\mid X)`. Hence

.. math::
    \\nabla_\\theta I(X;Y) = \\mathbb E\\Big[ J_\\theta(X, N)^{\\mathsf T}
    \\big( s_{Y\\mid X}(Y\\mid X) - s_Y(Y) \\big) \\Big],
    \\qquad J_\\theta = \\partial f_\\theta(X, N)/\\partial\\theta,

with the marginal score :math:`s_Y = \\nabla_y\\log p_Y` and the conditional
score :math:`s_{Y\\mid X} = \\nabla_y \\log p_{Y\\mid X}`. The expectation over a
batch is one vector-Jacobian product (:func:`jax.vjp`) of the DAG's forward map
with cotangent :math:`(s_{Y\\mid X} - s_Y)/B`. The scores are analytic (Gaussian
cases: :func:`gaussian_score`, :func:`linear_gaussian_channel_scores`) or learned
by denoising score matching (:mod:`dicert.verify.neural.score_matching`).

Examples
--------
>>> import jax.numpy as jnp, numpy as np
>>> from dicert.verify.neural.information_gradient import (
...     information_gradient, linear_gaussian_channel_scores)
>>> h = jnp.array([[1.0, 0.5], [0.0, 1.0]])
>>> rng = np.random.default_rng(0)
>>> x, n = rng.normal(size=(20000, 2)), rng.normal(size=(20000, 2))
>>> channel = lambda h, x, n: x @ h.T + 0.7 * n
>>> marginal, conditional = linear_gaussian_channel_scores(h, np.eye(2), 0.49)
>>> g = information_gradient(channel, h, x, n, marginal, conditional, base="e")
>>> exact = np.linalg.solve(h @ h.T + 0.49 * np.eye(2), h)  # C^{-1} H Sigma_x
>>> bool(np.abs(np.asarray(g) - exact).max() < 0.05)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
from numpy.typing import ArrayLike

from dicert.verify.errors import InvalidInput
from dicert.verify.estimators.protocol import check_int_param, log_base

__all__ = [
    "information_gradient",
    "gaussian_score",
    "linear_gaussian_channel_scores",
    "linear_gaussian_mutual_information",
    "frobenius_ball",
    "maximize_information",
    "AscentResult",
]

Channel = Callable[[Any, jax.Array, jax.Array], jax.Array]
MarginalScore = Callable[[jax.Array], jax.Array]
ConditionalScore = Callable[[jax.Array, jax.Array], jax.Array]


def _batch(values: ArrayLike, name: str) -> jax.Array:
    array = jnp.asarray(values, dtype=jnp.float32)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] < 1:
        raise InvalidInput(f"{name}: expected an array of shape (batch, dimension), got shape {array.shape}")
    return array


def information_gradient(
    channel: Channel,
    params: Any,
    x: ArrayLike,
    noise: ArrayLike,
    marginal_score: MarginalScore,
    conditional_score: ConditionalScore,
    base: float | str = 2,
) -> Any:
    """Estimate :math:`\\nabla_\\theta I(X;Y)` for :math:`Y = f_\\theta(X, N)` from a batch.

    Parameters
    ----------
    channel : callable
        ``channel(params, x, noise) -> y``, the DAG's forward map on a batch
        (``x`` of shape ``(B, d_x)``, ``noise`` of shape ``(B, d_n)``, ``y`` of
        shape ``(B, d_y)``), differentiable in ``params`` (any pytree).
    params : pytree
        The point :math:`\\theta` at which the gradient is taken.
    x, noise : array_like
        A batch of source samples and of the noises of the DAG.
    marginal_score : callable
        ``marginal_score(y) -> (B, d_y)``, :math:`\\nabla_y \\log p_Y(y)`.
    conditional_score : callable
        ``conditional_score(y, x) -> (B, d_y)``, :math:`\\nabla_y \\log p_{Y\\mid X}(y\\mid x)`.
    base : float or "e", default 2
        Unit of the information (2: bits per unit of :math:`\\theta`).

    Returns
    -------
    pytree
        The gradient, with the structure of ``params``.

    Examples
    --------
    >>> import jax.numpy as jnp, numpy as np
    >>> channel = lambda a, x, n: a * x + n          # Y = aX + N, X, N ~ N(0, 1)
    >>> rng = np.random.default_rng(1)
    >>> x, n = rng.normal(size=(50000, 1)), rng.normal(size=(50000, 1))
    >>> a = jnp.float32(2.0)
    >>> g = information_gradient(channel, a, x, n, lambda y: -y / (1 + a**2), lambda y, x: -(y - a * x), base="e")
    >>> round(float(g), 1)  # d/da 1/2 log(1 + a^2) = a / (1 + a^2) = 0.4
    0.4
    """
    xb, nb = _batch(x, "x"), _batch(noise, "noise")
    if xb.shape[0] != nb.shape[0]:
        raise InvalidInput(f"noise: batch size {nb.shape[0]} differs from x: batch size {xb.shape[0]}, expected equal")
    y, pullback = jax.vjp(lambda p: channel(p, xb, nb), params)
    y = jax.lax.stop_gradient(y)
    conditional, marginal = jnp.asarray(conditional_score(y, xb)), jnp.asarray(marginal_score(y))
    for name, scores in (("conditional_score", conditional), ("marginal_score", marginal)):
        if scores.shape != y.shape:
            raise InvalidInput(f"{name}: scores of shape {scores.shape}, expected the output shape {y.shape}")
    difference = conditional - marginal
    (gradient,) = pullback(difference / (y.shape[0] * log_base(base)))
    return gradient


def gaussian_score(cov: ArrayLike, mean: ArrayLike | None = None) -> MarginalScore:
    """Score :math:`y\\mapsto -\\Sigma^{-1}(y - \\mu)` of :math:`N(\\mu, \\Sigma)`, on batches of rows.

    Examples
    --------
    >>> import numpy as np
    >>> s = gaussian_score(np.diag([1.0, 4.0]))
    >>> np.asarray(s(np.array([[2.0, 2.0]]))).tolist()
    [[-2.0, -0.5]]
    """
    c = jnp.asarray(cov, dtype=jnp.float32)
    c = c.reshape(1, 1) if c.ndim == 0 else c
    if c.ndim != 2 or c.shape[0] != c.shape[1]:
        raise InvalidInput(f"cov: expected a square matrix, got shape {c.shape}")
    precision = jnp.linalg.inv(c)
    mu = jnp.zeros(c.shape[0]) if mean is None else jnp.asarray(mean, dtype=jnp.float32)
    return lambda y: -(jnp.asarray(y) - mu) @ precision.T


def linear_gaussian_channel_scores(
    h: ArrayLike, input_cov: ArrayLike, noise_var: float
) -> tuple[MarginalScore, ConditionalScore]:
    """Analytic scores of :math:`Y = HX + N`, :math:`X\\sim N(0,\\Sigma_x)`, :math:`N\\sim N(0,\\sigma^2 I)`.

    Marginal: :math:`-(H\\Sigma_x H^{\\mathsf T} + \\sigma^2 I)^{-1} y`; conditional:
    :math:`-(y - Hx)/\\sigma^2`.

    Examples
    --------
    >>> import numpy as np
    >>> marginal, conditional = linear_gaussian_channel_scores(np.eye(1), np.eye(1), 1.0)
    >>> float(marginal(np.array([[2.0]]))[0, 0]), float(conditional(np.array([[2.0]]), np.array([[1.0]]))[0, 0])
    (-1.0, -1.0)
    """
    hm = jnp.atleast_2d(jnp.asarray(h, dtype=jnp.float32))
    sx = jnp.atleast_2d(jnp.asarray(input_cov, dtype=jnp.float32))
    if sx.shape != (hm.shape[1], hm.shape[1]):
        raise InvalidInput(f"input_cov: expected shape {(hm.shape[1], hm.shape[1])} to match h, got {sx.shape}")
    if not noise_var > 0:
        raise InvalidInput(f"noise_var: expected a number > 0, got {noise_var!r}")
    marginal = gaussian_score(hm @ sx @ hm.T + noise_var * jnp.eye(hm.shape[0]))
    return marginal, lambda y, x: -(jnp.asarray(y) - jnp.asarray(x) @ hm.T) / noise_var


def linear_gaussian_mutual_information(
    h: ArrayLike, input_cov: ArrayLike, noise_var: float, base: float | str = 2
) -> float:
    """:math:`I(X;Y) = \\tfrac12\\log\\det(I + H\\Sigma_x H^{\\mathsf T}/\\sigma^2)` for :math:`Y = HX + N`.

    Examples
    --------
    >>> linear_gaussian_mutual_information([[1.0]], [[3.0]], 1.0)  # 1/2 log2(4)
    1.0
    """
    hm = np.atleast_2d(np.asarray(h, dtype=np.float64))
    sx = np.atleast_2d(np.asarray(input_cov, dtype=np.float64))
    if sx.shape != (hm.shape[1], hm.shape[1]):
        raise InvalidInput(f"input_cov: expected shape {(hm.shape[1], hm.shape[1])} to match h, got {sx.shape}")
    if not noise_var > 0:
        raise InvalidInput(f"noise_var: expected a number > 0, got {noise_var!r}")
    sign, logdet = np.linalg.slogdet(np.eye(hm.shape[0]) + hm @ sx @ hm.T / noise_var)
    return float(0.5 * logdet / log_base(base))


def frobenius_ball(power: float) -> Callable[[Any], Any]:
    """Projection onto :math:`\\{\\theta : \\sum \\theta^2 \\le P\\}` (all leaves of the pytree together).

    For a precoder :math:`Y = HPX + N` with :math:`X\\sim N(0, I)` this is the
    transmit power constraint :math:`\\mathbb E\\|PX\\|^2 = \\|P\\|_F^2 \\le P`.

    Examples
    --------
    >>> import numpy as np
    >>> float(np.sum(np.asarray(frobenius_ball(1.0)(np.array([3.0, 4.0]))) ** 2))
    1.0
    """
    if not power > 0:
        raise InvalidInput(f"power: expected a number > 0, got {power!r}")

    def project(params: Any) -> Any:
        norm2 = sum(jnp.sum(jnp.square(leaf)) for leaf in jax.tree_util.tree_leaves(params))
        factor = jnp.minimum(1.0, jnp.sqrt(power / jnp.maximum(norm2, 1e-30)))
        return jax.tree_util.tree_map(lambda leaf: leaf * factor, params)

    return project


@dataclass
class AscentResult:
    """Outcome of :func:`maximize_information`: final parameters and the path taken.

    Examples
    --------
    >>> AscentResult(params=1.0).path
    []
    """

    params: Any
    path: list[Any] = field(default_factory=list)
    gradient_norms: list[float] = field(default_factory=list)


def maximize_information(
    channel: Channel,
    params: Any,
    draw: Callable[[np.random.Generator], tuple[ArrayLike, ArrayLike]],
    scores: Callable[[Any], tuple[MarginalScore, ConditionalScore]],
    project: Callable[[Any], Any] | None = None,
    steps: int = 50,
    learning_rate: float = 0.1,
    base: float | str = 2,
    rng: np.random.Generator | int | None = None,
) -> AscentResult:
    """Projected gradient ascent of :math:`I(X;Y)` with the score-based information gradient.

    Each step draws a fresh batch ``(x, noise) = draw(rng)``, builds the scores
    at the current parameters with ``scores(params)`` (analytic, or a network
    re-fitted by :func:`~dicert.verify.neural.score_matching.fit_denoising_score`),
    moves along :func:`information_gradient` and projects back onto the feasible
    set (e.g. :func:`frobenius_ball` for a power constraint).

    Examples
    --------
    >>> import jax.numpy as jnp, numpy as np
    >>> channel = lambda p, x, n: x @ p.T + n
    >>> draw = lambda g: (g.normal(size=(2000, 1)), g.normal(size=(2000, 1)))
    >>> scores = lambda p: linear_gaussian_channel_scores(p, np.eye(1), 1.0)
    >>> out = maximize_information(channel, jnp.array([[1.0]]), draw, scores, frobenius_ball(4.0),
    ...                            steps=6, learning_rate=1.0, base="e", rng=0)
    >>> round(float(out.params[0, 0]) ** 2, 3)  # the power constraint is active at the optimum
    4.0
    """
    steps = check_int_param("steps", steps, 1)
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not learning_rate > 0:
        raise InvalidInput(f"learning_rate: expected a number > 0, got {learning_rate!r}")
    gen = np.random.default_rng(rng)
    result = AscentResult(params=params, path=[params])
    for _ in range(steps):
        x, noise = draw(gen)
        marginal, conditional = scores(result.params)
        gradient = information_gradient(channel, result.params, x, noise, marginal, conditional, base=base)
        norm = math.sqrt(sum(float(jnp.sum(jnp.square(g))) for g in jax.tree_util.tree_leaves(gradient)))
        moved = jax.tree_util.tree_map(lambda p, g: p + learning_rate * g, result.params, gradient)
        result.params = project(moved) if project is not None else moved
        result.path.append(result.params)
        result.gradient_norms.append(norm)
    return result

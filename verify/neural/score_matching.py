"""Score networks learned by denoising score matching (for the information gradient).

Given samples :math:`\\tilde Y = U + \\sigma\\varepsilon` with
:math:`\\varepsilon \\sim N(0, I)` independent of :math:`U` (and of a
conditioning variable :math:`C`), the minimiser over functions :math:`s` of the
denoising score-matching loss

.. math::
    \\mathbb E\\,\\big\\| s(\\tilde Y, C) + \\varepsilon/\\sigma \\big\\|^2

is :math:`s^*(\\tilde y, c) = -\\mathbb E[\\varepsilon\\mid\\tilde y, c]/\\sigma
= \\nabla_{\\tilde y}\\log p(\\tilde y\\mid c)` (Tweedie's formula; Vincent 2011).
Two uses:

* the *channel's own* Gaussian noise: when the output node of a DAG is
  :math:`Y = U + \\sigma N`, regressing on the noise the channel actually drew
  gives the exact score of :math:`p_Y` (or of :math:`p_{Y\\mid X}` with
  :math:`C = X`), without the smoothing bias of added noise;
* classic DSM: add artificial noise of small :math:`\\sigma` to samples; the
  network then learns the score of the smoothed density.

The network is an MLP plus a linear term (so Gaussian scores, which are
linear, are represented exactly), on standardised inputs, trained with Adam
inside one jit-compiled :func:`jax.lax.scan`.

Examples
--------
>>> import numpy as np
>>> from dicert.verify.neural.score_matching import fit_denoising_score
>>> rng = np.random.default_rng(0)
>>> u, eps = rng.normal(size=(2000, 1)), rng.normal(size=(2000, 1))
>>> score = fit_denoising_score(u + eps, eps, noise_std=1.0, steps=300, rng=0)
>>> bool(abs(float(score(np.array([[1.0]]))[0, 0]) + 0.5) < 0.1)  # N(0, 2): score -y/2
True
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, cast

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
from numpy.typing import ArrayLike, NDArray

from dicert.verify.errors import InvalidInput
from dicert.verify.estimators.protocol import check_int_param

__all__ = ["ScoreNetwork", "fit_denoising_score"]


class _ScoreMLP(nn.Module):
    """``linear(z) + MLP(z)`` with ``z`` the standardised (sample, condition) pair."""

    features: int
    hidden: int

    @nn.compact
    def __call__(self, z: jax.Array) -> jax.Array:
        deep = nn.Dense(self.features)(nn.silu(nn.Dense(self.hidden)(nn.silu(nn.Dense(self.hidden)(z)))))
        return nn.Dense(self.features)(z) + deep


@dataclass(frozen=True)
class ScoreNetwork:
    """A learned score :math:`s(y, c) \\approx \\nabla_y \\log p(y \\mid c)`; call it on a batch.

    Calling ``score(y)`` (or ``score(y, condition)``) with ``y`` of shape
    ``(batch, d)`` returns an array of the same shape. It is a pure JAX
    function of its inputs, usable inside :func:`jax.jit`.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> eps = rng.normal(size=(2000, 1))
    >>> s = fit_denoising_score(eps, eps, noise_std=1.0, steps=300, rng=1)  # pure noise: score -y
    >>> s(np.zeros((3, 1))).shape
    (3, 1)
    """

    module: _ScoreMLP
    params: Any
    shift: NDArray[np.float32]
    scale: NDArray[np.float32]
    noise_std: float
    conditional: bool

    def __call__(self, y: ArrayLike, condition: ArrayLike | None = None) -> jax.Array:
        """Score at ``y`` (given ``condition`` for a conditional score)."""
        y = jnp.asarray(y, jnp.float32)
        if self.conditional:
            if condition is None:
                raise InvalidInput("condition: this score network is conditional, expected an array (batch, d_c)")
            z = jnp.concatenate([y, jnp.asarray(condition, jnp.float32)], axis=-1)
        else:
            z = y
        # flax types apply as Any | (output, variables); the pair comes only with mutable=
        score = cast(jax.Array, self.module.apply(self.params, (z - self.shift) / self.scale))
        return score / self.noise_std


def _as_matrix(values: ArrayLike, name: str) -> NDArray[np.float32]:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[0] < 2:
        raise InvalidInput(f"{name}: expected an array of shape (samples, dimension) with >= 2 samples, got {array.shape}")
    if not np.isfinite(array).all():
        raise InvalidInput(f"{name}: expected finite numbers, found NaN or inf")
    return array.astype(np.float32)


def fit_denoising_score(
    noisy: ArrayLike,
    noise: ArrayLike,
    noise_std: float,
    condition: ArrayLike | None = None,
    hidden: int = 32,
    steps: int = 1000,
    learning_rate: float = 1e-2,
    rng: np.random.Generator | int | None = None,
) -> ScoreNetwork:
    """Learn :math:`\\nabla_y \\log p(y \\mid c)` from ``noisy = clean + noise_std * noise`` by DSM.

    Parameters
    ----------
    noisy : array_like, shape (n, d)
        Samples :math:`\\tilde y = u + \\sigma\\varepsilon`.
    noise : array_like, shape (n, d)
        The standard normal draws :math:`\\varepsilon` that produced them.
    noise_std : float
        :math:`\\sigma > 0`.
    condition : array_like, shape (n, d_c), optional
        Conditioning samples :math:`c` (independent of :math:`\\varepsilon`) for a
        conditional score.
    hidden : int, default 32
        Width of the two hidden layers.
    steps : int, default 1000
        Full-batch Adam steps.
    learning_rate : float, default 1e-2
        Adam step size.
    rng : Generator, int or None
        Seed of the initialisation.

    Returns
    -------
    ScoreNetwork

    Examples
    --------
    >>> import numpy as np
    >>> fit_denoising_score(np.zeros((5, 1)), np.zeros((4, 1)), 1.0)
    Traceback (most recent call last):
    dicert.graphs.errors.InvalidInput: noise: shape (4, 1) differs from noisy: shape (5, 1), expected equal shapes
    """
    y, eps = _as_matrix(noisy, "noisy"), _as_matrix(noise, "noise")
    if eps.shape != y.shape:
        raise InvalidInput(f"noise: shape {eps.shape} differs from noisy: shape {y.shape}, expected equal shapes")
    if isinstance(noise_std, bool) or not isinstance(noise_std, (int, float)) or not noise_std > 0:
        raise InvalidInput(f"noise_std: expected a number > 0, got {noise_std!r}")
    z = y
    if condition is not None:
        c = _as_matrix(condition, "condition")
        if c.shape[0] != y.shape[0]:
            raise InvalidInput(f"condition: {c.shape[0]} samples, expected {y.shape[0]} like noisy")
        z = np.concatenate([y, c], axis=1)
    hidden = check_int_param("hidden", hidden, 1)
    steps = check_int_param("steps", steps, 1)
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not learning_rate > 0:
        raise InvalidInput(f"learning_rate: expected a number > 0, got {learning_rate!r}")
    shift = z.mean(axis=0)
    scale = np.where(z.std(axis=0) > 0, z.std(axis=0), 1.0).astype(np.float32)
    seed = int(np.random.default_rng(rng).integers(0, 2**31))
    module = _ScoreMLP(features=y.shape[1], hidden=hidden)
    train = _score_trainer(y.shape[1], hidden, steps, float(learning_rate))
    params = train(jax.random.PRNGKey(seed), (z - shift) / scale, eps)
    return ScoreNetwork(module, params, shift, scale, float(noise_std), condition is not None)


@functools.lru_cache(maxsize=16)
def _score_trainer(features: int, hidden: int, steps: int, learning_rate: float) -> Any:
    """A jit-compiled ``(key, standardised inputs, noise) -> params`` minimising the DSM loss."""
    module = _ScoreMLP(features=features, hidden=hidden)
    optimiser = optax.adam(learning_rate)

    def loss(params: Any, z: jax.Array, eps: jax.Array) -> jax.Array:
        # flax types apply as Any | (output, variables); the pair comes only with mutable=
        score = cast(jax.Array, module.apply(params, z))
        return jnp.mean(jnp.sum((score + eps) ** 2, axis=-1))

    @jax.jit
    def train(key: jax.Array, z: jax.Array, eps: jax.Array) -> Any:
        params = module.init(key, z[:1])
        state = optimiser.init(params)

        def step(carry: tuple, _: None) -> tuple[tuple, None]:
            params, state = carry
            grads = jax.grad(loss)(params, z, eps)
            updates, state = optimiser.update(grads, state, params)
            return (optax.apply_updates(params, updates), state), None

        (params, _), _ = jax.lax.scan(step, (params, state), None, length=steps)
        return params

    return train

"""Feedback capacity by reinforcement learning on the belief MDP (monograph sec. 4.6).

The environment (sec. 4.6.1, Fig. 4.6b) is the belief MDP of Table 4.1 for any
unifilar FSC ``P(y|x,s)``, ``s' = f(s,x,y)``: state ``z = beta = P(s|y^t)``,
action a stochastic matrix ``u = Pi(s,x)`` (respecting ``allowed``),
disturbance ``w = y ~ P(y|beta,Pi)`` (4.23), next state the BCJR update
``F(beta,Pi,y)`` (4.24), reward ``g(beta,Pi) = I(X,S;Y|beta,Pi)`` in bits, whose
optimal average reward (4.22), the ``rho`` of the Bellman equation (4.26)-(4.29),
is the feedback capacity.  :class:`BeliefEnvironment` evaluates all of it in JAX
(vectorised, differentiable in ``Pi``).

The policy is a deterministic actor ``A_mu(beta) -> Pi`` (an MLP with a
row-wise softmax).  It is trained by **policy optimisation by unfolding** (POU,
sec. 4.6.3, Algorithm 2): ``B`` belief chains are unrolled for ``n`` steps with
sampled outputs (4.75) and the actor ascends the ``n``-step average reward
(4.76)-(4.77), each unroll starting where the last ended (``z_0 = z_n``) and
every episode from beliefs drawn uniformly on the simplex.  The pathwise
derivative of (4.76) holds the sampled outputs fixed; with
``score_function=True`` (default) the likelihood-ratio term
``sum_t d log P(y_t|beta_{t-1},Pi_t) * (sum_{k>t} r_k - baseline)`` is added, so
the gradient is that of the expected ``n``-step reward.  The whole training
loop is one jit-compiled :func:`jax.lax.scan`; several seeds are trained at
once with :func:`jax.vmap` and the best one (by an independent Monte Carlo
evaluation) is kept.

``rho_MC`` (Algorithm 2, last line) is the average reward of the trained policy
on long simulated paths: an *estimate* of a lower bound of the capacity (any
stationary policy's average reward is achievable), never a bound itself.  The
proven bracket comes from the Q-graph read off the visited beliefs
(:func:`~dicert.verify.neural.rl_discovery.rl_discover`, reusing
:func:`dicert.verify.capacity.discover.extract_qgraph`) and the certificate machinery.

Examples
--------
>>> from dicert.verify.channels import parse_channel
>>> from dicert.verify.neural.rl import train_pou
>>> result = train_pou(parse_channel("bsc:p=0.1"), updates=50, seeds=1, evaluation_steps=200, rng=0)
>>> abs(result.rho_mc - 0.531004) < 0.01  # memoryless: the uniform input is optimal
True
"""

from __future__ import annotations

import functools
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax

from dicert.verify._numeric import entropy_bits
from dicert.verify.channels.core import _StateLawSizes  # n_states, n_inputs, n_outputs of law[s, x, y, ...]
from dicert.verify.errors import InvalidInput
from dicert.verify.estimators.protocol import check_int_param

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import Channel, UnifilarSource

__all__ = [
    "BeliefEnvironment",
    "PolicyNetwork",
    "RLResult",
    "train_pou",
    "evaluate_policy_mc",
    "simulate_policy",
    "RLDiscovery",
    "rl_discover",
]


@dataclass(frozen=True)
class BeliefEnvironment(_StateLawSizes):
    """The belief MDP of a unifilar FSC (Table 4.1) as JAX arrays; methods work on batches.

    Attributes
    ----------
    law, onehot, allowed, cond_entropy:
        ``P(y|x,s)`` (S, X, Y; its sizes are ``n_states``, ``n_inputs``, ``n_outputs``); ``1{f(s,x,y) = s'}`` (S, X, Y, S'); allowed inputs
        (S, X); ``H(Y|X=x,S=s)`` in bits (S, X).
    name:
        Channel name.

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify.channels import parse_channel
    >>> env = BeliefEnvironment.from_channel(parse_channel("ising"))
    >>> p_y, nb, r = env.step(np.array([1.0, 0.0]), np.full((2, 2), 0.5))
    >>> np.round(np.asarray(p_y, float), 4).tolist(), np.round(np.asarray(nb, float), 4).tolist(), round(float(r), 4)
    ([0.75, 0.25], [[0.6667, 0.3333], [0.0, 1.0]], 0.3113)
    """

    law: jax.Array
    onehot: jax.Array
    allowed: jax.Array
    cond_entropy: jax.Array
    name: str

    @classmethod
    def from_channel(cls, channel: UnifilarSource) -> BeliefEnvironment:
        """Build the environment of a unifilar FSC (any object :func:`unifilar_arrays` accepts)."""
        from dicert.verify.capacity.qgraph_bounds import unifilar_arrays

        arrays = unifilar_arrays(channel)
        law = np.asarray(arrays.law, dtype=np.float64)
        ns = law.shape[0]
        h = entropy_bits(law, axis=2)
        return cls(
            law=jnp.asarray(law, jnp.float32),
            onehot=jnp.asarray(np.eye(ns)[arrays.next_state], jnp.float32),
            allowed=jnp.asarray(arrays.allowed),
            cond_entropy=jnp.asarray(h, jnp.float32),
            name=arrays.name,
        )

    def step(self, beta: Any, pi: Any) -> tuple[jax.Array, jax.Array, jax.Array]:
        """``(P(y|beta,Pi), F(beta,Pi,y) for every y, g(beta,Pi))``: (4.23), (4.24) and the reward (bits).

        ``beta`` has shape ``(..., S)`` and ``pi`` ``(..., S, X)``; rows of the
        next beliefs for outputs of probability zero are zero (never sampled).
        """
        beta, pi = jnp.asarray(beta, jnp.float32), jnp.asarray(pi, jnp.float32)
        weight = beta[..., :, None] * pi  # P(s, x | y^{t-1})
        joint = weight[..., None] * self.law  # (..., S, X, Y)
        p_y = joint.sum(axis=(-3, -2))
        unnorm = jnp.einsum("...sxy,sxyt->...yt", joint, self.onehot)
        positive = p_y > 0
        next_beliefs = unnorm / jnp.where(positive, p_y, 1.0)[..., None]
        safe = jnp.where(positive, p_y, 1.0)
        h_y = -jnp.sum(jnp.where(positive, p_y * jnp.log2(safe), 0.0), axis=-1)
        reward = h_y - jnp.sum(weight * self.cond_entropy, axis=(-2, -1))
        return p_y, next_beliefs, reward


class _Actor(nn.Module):
    """``beta -> Pi``: MLP, row-wise softmax over the allowed inputs."""

    n_states: int
    n_inputs: int
    hidden: int
    layers: int

    @nn.compact
    def __call__(self, beta: jax.Array, allowed: jax.Array) -> jax.Array:
        h = 2.0 * beta - 1.0
        for _ in range(self.layers):
            h = nn.tanh(nn.Dense(self.hidden)(h))
        logits = nn.Dense(self.n_states * self.n_inputs, kernel_init=nn.initializers.normal(1e-2))(h)
        logits = logits.reshape(*beta.shape[:-1], self.n_states, self.n_inputs)
        return jax.nn.softmax(jnp.where(allowed, logits, -1e9), axis=-1)


@dataclass(frozen=True)
class PolicyNetwork:
    """A trained deterministic policy ``beta -> Pi(s, x)``; call it on one belief or a batch.

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify.channels import parse_channel
    >>> env = BeliefEnvironment.from_channel(parse_channel("ising"))
    >>> policy = PolicyNetwork.initial(env, hidden=8, layers=1, rng=0)
    >>> np.round(policy(np.array([0.5, 0.5])), 2).tolist()  # near-uniform at initialisation
    [[0.5, 0.5], [0.5, 0.5]]
    """

    module: _Actor
    params: Any
    allowed: jax.Array

    @classmethod
    def initial(cls, env: BeliefEnvironment, *, hidden: int = 64, layers: int = 2, rng: int = 0) -> PolicyNetwork:
        """A freshly initialised actor (near-uniform policy)."""
        module = _Actor(env.n_states, env.n_inputs, hidden, layers)
        params = module.init(jax.random.PRNGKey(rng), jnp.full((env.n_states,), 1.0 / env.n_states), env.allowed)
        return cls(module, params, env.allowed)

    def __call__(self, beta: Any) -> np.ndarray:
        """``Pi`` at ``beta`` as float64 rows summing to one (shape ``(..., S, X)``)."""
        pi = np.asarray(_apply(self.module, self.params, jnp.asarray(beta, jnp.float32), self.allowed), np.float64)
        pi = np.where(np.asarray(self.allowed), pi, 0.0)
        return pi / pi.sum(axis=-1, keepdims=True)

    def jax_apply(self, beta: jax.Array) -> jax.Array:
        """The policy as a pure JAX function (for jit-compiled simulation)."""
        # flax types apply as Any | (output, variables); the pair comes only with mutable=
        return cast(jax.Array, self.module.apply(self.params, beta, self.allowed))


@functools.partial(jax.jit, static_argnums=0)
def _apply(module: _Actor, params: Any, beta: jax.Array, allowed: jax.Array) -> jax.Array:
    # flax types apply as Any | (output, variables); the pair comes only with mutable=
    return cast(jax.Array, module.apply(params, beta, allowed))


def _dirichlet(key: jax.Array, shape: tuple[int, ...], n_states: int) -> jax.Array:
    """Uniform points of the simplex (Dirichlet(1, ..., 1))."""
    e = jax.random.exponential(key, (*shape, n_states))
    return e / e.sum(axis=-1, keepdims=True)


def _unroll(env: BeliefEnvironment, apply: Any, beta: jax.Array, key: jax.Array, horizon: int) -> tuple:
    """``horizon`` steps of (4.75) from ``beta`` (B, S): rewards, log P(y_t), final beliefs."""
    batch = beta.shape[0]

    def one(b: jax.Array, k: jax.Array) -> tuple[jax.Array, tuple[jax.Array, jax.Array]]:
        pi = apply(b)
        p_y, nb, r = env.step(b, pi)
        y = jax.random.categorical(k, jnp.log(jnp.maximum(jax.lax.stop_gradient(p_y), 1e-30)))
        logp = jnp.log(jnp.take_along_axis(p_y, y[:, None], axis=1)[:, 0] + 1e-30)
        b_next = nb[jnp.arange(batch), y]
        return b_next, (r, logp)

    final, (rewards, logps) = jax.lax.scan(one, beta, jax.random.split(key, horizon))
    return rewards, logps, final


@functools.lru_cache(maxsize=32)
def _pou_trainer(
    env_key: tuple, module: _Actor, batch: int, horizon: int, updates: int, episode: int,
    learning_rate: float, score_function: bool,
) -> Any:
    """jit(vmap over seeds) of the whole POU training loop (Algorithm 2)."""
    env = _ENVS[env_key]
    schedule = optax.cosine_decay_schedule(learning_rate, updates, alpha=1e-3)
    optimiser = optax.adam(schedule)

    def objective(params: Any, beta: jax.Array, key: jax.Array) -> tuple[jax.Array, tuple]:
        apply = lambda b: module.apply(params, b, env.allowed)  # noqa: E731
        rewards, logps, final = _unroll(env, apply, beta, key, horizon)
        value = rewards.mean()
        if score_function:
            future = jnp.cumsum(rewards[::-1], axis=0)[::-1] - rewards  # sum_{k > t} r_k
            advantage = jax.lax.stop_gradient(future - future.mean(axis=1, keepdims=True))
            value = value + jnp.mean(logps * advantage)
        return -value, (jax.lax.stop_gradient(final), jax.lax.stop_gradient(rewards.mean()))

    def train_one(key: jax.Array) -> tuple[Any, jax.Array]:
        k_init, k_loop = jax.random.split(key)
        params = module.init(k_init, jnp.full((env.n_states,), 1.0 / env.n_states), env.allowed)
        state = optimiser.init(params)

        def update(carry: tuple, inputs: tuple) -> tuple[tuple, jax.Array]:
            params, state, beta = carry
            index, k = inputs
            k_reset, k_roll = jax.random.split(k)
            beta = jnp.where(index % episode == 0, _dirichlet(k_reset, (batch,), env.n_states), beta)
            grads, (final, mean_reward) = jax.grad(objective, has_aux=True)(params, beta, k_roll)
            updates_, state = optimiser.update(grads, state, params)
            return (optax.apply_updates(params, updates_), state, final), mean_reward

        beta0 = _dirichlet(k_loop, (batch,), env.n_states)
        keys = jax.random.split(k_loop, updates)
        (params, _, _), curve = jax.lax.scan(update, (params, state, beta0), (jnp.arange(updates), keys))
        return params, curve

    return jax.jit(jax.vmap(train_one))


#: Environments by key, so that the cached trainers can refer to them (jax arrays are not hashable).
_ENVS: dict[tuple, BeliefEnvironment] = {}


def _env_key(env: BeliefEnvironment) -> tuple:
    key = (env.name, np.asarray(env.law).tobytes(), np.asarray(env.onehot).tobytes(), np.asarray(env.allowed).tobytes())
    _ENVS.setdefault(key, env)
    return key


@functools.lru_cache(maxsize=32)
def _mc_evaluator(env_key: tuple, module: _Actor, batch: int, steps: int, burn_in: int) -> Any:
    env = _ENVS[env_key]

    def evaluate(params: Any, key: jax.Array) -> jax.Array:
        k0, k1 = jax.random.split(key)
        apply = lambda b: module.apply(params, b, env.allowed)  # noqa: E731
        rewards, _, _ = _unroll(env, apply, _dirichlet(k0, (batch,), env.n_states), k1, steps)
        return rewards[burn_in:]  # (steps - burn_in, batch)

    return jax.jit(evaluate)


@dataclass(frozen=True)
class RLResult:
    """A policy trained by POU and its Monte Carlo average reward (bits per channel use).

    Attributes
    ----------
    policy:
        The best actor over the seeds.
    rho_mc:
        Its average reward on fresh simulated paths (an estimate).
    rho_mc_stderr:
        Standard error of ``rho_mc`` (over the independent chains).
    seed_values:
        The evaluation average reward of every seed trained.
    learning_curve:
        Mean reward per update of the best seed.
    seconds:
        Wall-clock seconds of training (including compilation) and evaluation.
    steps_per_second:
        Updates per second of the training loop, all seeds together.
    """

    policy: PolicyNetwork = field(repr=False)
    rho_mc: float
    rho_mc_stderr: float
    seed_values: list[float]
    learning_curve: np.ndarray = field(repr=False)
    seconds: dict[str, float]
    steps_per_second: float
    channel: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "channel": self.channel,
            "rho_mc_estimate": self.rho_mc,
            "rho_mc_stderr": self.rho_mc_stderr,
            "seed_values": self.seed_values,
            "seconds": self.seconds,
            "steps_per_second": self.steps_per_second,
            "method": "POU (sec. 4.6.3) with the likelihood-ratio term; value is a Monte Carlo estimate",
        }


def evaluate_policy_mc(
    env: BeliefEnvironment, policy: PolicyNetwork, *, chains: int = 256, steps: int = 2000, burn_in: int = 200,
    rng: int = 0,
) -> tuple[float, float]:
    """``rho_MC``: mean reward of ``chains`` simulated paths after ``burn_in``; ``(mean, standard error)``.

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> env = BeliefEnvironment.from_channel(parse_channel("ising"))
    >>> mean, se = evaluate_policy_mc(env, PolicyNetwork.initial(env, rng=0), chains=64, steps=300, burn_in=50)
    >>> 0.4 < mean < 0.5  # a near-uniform input: 0.5 bit at the uniform belief, less elsewhere
    True
    """
    chains = check_int_param("chains", chains, 2)
    steps = check_int_param("steps", steps, 2)
    if not 0 <= burn_in < steps:
        raise InvalidInput(f"burn_in: expected 0 <= burn_in < steps = {steps}, got {burn_in}")
    evaluate = _mc_evaluator(_env_key(env), policy.module, chains, steps, burn_in)
    rewards = np.asarray(evaluate(policy.params, jax.random.PRNGKey(rng)), dtype=np.float64)
    per_chain = rewards.mean(axis=0)
    return float(per_chain.mean()), float(per_chain.std(ddof=1) / math.sqrt(chains))


def _best_seed(
    env: BeliefEnvironment, module: _Actor, params: Any, seeds: int, chains: int, steps: int, rng: int
) -> tuple[PolicyNetwork, list[float], int, float, float]:
    """The trained seed with the best Monte Carlo value, and its value on *fresh* paths (not those that chose it).

    Returns ``(policy, value per seed, best seed, rho_MC, its standard error)``; burn-in a tenth of ``steps``.
    """
    burn = max(1, steps // 10)
    values = []
    for i in range(seeds):
        p = jax.tree_util.tree_map(lambda leaf, i=i: leaf[i], params)
        values.append(evaluate_policy_mc(env, PolicyNetwork(module, p, env.allowed), chains=chains,
                                         steps=steps, burn_in=burn, rng=2 * rng + 1)[0])
    best = int(np.argmax(values))
    policy = PolicyNetwork(module, jax.tree_util.tree_map(lambda leaf: leaf[best], params), env.allowed)
    rho, stderr = evaluate_policy_mc(env, policy, chains=chains, steps=steps, burn_in=burn, rng=2 * rng + 2)
    return policy, values, best, rho, stderr


def train_pou(
    channel: Channel,
    *,
    hidden: int = 64,
    layers: int = 2,
    batch: int = 128,
    horizon: int = 20,
    updates: int = 1500,
    episode: int = 100,
    learning_rate: float = 3e-3,
    score_function: bool = True,
    seeds: int = 2,
    evaluation_chains: int = 256,
    evaluation_steps: int = 2000,
    rng: int = 0,
) -> RLResult:
    """Train a deterministic policy by POU (Algorithm 2) on ``seeds`` seeds at once; keep the best.

    Parameters
    ----------
    channel:
        A unifilar FSC.
    hidden, layers:
        Width and depth of the actor MLP.
    batch, horizon:
        Belief chains per update and unroll length ``n`` of (4.76).
    updates, episode:
        Gradient steps, and steps between restarts of the chains at uniform beliefs.
    learning_rate:
        Initial Adam step (cosine decay to 1e-3 of it).
    score_function:
        Add the likelihood-ratio term (unbiased gradient of the expected reward).
    seeds:
        Independent trainings run together (``jax.vmap``).
    evaluation_chains, evaluation_steps:
        Size of the Monte Carlo evaluation (burn-in a tenth of the steps).
    rng:
        Seed; the result is a deterministic function of it (on a given device).

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> train_pou(parse_channel("ising"), horizon=0)
    Traceback (most recent call last):
    dicert.graphs.errors.InvalidInput: horizon: expected an integer >= 1, got 0
    """
    for name, value, low in (("hidden", hidden, 1), ("layers", layers, 1), ("batch", batch, 2),
                             ("horizon", horizon, 1), ("updates", updates, 1), ("episode", episode, 1),
                             ("seeds", seeds, 1), ("rng", rng, 0)):
        check_int_param(name, value, low)
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not learning_rate > 0:
        raise InvalidInput(f"learning_rate: expected a number > 0, got {learning_rate!r}")
    env = BeliefEnvironment.from_channel(channel)
    module = _Actor(env.n_states, env.n_inputs, hidden, layers)
    trainer = _pou_trainer(_env_key(env), module, batch, horizon, updates, episode, float(learning_rate),
                           bool(score_function))
    start = time.perf_counter()
    keys = jax.random.split(jax.random.PRNGKey(rng), seeds + 1)
    params, curves = trainer(keys[:seeds])
    curves = np.asarray(jax.block_until_ready(curves))
    trained = time.perf_counter()
    policy, values, best, rho, stderr = _best_seed(env, module, params, seeds, evaluation_chains, evaluation_steps, rng)
    done = time.perf_counter()
    return RLResult(
        policy=policy,
        rho_mc=rho,
        rho_mc_stderr=stderr,
        seed_values=values,
        learning_curve=curves[best],
        seconds={"training": trained - start, "evaluation": done - trained, "total": done - start},
        steps_per_second=updates * seeds / max(trained - start, 1e-9),
        channel=env.name,
    )


#: Names moved to :mod:`dicert.verify.neural.rl_discovery` (the Q-graph read-off), still importable from here.
_DISCOVERY_NAMES = ("RLDiscovery", "rl_discover", "simulate_policy")


def __getattr__(name: str) -> Any:
    if name in _DISCOVERY_NAMES:
        from dicert.verify.neural import rl_discovery

        return getattr(rl_discovery, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

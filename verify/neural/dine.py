"""DINE: the directed information neural estimator (monograph sec. 3.2, eqs. (3.7)-(3.10)).

The DI rate is a difference of two KL divergences to a reference measure
:math:`P_{\\tilde Y}` (3.7),

.. math::
    I(\\mathbb X\\to\\mathbb Y)
    = D_{KL}(P_{Y_0\\mid X^0_{-\\infty}, Y^{-1}_{-\\infty}} \\| P_{\\tilde Y})
    - D_{KL}(P_{Y_0\\mid Y^{-1}_{-\\infty}} \\| P_{\\tilde Y}),

i.e. :math:`h(\\mathbb Y) - h(\\mathbb Y\\|\\mathbb X)` (the cross terms cancel).
Each divergence is written with the Donsker-Varadhan formula (3.8) and the
supremum is taken over a neural network :math:`g_\\theta(y_i, \\text{history}_i)`
(3.9)-(3.10): a GRU summarises the history, an MLP scores the current symbol
:math:`y_i` and reference samples :math:`\\tilde y_i` against that shared summary.
The histories are

* :math:`(y^{i-1}, x^{i})` for :math:`D_{Y\\|X}` (the current :math:`x_i` is
  included, so the estimate contains the instantaneous information (2.30)),
* :math:`y^{i-1}` for :math:`D_Y`,

and, for the reverse (delayed) DI :math:`I(D\\mathbb Y\\to\\mathbb X)`, the
histories :math:`(x^{i-1}, y^{i-1})` and :math:`x^{i-1}` with target :math:`x_i`.
The recurrent summary looks back ``memory`` steps (a truncation of the infinite
past; exact for Markov processes of that order).

Reference measures: for discrete data the uniform law on the alphabet (the
expectation over :math:`\\tilde y` is computed exactly as a sum over the
alphabet); for continuous data each series is standardised and the reference is
:math:`N(0, 1)` (the monograph's footnote to (3.7)), sampled afresh at every
training step and with a fixed key for the final evaluation. Both networks of
a pair use the same reference samples, so their sampling noise largely cancels
in the difference.

Training is full-batch (or minibatch) Adam on the sum of the four DV
objectives, in jit-compiled chunks of :func:`jax.lax.scan` steps. The end of
the series (``validation_fraction``) is held out: after every chunk each critic
keeps its parameters with the best held-out DV value (early stopping, which
curbs the overfitting that otherwise biases the DI estimate upwards); the final
values (3.9) are evaluated on all positions. Positions are zero-padded and
masked to a multiple of 1024 and the number of steps and the learning rate are
run-time arguments, so one compilation (several seconds on a CPU) serves many
fits. Runs are deterministic for a given seed on a given device. Results are
raw estimates (never clipped); like every DV-based estimator, DINE needs a few
thousand samples: at n = 500 it underestimates strongly.

The tests in ``tests/verify/neural`` show fits on processes with known rates
(a fit takes seconds); here only the construction:

Examples
--------
>>> from dicert.verify.neural import DINE
>>> est = DINE(input_kind="discrete", memory=2)
>>> est.get_params()["memory"], est.get_params()["validation_fraction"]
(2, 0.25)
"""

from __future__ import annotations

import functools
from typing import Any, Self, TypeAlias, cast

import flax.linen as nn
import jax
import jax.numpy as jnp
import numpy as np
import optax
from numpy.typing import ArrayLike, NDArray

from dicert.verify.errors import InvalidInput
from dicert.verify.estimators.protocol import check_int_param, encode_symbols, log_base, validate_pair

__all__ = ["DINE"]

_KINDS = ("continuous", "discrete")
_BUCKET = 1024  # positions are zero-padded (and masked) to a multiple of this: fewer recompilations
_CHUNK = 25  # training steps per compiled call (the number of steps is not compiled in)


class _DVNetwork(nn.Module):
    """Donsker-Varadhan critic :math:`g_\\theta(t, \\text{history})` with a GRU summary of the history."""

    hidden: int
    head: int

    @nn.compact
    def __call__(self, history: jax.Array, target: jax.Array, reference: jax.Array) -> tuple[jax.Array, jax.Array]:
        # history (B, m, d_h), target (B, d_t), reference (B, K, d_t) or (K, d_t)
        cell = nn.GRUCell(features=self.hidden)
        summary = jnp.zeros((history.shape[0], self.hidden), history.dtype)
        for t in range(history.shape[1]):  # the window is short: unrolled, one shared cell
            summary, _ = cell(summary, history[:, t])
        # First layer split as W [t, s] = W_t t + W_s s: the summary part is computed once per
        # position and shared by the data point and all reference points.
        from_target, from_summary, out = nn.Dense(self.head, use_bias=False), nn.Dense(self.head), nn.Dense(1)
        shared = from_summary(summary)

        def critic(values: jax.Array, state: jax.Array) -> jax.Array:
            return out(nn.elu(from_target(values) + state))[..., 0]

        positive = critic(target, shared)
        if reference.ndim == 2:  # shared reference points (discrete alphabet)
            reference = jnp.broadcast_to(reference, (summary.shape[0],) + reference.shape)
        negative = critic(reference, shared[:, None, :])
        return positive, negative


def _dv_value(positive: jax.Array, negative: jax.Array, weight: jax.Array, mask: jax.Array) -> jax.Array:
    """Sample DV functional (3.10): mean of g on data minus log of the mean of exp(g) on the reference.

    ``weight`` (one entry per reference column, summing to 1) is the reference
    law: uniform over sampled points, or over the alphabet (padding gets 0).
    ``mask`` marks the real positions (1) among the padding (0).
    """
    count = mask.sum()
    log_mean = jax.scipy.special.logsumexp(negative, b=mask[:, None] * weight[None, :]) - jnp.log(count)
    return (mask * positive).sum() / count - log_mean


def _windows(series: NDArray[np.float32], memory: int, shift: int) -> NDArray[np.float32]:
    """Rows ``series[i - memory + shift : i + shift]`` for the targets ``i = memory .. n-1``."""
    n = series.shape[0]
    index = np.arange(memory, n)[:, None] + np.arange(-memory + shift, shift)[None, :]
    return series[index]


class DINE:
    """Directed information neural estimator (monograph (3.7)-(3.10)).

    Parameters
    ----------
    input_kind : {"continuous", "discrete"}, default "continuous"
        Real-valued samples (standardised, Gaussian reference) or integer
        symbols (one-hot, uniform reference, exact reference expectation).
    memory : int, default 4
        Number of past steps the GRU reads (the history window).
    hidden : int, default 8
        GRU state size.
    head : int, default 16
        Width of the critic's hidden layer.
    steps : int, default 300
        Adam steps.
    learning_rate : float, default 5e-3
        Adam step size.
    batch_size : int or None, default None
        Positions drawn (with replacement) per step; ``None`` uses all of them
        (full batch).
    validation_fraction : float, default 0.25
        Share of the series (its end) held out for early stopping: every
        ``_CHUNK`` steps each critic keeps its parameters with the best DV
        value on the held-out positions (this curbs the overfitting that biases
        the DI estimate upwards). The final estimate uses all positions.
        ``0`` trains on everything for ``steps`` steps.
    reference_samples : int, default 8
        Continuous data: Gaussian reference samples per position and step.
    eval_reference_samples : int, default 64
        Continuous data: reference samples per position for the final estimate.
    alphabet_size : int or None, default None
        Discrete data: declared alphabet ``0..alphabet_size-1`` (``None``: the
        observed symbols).
    base : float or "e", default 2
        Unit of the rates (2: bits).
    seed : int, default 0
        Seed of the initialisation and of the reference samples (used when
        ``fit`` gets no ``rng``).

    Attributes
    ----------
    di_rate_, reverse_di_rate_, mi_rate_ : float
        Estimates of :math:`I(\\mathbb X\\to\\mathbb Y)`, :math:`I(D\\mathbb Y\\to\\mathbb X)`
        and their sum (Massey's conservation law (2.13)).
    divergences_ : dict of str to float
        The four fitted DV values (in the unit of ``base``): ``"y|xy"``,
        ``"y|y"`` (DI = first - second), ``"x|xy"``, ``"x|x"`` (reverse DI).
    history_ : dict of str to ndarray
        Training curves of the DI and reverse DI estimates (on the training
        positions), one value per step.
    stopped_at_ : dict of str to int
        Step after which each critic's parameters were kept (early stopping).
    n_steps_ : int
        Number of target positions (the first ``memory`` samples are context).

    Examples
    --------
    >>> from dicert.verify.processes import gaussian_var1
    >>> s = gaussian_var1(1000, [[0.0, 0.0], [0.9, 0.0]], rng=0)
    >>> est = DINE(steps=200)  # est.fit(s.x, s.y).di_rate_ is within ~0.05 of s.di_rate (tests)
    >>> round(s.di_rate, 3), est.input_kind
    (0.428, 'continuous')
    >>> DINE(input_kind="binary")
    Traceback (most recent call last):
    dicert.graphs.errors.InvalidInput: input_kind: expected one of ('continuous', 'discrete'), got 'binary'
    """

    _param_names = (
        "input_kind",
        "memory",
        "hidden",
        "head",
        "steps",
        "learning_rate",
        "batch_size",
        "validation_fraction",
        "reference_samples",
        "eval_reference_samples",
        "alphabet_size",
        "base",
        "seed",
    )

    def __init__(
        self,
        input_kind: str = "continuous",
        memory: int = 4,
        hidden: int = 8,
        head: int = 16,
        steps: int = 300,
        learning_rate: float = 5e-3,
        batch_size: int | None = None,
        validation_fraction: float = 0.25,
        reference_samples: int = 8,
        eval_reference_samples: int = 64,
        alphabet_size: int | None = None,
        base: float | str = 2,
        seed: int = 0,
    ) -> None:
        if input_kind not in _KINDS:
            raise InvalidInput(f"input_kind: expected one of {_KINDS}, got {input_kind!r}")
        self.input_kind = input_kind
        self.memory = check_int_param("memory", memory, 1)
        self.hidden = check_int_param("hidden", hidden, 1)
        self.head = check_int_param("head", head, 1)
        self.steps = check_int_param("steps", steps, 1)
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or not learning_rate > 0:
            raise InvalidInput(f"learning_rate: expected a number > 0, got {learning_rate!r}")
        self.learning_rate = float(learning_rate)
        self.batch_size = None if batch_size is None else check_int_param("batch_size", batch_size, 1)
        ok = isinstance(validation_fraction, (int, float)) and not isinstance(validation_fraction, bool)
        if not ok or not 0 <= validation_fraction < 1:
            raise InvalidInput(f"validation_fraction: expected a number in [0, 1), got {validation_fraction!r}")
        self.validation_fraction = float(validation_fraction)
        self.reference_samples = check_int_param("reference_samples", reference_samples, 1)
        self.eval_reference_samples = check_int_param("eval_reference_samples", eval_reference_samples, 1)
        self.alphabet_size = None if alphabet_size is None else check_int_param("alphabet_size", alphabet_size, 1)
        log_base(base)
        self.base = base
        self.seed = check_int_param("seed", seed, 0)

    def get_params(self) -> dict[str, Any]:
        """The hyper-parameters as a dict (scikit-learn style).

        Examples
        --------
        >>> DINE(memory=2).get_params()["memory"]
        2
        """
        return {name: getattr(self, name) for name in self._param_names}

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.get_params().items())
        return f"DINE({args})"

    # ------------------------------------------------------------------ data

    def _encode_discrete(self, values: NDArray[Any], name: str) -> tuple[NDArray[np.float32], int]:
        """One-hot codes, symbols numbered by first appearance (so relabelling changes nothing)."""
        symbols, _ = encode_symbols(
            values, name, self.alphabet_size, continuous_hint="use input_kind='continuous' for real-valued data"
        )
        alphabet, first, codes = np.unique(symbols, return_index=True, return_inverse=True)
        rank = np.empty(alphabet.size, dtype=np.int64)
        rank[np.argsort(first, kind="stable")] = np.arange(alphabet.size)
        size = max(alphabet.size, self.alphabet_size or 0, 2)
        return np.eye(size, dtype=np.float32)[rank[codes.reshape(-1)]], size

    @staticmethod
    def _standardise(values: NDArray[Any]) -> NDArray[np.float32]:
        values = values.astype(np.float64)
        scale = values.std()
        return ((values - values.mean()) / (scale if scale > 0 else 1.0)).astype(np.float32)[:, None]

    def _prepare(self, x: ArrayLike, y: ArrayLike) -> dict[str, NDArray[np.float32]]:
        """Stacked, zero-padded inputs of the four critics (order of ``_CRITICS``)."""
        xa, ya = validate_pair(x, y, min_length=self.memory + 2)
        if self.input_kind == "discrete":
            (xs, rx), (ys, ry) = self._encode_discrete(xa, "x"), self._encode_discrete(ya, "y")
        else:
            xs, ys = self._standardise(xa), self._standardise(ya)
        m = self.memory
        x_now, x_past, y_past = _windows(xs, m, 1), _windows(xs, m, 0), _windows(ys, m, 0)
        histories = [
            np.concatenate([y_past, x_now], axis=-1),
            y_past,
            np.concatenate([x_past, y_past], axis=-1),
            x_past,
        ]
        targets = [ys[m:], ys[m:], xs[m:], xs[m:]]
        width, target_width = xs.shape[1] + ys.shape[1], max(xs.shape[1], ys.shape[1])
        data = {
            "histories": np.stack([_pad(h, width) for h in histories]),
            "targets": np.stack([_pad(t, target_width) for t in targets]),
        }
        if self.input_kind == "discrete":
            size = max(rx, ry)
            alphabets = [ry, ry, rx, rx]
            one_hot = [_pad(_pad(np.eye(r, dtype=np.float32), target_width).T, size).T for r in alphabets]
            data["reference"] = np.stack(one_hot)
            uniform = [np.where(np.arange(size) < r, 1.0 / r, 0.0) for r in alphabets]
            data["weights"] = np.stack(uniform).astype(np.float32)
        return data

    # ------------------------------------------------------------------ fit

    def fit(self, x: ArrayLike, y: ArrayLike, rng: np.random.Generator | int | None = None) -> Self:
        """Train the four DV critics on the pair ``x``, ``y`` and store the rates; return ``self``.

        Parameters
        ----------
        x, y : array_like
            Equally long one-dimensional samples (integers for
            ``input_kind="discrete"``), at least ``memory + 2`` of them.
        rng : Generator, int or None
            Randomness of the initialisation and reference samples; ``None``
            uses the constructor's ``seed``.

        Examples
        --------
        >>> import numpy as np
        >>> DINE().fit(np.zeros(10), np.zeros(9))
        Traceback (most recent call last):
        dicert.graphs.errors.InvalidInput: y: length 9 differs from x: length 10, expected equal lengths
        """
        data = self._prepare(x, y)
        seed = self.seed if rng is None else int(np.random.default_rng(rng).integers(0, 2**31))
        n_positions = data["targets"].shape[1]
        n_validation = 0
        if self.validation_fraction:
            n_validation = min(max(1, round(self.validation_fraction * n_positions)), n_positions - 1)
        n_train = n_positions - n_validation
        full = self.batch_size is None or self.batch_size >= n_train
        padded = -(-n_positions // _BUCKET) * _BUCKET
        histories, targets = (_pad_rows(data[name], padded) for name in ("histories", "targets"))
        index = np.arange(padded)
        mask = (index < n_positions).astype(np.float32)
        train_mask = (index < n_train).astype(np.float32)
        discrete = "reference" in data
        init, chunk, evaluate = _programs(
            self.hidden,
            self.head,
            0 if full else int(cast(int, self.batch_size)),  # full when batch_size is None
            self.reference_samples,
            self.eval_reference_samples,
            discrete,
        )
        if not discrete:  # placeholders: the Gaussian reference is sampled inside the programs
            data["reference"] = np.zeros((4, 1, 1), np.float32)
            data["weights"] = np.zeros((4, 1), np.float32)
        reference = (data["reference"], data["weights"])
        init_key, loop_key, eval_key = jax.random.split(jax.random.PRNGKey(seed), 3)
        carry = init(init_key, histories, targets, train_mask, *reference)
        learning_rate = jnp.float32(self.learning_rate)
        best, best_value = carry[0], np.full(4, -np.inf)
        stopped = np.zeros(4, dtype=np.int64)
        pieces = []
        for start in range(0, self.steps, _CHUNK):
            bounds = (jnp.int32(start), jnp.int32(self.steps))
            carry, dv = chunk(carry, loop_key, *bounds, learning_rate, histories, targets, train_mask, *reference)
            pieces.append(dv)
            if n_validation:  # early stopping, per critic, on the held-out end of the series
                value = np.asarray(evaluate(carry[0], eval_key, histories, targets, mask - train_mask, *reference))
                improved = value > best_value
                best, best_value = _select(best, carry[0], jnp.asarray(improved)), np.where(improved, value, best_value)
                stopped[improved] = min(start + _CHUNK, self.steps)
        curves = np.concatenate([np.asarray(piece) for piece in pieces])[: self.steps]
        final = evaluate(best if n_validation else carry[0], eval_key, histories, targets, mask, *reference)
        self.stopped_at_ = dict(zip(_CRITICS, stopped.tolist() if n_validation else [self.steps] * 4))
        scale = 1.0 / log_base(self.base)
        final = np.asarray(final, dtype=np.float64) * scale
        self.divergences_ = {name: float(value) for name, value in zip(_CRITICS, final)}
        self.di_rate_ = float(final[0] - final[1])
        self.reverse_di_rate_ = float(final[2] - final[3])
        self.mi_rate_ = self.di_rate_ + self.reverse_di_rate_
        curves = np.asarray(curves, dtype=np.float64) * scale
        self.history_ = {"di_rate": curves[:, 0] - curves[:, 1], "reverse_di_rate": curves[:, 2] - curves[:, 3]}
        self.n_steps_ = int(n_positions)
        return self


def _pad_rows(values: NDArray[np.float32], rows: int) -> NDArray[np.float32]:
    """Zero-pad axis 1 (positions) to ``rows``."""
    extra = rows - values.shape[1]
    return np.pad(values, [(0, 0), (0, extra)] + [(0, 0)] * (values.ndim - 2)) if extra else values


def _pad(values: NDArray[np.float32], width: int) -> NDArray[np.float32]:
    """Zero-pad the last axis to ``width`` (zero inputs leave a network's output unchanged)."""
    extra = width - values.shape[-1]
    return np.pad(values, [(0, 0)] * (values.ndim - 1) + [(0, extra)]) if extra else values


_CRITICS = ("y|xy", "y|y", "x|xy", "x|x")  # DI = first - second; reverse DI = third - fourth


@jax.jit
def _select(best: Any, params: Any, improved: jax.Array) -> Any:
    """Take the critics flagged in ``improved`` (leading axis) from ``params``, the others from ``best``."""
    return jax.tree_util.tree_map(
        lambda old, new: jnp.where(improved.reshape((-1,) + (1,) * (new.ndim - 1)), new, old), best, params
    )


@functools.lru_cache(maxsize=32)
def _programs(
    hidden: int,
    head: int,
    batch: int,
    reference_samples: int,
    eval_reference_samples: int,
    discrete: bool,
) -> tuple[Any, Any, Any]:
    """Jit-compiled ``init``, ``chunk`` (``_CHUNK`` Adam steps) and ``evaluate`` programs.

    The four critics share one architecture and are trained together with
    :func:`jax.vmap` over their stacked parameters. ``batch=0`` means full batch;
    otherwise each step draws ``batch`` real positions (with replacement). The
    number of steps and the learning rate are run-time arguments (steps past
    the requested number are no-ops), so they do not trigger recompilation;
    step ``i`` uses the key ``fold_in(loop_key, i)`` whatever the chunking.
    """
    network = _DVNetwork(hidden=hidden, head=head)
    adam = optax.scale_by_adam()

    Arr: TypeAlias = jax.Array

    def dv_values(params: Any, histories: Arr, targets: Arr, mask: Arr, reference: Arr, weights: Arr) -> Arr:
        def one(p: Any, h: jax.Array, t: jax.Array, r: jax.Array, w: jax.Array) -> jax.Array:
            # flax types apply as Any | (output, variables); the pair comes only with mutable=
            positive, negative = cast(tuple[jax.Array, jax.Array], network.apply(p, h, t, r))
            return _dv_value(positive, negative, w, mask)

        return jax.vmap(one)(params, histories, targets, reference, weights)

    def gaussian_reference(key: jax.Array, rows: int, count: int) -> tuple[jax.Array, jax.Array]:
        pair = jax.random.normal(key, (2, rows, count, 1))  # one draw per pair: common random numbers
        return pair[jnp.array([0, 0, 1, 1])], jnp.full((4, count), 1.0 / count)

    def loss(params: Any, *args: jax.Array) -> tuple:
        dv = dv_values(params, *args)
        return -dv.sum(), dv

    @jax.jit
    def init(key: Arr, histories: Arr, targets: Arr, mask: Arr, reference: Arr, weights: Arr) -> tuple:
        probe = reference[:, :1] if discrete else jnp.zeros((4, 1, 1, 1))
        params = jax.vmap(network.init)(jax.random.split(key, 4), histories[:, :1], targets[:, :1], probe)
        return params, adam.init(params)

    @jax.jit
    def chunk(
        carry: tuple, loop_key: Arr, start: Arr, stop: Arr, learning_rate: Arr,
        histories: Arr, targets: Arr, mask: Arr, reference: Arr, weights: Arr,
    ) -> tuple:
        def step(carry: tuple, index: jax.Array) -> tuple[tuple, jax.Array]:
            params, state = carry
            pick_key, ref_key = jax.random.split(jax.random.fold_in(loop_key, index))
            if batch:
                rows = jax.random.randint(pick_key, (batch,), 0, mask.sum().astype(jnp.int32))
                h, t, m = histories[:, rows], targets[:, rows], jnp.ones(batch)
            else:
                h, t, m = histories, targets, mask
            r, w = (reference, weights) if discrete else gaussian_reference(ref_key, h.shape[1], reference_samples)
            (_, dv), grads = jax.value_and_grad(loss, has_aux=True)(params, h, t, m, r, w)
            updates, new_state = adam.update(grads, state, params)
            new_params = jax.tree_util.tree_map(lambda p, u: p - learning_rate * u, params, updates)
            active = index < stop
            keep = functools.partial(jax.tree_util.tree_map, lambda new, old: jnp.where(active, new, old))
            return (keep(new_params, params), keep(new_state, state)), dv

        return jax.lax.scan(step, carry, start + jnp.arange(_CHUNK))

    @jax.jit
    def evaluate(params: Any, key: Arr, histories: Arr, targets: Arr, mask: Arr, reference: Arr, weights: Arr) -> Arr:
        r, w = (reference, weights) if discrete else gaussian_reference(key, histories.shape[1], eval_reference_samples)
        return dv_values(params, histories, targets, mask, r, w)

    return init, chunk, evaluate

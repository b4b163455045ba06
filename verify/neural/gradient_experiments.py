"""The information-gradient paper's experiments as library functions (Wadayama, ``seeds/000_...txt``).

Four checks of the score-based information gradient
:math:`\\nabla_\\theta I(X;Y) = \\mathbb E[J_\\theta^{\\mathsf T}(s_{Y\\mid X} - s_Y)]`
(:func:`~dicert.verify.neural.information_gradient.information_gradient`):

* :func:`multipath_gradient_check` -- a *linear multipath DAG*: a direct path
  ``A`` and a relay path ``B (C X + tau N_1)`` meet at the output
  ``Y = A X + B (C X + tau N_1) + sigma N_2``.  The gradient with respect to
  all internal parameters ``(A, B, C)`` is compared with the gradient of the
  closed form :math:`\\tfrac12[\\log\\det(M\\Sigma_x M^{\\mathsf T} + K) - \\log\\det K]`,
  :math:`M = A + BC`, :math:`K = \\tau^2 BB^{\\mathsf T} + \\sigma^2 I` (taken by
  :func:`jax.grad`, an independent route), for analytic scores and for scores
  learned by denoising score matching on the last-stage noise ``N_2`` (Tweedie).
  Figures: cosine similarity and relative error of the flattened gradients.
* :func:`waterfilling_ascent` -- projected gradient ascent of
  :math:`I(X; HPX + N)` over a precoder under :math:`\\|P\\|_F^2\\le P`, against
  the water-filling capacity (:func:`water_filling_capacity`).
* :func:`tanh_gradient_check` -- the nonlinear channel
  :math:`Y = \\tanh(\\theta X) + \\sigma N` with BPSK ``X``: learned marginal
  score, analytic conditional score, against a central difference of the MI by
  quadrature.
* :func:`digital_twin_calibration` -- unsupervised calibration of a digital
  twin :math:`\\tilde Y = \\tanh(\\theta X) + \\sigma N` to output samples of a
  real system with unknown :math:`\\theta^*`.  The same path-derivative argument
  that gives the information gradient gives, for
  :math:`D(\\theta) = D(p_\\theta\\,\\|\\,p_{\\rm real})` of the (smoothed) outputs,
  :math:`\\nabla_\\theta D = \\mathbb E[J_\\theta^{\\mathsf T}(s_\\theta(Y) - s_{\\rm real}(Y))]`
  (the term :math:`\\mathbb E[\\partial_\\theta\\log p_\\theta] = 0` drops out); both
  scores are learned by DSM from output samples only, and gradient descent on
  :math:`D` moves :math:`\\theta` to :math:`\\theta^*`.

:func:`gradient_demo` runs all four (``dicert neural gradient-demo``).

Examples
--------
>>> from dicert.verify.neural.gradient_experiments import water_filling_capacity
>>> import numpy as np
>>> round(water_filling_capacity(np.eye(2), 2.0, 1.0, base=2), 6)  # 2 * 1/2 log2(1 + 1)
1.0
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from dicert.verify.errors import InvalidInput
from dicert.verify.estimators.protocol import check_int_param, log_base
from dicert.verify.neural.information_gradient import (
    frobenius_ball,
    information_gradient,
    linear_gaussian_channel_scores,
    linear_gaussian_mutual_information,
    maximize_information,
)
from dicert.verify.neural.score_matching import fit_denoising_score

__all__ = [
    "GradientCheck",
    "AscentCheck",
    "CalibrationCheck",
    "GradientDemo",
    "cosine_similarity",
    "relative_error",
    "multipath_mutual_information",
    "multipath_gradient_check",
    "water_filling_capacity",
    "waterfilling_ascent",
    "bpsk_tanh_mutual_information",
    "tanh_gradient_check",
    "digital_twin_calibration",
    "gradient_demo",
]

# The multipath DAG of the demo: X in R^3, relay in R^2, Y in R^2.
_SIGMA_X = np.array([[1.0, 0.3, 0.0], [0.3, 1.5, 0.2], [0.0, 0.2, 0.7]])
_A = np.array([[1.0, 0.4, -0.3], [0.2, 0.8, 0.5]])
_B = np.array([[0.6, -0.2], [0.3, 0.7]])
_C = np.array([[0.5, 0.0, 0.4], [-0.3, 0.6, 0.2]])
_TAU, _SIGMA = 0.5, 0.7


def cosine_similarity(estimate: Any, reference: Any) -> float:
    """Cosine of the angle between two pytrees flattened into vectors.

    Examples
    --------
    >>> cosine_similarity([1.0, 0.0], [2.0, 0.0])
    1.0
    """
    a, b = _flat(estimate), _flat(reference)
    denominator = float(np.linalg.norm(a) * np.linalg.norm(b))
    if denominator == 0:
        raise InvalidInput("reference: expected a non-zero gradient, got the zero vector")
    return float(a @ b / denominator)


def relative_error(estimate: Any, reference: Any) -> float:
    """:math:`\\|a - b\\|_2 / \\|b\\|_2` of two pytrees flattened into vectors.

    Examples
    --------
    >>> relative_error([1.0, 1.0], [1.0, 0.0])
    1.0
    """
    a, b = _flat(estimate), _flat(reference)
    norm = float(np.linalg.norm(b))
    if norm == 0:
        raise InvalidInput("reference: expected a non-zero gradient, got the zero vector")
    return float(np.linalg.norm(a - b) / norm)


def _flat(tree: Any) -> np.ndarray:
    leaves = jax.tree_util.tree_leaves(tree)
    return np.concatenate([np.asarray(leaf, dtype=np.float64).reshape(-1) for leaf in leaves])


@dataclass
class GradientCheck:
    """An estimated gradient against a reference one (flattened), in nats per unit of parameter.

    Examples
    --------
    >>> GradientCheck("x", 1.0, 0.0, [1.0], [1.0]).cosine_similarity
    1.0
    """

    name: str
    cosine_similarity: float
    relative_error: float
    estimate: list[float] = field(repr=False)
    reference: list[float] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return asdict(self)


def _multipath_params() -> dict[str, jax.Array]:
    return {name: jnp.asarray(value, jnp.float32) for name, value in (("A", _A), ("B", _B), ("C", _C))}


def multipath_mutual_information(params: dict[str, Any], base: float | str = "e") -> Any:
    """Closed form of :math:`I(X;Y)` for the multipath DAG (differentiable in ``params``).

    :math:`Y = (A + BC)X + \\tau BN_1 + \\sigma N_2`, so
    :math:`I = \\tfrac12[\\log\\det(M\\Sigma_x M^{\\mathsf T} + K) - \\log\\det K]`.

    Examples
    --------
    >>> p = {"A": np.eye(2, 3), "B": np.zeros((2, 2)), "C": np.zeros((2, 3))}
    >>> round(float(multipath_mutual_information(p)), 4)  # 1/2 log det(I + Sigma_x[:2, :2] / 0.49)
    1.2414
    """
    a, b, c = (jnp.asarray(params[k], jnp.float32) for k in ("A", "B", "C"))
    m = a + b @ c
    k = _TAU**2 * b @ b.T + _SIGMA**2 * jnp.eye(a.shape[0])
    sigma_x = jnp.asarray(_SIGMA_X, jnp.float32)
    value = 0.5 * (jnp.linalg.slogdet(m @ sigma_x @ m.T + k)[1] - jnp.linalg.slogdet(k)[1])
    return value / log_base(base)


def _multipath_forward(params: dict[str, jax.Array], x: jax.Array, noise: jax.Array) -> jax.Array:
    relay = x @ params["C"].T + _TAU * noise[:, :2]
    return x @ params["A"].T + relay @ params["B"].T + _SIGMA * noise[:, 2:]


def _multipath_batch(n: int, gen: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    x = gen.normal(size=(n, 3)) @ np.linalg.cholesky(_SIGMA_X).T
    return x, gen.normal(size=(n, 4))


def multipath_gradient_check(
    *, learned: bool = True, batch: int = 100_000, fit_samples: int = 20_000, fit_steps: int = 600,
    rng: np.random.Generator | int | None = 0,
) -> list[GradientCheck]:
    """Gradient of :math:`I(X;Y)` w.r.t. ``(A, B, C)`` of the multipath DAG vs the log-det gradient.

    Returns one :class:`GradientCheck` with the analytic scores and, if
    ``learned``, one with both scores learned by denoising score matching on the
    output-stage noise (``fit_samples`` samples, ``fit_steps`` Adam steps).

    Examples
    --------
    >>> check = multipath_gradient_check(learned=False, batch=20_000, rng=1)[0]
    >>> check.name, check.cosine_similarity > 0.99
    ('analytic scores', True)
    """
    batch = check_int_param("batch", batch, 100)
    fit_samples = check_int_param("fit_samples", fit_samples, 100)
    fit_steps = check_int_param("fit_steps", fit_steps, 1)
    gen = np.random.default_rng(rng)
    params = _multipath_params()
    exact = jax.grad(multipath_mutual_information)(params)
    m = _A + _B @ _C
    k = _TAU**2 * _B @ _B.T + _SIGMA**2 * np.eye(2)
    marginal_cov = m @ _SIGMA_X @ m.T + k
    k_inv, c_inv = np.linalg.inv(k), np.linalg.inv(marginal_cov)
    marginal = lambda y: -jnp.asarray(y) @ jnp.asarray(c_inv, jnp.float32).T  # noqa: E731
    conditional = lambda y, x: -(jnp.asarray(y) - jnp.asarray(x) @ jnp.asarray(m, jnp.float32).T) @ jnp.asarray(  # noqa: E731
        k_inv, jnp.float32
    ).T
    x, noise = _multipath_batch(batch, gen)
    out = []
    grad = information_gradient(_multipath_forward, params, x, noise, marginal, conditional, base="e")
    out.append(GradientCheck("analytic scores", cosine_similarity(grad, exact), relative_error(grad, exact),
                             _flat(grad).tolist(), _flat(exact).tolist()))
    if learned:
        xf, nf = _multipath_batch(fit_samples, gen)
        yf = np.asarray(_multipath_forward(params, jnp.asarray(xf, jnp.float32), jnp.asarray(nf, jnp.float32)))
        seeds = gen.integers(0, 2**31, size=2)
        s_y = fit_denoising_score(yf, nf[:, 2:], _SIGMA, steps=fit_steps, rng=int(seeds[0]))
        s_yx = fit_denoising_score(yf, nf[:, 2:], _SIGMA, condition=xf, steps=fit_steps, rng=int(seeds[1]))
        grad = information_gradient(_multipath_forward, params, x, noise, s_y, lambda y, xx: s_yx(y, xx), base="e")
        out.append(GradientCheck("learned scores (DSM)", cosine_similarity(grad, exact), relative_error(grad, exact),
                                 _flat(grad).tolist(), _flat(exact).tolist()))
    return out


def water_filling_capacity(h: Any, power: float, noise_var: float, base: float | str = 2) -> float:
    """:math:`\\max_{\\operatorname{tr} Q\\le P} \\tfrac12\\log\\det(I + HQH^{\\mathsf T}/\\sigma^2)` by water-filling.

    Eigen-gains :math:`g_i` of :math:`H^{\\mathsf T}H/\\sigma^2`; powers
    :math:`(\\nu - 1/g_i)^+` with :math:`\\sum_i(\\nu - 1/g_i)^+ = P`.

    Examples
    --------
    >>> import numpy as np
    >>> round(water_filling_capacity(np.diag([1.0, 0.1]), 1.0, 1.0, base="e"), 6)  # all power on the strong mode
    0.346574
    """
    hm = np.atleast_2d(np.asarray(h, dtype=np.float64))
    if not power > 0:
        raise InvalidInput(f"power: expected a number > 0, got {power!r}")
    if not noise_var > 0:
        raise InvalidInput(f"noise_var: expected a number > 0, got {noise_var!r}")
    gains = np.sort(np.linalg.eigvalsh(hm.T @ hm / noise_var))[::-1]
    gains = gains[gains > 1e-300]
    if gains.size == 0:
        return 0.0
    for active in range(len(gains), 0, -1):
        level = (power + np.sum(1.0 / gains[:active])) / active
        if level > 1.0 / gains[active - 1]:
            return float(0.5 * np.sum(np.log(level * gains[:active])) / log_base(base))
    raise AssertionError("water-filling: no active mode")  # pragma: no cover - active = 1 always qualifies


@dataclass
class AscentCheck:
    """Projected information-gradient ascent against the water-filling capacity (nats).

    Examples
    --------
    >>> AscentCheck(1.0, 1.0, [0.5, 1.0], 2.0, 1.0).ratio
    1.0
    """

    mi_reached: float
    mi_waterfilling: float
    mi_path: list[float] = field(repr=False)
    power: float
    power_used: float

    @property
    def ratio(self) -> float:
        """``mi_reached / mi_waterfilling``."""
        return self.mi_reached / self.mi_waterfilling

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (with the ratio)."""
        return {**asdict(self), "ratio": self.ratio}


def waterfilling_ascent(
    *, power: float = 2.0, steps: int = 60, learning_rate: float = 0.5, batch: int = 4000,
    rng: np.random.Generator | int | None = 0,
) -> AscentCheck:
    """Maximise :math:`I(X; HPX + N)` over the precoder ``P`` with :math:`\\|P\\|_F^2 \\le` ``power``.

    ``X ~ N(0, I_2)``, ``N ~ N(0, I_2)``, :math:`H = [[1, 0.3], [0, 0.5]]`, start
    :math:`P = 0.1 I`; scores are the analytic Gaussian scores at the current ``P``.

    Examples
    --------
    >>> out = waterfilling_ascent(steps=40, rng=0)
    >>> out.ratio > 0.98
    True
    """
    steps = check_int_param("steps", steps, 1)
    batch = check_int_param("batch", batch, 10)
    h = np.array([[1.0, 0.3], [0.0, 0.5]])

    def channel(p: jax.Array, x: jax.Array, noise: jax.Array) -> jax.Array:
        return x @ (jnp.asarray(h, jnp.float32) @ p).T + noise

    def draw(g: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        return g.normal(size=(batch, 2)), g.normal(size=(batch, 2))

    def scores(p: jax.Array) -> tuple[Any, Any]:
        return linear_gaussian_channel_scores(h @ np.asarray(p), np.eye(2), 1.0)

    result = maximize_information(channel, 0.1 * jnp.eye(2), draw, scores, frobenius_ball(power), steps=steps,
                                  learning_rate=learning_rate, base="e", rng=rng)
    path = [linear_gaussian_mutual_information(h @ np.asarray(p), np.eye(2), 1.0, base="e") for p in result.path]
    return AscentCheck(
        mi_reached=path[-1],
        mi_waterfilling=water_filling_capacity(h, power, 1.0, base="e"),
        mi_path=path,
        power=float(power),
        power_used=float(np.sum(np.asarray(result.params) ** 2)),
    )


def bpsk_tanh_mutual_information(theta: float, sigma: float) -> float:
    """:math:`I(X;Y)` in nats for BPSK ``X`` and :math:`Y = \\tanh(\\theta X) + \\sigma N`, by quadrature.

    Examples
    --------
    >>> bpsk_tanh_mutual_information(0.0, 1.0)
    0.0
    """
    from scipy import integrate

    u = math.tanh(theta)
    if u == 0:
        return 0.0

    def integrand(y: float) -> float:
        p = 0.5 * (math.exp(-((y - u) ** 2) / (2 * sigma**2)) + math.exp(-((y + u) ** 2) / (2 * sigma**2)))
        p /= math.sqrt(2 * math.pi) * sigma
        return -p * math.log(p) if p > 0 else 0.0

    h_y = integrate.quad(integrand, -abs(u) - 12 * sigma, abs(u) + 12 * sigma, limit=200)[0]
    return h_y - 0.5 * math.log(2 * math.pi * math.e * sigma**2)


def tanh_gradient_check(
    *, theta: float = 0.6, sigma: float = 0.5, batch: int = 100_000, fit_samples: int = 20_000,
    fit_steps: int = 600, rng: np.random.Generator | int | None = 0,
) -> GradientCheck:
    """:math:`dI/d\\theta` of the tanh channel: learned marginal score vs a quadrature central difference.

    Examples
    --------
    >>> c = tanh_gradient_check(batch=20_000, fit_samples=2_000, fit_steps=200, rng=0)
    >>> c.relative_error < 0.2
    True
    """
    gen = np.random.default_rng(rng)

    def channel(t: jax.Array, x: jax.Array, n: jax.Array) -> jax.Array:
        return jnp.tanh(t * x) + sigma * n

    x = gen.choice([-1.0, 1.0], size=(fit_samples, 1))
    noise = gen.normal(size=(fit_samples, 1))
    marginal = fit_denoising_score(np.tanh(theta * x) + sigma * noise, noise, sigma, steps=fit_steps,
                                   rng=int(gen.integers(2**31)))
    conditional = lambda y, xx: -(y - jnp.tanh(theta * xx)) / sigma**2  # noqa: E731
    x2, n2 = gen.choice([-1.0, 1.0], size=(batch, 1)), gen.normal(size=(batch, 1))
    grad = float(information_gradient(channel, jnp.float32(theta), x2, n2, marginal, conditional, base="e"))
    step = 1e-3
    exact = (bpsk_tanh_mutual_information(theta + step, sigma) - bpsk_tanh_mutual_information(theta - step, sigma))
    exact /= 2 * step
    return GradientCheck("tanh channel, learned marginal score", cosine_similarity([grad], [exact]),
                         relative_error([grad], [exact]), [grad], [exact])


@dataclass
class CalibrationCheck:
    """Digital-twin calibration: the twin's parameter path towards the real system's.

    Examples
    --------
    >>> CalibrationCheck(1.5, 1.45, [0.5, 1.45]).error
    0.05
    """

    theta_true: float
    theta_calibrated: float
    theta_path: list[float] = field(repr=False)

    @property
    def error(self) -> float:
        """``|theta_calibrated - theta_true|`` (rounded to 12 digits)."""
        return round(abs(self.theta_calibrated - self.theta_true), 12)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (with the error)."""
        return {**asdict(self), "error": self.error}


def digital_twin_calibration(
    *, theta_true: float = 1.5, theta_start: float = 0.5, sigma: float = 0.3, samples: int = 8000,
    iterations: int = 16, fit_steps: int = 300, learning_rate: float = 1.5,
    rng: np.random.Generator | int | None = 0,
) -> CalibrationCheck:
    """Calibrate :math:`\\theta` of the twin :math:`\\tanh(\\theta X) + \\sigma N` from real outputs only.

    ``X ~ N(0, 1)`` (the known excitation), the real outputs are drawn once with
    :math:`\\theta^*` = ``theta_true`` and never paired with the inputs.  Each
    iteration learns the twin's output score by DSM on its own noise, and
    descends :math:`D(p_\\theta\\|p_{\\rm real})` along
    :math:`\\mathbb E[J_\\theta^{\\mathsf T}(s_\\theta - s_{\\rm real})]` (one VJP, as
    in :func:`~dicert.verify.neural.information_gradient.information_gradient`).
    The real system's score is learned once by classic DSM with added noise
    ``sigma``; the twin is compared at the same smoothing (noise ``sqrt(2) sigma``).

    Examples
    --------
    >>> out = digital_twin_calibration(iterations=2, samples=500, fit_steps=50, rng=0)
    >>> len(out.theta_path)
    3
    """
    iterations = check_int_param("iterations", iterations, 1)
    samples = check_int_param("samples", samples, 100)
    gen = np.random.default_rng(rng)
    real = np.tanh(theta_true * gen.normal(size=(samples, 1))) + sigma * gen.normal(size=(samples, 1))
    smoothing = gen.normal(size=real.shape)
    s_real = fit_denoising_score(real + sigma * smoothing, smoothing, sigma, steps=fit_steps,
                                 rng=int(gen.integers(2**31)))
    total = math.sqrt(2.0) * sigma  # twin noise + the same smoothing, one Gaussian of this std

    def twin(t: jax.Array, x: jax.Array, n: jax.Array) -> jax.Array:
        return jnp.tanh(t * x) + total * n

    theta = float(theta_start)
    path = [theta]
    for _ in range(iterations):
        x, n = gen.normal(size=(samples, 1)), gen.normal(size=(samples, 1))
        y = np.tanh(theta * x) + total * n
        s_twin = fit_denoising_score(y, n, total, steps=fit_steps, rng=int(gen.integers(2**31)))
        # KL gradient = E[J^T (s_twin - s_real)]: information_gradient with "conditional" s_twin, "marginal" s_real
        grad = information_gradient(twin, jnp.float32(theta), x, n, s_real, lambda yy, xx: s_twin(yy), base="e")
        theta -= learning_rate * float(grad)
        path.append(theta)
    return CalibrationCheck(theta_true=float(theta_true), theta_calibrated=theta, theta_path=path)


@dataclass
class GradientDemo:
    """All four experiments (:func:`gradient_demo`); the headline figures are properties.

    Examples
    --------
    >>> GradientDemo([], None, None, None).to_dict()["multipath"]
    []
    """

    multipath: list[GradientCheck]
    ascent: AscentCheck | None
    tanh: GradientCheck | None
    calibration: CalibrationCheck | None

    def _headline(self) -> GradientCheck:
        learned = [c for c in self.multipath if c.name.startswith("learned")]
        return (learned or self.multipath)[0]

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` object: headline figures (learned scores when run) plus each experiment."""
        out: dict[str, Any] = {}
        if self.multipath:
            head = self._headline()
            out["cosine_similarity"] = head.cosine_similarity
            out["relative_error"] = head.relative_error
            out["headline_scores"] = head.name
        if self.ascent is not None:
            out["mi_reached"] = self.ascent.mi_reached
            out["mi_waterfilling"] = self.ascent.mi_waterfilling
            out["mi_ratio"] = self.ascent.ratio
        out["unit"] = "nats"
        out["multipath"] = [c.to_dict() for c in self.multipath]
        out["waterfilling"] = None if self.ascent is None else self.ascent.to_dict()
        out["tanh"] = None if self.tanh is None else self.tanh.to_dict()
        out["calibration"] = None if self.calibration is None else self.calibration.to_dict()
        return out


def gradient_demo(*, learned: bool = True, quick: bool = False, rng: int = 0) -> GradientDemo:
    """Run the four experiments; ``quick`` shrinks batches and fits (for doctests and smoke runs).

    Examples
    --------
    >>> demo = GradientDemo(multipath_gradient_check(learned=False, batch=5_000, rng=0), None, None, None)
    >>> sorted(k for k in demo.to_dict() if k.startswith(("cos", "rel", "mi_")))
    ['cosine_similarity', 'relative_error']
    """
    gen = np.random.default_rng(rng)
    seeds = [int(s) for s in gen.integers(0, 2**31, size=4)]
    scale = dict(batch=50_000, fit_samples=20_000, fit_steps=300) if quick else {}
    multipath = multipath_gradient_check(learned=learned, rng=seeds[0], **scale)
    ascent = waterfilling_ascent(steps=30 if quick else 60, rng=seeds[1])
    tanh = tanh_gradient_check(rng=seeds[2], **scale)
    calibration = digital_twin_calibration(
        rng=seeds[3], **(dict(iterations=4, samples=2000, fit_steps=100) if quick else {})
    )
    return GradientDemo(multipath, ascent, tanh, calibration)


def plot_gradient_demo(demo: GradientDemo, directory: Any) -> list[str]:
    """Write the demo's curves (PNG + SVG): gradients scatter, ascent path, calibration path.

    Examples
    --------
    >>> import tempfile
    >>> demo = GradientDemo([], AscentCheck(1.0, 1.0, [0.5, 1.0], 2.0, 2.0), None, None)
    >>> [p.rsplit("/", 1)[-1] for p in plot_gradient_demo(demo, tempfile.mkdtemp())]
    ['waterfilling_ascent.png', 'waterfilling_ascent.svg']
    """
    from pathlib import Path

    from dicert.verify.plots import _figure, _save, _style

    directory = Path(directory)
    written: list[Path] = []
    if demo.multipath:
        fig = _figure(4.5, 4.0)
        ax = fig.add_subplot()
        for check, marker in zip(demo.multipath, "ox", strict=False):
            ax.scatter(check.reference, check.estimate, marker=marker, label=f"{check.name} (cos {check.cosine_similarity:.4f})")
        lims = [min(min(c.reference) for c in demo.multipath), max(max(c.reference) for c in demo.multipath)]
        ax.plot(lims, lims, color="0.5", linewidth=0.8)
        ax.set_xlabel("analytic log-det gradient (nats)")
        ax.set_ylabel("score-based gradient (nats)")
        ax.set_title("multipath DAG: dI/d(A, B, C)")
        ax.legend(fontsize=7)
        _style(ax)
        written += _save(fig, directory / "multipath_gradient")
    if demo.ascent is not None:
        fig = _figure(5.0, 3.5)
        ax = fig.add_subplot()
        ax.plot(demo.ascent.mi_path, label="I(X;Y) along the ascent")
        ax.axhline(demo.ascent.mi_waterfilling, color="#D55E00", linestyle="--", label="water-filling capacity")
        ax.set_xlabel("step")
        ax.set_ylabel("nats")
        ax.legend()
        _style(ax)
        written += _save(fig, directory / "waterfilling_ascent")
    if demo.calibration is not None:
        fig = _figure(5.0, 3.5)
        ax = fig.add_subplot()
        ax.plot(demo.calibration.theta_path, marker="o", label="twin parameter")
        ax.axhline(demo.calibration.theta_true, color="#D55E00", linestyle="--", label="real system")
        ax.set_xlabel("iteration")
        ax.set_ylabel("theta")
        ax.legend()
        _style(ax)
        written += _save(fig, directory / "digital_twin_calibration")
    return [str(p) for p in written]

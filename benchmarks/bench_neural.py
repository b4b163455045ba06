"""Benchmark: DINE accuracy and time vs classical baselines, and information-gradient errors.

Needs the optional extra ``neural`` (``pip install "dicert[neural]"``). In one run:

- DINE (default hyper-parameters) on processes with exact DI rates from
  :mod:`dicert.verify.processes`, next to a baseline computed on the same
  samples: KSG (k=4, history=1) for continuous data, CTW (depth 3, I4) for
  discrete data. Columns: true DI / reverse DI, each estimate, seconds of the
  first DINE fit (includes JIT compilation for a new padded size) and of a
  second, warm fit; baseline seconds.
- The score-based information gradient of ``1/2 log det(I + H S H^T / s^2)``
  (linear Gaussian channel, 2x3) with analytic scores and with scores learned
  by denoising score matching: max abs error vs ``jax.grad`` of the closed form.
- With ``--check``: the full quick ``check_estimator`` report for DINE.

Run: ``python benchmarks/bench_neural.py`` (options: ``--n``, ``--seed``, ``--check``).
"""

from __future__ import annotations

import argparse
import math
import time

import jax
import jax.numpy as jnp
import numpy as np
from rich.console import Console
from rich.table import Table

from dicert.verify.estimators import CTW, KSG, check_estimator
from dicert.verify.neural import DINE, fit_denoising_score, information_gradient, linear_gaussian_channel_scores
from dicert.verify.processes import bsc_delay, feedback_xor, gaussian_var1, independent_gaussian


def _timed(function):  # noqa: ANN001, ANN202 - tiny helper
    start = time.perf_counter()
    value = function()
    return value, time.perf_counter() - start


def _dine_table(n: int, seed: int) -> Table:
    table = Table(title=f"DINE vs baseline, n = {n} (bits)")
    columns = ("process", "true DI", "DINE DI", "true rev", "DINE rev", "DINE s (cold/warm)")
    for column in columns + ("baseline", "base DI", "base rev", "base s"):
        table.add_column(column)
    processes = [
        ("VAR(1) x->y", gaussian_var1(n, [[0.0, 0.0], [0.8, 0.5]], np.eye(2), rng=seed), "continuous"),
        ("VAR(1) feedback", gaussian_var1(n, [[0.0, 0.6], [0.0, 0.42]], [[1.0, 0.7], [0.7, 1.49]], rng=seed), "continuous"),
        ("independent AR(1)", independent_gaussian(n, rng=seed), "continuous"),
        ("BSC(0.1), delay 1", bsc_delay(n, p=0.1, delay=1, rng=seed), "discrete"),
        ("feedback xor", feedback_xor(n, p=0.1, r=0.2, rng=seed), "discrete"),
    ]
    for name, sample, kind in processes:
        est, cold = _timed(lambda: DINE(input_kind=kind).fit(sample.x, sample.y))
        _, warm = _timed(lambda: DINE(input_kind=kind).fit(sample.x, sample.y))
        baseline = KSG(k=4, history=1) if kind == "continuous" else CTW(depth=3)
        base, base_seconds = _timed(lambda: baseline.fit(sample.x, sample.y))
        table.add_row(
            name,
            f"{sample.di_rate:.4f}",
            f"{est.di_rate_:.4f}",
            f"{sample.reverse_di_rate:.4f}",
            f"{est.reverse_di_rate_:.4f}",
            f"{cold:.1f} / {warm:.1f}",
            type(baseline).__name__,
            f"{base.di_rate_:.4f}",
            f"{base.reverse_di_rate_:.4f}",
            f"{base_seconds:.2f}",
        )
    return table


def _gradient_table(seed: int) -> Table:
    h = np.array([[1.0, 0.4, -0.3], [0.2, 0.8, 0.5]])
    sigma_x = np.array([[1.0, 0.3, 0.0], [0.3, 1.5, 0.2], [0.0, 0.2, 0.7]])
    noise_var = 0.5
    exact = np.asarray(
        jax.grad(lambda m: 0.5 * jnp.linalg.slogdet(jnp.eye(2) + m @ sigma_x @ m.T / noise_var)[1])(jnp.asarray(h, jnp.float32))
    )
    rng = np.random.default_rng(seed)

    def batch(n: int) -> tuple[np.ndarray, np.ndarray]:
        return rng.normal(size=(n, 3)) @ np.linalg.cholesky(sigma_x).T, rng.normal(size=(n, 2))

    def channel(m: jax.Array, x: jax.Array, noise: jax.Array) -> jax.Array:
        return x @ m.T + math.sqrt(noise_var) * noise

    table = Table(title="information gradient, linear Gaussian 2x3 (nats per unit of H)")
    for column in ("scores", "batch", "max |error|", "max |gradient|", "seconds"):
        table.add_column(column)
    marginal, conditional = linear_gaussian_channel_scores(h, sigma_x, noise_var)
    for n in (10_000, 100_000):
        x, noise = batch(n)
        grad, seconds = _timed(
            lambda: np.asarray(information_gradient(channel, jnp.asarray(h, jnp.float32), x, noise, marginal, conditional, base="e"))
        )
        table.add_row("analytic", str(n), f"{np.abs(grad - exact).max():.4f}", f"{np.abs(exact).max():.4f}", f"{seconds:.2f}")
    x, noise = batch(20_000)
    y = x @ h.T + math.sqrt(noise_var) * noise

    def learned() -> np.ndarray:
        m = fit_denoising_score(y, noise, math.sqrt(noise_var), steps=600, rng=0)
        c = fit_denoising_score(y, noise, math.sqrt(noise_var), condition=x, steps=600, rng=1)
        x2, n2 = batch(100_000)
        return np.asarray(information_gradient(channel, jnp.asarray(h, jnp.float32), x2, n2, m, c, base="e"))

    grad, seconds = _timed(learned)
    error, largest = f"{np.abs(grad - exact).max():.4f}", f"{np.abs(exact).max():.4f}"
    table.add_row("DSM (both learned)", "20000 fit / 100000", error, largest, f"{seconds:.2f}")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="samples per process")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check", action="store_true", help="also run check_estimator(DINE(), quick=True)")
    args = parser.parse_args()
    console = Console(width=160)
    console.print(f"JAX device: {jax.devices()[0]}")
    console.print(_dine_table(args.n, args.seed))
    console.print(_gradient_table(args.seed))
    if args.check:
        report, seconds = _timed(lambda: check_estimator(DINE(), quick=True, raise_on_failure=False))
        console.print(str(report))
        console.print(f"check_estimator(DINE(), quick=True): {seconds:.0f} s")


if __name__ == "__main__":
    main()

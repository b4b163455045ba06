"""Benchmark: RL (POU) feedback capacity of the q-ary Ising channel vs Thm 4.6.1, and training speed.

Needs the optional extra ``neural``. In one run:

- for each ``q`` (default 3..10): the Monte Carlo average reward ``rho_MC`` of
  a POU policy (sec. 4.6.3; 2 seeds vmapped, 1500 updates, batch 128, n = 20,
  actor MLP 2 x 64) next to the value of Thm 4.6.1,
  ``max_p 2 (H2(p) + (1-p) log2(q-1)) / (p + 3)``, computed here from (4.78)
  by bounded scalar maximisation (and checked against (4.79)); columns: the
  difference, the standard error of ``rho_MC``, seconds.  For q = 9, 10 the
  theorem does not apply (the formula is achievable only), so the row is a
  cross-check against the formula and against the certified brackets of
  ``dicert certify``/``discover`` where they exist;
- with ``--speed``: POU updates per second of the jit-compiled training loop
  for 1, 4 and 8 seeds under ``jax.vmap`` against the same seeds trained one
  after the other (the baseline in the same run), on JAX's default device
  (the CPU here, a GPU when JAX finds one; same script).

``uptime`` load is printed next to the numbers: timings on a shared machine are noisy.

Run: ``python benchmarks/bench_neural_rl.py [--q 3 4 5] [--speed] [--updates N]``.
"""

from __future__ import annotations

import argparse
import math
import os
import time

import jax
import numpy as np
from rich.console import Console
from rich.table import Table
from scipy.optimize import minimize_scalar

from dicert.verify.channels import parse_channel
from dicert.verify.neural.rl import train_pou


def theorem_461(q: int) -> float:
    """Thm 4.6.1 (4.78) by maximisation over p; asserts agreement with (4.79)."""

    def negative(p: float) -> float:
        h2 = -p * math.log2(p) - (1 - p) * math.log2(1 - p)
        return -2 * (h2 + (1 - p) * math.log2(q - 1)) / (p + 3)

    best = minimize_scalar(negative, bounds=(1e-12, 1 - 1e-12), method="bounded", options={"xatol": 1e-14})
    roots = [r.real for r in np.roots([1, -((q - 1) ** 4 + 4), 6, -4, 1]) if abs(r.imag) < 1e-9 and 0 < r.real < 1]
    closed = 0.5 * math.log2(1 / min(roots, key=lambda r: abs(r - best.x)))
    assert abs(closed + best.fun) < 1e-9, (q, closed, -best.fun)
    return float(-best.fun)


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def q_table(qs: list[int], updates: int, seeds: int, chains: int, steps: int) -> Table:
    table = Table(title=f"q-ary Ising by RL (POU, {seeds} seeds, {updates} updates) vs Thm 4.6.1, bits/use")
    for column in ("q", "Thm 4.6.1", "RL rho_MC", "RL - Thm", "stderr", "|diff| < 1e-3", "seconds", "load"):
        table.add_column(column, justify="right")
    for q in qs:
        start = time.perf_counter()
        result = train_pou(parse_channel(f"ising:q={q}"), updates=updates, seeds=seeds, evaluation_chains=chains,
                           evaluation_steps=steps, rng=0)
        seconds = time.perf_counter() - start
        reference = theorem_461(q)
        diff = result.rho_mc - reference
        note = "" if q <= 8 else " (formula only)"
        row = (str(q), f"{reference:.6f}{note}", f"{result.rho_mc:.6f}", f"{diff:+.2e}",
               f"{result.rho_mc_stderr:.1e}", "yes" if abs(diff) < 1e-3 else "NO", f"{seconds:.0f}", _load())
        table.add_row(*row)
        print(" | ".join(row), flush=True)  # progress: one line per q as it completes
    return table


def speed_table(updates: int) -> Table:
    channel = parse_channel("ising:q=3")
    kwargs = dict(updates=updates, evaluation_chains=8, evaluation_steps=20)
    table = Table(title=f"POU training speed on {jax.devices()[0].platform} (ising:q=3, {updates} updates)")
    for column in ("seeds", "vmapped updates/s", "sequential updates/s", "speed-up", "load"):
        table.add_column(column, justify="right")
    for seeds in (1, 4, 8):
        train_pou(channel, seeds=seeds, **kwargs)  # compile
        vmapped = train_pou(channel, seeds=seeds, rng=1, **kwargs).steps_per_second
        start = time.perf_counter()
        for s in range(seeds):
            train_pou(channel, seeds=1, rng=10 + s, **kwargs)  # one at a time (compiled once above for seeds=1)
        sequential = updates * seeds / (time.perf_counter() - start)
        table.add_row(str(seeds), f"{vmapped:.0f}", f"{sequential:.0f}", f"{vmapped / sequential:.2f}x", _load())
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--q", type=int, nargs="*", default=list(range(3, 11)))
    parser.add_argument("--updates", type=int, default=1500)
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--chains", type=int, default=512, help="evaluation chains")
    parser.add_argument("--steps", type=int, default=3000, help="evaluation steps per chain")
    parser.add_argument("--speed", action="store_true", help="also the updates/s table")
    parser.add_argument("--speed-only", action="store_true")
    args = parser.parse_args()
    console = Console(width=140)
    console.print(f"JAX device: {jax.devices()[0]}; load {_load()}")
    if not args.speed_only:
        console.print(q_table(args.q, args.updates, args.seeds, args.chains, args.steps))
    if args.speed or args.speed_only:
        console.print(speed_table(300))


if __name__ == "__main__":
    main()

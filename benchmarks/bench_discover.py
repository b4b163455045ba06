"""Benchmark: ``dicert discover`` end to end, and extended BA vs the n-letter convex program.

Two tables, all timings from this run:

1. ``dicert discover CHANNEL --json`` for the trapdoor and Ising channels as a
   subprocess (whole-process wall time, target under 60 s each), with the stage
   timings reported by the command and the distance of the upper bound to the
   known capacity (computed here from the closed forms);
2. ``C_n(s0=0)`` of the trapdoor for ``n = 1..N``: the extended Blahut-Arimoto
   algorithm (2.44)-(2.47) at bracket width ``--tol`` against the baseline, the
   cvxpy/Clarabel program of :func:`dicert.verify.capacity.nletter.nletter_value`;
   columns: both times, their ratio, and the difference of the values.

Run: ``python benchmarks/bench_discover.py`` (options: ``--n-max``, ``--tol``).
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from dicert.verify.capacity.directed_ba import directed_blahut_arimoto
from dicert.verify.capacity.nletter import nletter_value
from dicert.verify.channels import parse_channel


def _known() -> dict[str, float]:
    roots = np.roots([1.0, -5.0, 6.0, -4.0, 1.0])  # a^3 = (1 - a)^4
    a = next(r.real for r in roots if abs(r.imag) < 1e-12 and 0 < r.real < 1)
    return {"trapdoor": math.log2((1 + math.sqrt(5)) / 2), "ising": -0.5 * math.log2(a)}


def discover_table(console: Console) -> None:
    table = Table(title="dicert discover CHANNEL --json (subprocess)")
    for column in ("channel", "wall s", "VI s", "bounds s", "nodes", "upper", "gap", "|upper - C|"):
        table.add_column(column, justify="right")
    for name, capacity in _known().items():
        start = time.perf_counter()
        out = subprocess.run(
            [str(Path(sys.executable).with_name("dicert")), "discover", name, "--json"],
            check=True, capture_output=True, text=True,
        ).stdout
        wall = time.perf_counter() - start
        data = json.loads(out)
        table.add_row(
            name, f"{wall:.1f}", f"{data['timings']['value_iteration']:.1f}", f"{data['timings']['bounds']:.1f}",
            str(data["nodes"]), f"{data['upper']:.12f}", f"{data['gap']:.1e}", f"{abs(data['upper'] - capacity):.1e}",
        )
    console.print(table)


def nletter_table(console: Console, n_max: int, tol: float) -> None:
    channel = parse_channel("trapdoor")
    table = Table(title=f"trapdoor C_n(s0=0): extended BA (tol {tol:g}) vs cvxpy/Clarabel baseline")
    for column in ("n", "BA s", "BA iterations", "cvxpy s", "BA / cvxpy", "C_n (cvxpy)", "|BA - cvxpy|"):
        table.add_column(column, justify="right")
    for n in range(1, n_max + 1):
        start = time.perf_counter()
        program = nletter_value(channel, n)
        t_cvx = time.perf_counter() - start
        start = time.perf_counter()
        ba = directed_blahut_arimoto(channel, n, tol=tol)
        t_ba = time.perf_counter() - start
        table.add_row(
            str(n), f"{t_ba:.3f}", str(ba.iterations), f"{t_cvx:.3f}", f"{t_ba / t_cvx:.2f}",
            f"{program.value:.10f}", f"{abs(ba.value - program.value):.1e}",
        )
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-max", type=int, default=6)
    parser.add_argument("--tol", type=float, default=1e-7)
    args = parser.parse_args()
    console = Console(width=140)
    discover_table(console)
    nletter_table(console, args.n_max, args.tol)


if __name__ == "__main__":
    main()

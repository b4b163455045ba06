"""Benchmark: certified Ising / trapdoor values vs a non-rigorous mpmath baseline, and CLI start-up.

For each number of digits D the script times, in the same run:

- ``certified``: the full ``dicert.proofs.ising.build(D)`` (Sturm isolation,
  exact sign-change refinement, Arb evaluation, the exact Bellman check (c),
  and the re-verified 4-node Q-graph witness), and the same for the trapdoor;
- ``baseline``: mpmath ``findroot`` of ``(1-a)^4 - a^3`` and ``-1/2 log2 a`` at D
  digits -- the same digits, but no proof of uniqueness and no error bound.

It also runs the Quickstart command ``dicert certify ising --digits 1000 --json``
as a subprocess (whole-process wall time, the target is under 1 s) and
``dicert certify --all``.  Columns: best wall-clock time over ``--repeats`` runs
and the ratio certified / baseline; the last column checks that the certified
interval contains the baseline value.

Run: ``python benchmarks/bench_certify.py`` (options: ``--digits``, ``--repeats``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import mpmath
from rich.console import Console
from rich.table import Table

from dicert.proofs import ising, trapdoor


def _best(function, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def _baseline_ising(digits: int) -> mpmath.mpf:
    mpmath.mp.dps = digits + 10
    a = mpmath.findroot(lambda x: (1 - x) ** 4 - x**3, mpmath.mpf("0.45"))
    return -mpmath.log(a, 2) / 2


def _baseline_trapdoor(digits: int) -> mpmath.mpf:
    mpmath.mp.dps = digits + 10
    return mpmath.log(mpmath.findroot(lambda x: x**2 - x - 1, mpmath.mpf("1.6")), 2)


def _process_seconds(args: list[str], repeats: int) -> float:
    cmd = [sys.executable, "-c", "from dicert.proofs.cli import main; main()", *args]
    return _best(lambda: subprocess.run(cmd, capture_output=True, check=True), repeats)


def main() -> None:
    sys.set_int_max_str_digits(0)  # mpmath parses the 10000-digit end points through int()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digits", type=int, nargs="+", default=[30, 1000, 10000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    console = Console()
    table = Table(title="certified value vs mpmath baseline (same run)")
    for col in ("result", "digits", "certified (s)", "baseline (s)", "ratio", "baseline in interval"):
        table.add_column(col, justify="right")
    for name, build, baseline in (("ising", ising.build, _baseline_ising), ("trapdoor", trapdoor.build, _baseline_trapdoor)):
        for d in args.digits:
            cert_t = _best(lambda: build(digits=d), args.repeats)
            base_t = _best(lambda: baseline(d), args.repeats)
            cert = build(digits=d)
            value = baseline(d)
            mpmath.mp.dps = d + 10
            box = cert.cited_interval  # the closed form enclosure (the proven C_fb interval is ~78 digits)
            inside = mpmath.mpf(box.lo) <= value <= mpmath.mpf(box.hi)
            table.add_row(name, str(d), f"{cert_t:.4f}", f"{base_t:.4f}", f"{cert_t / base_t:.1f}x", str(inside))
    console.print(table)
    proc = Table(title="whole-process wall time (subprocess, best of repeats)")
    proc.add_column("command")
    proc.add_column("seconds", justify="right")
    for argv in (["--version"], ["certify", "ising", "--digits", "1000", "--json"], ["certify", "--all", "--json"]):
        proc.add_row("dicert " + " ".join(argv), f"{_process_seconds(argv, args.repeats):.3f}")
    console.print(proc)


if __name__ == "__main__":
    main()

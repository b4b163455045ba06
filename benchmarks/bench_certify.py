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

Targets (issue 16): 10**5 digits under 0.5 s and 10**6 digits under 10 s in-process;
``certified CPU (s)`` is this process's CPU time for the best run (less sensitive
to a shared machine's load than wall time).  The baseline is skipped above
``--max-baseline-digits`` (mpmath at 10**6 digits takes minutes).

Run: ``python benchmarks/bench_certify.py`` (options: ``--digits``, ``--repeats``);
the 10**6 row: ``python benchmarks/bench_certify.py --digits 100000 1000000 --repeats 1 --no-process``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import mpmath
from rich.console import Console
from rich.table import Table

from dicert.proofs import ising, trapdoor


def _best(function, repeats: int) -> float:
    return _best_wall_cpu(function, repeats)[0]


def _best_wall_cpu(function, repeats: int) -> tuple[float, float]:
    """Best wall-clock seconds over ``repeats`` runs, and the CPU seconds of that run."""
    best = (float("inf"), float("inf"))
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        function()
        best = min(best, (time.perf_counter() - start, time.process_time() - cpu))
    return best


TARGETS = {100000: "< 0.5 s", 1000000: "< 10 s"}


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
    parser.add_argument("--max-baseline-digits", type=int, default=100000)
    parser.add_argument("--no-process", action="store_true", help="skip the subprocess table")
    args = parser.parse_args()
    console = Console(width=160)
    load = os.getloadavg()[0]
    table = Table(title=f"certified value vs mpmath baseline (same run; 1-min load {load:.1f}, {os.cpu_count()} CPUs)")
    for col in ("result", "digits", "certified (s)", "certified CPU (s)", "baseline (s)", "ratio", "baseline in interval",
                "target"):
        table.add_column(col, justify="right")
    for name, build, baseline in (("ising", ising.build, _baseline_ising), ("trapdoor", trapdoor.build, _baseline_trapdoor)):
        for d in args.digits:
            cert_t, cert_cpu = _best_wall_cpu(lambda: build(digits=d), args.repeats)
            cert = build(digits=d)
            base, inside = "-", "-"
            if d <= args.max_baseline_digits:
                base_t = _best(lambda: baseline(d), args.repeats)
                value = baseline(d)
                mpmath.mp.dps = d + 10
                box = cert.cited_interval  # the closed form enclosure (the proven C_fb interval is ~78 digits)
                inside = str(mpmath.mpf(box.lo) <= value <= mpmath.mpf(box.hi))
                base = f"{base_t:.4f}"
            ratio = "-" if base == "-" else f"{cert_t / float(base):.1f}x"
            table.add_row(name, str(d), f"{cert_t:.4f}", f"{cert_cpu:.4f}", base, ratio, inside,
                          TARGETS.get(d, "") if name == "ising" else "")
    console.print(table)
    if args.no_process:
        return
    proc = Table(title="whole-process wall time (subprocess, best of repeats)")
    proc.add_column("command")
    proc.add_column("seconds", justify="right")
    for argv in (["--version"], ["certify", "ising", "--digits", "1000", "--json"], ["certify", "--all", "--json"]):
        proc.add_row("dicert " + " ".join(argv), f"{_process_seconds(argv, args.repeats):.3f}")
    console.print(proc)


if __name__ == "__main__":
    main()

"""Benchmark: directed information of binary n-letter pmfs, dicert vs a dit baseline.

For n = 2..12 it draws a random pmf P(x^n, y^n) over 2n binary variables
(2^(2n) cells, Dirichlet(1)) and measures

* the time of ``directed_information(p, xs, ys)`` (best of ``--repeats``),
* its peak traced memory (numpy allocations, ``tracemalloc``) beyond the pmf
  array itself, as a multiple of the array's size, and the total
  (array + temporaries) as a multiple (for tiny pmfs the fixed overhead of
  Python objects dominates these ratios, and joints of at most 4096 cells
  take a batched path that trades a few times their size, i.e. some hundred
  KiB, for speed; the target is checked where the pmf is >= 0.5 MiB, n >= 8),
* for n <= ``--dit-max-n``, the baseline computed in the same run: DI as the
  sum of conditional mutual informations ``sum_i I(X^i; Y_i | Y^{i-1})``
  (2.1), each computed by dit's ``coinformation`` on a ``dit.Distribution``
  of the same pmf (building the Distribution is not timed). Both values are
  printed and must agree.

Targets (issue 3): n = 10 under 50 ms, peak memory under 3x the pmf array,
>= 100x faster than the dit baseline at n = 6.

Usage::

    python benchmarks/bench_directed_information.py
    python benchmarks/bench_directed_information.py --max-n 10 --dit-max-n 5 --repeats 3
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from dicert.verify import Pmf
from dicert.verify.measures import directed_information


def names(n: int) -> tuple[list[str], list[str]]:
    return [f"X{i}" for i in range(1, n + 1)], [f"Y{i}" for i in range(1, n + 1)]


def best_time(func: Callable[[], float], repeats: int) -> tuple[float, float]:
    value = func()  # warm-up (imports, caches)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        value = func()
        best = min(best, time.perf_counter() - start)
    return value, best


def peak_extra_bytes(func: Callable[[], float]) -> int:
    tracemalloc.start()
    try:
        func()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def dit_directed_information(p: Pmf, xs: list[str], ys: list[str], repeats: int) -> tuple[float, float]:
    import dit
    from dit.multivariate import coinformation

    outcomes = [index for index in np.ndindex(*p.shape)]
    distribution = dit.Distribution(outcomes, p.array.reshape(-1).tolist())
    distribution.set_rv_names(list(p.names))

    def run() -> float:
        return float(sum(coinformation(distribution, [xs[: i + 1], [ys[i]]], ys[:i]) for i in range(len(ys))))

    return best_time(run, repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-n", type=int, default=2)
    parser.add_argument("--max-n", type=int, default=12)
    parser.add_argument("--dit-max-n", type=int, default=6, help="largest n for the dit baseline")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dit-repeats", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    rows: list[list[str]] = []
    checks: dict[str, bool] = {}
    rng = np.random.default_rng(args.seed)
    for n in range(args.min_n, args.max_n + 1):
        xs, ys = names(n)
        p = Pmf.random((2,) * (2 * n), xs + ys, rng=rng)
        array_bytes = p.array.nbytes

        def ours(p: Pmf = p, xs: list[str] = xs, ys: list[str] = ys) -> float:
            return directed_information(p, xs, ys)

        value, seconds = best_time(ours, args.repeats)
        extra = peak_extra_bytes(ours)
        row = [
            str(n),
            f"{2 ** (2 * n):,}",
            f"{array_bytes / 2**20:.3f}",
            f"{seconds * 1e3:.3f}",
            f"{extra / array_bytes:.2f}",
            f"{(array_bytes + extra) / array_bytes:.2f}",
            f"{value:.10f}",
        ]
        if n <= args.dit_max_n:
            baseline_value, baseline_seconds = dit_directed_information(p, xs, ys, args.dit_repeats)
            speedup = baseline_seconds / seconds
            row += [f"{baseline_seconds * 1e3:.1f}", f"{speedup:,.0f}x", f"{abs(baseline_value - value):.1e}"]
            if abs(baseline_value - value) > 1e-9:
                raise SystemExit(f"n={n}: dicert DI {value} and dit DI {baseline_value} disagree")
            if n == 6:
                checks["n=6: >= 100x faster than dit"] = speedup >= 100
        else:
            row += ["-", "-", "-"]
        if n == 10:
            checks["n=10: DI under 50 ms"] = seconds < 0.050
        if array_bytes >= 2**19:  # below ~0.5 MiB, fixed Python-object overheads dominate the ratio
            key = "n>=8: peak memory (pmf array + temporaries) under 3x the pmf array"
            checks[key] = checks.get(key, True) and (array_bytes + extra) < 3 * array_bytes
        rows.append(row)

    headers = [
        "n",
        "cells",
        "pmf MiB",
        "dicert ms",
        "extra peak / pmf",
        "total peak / pmf",
        "DI (bits)",
        "dit ms",
        "speed-up",
        "|diff|",
    ]
    try:
        from rich.console import Console
        from rich.table import Table

        table = Table(title="Directed information I(X^n -> Y^n), random binary pmfs (best of repeats)")
        for header in headers:
            table.add_column(header, justify="right")
        for row in rows:
            table.add_row(*row)
        Console(width=160).print(table)
    except ImportError:
        print(" | ".join(headers))
        for row in rows:
            print(" | ".join(row))
    for name, ok in checks.items():
        print(f"target {name}: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()

"""Benchmark: counting strongly connected Q-graphs by orderly generation vs brute force.

For each (m, r) it prints the count, the number of candidate words the orderly
generator tests (BFS normal forms, OEIS A006689 for r = 2), the counting time
with 1 and with ``--jobs`` worker processes, the peak traced memory (numpy
allocations, one process), and, where ``r**(m*r)`` is small enough, the
baseline measured in the same run: all ``m**(m*r)`` maps ``phi``, a strong
connectivity filter (transitive closure), vectorised canonical forms and
``numpy.unique``.  Both methods must agree on the count.

Usage::

    python benchmarks/bench_enumerate.py                 # r=2: m=1..6, r=3: m=1..4, r=4: m=1..3
    python benchmarks/bench_enumerate.py --baseline-max 200000 --jobs 2
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable

import numpy as np

from dicert.graphs.enumerate import canonical_forms, count_accessible_automata, count_qgraphs

CASES = [(m, 2) for m in range(1, 7)] + [(m, 3) for m in range(1, 5)] + [(m, 4) for m in range(1, 4)]


def brute_force_count(m: int, r: int, chunk: int = 1 << 16) -> int:
    """Baseline: every phi, strongly connected ones reduced to canonical form, deduplicated."""
    total = m ** (m * r)
    seen: set[bytes] = set()
    powers = m ** np.arange(m * r - 1, -1, -1, dtype=np.int64)
    for lo in range(0, total, chunk):
        codes = np.arange(lo, min(lo + chunk, total), dtype=np.int64)
        phis = ((codes[:, None] // powers[None, :]) % m).reshape(-1, m, r)
        reach = np.zeros((phis.shape[0], m, m), dtype=np.int64)
        reach[np.arange(phis.shape[0])[:, None, None], np.arange(m)[None, :, None], phis] = 1
        reach |= np.eye(m, dtype=np.int64)[None]
        for _ in range(max(1, int(np.ceil(np.log2(m))))):
            reach = np.minimum(reach @ reach, 1)
        strong = phis[reach.all(axis=(1, 2))]
        if strong.shape[0]:
            forms = np.unique(canonical_forms(strong).reshape(strong.shape[0], -1), axis=0).astype(np.int8)
            seen.update(row.tobytes() for row in forms)
    return len(seen)


def timed(func: Callable[[], int]) -> tuple[int, float]:
    start = time.perf_counter()
    value = func()
    return value, time.perf_counter() - start


def peak_mib(func: Callable[[], int]) -> float:
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="worker processes for the parallel column (default 2)")
    parser.add_argument("--baseline-max", type=int, default=70_000, help="run the brute-force baseline when m**(m*r) <= this")
    parser.add_argument("--max-m", type=int, default=6, help="largest m to run")
    args = parser.parse_args()

    header = f"| {'m':>2} | {'r':>2} | {'count':>9} | {'candidates':>10} | {'orderly 1 job':>13} | {f'orderly {args.jobs} jobs':>14} | {'peak MiB':>8} | {'brute force':>11} | {'bf peak MiB':>11} |"
    print(header)
    print("|" + "|".join("-" * (len(c)) for c in header.split("|")[1:-1]) + "|")
    for m, r in CASES:
        if m > args.max_m:
            continue
        count, serial = timed(lambda: count_qgraphs(m, r))
        count_par, parallel = timed(lambda: count_qgraphs(m, r, jobs=args.jobs))
        assert count_par == count, (m, r, count, count_par)
        peak = peak_mib(lambda: count_qgraphs(m, r))
        candidates = count_accessible_automata(m, r)
        if m ** (m * r) <= args.baseline_max:
            bf_count, bf_time = timed(lambda: brute_force_count(m, r))
            assert bf_count == count, (m, r, count, bf_count)
            bf_peak = peak_mib(lambda: brute_force_count(m, r))
            bf = f"{bf_time:10.3f}s"
            bf_mem = f"{bf_peak:11.1f}"
        else:
            bf, bf_mem = f"{'-':>11}", f"{'-':>11}"
        print(
            f"| {m:>2} | {r:>2} | {count:>9} | {candidates:>10} | {serial:12.3f}s | {parallel:13.3f}s | {peak:8.1f} | {bf} | {bf_mem} |",
            flush=True,
        )


if __name__ == "__main__":
    main()

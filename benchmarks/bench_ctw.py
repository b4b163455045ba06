"""Benchmark: vectorised CTW DI estimator vs a per-symbol Python tree, binary data, depth 3.

For each n the script times ``CTW(depth=3, variant="I4").fit(x, y)`` (three CTW
assignments -- on y, on x and on the 4-ary pair process -- plus the I4
functional) and measures its peak traced memory (``tracemalloc``). For the
sizes where it is feasible it also runs the textbook per-symbol tree
(:func:`dicert.verify.estimators.ctw_reference.ctw_predictive_reference`) on
the same three sequences in the same run, reports its time, and checks that
both give the same predictive probabilities. Columns: best wall-clock and CPU
time of the fit, its peak traced memory, its error against the true DI rate,
CPU time of the three CTW assignments (vectorised and per-symbol tree), the
speed-up and the largest difference between the two sets of probabilities.

Data: X i.i.d. Bern(1/2), Y_i = X_{i-1} xor Bern(0.1) (true DI rate 1 - H2(0.1)).
Target: n = 1e6 in under 2 s.

Run: ``python benchmarks/bench_ctw.py`` (options: ``--sizes``, ``--reference-max``, ``--repeats``).
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
from rich.console import Console
from rich.table import Table

from dicert.verify.estimators import CTW
from dicert.verify.estimators.ctw import ctw_predictive
from dicert.verify.estimators.ctw_reference import ctw_predictive_reference
from dicert.verify.processes import bsc_delay

DEPTH = 3


def _best_time(function, repeats: int) -> tuple[float, float]:
    """Best wall-clock and best CPU time (the machine may be shared) over ``repeats`` runs."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best_wall, best_cpu


def _peak_mib(function) -> float:
    tracemalloc.start()
    function()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1e4, 3e4, 1e5, 3e5, 1e6])
    parser.add_argument("--reference-max", type=float, default=3e4, help="largest n for the per-symbol tree")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    table = Table(title=f"CTW DI estimator (I4), binary x and y, depth {DEPTH}")
    for column in ("n", "fit wall s", "fit CPU s", "peak MiB", "DI-truth", "CTWs vec s", "CTWs tree s", "speed-up", "max|dp|"):
        table.add_column(column, justify="right")
    for size in args.sizes:
        n = int(size)
        sample = bsc_delay(n, p=0.1, delay=1, rng=12345)
        x, y = sample.x, sample.y
        z = 2 * x + y
        estimator = CTW(depth=DEPTH, variant="I4")
        fit_wall, fit_cpu = _best_time(lambda: estimator.fit(x, y), args.repeats)
        peak = _peak_mib(lambda: CTW(depth=DEPTH, variant="I4").fit(x, y))
        error = estimator.di_rate_ - sample.di_rate

        def vectorised() -> list[np.ndarray]:
            return [ctw_predictive(y, 2, DEPTH), ctw_predictive(x, 2, DEPTH), ctw_predictive(z, 4, DEPTH)]

        vector_time = _best_time(vectorised, args.repeats)[1]
        if n <= args.reference_max:
            started = time.process_time()
            reference = [
                ctw_predictive_reference(y, 2, DEPTH),
                ctw_predictive_reference(x, 2, DEPTH),
                ctw_predictive_reference(z, 4, DEPTH),
            ]
            reference_time = time.process_time() - started
            deviation = max(float(np.max(np.abs(a - b))) for a, b in zip(vectorised(), reference))
            ref_cells = (f"{reference_time:.3f}", f"{reference_time / vector_time:.0f}x", f"{deviation:.1e}")
        else:
            ref_cells = ("-", "-", "-")
        table.add_row(
            f"{n:.0e}", f"{fit_wall:.3f}", f"{fit_cpu:.3f}", f"{peak:.0f}", f"{error:+.4f}", f"{vector_time:.3f}", *ref_cells
        )
    Console(width=160).print(table)


if __name__ == "__main__":
    main()

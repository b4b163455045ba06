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

Second table (``--sparse-sizes``): the sparse context tree
(:mod:`dicert.verify.estimators.ctw_sparse`) that ``CTW(variant="I1")`` uses by
itself past the dense tree's memory limit. Data: X on a 1000-symbol alphabet
(0/1 with probability 0.99, else uniform on 2..999), Y_t = X_{t-1} mod 2 (true
DI rate 1 bit). Columns: the dense tree's size model, the sparse fit's wall
time, us/sample, peak traced memory, the estimate and its interval; and, in the
same run, the sparse and dense I1 on binary bsc data at n = 1e5 (time, largest
increment difference). ``--sparse-coverage SEEDS``: how often the sparse and the
dense CTW(depth=3, I1) intervals contain the true rates on four ground-truth
processes at n = 20000.

Run: ``python benchmarks/bench_ctw.py`` (options: ``--sizes``, ``--reference-max``, ``--repeats``,
``--sparse-sizes``, ``--sparse-coverage``).
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
from dicert.verify.memory import format_size, memory_limit
from dicert.verify.estimators.ctw_sparse import ctw_sparse_fit_bytes
from dicert.verify.processes import bsc_delay
from dicert.verify.sizes import ctw_fit_bytes

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
    parser.add_argument("--sizes", type=float, nargs="*", default=[1e4, 3e4, 1e5, 3e5, 1e6])
    parser.add_argument("--reference-max", type=float, default=3e4, help="largest n for the per-symbol tree")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sparse-sizes", type=float, nargs="*", default=[2e4, 1e5, 1e6])
    parser.add_argument("--sparse-coverage", type=int, default=0, metavar="SEEDS",
                        help="coverage of the sparse vs dense I1 interval over SEEDS seeds (n = 20000)")
    args = parser.parse_args()
    if args.sparse_coverage:
        _sparse_coverage(args.sparse_coverage, 20_000)
    if args.sparse_sizes:
        _sparse_table([int(s) for s in args.sparse_sizes], args.repeats)
    if not args.sizes:
        return

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


def _sparse_table(sizes: list[int], repeats: int) -> None:
    """The sparse tree on a 1000-symbol input, and sparse vs dense I1 on binary data (same run)."""
    table = Table(title="sparse CTW (I1), X on 1000 symbols, Y_t = X_{t-1} mod 2 (true DI 1 bit), depth 2")
    for column in ("n", "dense tree would need", "tree", "fit wall s", "us/sample", "peak MiB", "DI", "95% interval"):
        table.add_column(column, justify="right")
    rng = np.random.default_rng(0)
    for n in sizes:
        x = np.where(rng.random(n) < 0.01, rng.integers(2, 1000, n), rng.integers(0, 2, n))
        y = np.roll(x, 1) % 2
        estimator = CTW(depth=2, variant="I1", alphabet_size=(1000, 2))
        with memory_limit("4GiB"):
            wall, _ = _best_time(lambda: estimator.fit(x, y), repeats if n <= 10**5 else 1)
            peak = _peak_mib(lambda: CTW(depth=2, variant="I1", alphabet_size=(1000, 2)).fit(x, y))
        low, high = estimator.di_rate_ci_
        table.add_row(f"{n:.0e}", format_size(ctw_fit_bytes(1000, 2, n, 2)), estimator.tree_, f"{wall:.3f}",
                      f"{wall / n * 1e6:.2f}", f"{peak:.0f}", f"{estimator.di_rate_:.4f}", f"[{low:.3f}, {high:.3f}]")
    Console(width=160).print(table)
    n = 10**5
    sample = bsc_delay(n, p=0.1, delay=1, rng=12345)
    dense = CTW(depth=DEPTH, variant="I1")
    dense_wall, _ = _best_time(lambda: dense.fit(sample.x, sample.y), repeats)
    sparse = CTW(depth=DEPTH, variant="I1")
    with memory_limit(ctw_sparse_fit_bytes(n, DEPTH)):  # below the dense tree's size: the sparse path
        sparse_wall, _ = _best_time(lambda: sparse.fit(sample.x, sample.y), repeats)
    gap = float(np.max(np.abs(sparse.di_increments_ - dense.di_increments_)))
    print(f"binary bsc_delay, n = {n:.0e}, depth {DEPTH}, I1: dense {dense_wall:.3f} s, sparse ({sparse.tree_}) "
          f"{sparse_wall:.3f} s, max |increment difference| {gap:.1e}, DI {dense.di_rate_:.5f} / {sparse.di_rate_:.5f}")


def _sparse_coverage(seeds: int, n: int) -> None:
    """How often the sparse and the dense CTW(depth=3, I1) intervals contain the true rates (same seeds)."""
    from dicert.verify.processes import copy_channel, feedback_xor, markov_erasure

    processes = {
        "bsc_delay(p=0.1)": lambda seed: bsc_delay(n, p=0.1, rng=seed),
        "feedback_xor(0.1,0.2)": lambda seed: feedback_xor(n, p=0.1, r=0.2, rng=seed),
        "markov_erasure(0.2,0.3)": lambda seed: markov_erasure(n, 0.2, 0.3, rng=seed),
        "copy_channel(5)": lambda seed: copy_channel(n, 5, rng=seed),
    }
    table = Table(title=f"coverage of the CTW(depth=3, I1) 95% interval, n = {n}, {seeds} seeds: DI / reverse")
    for column in ("process", "sparse tree", "dense tree"):
        table.add_column(column, justify="right")
    for name, make in processes.items():
        hits = np.zeros(4)
        for seed in range(seeds):
            sample = make(seed)
            with memory_limit(ctw_sparse_fit_bytes(n, DEPTH)):  # forces the sparse path
                sparse = CTW(depth=DEPTH, variant="I1").fit(sample.x, sample.y)
            dense = CTW(depth=DEPTH, variant="I1").fit(sample.x, sample.y)
            for i, fitted in enumerate((sparse, dense)):
                hits[2 * i] += fitted.di_rate_ci_[0] <= sample.di_rate <= fitted.di_rate_ci_[1]
                hits[2 * i + 1] += fitted.reverse_di_rate_ci_[0] <= sample.reverse_di_rate <= fitted.reverse_di_rate_ci_[1]
        rates = hits / seeds
        table.add_row(name, f"{rates[0]:.2f} / {rates[1]:.2f}", f"{rates[2]:.2f} / {rates[3]:.2f}")
    Console(width=160).print(table)


if __name__ == "__main__":
    main()

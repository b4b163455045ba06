"""Benchmark: calibration and power of the surrogate significance tests (``.test``).

Calibration: under independence (``independent_discrete`` / ``independent_gaussian``)
the surrogate p-values of ``I(X -> Y)`` and ``I(DY -> X)`` over ``--seeds``
seeds should be uniform; the script reports the Kolmogorov-Smirnov statistic
and p-value against U(0, 1) (p-values are multiples of ``1/(N+1)``, so the
test is slightly conservative), and the rejection rates at 5% and 1%.
Power: on dependent processes (``bsc_delay`` at n = 2000; a Gaussian VAR(1))
the fraction of seeds where the DI test rejects at 1%, and where the reverse
DI test (true rate 0) rejects at 1% (should be about 1% or below).

Target (issue 15): KS uniformity not rejected over 100 seeds; rejection at 1%
on ``bsc_delay`` at n = 2000.

Run: ``python benchmarks/bench_estimators_significance.py`` (options:
``--seeds``, ``--surrogates``, ``--method``, ``--jobs``, ``--only``).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from rich.console import Console
from rich.table import Table
from scipy.stats import kstest

from dicert.verify.estimators import CTW, KSG, GaussianGranger, PlugIn, surrogate_test
from dicert.verify.processes import (
    ProcessSample,
    bsc_delay,
    gaussian_var1,
    independent_discrete,
    independent_gaussian,
)

#: name -> (estimator factory, null process, dependent process, n, default method)
CASES: dict[str, tuple[Callable[[], Any], Callable[[int, int], ProcessSample], Callable[[int, int], ProcessSample], int]] = {
    "PlugIn(order=1)": (
        lambda: PlugIn(order=1),
        lambda n, s: independent_discrete(n, 2, 2, stay=0.7, rng=s),
        lambda n, s: bsc_delay(n, p=0.1, rng=s),
        2000,
    ),
    "CTW(depth=2,I4)": (
        lambda: CTW(depth=2),
        lambda n, s: independent_discrete(n, 2, 2, stay=0.7, rng=s),
        lambda n, s: bsc_delay(n, p=0.1, rng=s),
        2000,
    ),
    "GaussianGranger(order=1)": (
        lambda: GaussianGranger(order=1),
        lambda n, s: independent_gaussian(n, 0.5, -0.3, rng=s),
        lambda n, s: gaussian_var1(n, [[0.0, 0.0], [0.3, 0.5]], np.eye(2), rng=s),
        2000,
    ),
    "KSG(k=4,history=1)": (
        lambda: KSG(k=4, history=1),
        lambda n, s: independent_gaussian(n, 0.5, -0.3, rng=s),
        lambda n, s: gaussian_var1(n, [[0.0, 0.0], [0.3, 0.5]], np.eye(2), rng=s),
        500,
    ),
}


def _p_values(case: str, which: int, seed: int, surrogates: int, method: str) -> tuple[float, float]:
    make, null, dependent, n = CASES[case]
    sample = (null, dependent)[which](n, seed)
    result = surrogate_test(make(), sample.x, sample.y, n_surrogates=surrogates, method=method, rng=seed)
    return result.di_p_value, result.reverse_di_p_value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--surrogates", type=int, default=99)
    parser.add_argument("--method", default="shift")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--ksg-seeds", type=int, default=40, help="seeds for KSG (slow)")
    args = parser.parse_args()
    console = Console(width=200)
    table = Table(title=f"surrogate tests ({args.method}, N = {args.surrogates}), p-values over seeds")
    for column in ("estimator", "n", "seeds", "null: KS stat", "KS p", "reject 5%", "reject 1%",
                   "power DI @1%", "reverse @1%", "s"):
        table.add_column(column, justify="left" if column == "estimator" else "right")
    for case, (_, null, dependent, n) in CASES.items():
        if args.only and not any(case.startswith(prefix) for prefix in args.only):
            continue
        seeds = args.ksg_seeds if case.startswith("KSG") else args.seeds
        started = time.perf_counter()
        null_p = np.array(
            Parallel(n_jobs=args.jobs)(
                delayed(_p_values)(case, 0, s, args.surrogates, args.method) for s in range(seeds)
            )
        ).reshape(-1)
        dep_p = np.array(
            Parallel(n_jobs=args.jobs)(
                delayed(_p_values)(case, 1, 10_000 + s, args.surrogates, args.method) for s in range(seeds)
            )
        )
        seconds = time.perf_counter() - started
        ks = kstest(null_p, "uniform")
        table.add_row(
            case, str(n), str(seeds), f"{ks.statistic:.3f}", f"{ks.pvalue:.3f}", f"{np.mean(null_p <= 0.05):.3f}",
            f"{np.mean(null_p <= 0.01):.3f}", f"{np.mean(dep_p[:, 0] <= 0.01):.2f}", f"{np.mean(dep_p[:, 1] <= 0.01):.2f}",
            f"{seconds:.0f}",
        )
        console.print(f"{case}: KS p {ks.pvalue:.3f}, power {np.mean(dep_p[:, 0] <= 0.01):.2f} ({seconds:.0f} s)")
    console.print(table)
    console.print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()

"""Benchmark: measured coverage of the estimators' 95% intervals on ground-truth processes.

For every shipped estimator and every ground-truth process of its input kind
(:mod:`dicert.verify.processes`, exact rates), at each sample size, the script
fits the estimator on ``--seeds`` independent paths and counts how often
``di_rate_ci_`` contains the true DI rate and ``reverse_di_rate_ci_`` the true
reverse DI rate. Columns: coverage (fraction of seeds), mean interval width,
mean error (bias) and the spread of the estimates across seeds, in bits.
Target (issue 15): coverage >= 0.90 at n = 20000 everywhere. The coupled and
rotation VAR(1) processes have marginals that are not Markov of any finite
order: there the history-1 intervals cover only with the truncation allowance
(monograph 3.1.2).

Seeds run in parallel (joblib, ``--jobs``). The machine may be shared: the
load average is printed with the table. ``--json FILE`` also writes the rows.

Run: ``python benchmarks/bench_estimators_coverage.py`` (options: ``--seeds``,
``--sizes``, ``--jobs``, ``--only`` estimator names).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from rich.console import Console
from rich.table import Table

from dicert.verify.estimators import CTW, KSG, GaussianGranger, PlugIn
from dicert.verify.processes import (
    ProcessSample,
    bsc_delay,
    copy_channel,
    feedback_xor,
    gaussian_var1,
    independent_discrete,
    independent_gaussian,
    markov_erasure,
)

DISCRETE: dict[str, Callable[[int, int], ProcessSample]] = {
    "bsc_delay(p=0.1)": lambda n, s: bsc_delay(n, p=0.1, delay=1, rng=s),
    "feedback_xor(p=0.1,r=0.2)": lambda n, s: feedback_xor(n, p=0.1, r=0.2, delay=0, rng=s),
    "independent_discrete(stay=0.7)": lambda n, s: independent_discrete(n, 2, 2, stay=0.7, rng=s),
    "markov_erasure(0.2,0.3)": lambda n, s: markov_erasure(n, flip=0.2, erasure=0.3, rng=s),
    "copy_channel(5 symbols)": lambda n, s: copy_channel(n, 5, rng=s),
}
CONTINUOUS: dict[str, Callable[[int, int], ProcessSample]] = {
    "gaussian_var1(x->y)": lambda n, s: gaussian_var1(n, [[0.0, 0.0], [0.8, 0.5]], np.eye(2), rng=s),
    "gaussian_var1(feedback,corr)": lambda n, s: gaussian_var1(
        n, [[0.0, 0.6], [0.0, 0.42]], [[1.0, 0.7], [0.7, 1.49]], rng=s
    ),
    "independent_gaussian": lambda n, s: independent_gaussian(n, 0.5, -0.3, rng=s),
    # feedback both ways: Y alone (and X alone) is not Markov of order 1, the truncated DI of 3.1.2 at
    # history 1 is 0.321 / 0.243 bits against the rates 0.235 / 0.166 (an ARMA(2,1) marginal)
    "gaussian_var1(coupled)": lambda n, s: gaussian_var1(n, [[0.3, 0.5], [0.6, 0.2]], np.eye(2), rng=s),
    # rotation-like feedback: slower convergence in the history (0.472, 0.283, 0.264, 0.261 -> 0.261 bits)
    "gaussian_var1(rotation)": lambda n, s: gaussian_var1(n, [[0.5, 0.6], [-0.6, 0.5]], np.eye(2), rng=s),
}
ESTIMATORS: dict[str, tuple[Callable[[], Any], dict[str, Callable[[int, int], ProcessSample]]]] = {
    "PlugIn(order=1)": (lambda: PlugIn(order=1), DISCRETE),
    "PlugIn(order=2)": (lambda: PlugIn(order=2), DISCRETE),
    "CTW(depth=3,I4)": (lambda: CTW(depth=3, variant="I4"), DISCRETE),
    "CTW(depth=3,I1)": (lambda: CTW(depth=3, variant="I1"), DISCRETE),
    "CTW(depth=3,I1,richardson)": (lambda: CTW(depth=3, variant="I1", bias_correction="richardson"), DISCRETE),
    "GaussianGranger(order=1)": (lambda: GaussianGranger(order=1), CONTINUOUS),
    "GaussianGranger(order=2)": (lambda: GaussianGranger(order=2), CONTINUOUS),  # the default order
    "GaussianGranger(order=auto)": (lambda: GaussianGranger(order="auto"), CONTINUOUS),  # BIC order
    "KSG(k=4,history=1)": (lambda: KSG(k=4, history=1), CONTINUOUS),
}


def _one(estimator: str, process: str, n: int, seed: int) -> tuple[float, ...]:
    make, processes = ESTIMATORS[estimator]
    sample = processes[process](n, seed)
    fitted = make().fit(sample.x, sample.y)
    lo, hi = fitted.di_rate_ci_
    rlo, rhi = fitted.reverse_di_rate_ci_
    return (
        float(lo <= sample.di_rate <= hi),
        float(rlo <= sample.reverse_di_rate <= rhi),
        hi - lo,
        rhi - rlo,
        fitted.di_rate_ - sample.di_rate,
        fitted.reverse_di_rate_ - sample.reverse_di_rate,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--sizes", type=int, nargs="+", default=[4000, 20000])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", nargs="*", default=None, help="estimator names (prefixes) to run")
    parser.add_argument("--json", default=None, help="also write the rows to this JSON file")
    parser.add_argument("--processes", nargs="*", default=None, help="process names (prefixes) to run")
    args = parser.parse_args()
    console = Console(width=220)
    table = Table(title=f"95% interval coverage over {args.seeds} seeds (bits)")
    for column in ("estimator", "process", "n", "DI cover", "rev cover", "DI width", "rev width", "DI bias",
                   "DI sd", "rev bias", "rev sd", "s"):
        table.add_column(column, justify="right" if column not in ("estimator", "process") else "left")
    rows = []
    for estimator, (_, processes) in ESTIMATORS.items():
        if args.only and not any(estimator.startswith(prefix) for prefix in args.only):
            continue
        for process in processes:
            if args.processes and not any(process.startswith(prefix) for prefix in args.processes):
                continue
            for n in args.sizes:
                started = time.perf_counter()
                values = np.array(
                    Parallel(n_jobs=args.jobs)(delayed(_one)(estimator, process, n, s) for s in range(args.seeds))
                )
                seconds = time.perf_counter() - started
                mean = values.mean(axis=0)
                row = {
                    "estimator": estimator,
                    "process": process,
                    "n": n,
                    "seeds": args.seeds,
                    "di_coverage": mean[0],
                    "reverse_coverage": mean[1],
                    "di_width": mean[2],
                    "reverse_width": mean[3],
                    "di_bias": mean[4],
                    "di_sd": float(values[:, 4].std()),
                    "reverse_bias": mean[5],
                    "reverse_sd": float(values[:, 5].std()),
                    "seconds": seconds,
                }
                rows.append(row)
                table.add_row(
                    estimator, process, str(n), f"{mean[0]:.2f}", f"{mean[1]:.2f}", f"{mean[2]:.4f}", f"{mean[3]:.4f}",
                    f"{mean[4]:+.4f}", f"{row['di_sd']:.4f}", f"{mean[5]:+.4f}", f"{row['reverse_sd']:.4f}",
                    f"{seconds:.0f}",
                )
                console.print(
                    f"{estimator} {process} n={n}: DI {mean[0]:.2f} rev {mean[1]:.2f} ({seconds:.0f} s)", highlight=False
                )
                if args.json:  # written after every row: a long run can be read while it goes on
                    with open(args.json, "w") as handle:
                        json.dump(rows, handle, indent=1)
    console.print(table)
    console.print(f"load average: {os.getloadavg()}")
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(rows, handle, indent=1)


if __name__ == "__main__":
    main()

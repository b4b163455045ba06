"""Benchmark: directed information of one pmf stored in different variable layouts (issue 16, item 5).

For n = 8, 10, 12 a random binary pmf ``P(x^n, y^n)`` (Dirichlet(1)) is stored in
three layouts -- X-first ``X1..Xn, Y1..Yn``, time-ordered ``X1, Y1, ..., Xn, Yn``
and Y-first -- and ``directed_information(p, xs, ys)`` is timed (best of
``--repeats``, CPU time of this process) in each, with the current marginalisation (axes summed out one at a
time, :func:`dicert.verify.measures._engine._marginal_array`) and, in the same run, the
previous one (a single ``np.sum`` over all dropped axes) as the baseline.
Target: every layout within 1.5x of the best layout.  The values of all layouts
must agree (printed).

Usage::

    python benchmarks/bench_di_layout.py --max-n 12 --repeats 3
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from rich.console import Console
from rich.table import Table

from dicert.verify import Pmf
from dicert.verify.measures import _engine as measures  # the engine looks _marginal_array up (measures package)
from dicert.verify.measures import directed_information


def _old_marginal(pmf, names):
    axes = set(pmf.axes(names, "variables"))
    dropped = tuple(axis for axis in range(len(pmf.names)) if axis not in axes)
    kept = [pmf.names[axis] for axis in range(len(pmf.names)) if axis in axes]
    if not dropped:
        return pmf.array, kept
    return np.ascontiguousarray(np.sum(pmf.array, axis=dropped)), kept


def _time(fn, repeats: int) -> tuple[float, float]:
    best, value = float("inf"), 0.0
    for _ in range(repeats):
        start = time.process_time()  # CPU time: steadier than wall time on a shared, loaded machine
        value = fn()
        best = min(best, time.process_time() - start)
    return best, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-n", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    table = Table(title="directed_information(p, X^n, Y^n) by layout: ms (worst / best layout)")
    for column in ("n", "code", "X-first", "time-ordered", "Y-first", "worst/best", "target <= 1.5x", "max |diff|"):
        table.add_column(column, justify="right")
    current = measures._marginal_array
    for n in range(8, args.max_n + 1, 2):
        xs, ys = [f"X{i}" for i in range(1, n + 1)], [f"Y{i}" for i in range(1, n + 1)]
        base = rng.dirichlet(np.ones(4**n)).reshape((2,) * (2 * n))  # axes X1..Xn, Y1..Yn
        layouts = {
            "X-first": (xs + ys, base),
            "time-ordered": ([v for pair in zip(xs, ys) for v in pair], None),
            "Y-first": (ys + xs, None),
        }
        pmfs = {}
        for name, (order, array) in layouts.items():
            perm = [(xs + ys).index(v) for v in order]
            pmfs[name] = Pmf(np.ascontiguousarray(base.transpose(perm)), order)
        for label, marginal in (("current", current), ("previous (one np.sum)", _old_marginal)):
            measures._marginal_array = marginal
            try:
                times, values = {}, {}
                for name, pmf in pmfs.items():
                    times[name], values[name] = _time(lambda p=pmf: directed_information(p, xs, ys), args.repeats)
            finally:
                measures._marginal_array = current
            ratio = max(times.values()) / min(times.values())
            spread = max(values.values()) - min(values.values())
            table.add_row(
                str(n), label, *(f"{1e3 * times[k]:.1f}" for k in layouts), f"{ratio:.2f}x",
                "yes" if ratio <= 1.5 else "no", f"{spread:.1e}",
            )
    Console(width=160).print(table)
    print(f"1-min load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

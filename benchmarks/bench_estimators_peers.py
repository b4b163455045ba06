"""Benchmark: dicert estimators against peer tools on the same quantity, in the same run.

Three sections (best wall-clock of ``--repeats`` runs; the machine may be
shared, so the load average is printed and only ratios within one run count):

1. **Plug-in transfer entropy vs pyinform.** Binary ``X`` i.i.d., ``Y_t = X_{t-1}``
   xor Bern(0.1). The order-1 delayed reverse DI ``I(Y_{t-1}; X_t | X_{t-1})``
   is pyinform's ``transfer_entropy(y, x, k=1)``; the estimate of the DI rate
   ``I(X_{t-1}, X_t; Y_t | Y_{t-1})`` (whose strict-past part is
   ``transfer_entropy(x, y, k=1)``) is timed too. dicert's time is a full
   ``PlugIn(order=1).fit`` (both rates and both intervals); the values must agree
   to 1e-9. The default fit also counts the order-2 windows for the
   truncation allowance of its interval; the fit without it is timed too.
2. **KSG conditional MI vs npeet-plus and ennemi.** ``I(A; B | C)`` with
   ``k = 4`` on a Gaussian VAR(1) (``A = X_t``, ``B = Y_{t-1}``, ``C = X_{t-1}``):
   :func:`dicert.verify.estimators.ksg.ksg_conditional_mutual_information`
   against ``npeet_plus.cmi`` and ``ennemi.estimate_mi(..., cond=...)`` (one
   thread each); the full ``KSG(history=1).fit`` (two full CMIs, 20 block CMIs for
   the interval and the history-2 pair for the truncation allowance on at most
   ``KSG.allowance_rows`` rows, ``--ksg-workers`` threads) is timed at 10^6 rows.
3. **CTW vs the per-symbol reference tree** (the textbook sequential CTW,
   :mod:`dicert.verify.estimators.ctw_reference`) and CTW time per sample up to
   ``--ctw-max`` samples (linearity).

Peers come from the ``benchmark`` extra (``pip install -e ".[benchmark]"``); a
missing peer is reported as such.

Every row ends with the 1-minute load average when it was measured (the
lead re-runs the table on a quiet machine). Targets (issue 15 item 7): plug-in
TE within 2x of pyinform at 1e5 and 1e6; KSG within 1.2x of the fastest peer
at 1e4..1e5 and the 10^6-row fit under a minute; CTW us/sample flat to 1e7.

Run: ``python benchmarks/bench_estimators_peers.py`` (options: ``--quick``,
``--repeats``, ``--te-sizes``, ``--ksg-sizes``, ``--ksg-fit-size``,
``--ksg-workers``, ``--ctw-sizes``).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from rich.console import Console
from rich.table import Table

from dicert.verify.estimators import CTW, KSG, PlugIn
from dicert.verify.estimators.ctw import ctw_predictive
from dicert.verify.estimators.ksg import ksg_conditional_mutual_information
from dicert.verify.processes import gaussian_var1


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def _best(function: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeats):
        started = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - started)
    return best, value


def _te_section(console: Console, sizes: list[int], repeats: int) -> None:
    try:
        from pyinform import transfer_entropy
    except ImportError:
        console.print("pyinform not installed (pip install -e '.[benchmark]'): section 1 skipped")
        return
    table = Table(title="plug-in transfer entropy (bits), binary, k = 1")
    for column in ("n", "pyinform TE(y->x) s", "dicert PlugIn.fit s", "ratio", "fit without truncation allowance s",
                   "ratio", "pyinform TE", "dicert reverse DI", "|diff|", "load"):
        table.add_column(column, justify="right")
    for n in sizes:
        rng = np.random.default_rng(n)
        x = rng.integers(0, 2, n)
        y = np.roll(x, 1) ^ (rng.random(n) < 0.1).astype(np.int64)
        peer_time, peer = _best(lambda: transfer_entropy(y, x, k=1), repeats)
        ours_time, fitted = _best(lambda: PlugIn(order=1).fit(x, y), repeats)
        plain_time, _ = _best(lambda: PlugIn(order=1, truncation_allowance=False).fit(x, y), repeats)
        diff = abs(peer - fitted.reverse_di_rate_)
        table.add_row(str(n), f"{peer_time:.4f}", f"{ours_time:.4f}", f"{ours_time / peer_time:.2f}x",
                      f"{plain_time:.4f}", f"{plain_time / peer_time:.2f}x", f"{peer:.6g}",
                      f"{fitted.reverse_di_rate_:.6g}", f"{diff:.1e}", _load())
    console.print(table)


def _ksg_section(console: Console, sizes: list[int], fit_size: int, repeats: int, workers: int) -> None:
    peers: dict[str, Callable[[np.ndarray, np.ndarray, np.ndarray], float]] = {}
    try:
        import npeet_plus

        peers["npeet-plus cmi"] = lambda a, b, c: float(npeet_plus.cmi(a, b, c, k=4, base=np.e))
    except ImportError:
        console.print("npeet-plus not installed: skipped")
    try:
        import ennemi

        peers["ennemi estimate_mi"] = lambda a, b, c: float(
            np.asarray(ennemi.estimate_mi(a[:, 0], b[:, 0], cond=c[:, 0], k=4, preprocess=False, max_threads=1)).item()
        )
    except ImportError:
        console.print("ennemi not installed: skipped")
    table = Table(title="KSG conditional MI I(X_t; Y_{t-1} | X_{t-1}) (nats), k = 4")
    table.add_column("n", justify="right")
    table.add_column("dicert s", justify="right")
    for name in peers:
        table.add_column(f"{name} s", justify="right")
        table.add_column("ratio", justify="right")
    table.add_column("ratio to fastest", justify="right")
    table.add_column("values (dicert, peers)", justify="right")
    table.add_column("load", justify="right")
    for n in sizes:
        sample = gaussian_var1(n + 1, [[0.3, 0.5], [0.6, 0.2]], np.eye(2), rng=n)
        a, b, c = sample.x[1:, None], sample.y[:-1, None], sample.x[:-1, None]
        ours_time, ours = _best(lambda: float(ksg_conditional_mutual_information(a, b, c, k=4).mean()), repeats)
        row, values, fastest = [str(n), f"{ours_time:.3f}"], [f"{ours:.4f}"], float("inf")
        for function in peers.values():
            peer_time, value = _best(lambda f=function: f(a, b, c), repeats)
            row += [f"{peer_time:.3f}", f"{ours_time / peer_time:.2f}x"]
            values.append(f"{value:.4f}")
            fastest = min(fastest, peer_time)
        table.add_row(*row, f"{ours_time / fastest:.2f}x" if peers else "-", ", ".join(values), _load())
    console.print(table)
    if fit_size:
        sample = gaussian_var1(fit_size, [[0.3, 0.5], [0.6, 0.2]], np.eye(2), rng=1)
        cpu_started = time.process_time()  # CPU seconds of all threads: less sensitive to a shared machine
        seconds, fitted = _best(lambda: KSG(k=4, history=1, workers=workers).fit(sample.x, sample.y), 1)
        cpu = time.process_time() - cpu_started
        console.print(
            f"KSG(k=4, history=1, workers={workers}).fit on {fit_size} rows (two full CMIs in 4-d and 3-d joint "
            f"spaces + 20 block CMIs for the interval + the truncation allowance's history-2 pair; "
            f"{os.cpu_count()} cores): {seconds:.1f} s wall, "
            f"{cpu:.1f} s CPU, "
            f"DI {fitted.di_rate_:.4f} (true {sample.di_rate:.4f}) bits, load {_load()}"
        )


def _ctw_section(console: Console, sizes: list[int], reference_max: int, repeats: int) -> None:
    from dicert.verify.estimators.ctw_reference import ctw_predictive_reference

    table = Table(title="CTW(depth=3, I4) on binary bsc data")
    for column in ("n", "fit s", "us / sample", "vs smallest n", "reference tree s", "speed-up", "max |p diff|",
                   "load"):
        table.add_column(column, justify="right")
    first_rate = None
    for n in sizes:
        rng = np.random.default_rng(n)
        x = rng.integers(0, 2, n)
        y = np.roll(x, 1) ^ (rng.random(n) < 0.1).astype(np.int64)
        seconds, _ = _best(lambda: CTW(depth=3).fit(x, y), repeats if n <= 10**6 else 1)
        rate = seconds / n
        first_rate = rate if first_rate is None else first_rate
        reference, speedup, diff = "", "", ""
        if n <= reference_max:
            joint = x * 2 + y
            ref_time, ref = _best(lambda: ctw_predictive_reference(joint, 4, 3), 1)
            ours_time, ours = _best(lambda: ctw_predictive(joint, 4, 3), repeats)
            reference = f"{ref_time:.2f}"
            speedup = f"{ref_time / ours_time:.0f}x (joint tree)"
            diff = f"{np.max(np.abs(np.asarray(ref) - ours)):.1e}"
        table.add_row(str(n), f"{seconds:.3f}", f"{1e6 * rate:.3f}", f"{rate / first_rate:.2f}x", reference, speedup, diff,
                      _load())
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes only (about a minute)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ksg-workers", type=int, default=1, help="cKDTree threads of the 10^6-row fit (-1: all)")
    parser.add_argument("--te-sizes", type=int, nargs="*", default=[10**5, 10**6])
    parser.add_argument("--ksg-sizes", type=int, nargs="*", default=[10**4, 10**5])
    parser.add_argument("--ksg-fit-size", type=int, default=10**6)
    parser.add_argument("--ctw-sizes", type=int, nargs="*", default=[10**5, 10**6, 10**7])
    parser.add_argument("--ctw-reference-max", type=int, default=3 * 10**4)
    args = parser.parse_args()
    if args.quick:
        args.te_sizes, args.ksg_sizes, args.ksg_fit_size = [10**5, 10**6], [10**4], 0
        args.ctw_sizes, args.ctw_reference_max = [10**4, 10**5, 10**6], 10**4
    console = Console(width=200)
    console.print(f"load average before: {os.getloadavg()}")
    if args.te_sizes:
        _te_section(console, args.te_sizes, args.repeats)
    if args.ksg_sizes or args.ksg_fit_size:
        _ksg_section(console, args.ksg_sizes, args.ksg_fit_size, args.repeats, args.ksg_workers)
    if args.ctw_sizes:
        _ctw_section(console, args.ctw_sizes, args.ctw_reference_max, args.repeats)
    console.print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()

"""The posterior-matching coding scheme (sec. 4.4.3) against the certified Q-graph lower bound.

Usage::

    python benchmarks/bench_coding_scheme.py                      # Ising and trapdoor, n = 25..400
    python benchmarks/bench_coding_scheme.py --blocks 400 --lengths 50 100 200 400 800
    python benchmarks/bench_coding_scheme.py --quick --plot out/  # small run, plots in out/

For each channel the stored BCJR-invariant witness (``dicert.proofs`` data:
Q-graph ``phi`` and exact input ``P(x|s,q)``) is certified by the certify
pipeline (:func:`dicert.verify.certify.rate_check.bcjr_lower_bound`, Thm 4.4.4:
exact BCJR invariance and an arb interval for ``I(X,S;Y|Q)``), then the scheme
is simulated: for each block length ``n`` and each rate (a fraction of the
certified lower bound) it sends ``--blocks`` uniformly drawn messages and
reports the block error probability (with a 95% Wilson interval), the mean
information density, and the largest rate on the grid whose error probability
is at most ``--target``. As a baseline in the same run, the scheme *without*
the dithered labelling is simulated at the smallest fraction. Simulation
seconds and the load average are printed; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from dicert.proofs.closed_form import load_witness
from dicert.verify.certify.intervals import decimal_floor
from dicert.verify.certify.rate_check import bcjr_lower_bound
from dicert.verify.channels import parse_channel
from dicert.verify.coding import PosteriorMatchingScheme
from dicert.verify.coding.figures import best_rate_per_length, plot_error_vs_length


def fmpq_of(value: object) -> object:
    """The exact rational value of an arb endpoint (an exact binary number)."""
    from flint import arb, fmpq

    mid = arb(value).mid()
    mantissa, exponent = mid.man_exp()
    return fmpq(int(mantissa)) * (fmpq(2) ** int(exponent)) if exponent >= 0 else fmpq(int(mantissa), 2 ** int(-exponent))


def _channel_dict(name: str) -> dict:
    from dicert.proofs import ising, trapdoor

    return {"ising": ising, "trapdoor": trapdoor}[name].CHANNEL


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", nargs="+", default=["ising", "trapdoor"])
    parser.add_argument("--lengths", nargs="+", type=int, default=[25, 50, 100, 200, 400])
    parser.add_argument("--fractions", nargs="+", type=float, default=[0.8, 0.9, 0.95, 0.99])
    parser.add_argument("--blocks", type=int, default=200)
    parser.add_argument("--target", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", type=Path, default=None, help="directory for the PNG and SVG plots")
    parser.add_argument("--quick", action="store_true", help="lengths 25 50 100, 40 blocks")
    args = parser.parse_args()
    if args.quick:
        args.lengths, args.blocks = [25, 50, 100], 40
    console = Console(width=200)
    console.print(f"load average before: {os.getloadavg()}")
    for name in args.channels:
        witness = load_witness(name)["lower"]
        certified = bcjr_lower_bound(_channel_dict(name), witness["phi"], witness["policy"], digits=30)
        if certified.lower is None:
            raise SystemExit(f"{name}: the stored witness is not exactly BCJR-invariant: {certified.evidence}")
        # the printed bound is rounded down (decimal_floor of the arb's left end); the float is for ratios only
        lower_text = decimal_floor(str(fmpq_of(certified.lower.lower())), 15)
        lower = float(certified.lower.lower())
        scheme = PosteriorMatchingScheme.from_witness(parse_channel(name), witness["phi"], witness["policy"])
        baseline = PosteriorMatchingScheme.from_witness(parse_channel(name), witness["phi"], witness["policy"], dither=False)
        table = Table(
            title=f"{name}: posterior matching on a {len(witness['phi'])}-node Q-graph; "
            f"certified LB (Thm 4.4.4, arb) {certified.lower}, i.e. C_fb >= {lower_text}"
        )
        for column in ("scheme", "n", "rate", "rate / LB", "blocks", "P_e", "95% interval", "info density", "runs", "seconds"):
            table.add_column(column, justify="right")
        results = []
        for n in args.lengths:
            for fraction in args.fractions:
                started = time.perf_counter()
                r = scheme.error_probability(n, fraction * lower, args.blocks, rng=[args.seed, n, int(fraction * 1000)])
                seconds = time.perf_counter() - started
                results.append(r)
                table.add_row(
                    "dithered", str(n), f"{r.rate:.4f}", f"{fraction:.2f}", str(r.blocks), f"{r.error_probability:.4f}",
                    f"[{r.error_interval[0]:.4f}, {r.error_interval[1]:.4f}]", f"{r.mean_information_density:.4f}",
                    str(r.max_runs), f"{seconds:.1f}",
                )
            started = time.perf_counter()
            b = baseline.error_probability(n, min(args.fractions) * lower, args.blocks, rng=[args.seed, n, 1])
            table.add_row(
                "no dither", str(n), f"{b.rate:.4f}", f"{min(args.fractions):.2f}", str(b.blocks),
                f"{b.error_probability:.4f}", f"[{b.error_interval[0]:.4f}, {b.error_interval[1]:.4f}]",
                f"{b.mean_information_density:.4f}", str(b.max_runs), f"{time.perf_counter() - started:.1f}",
            )
        console.print(table)
        best = best_rate_per_length(results, args.target)
        console.print(
            f"{name}: largest simulated rate with P_e <= {args.target}: "
            + ", ".join(f"n={n}: {rate:.4f} ({rate / lower:.1%} of LB)" for n, rate in best.items())
        )
        if args.plot is not None:
            paths = plot_error_vs_length(results, lower, name, args.plot / f"coding_scheme_{name}", target=args.target)
            console.print(f"plots: {', '.join(str(p) for p in paths)}")
    console.print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()

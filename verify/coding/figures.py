"""Plots of the posterior-matching scheme's error probability against block length (sec. 4.4.3).

:func:`plot_error_vs_length` draws, for one channel, the block error
probability of :meth:`~dicert.verify.coding.PosteriorMatchingScheme.error_probability`
against the block length, one curve per rate (as a fraction of the certified
lower bound), and in a second panel the largest simulated rate with error
probability at most ``target`` against the block length, under the certified
lower bound. Writes ``<stem>.png`` and ``<stem>.svg``.

Examples
--------
>>> import tempfile, pathlib
>>> from dicert.verify.coding.posterior_matching import BlockResult
>>> rows = [BlockResult(n, r, 10, e, (0.0, 1.0), r, 0.0, 3) for n, r, e in [(20, 0.3, 0.0), (40, 0.3, 0.0), (20, 0.5, 0.4), (40, 0.5, 0.1)]]
>>> [p.suffix for p in plot_error_vs_length(rows, 0.55, "demo", pathlib.Path(tempfile.mkdtemp()) / "pm")]
['.png', '.svg']
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

from dicert.verify.coding.posterior_matching import BlockResult
from dicert.verify.errors import InvalidInput
from dicert.verify.plots import _figure, _save, _style

__all__ = ["plot_error_vs_length", "best_rate_per_length"]


def best_rate_per_length(results: Sequence[BlockResult], target: float) -> dict[int, float]:
    """The largest simulated rate with error probability <= ``target``, per block length (0.0 if none).

    Examples
    --------
    >>> from dicert.verify.coding.posterior_matching import BlockResult
    >>> best_rate_per_length([BlockResult(10, 0.2, 5, 0.0, (0, 1), 0.2, 0, 1), BlockResult(10, 0.4, 5, 0.6, (0, 1), 0.3, 0, 1)], 0.1)
    {10: 0.2}
    """
    best: dict[int, float] = {}
    for r in results:
        best.setdefault(r.n, 0.0)
        if r.error_probability <= target:
            best[r.n] = max(best[r.n], r.rate)
    return dict(sorted(best.items()))


def plot_error_vs_length(
    results: Sequence[BlockResult],
    certified_lower: float,
    channel: str,
    stem: str | os.PathLike[str],
    target: float = 0.01,
) -> list[Path]:
    """Error probability vs block length per rate, and the best rate at ``target`` vs the certified LB.

    ``certified_lower`` is the left end of the certified interval (a float); the
    legend prints it rounded down to 6 decimals.

    Examples
    --------
    >>> plot_error_vs_length([], 0.5, "x", "unused")
    Traceback (most recent call last):
    dicert.graphs.errors.InvalidInput: results: expected at least one BlockResult
    """
    if not results:
        raise InvalidInput("results: expected at least one BlockResult")
    fig = _figure(9.0, 3.6)
    left, right = fig.subplots(1, 2)
    rates = sorted({r.rate for r in results})
    for rate in rates:
        rows = sorted((r for r in results if r.rate == rate), key=lambda r: r.n)
        lengths = [r.n for r in rows]
        errors = [max(r.error_probability, 1e-4) for r in rows]
        left.plot(lengths, errors, marker="o", label=f"R = {rate:.3f} ({rate / certified_lower:.0%} of LB)")
    left.set_yscale("log")
    left.set_xscale("log", base=2)
    left.set_xlabel("block length n")
    left.set_ylabel("block error probability (floor 1e-4)")
    left.set_title(f"{channel}: posterior matching (sec. 4.4.3)", fontsize=10)
    left.legend(fontsize=7)
    _style(left)
    best = best_rate_per_length(results, target)
    right.plot(list(best), list(best.values()), marker="s", color="#009E73", label=f"best simulated rate, P_e <= {target}")
    # a printed bound is rounded down (less one float ulp of slack for the conversion of the exact endpoint)
    shown = math.floor((certified_lower - 1e-15) * 1e6) / 1e6
    right.axhline(certified_lower, color="#D55E00", linestyle="--", label=f"certified LB >= {shown:.6f}")
    right.set_xscale("log", base=2)
    right.set_xlabel("block length n")
    right.set_ylabel("rate (bits / channel use)")
    right.set_ylim(0, certified_lower * 1.15)
    right.legend(fontsize=7, loc="lower right")
    _style(right)
    return _save(fig, stem)

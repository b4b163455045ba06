"""``dicert sweep``: certified capacity curves (feedback capacity bracket against one parameter).

``dicert sweep CHANNEL --param NAME=START:STOP:STEP [--certify] [--db F.sqlite]
[--plot DIR] [--csv F] [--latex F] [--jobs J] [--json]`` computes the bracket at
every value (:mod:`dicert.verify.sweep`: discovery, then with ``--certify`` the
checker-issued ``qgraph_bracket`` certificate, Thm 4.4.4 / Thm 4.5.2), resumes
from ``--db``, runs ``--jobs`` points in parallel (joblib), shows a progress bar
on stderr, and writes the figure (PNG + SVG, closed form overlaid where known),
a CSV and a LaTeX table.

Examples
--------
>>> from dicert.proofs.cli import run
>>> run(["sweep", "bsc", "--param", "p=0.1:0.1:0.1", "--json"])  # doctest: +ELLIPSIS
{"channel": "bsc", "param": "p", "certify": false, "points": [{"channel": "bsc:p=0.1", ...}], ...}
0
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from dicert.proofs.cli.common import bad_input, emit_json, stderr_console
from dicert.proofs.cli.tables import print_table

__all__ = ["sweep"]


def sweep(
    channel: str = typer.Argument(..., help="Built-in unifilar channel (e.g. bec-noc) or a channel .json file."),
    param: str = typer.Option(..., "--param", help="NAME=START:STOP:STEP (STOP included), e.g. eps=0:0.9:0.1."),
    certify: bool = typer.Option(False, "--certify", help="Certify every bracket (independent checker)."),
    db: Optional[Path] = typer.Option(None, "--db", help="SQLite database: store points, resume a killed sweep."),  # noqa: UP007
    plot: Optional[Path] = typer.Option(None, "--plot", help="Write the figure (PNG + SVG) into this directory."),  # noqa: UP007
    csv: Optional[Path] = typer.Option(None, "--csv", help="Write the table as CSV."),  # noqa: UP007
    latex: Optional[Path] = typer.Option(None, "--latex", help="Write the table as a LaTeX tabular."),  # noqa: UP007
    jobs: int = typer.Option(1, "--jobs", help="Points computed in parallel (joblib)."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Bracket the feedback capacity at every value of one channel parameter and plot the curve."""
    from dicert.verify.progress import ProgressReporter
    from dicert.verify.sweep import plot_sweep, sweep as run_sweep, write_csv, write_latex

    if jobs < 1:
        raise bad_input("--jobs", "an integer >= 1", jobs)
    if plot is not None and plot.exists() and not plot.is_dir():
        raise bad_input("--plot", "a directory", str(plot))
    with ProgressReporter(f"sweep {channel} {param.partition('=')[0]}") as progress:  # bar / plain lines with ETA
        result = run_sweep(channel, param, certify=certify, db=db, jobs=jobs, progress=progress)
    written = []
    if plot is not None:
        written += [str(p) for p in plot_sweep(result, plot)]
    if csv is not None:
        written.append(str(write_csv(result, csv)))
    if latex is not None:
        written.append(str(write_latex(result, latex)))
    if json_output:
        payload = result.to_dict()
        payload["written"] = written
        emit_json(payload)
    else:
        from rich.table import Table

        table = Table(title=f"{channel}: feedback capacity vs {result.param}"
                      + (" (certified brackets)" if certify else " (estimates; upper is a valid bound)"))
        for col in (result.param, "lower", "upper", "gap", "certified", "nodes", "closed form", "s"):
            table.add_column(col, justify="right")
        for p in result.points:
            lower = p["lower"] if certify else (f"{p['lower_estimate']:.10f} (est.)" if p["lower_estimate"] else "-")
            cf = "-" if p["closed_form"] is None else f"{p['closed_form']:.12f}"
            table.add_row(p["value"], str(lower or "-"), str(p["upper"] or "-"), str(p["gap"] or "-"),
                          "yes" if p["certified"] else "no", str(p["nodes"]), cf, f"{p['seconds']:.1f}")
        print_table(table)
        for path in written:
            typer.echo(f"wrote {path}")
        typer.echo(f"{len(result.points)} points ({result.computed} computed, {result.resumed} resumed), "
                   f"{'all' if all(p['certified'] for p in result.points) else 'not all'} certified, "
                   f"{result.seconds:.1f} s")

"""Text output shared by ``bounds``, ``discover`` and ``discover --method rl``: the bracket lines and written files.

Valid bounds (``upper``/``lower``) and solver floats (``*_estimate``) are printed
under their own names; a solver float is never printed as a bound.  Bound records
are read through :func:`solver_estimate`, so a record that names its solver
floats ``upper_estimate``/``lower_estimate`` (the bound-record contract) and one
that still calls them ``upper``/``lower`` both work.

Examples
--------
>>> from types import SimpleNamespace
>>> solver_estimate(SimpleNamespace(upper=0.5, lower=None), "upper")
0.5
>>> solver_estimate(SimpleNamespace(upper=None, upper_estimate=0.25), "upper")
0.25
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

__all__ = ["Bracket", "solver_estimate", "echo", "echo_upper", "echo_certificate", "echo_written"]


def echo(text: str) -> None:
    """One result line on stdout; on a terminal wrapped at its width (indented after, words never broken).

    Off a terminal (pipes, scripts, logs) a result stays on one line, so that
    ``grep '^upper '`` and line-based parsers keep working; tables (stderr) fit the width there too.
    """
    import shutil
    import sys
    import textwrap

    if not sys.stdout.isatty():
        typer.echo(text)
        return
    width = max(shutil.get_terminal_size((80, 24)).columns, 40)
    typer.echo(textwrap.fill(text, width, subsequent_indent="  ", break_long_words=False, break_on_hyphens=False))


def solver_estimate(record: Any, side: str) -> float | None:
    """The solver's float for ``side`` (``"upper"`` or ``"lower"``) of a bound record: ``<side>_estimate`` if present."""
    name = f"{side}_estimate"
    if hasattr(record, name):
        return getattr(record, name)
    return getattr(record, side)


@dataclass
class Bracket:
    """Valid bounds of one command with how each was obtained, and the certificate when one was issued."""

    upper: Any
    upper_method: str | None
    lower: Any = None
    lower_method: str | None = None
    certificate: Any = None

    def methods(self) -> dict[str, str | None]:
        """``upper_method``/``lower_method`` for JSON: ``None`` where the bound itself is ``None``."""
        return {"upper_method": self.upper_method if self.upper is not None else None,
                "lower_method": self.lower_method if self.lower is not None else None}


def echo_upper(bracket: Bracket, record: Any) -> None:
    """``upper ... (valid bound: ...)`` and the record's ``upper_estimate ... (solver)`` on stdout."""
    shown = bracket.upper if bracket.upper is not None else "none"
    echo(f"upper {shown} (valid bound: {bracket.upper_method})")
    echo(f"upper_estimate {solver_estimate(record, 'upper'):.10f} (solver)")


def echo_certificate(bracket: Bracket, out: Path | None = None) -> None:
    """The certified statement, a missing certified lower bound, and the certificate file written."""
    cert = bracket.certificate
    if cert is None:
        return
    echo(f"certified: {cert.proven['statement']} ({'verified' if cert.verified else 'NOT verified'})")
    if bracket.lower is None:
        echo("certified lower none (the rationalised input is not exactly BCJR-invariant)")
    elif not cert.data["witness"].get("lower"):
        echo(f"lower {bracket.lower} ({bracket.lower_method})")
    if out is not None:
        typer.echo(f"wrote {out}")


def echo_written(paths: list[str], skipped: list[dict[str, str]] | None = None) -> None:
    """``wrote PATH`` per file and ``skipped PANEL: reason`` per optional panel not drawn."""
    for path in paths:
        typer.echo(f"wrote {path}")
    for panel in skipped or []:
        typer.echo(f"skipped {panel['panel']}: {panel['reason']}")

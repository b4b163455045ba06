"""``dicert estimate``: DI rates of two columns of a CSV file (monograph ch. 3 estimators).

Reads a CSV file with a header row, takes the columns named by ``--x`` and
``--y`` as the two processes, fits the chosen estimator and reports the DI
rate :math:`I(\\mathbb X\\to\\mathbb Y)`, the reverse rate
:math:`I(D\\mathbb Y\\to\\mathbb X)` and the MI rate in bits. Discrete
estimators (``ctw``, ``plugin``) accept integer columns or text labels (each
distinct label is a symbol); ``ksg`` and ``granger`` need numbers.

Examples
--------
>>> import pathlib, tempfile
>>> from dicert.proofs.cli import run
>>> path = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
>>> _ = path.write_text("a,b\\n" + "".join(f"{i % 2},{(i + 1) % 2}\\n" for i in range(50)))
>>> run(["estimate", str(path), "--x", "a", "--y", "b", "--estimator", "nope"])
2
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from dicert.graphs.errors import InvalidInput
from dicert.proofs.cli.common import emit_json, renamed_fields, stderr_console

__all__ = ["estimate", "ESTIMATORS"]

#: Estimator names accepted by ``--estimator``.
ESTIMATORS = ("ctw", "plugin", "ksg", "granger")
_DISCRETE = ("ctw", "plugin")
_PROGRESS_BYTES = 1 << 20  # show a progress bar for files of 1 MiB and more


def _read_lines(path: Path) -> list[str]:
    """The decoded lines of ``path``, with a rich progress bar for long files."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    size = path.stat().st_size
    lines: list[str] = []
    columns = (TextColumn("reading {task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
    with Progress(*columns, console=stderr_console, transient=True, disable=size < _PROGRESS_BYTES) as progress:
        task = progress.add_task(path.name, total=size)
        with path.open("rb") as handle:
            pending = 0
            for raw in handle:
                try:
                    lines.append(raw.decode("utf-8"))
                except UnicodeDecodeError:
                    raise InvalidInput(f"FILE {path}: line {len(lines) + 1} is not valid UTF-8") from None
                pending += len(raw)
                if pending >= 1 << 16:
                    progress.advance(task, pending)
                    pending = 0
            progress.advance(task, pending)
    if lines:
        lines[0] = lines[0].removeprefix("\ufeff")
    return lines


def _columns(path: Path, names: dict[str, str]) -> dict[str, list[str]]:
    """The requested columns (option -> values) of the CSV file."""
    import csv

    if path.is_dir():
        raise InvalidInput(f"FILE {path}: is a directory, expected a CSV file with a header row")
    if not path.is_file():
        raise InvalidInput(f"FILE {path}: no such file, expected a CSV file with a header row")
    rows = csv.reader(_read_lines(path))
    header = next(rows, None)
    if not header:
        raise InvalidInput(f"FILE {path}: is empty, expected a header row and data rows")
    header = [name.strip() for name in header]
    index = {}
    for option, column in names.items():
        if column not in header:
            raise InvalidInput(f"{option}: column {column!r} not in the header of {path}, expected one of {', '.join(header)}")
        index[option] = header.index(column)
    values: dict[str, list[str]] = {option: [] for option in names}
    for line_number, row in enumerate(rows, start=2):
        if not row:
            continue
        for option, position in index.items():
            if position >= len(row) or not row[position].strip():
                raise InvalidInput(f"{option}: missing value in line {line_number} (column {names[option]!r})")
            values[option].append(row[position].strip())
    return values


def _to_array(option: str, column: str, values: list[str], discrete: bool) -> Any:
    """Numbers as a float array; text labels as symbol codes (discrete estimators only)."""
    import numpy as np

    try:
        return np.array([float(v) for v in values], dtype=np.float64)
    except ValueError:
        if not discrete:
            bad = next(v for v in values if not _is_number(v))
            raise InvalidInput(
                f"{option}: non-numeric value {bad!r} in column {column!r}, expected numbers for this estimator"
            ) from None
    _, codes = np.unique(np.array(values), return_inverse=True)
    return codes.reshape(-1).astype(np.int64)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _build(estimator: str, depth: int, variant: str) -> Any:
    from dicert.verify.estimators import CTW, KSG, GaussianGranger, PlugIn

    if depth < 0 or (estimator in ("ksg", "granger") and depth < 1):
        low = 1 if estimator in ("ksg", "granger") else 0
        raise InvalidInput(f"--depth: expected an integer >= {low} for --estimator {estimator}, got {depth}")
    if estimator == "ctw":
        if variant not in ("I1", "I2", "I3", "I4"):
            raise InvalidInput(f"--variant: expected one of I1, I2, I3, I4, got {variant!r}")
        return CTW(depth=depth, variant=variant)
    if estimator == "plugin":
        return PlugIn(order=depth)
    if estimator == "ksg":
        return KSG(history=depth)
    return GaussianGranger(order=depth)


def estimate(
    file: Path = typer.Argument(..., help="CSV file with a header row."),
    x: str = typer.Option(..., "--x", help="Column of the input process X."),
    y: str = typer.Option(..., "--y", help="Column of the output process Y."),
    estimator: str = typer.Option("ctw", "--estimator", help="ctw, plugin, ksg or granger."),
    depth: int = typer.Option(3, "--depth", help="CTW depth; plug-in Markov order; KSG / Granger history."),
    variant: str = typer.Option("I4", "--variant", help="CTW estimator I1, I2, I3 or I4 (3.3)-(3.6)."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Estimate the DI rate I(X -> Y), the reverse rate I(DY -> X) and the MI rate (bits).

    \f
    Examples
    --------
    >>> import pathlib, tempfile
    >>> from dicert.proofs.cli import run
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "d.csv"
    >>> _ = path.write_text("a,b\\n0,1\\n1,0\\n")
    >>> run(["estimate", str(path), "--x", "a", "--y", "c"])
    2
    """
    import time

    started = time.perf_counter()
    name = estimator.strip().lower()
    if name not in ESTIMATORS:
        raise InvalidInput(f"--estimator: expected one of {', '.join(ESTIMATORS)}, got {estimator!r}")
    fields = {"depth": "--depth", "order": "--depth", "history": "--depth", "variant": "--variant"}
    with renamed_fields(fields):
        model = _build(name, depth, variant)
    columns = _columns(Path(file), {"--x": x, "--y": y})
    discrete = name in _DISCRETE
    x_values = _to_array("--x", x, columns["--x"], discrete)
    y_values = _to_array("--y", y, columns["--y"], discrete)
    with renamed_fields({**fields, "x": "--x", "y": "--y", "x, y": f"--x {x} / --y {y}"}):
        with stderr_console.status(f"fitting {model!r} on {x_values.size} samples", spinner="dots"):
            model.fit(x_values, y_values)
    seconds = time.perf_counter() - started
    result = {
        "estimator": name,
        "parameters": model.get_params(),
        "x": x,
        "y": y,
        "n": int(x_values.size),
        "di_rate": model.di_rate_,
        "reverse_di_rate": model.reverse_di_rate_,
        "mi_rate": model.mi_rate_,
        "di_rate_ci": list(model.di_rate_ci_),
        "reverse_di_rate_ci": list(model.reverse_di_rate_ci_),
        "units": "bits",
        "seconds": seconds,
    }
    if json_output:
        emit_json(result)
        return
    for key in ("di_rate", "reverse_di_rate", "mi_rate"):  # the result on stdout, the table on stderr
        typer.echo(f"{key} {result[key]:.10g}")
    for key in ("di_rate_ci", "reverse_di_rate_ci"):
        typer.echo(f"{key} {result[key][0]:.10g} {result[key][1]:.10g}")
    from rich.table import Table

    table = Table(title=f"{model!r} on {file} ({x} -> {y}, n = {x_values.size})")
    table.add_column("rate")
    table.add_column("estimate (bits)", justify="right")
    table.add_column("95% batch-means interval", justify="right")
    table.add_row(f"I({x} -> {y})", f"{model.di_rate_:.6f}", "[{:.6f}, {:.6f}]".format(*model.di_rate_ci_))
    table.add_row(
        f"I(D{y} -> {x})", f"{model.reverse_di_rate_:.6f}", "[{:.6f}, {:.6f}]".format(*model.reverse_di_rate_ci_)
    )
    table.add_row(f"I({x}; {y}) rate", f"{model.mi_rate_:.6f}", "")
    stderr_console.print(table)
    stderr_console.print(f"{seconds:.2f} s")

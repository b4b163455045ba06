"""``dicert estimate``: DI rates of two columns of a CSV file (monograph ch. 3 estimators).

Reads a CSV file with a header row, takes the columns named by ``--x`` and
``--y`` as the two processes, fits the chosen estimator and reports the DI
rate :math:`I(\\mathbb X\\to\\mathbb Y)`, the reverse rate
:math:`I(D\\mathbb Y\\to\\mathbb X)` and the MI rate in bits. Discrete
estimators (``ctw``, ``plugin``) accept integer columns or text labels (each
distinct label is a symbol); ``ksg`` and ``granger`` need numbers (KSG refuses
heavily tied, i.e. discrete, columns); ``dine`` needs the ``neural`` extra.
``--z COL`` conditions on a third column (causally conditioned DI; all
estimators but DINE). ``--test surrogates=N[,method=shift|block|iaaft]`` adds
surrogate p-values (+1 corrected, seeded by ``--seed``, ``--jobs`` workers).

The result goes to stdout: a table, or one JSON object with ``--json``. An
interval that cannot be computed (too few batches) is ``null`` in JSON with a
``ci_note`` saying why (JSON has no infinity).

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
ESTIMATORS = ("ctw", "plugin", "ksg", "granger", "dine")
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


def _looks_discrete(values: Any) -> bool:
    """Symbol codes, or integer-valued numbers with at most 64 distinct values (a CSV of 0/1 reads as floats)."""
    import numpy as np

    if values.dtype.kind in "iu":
        return True
    return bool(np.all(values == np.round(values))) and np.unique(values).size <= 64


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _build(estimator: str, depth: int, variant: str, discrete_data: bool) -> Any:
    from dicert.verify.estimators import CTW, KSG, GaussianGranger, PlugIn

    if depth < 0 or (estimator in ("ksg", "granger", "dine") and depth < 1):
        low = 1 if estimator in ("ksg", "granger", "dine") else 0
        raise InvalidInput(f"--depth: expected an integer >= {low} for --estimator {estimator}, got {depth}")
    if estimator == "ctw":
        if variant not in ("I1", "I2", "I3", "I4"):
            raise InvalidInput(f"--variant: expected one of I1, I2, I3, I4, got {variant!r}")
        return CTW(depth=depth, variant=variant)
    if estimator == "plugin":
        return PlugIn(order=depth)
    if estimator == "ksg":
        return KSG(history=depth)
    if estimator == "dine":
        try:
            from dicert.verify.neural.dine import DINE
        except ImportError:
            raise InvalidInput(
                "--estimator: dine needs the neural extra (jax, optax, flax): pip install 'dicert[neural]'"
            ) from None
        # DINE's window of ``memory`` steps ends at X_t: memory = depth + 1 sees X_{t-depth} .. X_t, as the
        # plug-in of order ``depth`` does (with memory = depth a delay-``depth`` link would be invisible)
        return DINE(memory=depth + 1, input_kind="discrete" if discrete_data else "continuous")
    return GaussianGranger(order=depth)


def _parse_test(spec: str | None) -> tuple[int, str] | None:
    """``surrogates=N[,method=M]`` -> (N, M)."""
    if spec is None:
        return None
    from dicert.verify.estimators.surrogates import SURROGATE_METHODS

    fields: dict[str, str] = {}
    for part in spec.split(","):
        key, sep, value = part.partition("=")
        if not sep or key.strip() not in ("surrogates", "method"):
            raise InvalidInput(f"--test: expected surrogates=N[,method=shift|block|iaaft], got {spec!r}")
        fields[key.strip()] = value.strip()
    if "surrogates" not in fields or not fields["surrogates"].isdigit() or int(fields["surrogates"]) < 1:
        raise InvalidInput(f"--test: expected surrogates=N with an integer N >= 1, got {spec!r}")
    method = fields.get("method", "shift")
    if method not in SURROGATE_METHODS:
        raise InvalidInput(f"--test: method expected one of {', '.join(SURROGATE_METHODS)}, got {method!r}")
    return int(fields["surrogates"]), method


def _interval(values: Any) -> tuple[list[float] | None, str | None]:
    """An interval as a JSON list, or ``None`` with the reason when it is not finite."""
    import math

    if values is None:
        return None, "this estimator reports no interval"
    lo, hi = (float(v) for v in values)
    if math.isfinite(lo) and math.isfinite(hi):
        return [lo, hi], None
    return None, "too few samples for the batch-means interval (fewer than 4 batches)"


def estimate(
    file: Path = typer.Argument(..., help="CSV file with a header row."),
    x: str = typer.Option(..., "--x", help="Column of the input process X."),
    y: str = typer.Option(..., "--y", help="Column of the output process Y."),
    z: str | None = typer.Option(None, "--z", help="Column of side information Z: I(X -> Y || Z)."),
    estimator: str = typer.Option("ctw", "--estimator", help="ctw, plugin, ksg, granger or dine."),
    depth: int = typer.Option(3, "--depth", help="CTW depth; plug-in Markov order; KSG / Granger / DINE history (DINE window: depth + 1 steps)."),
    variant: str = typer.Option("I4", "--variant", help="CTW estimator I1, I2, I3 or I4 (3.3)-(3.6)."),
    test: str | None = typer.Option(None, "--test", help="Surrogate test: surrogates=N[,method=shift|block|iaaft]."),
    seed: int = typer.Option(0, "--seed", help="Seed of the surrogates."),
    jobs: int = typer.Option(1, "--jobs", help="Worker processes for the surrogates (joblib; -1: all cores)."),
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
    if z is not None and name == "dine":
        raise InvalidInput("--z: side information is supported by ctw, plugin, ksg and granger, not dine")
    surrogates = _parse_test(test)
    wanted = {"--x": x, "--y": y} if z is None else {"--x": x, "--y": y, "--z": z}
    columns = _columns(Path(file), wanted)
    discrete = name in _DISCRETE
    x_values = _to_array("--x", x, columns["--x"], discrete or name == "dine")
    y_values = _to_array("--y", y, columns["--y"], discrete or name == "dine")
    z_values = None if z is None else _to_array("--z", z, columns["--z"], discrete)
    discrete_data = _looks_discrete(x_values) and _looks_discrete(y_values)
    if name == "dine" and discrete_data:  # integer-valued columns with few values: symbols, not reals
        x_values, y_values = x_values.astype("int64"), y_values.astype("int64")
    fields = {"depth": "--depth", "order": "--depth", "history": "--depth", "variant": "--variant"}
    with renamed_fields(fields):
        model = _build(name, depth, variant, discrete_data)
    with renamed_fields({**fields, "x": "--x", "y": "--y", "z": "--z", "x, y": f"--x {x} / --y {y}"}):
        _fit(model, name, x_values, y_values, z_values)
    significance = None
    if surrogates is not None:
        from dicert.verify.estimators.surrogates import surrogate_test

        with stderr_console.status(f"{surrogates[0]} surrogates ({surrogates[1]})", spinner="dots"):
            significance = surrogate_test(
                model, x_values, y_values, z_values, n_surrogates=surrogates[0], method=surrogates[1], rng=seed,
                n_jobs=jobs,
            )
    seconds = time.perf_counter() - started
    result = _result(model, name, (x, y, z), int(x_values.size), significance, seconds)
    if json_output:
        emit_json(result)
        return
    _print_table(model, file, (x, y, z), int(x_values.size), result, significance)
    stderr_console.print(f"{seconds:.2f} s")


def _fit(model: Any, name: str, x_values: Any, y_values: Any, z_values: Any) -> None:
    """Fit ``model``; KSG reports progress with an ETA (its fits run for minutes on 10^5+ rows)."""
    extra = {} if z_values is None else {"z": z_values}
    label = f"fitting {model!r} on {x_values.size} samples"
    if name == "ksg":
        from dicert.proofs.cli.common import ProgressReporter

        progress = ProgressReporter(label)
        try:
            model.fit(x_values, y_values, progress=progress, **extra)
        finally:
            progress.close()
        return
    with stderr_console.status(label, spinner="dots"):
        model.fit(x_values, y_values, **extra)


def _result(
    model: Any, name: str, names: tuple[str, str, str | None], n: int, significance: Any, seconds: float
) -> dict[str, Any]:
    """The strict-JSON result of one estimate (intervals ``null`` with a ``ci_note`` when not finite)."""
    x, y, z = names
    di_ci, di_note = _interval(getattr(model, "di_rate_ci_", None))
    reverse_ci, reverse_note = _interval(getattr(model, "reverse_di_rate_ci_", None))
    notes = sorted({note for note in (di_note, reverse_note) if note})
    params = model.get_params() if hasattr(model, "get_params") else {}
    result: dict[str, Any] = {
        "estimator": name,
        "parameters": params,
        "x": x,
        "y": y,
        "z": z,
        "n": n,
        "di_rate": model.di_rate_,
        "reverse_di_rate": model.reverse_di_rate_,
        "mi_rate": model.mi_rate_,
        "di_rate_ci": di_ci,
        "reverse_di_rate_ci": reverse_ci,
        "ci_method": getattr(model, "ci_method_", None),
        "ci_note": "; ".join(notes) if notes else None,
        "units": "bits",
        "seconds": seconds,
    }
    if hasattr(model, "granger_index_"):
        result["granger_index"] = model.granger_index_
        result["granger_index_ci"] = _interval(model.granger_index_ci_)[0]
    if significance is not None:
        result["test"] = significance.as_dict()
    return result


def _print_table(
    model: Any, file: Path, names: tuple[str, str, str | None], n: int, result: dict[str, Any], significance: Any
) -> None:
    """The human table on stdout (intervals are estimates, not bounds)."""
    import sys

    from rich.console import Console
    from rich.table import Table

    x, y, z = names
    given = "" if z is None else f" || {z}"
    table = Table(title=f"{model!r} on {file} ({x} -> {y}{given}, n = {n})")
    table.add_column("rate")
    table.add_column("estimate (bits)", justify="right")
    table.add_column("95% interval (estimate, not a bound)", justify="right")
    if significance is not None:
        table.add_column(f"p-value ({significance.n_surrogates} {significance.method} surrogates)", justify="right")

    def fmt(interval: list[float] | None) -> str:
        return "n/a" if interval is None else "[{:.6f}, {:.6f}]".format(*interval)

    di_row = [f"I({x} -> {y}{given})", f"{model.di_rate_:.6f}", fmt(result["di_rate_ci"])]
    reverse_row = [f"I(D{y} -> {x}{given})", f"{model.reverse_di_rate_:.6f}", fmt(result["reverse_di_rate_ci"])]
    mi_row = [f"I({x}; {y}{given}) rate", f"{model.mi_rate_:.6f}", ""]
    if significance is not None:
        di_row.append(f"{significance.di_p_value:.4g}")
        reverse_row.append(f"{significance.reverse_di_p_value:.4g}")
        mi_row.append("")
    table.add_row(*di_row)
    table.add_row(*reverse_row)
    table.add_row(*mi_row)
    if hasattr(model, "granger_index_"):
        granger_row = [f"Granger F({x} -> {y}{given}), strict past", f"{model.granger_index_:.6f}",
                       fmt(result["granger_index_ci"])]
        table.add_row(*granger_row, *([""] if significance is not None else []))
    stdout = Console() if sys.stdout.isatty() else Console(width=200)  # piped output: no wrapping
    stdout.print(table)
    if result["ci_note"]:
        stdout.print(result["ci_note"])

"""Helpers shared by the CLI commands: strict JSON output, stderr console, input and output checks, progress.

JSON on stdout is strict RFC 8259: no ``NaN`` or ``Infinity``.  A non-finite
number becomes ``null`` and the object gains a ``<field>_reason`` string that
says what the value was and why it is missing (:func:`strict_json`).

>>> from dicert.proofs.cli.common import json_number, strict_json
>>> json_number(0.5)
0.5
>>> strict_json({"di_rate_ci": [float("-inf"), float("inf")], "n": 3})
{'di_rate_ci': [None, None], 'n': 3, 'di_rate_ci_reason': 'entries 0, 1 are -inf, inf: not finite, written as null (RFC 8259 JSON has no infinite or NaN numbers)'}
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from rich.console import Console

from dicert.graphs.errors import InvalidInput

__all__ = [
    "stderr_console",
    "emit_json",
    "json_number",
    "strict_json",
    "bad_input",
    "check_output_path",
    "check_output_dir",
    "renamed_fields",
    "ProgressReporter",
]

#: Human output (tables, progress bars) goes to stderr; stdout is kept for ``--json``.
stderr_console = Console(stderr=True)


def json_number(value: Any) -> Any:
    """Convert numpy scalars / Fractions to plain Python numbers (non-finite floats are kept; see :func:`strict_json`).

    >>> json_number(Fraction(1, 4))
    0.25
    """
    if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        value = value.item()  # numpy scalar (checked without importing numpy: keeps the CLI start fast)
    if isinstance(value, Fraction):
        return float(value)
    return value


_NON_FINITE_WHY = "not finite, written as null (RFC 8259 JSON has no infinite or NaN numbers)"


def _plain(obj: Any) -> Any:
    """numpy arrays / scalars, Fractions and objects with ``to_dict`` as plain JSON types (finite or not)."""
    obj = json_number(obj)
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, Mapping):
        return {str(key): _plain(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(value) for value in obj]
    if hasattr(obj, "tolist"):
        return _plain(obj.tolist())
    if hasattr(obj, "to_dict"):
        return _plain(obj.to_dict())
    return str(obj)


def _non_finite(value: Any) -> bool:
    return isinstance(value, float) and not math.isfinite(value)


def _scrub(value: Any, path: list[str]) -> tuple[Any, list[tuple[str, str]]]:
    """Replace non-finite floats by None; return the (position, value) pairs that were replaced."""
    if _non_finite(value):
        return None, [("/".join(path), "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf"))]
    if isinstance(value, dict):
        return _strict_object(value), []
    if isinstance(value, list):
        out, found = [], []
        for index, item in enumerate(value):
            clean, inner = _scrub(item, [*path, str(index)])
            out.append(clean)
            found += inner
        return out, found
    return value, []


def _strict_object(obj: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    for key, value in obj.items():
        clean, found = _scrub(value, [])
        out[key] = clean
        if found:
            if found == [("", found[0][1])]:
                reasons[f"{key}_reason"] = f"{found[0][1]}: {_NON_FINITE_WHY}"
            else:
                where = ", ".join(position for position, _ in found)
                values = ", ".join(v for _, v in found)
                plural = "entries" if len(found) > 1 else "entry"
                verb = "are" if len(found) > 1 else "is"
                reasons[f"{key}_reason"] = f"{plural} {where} {verb} {values}: {_NON_FINITE_WHY}"
    for key, reason in reasons.items():
        out.setdefault(key, reason)
    return out


def strict_json(obj: Mapping[str, Any]) -> dict[str, Any]:
    """``obj`` as RFC 8259 JSON data: non-finite numbers become ``null`` with a ``<field>_reason`` beside them.

    Examples
    --------
    >>> strict_json({"upper": float("nan")})
    {'upper': None, 'upper_reason': 'nan: not finite, written as null (RFC 8259 JSON has no infinite or NaN numbers)'}
    >>> import json
    >>> json.dumps(strict_json({"x": [1.0, 2]}), allow_nan=False)
    '{"x": [1.0, 2]}'
    """
    plain = _plain(dict(obj))
    return _strict_object(plain)


def _default(obj: Any) -> Any:
    converted = json_number(obj)
    if converted is not obj:
        return converted
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    return str(obj)


def emit_json(obj: dict[str, Any]) -> None:
    """Print one strict JSON object on stdout (the ``--json`` contract; RFC 8259, see :func:`strict_json`).

    >>> emit_json({"rate": float("inf")})
    {"rate": null, "rate_reason": "inf: not finite, written as null (RFC 8259 JSON has no infinite or NaN numbers)"}
    """
    sys.stdout.write(json.dumps(strict_json(obj), default=_default, sort_keys=False, allow_nan=False) + "\n")
    sys.stdout.flush()


def bad_input(field: str, expected: str, got: Any = None) -> InvalidInput:
    """Build the one-line error for a bad CLI value (raise the result; exit code 2)."""
    suffix = "" if got is None else f", got {got!r}"
    return InvalidInput(f"{field}: expected {expected}{suffix}")


class renamed_fields:  # noqa: N801 - used as a context manager, reads like a statement
    """Re-raise a library error whose message starts with a parameter name under the option the user typed.

    ``with renamed_fields({"depth": "--depth"}):`` turns ``depth: expected an integer in
    [0, 32], got 100`` into ``--depth: expected ...`` (same exception class).

    Examples
    --------
    >>> with renamed_fields({"depth": "--depth"}):
    ...     raise InvalidInput("depth: expected an integer in [0, 32], got 100")
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidInput: --depth: expected an integer in [0, 32], got 100
    """

    def __init__(self, mapping: Mapping[str, str], prefix: str | None = None) -> None:
        self.mapping = dict(mapping)
        self.prefix = prefix

    def __enter__(self) -> renamed_fields:
        return self

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> Literal[False]:
        from dicert.graphs.errors import DicertError

        if not isinstance(exc, DicertError):
            return False
        message = str(exc)
        head, sep, rest = message.partition(":")
        if sep and head.strip() in self.mapping:
            message = f"{self.mapping[head.strip()]}:{rest}"
        elif self.prefix is not None:
            message = f"{self.prefix}: {message}"
        else:
            return False
        raise type(exc)(message) from None


def check_output_path(path: Path | str, field: str) -> Path:
    """Refuse, before any work, an output file that cannot be written (``--out``, ``--latex``, ``--csv``).

    Raises
    ------
    InvalidInput
        ``"--out /no/such/dir/c.json: cannot write: directory /no/such/dir does not exist"`` and the like.

    Examples
    --------
    >>> check_output_path("/nonexistent-dir/c.json", "--out")
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidInput: --out /nonexistent-dir/c.json: cannot write: directory /nonexistent-dir does not exist
    """
    p = Path(path)
    parent = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise InvalidInput(f"{field} {p}: is a directory, expected a file to write")
    if not parent.is_dir():
        raise InvalidInput(f"{field} {p}: cannot write: directory {parent} does not exist")
    if (p.exists() and not os.access(p, os.W_OK)) or (not p.exists() and not os.access(parent, os.W_OK | os.X_OK)):
        raise InvalidInput(f"{field} {p}: cannot write: permission denied")
    return p


def check_output_dir(path: Path | str, field: str) -> Path:
    """Create (if needed) and check an output directory (``--plot DIR``) before any work.

    Examples
    --------
    >>> check_output_dir("/proc/version", "--plot")
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidInput: --plot /proc/version: expected a directory, got a file
    """
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise InvalidInput(f"{field} {p}: expected a directory, got a file")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InvalidInput(f"{field} {p}: cannot create the directory ({exc.strerror or exc})") from None
    if not os.access(p, os.W_OK | os.X_OK):
        raise InvalidInput(f"{field} {p}: cannot write into the directory: permission denied")
    return p


class ProgressReporter:
    """Progress with ETA on stderr: a rich bar on a terminal, plain periodic lines otherwise (logs, CI, pipes).

    Call it as ``progress(done, total)``; nothing is shown before the first call
    (so input errors come first).  Off a terminal one line is printed at most every
    ``interval`` seconds and one at the end: ``ranking ising, m=5: 1200/21291
    (5.6%), elapsed 3.1 s, ETA 52 s``.

    Examples
    --------
    >>> import io
    >>> from rich.console import Console
    >>> out = io.StringIO()
    >>> progress = ProgressReporter("counting", console=Console(file=out), interval=0.0)
    >>> progress(1, 4); progress(4, 4); progress.close()
    >>> out.getvalue().splitlines()[-1].startswith("counting: 4/4 (100.0%), elapsed")
    True
    """

    def __init__(self, label: str, *, console: Any = None, interval: float = 10.0) -> None:
        self.label = label
        self.console = stderr_console if console is None else console
        self.interval = interval
        self.bar: Any = None
        self.task: Any = None
        self._start: float | None = None
        self._last_line = -math.inf
        self._last: tuple[int, int] | None = None
        self._printed_last = False
        self._done0 = 0

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if self._start is None:
            self._start, self._done0 = now, done  # work resumed from a database does not count for the ETA
        self._last = (done, total)
        if self.console.is_terminal:
            self._bar_update(done, total)
        elif now - self._last_line >= self.interval or done >= total:
            self._line(done, total, now)

    def _bar_update(self, done: int, total: int) -> None:
        if self.bar is None:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn(self.label),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("elapsed"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=self.console,
            )
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done, total=total)

    def _line(self, done: int, total: int, now: float) -> None:
        elapsed = now - (self._start or now)
        share = done / total if total else 1.0
        fresh = done - self._done0
        eta = "?" if fresh <= 0 or elapsed <= 0 else _seconds(elapsed * (total - done) / fresh)
        percent = f"{100 * share:.1f}%"
        self.console.print(f"{self.label}: {done}/{total} ({percent}), elapsed {_seconds(elapsed)}, ETA {eta}",
                           markup=False, highlight=False, soft_wrap=True)
        self._last_line = now
        self._printed_last = done >= total

    def close(self) -> None:
        """Stop the bar (terminal) or print the final line if it was not printed yet."""
        if self.bar is not None:
            self.bar.stop()
        elif self._last is not None and not self._printed_last and not self.console.is_terminal:
            self._line(*self._last, time.perf_counter())


def _seconds(seconds: float) -> str:
    """``"42 s"``, ``"3.5 min"``, ``"2.1 h"``, ``"3.2 days"``.

    >>> _seconds(42.4), _seconds(210), _seconds(7560), _seconds(3 * 86400)
    ('42 s', '3.5 min', '2.1 h', '3.0 days')
    """
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"

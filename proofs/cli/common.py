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
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

from dicert.graphs.errors import InvalidInput
from dicert.verify.progress import ProgressReporter, stderr_console

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

#: Human output (tables, progress bars) goes to ``stderr_console``; stdout is kept for results and ``--json``.
#: Both it and :class:`ProgressReporter` live in :mod:`dicert.verify.progress` (one copy) and are re-exported here.


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

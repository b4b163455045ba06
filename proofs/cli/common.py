"""Helpers shared by the CLI commands: JSON output, stderr console, input checks.

>>> from dicert.proofs.cli.common import json_number
>>> json_number(0.5)
0.5
"""

from __future__ import annotations

import json
import math
import sys
from fractions import Fraction
from typing import Any

from rich.console import Console

from dicert.graphs.errors import InvalidInput

__all__ = ["stderr_console", "emit_json", "json_number", "bad_input"]

#: Human output (tables, progress bars) goes to stderr; stdout is kept for ``--json``.
stderr_console = Console(stderr=True)


def json_number(value: Any) -> Any:
    """Convert numpy scalars / Fractions to JSON-safe Python values (NaN/inf become strings)."""
    if type(value).__module__ == "numpy" and hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        value = value.item()  # numpy scalar (checked without importing numpy: keeps the CLI start fast)
    if isinstance(value, Fraction):
        return float(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


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
    """Print one JSON object on stdout (the ``--json`` contract)."""
    sys.stdout.write(json.dumps(obj, default=_default, sort_keys=False) + "\n")
    sys.stdout.flush()


def bad_input(field: str, expected: str, got: Any = None) -> InvalidInput:
    """Build the one-line error for a bad CLI value (raise the result; exit code 2)."""
    suffix = "" if got is None else f", got {got!r}"
    return InvalidInput(f"{field}: expected {expected}{suffix}")

"""Allocation guard: refuse dense arrays above a configurable memory limit (all layers).

This module lives in the lowest layer so that :mod:`dicert.graphs` (graph
files), :mod:`dicert.verify` (programs, belief grids, estimators) and the CLI
share one limit and one guard; it is re-exported as :mod:`dicert.verify.memory`,
and the size models of the large allocations are in :mod:`dicert.verify.sizes`.

Every dense joint allocation in dicert (a joint pmf over ``n`` letters, a
causally conditioned kernel, a forward-recursion table) is preceded by a call
to :func:`check_allocation`, which estimates the size in bytes and raises
:class:`~dicert.verify.errors.TooLarge` when it exceeds the limit, with a
message that states the size, the limit, and what to do instead.

The limit is resolved at call time, without hidden module globals:

1. the innermost active :func:`memory_limit` context (a :mod:`contextvars`
   variable, so it is thread- and task-local);
2. otherwise the environment variable ``DICERT_MEMORY_LIMIT`` (e.g. ``"8GiB"``);
3. otherwise :data:`DEFAULT_LIMIT_BYTES` (4 GiB).

Examples
--------
>>> from dicert.graphs.memory import check_allocation, memory_limit
>>> check_allocation((2,) * 20, 8, "joint pmf")   # 2**20 float64 cells: 8 MiB
8388608
>>> with memory_limit("1MiB"):
...     check_allocation((2,) * 20, 8, "joint pmf")
Traceback (most recent call last):
    ...
dicert.graphs.errors.TooLarge: joint pmf: needs 8 MiB ...
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import numbers
import os
import re
from collections.abc import Iterator, Sequence
from typing import cast

from dicert.graphs.errors import InvalidInput, TooLarge

__all__ = [
    "DEFAULT_LIMIT_BYTES",
    "ENV_VARIABLE",
    "OBJECT_ITEMSIZE",
    "check_allocation",
    "current_memory_limit",
    "format_bytes",
    "format_size",
    "guard_bytes",
    "json_file_bytes",
    "memory_limit",
    "parse_size",
]

DEFAULT_LIMIT_BYTES: int = 4 * 2**30
"""Limit used when neither a :func:`memory_limit` context nor ``DICERT_MEMORY_LIMIT`` is set."""

ENV_VARIABLE: str = "DICERT_MEMORY_LIMIT"
"""Name of the environment variable holding the limit (e.g. ``"8GiB"``)."""

OBJECT_ITEMSIZE: int = 128
"""Bytes charged per cell of an object array (mpmath ``mpf`` / sympy numbers), pointer included."""

_UNITS: dict[str, int] = {
    "": 1,
    "b": 1,
    "k": 10**3,
    "kb": 10**3,
    "m": 10**6,
    "mb": 10**6,
    "g": 10**9,
    "gb": 10**9,
    "t": 10**12,
    "tb": 10**12,
    "kib": 2**10,
    "mib": 2**20,
    "gib": 2**30,
    "tib": 2**40,
}
_SIZE_PATTERN = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?(?:[eE][0-9]+)?)\s*([A-Za-z]*)\s*$")

_limit_override: contextvars.ContextVar[int | None] = contextvars.ContextVar("dicert_memory_limit", default=None)


def parse_size(size: int | float | str, field: str = "limit") -> int:
    """Convert a size such as ``"8GiB"``, ``"512 MB"`` or ``1e9`` to a number of bytes.

    Parameters
    ----------
    size
        A non-negative number of bytes, or a string made of a number and an
        optional unit (``B``, ``kB``, ``MB``, ``GB``, ``TB``, ``KiB``, ``MiB``,
        ``GiB``, ``TiB``; case-insensitive).
    field
        Name used in the error message.

    Returns
    -------
    int
        The size in bytes.

    Raises
    ------
    InvalidInput
        If the size cannot be parsed or is negative.

    Examples
    --------
    >>> parse_size("8GiB")
    8589934592
    >>> parse_size("1.5 MB")
    1500000
    >>> parse_size(1024)
    1024
    """
    if isinstance(size, bool):
        raise InvalidInput(f"{field}: expected a size such as '8GiB' or a number of bytes, got {size!r}")
    if isinstance(size, int | float):
        if not math.isfinite(size) or size < 0:
            raise InvalidInput(f"{field}: expected a non-negative number of bytes, got {size!r}")
        return int(size)
    if isinstance(size, str):
        match = _SIZE_PATTERN.match(size)
        if match is not None and match.group(2).lower() in _UNITS:
            return int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    raise InvalidInput(f"{field}: expected a size such as '8GiB', '512MB' or a number of bytes, got {size!r}")


def format_bytes(n_bytes: int | float) -> str:
    """Human-readable size with binary units (``"8 MiB"``, ``"16.00 GiB"``).

    Examples
    --------
    >>> format_bytes(8 * 2**20)
    '8 MiB'
    >>> format_bytes(3 * 2**30 + 2**29)
    '3.50 GiB'
    """
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n_bytes >= scale:
            value = n_bytes / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.2f} {unit}"
    return f"{int(n_bytes)} B"


def current_memory_limit() -> int:
    """The limit in bytes in force here (context, then ``DICERT_MEMORY_LIMIT``, then 4 GiB).

    Examples
    --------
    >>> with memory_limit("2GiB"):
    ...     current_memory_limit()
    2147483648
    """
    override = _limit_override.get()
    if override is not None:
        return override
    from_env = os.environ.get(ENV_VARIABLE)
    if from_env is not None and from_env.strip():
        return parse_size(from_env, field=ENV_VARIABLE)
    return DEFAULT_LIMIT_BYTES


@contextlib.contextmanager
def memory_limit(limit: int | float | str) -> Iterator[int]:
    """Temporarily set the allocation limit (thread- and task-local, via :mod:`contextvars`).

    Parameters
    ----------
    limit
        The new limit, e.g. ``"8GiB"`` or a number of bytes.

    Yields
    ------
    int
        The limit in bytes.

    Examples
    --------
    >>> with memory_limit("16GiB") as limit:
    ...     limit == 16 * 2**30
    True
    """
    value = parse_size(limit, field="memory_limit")
    token = _limit_override.set(value)
    try:
        yield value
    finally:
        _limit_override.reset(token)


def check_allocation(shape_or_cells: int | Sequence[int], itemsize: int, what: str) -> int:
    """Estimate the bytes of a dense array and refuse it above the memory limit.

    Parameters
    ----------
    shape_or_cells
        The array shape, or its number of cells.
    itemsize
        Bytes per cell (8 for float64; :data:`OBJECT_ITEMSIZE` for object arrays).
    what
        What is being allocated; starts the error message (the field name).

    Returns
    -------
    int
        The estimated number of bytes (allocation allowed).

    Raises
    ------
    TooLarge
        If the estimate exceeds :func:`current_memory_limit`.

    Examples
    --------
    >>> check_allocation(1000, 8, "table")
    8000
    >>> check_allocation((2,) * 40, 8, "joint pmf P(x^20, y^20)")
    Traceback (most recent call last):
        ...
    dicert.graphs.errors.TooLarge: joint pmf P(x^20, y^20): needs 8 TiB ...
    """
    if isinstance(shape_or_cells, numbers.Integral):
        cells = int(shape_or_cells)
        described = f"{cells} cells"
    else:
        shape = tuple(int(s) for s in cast(Sequence[int], shape_or_cells))
        cells = math.prod(shape)
        described = f"{cells} cells of shape {shape}" if len(shape) <= 8 else f"{cells} cells ({len(shape)} axes)"
    n_bytes = cells * int(itemsize)
    limit = current_memory_limit()
    if n_bytes > limit:
        raise TooLarge(
            f"{what}: needs {format_bytes(n_bytes)} ({described}, {itemsize} bytes each), above the memory "
            f"limit of {format_bytes(limit)}; use fewer variables or a smaller n, or raise the limit with "
            f"{ENV_VARIABLE}=<size> or `with dicert.verify.memory.memory_limit('<size>'):`"
        )
    return n_bytes


def format_size(n_bytes: int | float) -> str:
    """Size with one decimal and a binary unit, for guard messages (``"9.0 GiB"``, ``"64.0 TiB"``).

    Examples
    --------
    >>> format_size(9 * 2**30 + 2**20)
    '9.0 GiB'
    >>> format_size(2**80)
    '1.2e+24 B'
    >>> format_size(512)
    '512 B'
    """
    if n_bytes >= 2**70:
        return f"{float(n_bytes):.1e} B"
    for unit, scale in (("EiB", 2**60), ("PiB", 2**50), ("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{int(n_bytes)} B"


def guard_bytes(n_bytes: int | float, field: str, what: str, *, hint: str | None = None) -> int:
    """Refuse an allocation of ``n_bytes`` above the memory limit, naming the input that asked for it.

    The one guard every large allocation calls *before* it happens, with the
    estimate from a size model (:mod:`dicert.verify.sizes`).  The message is one
    line: the field as the user typed it, what would be built, the estimate and
    the limit, e.g. ``--graph debruijn:12: the bound program needs 9.0 GiB >
    limit 4 GiB (DICERT_MEMORY_LIMIT)``.

    Parameters
    ----------
    n_bytes
        Estimated peak bytes of the allocation (an int; may be astronomically large).
    field
        The input responsible, as the user typed it (``"--graph debruijn:12"``, ``"FILE"``, ``"depth"``).
    what
        What would be built (``"the bound program"``).
    hint
        Optional advice appended after a semicolon.

    Returns
    -------
    int
        ``n_bytes`` as an int (the allocation is allowed).

    Raises
    ------
    TooLarge
        If ``n_bytes`` exceeds :func:`current_memory_limit`.

    Examples
    --------
    >>> guard_bytes(10**6, "--graph debruijn:2", "the bound program")
    1000000
    >>> with memory_limit("4GiB"):
    ...     guard_bytes(9 * 2**30, "--graph debruijn:12", "the bound program")
    Traceback (most recent call last):
        ...
    dicert.graphs.errors.TooLarge: --graph debruijn:12: the bound program needs 9.0 GiB > limit 4 GiB (DICERT_MEMORY_LIMIT)
    """
    needed = int(n_bytes)
    limit = current_memory_limit()
    if needed > limit:
        message = f"{field}: {what} needs {format_size(needed)} > limit {format_bytes(limit)} ({ENV_VARIABLE})"
        raise TooLarge(message if hint is None else f"{message}; {hint}")
    return needed


def json_file_bytes(file_bytes: int) -> int:
    """Peak bytes of parsing a JSON file of numbers (Q-graph or channel file) of ``file_bytes`` bytes.

    Every number takes at least two characters (a digit and a separator) and
    becomes a Python object (32 bytes), a list slot (8) and later one or two
    array cells (16); the text is held twice (bytes, then str).

    Examples
    --------
    >>> json_file_bytes(1000)
    30000
    """
    size = int(file_bytes)
    return 2 * size + size // 2 * 56

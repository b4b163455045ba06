"""Time estimates before long work: how many Q-graphs, how long, and a guard with a time limit.

Enumeration and ranking grow by a factor 24-37 per extra node (OEIS A027835:
1, 6, 52, 892, 21 291, 658 885, 24 617 866 strongly connected binary Q-graphs
for m = 1..7).  Before starting, the CLI states the number of graphs and an
estimated time, and refuses without ``--yes`` what exceeds the time limit:

1. the innermost :func:`time_limit` context, else
2. the environment variable ``DICERT_TIME_LIMIT`` (``"30min"``, ``"2h"``, ``"90s"`` or seconds), else
3. :data:`DEFAULT_TIME_LIMIT_SECONDS` (one hour).

Counts
    The enumerator tests every word in BFS normal form (the accessible automata,
    counted exactly by :func:`dicert.graphs.enumerate.count_accessible_automata`,
    OEIS A006689 for two outputs); each strongly connected class appears among
    them once per start node up to automorphism, so ``candidates / m`` estimates
    the number of graphs from above.  For two outputs the exact counts of OEIS
    A027835 are quoted where known (:data:`A027835`); they are data for the
    estimate, checked against :func:`~dicert.graphs.enumerate.count_qgraphs` in
    the tests, never returned as a computed count.
Times
    Calibrated on this machine at the moment of the call: a small enumeration
    (the largest size with at most 200 000 candidates, from scratch) gives the
    seconds per candidate, scaled by ``(m / m')^2`` (the canonicity test costs
    ``O(m^2 r)`` per word); the median of a few solves of the bound program on
    the first graphs of size ``m`` gives the seconds per ranked graph.
    Estimates, not promises: the load of the machine enters.

Examples
--------
>>> from dicert.verify.workload import qgraph_count_estimate, time_limit, guard_seconds
>>> qgraph_count_estimate(5, 2)
(21291, True, 'OEIS A027835')
>>> with time_limit("1h"):
...     guard_seconds(7200.0, "--nodes 8", "counting", hint="pass --yes to run anyway")
Traceback (most recent call last):
...
dicert.graphs.errors.TooLarge: --nodes 8: counting needs an estimated 2.0 h > time limit 60.0 min (DICERT_TIME_LIMIT); pass --yes to run anyway
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import os
import re
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from dicert.verify.errors import InvalidInput, TooLarge

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import Channel

__all__ = [
    "A027835",
    "MAX_TABLE_ENTRIES",
    "approx_int",
    "DEFAULT_TIME_LIMIT_SECONDS",
    "TIME_ENV_VARIABLE",
    "current_time_limit",
    "format_seconds",
    "guard_seconds",
    "parse_seconds",
    "qgraph_count_estimate",
    "seconds_per_candidate",
    "seconds_per_ranked_graph",
    "time_limit",
]

DEFAULT_TIME_LIMIT_SECONDS: float = 3600.0
"""Limit used when neither a :func:`time_limit` context nor ``DICERT_TIME_LIMIT`` is set."""

TIME_ENV_VARIABLE: str = "DICERT_TIME_LIMIT"
"""Name of the environment variable holding the time limit."""

A027835: dict[int, int] = {1: 1, 2: 6, 3: 52, 4: 892, 5: 21291, 6: 658885, 7: 24617866}
"""OEIS A027835: strongly connected binary automata up to isomorphism (Q-graphs with r = 2), m = 1..7."""

MAX_TABLE_ENTRIES = 900
"""Largest ``m * r`` the counting recursion handles; beyond it the number of graphs is astronomically large anyway."""

_CALIBRATION_CANDIDATES = 200_000
_UNITS = {"": 1.0, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}
_PATTERN = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?)\s*([a-z]*)\s*$")
_override: contextvars.ContextVar[float | None] = contextvars.ContextVar("dicert_time_limit", default=None)


def parse_seconds(value: float | int | str, field: str = "time limit") -> float:
    """``"90s"``, ``"30min"``, ``"2h"``, ``"1d"`` or a number of seconds as seconds.

    Examples
    --------
    >>> parse_seconds("30min"), parse_seconds("2h"), parse_seconds(5)
    (1800.0, 7200.0, 5.0)
    """
    if isinstance(value, bool):
        raise InvalidInput(f"{field}: expected a duration such as '30min' or a number of seconds, got {value!r}")
    if isinstance(value, int | float):
        if not math.isfinite(value) or value < 0:
            raise InvalidInput(f"{field}: expected a non-negative number of seconds, got {value!r}")
        return float(value)
    match = _PATTERN.match(str(value).lower())
    if match is None or match.group(2) not in _UNITS:
        raise InvalidInput(f"{field}: expected a duration such as '90s', '30min', '2h' or seconds, got {value!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def current_time_limit() -> float:
    """The time limit in seconds in force here (context, then ``DICERT_TIME_LIMIT``, then one hour).

    Examples
    --------
    >>> with time_limit("10min"):
    ...     current_time_limit()
    600.0
    """
    override = _override.get()
    if override is not None:
        return override
    text = os.environ.get(TIME_ENV_VARIABLE, "").strip()
    return parse_seconds(text, TIME_ENV_VARIABLE) if text else DEFAULT_TIME_LIMIT_SECONDS


@contextlib.contextmanager
def time_limit(limit: float | int | str) -> Iterator[float]:
    """Temporarily set the time limit (thread- and task-local, via :mod:`contextvars`).

    Examples
    --------
    >>> with time_limit(60) as seconds:
    ...     seconds
    60.0
    """
    token = _override.set(parse_seconds(limit, "time_limit"))
    try:
        yield _override.get()  # type: ignore[misc]
    finally:
        _override.reset(token)


def format_seconds(seconds: float) -> str:
    """``"42 s"``, ``"3.5 min"``, ``"2.1 h"``, ``"3.2 days"``, ``"1.2e+03 years"``.

    Examples
    --------
    >>> format_seconds(42.4), format_seconds(210), format_seconds(7560), format_seconds(3 * 86400)
    ('42 s', '3.5 min', '2.1 h', '3.0 days')
    """
    if seconds < 120:
        return f"{seconds:.0f} s" if seconds >= 1 else f"{seconds:.2f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    if not math.isfinite(seconds):
        return "forever"
    if seconds < 3 * 365 * 86400:
        return f"{seconds / 86400:.1f} days"
    return f"{seconds / (365 * 86400):.1e} years"


def guard_seconds(seconds: float, field: str, what: str, *, hint: str | None = None) -> float:
    """Refuse work whose estimated time exceeds the time limit, naming the input (one line).

    Raises
    ------
    TooLarge
        ``--nodes 9: counting needs an estimated 118 days > time limit 1.0 h (DICERT_TIME_LIMIT); pass --yes ...``.

    Examples
    --------
    >>> guard_seconds(3.0, "--nodes 4", "counting")
    3.0
    """
    limit = current_time_limit()
    if not seconds <= limit:  # also NaN
        message = f"{field}: {what} needs an estimated {format_seconds(seconds)} > time limit {format_seconds(limit)} ({TIME_ENV_VARIABLE})"
        raise TooLarge(message if hint is None else f"{message}; {hint}")
    return seconds


def approx_int(n: int) -> str:
    """An integer of any size in three significant digits (``"7.83e+10"``); exact below 10^6.

    Examples
    --------
    >>> approx_int(78340898367), approx_int(10**400), approx_int(892)
    ('7.83e+10', '1.00e+400', '892')
    """
    if abs(n) < 10**6:
        return str(n)
    digits = str(abs(n))
    mantissa = round(int(digits[:4]) / 1000, 2)
    exponent = len(digits) - 1
    if mantissa >= 10:
        mantissa, exponent = mantissa / 10, exponent + 1
    return f"{'-' if n < 0 else ''}{mantissa:.2f}e+{exponent:02d}"


def qgraph_count_estimate(m: int, r: int) -> tuple[int, bool, str]:
    """Number of non-isomorphic strongly connected Q-graphs: ``(count, exact, source)``.

    Exact for ``r = 2`` and ``m <= 7`` (OEIS A027835, :data:`A027835`); otherwise
    ``ceil(candidates / m)`` from the exact count of accessible automata (an
    estimate from above, see the module docstring).

    Examples
    --------
    >>> qgraph_count_estimate(9, 2)
    (78340898367, False, 'estimate: 7.05e+11 accessible automata / 9')
    """
    from dicert.graphs.enumerate import count_accessible_automata

    if r == 2 and m in A027835:
        return A027835[m], True, "OEIS A027835"
    candidates = count_accessible_automata(m, r)
    return -(-candidates // m), False, f"estimate: {approx_int(candidates)} accessible automata / {m}"


def seconds_per_candidate(m: int, r: int) -> float:
    """Seconds the enumerator spends per candidate word at size ``m`` (calibrated now, on a small size).

    Examples
    --------
    >>> 0 < seconds_per_candidate(6, 2) < 1e-3
    True
    """
    from dicert.graphs.enumerate import count_accessible_automata, count_qgraphs

    small = 1
    while small < m and count_accessible_automata(small + 1, r) <= _CALIBRATION_CANDIDATES:
        small += 1
    small = max(small, min(m, 2))
    from dicert.graphs import enumerate as enumeration

    getattr(getattr(enumeration, "_blocks", None), "cache_clear", lambda: None)()  # time the block table too
    start = time.perf_counter()
    count_qgraphs(small, r)
    per = (time.perf_counter() - start) / count_accessible_automata(small, r)
    return per * (m / small) ** 2


def seconds_per_ranked_graph(channel: Channel, m: int, r: int, *, trials: int = 9) -> float:
    """Seconds per ranked graph: a few solves of the bound program (4.40) on the first graphs of size ``m``.

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> 0 < seconds_per_ranked_graph(parse_channel("trapdoor"), 2, 2) < 10
    True
    """
    from dicert.graphs.enumerate import enumerate_qgraphs
    from dicert.verify.capacity.qgraph_bounds import QGraphBoundProgram

    program = QGraphBoundProgram(channel, m)
    graphs = []
    for graph in enumerate_qgraphs(m, r):
        graphs.append(graph)
        if len(graphs) >= trials:
            break
    times = []
    for graph in graphs:
        start = time.perf_counter()
        program.solve(graph, lower=False)
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]  # the median solve (the first ones also set the solver up)

"""Variable-name arguments of the chapter-2 measures: sets, time sequences, the delay operator ``D``.

A *set* argument is a name or a sequence of names; a *sequence* argument lists
the variables of times ``1..n`` (each entry a name, a tuple of names, or ``()``,
the null symbol of the delay operator ``D`` of section 2.1). :func:`delayed`
and :func:`joint` build shifted and paired sequences.

Examples
--------
>>> from dicert.verify.measures import delayed, joint
>>> delayed(["X1", "X2", "X3"])
[(), ('X1',), ('X2',)]
>>> joint(["X1", "X2"], ["Z1", "Z2"])
[('X1', 'Z1'), ('X2', 'Z2')]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from dicert.verify.errors import InvalidInput

Group = tuple[str, ...]
NameSet = str | Sequence[str]
NameSequence = Sequence[str | Sequence[str]]


# --------------------------------------------------------------------------- arguments
def _as_set(names: Any, field: str) -> Group:
    """A variable name or a sequence of names (nested groups are flattened)."""
    if isinstance(names, str):
        return (names,)
    try:
        items = list(names)
    except TypeError:
        raise InvalidInput(f"{field}: expected a variable name or a sequence of names, got {names!r}") from None
    out: list[str] = []
    for item in items:
        out.extend(_as_group(item, field))
    if len(set(out)) != len(out):
        repeated = next(name for name in out if out.count(name) > 1)
        raise InvalidInput(f"{field}: variable {repeated!r} is listed twice")
    return tuple(out)


def _as_group(item: Any, field: str) -> Group:
    if isinstance(item, str):
        return (item,)
    try:
        group = tuple(item)
    except TypeError:
        raise InvalidInput(f"{field}: expected variable names (str) or tuples of names, got {item!r}") from None
    for name in group:
        if not isinstance(name, str):
            raise InvalidInput(f"{field}: expected variable names (str), got {name!r}")
    return group


def _as_sequence(sequence: Any, field: str) -> tuple[Group, ...]:
    """Time-indexed groups: each entry a name, a tuple of names, or () for the null symbol."""
    if isinstance(sequence, str):
        return ((sequence,),)
    try:
        items = list(sequence)
    except TypeError:
        raise InvalidInput(f"{field}: expected a sequence of variable names, got {sequence!r}") from None
    groups = tuple(_as_group(item, field) for item in items)
    flat = [name for group in groups for name in group]
    if len(set(flat)) != len(flat):
        repeated = next(name for name in flat if flat.count(name) > 1)
        raise InvalidInput(f"{field}: variable {repeated!r} appears at two times")
    return groups


def _check_disjoint(**fields: Sequence[str]) -> None:
    seen: dict[str, str] = {}
    for field, names in fields.items():
        for name in names:
            if name in seen:
                raise InvalidInput(
                    f"{field}: variable {name!r} also appears in {seen[name]}; the arguments must be disjoint"
                )
            seen[name] = field


def _flat(groups: Sequence[Group]) -> Group:
    return tuple(name for group in groups for name in group)


def _check_base(base: Any) -> int | float | str:
    if base == "e":
        return "e"
    if isinstance(base, bool) or not isinstance(base, int | float) or not math.isfinite(base) or base <= 0 or base == 1:
        raise InvalidInput(f"base: expected 2, 'e' or a positive number other than 1, got {base!r}")
    return base


def _same_length(field: str, groups: Sequence[Group], n: int) -> None:
    if len(groups) != n:
        raise InvalidInput(f"{field}: has {len(groups)} time steps, expected {n} (as many as ys)")


def delayed(sequence: NameSequence, delay: int = 1) -> list[Group]:
    """The delayed sequence ``D^d X^n = (null, ..., null, X_1, ..., X_{n-d})``.

    The delay operator of the monograph (``DX^n = (∅, X^{n-1})``, (2.13)):
    entry ``i`` of the result is the group of ``sequence[i - delay]`` and the
    first ``delay`` entries are the null symbol ``()``.

    Examples
    --------
    >>> delayed(["X1", "X2", "X3"])
    [(), ('X1',), ('X2',)]
    >>> delayed(["X1", "X2", "X3"], 2)
    [(), (), ('X1',)]
    """
    if isinstance(delay, bool) or not isinstance(delay, int | np.integer) or delay < 0:
        raise InvalidInput(f"delay: expected a non-negative integer, got {delay!r}")
    groups = list(_as_sequence(sequence, "sequence"))
    delay = int(delay)
    if delay == 0:
        return groups
    return [() for _ in range(min(delay, len(groups)))] + groups[: max(len(groups) - delay, 0)]


def joint(*sequences: NameSequence) -> list[Group]:
    """Pair sequences time by time: ``joint(xs, zs)[i] = xs[i] + zs[i]`` (the process (X, Z)).

    Examples
    --------
    >>> joint(["X1", "X2"], ["Z1", "Z2"])
    [('X1', 'Z1'), ('X2', 'Z2')]
    >>> joint(delayed(["X1", "X2"]), ["Z1", "Z2"])
    [('Z1',), ('X1', 'Z2')]
    """
    groups = [_as_sequence(sequence, f"sequences[{k}]") for k, sequence in enumerate(sequences)]
    lengths = {len(g) for g in groups}
    if len(lengths) > 1:
        raise InvalidInput(f"sequences: lengths {[len(g) for g in groups]} differ, expected equal lengths")
    return [tuple(name for g in step for name in g) for step in zip(*groups, strict=True)]


def _check_delay(delay: Any) -> int:
    if isinstance(delay, bool) or not isinstance(delay, int | np.integer) or delay < 0:
        raise InvalidInput(f"delay: expected a non-negative integer, got {delay!r}")
    return int(delay)

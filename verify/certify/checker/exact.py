"""Exact inputs of the checker: rationals parsed from text, exact arrays, the channel and its fingerprint.

The checker reads *only* exact data: integers and strings ``"p/q"``,
``"-3"``, ``"0.125"``, ``"1e-3"`` (ASCII digits only).  A JSON float is refused
(it has no exact text), as are booleans where a number is expected.

A unifilar channel (Def. 4.2.3) is ``law[s][x][y] = P(y|x,s)`` (each row a
probability vector summing *exactly* to 1), ``next_state[s][x][y] = f(s,x,y)``
and ``allowed[s][x]``.  Its fingerprint is the SHA-256 of the canonical JSON
of the exact law (reduced fractions), the next-state map and the constraint
(``allowed`` always written out), so two files describe the same channel
exactly when their fingerprints agree.

Examples
--------
>>> from dicert.verify.certify.checker.exact import rational, ExactChannel
>>> rational("4/13"), rational("0.1"), rational(3)
(4/13, 1/10, 3)
>>> ch = ExactChannel.from_json({"law": [[["4/13", "9/13"], ["9/13", "4/13"]]], "next_state": [[[0, 0], [0, 0]]]})
>>> ch.fingerprint()[:7], ch.shape
('sha256:', (1, 2, 2))
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from flint import fmpq, fmpz

from dicert.graphs.errors import InvalidInput

__all__ = ["rational", "rational_str", "nested", "stochastic", "graph", "ExactChannel"]

_INT = re.compile(r"^[+-]?[0-9]+$")
_RATIO = re.compile(r"^([+-]?[0-9]+)/([0-9]+)$")
_DEC = re.compile(r"^([+-]?)([0-9]*)(?:\.([0-9]*))?(?:[eE]([+-]?[0-9]{1,6}))?$")
_MAX_EXP = 100000

#: Longest accepted number text: two 10**6-digit decimals (a ratio) and some slack.
MAX_TEXT = 2_200_000


def rational(value: Any, field: str = "number") -> fmpq:
    """An exact rational from an int or an ASCII string (``p/q`` or a decimal); anything else is refused.

    Examples
    --------
    >>> rational("-7/21"), rational("1.5e2")
    (-1/3, 150)
    >>> rational(0.1, "law")
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidInput: law: expected an exact number (int or string 'p/q' / decimal), got float 0.1
    """
    if isinstance(value, bool) or not isinstance(value, (int, str, fmpq, fmpz)):
        raise InvalidInput(
            f"{field}: expected an exact number (int or string 'p/q' / decimal), got {type(value).__name__} {value!r}"
        )
    if isinstance(value, fmpq):
        return value
    if isinstance(value, (int, fmpz)):
        return fmpq(fmpz(int(value)))
    text = value.strip()
    if not text.isascii() or len(text) > MAX_TEXT:
        raise InvalidInput(f"{field}: expected an ASCII exact number, got {value[:40]!r}")
    if _INT.match(text):
        return fmpq(fmpz(text))
    match = _RATIO.match(text)
    if match:
        den = fmpz(match.group(2))
        if den == 0:
            raise InvalidInput(f"{field}: zero denominator in {text[:40]!r}")
        return fmpq(fmpz(match.group(1)), den)
    match = _DEC.match(text)
    if match and (match.group(2) or match.group(3)):
        sign, whole, frac, exp = match.group(1), match.group(2) or "0", match.group(3) or "", int(match.group(4) or 0)
        if abs(exp) > _MAX_EXP:
            raise InvalidInput(f"{field}: exponent {exp} out of range in {text[:40]!r}")
        num = fmpz(whole + frac)
        shift = exp - len(frac)
        q = fmpq(num * fmpz(10) ** shift) if shift >= 0 else fmpq(num, fmpz(10) ** (-shift))
        return -q if sign == "-" else q
    raise InvalidInput(f"{field}: expected an exact number such as '1/3' or '0.25', got {text[:40]!r}")


def rational_str(q: fmpq) -> str:
    """Canonical exact text ``p/q`` (or ``p``).

    Examples
    --------
    >>> rational_str(rational("6/8"))
    '3/4'
    """
    return str(q.p) if q.q == 1 else f"{q.p}/{q.q}"


def _integer(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field}: expected an integer, got {value!r}")
    return value


def nested(value: Any, depth: int, field: str, leaf=rational) -> tuple:
    """A rectangular nested list of the given depth, leaves converted by ``leaf`` (exact).

    Examples
    --------
    >>> nested([["1/2", 0]], 2, "value")
    ((1/2, 0),)
    """
    def walk(node: Any, level: int, index: tuple) -> Any:
        where = f"{field}{list(index)}" if index else field
        if level == depth:
            return leaf(node, where)
        if not isinstance(node, list) or not node:
            raise InvalidInput(f"{where}: expected a non-empty list (depth {depth - level} to go), got {type(node).__name__}")
        return tuple(walk(child, level + 1, index + (i,)) for i, child in enumerate(node))

    out = walk(value, 0, ())

    def check(node: Any, level: int, shape: list) -> None:
        if level == depth:
            return
        if len(shape) <= level:
            shape.append(len(node))
        elif len(node) != shape[level]:
            raise InvalidInput(f"{field}: expected a rectangular array, found rows of lengths {shape[level]} and {len(node)}")
        for child in node:
            check(child, level + 1, shape)

    check(out, 0, [])
    return out


def shape(arr: tuple, depth: int) -> tuple[int, ...]:
    """Shape of a rectangular nested tuple."""
    dims, cur = [], arr
    for _ in range(depth):
        dims.append(len(cur))
        cur = cur[0]
    return tuple(dims)


def stochastic(value: Any, depth: int, field: str) -> tuple:
    """Nested exact rationals whose innermost rows are probability vectors summing exactly to 1.

    Examples
    --------
    >>> stochastic([["1/3", "2/3"]], 2, "test")
    ((1/3, 2/3),)
    >>> stochastic([["1/3", "0.6666666666666666"]], 2, "test")
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidInput: test[0]: sums to 1 - 1/15000000000000000, expected exactly 1
    """
    arr = nested(value, depth, field)

    def walk(node: tuple, index: tuple) -> None:
        if len(index) == depth - 1:
            for j, p in enumerate(node):
                if p < 0 or p > 1:
                    raise InvalidInput(f"{field}{list(index + (j,))}: {rational_str(p)} is not a probability in [0, 1]")
            total = sum(node, fmpq(0))
            if total != 1:
                diff = total - 1
                text = f"1 + {rational_str(diff)}" if diff > 0 else f"1 - {rational_str(-diff)}"
                raise InvalidInput(f"{field}{list(index)}: sums to {text}, expected exactly 1")
            return
        for i, child in enumerate(node):
            walk(child, index + (i,))

    walk(arr, ())
    return arr


def graph(value: Any, outputs: int, field: str = "phi") -> tuple:
    """A Q-graph ``phi[q][y] -> q'`` (Sec. 4.4.1): integers in range, one edge per output.

    Examples
    --------
    >>> graph([[0, 1], [1, 0]], 2)
    ((0, 1), (1, 0))
    """
    arr = nested(value, 2, field, _integer)
    m, r = shape(arr, 2)
    if r != outputs:
        raise InvalidInput(f"{field}: expected {outputs} edges per node (one per output), got {r}")
    for q, row in enumerate(arr):
        for y, nxt in enumerate(row):
            if not 0 <= nxt < m:
                raise InvalidInput(f"{field}[{q}][{y}]: node {nxt} out of range 0..{m - 1}")
    return arr


def _flag(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{field}: expected true or false, got {value!r}")
    return value


@dataclass(frozen=True)
class ExactChannel:
    """A unifilar channel with exact rational law (Def. 4.2.3), as the checker sees it."""

    law: tuple
    next_state: tuple
    allowed: tuple

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(S, X, Y)``."""
        s, x, y = shape(self.law, 3)
        return s, x, y

    @classmethod
    def from_json(cls, data: Any) -> "ExactChannel":
        """Validate ``{"law", "next_state", "allowed"?}`` (exact strings/ints only).

        Examples
        --------
        >>> ExactChannel.from_json({"law": [[["1/3", "2/3"]]], "next_state": [[[0, 0]]]}).allowed
        ((True,),)
        """
        if not isinstance(data, dict):
            raise InvalidInput("channel: expected an object with law, next_state, allowed")
        for key in ("law", "next_state"):
            if key not in data:
                raise InvalidInput(f"channel: missing key '{key}'")
        law = stochastic(data["law"], 3, "channel.law")
        S, X, Y = shape(law, 3)
        nxt = nested(data["next_state"], 3, "channel.next_state", _integer)
        if shape(nxt, 3) != (S, X, Y):
            raise InvalidInput(f"channel.next_state: expected shape {(S, X, Y)}, got {shape(nxt, 3)}")
        for s in range(S):
            for x in range(X):
                for y in range(Y):
                    if not 0 <= nxt[s][x][y] < S:
                        raise InvalidInput(f"channel.next_state[{s}][{x}][{y}]: state {nxt[s][x][y]} out of range")
        if data.get("allowed") is None:
            allowed = tuple(tuple(True for _ in range(X)) for _ in range(S))
        else:
            allowed = nested(data["allowed"], 2, "channel.allowed", _flag)
            if shape(allowed, 2) != (S, X):
                raise InvalidInput(f"channel.allowed: expected shape {(S, X)}, got {shape(allowed, 2)}")
            for s in range(S):
                if not any(allowed[s]):
                    raise InvalidInput(f"channel.allowed[{s}]: no input allowed")
        return cls(law, nxt, allowed)

    def canonical(self) -> dict:
        """Canonical JSON form (reduced fractions, ``allowed`` written out)."""
        return {
            "type": "unifilar",
            "law": [[[rational_str(p) for p in row] for row in block] for block in self.law],
            "next_state": [[list(row) for row in block] for block in self.next_state],
            "allowed": [list(row) for row in self.allowed],
        }

    def fingerprint(self) -> str:
        """``sha256:<hex>`` of the canonical JSON (see module docstring)."""
        text = json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(text.encode("ascii")).hexdigest()

"""Exact (rational) forms of the inputs a certificate re-checks: channel, Q-graph, kernels.

A certificate must be re-verifiable from its JSON alone, so every number it
uses is stored as an exact rational string ``"p/q"``.  This module converts
the shared array conventions (``DEVELOPING.md``) to exact nested tuples of
``fmpq`` and back, and validates them:

- unifilar FSC: ``law[s][x][y] = P(y|x,s)``, ``next_state[s][x][y] = f(s,x,y)``,
  ``allowed[s][x]`` (monograph Def. 4.2.3);
- Q-graph: ``phi[q][y] -> q'`` (Sec. 4.4.1);
- kernels: a test distribution ``T[q][y]`` (4.51), an input policy
  ``P[s][q][x]`` (4.35), a value function ``V[s][q]`` (4.54).

Channel objects read from a channel file carry their exact law parsed from
the file's own text (``exact_view``, :mod:`dicert.verify.channels.spec`):
``"4/13"`` is 4/13 and ``0.1`` is 1/10, never a binary float.  A channel built
from Python floats is converted *exactly* (each float's binary value) and
``origin`` says so (``"binary-float"``); only when those binary values do not
sum exactly to 1 is the shortest decimal form of each float used instead
(``origin = "float-shortest-decimal"``), and the certificate states it.

Examples
--------
>>> from dicert.verify.certify.exact_inputs import ExactUnifilar
>>> ch = ExactUnifilar.from_arrays(
...     law=[[[1, 0], ["1/2", "1/2"]], [["1/2", "1/2"], [0, 1]]],
...     next_state=[[[0, 0], [1, 1]], [[0, 0], [1, 1]]])      # the binary Ising channel
>>> ch.shape
(2, 2, 2)
>>> ExactUnifilar.from_json(ch.to_json()) == ch
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Sequence

from flint import fmpq

from dicert.graphs.errors import InvalidChannel, InvalidGraph, InvalidInput
from dicert.verify.certify.intervals import fmpq_to_str, to_fmpq

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import Channel

__all__ = [
    "ExactUnifilar",
    "exact_graph",
    "exact_stochastic",
    "exact_matrix",
    "nested_to_str",
    "rationalize",
    "rationalize_stochastic",
]


def _tolist(obj: Any) -> Any:
    return obj.tolist() if hasattr(obj, "tolist") else obj


def _to_nested(obj: Any, depth: int, field: str, convert) -> tuple:
    obj = _tolist(obj)
    if depth == 0:
        return convert(obj)
    if isinstance(obj, (str, bytes)) or not isinstance(obj, Sequence):
        raise InvalidInput(f"{field}: expected a nested list of depth {depth}, got {type(obj).__name__}")
    return tuple(_to_nested(item, depth - 1, field, convert) for item in obj)


def nested_to_str(obj: Any) -> Any:
    """Nested tuples of ``fmpq`` as nested lists of exact strings (JSON form).

    Examples
    --------
    >>> nested_to_str(((to_fmpq("1/2"), to_fmpq(1)),))
    [['1/2', '1']]
    """
    if isinstance(obj, (tuple, list)):
        return [nested_to_str(item) for item in obj]
    if isinstance(obj, (fmpq, Fraction)):
        return fmpq_to_str(to_fmpq(obj))
    return obj


def _shape(obj: tuple, depth: int) -> tuple[int, ...]:
    dims = []
    cur = obj
    for _ in range(depth):
        dims.append(len(cur))
        cur = cur[0] if len(cur) else ()
    return tuple(dims)


def _check_rectangular(obj: tuple, depth: int, field: str) -> tuple[int, ...]:
    shape = _shape(obj, depth)

    def walk(node: tuple, level: int) -> None:
        if level == depth:
            return
        if len(node) != shape[level]:
            raise InvalidInput(f"{field}: expected a rectangular array of shape {shape}, found a row of length {len(node)}")
        for child in node:
            walk(child, level + 1)

    walk(obj, 0)
    return shape


def exact_matrix(values: Any, depth: int, field: str) -> tuple:
    """Nested exact rationals of a given depth (rectangular), e.g. a value function ``V[s][q]``.

    Examples
    --------
    >>> exact_matrix([[0, "1/3"]], 2, "value")
    ((0, 1/3),)
    """
    nested = _to_nested(values, depth, field, to_fmpq)
    _check_rectangular(nested, depth, field)
    return nested


def exact_stochastic(values: Any, depth: int, field: str) -> tuple:
    """Nested exact rationals whose innermost rows are probability vectors (sum exactly 1).

    Examples
    --------
    >>> exact_stochastic([["1/4", "3/4"]], 2, "test")
    ((1/4, 3/4),)
    >>> exact_stochastic([["1/4", "1/4"]], 2, "test")
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidInput: test: row (0,) sums to 1/2, expected exactly 1
    """
    nested = exact_matrix(values, depth, field)

    def walk(node: tuple, index: tuple) -> None:
        if len(index) == depth - 1:
            for j, p in enumerate(node):
                if p < 0 or p > 1:
                    raise InvalidInput(f"{field}: entry {index + (j,)} = {fmpq_to_str(p)}, expected a probability in [0, 1]")
            total = sum(node, fmpq(0))
            if total != 1:
                raise InvalidInput(f"{field}: row {index} sums to {fmpq_to_str(total)}, expected exactly 1")
            return
        for i, child in enumerate(node):
            walk(child, index + (i,))

    walk(nested, ())
    return nested


def exact_graph(phi: Any, outputs: int | None = None) -> tuple[tuple[int, ...], ...]:
    """A Q-graph ``phi[q][y] -> q'`` as nested int tuples (accepts a ``QGraph`` with ``.phi``).

    Examples
    --------
    >>> exact_graph([[1, 0], [0, 1]])
    ((1, 0), (0, 1))
    >>> exact_graph([[2, 0], [0, 1]])
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidGraph: phi: edge (0, 0) -> 2 is out of range, expected a node in 0..1
    """
    phi = getattr(phi, "phi", phi)
    try:
        nested = _to_nested(phi, 2, "phi", int)
        shape = _check_rectangular(nested, 2, "phi")
    except InvalidInput as exc:
        raise InvalidGraph(str(exc)) from None
    if outputs is not None and shape[1] != outputs:
        raise InvalidGraph(f"phi: expected {outputs} outgoing edges per node (one per output), got {shape[1]}")
    for q, row in enumerate(nested):
        for y, nxt in enumerate(row):
            if not 0 <= nxt < shape[0]:
                raise InvalidGraph(f"phi: edge ({q}, {y}) -> {nxt} is out of range, expected a node in 0..{shape[0] - 1}")
    return nested


@dataclass(frozen=True)
class ExactUnifilar:
    """A unifilar finite-state channel with exact rational law (Def. 4.2.3).

    Attributes
    ----------
    law : tuple
        ``law[s][x][y] = P(y | x, s)`` as ``fmpq``; each row sums exactly to 1.
    next_state : tuple
        ``next_state[s][x][y] = f(s, x, y)``.
    allowed : tuple
        ``allowed[s][x]``: whether input ``x`` may be sent in state ``s``.
    """

    law: tuple
    next_state: tuple
    allowed: tuple
    origin: str = field(default="text", compare=False)

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(S, X, Y)``."""
        return len(self.law), len(self.law[0]), len(self.law[0][0])

    @classmethod
    def from_arrays(cls, law: Any, next_state: Any, allowed: Any = None) -> "ExactUnifilar":
        """Validate and convert arrays in the shared convention.

        Examples
        --------
        >>> ExactUnifilar.from_arrays([[["1/2", "1/3"]]], [[[0, 0]]])
        Traceback (most recent call last):
        ...
        dicert.graphs.errors.InvalidChannel: law: row (0, 0) sums to 5/6, expected exactly 1
        """
        try:
            exact_law = exact_stochastic(law, 3, "law")
        except InvalidInput as exc:
            raise InvalidChannel(str(exc)) from None
        S, X, Y = _shape(exact_law, 3)
        try:
            nxt = _to_nested(next_state, 3, "next_state", int)
            nxt_shape = _check_rectangular(nxt, 3, "next_state")
        except InvalidInput as exc:
            raise InvalidChannel(str(exc)) from None
        if nxt_shape != (S, X, Y):
            raise InvalidChannel(f"next_state: expected shape {(S, X, Y)}, got {_shape(nxt, 3)}")
        for s in range(S):
            for x in range(X):
                for y in range(Y):
                    if not 0 <= nxt[s][x][y] < S:
                        raise InvalidChannel(
                            f"next_state: f({s}, {x}, {y}) = {nxt[s][x][y]}, expected a state in 0..{S - 1}"
                        )
        if allowed is None:
            allow = tuple(tuple(True for _ in range(X)) for _ in range(S))
        else:
            allow = _to_nested(allowed, 2, "allowed", bool)
            if _check_rectangular(allow, 2, "allowed") != (S, X):
                raise InvalidChannel(f"allowed: expected shape {(S, X)}, got {_shape(allow, 2)}")
            for s in range(S):
                if not any(allow[s]):
                    raise InvalidChannel(f"allowed: state {s} allows no input, expected at least one")
        return cls(exact_law, nxt, allow)

    @classmethod
    def from_channel(cls, channel: Channel | ExactUnifilar) -> "ExactUnifilar":
        """Convert any object with ``law``, ``next_state`` and ``allowed`` attributes (e.g. ``UnifilarFSC``) or a DMC.

        Examples
        --------
        >>> from dicert.verify.channels import parse_channel
        >>> ExactUnifilar.from_channel(parse_channel("bsc:p=0.25")).law
        (((3/4, 1/4), (1/4, 3/4)),)
        """
        if isinstance(channel, cls):
            return channel
        obj: Any = channel  # read by attribute below: a protocol channel, a DMC, or any object with the arrays
        view = getattr(obj, "exact_view", None)
        if not hasattr(obj, "next_state") and hasattr(obj, "matrix"):  # a DMC: one-state unifilar channel
            from dicert.verify.channels import as_unifilar

            if view is not None and "matrix" in view:
                view = {"law": [view["matrix"]], "origin": view["origin"]}
            obj = as_unifilar(obj)
        for name in ("law", "next_state"):
            if not hasattr(obj, name):
                raise InvalidChannel(f"channel: expected a unifilar channel with a '{name}' array")
        allowed = getattr(obj, "allowed", None)
        if view is not None and "law" in view:
            exact = cls.from_arrays(_fractions(view["law"]), obj.next_state, allowed)
            return cls(exact.law, exact.next_state, exact.allowed, view["origin"])
        law = _tolist(obj.law)
        try:
            exact = cls.from_arrays(_fractions(law, binary=True), obj.next_state, allowed)
            return cls(exact.law, exact.next_state, exact.allowed, "binary-float")
        except InvalidChannel as binary_error:
            try:
                exact = cls.from_arrays(law, obj.next_state, allowed)
            except InvalidChannel:
                raise InvalidChannel(
                    f"{binary_error} (the channel's float entries are not exact; give the law as fractions such as "
                    "'1/3' in a channel file)"
                ) from None
            return cls(exact.law, exact.next_state, exact.allowed, "float-shortest-decimal")

    def to_json(self) -> dict:
        """Exact JSON form (strings for probabilities)."""
        return {
            "law": nested_to_str(self.law),
            "next_state": [[list(row) for row in block] for block in self.next_state],
            "allowed": [list(row) for row in self.allowed],
        }

    @classmethod
    def from_json(cls, data: dict) -> "ExactUnifilar":
        """Inverse of :meth:`to_json` (validates again)."""
        for key in ("law", "next_state"):
            if key not in data:
                raise InvalidChannel(f"channel: missing key '{key}'")
        return cls.from_arrays(data["law"], data["next_state"], data.get("allowed"))


def _fractions(obj: Any, binary: bool = False) -> Any:
    """Nested lists of exact values; with ``binary`` floats become their exact binary value."""
    obj = _tolist(obj)
    if isinstance(obj, (list, tuple)):
        return [_fractions(v, binary) for v in obj]
    if isinstance(obj, float):
        return Fraction(obj) if binary else obj
    return obj


def rationalize(value: float, max_denominator: int = 10**15) -> Fraction:
    """Closest fraction to a float with bounded denominator (continued fractions).

    Examples
    --------
    >>> rationalize(0.3333333333333333, 1000)
    Fraction(1, 3)
    """
    return Fraction(float(value)).limit_denominator(max_denominator)


def rationalize_stochastic(rows: Any, max_denominator: int = 10**15, floor: Fraction | None = None) -> list:
    """Rationalise the innermost rows of a float array so that each sums *exactly* to 1.

    Entries below ``1/max_denominator`` are set to 0 (or to ``floor`` if given,
    e.g. to keep a test distribution positive); the largest entry of each
    row absorbs the rounding so the row sum is exactly 1.

    Examples
    --------
    >>> rationalize_stochastic([[0.25, 0.7500000000000001]], 1000)
    [[Fraction(1, 4), Fraction(3, 4)]]
    """
    rows = _tolist(rows)
    if rows and isinstance(rows[0], (list, tuple)):
        return [rationalize_stochastic(r, max_denominator, floor) for r in rows]
    eps = Fraction(1, max_denominator)
    out = []
    for v in rows:
        f = rationalize(v, max_denominator)
        if f < eps:
            f = Fraction(0) if floor is None else floor
        out.append(f)
    big = max(range(len(out)), key=lambda i: out[i])
    out[big] = 1 - (sum(out) - out[big])
    if out[big] < 0:
        raise InvalidInput("row: cannot rationalise to a probability vector (entries sum above 1)")
    return out

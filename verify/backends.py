"""Number backends for pmfs: float64 (numpy), mpmath (any precision), sympy (exact).

A :class:`~dicert.verify.pmf.Pmf` and every measure in
:mod:`dicert.verify.measures` run through one code path; the few operations
that depend on the kind of number live here:

* ``float64``: a float64 ndarray; "sums to one" means ``|s - 1| <= 1e-9``;
  logarithms are vectorised ``numpy.log``.
* ``mpmath``: an object ndarray of ``mpf``; "sums to one" means
  ``|s - 1| <= cells * 2**(8 - prec)``; ``mpmath.log`` at the working precision.
* ``sympy``: an object ndarray of exact sympy numbers or expressions; "sums to
  one" means ``s - 1`` simplifies to 0; logarithms are exact, written
  ``sum_q c_q log(q)`` over primes ``q`` for rational pmfs.

The backend is chosen from the array itself (:func:`backend_of`): numeric
dtypes are float64; object arrays of ``mpmath.mpf`` are mpmath; object arrays
of sympy numbers, Python ``int`` or :class:`fractions.Fraction` are sympy.

Examples
--------
>>> import numpy as np
>>> from dicert.verify.backends import backend_of
>>> backend_of(np.array([0.5, 0.5])).name
'float64'
>>> import sympy
>>> backend_of(np.array([sympy.Rational(1, 3), sympy.Rational(2, 3)], dtype=object)).name
'sympy'
"""

from __future__ import annotations

import abc
import functools
import math
import sys
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import Any

import numpy as np

from dicert.verify.errors import InvalidInput, InvalidPmf

__all__ = [
    "BACKEND_NAMES",
    "Backend",
    "FLOAT_ATOL",
    "backend_named",
    "backend_of",
]

FLOAT_ATOL: float = 1e-9
"""Tolerance of the float64 backend on ``sum(p) == 1``."""

BACKEND_NAMES: tuple[str, ...] = ("float64", "mpmath", "sympy")


def _index_of(array: np.ndarray, flat_position: int) -> tuple[int, ...]:
    return tuple(int(i) for i in np.unravel_index(flat_position, array.shape)) if array.ndim else ()


def _map_entries(array: np.ndarray, convert: Callable[[Any, tuple[int, ...]], Any]) -> np.ndarray:
    """An object array holding ``convert(value, index)`` of each entry (``index`` names it in messages)."""
    out = np.empty(array.shape, dtype=object)
    flat_out = out.reshape(-1)
    for position, value in enumerate(array.reshape(-1)):
        flat_out[position] = convert(value, _index_of(array, position))
    return out


def _refuse_entries(array: np.ndarray, field: str, rules: Iterable[tuple[Callable[[Any], bool], str]]) -> None:
    """Raise ``InvalidPmf`` at the first entry breaking a rule: ``{field}: entries must be {expected}, found ...``."""
    for position, value in enumerate(array.reshape(-1)):
        for broken, expected in rules:
            if broken(value):
                raise InvalidPmf(
                    f"{field}: entries must be {expected}, found {value} at index {_index_of(array, position)}"
                )


class Backend(abc.ABC):
    """Operations that depend on the kind of number (one instance per backend).

    Subclasses implement: coercion of a raw array, validation of entries,
    the sum check, ``sum(w * ln(a))`` over the cells with ``w != 0``, the
    zero test, small exact constants and the change of logarithm base.

    Examples
    --------
    >>> import numpy as np, sympy
    >>> exact = backend_named("sympy")
    >>> p = exact.coerce(np.array([sympy.Rational(1, 4)] * 4, dtype=object), "array")
    >>> exact.sum_is_one(exact.sum(p), p.size)
    True
    >>> exact.finish(-exact.weighted_log_sum(p, p), 2)   # entropy in bits
    2
    >>> fast = backend_named("float64")
    >>> quarter = np.full(4, 0.25)
    >>> fast.finish(-fast.weighted_log_sum(quarter, quarter), 2)
    2.0
    """

    name: str = ""
    itemsize: int = 8

    @abc.abstractmethod
    def coerce(self, array: np.ndarray, field: str) -> np.ndarray:
        """Return a new array holding this backend's numbers (raises ``InvalidPmf``)."""

    @abc.abstractmethod
    def check_entries(self, array: np.ndarray, field: str) -> None:
        """Raise ``InvalidPmf`` naming ``field`` if an entry is negative or not finite."""

    @abc.abstractmethod
    def sum_is_one(self, total: Any, cells: int) -> bool:
        """Whether ``total`` equals one (exactly, or within this backend's tolerance)."""

    @abc.abstractmethod
    def weighted_log_sum(self, weights: np.ndarray, arguments: np.ndarray) -> Any:
        """``sum(w * ln(a))`` over the cells where ``w`` is not zero (natural log)."""

    @abc.abstractmethod
    def is_zero_mask(self, array: np.ndarray) -> np.ndarray:
        """Boolean array: which cells are (provably) zero."""

    @abc.abstractmethod
    def scalar(self, value: int | Fraction) -> Any:
        """An exact small rational (such as 1 or 1/3) as this backend's number."""

    @abc.abstractmethod
    def finish(self, nats: Any, base: int | float | str) -> Any:
        """Convert a natural-log result to ``base`` (``"e"`` or a number > 0, != 1)."""

    def sum(self, array: np.ndarray, axis: int | tuple[int, ...] | None = None) -> Any:
        """Sum over axes (object arrays add their elements)."""
        return np.sum(array, axis=axis)

    def to_float(self, value: Any) -> float:
        """Convert a scalar of this backend to a Python float."""
        return float(value)

    def __repr__(self) -> str:
        return f"<backend {self.name}>"


class Float64Backend(Backend):
    """IEEE double precision, vectorised with numpy."""

    name = "float64"
    itemsize = 8

    def coerce(self, array: np.ndarray, field: str) -> np.ndarray:
        if array.dtype.kind == "c":
            raise InvalidPmf(f"{field}: expected real probabilities, got complex dtype {array.dtype}")
        if array.dtype.kind not in "biufO":
            raise InvalidPmf(f"{field}: expected numbers, got dtype {array.dtype}")
        return np.array(array, dtype=np.float64, order="C", copy=True)

    def check_entries(self, array: np.ndarray, field: str) -> None:
        if array.size == 0:
            return
        finite = np.isfinite(array)
        if not finite.all():
            position = int(np.argmin(finite.ravel()))
            raise InvalidPmf(
                f"{field}: entries must be finite, found {float(array.ravel()[position])} "
                f"at index {_index_of(array, position)}"
            )
        position = int(np.argmin(array.ravel()))
        if array.ravel()[position] < 0:
            raise InvalidPmf(
                f"{field}: entries must be >= 0, found {float(array.ravel()[position])} "
                f"at index {_index_of(array, position)}"
            )

    def sum_is_one(self, total: Any, cells: int) -> bool:
        return abs(float(total) - 1.0) <= FLOAT_ATOL

    def weighted_log_sum(self, weights: np.ndarray, arguments: np.ndarray) -> float:
        w = np.ascontiguousarray(weights).reshape(-1)
        if arguments is weights:
            # Entropy: 0 * log(0) = 0, and clamping at the smallest normal float
            # changes a term by less than 1e-305; one temporary array only.
            logs = np.maximum(w, np.finfo(np.float64).tiny)
        else:
            logs = np.ones_like(w)
            np.copyto(logs, np.ascontiguousarray(arguments).reshape(-1), where=w != 0)
        np.log(logs, out=logs)
        # einsum: no temporary and no BLAS threads (np.dot can stall on a busy machine)
        return float(np.einsum("i,i->", w, logs))

    def is_zero_mask(self, array: np.ndarray) -> np.ndarray:
        return array == 0

    def scalar(self, value: int | Fraction) -> float:
        return float(value)

    def finish(self, nats: Any, base: int | float | str) -> float:
        if base == "e":
            return float(nats)
        return float(nats) / math.log(float(base))


class MpmathBackend(Backend):
    """Arbitrary precision with :mod:`mpmath` (the working precision ``mpmath.mp.prec`` at call time)."""

    name = "mpmath"
    itemsize = 128

    def coerce(self, array: np.ndarray, field: str) -> np.ndarray:
        import mpmath

        def convert(value: Any, index: tuple[int, ...]) -> Any:
            if isinstance(value, mpmath.mpf):
                return value
            if isinstance(value, int | np.integer) and not isinstance(value, bool):
                return mpmath.mpf(int(value))
            raise InvalidPmf(
                f"{field}: an mpmath pmf needs mpmath.mpf (or int) entries, found {type(value).__name__} "
                f"{value!r} at index {index}"
            )

        return _map_entries(array, convert)

    def check_entries(self, array: np.ndarray, field: str) -> None:
        import mpmath

        _refuse_entries(array, field, ((lambda v: not mpmath.isfinite(v), "finite"), (lambda v: v < 0, ">= 0")))

    def sum_is_one(self, total: Any, cells: int) -> bool:
        import mpmath

        return bool(abs(total - 1) <= max(cells, 1) * mpmath.ldexp(1, 8 - mpmath.mp.prec))

    def weighted_log_sum(self, weights: np.ndarray, arguments: np.ndarray) -> Any:
        import mpmath

        return mpmath.fsum(
            w * mpmath.log(a) for w, a in zip(weights.reshape(-1), arguments.reshape(-1), strict=True) if w != 0
        )

    def is_zero_mask(self, array: np.ndarray) -> np.ndarray:
        return np.fromiter((value == 0 for value in array.reshape(-1)), dtype=bool, count=array.size).reshape(
            array.shape
        )

    def scalar(self, value: int | Fraction) -> Any:
        import mpmath

        value = Fraction(value)
        return mpmath.mpf(value.numerator) / value.denominator

    def finish(self, nats: Any, base: int | float | str) -> Any:
        import mpmath

        if base == "e":
            return mpmath.mpf(nats)
        return mpmath.mpf(nats) / mpmath.log(mpmath.mpf(base))


@functools.lru_cache(maxsize=1 << 16)
def _prime_factors(n: int) -> tuple[tuple[int, int], ...]:
    import sympy

    return tuple(sorted(sympy.factorint(n).items()))


class SympyBackend(Backend):
    """Exact arithmetic with :mod:`sympy`: rationals and symbolic expressions.

    Sums ``sum w log a`` over rational cells are returned in the canonical form
    ``sum_q c_q log(q)`` over primes ``q`` with rational ``c_q``, so two equal
    quantities computed along different routes give identical expressions and
    their difference is exactly ``0``.
    """

    name = "sympy"
    itemsize = 128

    def coerce(self, array: np.ndarray, field: str) -> np.ndarray:
        import sympy

        def convert(value: Any, index: tuple[int, ...]) -> Any:
            if isinstance(value, bool | float | np.floating) or isinstance(value, sympy.Float):
                raise InvalidPmf(
                    f"{field}: a sympy pmf needs exact entries (sympy.Rational, int, fractions.Fraction or a symbolic "
                    f"expression), found float {value!r} at index {index}; write it as sympy.Rational('{value}')"
                )
            if isinstance(value, Fraction):
                return sympy.Rational(value.numerator, value.denominator)
            if isinstance(value, int | np.integer | sympy.Basic):
                converted = sympy.sympify(value)
                if converted.atoms(sympy.Float):
                    raise InvalidPmf(
                        f"{field}: a sympy pmf needs exact entries, found {value} (contains a Float) at index {index}"
                    )
                return converted
            raise InvalidPmf(
                f"{field}: a sympy pmf needs sympy numbers or expressions, found {type(value).__name__} {value!r} "
                f"at index {index}"
            )

        return _map_entries(array, convert)

    def check_entries(self, array: np.ndarray, field: str) -> None:
        _refuse_entries(array, field, ((lambda v: bool(v.is_negative or v.is_extended_real is False), "real and >= 0"),))

    def sum_is_one(self, total: Any, cells: int) -> bool:
        import sympy

        difference = total - 1
        if difference.is_Rational:
            return bool(difference == 0)
        return sympy.simplify(difference) == 0

    def weighted_log_sum(self, weights: np.ndarray, arguments: np.ndarray) -> Any:
        import sympy

        pairs = [
            (w, a)
            for w, a in zip(weights.reshape(-1), arguments.reshape(-1), strict=True)
            if not (w.is_zero or w == 0)
        ]
        if all(w.is_Rational and a.is_Rational for w, a in pairs):
            return _rational_weighted_log_sum(
                (Fraction(int(w.p), int(w.q)), Fraction(int(a.p), int(a.q))) for w, a in pairs
            )
        total = sympy.Add(*[w * sympy.log(a) for w, a in pairs])
        return sympy.expand(sympy.expand_log(total, force=True))

    def is_zero_mask(self, array: np.ndarray) -> np.ndarray:
        return np.fromiter((bool(value.is_zero) for value in array.reshape(-1)), dtype=bool, count=array.size).reshape(
            array.shape
        )

    def scalar(self, value: int | Fraction) -> Any:
        import sympy

        value = Fraction(value)
        return sympy.Rational(value.numerator, value.denominator)

    def finish(self, nats: Any, base: int | float | str) -> Any:
        import sympy

        nats = sympy.sympify(nats)
        if base == "e":
            return nats
        if isinstance(base, float):
            base = sympy.nsimplify(base)
        return sympy.expand(nats / sympy.log(sympy.sympify(base)))



def _rational_weighted_log_sum(pairs: Iterable[tuple[Fraction, Fraction]]) -> Any:
    """Exact ``sum w ln(a)`` for rationals, as ``sum_q c_q log q`` over primes (canonical form)."""
    import sympy

    coefficients: dict[int, Fraction] = {}
    for weight, argument in pairs:
        if argument <= 0:
            raise InvalidPmf(f"array: logarithm of a non-positive number {argument} with weight {weight}")
        for prime, exponent in _prime_factors(argument.numerator) if argument.numerator > 1 else ():
            coefficients[prime] = coefficients.get(prime, Fraction(0)) + weight * exponent
        for prime, exponent in _prime_factors(argument.denominator) if argument.denominator > 1 else ():
            coefficients[prime] = coefficients.get(prime, Fraction(0)) - weight * exponent
    return sympy.Add(
        *[
            sympy.Rational(c.numerator, c.denominator) * sympy.log(prime)
            for prime, c in sorted(coefficients.items())
            if c != 0
        ]
    )


_BACKENDS: dict[str, Backend] = {
    "float64": Float64Backend(),
    "mpmath": MpmathBackend(),
    "sympy": SympyBackend(),
}


def backend_named(name: str) -> Backend:
    """The backend called ``name`` (``"float64"``, ``"mpmath"`` or ``"sympy"``).

    Examples
    --------
    >>> backend_named("mpmath").name
    'mpmath'
    """
    try:
        return _BACKENDS[name]
    except KeyError:
        raise InvalidInput(f"backend: expected one of {', '.join(BACKEND_NAMES)}, got {name!r}") from None


def backend_of(array: np.ndarray, field: str = "array") -> Backend:
    """Choose the backend from the numbers in ``array``.

    Numeric dtypes give float64; object arrays whose entries are all
    ``mpmath.mpf`` (ints allowed) give mpmath; object arrays of sympy numbers or
    expressions, ``int`` and ``fractions.Fraction`` give sympy.

    Raises
    ------
    InvalidPmf
        If the entries mix mpmath and sympy numbers or are of an unknown type.

    Examples
    --------
    >>> import numpy as np, mpmath
    >>> backend_of(np.array([mpmath.mpf(1) / 4, mpmath.mpf(3) / 4], dtype=object)).name
    'mpmath'
    >>> from fractions import Fraction
    >>> backend_of(np.array([Fraction(1, 4), Fraction(3, 4)], dtype=object)).name
    'sympy'
    """
    if array.dtype != object:
        return _BACKENDS["float64"]
    mpmath_module = sys.modules.get("mpmath")
    sympy_module = sys.modules.get("sympy")
    has_mpf = has_sympy = has_float = False
    for value in array.reshape(-1):
        if mpmath_module is not None and isinstance(value, mpmath_module.mpf):
            has_mpf = True
        elif sympy_module is not None and isinstance(value, sympy_module.Basic):
            has_sympy = True
        elif isinstance(value, float | np.floating) and not isinstance(value, bool):
            has_float = True
        elif not isinstance(value, int | np.integer | Fraction) or isinstance(value, bool):
            raise InvalidPmf(
                f"{field}: entries must be numbers (float, mpmath.mpf, sympy, int, Fraction), found "
                f"{type(value).__name__} {value!r}"
            )
    if has_mpf and has_sympy:
        raise InvalidPmf(f"{field}: entries mix mpmath and sympy numbers; convert them to one kind")
    if has_mpf:
        return _BACKENDS["mpmath"]
    if has_float and not has_sympy:
        return _BACKENDS["float64"]
    return _BACKENDS["sympy"]

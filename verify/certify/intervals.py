"""Interval arithmetic helpers on top of python-flint ``arb`` balls.

Every certified number in dicert is an ``arb`` ball ``[m +/- r]`` computed
with rigorous error bounds (Arb guarantees the true value lies in the ball),
turned into an exact decimal interval ``[lo, hi]`` with *outward* rounding:
``lo`` is rounded down and ``hi`` up, so the decimal interval contains the
ball and hence the true value.  Exact rationals are python-flint ``fmpq``
(converted from and to :class:`fractions.Fraction` and ``"p/q"`` strings).

This module imports only python-flint and the standard library, so that
``dicert certify`` starts fast.

Examples
--------
>>> from dicert.verify.certify.intervals import working_precision, log2, DecimalInterval
>>> from flint import arb
>>> with working_precision(digits=30):
...     value = log2(arb(3))
...     box = DecimalInterval.from_arb(value, decimals=25)
>>> box.lo[:12], box.hi[:12]
('1.5849625007', '1.5849625007')
>>> box.contains_fraction("1585/1000")
False
"""

from __future__ import annotations

import math
import re
from contextlib import contextmanager
from functools import lru_cache
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator, Union

from flint import arb, ctx, fmpq, fmpz

from dicert.graphs.errors import InvalidInput

__all__ = [
    "Exact",
    "bits_for_digits",
    "working_precision",
    "to_fmpq",
    "fmpq_to_str",
    "to_arb",
    "log2",
    "plogp_ratio",
    "eval_poly",
    "arb_lower_fmpq",
    "arb_upper_fmpq",
    "decimal_floor",
    "decimal_ceil",
    "DecimalInterval",
]

#: Anything that converts exactly to a rational: ints, Fractions, ``fmpq``, ``"p/q"``/decimal strings.
Exact = Union[int, Fraction, fmpq, fmpz, str]

_LOG2_10 = math.log2(10.0)


def bits_for_digits(digits: int, guard: int = 40) -> int:
    """Working precision in bits for ``digits`` correct decimal digits (plus guard bits).

    Examples
    --------
    >>> bits_for_digits(1000) >= 3322
    True
    """
    if digits < 1:
        raise InvalidInput(f"digits: expected a positive integer, got {digits!r}")
    return int(math.ceil(digits * _LOG2_10)) + guard


@contextmanager
def working_precision(digits: int | None = None, bits: int | None = None) -> Iterator[int]:
    """Temporarily set the global Arb precision (restored on exit); yields the bits in use.

    Examples
    --------
    >>> from flint import ctx
    >>> before = ctx.prec
    >>> with working_precision(digits=100) as bits:
    ...     bits > 300
    True
    >>> ctx.prec == before
    True
    """
    if bits is None:
        bits = bits_for_digits(50 if digits is None else digits)
    saved = ctx.prec
    ctx.prec = int(bits)
    try:
        yield int(bits)
    finally:
        ctx.prec = saved


def to_fmpq(value: Exact | float) -> fmpq:
    """Convert an exact number to ``fmpq``.

    Strings may be ``"p/q"``, integers or finite decimals (``"0.125"``, ``"1e-3"``).
    A Python float is read through its shortest decimal representation
    (``0.1 -> 1/10``), which is the number the user typed.

    Examples
    --------
    >>> to_fmpq("3/4"), to_fmpq("0.125"), to_fmpq(0.1), to_fmpq(2)
    (3/4, 1/8, 1/10, 2)
    """
    if isinstance(value, fmpq):
        return value
    if isinstance(value, (int, fmpz)):
        return fmpq(int(value))
    if isinstance(value, Fraction):
        return fmpq(value.numerator, value.denominator)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidInput(f"number: expected a finite value, got {value!r}")
        value = repr(value)
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalar
        return to_fmpq(value.item())
    if isinstance(value, str):
        return _parse_exact(value)
    raise InvalidInput(f"number: expected an exact rational (int, Fraction, 'p/q'), got {type(value).__name__}")


_PLAIN = re.compile(r"^([+-]?)(\d+)(?:\.(\d*))?$")
_RATIO = re.compile(r"^([+-]?\d+)/(\d+)$")


def _parse_exact(value: str) -> fmpq:
    """Parse ``"p/q"`` or a decimal without Python's int-string length limit (python-flint ``fmpz``)."""
    if len(value) > 1000:  # long decimals (10^5+ digits) are parsed repeatedly by the checks: reuse them
        return _parse_long(value)
    return _parse_text(value)


@lru_cache(maxsize=32)
def _parse_long(value: str) -> fmpq:
    return _parse_text(value)


def _parse_text(value: str) -> fmpq:
    text = value.strip()
    match = _PLAIN.match(text)
    if match:
        sign, whole, frac = match.group(1), match.group(2), match.group(3) or ""
        num = fmpz(whole + frac)
        result = fmpq(num, fmpz(10) ** len(frac))
        return -result if sign == "-" else result
    match = _RATIO.match(text)
    if match:
        den = fmpz(match.group(2))
        if den == 0:
            raise InvalidInput(f"number: zero denominator in {value!r}")
        return fmpq(fmpz(match.group(1)), den)
    try:
        frac = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise InvalidInput(f"number: expected 'p/q' or a decimal string, got {value!r}") from None
    return fmpq(frac.numerator, frac.denominator)


def fmpq_to_str(value: fmpq) -> str:
    """Exact string form ``"p/q"`` (or ``"p"`` for integers) used in certificate JSON.

    Examples
    --------
    >>> fmpq_to_str(to_fmpq("6/8")), fmpq_to_str(to_fmpq(3))
    ('3/4', '3')
    """
    value = to_fmpq(value)
    return str(value.p) if value.q == 1 else f"{value.p}/{value.q}"


def to_arb(value: Exact | arb) -> arb:
    """Exact rational (or an ``arb``) as an ``arb`` ball at the current precision.

    Examples
    --------
    >>> to_arb("1/4") == to_arb(0.25)
    True
    """
    if isinstance(value, arb):
        return value
    return arb(to_fmpq(value))


def log2(x: arb) -> arb:
    """Base-2 logarithm of a positive ball, ``log(x)/log(2)`` with rigorous error.

    Examples
    --------
    >>> from flint import arb
    >>> log2(arb(8)).contains(3)
    True
    """
    prec = ctx.prec
    if prec < _LOG_CACHE_BITS:
        return x.log() / arb.const_log2()
    # High precision: the same ball is often needed twice (e.g. a certified value and its check);
    # a logarithm at 10^5 digits costs ~0.1 s, so reuse it.  The key is the exact ball and precision.
    key = (x.mid().man_exp(), x.rad().man_exp(), prec)
    hit = _LOG_CACHE.get(key)
    if hit is None:
        hit = x.log() / arb.const_log2()
        if len(_LOG_CACHE) >= 8:
            _LOG_CACHE.pop(next(iter(_LOG_CACHE)))
        _LOG_CACHE[key] = hit
    return hit


#: Working precision (bits) from which :func:`log2` results are cached; at most 8 are kept.
_LOG_CACHE_BITS = 20000
_LOG_CACHE: dict = {}


def plogp_ratio(p: Exact, t: arb) -> arb:
    """The divergence term ``p * log2(p / t)`` with the convention ``0 * log 0 = 0``.

    ``p`` is an exact probability, ``t`` a ball that must be positive when ``p > 0``.

    Examples
    --------
    >>> from flint import arb
    >>> plogp_ratio("1/2", arb(1) / 4).contains(0.5)
    True
    >>> plogp_ratio(0, arb(0)) == 0
    True
    """
    p = to_fmpq(p)
    if p == 0:
        return arb(0)
    if not t > 0:
        raise InvalidInput(f"test distribution: expected a positive probability where the channel puts mass {p}")
    return arb(p) * log2(arb(p) / t)


def eval_poly(coefficients, x: arb) -> arb:
    """Evaluate a rational polynomial (``fmpq_poly`` or coefficients, constant first) at a ball (Horner).

    Examples
    --------
    >>> from flint import arb
    >>> eval_poly([1, 0, 1], arb(2)) == 5
    True
    """
    coeffs = coefficients.coeffs() if hasattr(coefficients, "coeffs") else [to_fmpq(c) for c in coefficients]
    acc = arb(0)
    for c in reversed(list(coeffs)):
        acc = acc * x + arb(c)
    return acc


def _exact_arb_to_fmpq(x: arb) -> fmpq:
    """Exact value of an exact (radius-free) ball, independent of the working precision."""
    mantissa, exponent = x.man_exp()
    man, exp = int(mantissa), int(exponent)
    return fmpq(man * 2**exp) if exp >= 0 else fmpq(man, 2 ** (-exp))


def arb_lower_fmpq(x: arb) -> fmpq:
    """An exact rational ``<=`` every point of the ball (its lower end point).

    Examples
    --------
    >>> from flint import arb
    >>> lo = arb_lower_fmpq(arb(1).union(arb(3)))
    >>> lo <= 1 and lo > to_fmpq("0.99")
    True
    """
    if not x.is_finite():
        raise InvalidInput("interval: expected a finite ball, got an unbounded one")
    return _exact_arb_to_fmpq(x.mid()) - _exact_arb_to_fmpq(x.rad())


def arb_upper_fmpq(x: arb) -> fmpq:
    """An exact rational ``>=`` every point of the ball (its upper end point).

    Examples
    --------
    >>> from flint import arb
    >>> hi = arb_upper_fmpq(arb(1).union(arb(3)))
    >>> hi >= 3 and hi < to_fmpq("3.01")
    True
    """
    if not x.is_finite():
        raise InvalidInput("interval: expected a finite ball, got an unbounded one")
    return _exact_arb_to_fmpq(x.mid()) + _exact_arb_to_fmpq(x.rad())


def decimal_floor(value: Exact, decimals: int) -> str:
    """Largest decimal with ``decimals`` places that is ``<= value``, as an exact string.

    Examples
    --------
    >>> decimal_floor("2/3", 3), decimal_floor("-2/3", 3)
    ('0.666', '-0.667')
    """
    q = to_fmpq(value)
    scaled = (q.p * fmpz(10) ** decimals) // q.q
    return _format_scaled(scaled, decimals)


def decimal_ceil(value: Exact, decimals: int) -> str:
    """Smallest decimal with ``decimals`` places that is ``>= value``, as an exact string.

    Examples
    --------
    >>> decimal_ceil("2/3", 3), decimal_ceil("-2/3", 3)
    ('0.667', '-0.666')
    """
    q = to_fmpq(value)
    scaled = -((-q.p * fmpz(10) ** decimals) // q.q)
    return _format_scaled(scaled, decimals)


def _format_scaled(scaled: fmpz, decimals: int) -> str:
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled)).rjust(decimals + 1, "0")
    if decimals == 0:
        return sign + digits
    return f"{sign}{digits[:-decimals]}.{digits[-decimals:]}"


@dataclass(frozen=True)
class DecimalInterval:
    """A closed interval ``[lo, hi]`` with exact decimal end points (strings).

    Attributes
    ----------
    lo, hi : str
        Exact decimal strings, ``lo <= hi``.

    Examples
    --------
    >>> box = DecimalInterval("0.57552", "0.57553")
    >>> box.contains_fraction("0.575525"), box.width_fmpq()
    (True, 1/100000)
    """

    lo: str
    hi: str

    def __post_init__(self) -> None:
        if to_fmpq(self.lo) > to_fmpq(self.hi):
            raise InvalidInput(f"interval: expected lo <= hi, got [{self.lo}, {self.hi}]")

    @classmethod
    def from_arb(cls, x: arb, decimals: int) -> "DecimalInterval":
        """Outward-rounded decimal enclosure of a ball with ``decimals`` places.

        Examples
        --------
        >>> from flint import arb
        >>> DecimalInterval.from_arb(arb(1) / 3, decimals=4)
        DecimalInterval(lo='0.3333', hi='0.3334')
        """
        return cls(decimal_floor(arb_lower_fmpq(x), decimals), decimal_ceil(arb_upper_fmpq(x), decimals))

    @classmethod
    def from_fmpq(cls, lo: Exact, hi: Exact, decimals: int) -> "DecimalInterval":
        """Outward-rounded decimal enclosure of the exact interval ``[lo, hi]``.

        Examples
        --------
        >>> DecimalInterval.from_fmpq("1/3", "1/2", decimals=2)
        DecimalInterval(lo='0.33', hi='0.50')
        """
        return cls(decimal_floor(lo, decimals), decimal_ceil(hi, decimals))

    def bounds(self) -> tuple[fmpq, fmpq]:
        """The end points as exact rationals."""
        return to_fmpq(self.lo), to_fmpq(self.hi)

    def width_fmpq(self) -> fmpq:
        """Exact width ``hi - lo``."""
        lo, hi = self.bounds()
        return hi - lo

    def contains_fraction(self, value: Exact) -> bool:
        """Whether an exact rational lies in the closed interval."""
        lo, hi = self.bounds()
        q = to_fmpq(value)
        return lo <= q <= hi

    def contains_arb(self, x: arb) -> bool:
        """Whether the whole ball lies inside the interval (proved, not estimated).

        Examples
        --------
        >>> from flint import arb
        >>> DecimalInterval("0.33", "0.34").contains_arb(arb(1) / 3)
        True
        """
        lo, hi = self.bounds()
        return bool(x >= arb(lo)) and bool(x <= arb(hi))

    def to_arb(self) -> arb:
        """The interval as an ``arb`` ball (at the current precision, rounded outward)."""
        lo, hi = self.bounds()
        return arb(lo).union(arb(hi))

    def to_list(self) -> list[str]:
        """JSON form ``[lo, hi]``."""
        return [self.lo, self.hi]

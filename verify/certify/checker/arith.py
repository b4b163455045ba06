"""Arb (ball) arithmetic for the checker: precision, logarithms, exact end points, decimal rounding.

Every number the checker states is an exact rational obtained from an Arb
ball by *outward* rounding: a lower end point is rounded down, an upper one
up, so the stated interval contains the ball and hence the true value.

Examples
--------
>>> from flint import arb
>>> from dicert.verify.certify.checker.arith import precision, log2, floor_dec, lower_q
>>> with precision(30):
...     text = floor_dec(lower_q(log2(arb(3))), 10)
>>> text
'1.5849625007'
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from typing import Iterator

from flint import arb, ctx, fmpq, fmpz

from dicert.graphs.errors import InvalidInput

__all__ = ["precision", "log2", "plog_ratio", "lower_q", "upper_q", "floor_dec", "ceil_dec",
           "digits_justified", "sci"]


@contextmanager
def precision(digits: int) -> Iterator[int]:
    """Set Arb's working precision to ``digits`` decimal digits plus 64 guard bits (restored on exit)."""
    saved = ctx.prec
    ctx.prec = int(math.ceil(max(int(digits), 10) * 3.3219280948873626)) + 64
    try:
        yield ctx.prec
    finally:
        ctx.prec = saved


def log2(x: arb) -> arb:
    """``log(x)/log(2)`` of a ball (rigorous).

    Examples
    --------
    >>> log2(arb(8)).contains(3)
    True
    """
    return x.log() / arb.const_log2()


def plog_ratio(p: fmpq, t: arb) -> arb:
    """``p log2(p/t)`` for an exact ``p > 0`` and a positive ball ``t``.

    Examples
    --------
    >>> plog_ratio(fmpq(1, 2), arb(1) / 4).contains(fmpq(1, 2))
    True
    """
    if not t > 0:
        raise InvalidInput("test: a probability that must be positive is not")
    return arb(p) * log2(arb(p) / t)


def _exact(x: arb) -> fmpq:
    mantissa, exponent = x.man_exp()
    man, exp = int(mantissa), int(exponent)
    return fmpq(man * 2**exp) if exp >= 0 else fmpq(man, 2 ** (-exp))


def lower_q(x: arb) -> fmpq:
    """An exact rational ``<=`` every point of the (finite) ball."""
    if not x.is_finite():
        raise InvalidInput("interval: a ball is not finite")
    return _exact(x.mid()) - _exact(x.rad())


def upper_q(x: arb) -> fmpq:
    """An exact rational ``>=`` every point of the (finite) ball."""
    if not x.is_finite():
        raise InvalidInput("interval: a ball is not finite")
    return _exact(x.mid()) + _exact(x.rad())


def _format(scaled: fmpz, places: int) -> str:
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled)).rjust(places + 1, "0")
    return sign + digits if places == 0 else f"{sign}{digits[:-places]}.{digits[-places:]}"


def floor_dec(q: fmpq, places: int) -> str:
    """Largest decimal with ``places`` places ``<= q``.

    Examples
    --------
    >>> floor_dec(fmpq(-2, 3), 2)
    '-0.67'
    """
    return _format((q.p * fmpz(10) ** places) // q.q, places)


def ceil_dec(q: fmpq, places: int) -> str:
    """Smallest decimal with ``places`` places ``>= q``.

    Examples
    --------
    >>> ceil_dec(fmpq(2, 3), 2)
    '0.67'
    """
    return _format(-((-q.p * fmpz(10) ** places) // q.q), places)


def digits_justified(width: fmpq, limit: int = 10**6) -> int:
    """Largest ``k`` (capped at ``limit``) with ``width <= 10**-k``: the decimals an interval supports.

    Examples
    --------
    >>> digits_justified(fmpq(2, 10**40)), digits_justified(fmpq(0))
    (39, 1000000)
    """
    if width <= 0:
        return limit
    if width > 1:
        return 0
    # 10**-k >= width  <=>  10**k <= 1/width
    inv = fmpq(1) / width
    k = len(str(inv.p // inv.q)) - 1
    while k + 1 <= limit and fmpz(10) ** (k + 1) <= inv:
        k += 1
    while k > 0 and fmpz(10) ** k > inv:
        k -= 1
    return min(k, limit)


def sci(q: fmpq) -> str:
    """Short scientific text of an exact rational (display only).

    Examples
    --------
    >>> sci(fmpq(2, 10**40))
    '2.0e-40'
    """
    if q == 0:
        return "0"
    with precision(20):
        return f"{float(arb(q)):.1e}"

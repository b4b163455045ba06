"""Exact real-root isolation with a proof of uniqueness (Sturm's theorem).

A root is *isolated* when an exact rational bracket ``[lo, hi]`` is shown to
contain exactly one real root of a square-free rational polynomial ``p``:

1. ``p`` is square-free (``gcd(p, p') = 1``), so every root is simple;
2. ``p(lo) != 0``, ``p(hi) != 0`` and the Sturm sequence count
   ``V(lo) - V(hi)`` equals 1 (Sturm's theorem: the number of distinct real
   roots in ``(lo, hi]``);
3. ``p(lo) * p(hi) < 0`` (a sign change, consistent with a simple root).

Every step is exact rational arithmetic (python-flint ``fmpq_poly``).  A
refined bracket is proven by a sign change at its exact end points *inside* an
isolating bracket; uniqueness there is inherited.

Examples
--------
>>> from dicert.verify.certify.roots import isolate_root
>>> root = isolate_root([1, -4, 6, -5, 1], "0", "1")   # (1-x)^4 - x^3, the Ising root
>>> root.sturm_count
1
>>> fine = root.refine(digits=30)
>>> round(float(fine.lo.p) / float(fine.lo.q), 12)
0.450299522098
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from flint import acb, arb, fmpq, fmpq_poly

from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.intervals import (
    Exact,
    arb_lower_fmpq,
    arb_upper_fmpq,
    bits_for_digits,
    fmpq_to_str,
    to_fmpq,
    working_precision,
)

#: Above this many digits, :meth:`IsolatedRoot.refine` tries Newton's method with precision doubling
#: before Arb's complex root finder (which finds all roots at the full precision).
NEWTON_DIGITS = 60

__all__ = ["to_poly", "sturm_sequence", "sturm_count", "IsolatedRoot", "isolate_root"]


def to_poly(coefficients: Sequence[Exact] | fmpq_poly) -> fmpq_poly:
    """Polynomial from coefficients listed from the constant term up.

    Examples
    --------
    >>> to_poly([1, 0, "1/2"])
    1/2*x^2 + 1
    """
    if isinstance(coefficients, fmpq_poly):
        return coefficients
    poly = fmpq_poly([to_fmpq(c) for c in coefficients])
    if poly.degree() < 1:
        raise InvalidInput(f"polynomial: expected degree >= 1, got coefficients {list(coefficients)!r}")
    return poly


def sturm_sequence(poly: fmpq_poly) -> list[fmpq_poly]:
    """The Sturm sequence ``p, p', -rem(p, p'), ...`` (exact).

    Examples
    --------
    >>> [str(s) for s in sturm_sequence(to_poly([-1, 0, 1]))]
    ['x^2 + (-1)', '2*x', '1']
    """
    seq = [poly, poly.derivative()]
    while seq[-1] != 0:
        rem = seq[-2] % seq[-1]
        if rem == 0:
            break
        seq.append(-rem)
    return seq


def _sign_changes(seq: list[fmpq_poly], x: fmpq) -> int:
    signs = [s(x) for s in seq]
    nonzero = [v for v in signs if v != 0]
    return sum(1 for u, v in zip(nonzero, nonzero[1:]) if (u > 0) != (v > 0))


def sturm_count(poly: Sequence[Exact] | fmpq_poly, lo: Exact, hi: Exact) -> int:
    """Number of distinct real roots of ``poly`` in ``(lo, hi]`` (Sturm's theorem, exact).

    Examples
    --------
    >>> sturm_count([-1, 0, 1], "-2", "2"), sturm_count([-1, 0, 1], "0", "2")
    (2, 1)
    """
    p = to_poly(poly)
    seq = sturm_sequence(p)
    return _sign_changes(seq, to_fmpq(lo)) - _sign_changes(seq, to_fmpq(hi))


@dataclass(frozen=True)
class IsolatedRoot:
    """A real root of ``poly`` proven to be the only one in ``[lo, hi]``.

    Attributes
    ----------
    poly : fmpq_poly
        Square-free polynomial with rational coefficients.
    lo, hi : fmpq
        Exact bracket; ``poly(lo) * poly(hi) < 0``.
    sturm_count : int
        Number of distinct real roots in ``(lo, hi]`` (always 1).
    outer : tuple of fmpq
        The bracket in which uniqueness was proven by Sturm (contains ``[lo, hi]``).
    """

    poly: fmpq_poly
    lo: fmpq
    hi: fmpq
    sturm_count: int = 1
    outer: tuple = field(default=())

    def ball(self) -> arb:
        """The bracket as an ``arb`` ball at the current precision."""
        return arb(self.lo).union(arb(self.hi))

    def width(self) -> fmpq:
        """Exact width ``hi - lo``."""
        return self.hi - self.lo

    def evidence(self) -> str:
        """One-line human-readable proof summary."""
        outer = self.outer or (self.lo, self.hi)
        return (
            f"p = {self.poly} is square-free; Sturm count on ({_short(outer[0])}, {_short(outer[1])}] = "
            f"{self.sturm_count}; sign change at the end points of [{_short(self.lo)}, {_short(self.hi)}]"
        )

    def to_json(self) -> dict:
        """JSON form: coefficients (constant term first) and the exact bracket."""
        coeffs = [fmpq_to_str(c) for c in self.poly.coeffs()]
        outer = self.outer or (self.lo, self.hi)
        return {
            "poly": coeffs,
            "bracket": [fmpq_to_str(outer[0]), fmpq_to_str(outer[1])],
        }

    def refine(self, digits: int) -> "IsolatedRoot":
        """Shrink the bracket below ``10**-digits`` (proved by an exact sign change).

        A candidate ball comes from Arb's complex root finder at the needed
        precision; its end points are checked exactly.  If the check fails
        the bracket is bisected exactly instead.

        Examples
        --------
        >>> r = isolate_root([-2, 0, 1], 1, 2).refine(digits=50)
        >>> r.width() < fmpq(1, 10**50)
        True
        """
        target = fmpq(1, 10**digits)
        if self.width() <= target:
            return self
        lo, hi = self._newton_candidate(digits) if digits > NEWTON_DIGITS else (None, None)
        if lo is None or hi is None:
            lo, hi = self._candidate(digits)
        if lo is None or hi is None:
            lo, hi = self._bisect(target)
        return IsolatedRoot(self.poly, lo, hi, self.sturm_count, self.outer or (self.lo, self.hi))

    def _newton_candidate(self, digits: int) -> tuple[fmpq | None, fmpq | None]:
        """Candidate end points from Newton's method with precision doubling (only the end points are trusted).

        A bracket of width ``10**-NEWTON_DIGITS`` from :meth:`_candidate` starts
        Newton's iteration ``x <- x - p(x)/p'(x)`` on ball midpoints, each step at
        twice the precision of the last (quadratic convergence), up to
        ``digits + 20`` digits; the returned dyadic rationals ``x -/+ 2**-b <= 10**-(digits+1)`` are
        then checked by an exact sign change, like every candidate.  Much faster
        than all complex roots at full precision (which it replaces for large
        ``digits``); any failure returns ``(None, None)`` and the caller falls back.
        """
        start_lo, start_hi = self._candidate(NEWTON_DIGITS)
        if start_lo is None or start_hi is None:
            return None, None
        s_lo = self.poly(self.lo) > 0
        derivative = self.poly.derivative()
        final_bits = bits_for_digits(digits + 20)
        x_q = (start_lo + start_hi) / 2
        bits = bits_for_digits(2 * NEWTON_DIGITS)
        x = None
        while True:
            bits = min(2 * bits, final_bits)
            with working_precision(bits=bits):
                x = arb(x_q) if x is None else x.mid()
                x = (x - _eval_arb(self.poly, x) / _eval_arb(derivative, x)).mid()
            if bits >= final_bits:
                break
        x_q = arb_lower_fmpq(x)  # the exact (dyadic) midpoint
        eps = fmpq(1, 2 ** (bits_for_digits(digits + 1, guard=1)))  # dyadic: cheap exact evaluation below
        lo, hi = max(x_q - eps, self.lo), min(x_q + eps, self.hi)
        if not lo < hi:
            return None, None
        v_lo, v_hi = self.poly(lo), self.poly(hi)
        if v_lo != 0 and v_hi != 0 and (v_lo > 0) == s_lo and (v_hi > 0) != s_lo:
            return lo, hi
        return None, None

    def _candidate(self, digits: int) -> tuple[fmpq | None, fmpq | None]:
        target = fmpq(1, 10**digits)
        s_lo = self.poly(self.lo) > 0
        with working_precision(digits=digits + 20):
            try:
                # python-flint's stub says list[acb]; it returns (root, multiplicity) pairs
                roots: list[tuple[acb, int]] = self.poly.complex_roots()  # type: ignore[assignment]
            except Exception:  # pragma: no cover - Arb failure: fall back to bisection
                return None, None
            for z, _mult in roots:
                if not z.imag.contains(0):
                    continue
                re = z.real
                if not (re.overlaps(arb(self.lo).union(arb(self.hi)))):
                    continue
                lo = max(arb_lower_fmpq(re), self.lo)
                hi = min(arb_upper_fmpq(re), self.hi)
                if lo >= hi or hi - lo > target:
                    continue
                v_lo, v_hi = self.poly(lo), self.poly(hi)
                if v_lo != 0 and v_hi != 0 and (v_lo > 0) == s_lo and (v_hi > 0) != s_lo:
                    return lo, hi
        return None, None

    def _bisect(self, target: fmpq) -> tuple[fmpq, fmpq]:
        lo, hi = self.lo, self.hi
        s_lo = self.poly(lo) > 0
        while hi - lo > target:
            mid = (lo + hi) / 2
            v = self.poly(mid)
            if v == 0:
                return mid, mid
            if (v > 0) == s_lo:
                lo = mid
            else:
                hi = mid
        return lo, hi


def _eval_arb(poly: fmpq_poly, x: arb) -> arb:
    """Horner evaluation of a rational polynomial at a ball (working precision)."""
    coefficients = poly.coeffs()
    acc = arb(coefficients[-1])
    for c in reversed(coefficients[:-1]):
        acc = acc * x + arb(c)
    return acc


def _short(x: fmpq) -> str:
    text = fmpq_to_str(x)
    return text if len(text) <= 24 else f"{float(x.p) / float(x.q):.12g}"


def _log2_width(width: fmpq) -> int:
    if width == 0:
        return -(10**9)
    return int(width.p.bit_length()) - int(width.q.bit_length()) + 1


def isolate_root(poly: Sequence[Exact] | fmpq_poly, lo: Exact, hi: Exact) -> IsolatedRoot:
    """Prove that ``poly`` has exactly one real root in ``[lo, hi]`` and return it.

    Raises :class:`~dicert.verify.errors.InvalidInput` (message naming the
    ``bracket``) when the bracket holds no root, several roots, or a root at an
    end point, and when ``poly`` is not square-free.

    Examples
    --------
    >>> isolate_root([-1, -1, 1], 1, 2).sturm_count          # x^2 - x - 1: the golden ratio
    1
    >>> isolate_root([-1, 0, 1], -2, 2)
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidInput: bracket: [-2, 2] contains 2 distinct real roots of x^2 + (-1), expected exactly 1
    """
    p = to_poly(poly)
    lo_q, hi_q = to_fmpq(lo), to_fmpq(hi)
    if not lo_q < hi_q:
        raise InvalidInput(f"bracket: expected lo < hi, got [{fmpq_to_str(lo_q)}, {fmpq_to_str(hi_q)}]")
    g = p.gcd(p.derivative())
    if g.degree() > 0:
        raise InvalidInput(f"polynomial: {p} is not square-free (gcd with its derivative is {g})")
    v_lo, v_hi = p(lo_q), p(hi_q)
    if v_lo == 0 or v_hi == 0:
        raise InvalidInput(f"bracket: an end point of [{fmpq_to_str(lo_q)}, {fmpq_to_str(hi_q)}] is a root of {p}")
    count = sturm_count(p, lo_q, hi_q)
    if count != 1:
        raise InvalidInput(
            f"bracket: [{fmpq_to_str(lo_q)}, {fmpq_to_str(hi_q)}] contains {count} distinct real roots of {p}, "
            "expected exactly 1"
        )
    if (v_lo > 0) == (v_hi > 0):  # pragma: no cover - impossible for a simple root with Sturm count 1
        raise InvalidInput(f"bracket: no sign change of {p} on [{fmpq_to_str(lo_q)}, {fmpq_to_str(hi_q)}]")
    return IsolatedRoot(p, lo_q, hi_q, count, (lo_q, hi_q))

"""Exact algebra for the checker: real-root isolation (Sturm) and log-linear identities at a root.

Root isolation.  ``[lo, hi]`` isolates a root of a rational polynomial ``p``
when ``p`` is square-free (``gcd(p, p') = 1``), ``p(lo) p(hi) < 0`` and the
Sturm count on ``(lo, hi]`` is 1.  Refinement to any width is proven by an
exact sign change at exact rational end points inside the isolating bracket.

Log-linear identities.  ``c0(r) + sum_k c_k(r) log A_k(r) = 0`` at the
isolated root ``r`` holds when every atom is proven positive at ``r``, an
exact multiplicative relation ``prod A_k^{e_k} = 1`` follows from ``m(r) = 0``
(``m`` divides the difference of the two products), and after eliminating one
atom with it every coefficient (and ``c0``) is divisible by ``m``.

Examples
--------
>>> from dicert.verify.certify.checker.algebra import isolate, log_linear_zero
>>> a = isolate(["1", "-4", "6", "-5", "1"], ["0", "1"])        # (1-a)^4 - a^3 (Ising)
>>> a.count
1
>>> log_linear_zero({"a": ["3/2", "-3/2"], "1-a": ["-2", "2"]}, {"a": ["0", "1"], "1-a": ["1", "-1"]},
...                 {"a": 3, "1-a": -4}, a, "1-a")[0]
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from flint import acb, arb, ctx, fmpq, fmpq_poly

from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.checker.arith import lower_q, precision, upper_q
from dicert.verify.certify.checker.exact import rational, rational_str

__all__ = ["poly", "isolate", "Root", "log_linear_zero", "eval_ball"]


def poly(coeffs: Any, field: str = "poly") -> fmpq_poly:
    """Polynomial from exact coefficients, constant term first (degree >= 1).

    Examples
    --------
    >>> poly(["-1", "0", "1"])
    x^2 + (-1)
    """
    if not isinstance(coeffs, list) or not coeffs:
        raise InvalidInput(f"{field}: expected a list of exact coefficients, constant term first")
    p = fmpq_poly([rational(c, field) for c in coeffs])
    if p.degree() < 1:
        raise InvalidInput(f"{field}: expected degree >= 1")
    return p


def _sturm(p: fmpq_poly) -> list:
    seq = [p, p.derivative()]
    while True:
        rem = seq[-2] % seq[-1]
        if rem == 0:
            return seq
        seq.append(-rem)


def _changes(seq: list, x: fmpq) -> int:
    vals = [v for v in (s(x) for s in seq) if v != 0]
    return sum(1 for u, v in zip(vals, vals[1:]) if (u > 0) != (v > 0))


_REFINED: dict = {}


@dataclass(frozen=True)
class Root:
    """The unique root of ``p`` in ``[lo, hi]`` (proven), with its isolating bracket ``outer``."""

    p: fmpq_poly
    lo: fmpq
    hi: fmpq
    outer: tuple
    count: int = 1

    def ball(self) -> arb:
        """The bracket as a ball (current precision)."""
        return arb(self.lo).union(arb(self.hi))

    def refine(self, digits: int) -> "Root":
        """A bracket of width ``<= 10**-digits`` (proven by an exact sign change; memoised)."""
        target = fmpq(1, 10**digits)
        if self.hi - self.lo <= target:
            return self
        key = (str(self.p), self.lo, self.hi, digits)
        if key not in _REFINED:
            if len(_REFINED) > 256:
                _REFINED.clear()
            _REFINED[key] = self._refine(digits, target)
        return _REFINED[key]

    def _newton(self, digits: int, target: fmpq, pos_lo: bool) -> tuple | None:
        """Candidate end points from Newton's method with precision doubling (None if it strays); proven by the caller's sign check."""
        lo, hi = self.lo, self.hi
        while hi - lo > fmpq(1, 2**64):  # exact bisection to a bracket where Newton converges quadratically
            mid = (lo + hi) / 2
            v = self.p(mid)
            if v == 0:
                return mid, mid
            lo, hi = (mid, hi) if (v > 0) == pos_lo else (lo, mid)
        bits = int(digits * 3.3219280948873626) + 16
        dp, x, prec = self.p.derivative(), arb((lo + hi) / 2), 64
        with precision(10):
            while prec < bits + 64:
                prec = min(2 * prec, bits + 64)
                ctx.prec = prec
                x = (x - eval_ball(self.p, x) / eval_ball(dp, x)).mid()
                if not x.is_finite() or not (self.ball().overlaps(x)):
                    return None
        mid, eps = lower_q(x), fmpq(1, 2**bits)
        return max(mid - eps, self.lo), min(mid + eps, self.hi)

    def _refine(self, digits: int, target: fmpq) -> "Root":
        pos_lo = self.p(self.lo) > 0
        lo = hi = None
        guess = self._newton(digits, target, pos_lo) if self.count == 1 else None
        if guess is not None:
            a, b = guess
            if a == b:
                return Root(self.p, a, b, self.outer, self.count)
            va, vb = self.p(a), self.p(b)
            if a < b and b - a <= target and va != 0 and vb != 0 and (va > 0) == pos_lo and (vb > 0) != pos_lo:
                return Root(self.p, a, b, self.outer, self.count)
        with precision(digits + 20):
            try:
                # python-flint's stub says list[acb]; it returns (root, multiplicity) pairs
                roots: list[tuple[acb, int]] = self.p.complex_roots()  # type: ignore[assignment]
            except Exception:  # pragma: no cover - Arb failure: bisection below
                roots = []
            for z, _ in roots:
                if not z.imag.contains(0) or not z.real.overlaps(self.ball()):
                    continue
                a, b = max(lower_q(z.real), self.lo), min(upper_q(z.real), self.hi)
                if a < b and b - a <= target:
                    va, vb = self.p(a), self.p(b)
                    if va != 0 and vb != 0 and (va > 0) == pos_lo and (vb > 0) != pos_lo:
                        lo, hi = a, b
                        break
        if lo is None or hi is None:
            lo, hi = self.lo, self.hi
            while hi - lo > target:
                mid = (lo + hi) / 2
                v = self.p(mid)
                if v == 0:
                    lo = hi = mid
                    break
                if (v > 0) == pos_lo:
                    lo = mid
                else:
                    hi = mid
        return Root(self.p, lo, hi, self.outer, self.count)

    def evidence(self) -> str:
        """One line."""
        return (f"p = {self.p} square-free; Sturm count 1 on ({rational_str(self.outer[0])}, "
                f"{rational_str(self.outer[1])}]; sign change at the end points")


def isolate(coeffs: Any, bracket: Any, field: str = "poly") -> Root:
    """Prove that ``coeffs`` has exactly one real root in ``bracket`` (raises ``InvalidInput`` otherwise).

    Examples
    --------
    >>> isolate(["-1", "0", "1"], ["-2", "2"])
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidInput: bracket: [-2, 2] holds 2 distinct real roots of x^2 + (-1), expected exactly 1
    """
    p = poly(coeffs, field)
    if not isinstance(bracket, list) or len(bracket) != 2:
        raise InvalidInput("bracket: expected [lo, hi]")
    lo, hi = rational(bracket[0], "bracket"), rational(bracket[1], "bracket")
    if not lo < hi:
        raise InvalidInput("bracket: expected lo < hi")
    if p.gcd(p.derivative()).degree() > 0:
        raise InvalidInput(f"{field}: {p} is not square-free")
    v_lo, v_hi = p(lo), p(hi)
    if v_lo == 0 or v_hi == 0:
        raise InvalidInput(f"bracket: an end point is a root of {p}")
    seq = _sturm(p)
    count = _changes(seq, lo) - _changes(seq, hi)
    if count != 1 or (v_lo > 0) == (v_hi > 0):
        raise InvalidInput(
            f"bracket: [{rational_str(lo)}, {rational_str(hi)}] holds {count} distinct real roots of {p}, expected exactly 1"
        )
    return Root(p, lo, hi, (lo, hi), count)


def eval_ball(p: fmpq_poly, x: arb) -> arb:
    """Horner evaluation of a rational polynomial at a ball."""
    acc = arb(0)
    for c in reversed(list(p.coeffs())):
        acc = acc * x + arb(c)
    return acc


def log_linear_zero(
    coefficients: Mapping, atoms: Mapping, relation: Mapping, root: Root, eliminate: str, constant: Any = None
) -> tuple[bool, str]:
    """Prove ``constant + sum_k coefficients[k] * log(atoms[k]) = 0`` at ``root`` (module docstring).

    Returns ``(holds, evidence)``; ``holds`` is True only when every step is exact.
    """
    if not isinstance(coefficients, Mapping) or not isinstance(atoms, Mapping) or not isinstance(relation, Mapping):
        raise InvalidInput("identity: coefficients, atoms and relation must be objects")
    if set(coefficients) - set(atoms):
        raise InvalidInput("identity: a coefficient names an unknown atom")
    exps = {}
    for k, e in relation.items():
        if isinstance(e, bool) or not isinstance(e, int) or k not in atoms:
            raise InvalidInput("identity: relation exponents must be integers on known atoms")
        exps[k] = e
    if exps.get(eliminate, 0) == 0:
        raise InvalidInput("identity: the eliminated atom needs a non-zero exponent")
    m = root.p
    apolys = {k: poly(v, f"atoms.{k}") if len(v) > 1 else fmpq_poly([rational(v[0], f"atoms.{k}")])
              for k, v in atoms.items()}
    with precision(40):
        ball = root.refine(30).ball()
        for k, a in apolys.items():
            if not eval_ball(a, ball) > 0:
                return False, f"atom {k} is not proven positive at the root"
    plus, minus = fmpq_poly([1]), fmpq_poly([1])
    for k, e in exps.items():
        if e > 0:
            plus *= apolys[k] ** e
        elif e < 0:
            minus *= apolys[k] ** (-e)
    if (plus - minus) % m != 0:
        return False, "the multiplicative relation does not follow from the minimal polynomial"
    coeff = {k: fmpq_poly([rational(c, f"coefficients.{k}") for c in coefficients.get(k, ["0"])]) for k in apolys}
    c_elim, e_elim = coeff.pop(eliminate), exps[eliminate]
    bad = [k for k, c in coeff.items() if (c - c_elim * fmpq(exps.get(k, 0), e_elim)) % m != 0]
    const = fmpq_poly([rational(c, "constant") for c in (constant or ["0"])])
    if const % m != 0:
        bad.append("constant")
    if bad:
        return False, f"coefficients of {sorted(bad)} do not vanish modulo {m}"
    return True, f"atoms positive at the root; relation exact modulo {m}; every coefficient vanishes modulo {m}"

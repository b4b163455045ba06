"""Exact proofs of log-linear identities at an algebraic number.

Closed forms for feedback capacities are sums ``sum_k c_k(x) log A_k(x)``
whose coefficients ``c_k`` and atoms ``A_k`` are rational polynomials in an
algebraic number ``x`` (the root of a polynomial ``m``, isolated by
:mod:`dicert.verify.certify.roots`).  Such a sum vanishes when

1. every atom is positive at the root (checked with Arb on the isolating
   bracket), so ``log A_k(x)`` is real;
2. a multiplicative relation ``prod_k A_k(x)^{e_k} = 1`` holds, proven exactly
   by ``m | prod_{e>0} A^e - prod_{e<0} A^{-e}``; taking logarithms gives
   ``sum_k e_k log A_k(x) = 0``, which eliminates one atom;
3. after the elimination, every coefficient polynomial is divisible by ``m``
   (so it vanishes at the root).

This is a complete proof (the converse is not needed).  Example: the Ising
identity ``2 H2(a)/(3+a) = -1/2 log2 a`` under ``a^3 = (1-a)^4`` (monograph,
footnote to (4.32)) multiplied by ``(3+a) ln 2`` reads
``-2a ln a - 2(1-a) ln(1-a) + (3+a)/2 ln a = 0``.

A second, independent route uses sympy (:func:`sympy_log_identity`); it is
slower to import and is run by the extended checks and the tests.

Examples
--------
>>> from dicert.verify.certify.roots import isolate_root
>>> from dicert.verify.certify.symbolic import prove_log_linear_zero
>>> a = isolate_root([1, -4, 6, -5, 1], 0, 1)
>>> proof = prove_log_linear_zero(
...     coefficients={"a": [3 / 2, -3 / 2], "1-a": [-2, 2]},     # (3+a)/2 - 2a, -2(1-a)
...     atoms={"a": [0, 1], "1-a": [1, -1]},
...     relation={"a": 3, "1-a": -4},
...     root=a, eliminate="1-a")
>>> proof.holds
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from flint import fmpq_poly

from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.intervals import Exact, eval_poly, working_precision
from dicert.verify.certify.roots import IsolatedRoot

__all__ = ["IdentityProof", "prove_log_linear_zero", "sympy_log_identity"]


@dataclass(frozen=True)
class IdentityProof:
    """Outcome of an identity proof: whether it holds and the evidence (one line)."""

    holds: bool
    evidence: str


def _poly(coeffs: Sequence[Exact] | fmpq_poly) -> fmpq_poly:
    if isinstance(coeffs, fmpq_poly):
        return coeffs
    from dicert.verify.certify.intervals import to_fmpq

    return fmpq_poly([to_fmpq(c) for c in coeffs])


def prove_log_linear_zero(
    coefficients: Mapping[str, Sequence[Exact] | fmpq_poly],
    atoms: Mapping[str, Sequence[Exact] | fmpq_poly],
    relation: Mapping[str, int],
    root: IsolatedRoot,
    eliminate: str,
    constant: Sequence[Exact] | fmpq_poly = (0,),
) -> IdentityProof:
    """Prove ``constant(x) + sum_k coefficients[k](x) * log(atoms[k](x)) = 0`` at the isolated root ``x``.

    Parameters
    ----------
    coefficients : mapping atom name -> polynomial coefficients (constant term first)
    atoms : mapping atom name -> polynomial whose logarithm appears
    relation : mapping atom name -> integer exponent ``e_k`` with ``prod A_k(x)^{e_k} = 1``
    root : IsolatedRoot
        The algebraic number (root of ``root.poly`` in ``[root.lo, root.hi]``).
    eliminate : str
        The atom removed with the relation (its exponent must be non-zero).
    constant : polynomial
        Non-logarithmic part.

    Returns
    -------
    IdentityProof
        ``holds`` is True only when every step is verified exactly.

    Examples
    --------
    >>> from dicert.verify.certify.roots import isolate_root
    >>> phi = isolate_root([-1, -1, 1], 1, 2)          # golden ratio: phi^2 = phi + 1
    >>> prove_log_linear_zero({"x": [2], "1+x": [-1]}, {"x": [0, 1], "1+x": [1, 1]},
    ...                       {"x": 2, "1+x": -1}, phi, eliminate="1+x").holds
    True
    """
    if set(coefficients) - set(atoms):
        raise InvalidInput(f"coefficients: atoms {sorted(set(coefficients) - set(atoms))} have no polynomial")
    if eliminate not in relation or relation[eliminate] == 0:
        raise InvalidInput(f"eliminate: expected an atom with a non-zero exponent in the relation, got {eliminate!r}")
    m = root.poly
    atom_polys = {k: _poly(v) for k, v in atoms.items()}
    with working_precision(bits=128):
        ball = root.refine(digits=30).ball()
        for name, poly in atom_polys.items():
            value = eval_poly(poly, ball)
            if not value > 0:
                return IdentityProof(False, f"atom {name} = {poly} is not proven positive at the root")
    plus, minus = fmpq_poly([1]), fmpq_poly([1])
    for name, e in relation.items():
        if name not in atom_polys:
            raise InvalidInput(f"relation: unknown atom {name!r}")
        if e > 0:
            plus *= atom_polys[name] ** int(e)
        elif e < 0:
            minus *= atom_polys[name] ** int(-e)
    if (plus - minus) % m != 0:
        return IdentityProof(False, f"relation prod A^e = 1 does not follow from {m} = 0")
    coeffs = {k: _poly(coefficients.get(k, [0])) for k in atom_polys}
    c_elim = coeffs.pop(eliminate)
    e_elim = relation[eliminate]
    reduced = {}
    for name, c in coeffs.items():
        e = relation.get(name, 0)
        reduced[name] = c - c_elim * e / e_elim
    leftovers = {name: c % m for name, c in reduced.items()}
    const = _poly(constant) % m
    bad = [name for name, r in leftovers.items() if r != 0]
    if const != 0:
        bad.append("constant")
    if bad:
        return IdentityProof(False, f"coefficients of {bad} do not vanish modulo {m}")
    atoms_text = ", ".join(f"log({p})" for p in atom_polys.values())
    return IdentityProof(
        True,
        f"all atoms positive at the root; relation exact modulo {m}; after eliminating log({atom_polys[eliminate]}) "
        f"every coefficient of {atoms_text} vanishes modulo {m}",
    )


def sympy_log_identity(
    expression: str, symbol: str, relation: str, substitutions: Mapping[str, str], point: str = "0.45"
) -> IdentityProof:
    """Second, independent proof with sympy that ``expression == 0`` at a root of ``relation``.

    ``substitutions`` maps ``log(...)`` terms to equivalent log-linear forms
    justified by ``relation`` (e.g. ``{"log(1 - a)": "3*log(a)/4"}`` from
    ``a**3 - (1 - a)**4 = 0`` with ``0 < a < 1``); sympy checks that the
    substitution follows from the relation (exponentiated difference divisible
    by it) and that the substituted, log-expanded expression simplifies to 0.
    ``point`` is a rational close to the root, used only to orient the
    factors of log arguments (``log(a - 1)`` is read as ``log(1 - a)`` there).

    Examples
    --------
    >>> sympy_log_identity("2*(-a*log(a) - (1 - a)*log(1 - a))/(3 + a) + log(a)/2", "a",
    ...                    "a**3 - (1 - a)**4", {"log(1 - a)": "3*log(a)/4"}).holds
    True
    """
    import sympy

    x = sympy.Symbol(symbol, positive=True)
    local = {symbol: x, "log": sympy.log}
    expr = sympy.sympify(expression, locals=local)
    rel = sympy.Poly(sympy.sympify(relation, locals=local), x)
    for old_text, new_text in substitutions.items():
        old = sympy.sympify(old_text, locals=local)
        new = sympy.sympify(new_text, locals=local)
        # exp(old) - exp(new) must vanish on the relation: compare as rational functions of x.
        diff = sympy.together(sympy.exp(old) ** 12 - sympy.exp(new) ** 12)
        num = sympy.Poly(sympy.numer(diff), x)
        if num.rem(rel).as_expr() != 0:
            return IdentityProof(False, f"sympy: substitution {old_text} -> {new_text} does not follow from {relation} = 0")
    # Split every log of a rational function into logs of its irreducible factors, each
    # oriented to be positive at the root (``point`` is a sample value of it): log p/q of
    # positive p/q equals sum e_i log|f_i|.
    pt = sympy.Rational(point)

    def split(arg: sympy.Expr) -> sympy.Expr:
        num, den = sympy.fraction(sympy.together(arg))
        total = sympy.Integer(0)
        for part, sign in ((num, 1), (den, -1)):
            const, factors = sympy.factor_list(sympy.expand(part), x)
            total += sign * sympy.log(abs(const))
            for f, e in factors:
                f_pos = f if f.subs(x, pt) > 0 else -f
                total += sign * e * sympy.log(sympy.expand(f_pos))
        return total

    expr = expr.replace(sympy.log, split)
    for old_text, new_text in substitutions.items():
        old = sympy.expand_log(sympy.sympify(old_text, locals=local), force=True)
        new = sympy.sympify(new_text, locals=local)
        expr = expr.subs(old, new)
    simplified = sympy.simplify(sympy.expand_log(expr, force=True))
    if simplified == 0:
        return IdentityProof(True, f"sympy: with {', '.join(f'{k} = {v}' for k, v in substitutions.items())} "
                             f"(from {relation} = 0) the expression simplifies to 0")
    return IdentityProof(False, f"sympy: expression simplifies to {simplified}, not 0")

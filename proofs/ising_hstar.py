"""Check (d) for the Ising channel: ``h*`` of (4.32) solves the Bellman equation (4.31) on all of ``[0, 1]``.

Setting (monograph Sec. 4.3.4).  For ``z in [0, 1]`` and actions
``u = (delta, gamma)`` in ``U(z) = [0, z] x [0, 1 - z]`` let::

    G(z, u) = H2((1+delta-gamma)/2) + delta + gamma - 1
              + D1/2 h*(N1/D1) + D2/2 h*(N2/D2),
    D1 = 1 + delta - gamma, N1 = 1 + 2 delta - gamma - z,
    D2 = 1 - delta + gamma, N2 = 1 - z - gamma,

so that (4.31) reads ``(T h*)(z) = sup_{u in U(z)} G(z, u)``.  The claim is
``(T h*)(z) = h*(z) + rho*`` for every ``z``, ``rho* = -1/2 log2 a``.

Argument (what is machine-checked, and what is a lemma).

1. *h\\* is concave on [0, 1].*  Lemma (by hand): each piece of (4.32) is
   concave -- ``H2`` is; ``eta(z) = H2(w)/(1-a) - z - c(z) rho + t H2(2a/u)``
   has ``w``, ``c``, ``u``, ``t = u/(2(1-a)) > 0`` affine in ``z``, and
   ``t H2(2a/u)`` is the perspective of the concave ``H2`` (up to a positive
   constant), hence concave; the left piece is ``eta(1 - z)``.  The pieces
   join concavely because ``h*`` is continuous and has equal one-sided
   derivatives at ``b2 = 2a/(1+a)`` (checks ``hstar_continuity``,
   ``hstar_smooth_fit``: exact, by sympy, from ``a^3 = (1-a)^4``) and, by the
   symmetry ``h*(z) = h*(1-z)``, at ``b1 = 1 - b2``.
2. *G is jointly concave in (z, u).*  ``H2`` of an affine map is concave, and
   ``D/2 h*(N/D)`` with ``N, D`` affine is a perspective of the concave ``h*``.
3. *Upper bound on a cell* ``Z = [z0, z1]``.  With ``zbar`` the midpoint and
   ``ubar = u(zbar)`` a feasible action, the gradient ``g`` of ``G`` at
   ``(zbar, ubar)`` (Arb) is a supergradient:
   ``G(z, u) <= G(zbar, ubar) + g_z (z - zbar) + g_u . (u - ubar)``.  The max over
   ``u in U(z)`` of the last term is ``max(-g_d dbar, g_d (z - dbar)) +
   max(-g_g gbar, g_g (1 - z - gbar))``, convex in ``z``; and ``h*(z)`` is at
   least the chord of ``h*`` on ``Z`` (concavity).  The resulting bound on
   ``(T h*)(z) - h*(z)`` is convex in ``z``, so its maximum over ``Z`` is at
   ``z0`` or ``z1``: two exact evaluations bound the whole cell.
4. *Lower bound on a cell.*  The explicit policy (Elishco-Permuter's optimal
   policy with a rational ``a'`` close to ``a``)
   ``u(z) = (z, a'(1+z))`` on ``[0, c1]``, ``(z, 1-z)`` on ``[c1, c2]``,
   ``(a'(2-z), 1-z)`` on ``[c2, 1]`` (``c1 = (1-a')/(1+a')``, ``c2 = 1 - c1``,
   both cell end points) is feasible and affine on each cell, so
   ``z -> G(z, u(z))`` is concave there and lies above its chord, while
   ``h*(z)`` lies below its tangent at ``zbar``: again the bound is linear in
   ``z`` and is checked at ``z0`` and ``z1``.

The check passes when on every cell ``-eps <= (T h*)(z) - h*(z) - rho* <= eps``
is proven, with ``eps = 1e-6`` by default (the cover is uniform with ``cells``
cells; the bounds are second order in the cell width).  This is a proof of
the Bellman *inequalities* up to ``eps``; the exact equality is Elishco and
Permuter's Theorem 1, and the exact value of ``rho*`` is proven by the
duality check (c) and the Q-graph bounds (e).

Examples
--------
>>> from dicert.proofs.ising_hstar import cover_data, check_hstar_cover
>>> ok, evidence = check_hstar_cover(cover_data(cells=64, eps="1e-3"))
>>> ok
True
"""

from __future__ import annotations

from fractions import Fraction

from flint import arb, fmpq

from dicert.verify.certify.certificate import Check
from dicert.verify.certify.checks import CheckRunner, make_check
from dicert.verify.certify.intervals import log2, to_fmpq, working_precision
from dicert.verify.certify.roots import isolate_root

__all__ = ["cover_data", "check_hstar_cover", "hstar_checks", "CHECK_KINDS", "HStar"]

POLY = ["1", "-4", "6", "-5", "1"]


class HStar:
    """Arb evaluation of ``h*`` (4.32), its derivative, and ``G`` of (4.31) with its gradient."""

    def __init__(self, a: arb) -> None:
        self.a = a
        self.rho = -log2(a) / 2
        self.b1 = (1 - a) / (1 + a)
        self.b2 = 2 * a / (1 + a)

    @staticmethod
    def h2(x: arb) -> arb:
        """Binary entropy (bits) of a ball inside (0, 1)."""
        return -(x * log2(x) + (1 - x) * log2(1 - x))

    @staticmethod
    def dh2(x: arb) -> arb:
        """Derivative ``log2((1-x)/x)``."""
        return log2((1 - x) / x)

    def eta(self, z: arb) -> tuple[arb, arb]:
        """``eta(z)`` of (4.32) and ``eta'(z) = H2'(w)/2 - 1 - rho/2 - log2(1 - v)/2``."""
        a = self.a
        u = 2 * a + (1 - a) * z
        w = u / 2
        v = 2 * a / u
        value = self.h2(w) / (1 - a) - z - (4 * a + (1 - a) * z) / (2 * (1 - a)) * self.rho + u / (2 * (1 - a)) * self.h2(v)
        deriv = self.dh2(w) / 2 - 1 - self.rho / 2 - log2(1 - v) / 2
        return value, deriv

    def h(self, x: arb) -> tuple[arb, arb]:
        """``h*(x)`` and ``h*'(x)``; a ball meeting a break point gets the union of both pieces."""
        parts = []
        if not x > self.b1:
            v, d = self.eta(1 - x)
            parts.append((v, -d))
        if not (x < self.b1 or x > self.b2):
            parts.append((self.h2(x), self.dh2(x)))
        if not x < self.b2:
            parts.append(self.eta(x))
        value, deriv = parts[0]
        for v, d in parts[1:]:
            value, deriv = value.union(v), deriv.union(d)
        return value, deriv

    def g(self, z: arb, d: arb, gam: arb) -> tuple[arb, arb, arb, arb]:
        """``G(z, delta, gamma)`` and its partial derivatives ``(G, G_z, G_delta, G_gamma)``."""
        d1, n1 = 1 + d - gam, 1 + 2 * d - gam - z
        d2, n2 = 1 - d + gam, 1 - z - gam
        a1, a2 = n1 / d1, n2 / d2
        h1, dh1 = self.h(a1)
        h2v, dh2v = self.h(a2)
        p0 = d1 / 2
        value = self.h2(p0) + d + gam - 1 + d1 / 2 * h1 + d2 / 2 * h2v
        g_z = -(dh1 + dh2v) / 2
        g_d = self.dh2(p0) / 2 + 1 + h1 / 2 + dh1 * (2 - a1) / 2 - h2v / 2 + dh2v * a2 / 2
        g_g = -self.dh2(p0) / 2 + 1 - h1 / 2 + dh1 * (a1 - 1) / 2 + h2v / 2 - dh2v * (1 + a2) / 2
        return value, g_z, g_d, g_g


def _policy(z: fmpq, a: fmpq, c1: fmpq, c2: fmpq) -> tuple[fmpq, fmpq]:
    if z <= c1:
        return z, a * (1 + z)
    if z <= c2:
        return z, 1 - z
    return a * (2 - z), 1 - z


def cover_data(cells: int = 1024, eps: str = "1e-6", digits: int = 30) -> dict:
    """Data of the ``ising_hstar_cover`` check: cell end points (including ``c1``, ``c2``) and ``a'``.

    Examples
    --------
    >>> d = cover_data(cells=8)
    >>> d["points"][0], d["points"][-1], len(d["points"]) >= 9
    ('0', '1', True)
    """
    root = isolate_root(POLY, 0, 1).refine(digits)
    a = Fraction(round(Fraction(int(root.lo.p), int(root.lo.q)) * 10**digits), 10**digits)
    c1 = (1 - a) / (1 + a)
    c2 = 1 - c1
    pts = sorted({Fraction(i, cells) for i in range(cells + 1)} | {c1, c2})
    return {"poly": POLY, "bracket": ["0", "1"], "a_policy": str(a), "points": [str(p) for p in pts], "eps": eps,
            "digits": 40}


def check_hstar_cover(data: dict) -> tuple[bool, str]:
    """Prove ``|(T h*)(z) - h*(z) - rho*| <= eps`` on every cell of the cover (see module docstring).

    Examples
    --------
    >>> check_hstar_cover(dict(cover_data(cells=16), eps="1e-9"))[0]   # too coarse for 1e-9
    False
    """
    pts = [to_fmpq(p) for p in data["points"]]
    if pts[0] != 0 or pts[-1] != 1 or any(q <= p for p, q in zip(pts, pts[1:])):
        return False, "points: expected an increasing cover of [0, 1] from 0 to 1"
    eps = arb(to_fmpq(data["eps"]))
    a_pol = to_fmpq(data["a_policy"])
    c1 = (1 - a_pol) / (1 + a_pol)
    c2 = 1 - c1
    if c1 not in pts or c2 not in pts:
        return False, "points: the policy break points c1, c2 must be cell end points"
    root = isolate_root(data["poly"], data["bracket"][0], data["bracket"][1]).refine(int(data.get("digits", 40)))
    worst_up: arb | None = None
    worst_low: arb | None = None
    with working_precision(digits=int(data.get("digits", 40))):
        hs = HStar(root.ball())
        rho = hs.rho
        cache: dict = {}

        def at(z: fmpq) -> tuple[arb, arb]:
            if z not in cache:
                cache[z] = hs.h(arb(z))
            return cache[z]

        for z0, z1 in zip(pts, pts[1:]):
            zbar = (z0 + z1) / 2
            hb, dhb = at(zbar)
            h0, h1 = at(z0)[0], at(z1)[0]
            # upper bound (supergradient at zbar, chord of h*)
            db, gb = _policy(zbar, a_pol, c1, c2)
            gval, g_z, g_d, g_g = hs.g(arb(zbar), arb(db), arb(gb))
            for z in (z0, z1):
                chord = h0 + (h1 - h0) * arb((z - z0) / (z1 - z0))
                lin_d = (-g_d * arb(db)).max(g_d * arb(z - db))
                lin_g = (-g_g * arb(gb)).max(g_g * arb(1 - z - gb))
                excess = gval + g_z * arb(z - zbar) + lin_d + lin_g - chord - rho
                worst_up = excess if worst_up is None else worst_up.max(excess)
            # lower bound (affine policy on the cell, tangent of h*)
            for z in (z0, z1):
                du, gu = _policy(z, a_pol, c1, c2)
                value = hs.g(arb(z), arb(du), arb(gu))[0]
                deficit = value - (hb + dhb * arb(z - zbar)) - rho
                worst_low = deficit if worst_low is None else worst_low.min(deficit)
    if worst_up is None or worst_low is None:  # the cover has >= 2 points (checked above): unreachable; fail closed
        return False, "points: expected at least one cell"
    ok = bool(worst_up <= eps) and bool(worst_low >= -eps)
    text = (
        f"{len(pts) - 1} cells: (T h*)(z) - h*(z) - rho* proven in [{float(worst_low.lower()):.2e}, "
        f"{float(worst_up.upper()):.2e}] for all z in [0,1] (tolerance {data['eps']})"
    )
    return ok, text


CHECK_KINDS: dict[str, CheckRunner] = {"ising_hstar_cover": check_hstar_cover}


def _h2(x: str) -> str:
    return f"(-({x})*log({x}) - (1-({x}))*log(1-({x})))/log(2)"


def _dh2(x: str) -> str:
    return f"(log(1-({x})) - log({x}))/log(2)"


def _identity_data() -> tuple[dict, dict]:
    rho = "(-log(a)/(2*log(2)))"
    b2 = "(2*a/(1+a))"
    u = f"(2*a+(1-a)*{b2})"
    eta = (f"({_h2(f'{u}/2')})/(1-a) - {b2} - (4*a+(1-a)*{b2})/(2*(1-a))*{rho} "
           f"+ {u}/(2*(1-a))*({_h2(f'2*a/{u}')})")
    eta_prime = f"({_dh2(f'{u}/2')})/2 - 1 - {rho}/2 - log(1 - 2*a/{u})/(2*log(2))"
    common = {"symbol": "a", "relation": "a**3 - (1 - a)**4", "substitutions": {"log(1 - a)": "3*log(a)/4"},
              "point": "0.45"}
    return ({**common, "expression": f"{eta} - ({_h2(b2)})"}, {**common, "expression": f"{eta_prime} - ({_dh2(b2)})"})


def hstar_checks(cells: int = 2048, eps: str = "1e-6") -> list[Check]:
    """The three checks of (d): continuity and smooth fit of ``h*`` at ``b2`` (sympy), and the cover.

    Examples
    --------
    The two sympy checks take about two seconds; the cover alone:

    >>> check_hstar_cover(cover_data(cells=64, eps="1e-3"))[0]
    True
    """
    continuity, smooth = _identity_data()
    return [
        make_check("hstar_continuity", "sympy_identity", continuity),
        make_check("hstar_smooth_fit", "sympy_identity", smooth),
        make_check("bellman_hstar_cover", "ising_hstar_cover", cover_data(cells, eps), CHECK_KINDS),
    ]

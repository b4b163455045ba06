"""Feedback capacity of the binary Ising channel: ``C = 2 H2(a)/(3+a) = -1/2 log2 a``, ``a^3 = (1-a)^4``.

Sources: Elishco & Permuter (2014) [ElishcoPermuter2014Ising, Thm 1]; monograph
Sec. 4.3.4 ((4.31)-(4.32) and footnote), Example 4.2.4 (cont.) in Sec. 4.4.1
((4.38), Fig. 4.4) and Sec. 4.5.1 ((4.56)-(4.61)).

Checks (each re-runnable from the certificate JSON):

(a) ``closed_form_identity``: ``2 H2(a)/(3+a) = -1/2 log2 a`` under
    ``a^3 = (1-a)^4`` -- exact log-linear reduction in ``Q(a)``
    (``log(1-a) = 3/4 log a``); ``closed_form_identity_sympy`` proves it again
    with sympy (extended checks).
(b) ``root_unique``: ``a^4 - 5a^3 + 6a^2 - 4a + 1`` has exactly one root in
    ``[0, 1]`` (Sturm), refined by exact sign changes.
(c) ``duality_bellman_closed_form``: the test distribution (4.56) and value
    function (4.57)-(4.61) satisfy the Bellman equation (4.55) *exactly* at
    ``a``, on the Q-graph of Fig. 4.4.  The seed's (4.60) reads
    ``V(0,3) = V(0,3)``; the correct pairing is ``V(0,3) = V(1,2)``, forced by
    the symmetry ``(s, q) -> (1-s, 5-q)`` that maps (4.56) to itself and pairs
    (4.58), (4.59), (4.61) the same way (and it is the only pairing for which
    (4.55) holds on any 4-node Q-graph; the graph found is ``phi`` below).
    For every ``(s, q)`` the maximising input's residual is proven to be
    exactly ``rho`` by the log-linear prover, the other input's is proven
    smaller with Arb.
(d) ``hstar_continuity``, ``hstar_smooth_fit``, ``bellman_hstar_cover``
    (extended checks): ``h*`` of (4.32) is concave and
    ``|(T h*)(z) - h*(z) - rho*| <= 1e-6`` is proven on a cover of ``[0, 1]``
    by 2048+ cells, see :mod:`dicert.proofs.ising_hstar`.
(e) ``qgraph_duality_upper_bound``, ``qgraph_bcjr_lower_bound``,
    ``closed_form_between_bounds``: an exact rational witness on the 4-node
    Q-graph re-verified rigorously.
(f) the closed form's value to any number of digits.

Proven vs cited.  The checker (:mod:`dicert.verify.certify.checker`) re-runs
(a), (b), (c), (e): (c) proves the duality bound equals ``-1/2 log2 a``
*exactly*, so ``C_fb <= -1/2 log2 a`` is machine-proven; the BCJR lower bound
of (e) is within about ``1e-78`` of it, so ``C_fb`` is proven to about 78
digits.  Beyond that, ``C_fb = -1/2 log2 a`` is cited (Elishco & Permuter,
Thm 1).  (d) is display-only (``--full``).

Examples
--------
>>> from dicert.proofs.ising import build
>>> cert = build(digits=30)
>>> cert.verified, cert.interval.lo[:12]
(True, '0.5755215741')
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING, Any

from flint import arb

if TYPE_CHECKING:
    from flint import fmpq_poly

from dicert.proofs.closed_form import issue_certificate, stored_witness
from dicert.verify.certify.certificate import Certificate, Check
from dicert.verify.certify.checker.results import ising_channel, spec
from dicert.verify.certify.checks import make_check
from dicert.verify.certify.intervals import (
    arb_lower_fmpq,
    arb_upper_fmpq,
    decimal_ceil,
    decimal_floor,
    log2,
    to_fmpq,
    working_precision,
)
from dicert.verify.certify.roots import isolate_root
from dicert.verify.certify.symbolic import prove_log_linear_zero

__all__ = [
    "NAME",
    "SOURCE",
    "CHANNEL",
    "PHI",
    "POLY",
    "build",
    "ising_witness",
    "duality_closed_form_data",
    "check_log_bellman",
    "CHECK_KINDS",
]

NAME = "ising"
_SPEC = spec(NAME, {})
TITLE, SOURCE, CLAIM, LATEX_CLAIM = _SPEC.title, _SPEC.source, _SPEC.claim, _SPEC.latex_claim
DESCRIPTION = "binary Ising channel: -1/2 log2 a, a^3 = (1-a)^4, with 4-node Q-graph bounds"
DEFAULTS: dict = {}
INSTANCES: tuple = ({},)

#: Example 4.2.4: Y = X or S w.p. 1/2 each; the new state is the input (the checker's registered channel).
CHANNEL = ising_channel()

#: Q-graph of Fig. 4.4 (monograph nodes 1..4 are 0..3 here): phi[q][y].
PHI = [[3, 1], [3, 0], [3, 0], [2, 0]]

#: (1-a)^4 - a^3, constant term first; a in [0, 1].
POLY = ["1", "-4", "6", "-5", "1"]
BRACKET = ["0", "1"]

#: Logarithm atoms, as polynomials in a (constant term first); logs are base 2.
ATOMS = {"a": ["0", "1"], "1-a": ["1", "-1"], "1+a": ["1", "1"], "2": ["2"]}
RELATION = {"a": 3, "1-a": -4}


def _identity_data() -> dict:
    # (3+a) ln2 * [2 H2(a)/(3+a) + 1/2 log2 a] = -2a ln a - 2(1-a) ln(1-a) + (3+a)/2 ln a
    return {
        "coefficients": {"a": ["3/2", "-3/2"], "1-a": ["-2", "2"]},
        "atoms": {"a": ATOMS["a"], "1-a": ATOMS["1-a"]},
        "relation": RELATION,
        "eliminate": "1-a",
        "poly": POLY,
        "bracket": BRACKET,
    }


def _sympy_identity_data() -> dict:
    return {
        "expression": "2*(-a*log(a) - (1 - a)*log(1 - a))/(3 + a) + log(a)/2",
        "symbol": "a",
        "relation": "a**3 - (1 - a)**4",
        "substitutions": {"log(1 - a)": "3*log(a)/4"},
    }


def duality_closed_form_data() -> dict:
    """Exact data of (4.56)-(4.61): ``log2`` of T and V as log-linear forms over the atoms.

    ``test_log[q][y]`` is ``{atom: exponent}`` with ``T(y|q) = prod atom^exponent``;
    ``value[s][q]`` and ``rho`` are ``{atom: coefficient}`` meaning ``sum coefficient*log2(atom)``
    (the constant 1 is ``log2 2``).  Uses the pairing ``V(0,3) = V(1,2)``.

    Examples
    --------
    >>> duality_closed_form_data()["rho"]
    {'a': '-1/2'}
    """
    t0 = [{"1-a": 1, "2": -1}, {"1-a": 1, "1+a": -1}, {"2": 1, "a": 1, "1+a": -1}, {"1+a": 1, "2": -1}]
    t1 = [{"1+a": 1, "2": -1}, {"2": 1, "a": 1, "1+a": -1}, {"1-a": 1, "1+a": -1}, {"1-a": 1, "2": -1}]
    v01 = {"2": "1", "1-a": "-1"}  # (4.58) V(0,1) = V(1,4) = 1 - log(1-a)
    v02 = {"1+a": "1", "1-a": "-1"}  # (4.59) V(0,2) = V(1,3) = log((1+a)/(1-a))
    v03 = {"1+a": "1", "a": "-1", "2": "-1"}  # (4.60) V(0,3) = V(1,2) = log(1+a) + 2 rho - 1
    v04 = {"a": "-1/2"}  # (4.61) V(0,4) = V(1,1) = rho
    return {
        "poly": POLY,
        "bracket": BRACKET,
        "atoms": ATOMS,
        "relation": RELATION,
        "eliminate": "1-a",
        "channel": CHANNEL,
        "phi": PHI,
        "test_log": [[t0[q], t1[q]] for q in range(4)],
        "value": [[v01, v02, v03, v04], [v04, v03, v02, v01]],
        "rho": {"a": "-1/2"},
    }


def _poly_from(coeffs: list) -> fmpq_poly:
    from flint import fmpq_poly

    return fmpq_poly([to_fmpq(c) for c in coeffs])


def _test_rows_sum_to_one(data: dict, atoms: dict, root: Any, n_outputs: int) -> str | None:
    """``sum_y T(y|q) = 1`` for every ``q`` as rational functions of ``a`` modulo its minimal polynomial; else the problem."""
    from flint import fmpq_poly

    for q in range(len(data["phi"])):
        nums, dens = [], []
        for y in range(n_outputs):
            exponents = data["test_log"][q][y]
            num, den = fmpq_poly([1]), fmpq_poly([1])
            for atom, e in exponents.items():
                if int(e) > 0:
                    num *= atoms[atom] ** int(e)
                elif int(e) < 0:
                    den *= atoms[atom] ** (-int(e))
            nums.append(num)
            dens.append(den)
        total_den, total_num = fmpq_poly([1]), fmpq_poly([0])
        for d in dens:
            total_den *= d
        for y, num in enumerate(nums):
            term = num
            for z, d in enumerate(dens):
                if z != y:
                    term *= d
            total_num += term
        if (total_num - total_den) % root.poly != 0:
            return f"test: row q={q} does not sum to 1"
    return None


def _residual_form(data: dict, law: list, s: int, q: int, x: int) -> dict[str, Fraction]:
    """The residual of (4.55) at ``(s, q, x)`` as a log-linear form ``{atom: coefficient}``."""
    form: dict[str, Fraction] = {}

    def add(d: dict, w: Fraction) -> None:
        for k, c in d.items():
            form[k] = form.get(k, Fraction(0)) + w * Fraction(str(c))

    nxt, phi = data["channel"]["next_state"], data["phi"]
    for y, p in enumerate(law[s][x]):
        if p == 0:
            continue
        w = Fraction(int(p.p), int(p.q))
        if p != 1:  # log2 p for p = 1/2^k is -k log2 2; general p handled by atom "2" only
            add({"2": -_log2_of_power_of_half(p)}, w)
        add({a: -e for a, e in data["test_log"][q][y].items()}, w)
        add(data["value"][nxt[s][x][y]][phi[q][y]], w)
    add(data["value"][s][q], Fraction(-1))
    add(data["rho"], Fraction(-1))
    return form


def check_log_bellman(data: dict) -> tuple[bool, str]:
    """Prove the Bellman equation (4.55) for log-linear closed-form T, V, rho at an algebraic root.

    For each ``(s, q)`` and allowed ``x`` the residual
    ``sum_y P(y|x,s)[log2 P(y|x,s) - log2 T(y|q) + V(f(s,x,y), phi(q,y))] - V(s,q) - rho``
    (:func:`_residual_form`) is a log-linear form; it must be *exactly* 0 (log-linear
    prover) for at least one ``x`` and exactly 0 or proven negative (Arb) for the others.
    The rows of ``T`` are also proven to sum to 1 as rational functions (:func:`_test_rows_sum_to_one`).

    Examples
    --------
    >>> check_log_bellman(duality_closed_form_data())[0]
    True
    """
    root = isolate_root(data["poly"], data["bracket"][0], data["bracket"][1])
    atoms = {k: _poly_from(v) for k, v in data["atoms"].items()}
    law = [[[to_fmpq(p) for p in row] for row in block] for block in data["channel"]["law"]]
    allowed = data["channel"].get("allowed")
    S, X, Q = len(law), len(law[0]), len(data["phi"])
    problem = _test_rows_sum_to_one(data, atoms, root, len(law[0][0]))
    if problem is not None:
        return False, problem
    zeros = negatives = 0
    with working_precision(digits=60):
        ball = root.refine(60).ball()
        logs = {k: log2(_eval(p, ball)) for k, p in atoms.items()}
        for s in range(S):
            for q in range(Q):
                exact_zero = False
                for x in range(X):
                    if allowed is not None and not allowed[s][x]:
                        continue
                    form = _residual_form(data, law, s, q, x)
                    proof = prove_log_linear_zero(
                        {k: [str(c)] for k, c in form.items()}, data["atoms"], data["relation"], root, data["eliminate"]
                    )
                    if proof.holds:
                        exact_zero = True
                        zeros += 1
                        continue
                    value = arb(0)
                    for k, c in form.items():
                        value += arb(to_fmpq(str(c))) * logs[k]
                    if not value < 0:
                        return False, f"(4.55) fails at (s={s}, q={q}, x={x}): residual {value.str(10)} is not <= 0"
                    negatives += 1
                if not exact_zero:
                    return False, f"(4.55) fails at (s={s}, q={q}): no input attains rho exactly"
    return True, (
        f"(4.55) holds exactly at all {S * Q} states: {zeros} residuals proven = rho (log-linear prover, "
        f"log(1-a) = 3/4 log a), {negatives} proven < rho (Arb); T rows sum to 1; pairing V(0,3) = V(1,2)"
    )


def _log2_of_power_of_half(p) -> int:
    k, v = 0, to_fmpq(p)
    while v < 1:
        v *= 2
        k += 1
    if v != 1:
        raise ValueError(f"channel probability {p} is not a power of 1/2")
    return k


def _eval(poly, x: arb) -> arb:
    acc = arb(0)
    for c in reversed(list(poly.coeffs())):
        acc = acc * x + arb(c)
    return acc


def _hstar_cover(data: dict) -> tuple[bool, str]:
    from dicert.proofs.ising_hstar import check_hstar_cover

    return check_hstar_cover(data)


#: Proof-specific check kinds (registered with the registry for ``--check``).
CHECK_KINDS = {"log_bellman_equation": check_log_bellman, "ising_hstar_cover": _hstar_cover}


def _to_fraction(q) -> Fraction:
    return Fraction(int(q.p), int(q.q))


def ising_witness(digits: int = 40) -> dict:
    """Exact Q-graph witness at a rational ``a'`` within ``10**-digits`` of ``a`` (regenerates the stored file).

    Upper bound: T of (4.56) and V of (4.57)-(4.61) at ``a'`` (V rounded to
    rationals).  Lower bound: the BCJR-invariant input on the same graph,
    ``P(x=0|s=1,q=1) = 1-a'``, ``P(x=0|s=0,q=4) = a'``, ``x = s`` elsewhere,
    invariant for every ``a'`` (beliefs ``0, (1-a')/(1+a'), 2a'/(1+a'), 1``).

    Examples
    --------
    >>> w = ising_witness(20)
    >>> w["lower"]["policy"][1][0]
    ['27485023895098513347/50000000000000000000', '22514976104901486653/50000000000000000000']
    """
    from dicert.verify.certify.duality_check import certified_duality_upper_bound
    from dicert.verify.certify.rate_check import bcjr_lower_bound

    root = isolate_root(POLY, *BRACKET).refine(digits)
    a = _to_fraction(root.lo)
    a = Fraction(round(a * 10**digits), 10**digits)
    t0 = [(1 - a) / 2, (1 - a) / (1 + a), 2 * a / (1 + a), (1 + a) / 2]
    test = [[t, 1 - t] for t in t0]
    with working_precision(digits=digits + 20):
        A = arb(to_fmpq(a))
        rho = -log2(A) / 2
        v01 = 1 - log2(1 - A)
        v02 = log2((1 + A) / (1 - A))
        v03 = log2(1 + A) + 2 * rho - 1
        v04 = rho
        scale = 10 ** (digits + 5)

        def rat(x: arb) -> Fraction:
            return Fraction(round(_to_fraction(arb_lower_fmpq(x)) * scale), scale)

        value = [[rat(v01), rat(v02), rat(v03), rat(v04)], [rat(v04), rat(v03), rat(v02), rat(v01)]]
    policy = [
        [[1, 0], [1, 0], [1, 0], [a, 1 - a]],
        [[1 - a, a], [0, 1], [0, 1], [0, 1]],
    ]
    ub = certified_duality_upper_bound(CHANNEL, PHI, test, value, digits + 10)
    lb = bcjr_lower_bound(CHANNEL, PHI, policy, digits + 10)
    if lb.lower is None:  # pragma: no cover - the policy is invariant (Thm 4.4.4); fail closed otherwise
        raise ValueError(lb.evidence)
    text = lambda m: [[str(Fraction(v)) for v in row] for row in m]  # noqa: E731
    return {
        "result": NAME,
        "graph_note": "Q-graph of Fig. 4.4 (nodes 1..4 -> 0..3); theory witness at rational a' near a",
        "channel": CHANNEL,
        "upper": {
            "phi": PHI,
            "test": text(test),
            "value": text(value),
            "upper": decimal_ceil(arb_upper_fmpq(ub.upper), digits),
        },
        "lower": {
            "phi": PHI,
            "policy": [text(block) for block in policy],
            "lower": decimal_floor(arb_lower_fmpq(lb.lower), digits),
        },
    }


def build(digits: int = 30, extended: bool = False) -> Certificate:
    """Certificate for the binary Ising feedback capacity (checks (a)-(f) of the module docstring).

    ``extended=True`` adds, for display only (they are not part of the
    certificate file), the sympy proof of the identity (a) and the checks (d)
    of :mod:`dicert.proofs.ising_hstar` (about two seconds in all).

    Examples
    --------
    >>> build(digits=12).checks_passed()
    (6, 6)
    """
    extra: list[Check] = []
    if extended:
        from dicert.proofs.ising_hstar import hstar_checks

        extra.append(make_check("closed_form_identity_sympy", "sympy_identity", _sympy_identity_data()))
        extra.extend(hstar_checks())
    return issue_certificate(NAME, {}, digits, stored_witness(NAME), extra)

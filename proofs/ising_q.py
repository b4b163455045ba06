"""Feedback capacity of the q-ary Ising channel, ``|X| = q <= 8`` (monograph Thm 4.6.1).

Theorem 4.6.1 states (4.78) ``C = max_{p in [0,1]} 2 (H2(p) + (1-p) log2(q-1)) / (p+3)``
and, equivalently, (4.79) ``C = 1/2 log2(1/p*)`` with ``p*`` the unique root in
``[0, 1]`` of ``x^4 - ((q-1)^4 + 4) x^3 + 6 x^2 - 4 x + 1``.  (Aharoni, Sabag,
Permuter et al. [aharoni2024capacityrl]; monograph Sec. 4.6.4.)

Why (4.78) equals (4.79).  Write ``F(p)`` for the objective of (4.78) and
``L = ln(q-1)``.  In natural logarithms, the numerator of ``F'(p)`` is
``N(p) = (H'(p) - L)(p+3) - (H(p) + (1-p)L) = 4 ln(1-p) - 3 ln p - 4L``
(``H`` the binary entropy in nats).  ``N' = -4/(1-p) - 3/p < 0``, ``N -> +inf``
at 0 and ``N(1^-) = -inf``, so ``F`` increases then decreases and its unique
maximiser ``p*`` solves ``N = 0``, i.e. ``(1-p)^4 = (q-1)^4 p^3`` -- which is
exactly the quartic.  At ``p*``, ``ln(1-p) = L + 3/4 ln p`` turns
``F(p*)`` into ``-1/2 log2 p*``.  The checks prove each algebraic step exactly:

- ``root_unique``: Sturm count 1 on ``[0, 1]`` (the quartic has a unique root there);
- ``stationary_point``: ``N(p*) = 0`` from the quartic (log-linear prover);
- ``closed_form_identity``: ``F(p*) = -1/2 log2 p*`` (log-linear prover);
- ``reduces_to_binary`` (q = 2): the quartic is the Ising polynomial ``(1-a)^4 - a^3``;
- ``value_interval``: ``1/2 log2(1/p*)`` to any number of digits.

First principles (issue 12).  With ``bracket=True`` (the default) the
certificate also *proves* ``C_fb in [L, U]`` from the channel alone and that
the closed form lies in ``[L, U]`` (``closed_form_between_bounds``), so no
part of the bracket rests on the cited theorem:

- Q-graph: :func:`qgraph`, the binary Ising graph of Fig. 4.4 lifted to ``q``
  letters -- node ``(last output y, parity of the run of equal outputs ending
  at y)``, ``2q`` nodes;
- lower (Thm 4.4.4): the input family :func:`input_family` (at an odd-run
  node, if the state equals the last output keep it w.p. ``a`` and otherwise
  move to a uniform other letter; else repeat the state) is BCJR-invariant
  for every ``a``; ``a`` is optimised numerically, the beliefs rationalised
  and (4.43) solved exactly
  (:func:`dicert.verify.certify.invariant_lower_cert.certify_policy_lower`);
- upper (Thm 4.5.2): the duality bound on the same graph with the
  dual-program test distribution and its value function
  (:func:`dicert.verify.certify.qgraph_certify.certify_qgraph_bounds`);
- the independent checker re-derives both bounds from the exact channel.

:func:`beyond_theorem` does the same for ``q > 8`` (outside Thm 4.6.1) and
reports where the formula's value lies against the proven bracket.

Examples
--------
>>> from dicert.proofs.ising_q import build
>>> cert = build(digits=20, q=3)
>>> cert.verified, cert.cited_interval.lo[:8], cert.interval.lo[:12]
(True, '0.961227', '0.9612271925')
"""

from __future__ import annotations

from dicert.graphs.errors import InvalidInput
from dicert.proofs.closed_form import issue_certificate
from dicert.verify.certify.certificate import Certificate, timed_check

__all__ = ["NAME", "quartic", "build", "qgraph", "input_family", "bracket_witness", "beyond_theorem"]

NAME = "ising_q"
SOURCE = "monograph Thm 4.6.1 (4.78)-(4.79), Sec. 4.6.4; Aharoni, Sabag & Permuter (q-ary Ising, |X| <= 8)"
TITLE = "q-ary Ising channel"
DESCRIPTION = "q-ary Ising channel, q = 2..8: 1/2 log2(1/p), quartic root (Thm 4.6.1)"
DEFAULTS: dict = {"q": 3}
INSTANCES: tuple = tuple({"q": q} for q in range(2, 9))


def quartic(q: int) -> list[str]:
    """Coefficients (constant term first) of ``x^4 - ((q-1)^4 + 4) x^3 + 6 x^2 - 4 x + 1``.

    Examples
    --------
    >>> quartic(2)
    ['1', '-4', '6', '-5', '1']
    """
    return ["1", "-4", "6", str(-((q - 1) ** 4 + 4)), "1"]


def _check_q(q: int) -> int:
    if isinstance(q, bool) or not isinstance(q, int) or not 2 <= q <= 8:
        raise InvalidInput(f"q: expected an integer alphabet size in 2..8 (Thm 4.6.1), got {q!r}")
    return q


def qgraph(q: int) -> list[list[int]]:
    """The ``2q``-node run-length-parity Q-graph (node ``2y + parity``; parity 0 = odd run).

    For ``q = 2`` it is the graph of Fig. 4.4 up to node relabelling.

    Examples
    --------
    >>> qgraph(2)
    [[1, 2], [0, 2], [0, 3], [0, 2]]
    """
    return [[2 * y2 + ((1 - par) if y2 == y else 0) for y2 in range(q)] for y in range(q) for par in range(2)]


def input_family(q: int, a: float):
    """The input ``P(x|s,q)`` (shape ``(S, Q, X)``) of the module docstring, parameter ``a`` in (0, 1).

    Examples
    --------
    >>> input_family(2, 0.5)[1][0].tolist(), input_family(2, 0.5)[0][0].tolist()
    ([0.0, 1.0], [0.5, 0.5])
    """
    import numpy as np

    P = np.zeros((q, 2 * q, q))
    for s in range(q):
        for y in range(q):
            for par in range(2):
                node = 2 * y + par
                if par == 0 and s == y:
                    P[s, node, :] = (1 - a) / (q - 1)
                    P[s, node, y] = a
                else:
                    P[s, node, s] = 1.0
    return P


def bracket_witness(q: int, digits: int = 30) -> dict:
    """Exact ``{"upper": {phi, test, value}, "lower": {phi, policy}}`` for the ``q``-ary Ising channel.

    Works for any ``q >= 2`` (the checker's registry accepts ``ising_q`` for
    ``q <= 8`` only; larger ``q`` go through :func:`beyond_theorem`).

    Examples
    --------
    >>> w = bracket_witness(2, digits=12)
    >>> sorted(w), w["lower"]["phi"] == qgraph(2)
    (['lower', 'upper'], True)
    """
    import warnings
    from types import SimpleNamespace

    from scipy.optimize import minimize_scalar

    from dicert.graphs.errors import SolverFailed
    from dicert.verify.capacity.invariant_lower import beliefs_of_policy
    from dicert.verify.capacity.qgraph_bounds import as_qgraph, evaluate_policy, unifilar_arrays
    from dicert.verify.certify.checker.results import qary_ising_channel
    from dicert.verify.certify.duality_check import as_exact_channel
    from dicert.verify.certify.exact_inputs import ExactUnifilar
    from dicert.verify.certify.invariant_lower_cert import certify_policy_lower
    from dicert.verify.certify.qgraph_certify import certify_qgraph_bounds

    spec = qary_ising_channel(q)
    exact = as_exact_channel(ExactUnifilar.from_arrays(spec["law"], spec["next_state"], spec["allowed"]))
    arrays = unifilar_arrays(SimpleNamespace(law=[[[float(v) for v in row] for row in s] for s in exact.law],
                                             next_state=exact.next_state, name=f"ising:q={q}"))
    g = as_qgraph(qgraph(q), outputs=q)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        best = minimize_scalar(lambda a: -evaluate_policy(arrays, g, input_family(q, a)).rate, bounds=(1e-3, 1 - 1e-3),
                               method="bounded", options={"xatol": 1e-12})
    policy = input_family(q, float(best.x))
    ev = evaluate_policy(arrays, g, policy)
    lower, exact_policy, why = certify_policy_lower(exact, g.phi.tolist(), beliefs_of_policy(arrays, g, policy), policy,
                                                    digits=digits)
    if lower is None:
        raise SolverFailed(f"ising_q (q={q}): no exactly invariant input from the family: {why}")
    solution = SimpleNamespace(output_law=ev.output_law, policy=policy, upper=ev.rate, lower=ev.rate)
    upper = certify_qgraph_bounds(exact, g, solution=solution, digits=digits)
    return {"upper": {k: upper.witness["upper"][k] for k in ("phi", "test", "value")},
            "lower": {"phi": g.phi.tolist(), "policy": exact_policy}}


def beyond_theorem(q: int, digits: int = 30) -> dict:
    """Certified bracket for ``q > 8`` and where the Thm 4.6.1 formula's value lies against it.

    Returns ``{"q", "certificate" (qgraph_bracket, verified by the checker),
    "lower", "upper", "formula" (proven decimal enclosure of 1/2 log2(1/p*)),
    "verdict"}`` with ``verdict`` one of ``"formula inside the bracket"``,
    ``"lower bound exceeds the formula"``, ``"formula above the upper bound"`` or
    ``"undecided (formula within rounding of a bound)"``.

    Examples
    --------
    >>> r = beyond_theorem(3, digits=12)           # inside the theorem's range, as a sanity check
    >>> r["verdict"], r["certificate"].verified
    ('formula inside the bracket', True)
    """
    from flint import arb, fmpq

    from dicert.verify.certify.certificate import Certificate
    from dicert.verify.certify.checker.core import issue
    from dicert.verify.certify.checker.results import qary_ising_channel
    from dicert.verify.certify.intervals import working_precision
    from dicert.verify.certify.roots import isolate_root

    if isinstance(q, bool) or not isinstance(q, int) or q < 2:
        raise InvalidInput(f"q: expected an integer alphabet size >= 2, got {q!r}")
    witness = bracket_witness(q, digits=digits + 10)
    cert = Certificate(issue("qgraph_bracket", {}, digits, witness, channel=qary_ising_channel(q), exact_from="text"))
    root = isolate_root(quartic(q), 0, 1).refine(digits + 20)
    lo_root, hi_root = root.lo, root.hi
    with working_precision(digits=digits + 30):
        ball = (arb(lo_root).union(arb(hi_root))).log() / arb(2).log() * arb(-0.5)
        lower, upper = arb(fmpq(*_frac(cert.lower))), arb(fmpq(*_frac(cert.upper)))
        if ball > upper:
            verdict = "formula above the upper bound"
        elif ball < lower:
            verdict = "lower bound exceeds the formula"
        elif ball > lower and ball < upper:
            verdict = "formula inside the bracket"
        else:
            verdict = "undecided (formula within rounding of a bound)"
        formula = [ball.lower().str(digits, radius=False), ball.upper().str(digits, radius=False)]
    return {"q": q, "certificate": cert, "lower": cert.lower, "upper": cert.upper, "formula": formula,
            "verdict": verdict}


def _frac(text: str) -> tuple[int, int]:
    from fractions import Fraction

    f = Fraction(text)
    return f.numerator, f.denominator


def build(digits: int = 30, q: int = 3, extended: bool = False, bracket: bool = True) -> Certificate:
    """Certificate for ``C_fb`` of the ``q``-ary Ising channel (checks in the module docstring).

    Proven: the algebra of (4.79) and the closed form's value (any digits);
    with ``bracket`` (default) also ``C_fb in [L, U]`` from the channel (Q-graph
    duality UB and invariant LB, see the module docstring) and that the closed
    form lies in it.  Cited: ``C_fb`` equals the closed form (Thm 4.6.1).

    Examples
    --------
    >>> cert = build(digits=10, q=4, bracket=False)
    >>> cert.cited["value"], cert.interval is None
    ('1.2451361645', True)
    """
    q = _check_q(int(q) if isinstance(q, str) and q.isascii() and q.isdigit() else q)
    extra = []
    if q == 2:
        from dicert.proofs.ising import POLY

        with timed_check("reduces_to_binary", "polynomial_equality", {"poly": quartic(q), "binary": POLY}) as chk:
            chk.passed = [int(c) for c in quartic(q)] == [int(c) for c in POLY]
            chk.evidence = ("q = 2: the quartic equals (1-x)^4 - x^3, the binary Ising polynomial" if chk.passed
                            else "q = 2 quartic differs from the binary Ising polynomial")
        extra.append(chk)
    witness = bracket_witness(q, digits=max(digits, 30) + 10) if bracket else None
    return issue_certificate(NAME, {"q": q}, digits, witness, extra)


def polynomial_equality(data: dict) -> tuple[bool, str]:
    """Check kind ``polynomial_equality``: two coefficient lists are equal exactly.

    Examples
    --------
    >>> polynomial_equality({"poly": ["1", "2"], "binary": ["1", "2"]})[0]
    True
    """
    from dicert.verify.certify.intervals import to_fmpq

    same = [to_fmpq(c) for c in data["poly"]] == [to_fmpq(c) for c in data["binary"]]
    return same, "polynomials are identical" if same else "polynomials differ"


CHECK_KINDS = {"polynomial_equality": polynomial_equality}

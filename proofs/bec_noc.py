"""Feedback capacity of the BEC with a no-consecutive-ones input constraint.

Source: Sabag, Permuter & Kashyap (2016) [SabagPermuterKashyap2016BEC, Thm 1],
cited in monograph Sec. 4.3.4 and Sec. 4.4: for erasure probability ``eps``,

    C(eps) = max_{0 <= p <= 1/2} H2(p) / (p + 1/(1 - eps)).

Closed form.  With ``c = 1/(1-eps)`` the objective is a concave function over
a positive affine one, hence quasi-concave; its stationary point solves
``H2'(p)(p + c) = H2(p)``, i.e. ``-c ln p + (1+c) ln(1-p) = 0`` or
``(1-p)^(1+c) = p^c``, and there ``C = H2'(p) = -(1-eps) log2(1-p)``.  For a
rational ``eps = n/d`` and ``r = 1 - p`` this is the integer polynomial equation
``r^(2d-n) = (1-r)^d`` with a unique root ``r`` in ``[1/2, 1]`` (``p <= 1/2``).
At ``eps = 0`` it gives ``log2`` of the golden ratio, the capacity of the
(1, inf)-RLL constraint.

Checks: ``root_unique`` (Sturm), ``closed_form_identity``
(``H2(p)/(p+c) = -(1-eps) log2 r`` at the root, log-linear prover),
``value_interval``.  Extended checks (``extended=True``, needs cvxpy): an
independent rigorous *upper* bound from the 2-node Q-graph of Fig. 4.3
(``phi = [[0,1,0],[0,0,0]]``, outputs ``0, 1, ?``) with the test distribution
minimising the dual bound (Thm 4.5.2), and the check that the closed form lies
below it (at ``eps = 1/2`` the margin is about ``1e-9``).  No BCJR-invariant
input exists on that graph (the belief after ``?`` keeps changing), so no
Q-graph lower bound is reported.  At ``eps = 0`` the erasure symbol never
occurs and the extended check is not run.

Examples
--------
>>> from dicert.proofs.bec_noc import build
>>> cert = build(digits=20, eps="1/2")
>>> cert.verified, cert.cited_interval.lo[:10]
(True, '0.40568523')
"""

from __future__ import annotations

from fractions import Fraction

from dicert.graphs.errors import InvalidInput
from dicert.proofs.closed_form import issue_certificate
from dicert.verify.certify.certificate import Certificate

__all__ = ["NAME", "PHI", "polynomial", "channel", "build"]

NAME = "bec_noc"
SOURCE = "Sabag, Permuter & Kashyap 2016 (Thm 1), IEEE Trans. IT 62(1); cited in monograph Sec. 4.3.4 and 4.4"
TITLE = "BEC, no consecutive ones"
DESCRIPTION = "BEC with a no-consecutive-ones input constraint: max_p H2(p)/(p + 1/(1-eps))"
DEFAULTS: dict = {"eps": "1/2"}
INSTANCES: tuple = ({"eps": "0"}, {"eps": "1/2"}, {"eps": "9/10"})
CHECK_KINDS: dict = {}

MAX_DENOMINATOR = 64


def _parse_eps(eps: object) -> Fraction:
    try:
        value = Fraction(str(eps))
    except (ValueError, ZeroDivisionError):
        raise InvalidInput(f"eps: expected a rational erasure probability in [0, 1) such as 1/2, got {eps!r}") from None
    if not 0 <= value < 1:
        raise InvalidInput(f"eps: expected an erasure probability in [0, 1), got {eps!r}")
    if value.denominator > MAX_DENOMINATOR:
        raise InvalidInput(f"eps: expected a denominator <= {MAX_DENOMINATOR} (polynomial degree 2d - n), got {eps!r}")
    return value


def polynomial(eps: object) -> list[str]:
    """Coefficients (constant first) of ``r^(2d-n) - (1-r)^d`` for ``eps = n/d``.

    Examples
    --------
    >>> polynomial("1/2")                      # r^3 - (1 - r)^2
    ['-1', '2', '-1', '1']
    """
    from math import comb

    e = _parse_eps(eps)
    n, d = e.numerator, e.denominator
    deg = 2 * d - n
    coeffs = [0] * (deg + 1)
    coeffs[deg] += 1
    for k in range(d + 1):  # (1 - r)^d = sum_k C(d,k) (-r)^k
        coeffs[k] -= comb(d, k) * (-1) ** k
    return [str(c) for c in coeffs]


def build(digits: int = 30, eps: object = "1/2", extended: bool = False, bracket: bool = True) -> Certificate:
    """Certificate for the feedback capacity of the BEC with no consecutive ones.

    Proven: the closed form's algebra and value; with ``extended`` (and
    ``eps > 0``) also ``C_fb <= upper`` from the Q-graph duality bound; with
    ``bracket`` (default) also ``C_fb >= lower`` from an exactly invariant
    rational input on :data:`LOWER_PHI` (Thm 4.4.4, issue 12), the smaller of
    the duality bounds on :data:`PHI` and :data:`LOWER_PHI`, and that the closed
    form lies in ``[lower, upper]`` -- all computed from the channel.  Cited:
    ``C_fb`` equals the closed form (Sabag, Permuter & Kashyap, Thm 1).

    Examples
    --------
    >>> build(digits=10, eps="9/10", bracket=False).cited["value"]
    '0.0953130453'
    """
    e = _parse_eps(eps)
    witness = None
    if (extended or bracket) and e > 0:  # at eps = 0 no '?' is ever output and the test distribution degenerates
        witness = {"upper": _qgraph_upper_witness(e)}
    if bracket:
        witness = dict(witness or {})
        lower = _invariant_lower_witness(e)
        if lower is not None:
            witness["lower"] = lower
        if e > 0:
            alt = _qgraph_upper_witness(e, LOWER_PHI)
            witness["upper"] = _smaller_upper(e, witness["upper"], alt)
            if lower is not None:  # the invariant input's output law is the dual optimum T (sec. 4.5)
                witness["upper"] = _smaller_upper(e, witness["upper"], _upper_from_policy(e, lower["policy"]))
    return issue_certificate(NAME, {"eps": str(e)}, digits, witness or None)


#: 3-node Q-graph for the lower bound (outputs 0, 1, ?): nodes "after 0" (state 0 known), "after 1"
#: (state 1 known) and "after ?" (belief on the last input); found by ``dicert discover bec-noc``.
LOWER_PHI = [[0, 1, 2], [0, 2, 0], [0, 1, 2]]


def _float_view(e: Fraction):
    from types import SimpleNamespace

    ch = channel(e)
    return SimpleNamespace(law=[[[float(Fraction(v)) for v in row] for row in s] for s in ch["law"]],
                           next_state=ch["next_state"], allowed=ch["allowed"], name=f"bec-noc:eps={e}")


def _invariant_lower_witness(e: Fraction) -> dict | None:
    """Exactly invariant rational input on :data:`LOWER_PHI` (Thm 4.4.4), found numerically, made exact."""
    import warnings

    from dicert.verify.certify.invariant_lower_cert import certified_invariant_lower

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = certified_invariant_lower(_float_view(e), LOWER_PHI, exact=channel(e), random_starts=1, digits=40)
    return None if res.lower is None else {"phi": res.phi, "policy": res.policy}


def _upper_from_policy(e: Fraction, policy: list) -> dict:
    """Duality witness on :data:`LOWER_PHI` with ``T = P(y|q)`` of an input (rationalised) and its ``V``."""
    from types import SimpleNamespace

    import numpy as np

    from dicert.verify.capacity.qgraph_bounds import evaluate_policy
    from dicert.verify.certify.qgraph_certify import certify_qgraph_bounds

    P = np.array([[[float(Fraction(v)) for v in row] for row in node] for node in policy])
    view = _float_view(e)
    out = evaluate_policy(view, LOWER_PHI, P).output_law
    res = certify_qgraph_bounds(channel(e), LOWER_PHI, digits=30, test="solver",
                                solution=SimpleNamespace(output_law=out, policy=P, upper=1.0, lower=None))
    return {k: res.witness["upper"][k] for k in ("phi", "test", "value")}


def _smaller_upper(e: Fraction, first: dict, second: dict) -> dict:
    """The witness with the smaller duality bound (evaluated rigorously by the checker's kind)."""
    from dicert.verify.certify.duality_check import certified_duality_upper_bound
    from dicert.verify.certify.intervals import arb_upper_fmpq

    ch = channel(e)
    bounds = [arb_upper_fmpq(certified_duality_upper_bound(ch, w["phi"], w["test"], w["value"], 40).upper) for w in (first, second)]
    return first if bounds[0] <= bounds[1] else second


#: Q-graph of Fig. 4.3 (outputs 0, 1, ?): after a 1 the state is known to be 1.
PHI = [[0, 1, 0], [0, 0, 0]]


def channel(eps: object) -> dict:
    """Exact BEC with no consecutive ones: state = last input, ``law[s][x] = (1-eps at x, eps at ?)``.

    Examples
    --------
    >>> channel("1/2")["law"][0][1]
    ['0', '1/2', '1/2']
    """
    e = _parse_eps(eps)
    rows = [[str(1 - e), "0", str(e)], ["0", str(1 - e), str(e)]]
    return {"law": [rows, rows], "next_state": [[[0, 0, 0], [1, 1, 1]], [[0, 0, 0], [1, 1, 1]]],
            "allowed": [[True, True], [True, False]]}


def _qgraph_upper_witness(e: Fraction, phi: list | None = None) -> dict:
    """Exact duality witness on ``phi`` (default :data:`PHI`): rationalised dual-program minimiser T and its V."""
    from dicert.verify.certify.witness import (
        dual_program_test_distribution,
        duality_value_function,
        exact_test_distribution,
    )

    ch = channel(e)
    phi = PHI if phi is None else phi
    test = exact_test_distribution(dual_program_test_distribution(ch, phi)[0], ch)
    value = duality_value_function(ch, phi, test)
    text = lambda m: [[str(v) for v in row] for row in m]  # noqa: E731
    return {"phi": phi, "test": text(test), "value": text(value)}

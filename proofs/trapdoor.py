"""Feedback capacity of the trapdoor channel: ``C = log2 phi``, ``phi = (1 + sqrt 5)/2``.

Source: Permuter, Cuff, Van Roy & Weissman (2008) [Permuter2008Trapdoor, Thm 1];
Q-graph bounds: Sabag et al. [sabag2017single, sabag2019graph]; monograph
Thm 4.4.2-4.4.4 and Thm 4.5.2.

The channel (a unifilar FSC, Def. 4.2.3): the state ``s`` is the ball in the
box; the input ball ``x`` is added, one of the two balls leaves uniformly at
random as the output ``y``, and the remaining ball is the new state:
``f(s, x, y) = s + x - y``.

Checks:

- ``root_unique``: ``phi`` is the only root of ``x^2 - x - 1`` in ``[1, 2]``;
- ``value_interval``: ``log2 phi`` to any number of digits;
- ``qgraph_duality_upper_bound``: the best 3-node Q-graph
  ``phi3 = [[0,1],[0,2],[1,2]]`` with test distribution
  ``T(0|q) = (r, 1/2, 1-r)``, ``r ~ 1/phi`` rational, and a value function
  solving (4.54), gives a rigorous upper bound (Thm 4.5.2);
- ``qgraph_bcjr_lower_bound``: no BCJR-invariant input on any 3-node graph
  reaches ``log2 phi`` (the best invariant rate found on the graph above is
  about 0.616), so the lower bound uses the 4-node refinement
  ``[[0,1],[0,2],[3,2],[0,2]]`` (node 3 a copy of node 1) with the invariant
  input ``P(x=0|s,q)``: ``s=0: (r, 1, 1, r)``, ``s=1: (0, 1-r, 1-r, 0)``,
  exactly invariant for every rational ``r``;
- ``closed_form_between_bounds``: ``lower <= log2 phi <= upper``.

Proven vs cited: the checker proves ``C_fb in [lower, upper]`` from the
channel (width about 4e-41, so about 40 digits); ``C_fb = log2 phi`` is
cited (Permuter et al., Thm 1), and its value is proven to any number of digits.

Examples
--------
>>> from dicert.proofs.trapdoor import build
>>> cert = build(digits=25)
>>> cert.verified, cert.interval.lo[:12]
(True, '0.6942419136')
"""

from __future__ import annotations

from fractions import Fraction

from dicert.proofs.closed_form import issue_certificate, stored_witness
from dicert.verify.certify.certificate import Certificate
from dicert.verify.certify.checker.results import spec, trapdoor_channel
from dicert.verify.certify.intervals import arb_lower_fmpq, arb_upper_fmpq, decimal_ceil, decimal_floor
from dicert.verify.certify.roots import isolate_root

__all__ = ["NAME", "CHANNEL", "PHI_UPPER", "PHI_LOWER", "build", "trapdoor_witness", "lower_policy"]

NAME = "trapdoor"
_SPEC = spec(NAME, {})
TITLE, SOURCE, CLAIM, LATEX_CLAIM = _SPEC.title, _SPEC.source, _SPEC.claim, _SPEC.latex_claim
DESCRIPTION = "trapdoor channel: log2 of the golden ratio, with Q-graph bounds"
DEFAULTS: dict = {}
INSTANCES: tuple = ({},)
CHECK_KINDS: dict = {}

#: The registered channel (the checker's registry is the single source).
CHANNEL = trapdoor_channel()

#: Best 3-node Q-graph (upper bound) and its 4-node refinement (lower bound).
PHI_UPPER = [[0, 1], [0, 2], [1, 2]]
PHI_LOWER = [[0, 1], [0, 2], [3, 2], [0, 2]]
#: Node map of the refinement onto the 3-node graph (a graph homomorphism).
NODE_MAP = [0, 1, 2, 1]


def lower_policy(r: Fraction) -> list:
    """The BCJR-invariant input ``P(x|s,q)`` on :data:`PHI_LOWER` for parameter ``r`` (optimal at ``r = 1/phi``).

    Examples
    --------
    >>> lower_policy(Fraction(1, 2))[1][1]
    [Fraction(1, 2), Fraction(1, 2)]
    """
    one, zero = Fraction(1), Fraction(0)
    return [
        [[r, 1 - r], [one, zero], [one, zero], [r, 1 - r]],
        [[zero, one], [1 - r, r], [1 - r, r], [zero, one]],
    ]


def trapdoor_witness(digits: int = 40) -> dict:
    """Regenerate the stored exact witness (needs numpy and mpmath).

    ``T`` is the exact output law ``P(y|q)`` of the invariant input, moved to
    the 3-node graph along :data:`NODE_MAP` (nodes 1 and 3 have the same
    output law); ``V`` solves (4.54) for that ``T``.

    Examples
    --------
    >>> w = trapdoor_witness(20)
    >>> w["upper"]["test"][1]
    ['1/2', '1/2']
    """
    from dicert.verify.certify.duality_check import certified_duality_upper_bound
    from dicert.verify.certify.rate_check import bcjr_lower_bound
    from dicert.verify.certify.witness import duality_value_function

    root = isolate_root(["-1", "1", "1"], 0, 1).refine(digits)  # 1/phi: x^2 + x - 1
    lo = Fraction(int(root.lo.p), int(root.lo.q))
    r = Fraction(round(lo * 10**digits), 10**digits)
    policy = lower_policy(r)
    lb = bcjr_lower_bound(CHANNEL, PHI_LOWER, policy, digits + 10)
    if not lb.invariant or lb.lower is None:  # pragma: no cover - the family is invariant for every r
        raise ValueError(lb.evidence)
    pi = [[Fraction(int(v.p), int(v.q)) for v in row] for row in lb.stationary]
    law = [[[Fraction(p) for p in row] for row in block] for block in CHANNEL["law"]]
    test: list = [None] * len(PHI_UPPER)
    for q4, q3 in enumerate(NODE_MAP):
        pq = pi[0][q4] + pi[1][q4]
        out = [sum(pi[s][q4] * policy[s][q4][x] * law[s][x][y] for s in range(2) for x in range(2)) / pq
               for y in range(2)]
        if test[q3] is not None and test[q3] != out:  # pragma: no cover - checked by the tests
            raise ValueError("merged nodes have different output laws")
        test[q3] = out
    value = duality_value_function(CHANNEL, PHI_UPPER, test)
    ub = certified_duality_upper_bound(CHANNEL, PHI_UPPER, test, value, digits + 10)
    text = lambda m: [[str(v) for v in row] for row in m]  # noqa: E731
    return {
        "result": NAME,
        "graph_note": "upper: best 3-node Q-graph; lower: its 4-node refinement (node 3 copies node 1)",
        "channel": CHANNEL,
        "upper": {"phi": PHI_UPPER, "test": text(test), "value": text(value),
                  "upper": decimal_ceil(arb_upper_fmpq(ub.upper), digits)},
        "lower": {"phi": PHI_LOWER, "policy": [text(block) for block in policy],
                  "lower": decimal_floor(arb_lower_fmpq(lb.lower), digits)},
    }


def build(digits: int = 30, extended: bool = False) -> Certificate:
    """Certificate for ``C_fb(trapdoor)``: proven Q-graph bracket, cited closed form ``log2 phi``.

    Examples
    --------
    >>> build(digits=10).value
    '0.6942419136'
    """
    return issue_certificate(NAME, {}, digits, stored_witness(NAME))

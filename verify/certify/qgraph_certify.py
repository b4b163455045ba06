"""Certify the Q-graph bounds of any unifilar channel: solver floats in, rigorous decimals out.

:func:`certify_qgraph_bounds` runs the numerical Q-graph program
(:func:`dicert.verify.capacity.qgraph_bounds.qgraph_upper_bound`, Thm 4.4.2-4.4.3)
unless a solution is passed, then

- upper bound: a test distribution ``T`` -- by default the minimiser of the
  dual bound (:func:`.witness.dual_program_test_distribution`), or with
  ``test="solver"`` the solver's optimal output law ``P(y|q)`` -- is
  rationalised, the duality MDP is solved for a value function ``V``
  (:mod:`.witness`) and ``rho_cert`` is evaluated rigorously
  (:mod:`.duality_check`, Thm 4.5.2).  The bound is *always* valid; its
  distance to the optimum reflects the accuracy of ``T`` (first order,
  because the duality MDP has ties at the optimum);
- lower bound: rationalises the solver's input policy and proves exact BCJR
  invariance and the rate (:mod:`.rate_check`, Thm 4.4.4).  A float policy is
  rarely *exactly* invariant after rounding; the lower bound is then absent
  and the reason is given.

The returned witness has the layout of the stored witness files, so it can be
re-verified later with the ``duality_upper_bound`` and ``bcjr_lower_bound``
check kinds.

Examples
--------
>>> from dicert.verify.certify.qgraph_certify import certify_qgraph_bounds
>>> from dicert.verify.channels import parse_channel
>>> res = certify_qgraph_bounds(parse_channel("trapdoor"), [[0, 1], [0, 2], [1, 2]])
>>> 0.69424 < float(res.upper) < 0.6944
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dicert.verify.certify.duality_check import as_exact_channel, certified_duality_upper_bound
from dicert.verify.certify.exact_inputs import exact_graph, nested_to_str
from dicert.verify.certify.intervals import (
    arb_lower_fmpq,
    arb_upper_fmpq,
    decimal_ceil,
    decimal_floor,
    working_precision,
)
from dicert.verify.certify.rate_check import bcjr_lower_bound
from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.witness import (
    dual_program_test_distribution,
    duality_value_function,
    exact_policy,
    exact_test_distribution,
)

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import Channel, ExactChannelSource

__all__ = ["CertifiedQGraphBounds", "certify_qgraph_bounds"]


@dataclass(frozen=True)
class CertifiedQGraphBounds:
    """Rigorous Q-graph bounds with their exact witness.

    Attributes
    ----------
    upper : str
        Proven upper bound on the feedback capacity (decimal, rounded up).
    lower : str or None
        Proven lower bound (decimal, rounded down), None when no exactly
        invariant input was obtained.
    solver_upper, solver_lower : float or None
        The solver's estimates, for comparison.
    witness : dict
        ``{"channel", "upper": {"phi", "test", "value", "upper"}, "lower": {...}}`` with exact strings.
    evidence : list of str
    """

    upper: str
    lower: str | None
    solver_upper: float
    solver_lower: float | None
    witness: dict = field(repr=False)
    evidence: list = field(default_factory=list)



def solver_upper_estimate(solution: Any) -> float:
    """The solver's optimum of program (4.40) carried by ``solution``: ``upper_estimate`` (a
    :class:`~dicert.verify.capacity.results.QGraphBound`), else ``upper`` (plain records).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> solver_upper_estimate(SimpleNamespace(upper_estimate=0.5, upper=0.5000001))
    0.5
    >>> solver_upper_estimate(SimpleNamespace(upper=0.25))
    0.25
    """
    value = getattr(solution, "upper_estimate", None)
    return float(solution.upper if value is None else value)

def certify_qgraph_bounds(
    channel: ExactChannelSource,
    graph: Any,
    *,
    solution: Any = None,
    digits: int = 30,
    policy_denominator: int = 10**12,
    test: str = "dual",
) -> CertifiedQGraphBounds:
    """Turn a numerical Q-graph solution into rigorous upper (and, if possible, lower) bounds.

    Parameters
    ----------
    channel : UnifilarFSC or any object with ``law``, ``next_state``, ``allowed``
        Its law must be exact in decimal (e.g. ``0.5``, ``0.1``).
    graph : QGraph or array-like ``phi[q, y]``
    solution : QGraphBound, optional
        A solver result (``output_law``, ``policy``, ``upper``, ``lower``); computed when omitted.
    digits : int
        Decimal places of the reported bounds.
    policy_denominator : int
        Largest denominator when rationalising the policy.
    test : {"dual", "solver"}
        Source of the test distribution (see module docstring).

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> res = certify_qgraph_bounds(parse_channel("bsc:p=0.25"), [[0, 0]])   # memoryless: any input is invariant
    >>> res.lower is not None and 0 < float(res.upper) - float(res.lower) < 1e-4
    True
    """
    exact = as_exact_channel(channel)
    phi = exact_graph(graph, outputs=exact.shape[2])
    if solution is None:
        from dicert.graphs import QGraph
        from dicert.verify.capacity.qgraph_bounds import qgraph_upper_bound

        # a dict has no channel attributes: the solver reads its exact law as floats
        solution = qgraph_upper_bound(exact if isinstance(channel, dict) else channel, QGraph([list(row) for row in phi]))
    if test not in ("dual", "solver"):
        raise InvalidInput(f"test: expected 'dual' or 'solver', got {test!r}")
    source = solution.output_law if test == "solver" else dual_program_test_distribution(exact, phi)[0]
    test_exact = exact_test_distribution(source, exact)
    value = duality_value_function(exact, phi, test_exact)
    evidence = []
    with working_precision(digits=digits + 20):
        ub = certified_duality_upper_bound(exact, phi, test_exact, value, digits + 20)
        upper = decimal_ceil(arb_upper_fmpq(ub.upper), digits)
    label = "the solver's P(y|q)" if test == "solver" else "the dual-program minimiser"
    evidence.append(f"duality bound (Thm 4.5.2) with {label} as T: rho_cert <= {upper}")
    policy = exact_policy(solution.policy, policy_denominator)
    lb = bcjr_lower_bound(exact, phi, policy, digits + 20)
    lower = None
    if lb.invariant and lb.lower is not None:
        lower = decimal_floor(arb_lower_fmpq(lb.lower), digits)
        evidence.append(f"BCJR-invariant rationalised input (Thm 4.4.4): rate >= {lower}")
    else:
        evidence.append(f"no rigorous lower bound: rationalised solver policy {lb.evidence}")
    graph_rows = [list(row) for row in phi]
    witness = {
        "channel": exact.to_json(),
        "upper": {"phi": graph_rows, "test": nested_to_str(test_exact), "value": nested_to_str(value), "upper": upper},
        "lower": {"phi": graph_rows, "policy": nested_to_str(policy), "lower": lower},
    }
    return CertifiedQGraphBounds(
        upper, lower, solver_upper_estimate(solution), None if solution.lower is None else float(solution.lower), witness, evidence
    )


def bracket_certificate(channel: ExactChannelSource, graph: Any, *, solution: Any = None, digits: int = 20, test: str = "dual"):
    """A re-checkable ``qgraph_bracket`` certificate (schema v2) for any unifilar channel.

    The witness of :func:`certify_qgraph_bounds` (its lower section only when
    the rationalised input is exactly BCJR-invariant) is handed to the
    independent checker (:func:`dicert.verify.certify.checker.core.issue`),
    which computes the proven ``[lower, upper]``; the certificate records the
    channel's exact law, its fingerprint and where its rationals came from
    (``exact_from``: a channel file's text or the binary value of floats).

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> cert = bracket_certificate(parse_channel("bsc:p=0.25"), [[0, 0]], digits=8)
    >>> cert.verified, cert.data["channel"]["exact_from"], cert.proven["digits"]
    (True, 'binary-float', 8)
    """
    from dicert.verify.certify.certificate import Certificate
    from dicert.verify.certify.checker.core import issue

    exact = as_exact_channel(channel)
    res = certify_qgraph_bounds(exact if solution is not None else channel, graph, solution=solution,
                                digits=digits, test=test)
    witness = {"upper": {k: res.witness["upper"][k] for k in ("phi", "test", "value")}}
    if res.lower is not None:
        witness["lower"] = {k: res.witness["lower"][k] for k in ("phi", "policy")}
    return Certificate(issue("qgraph_bracket", {}, digits, witness, channel=exact.to_json(), exact_from=exact.origin))


def valid_upper_bound(channel: ExactChannelSource, graph: Any, output_law: Any, decimals: int = 12) -> str | None:
    """A valid upper bound from a solver's output law: the duality bound (Thm 4.5.2) at ``T = P(y|q)``.

    ``T`` is rationalised (outputs the channel can emit stay positive), ``V``
    comes from value iteration of the duality MDP, and ``rho`` is evaluated with
    Arb and rounded *up* to ``decimals`` places, so the result is a proven
    upper bound on the feedback capacity whatever the solver's accuracy.
    Returns None when no exact channel or value function is available.

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> valid_upper_bound(parse_channel("bsc:p=0.25"), [[0, 0]], [[0.5, 0.5]], 6)
    '0.188722'
    """
    from dicert.graphs.errors import DicertError

    try:
        exact = as_exact_channel(channel)
        phi = exact_graph(graph, outputs=exact.shape[2])
        test_exact = exact_test_distribution(output_law, exact)
        value = duality_value_function(exact, phi, test_exact)
        with working_precision(digits=decimals + 20):
            ub = certified_duality_upper_bound(exact, phi, test_exact, value, decimals + 20)
            return decimal_ceil(arb_upper_fmpq(ub.upper), decimals)
    except DicertError:
        return None

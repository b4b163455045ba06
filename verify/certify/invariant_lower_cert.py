"""A certified lower bound for any unifilar FSC on any Q-graph (Thm 4.4.4), from numerical inputs.

Pipeline (method (a) of issue 12):

1. numerical invariant inputs: :func:`dicert.verify.capacity.invariant_lower.invariant_candidates`
   (from the Q-graph program's maximiser and other starts: as they are, pushed
   by a linear program to actions at least ``margin``, or locally optimised by
   SLSQP over the node beliefs);
2. exact rational invariant policy: :func:`.invariant_witness.exact_invariant_policy`
   (rational beliefs, the then-linear equations (4.43) solved exactly);
3. proof: :func:`.rate_check.bcjr_lower_bound` re-derives, from the exact
   channel and the policy alone, the unique stationary law, the exact
   invariance and an Arb ball for ``I(X,S;Y|Q)``; its lower end, rounded down,
   is the certified lower bound.

Any input passing step 3 gives a valid bound; the search only affects how
close it is to the optimum.

Examples
--------
>>> from dicert.verify.channels import parse_channel
>>> from dicert.verify.certify.invariant_lower_cert import certified_invariant_lower
>>> res = certified_invariant_lower(parse_channel("post:a=0.1"), [[0, 1], [0, 1]], random_starts=0)
>>> res.lower[:12]       # the POST(0.1) capacity is 0.76284825198...
'0.7628482519'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from dicert.verify.certify.duality_check import as_exact_channel
from dicert.verify.certify.exact_inputs import exact_graph, nested_to_str
from dicert.verify.certify.intervals import arb_lower_fmpq, decimal_floor, working_precision
from dicert.verify.certify.invariant_witness import exact_invariant_policy
from dicert.verify.certify.rate_check import bcjr_lower_bound
from dicert.verify.certify.qgraph_certify import solver_upper_estimate

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import Channel, ExactChannelSource

__all__ = ["CertifiedLower", "certified_invariant_lower", "certify_policy_lower", "certified_bracket",
           "certified_discovery_bracket"]



@dataclass(frozen=True)
class CertifiedLower:
    """A proven lower bound on ``C_fb`` with its exact witness.

    Attributes
    ----------
    lower : str or None
        Proven lower bound (decimal, rounded down); None when no input was certified.
    lower_estimate : float or None
        The solver's rate for the input that was certified (an estimate).
    phi : list
    policy : list or None
        Exact ``P(x|s,q)`` strings, shape ``(S, Q, X)``.
    evidence : list of str
    """

    lower: str | None
    lower_estimate: float | None
    phi: list
    policy: list | None = field(repr=False)
    evidence: list = field(default_factory=list)

    def witness(self) -> dict:
        """The ``bcjr_lower_bound`` witness layout ``{"phi", "policy", "lower"}``."""
        return {"phi": self.phi, "policy": self.policy, "lower": self.lower}


def certify_policy_lower(channel: ExactChannelSource, phi: Any, beliefs: Any, policy: Any, *, digits: int = 30,
                         zero_tol: float = 1e-9) -> tuple[str | None, list | None, str]:
    """Steps 2-3 for one numerical ``(beliefs, policy)``: ``(lower, exact policy strings, evidence)``.

    Examples
    --------
    >>> bsc = dict(law=[[["3/4", "1/4"], ["1/4", "3/4"]]], next_state=[[[0, 0], [0, 0]]])
    >>> lower, policy, _ = certify_policy_lower(bsc, [[0, 0]], [[1.0]], [[[0.5, 0.5]]], digits=10)
    >>> lower, policy
    ('0.1887218755', [[['1/2', '1/2']]])
    """
    exact = as_exact_channel(channel)
    graph = exact_graph(phi, outputs=exact.shape[2])
    sol = exact_invariant_policy(exact, graph, beliefs, policy, zero_tol=zero_tol)
    if not sol.ok:
        return None, None, sol.evidence
    lb = bcjr_lower_bound(exact, graph, sol.policy, digits + 20)
    if not lb.invariant or lb.lower is None:  # pragma: no cover - the construction solves (4.43) exactly
        return None, None, f"exact policy rejected by the BCJR check: {lb.evidence}"
    with working_precision(digits=digits + 20):
        lower = decimal_floor(arb_lower_fmpq(lb.lower), digits)
    return lower, nested_to_str(sol.policy), f"{sol.evidence}; {lb.evidence}"


def certified_invariant_lower(
    channel: Channel,
    graph: Any,
    *,
    starts: list | None = None,
    random_starts: int = 2,
    margin: float = 1e-12,
    digits: int = 30,
    rng: Any = 0,
    solution: Any = None,
    target: float | None = None,
    tries: int = 4,
    exact: Any = None,
) -> CertifiedLower:
    """Best certified BCJR-invariant lower bound found on ``graph`` (module docstring).

    Parameters
    ----------
    channel : unifilar channel object
    graph : QGraph or ``phi`` array
    starts : list of ``(label, beliefs, policy)``, optional
        Extra starting points (e.g. a discovery's refined input).
    random_starts : int
        Dirichlet-random starts (used only in the optimising round).
    margin : float
        Minimum action entry of pushed and optimised candidates.
    digits : int
        Decimal places of the reported bound.
    rng : seed or Generator
    solution : QGraphBound, optional
        The Q-graph program's solution on ``graph`` (solved when omitted).
    target : float, optional
        An upper-bound estimate: the search stops as soon as a certified bound
        is within ``1e-11`` of it; otherwise a second, optimising round runs.
    tries : int
        How many candidates (best estimate first) per round go to the exact stage.
    exact : exact channel, optional
        The exact channel the bound is proven for (default: ``channel``'s exact view);
        ``channel`` is then only the float view the search runs on.

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> res = certified_invariant_lower(parse_channel("bsc:p=0.25"), [[0, 0]], random_starts=0, digits=8)
    >>> res.lower
    '0.18872187'
    """
    from dicert.verify.capacity.invariant_lower import invariant_candidates
    from dicert.verify.capacity.qgraph_bounds import as_qgraph, qgraph_upper_bound, unifilar_arrays

    arrays = unifilar_arrays(channel)
    g = as_qgraph(graph, outputs=int(arrays.law.shape[2]))
    phi = g.phi.tolist()
    if solution is None:
        solution = qgraph_upper_bound(arrays, g)
    if target is None:
        target = solver_upper_estimate(solution)
    best: tuple[Any, ...] | None = None
    evidence: list[str] = []
    for optimise in (False, True):
        cands = invariant_candidates(arrays, g, starts=starts, random_starts=random_starts if optimise else 0,
                                     margin=margin, rng=rng, solution=solution, optimise=optimise)
        if optimise:
            cands = [c for c in cands if c.start.endswith(":optimised")]
        cands.sort(key=lambda c: -c.rate_estimate)
        if not cands:
            evidence.append(f"{'optimising' if optimise else 'first'} round: no numerically invariant input")
        best = _certify_round(channel if exact is None else exact, phi, cands[:tries], best, evidence, digits, margin)
        if best is not None and target - float(best[0]) <= 1e-11:
            break
    if best is None:
        return CertifiedLower(None, None, phi, None, evidence)
    lower, estimate, policy, why = best
    return CertifiedLower(lower, float(estimate), phi, policy, evidence + [why])


def _certify_round(exact: Any, phi: list, cands: list, best: tuple | None, evidence: list, digits: int,
                   margin: float) -> tuple | None:
    """Send candidates (best estimate first) to the exact stage; the best certified ``(lower, estimate, policy, why)``."""
    for cand in cands:
        if best is not None and cand.rate_estimate <= float(best[0]):
            break
        lower, policy, why = certify_policy_lower(exact, phi, cand.beliefs, cand.policy, digits=digits,
                                                  zero_tol=1e-9 if cand.start.endswith(":as_is") else margin / 4)
        if lower is None:
            evidence.append(f"start {cand.start}: {why}")
            continue
        if best is None or float(lower) > float(best[0]):
            best = (lower, cand.rate_estimate, policy, f"start {cand.start}: certified {lower}; {why}")
    return best


def lift_unreachable_values(channel: ExactChannelSource, phi: Any, test: Any, value: Any, rho: float) -> list:
    """Raise ``V(s,q)`` at pairs no edge leads to, so they cannot set the duality bound (Thm 4.5.2).

    The bound is ``max_(s,q,x) [g(s,q,x) + sum_y P(y|x,s) V(f(s,x,y), phi(q,y)) - V(s,q)]``
    over *all* pairs; a pair ``(s,q)`` that is the successor of no allowed
    ``(s0,q0,x,y)`` with ``P(y|x,s0) > 0`` appears in no other term, so setting
    ``V(s,q) = max_x [g + E V] - rho`` keeps every other term and brings its own to
    ``rho``.  (Any ``V`` is valid; the checker evaluates the bound rigorously.)
    Returns the value function as exact strings.

    Examples
    --------
    >>> ch = dict(law=[[["1", "0"], ["0", "1"]], [["1", "0"], ["0", "1"]]], next_state=[[[0, 0], [1, 1]]] * 2,
    ...           allowed=[[True, True], [True, False]])
    >>> lift_unreachable_values(ch, [[0, 1], [0, 0]], [["3/5", "2/5"], ["1/2", "1/2"]], [[0, 0], [0, 0]], 0.7)
    [['0', '300000000001/1000000000000'], ['0', '0']]
    """
    import math

    from dicert.verify.certify.intervals import fmpq_to_str, to_fmpq

    ch = as_exact_channel(channel)
    S, X, Y = ch.shape
    graph = exact_graph(phi, outputs=Y)
    Q = len(graph)
    T = [[float(to_fmpq(t)) for t in row] for row in test]
    V = [[to_fmpq(v) for v in row] for row in value]
    reached = set()
    for s in range(S):
        for q in range(Q):
            for x in range(X):
                if ch.allowed[s][x]:
                    for y in range(Y):
                        if ch.law[s][x][y] != 0:
                            reached.add((ch.next_state[s][x][y], graph[q][y]))
    for s in range(S):
        for q in range(Q):
            if (s, q) in reached:
                continue
            best = -math.inf
            for x in range(X):
                if not ch.allowed[s][x]:
                    continue
                total = 0.0
                for y in range(Y):
                    p = float(ch.law[s][x][y])
                    if p > 0:
                        total += p * (math.log2(p / T[q][y]) + float(V[ch.next_state[s][x][y]][graph[q][y]]))
                best = max(best, total)
            if math.isfinite(best) and best - rho > float(V[s][q]):
                from fractions import Fraction

                f = Fraction(best - rho).limit_denominator(10**15) + Fraction(1, 10**12)
                V[s][q] = to_fmpq(f"{f.numerator}/{f.denominator}")
    return [[fmpq_to_str(v) for v in row] for row in V]


def certified_bracket(
    channel: Channel,
    graph: Any,
    *,
    solution: Any = None,
    starts: list | None = None,
    digits: int = 20,
    lower_graph: Any = None,
    random_starts: int = 2,
):
    """A ``qgraph_bracket`` certificate whose lower bound comes from :func:`certified_invariant_lower`.

    The upper witness is that of
    :func:`dicert.verify.certify.qgraph_certify.certify_qgraph_bounds` (duality
    bound, Thm 4.5.2, dual-program test distribution) on ``graph``; the lower
    witness is the exact invariant input found on ``lower_graph`` (default
    ``graph``); the independent checker
    (:func:`dicert.verify.certify.checker.core.issue`) proves both sides.

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> cert, _ = certified_bracket(parse_channel("post:a=0.1"), [[0, 1], [0, 1]], digits=12)
    >>> cert.verified, cert.lower, cert.upper
    (True, '0.7628482519849', '0.7628482520240')
    """
    from dicert.verify.certify.certificate import Certificate
    from dicert.verify.certify.checker.core import issue
    from dicert.verify.certify.qgraph_certify import certify_qgraph_bounds
    from dicert.verify.capacity.qgraph_bounds import as_qgraph, qgraph_upper_bound, unifilar_arrays

    exact = as_exact_channel(channel)
    arrays = unifilar_arrays(channel)
    g = as_qgraph(graph, outputs=int(arrays.law.shape[2]))
    if solution is None:
        solution = qgraph_upper_bound(arrays, g)
    res = certify_qgraph_bounds(exact, g, solution=solution, digits=digits)
    if float(res.upper) > solver_upper_estimate(solution) + 1e-6:  # the dual program can fail (e.g. an output never emitted)
        solver_test = certify_qgraph_bounds(exact, g, solution=solution, digits=digits, test="solver")
        if float(solver_test.upper) < float(res.upper):
            res = solver_test
    witness: dict = {"upper": {k: res.witness["upper"][k] for k in ("phi", "test", "value")}}
    witness["upper"]["value"] = lift_unreachable_values(exact, witness["upper"]["phi"], witness["upper"]["test"],
                                                        witness["upper"]["value"], solver_upper_estimate(solution))
    lg = g if lower_graph is None else as_qgraph(lower_graph, outputs=int(arrays.law.shape[2]))
    lb = certified_invariant_lower(channel, lg, starts=starts, digits=digits + 10, random_starts=random_starts,
                                   solution=solution if lower_graph is None else None,
                                   target=float(res.upper))
    if lb.lower is not None and lower_graph is None:
        # At an invariant optimum its output law P(y|q) is the dual optimum T (sec. 4.5): try it as T too.
        from types import SimpleNamespace

        import numpy as np

        from dicert.verify.capacity.qgraph_bounds import evaluate_policy
        from dicert.verify.certify.intervals import to_fmpq

        policy = np.array([[[float(to_fmpq(v)) for v in row] for row in node] for node in cast(list, lb.policy)])
        try:
            out = evaluate_policy(arrays, g, policy).output_law
            alt = certify_qgraph_bounds(exact, g, solution=SimpleNamespace(output_law=out, policy=policy,
                                        upper_estimate=solver_upper_estimate(solution), lower=None), digits=digits, test="solver")
        except Exception:  # noqa: BLE001 - an alternative test distribution is optional
            alt = None
        if alt is not None and float(alt.upper) < float(res.upper):
            res = alt
            witness["upper"] = {k: res.witness["upper"][k] for k in ("phi", "test", "value")}
            witness["upper"]["value"] = lift_unreachable_values(exact, witness["upper"]["phi"],
                                                                witness["upper"]["test"], witness["upper"]["value"],
                                                                solver_upper_estimate(solution))
    if lb.lower is not None and (res.lower is None or float(lb.lower) >= float(res.lower)):
        witness["lower"] = {"phi": lb.phi, "policy": lb.policy}
    elif res.lower is not None:
        witness["lower"] = {k: res.witness["lower"][k] for k in ("phi", "policy")}
    else:  # no exactly invariant input: finite-block output entropies, a checker kind too (method (c))
        block = _best_block_witness(channel, g, [solution.policy] + [s[2] for s in (starts or [])][:1])
        if block is not None:
            witness["lower"] = block
    cert = Certificate(issue("qgraph_bracket", {}, digits, witness, channel=exact.to_json(), exact_from=exact.origin))
    return cert, lb


def _best_block_witness(channel: Channel, graph: Any, policies: list, max_leaves: int = 20000) -> dict | None:
    """The ``{"phi", "policy", "k"}`` lower witness (block-entropy kind) of the best rationalised policy, or None."""
    from dicert.graphs.errors import DicertError
    from dicert.verify.certify.block_entropy import block_entropy_lower, block_witness
    from dicert.verify.certify.witness import exact_policy

    best = None
    for policy in policies:
        if policy is None:
            continue
        try:
            w = block_witness(channel, graph.phi.tolist(), exact_policy(policy, 10**12), max_leaves)
            value = float(block_entropy_lower(channel, w["phi"], w["policy"], w["k"]).lower_decimal(15))
        except (DicertError, ValueError):
            continue
        if best is None or value > best[0]:
            best = (value, w)
    return None if best is None else best[1]


def certified_discovery_bracket(channel: Channel, graph: Any, lower_policy: Any = None, *, digits: int = 20):
    """The certified bracket of a discovered Q-graph: :func:`certified_bracket` seeded with the discovery's input.

    The one pipeline behind ``dicert discover --certify`` and ``dicert sweep
    --certify``: the discovery's numerical input (when it has one) is the first
    start of the invariant-input search (a start that cannot be evaluated is
    skipped), the Q-graph program (Thm 4.4.3) on ``graph`` supplies the upper
    witness, and :func:`certified_bracket` issues the certificate.

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> cert, _ = certified_discovery_bracket(parse_channel("post:a=0.1"), [[0, 1], [0, 1]], digits=12)
    >>> cert.verified, cert.lower, cert.upper
    (True, '0.7628482519849', '0.7628482520240')
    """
    from dicert.verify.capacity.invariant_lower import beliefs_of_policy
    from dicert.verify.capacity.qgraph_bounds import qgraph_upper_bound

    starts = []
    if lower_policy is not None:
        try:
            starts.append(("discovery", beliefs_of_policy(channel, graph, lower_policy), lower_policy))
        except Exception:  # noqa: BLE001 - a start that cannot be evaluated is only skipped
            pass
    solution = qgraph_upper_bound(channel, graph)
    return certified_bracket(channel, graph, solution=solution, starts=starts, digits=digits)

"""Rigorous duality upper bound on feedback capacity from any (Q-graph, T, V) (Thm 4.5.2).

Fix a Q-graph ``phi``, a graph-based test distribution ``T(y|q)`` (4.51) and
*any* real function ``V(s, q)``.  With the reward (4.52)
``g(s, q, x) = D(P(.|x, s) || T(.|q))`` define the Bellman operator of the
duality MDP (Table 4.2)

    (T_V)(s, q) = max_{allowed x} [ g(s, q, x) + sum_y P(y|x,s) V(f(s,x,y), phi(q,y)) ]

and ``rho_cert = max_{s,q} [(T_V)(s, q) - V(s, q)]``.

Why ``rho_cert`` is an upper bound on feedback capacity: for every state and
every action ``g(s,q,x) + E[V(S',Q') | s,q,x] <= rho_cert + V(s,q)``.  Summing
this along any (history-dependent) policy for ``n`` steps telescopes to
``E[sum_t g] <= n rho_cert + V(s0,q0) - E V(S_n,Q_n) <= n rho_cert + 2 max|V|``,
so the average reward (4.53) of every policy is at most ``rho_cert``; by
Thms 4.5.2-4.5.3 the feedback capacity is at most that average reward.
No optimality of ``V`` or ``T`` is needed: a poor witness gives a weaker, but
still valid, bound.  Equality (4.55) holds when ``V`` solves the Bellman
equation, and then ``rho_cert`` equals the MDP value.

All sums are evaluated with Arb balls from exact rational inputs; the
returned ``upper`` ball contains the exact ``rho_cert`` of the given witness.

Examples
--------
>>> from dicert.verify.certify.duality_check import certified_duality_upper_bound
>>> ising = dict(law=[[[1, 0], ["1/2", "1/2"]], [["1/2", "1/2"], [0, 1]]],
...              next_state=[[[0, 0], [1, 1]], [[0, 0], [1, 1]]])
>>> bound = certified_duality_upper_bound(ising, phi=[[0, 0]], test=[["1/2", "1/2"]], value=[[0], [0]])
>>> bound.upper.contains(1)        # memoryless test distribution: rho = 1 bit
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flint import arb

from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.exact_inputs import ExactUnifilar, exact_graph, exact_matrix, exact_stochastic
from dicert.verify.certify.intervals import plogp_ratio, working_precision

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import ExactChannelSource

__all__ = ["DualityCertificateBound", "certified_duality_upper_bound", "as_exact_channel"]


def as_exact_channel(channel: ExactChannelSource) -> ExactUnifilar:
    """Accept an ``ExactUnifilar``, a channel object, or a dict with ``law``/``next_state``/``allowed``.

    Examples
    --------
    >>> as_exact_channel({"law": [[["1/2", "1/2"]]], "next_state": [[[0, 0]]]}).shape
    (1, 1, 2)
    """
    if isinstance(channel, dict):
        return ExactUnifilar.from_arrays(channel["law"], channel["next_state"], channel.get("allowed"))
    return ExactUnifilar.from_channel(channel)


@dataclass(frozen=True)
class DualityCertificateBound:
    """Result of :func:`certified_duality_upper_bound` (was ``DualityBound``; the solver-side
    record of :mod:`dicert.verify.capacity.results` has that name).

    Attributes
    ----------
    upper : arb
        Ball containing ``rho_cert`` (a proven upper bound on feedback capacity).
    residuals : tuple
        ``residuals[s][q]`` balls of ``(T_V)(s,q) - V(s,q)``.
    actions : tuple
        ``actions[s][q]``: an input whose value attains the max (by midpoint).
    spread : arb
        ``rho_cert - min residual``: zero exactly when (4.55) holds with equality everywhere.
    """

    upper: arb
    residuals: tuple
    actions: tuple
    spread: arb


def certified_duality_upper_bound(channel: ExactChannelSource, phi: Any, test: Any, value: Any, digits: int = 30) -> DualityCertificateBound:
    """Evaluate ``rho_cert`` of a (Q-graph, test distribution, value function) witness rigorously.

    Was ``duality_upper_bound`` (the solver of :mod:`dicert.verify.capacity.duality`
    has that name; the old name stays an alias).

    Parameters
    ----------
    channel : ExactUnifilar, channel object or dict
        Unifilar FSC with exact law.
    phi : array-like ``(Q, Y)``
        Q-graph.
    test : array-like ``(Q, Y)``
        Test distribution ``T(y|q)``, exact rationals, rows summing exactly to 1.
    value : array-like ``(S, Q)``
        Value function ``V(s, q)``, exact rationals.
    digits : int
        Working precision in decimal digits.

    Returns
    -------
    DualityCertificateBound

    Raises
    ------
    InvalidInput
        Shapes disagree, a row of ``T`` is not a distribution, or ``T(y|q) = 0``
        where an allowed input puts mass on ``y`` (the bound would be infinite).

    Examples
    --------
    >>> bec = dict(law=[[["1/2", "1/2"], ["1/2", "1/2"]]], next_state=[[[0, 0], [0, 0]]])
    >>> certified_duality_upper_bound(bec, [[0, 0]], [["1/2", "1/2"]], [[0]]).upper.contains(0)
    True
    """
    ch = as_exact_channel(channel)
    S, X, Y = ch.shape
    graph = exact_graph(phi, outputs=Y)
    Q = len(graph)
    T = exact_stochastic(test, 2, "test")
    if len(T) != Q or len(T[0]) != Y:
        raise InvalidInput(f"test: expected shape {(Q, Y)} (nodes, outputs), got {(len(T), len(T[0]))}")
    V = exact_matrix(value, 2, "value")
    if len(V) != S or len(V[0]) != Q:
        raise InvalidInput(f"value: expected shape {(S, Q)} (states, nodes), got {(len(V), len(V[0]))}")
    with working_precision(digits=digits):
        T_arb = [[arb(t) for t in row] for row in T]
        V_arb = [[arb(v) for v in row] for row in V]
        residuals, actions = [], []
        best: arb | None = None
        lowest: arb | None = None
        for s in range(S):
            res_row, act_row = [], []
            for q in range(Q):
                cands = []
                for x in range(X):
                    if not ch.allowed[s][x]:
                        continue
                    total = arb(0)
                    for y in range(Y):
                        p = ch.law[s][x][y]
                        if p == 0:
                            continue
                        if T[q][y] == 0:
                            raise InvalidInput(
                                f"test: T(y={y}|q={q}) = 0 but P(y={y}|x={x},s={s}) > 0; the duality bound is infinite"
                            )
                        total += plogp_ratio(p, T_arb[q][y])
                        total += arb(p) * V_arb[ch.next_state[s][x][y]][graph[q][y]]
                    cands.append((x, total))
                top = cands[0][1]
                for _, val in cands[1:]:
                    top = top.max(val)
                arg = max(cands, key=lambda c: float(c[1].mid()))[0]
                r = top - V_arb[s][q]
                res_row.append(r)
                act_row.append(arg)
                best = r if best is None else best.max(r)
                lowest = r if lowest is None else lowest.min(r)
            residuals.append(tuple(res_row))
            actions.append(tuple(act_row))
        if best is None or lowest is None:  # S, Q >= 1 (exact_graph, as_exact_channel): unreachable; fail closed
            raise InvalidInput("channel: no (state, node) pair to bound")
        return DualityCertificateBound(best, tuple(residuals), tuple(actions), best - lowest)

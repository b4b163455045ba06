"""An invariant input on the optimal face of the Q-graph program, by one linear program (Thm 4.4.3/4.4.4).

When the Q-graph upper bound (4.40) is attained by a BCJR-invariant input
(the capacity is achieved on the graph), that input is a point of the
program's optimal face.  On that face the output law ``T(y|q) = P(y|q)`` is
fixed (``sum_q P(q) H(T(.|q))`` is strictly concave in ``T``), hence so are
the node law ``P(q)`` (stationary law of the node chain ``phi`` under ``T``)
and ``P(q, y) = T(y|q) P(q)``.  With these constants the invariance (4.43),
``P(s', q, y) P(q'') = P(q, y) P(s', q'')`` for ``q'' = phi(q, y)``, is
*linear* in the joint ``P(s, q, x)``, and the rate
``sum_q P(q) H(T(.|q)) - H(Y|X,S)`` is linear too.  So::

    max  -sum P(s,q,x) H(Y|x,s)
    s.t. P(s,q,x) >= 0, sum = 1, stationarity (4.39),
         sum_{s,x} P(s,q,x) P(y|x,s) = P(q,y)                         (output law)
         sum_{s,x} P(s,q,x) P(y|x,s) 1{f(s,x,y)=s'} = P(q,y)/P(q'') sum_x P(s',q'',x)   (4.43)

is a linear program; :func:`face_invariant_input` solves it (HiGHS), with
elastic slacks on the equalities whose right-hand sides come from the
interior-point solution (accurate to about ``1e-8``), and returns the joint's
beliefs and policy as a *start* for :mod:`dicert.verify.capacity.invariant_lower`
(the exact stage then re-solves (4.43) for the policy and proves the rate).
It uses only the channel arrays, the graph and the program's output law: no
closed form.  Nothing here is a bound; the result is a numerical start.

Examples
--------
>>> from dicert.verify.channels import parse_channel
>>> from dicert.verify.capacity.qgraph_bounds import qgraph_upper_bound
>>> ch = parse_channel("ising")
>>> sol = qgraph_upper_bound(ch, [[1, 2], [0, 2], [0, 3], [0, 2]])
>>> start = face_invariant_input(ch, [[1, 2], [0, 2], [0, 3], [0, 2]], sol.output_law)
>>> start is not None and start.slack < 1e-7
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from dicert.verify._numeric import entropy_bits, stationary_law

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import UnifilarSource

__all__ = ["FaceInput", "face_invariant_input"]

#: Weight of the elastic slacks against the (bits) objective of the linear program.
SLACK_WEIGHT = 1e3


@dataclass(frozen=True)
class FaceInput:
    """A numerical input from the optimal-face linear program (an estimate, not a bound).

    Attributes
    ----------
    beliefs : ndarray ``(Q, S)``
        ``P(s|q)`` of the joint (uniform on nodes of zero mass).
    policy : ndarray ``(S, Q, X)``
        ``P(x|s,q)`` (uniform over allowed inputs at pairs of zero mass).
    rate_estimate : float
        The linear objective ``sum_q P(q) H(T(.|q)) - H(Y|X,S)`` at the solution (bits).
    slack : float
        Total elastic slack used (0 when the fixed-output-law equations are consistent).
    """

    beliefs: np.ndarray = field(repr=False)
    policy: np.ndarray = field(repr=False)
    rate_estimate: float
    slack: float


def _node_law(phi: np.ndarray, output_law: np.ndarray) -> np.ndarray:
    """Stationary law of the node chain ``q -> phi(q, y)`` w.p. ``T(y|q)``."""
    m = phi.shape[0]
    kernel = np.zeros((m, m))
    np.add.at(kernel, (np.repeat(np.arange(m), phi.shape[1]), phi.reshape(-1)), output_law.reshape(-1))
    return stationary_law(kernel)


def face_invariant_input(channel: UnifilarSource, graph: Any, output_law: Any) -> FaceInput | None:
    """Solve the module's linear program on ``graph`` with the program's output law ``T(y|q)``.

    Parameters
    ----------
    channel : unifilar channel or ``UnifilarArrays``
    graph : QGraph or ``phi`` array
    output_law : array ``(Q, Y)``
        ``T(y|q)`` of the Q-graph program's maximiser (``QGraphBound.output_law``).

    Returns
    -------
    FaceInput or None
        None when the linear program fails.

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> face_invariant_input(parse_channel("bsc:p=0.1"), [[0, 0]], [[0.5, 0.5]]).policy.round(6).tolist()
    [[[0.5, 0.5]]]
    """
    from scipy.optimize import linprog

    from dicert.verify.capacity.qgraph_bounds import as_qgraph, unifilar_arrays

    arrays = unifilar_arrays(channel)
    law, nxt, allowed = arrays.law, arrays.next_state, arrays.allowed
    S, X, Y = law.shape
    g = as_qgraph(graph, outputs=Y)
    phi, m = g.phi, g.m
    T = np.asarray(output_law, dtype=float)
    if T.shape != (m, Y):
        return None
    pq = _node_law(phi, T)
    pqy = T * pq[:, None]
    triples = [(s, q, x) for s in range(S) for q in range(m) for x in range(X) if allowed[s, x]]
    n = len(triples)
    col = {t: i for i, t in enumerate(triples)}
    onehot = np.eye(S)[nxt]  # (S, X, Y, S')
    stat = np.zeros((S * m, n))  # P(s', q') - sum P(s,q,x) P(y|x,s) 1{f=s', phi(q,y)=q'}
    out = np.zeros((m * Y, n))
    inv = np.zeros((m * Y * S, n))
    for (s, q, x), i in col.items():
        stat[s * m + q, i] += 1.0
        for y in range(Y):
            p = law[s, x, y]
            if p == 0:
                continue
            t, q2 = int(nxt[s, x, y]), int(phi[q, y])
            stat[t * m + q2, i] -= p
            out[q * Y + y, i] += p
            inv[(q * Y + y) * S + t, i] += p
    for q in range(m):
        for y in range(Y):
            q2 = int(phi[q, y])
            if pq[q2] <= 0:
                continue
            ratio = pqy[q, y] / pq[q2]
            for (s2, qq, x), i in col.items():
                if qq == q2:
                    inv[(q * Y + y) * S + s2, i] -= ratio
    elastic = np.vstack([out, inv])
    k = elastic.shape[0]
    rhs_el = np.concatenate([pqy.reshape(-1), np.zeros(inv.shape[0])])
    a_eq = np.block([[stat, np.zeros((S * m, 2 * k))], [np.ones((1, n)), np.zeros((1, 2 * k))],
                     [elastic, np.eye(k), -np.eye(k)]])
    b_eq = np.concatenate([np.zeros(S * m), [1.0], rhs_el])
    h = np.array([entropy_bits(law[s, x]) for s, _, x in triples])
    cost = np.concatenate([h, np.full(2 * k, SLACK_WEIGHT)])
    res = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs",
                  options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
    if res.status != 0:
        return None
    joint = np.zeros((S, m, X))
    for (s, q, x), i in col.items():
        joint[s, q, x] = max(res.x[i], 0.0)
    mass_sq = joint.sum(axis=2)
    allowed_f = allowed.astype(float)
    uniform = np.broadcast_to((allowed_f / allowed_f.sum(axis=1, keepdims=True))[:, None, :], joint.shape)
    policy = np.where(mass_sq[..., None] > 0, joint / np.where(mass_sq > 0, mass_sq, 1.0)[..., None], uniform)
    mass_q = mass_sq.sum(axis=0)
    beliefs = np.where(mass_q[None, :] > 0, mass_sq / np.where(mass_q > 0, mass_q, 1.0)[None, :], 1.0 / S).T
    rate = float(pq @ entropy_bits(T) - h @ res.x[:n])
    return FaceInput(beliefs.copy(), policy.copy(), rate, float(res.x[n:].sum()))

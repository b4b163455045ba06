"""Rigorous Q-graph lower bound: an exactly BCJR-invariant input and its rate (Thm 4.4.4).

Given a Q-graph ``phi`` and an input policy ``P(x|s,q)`` with exact rational
entries, this module proves the lower bound ``C_fb >= I(X,S;Y|Q)``:

1. the policy rows are probability vectors (exactly) supported on allowed inputs;
2. the Markov chain (4.36) on ``S x Q`` is built exactly and its stationary
   distribution ``pi`` is solved exactly (``fmpq_mat``); uniqueness is proven
   by ``rank(M^T - I) = |S||Q| - 1``;
3. BCJR invariance (4.43) is checked with *exact equality*: for every
   ``(q, y)`` with ``P(q, y) > 0`` the posterior
   ``P(s'|q, y) = sum_{s,x: f(s,x,y)=s'} pi(s,q) P(x|s,q) P(y|x,s) / P(q,y)``
   equals ``pi(s' | phi(q,y))``;
4. the rate ``I(X,S;Y|Q) = H(Y|Q) - H(Y|X,S)`` is evaluated with Arb from the
   exact joint distribution; the returned ball contains it.

A rationalised *numerical* policy is in general not exactly invariant; the
check then fails (it never rounds an equality).  One-parameter families of
invariant inputs (Ising, trapdoor) stay invariant for every rational value
of the parameter, which is how the stored witnesses are built.

Examples
--------
>>> from dicert.verify.certify.rate_check import bcjr_lower_bound
>>> bsc = dict(law=[[["3/4", "1/4"], ["1/4", "3/4"]]], next_state=[[[0, 0], [0, 0]]])
>>> res = bcjr_lower_bound(bsc, phi=[[0, 0]], policy=[[["1/2", "1/2"]]])
>>> res.invariant, float(res.lower.mid()) > 0.18
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flint import arb, fmpq, fmpq_mat

from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.duality_check import as_exact_channel
from dicert.verify.certify.exact_inputs import exact_graph, exact_stochastic
from dicert.verify.certify.intervals import fmpq_to_str, log2, working_precision

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import ExactChannelSource

__all__ = ["InvariantRate", "stationary_distribution", "bcjr_lower_bound"]


@dataclass(frozen=True)
class InvariantRate:
    """Result of :func:`bcjr_lower_bound`.

    Attributes
    ----------
    lower : arb or None
        Ball containing ``I(X,S;Y|Q)`` (None when the input is not invariant).
    stationary : tuple
        Exact ``pi[s][q]``.
    invariant : bool
        Whether (4.43) holds exactly.
    evidence : str
        One line: why it holds, or the first ``(q, y)`` where it fails.
    """

    lower: arb | None
    stationary: tuple
    invariant: bool
    evidence: str


def _show(value: fmpq) -> str:
    text = fmpq_to_str(value)
    return text if len(text) <= 30 else f"{float(arb(value)):.15g} (exact {len(text)}-character fraction)"


def stationary_distribution(matrix: list[list[fmpq]]) -> tuple[list[fmpq], int]:
    """Exact stationary distribution of a row-stochastic rational matrix and ``rank(M^T - I)``.

    Raises ``InvalidInput`` when it is not unique (rank below ``n - 1``).

    Examples
    --------
    >>> from flint import fmpq
    >>> stationary_distribution([[fmpq(1, 2), fmpq(1, 2)], [fmpq(1), fmpq(0)]])
    ([2/3, 1/3], 1)
    """
    n = len(matrix)
    A = fmpq_mat(n, n, [matrix[j][i] - (1 if i == j else 0) for i in range(n) for j in range(n)])
    rank = A.rank()
    if rank != n - 1:
        raise InvalidInput(f"policy: the chain on S x Q has {n - rank} stationary distributions, expected exactly one")
    # Replace one equation with the normalisation sum(pi) = 1.
    rows = [[matrix[j][i] - (1 if i == j else 0) for j in range(n)] for i in range(n)]
    for drop in range(n):
        trial = [r for k, r in enumerate(rows) if k != drop] + [[fmpq(1)] * n]
        B = fmpq_mat(n, n, [v for r in trial for v in r])
        if B.rank() == n:
            rhs = fmpq_mat(n, 1, [0] * (n - 1) + [1])
            sol = B.solve(rhs)
            return [sol[i, 0] for i in range(n)], rank
    raise InvalidInput("policy: could not normalise the stationary distribution")  # pragma: no cover


def bcjr_lower_bound(channel: ExactChannelSource, phi: Any, policy: Any, digits: int = 30) -> InvariantRate:
    """Prove ``C_fb >= I(X,S;Y|Q)`` for an exactly BCJR-invariant rational policy (Thm 4.4.4).

    Parameters
    ----------
    channel : ExactUnifilar, channel object or dict
    phi : array-like ``(Q, Y)``
    policy : array-like ``(S, Q, X)``
        ``P(x|s,q)`` as exact rationals, rows summing exactly to 1.
    digits : int
        Working precision for the rate.

    Returns
    -------
    InvariantRate
        ``lower`` is None (and ``invariant`` False) when invariance fails.

    Examples
    --------
    >>> ising = dict(law=[[[1, 0], ["1/2", "1/2"]], [["1/2", "1/2"], [0, 1]]],
    ...              next_state=[[[0, 0], [1, 1]], [[0, 0], [1, 1]]])
    >>> res = bcjr_lower_bound(ising, [[0, 0]], [[["1/2", "1/2"]], [["1/2", "1/2"]]])
    >>> res.invariant, res.lower is None          # i.i.d. inputs on one node: beliefs move
    (False, True)
    """
    ch = as_exact_channel(channel)
    S, X, Y = ch.shape
    graph = exact_graph(phi, outputs=Y)
    Q = len(graph)
    P = _checked_policy(ch, Q, policy)
    pi_flat, _ = stationary_distribution(_chain_matrix(ch, graph, P))
    pi = tuple(tuple(pi_flat[s * Q + q] for q in range(Q)) for s in range(S))
    pi_q = [sum((pi[s][q] for s in range(S)), fmpq(0)) for q in range(Q)]
    joint_qy, failure = _invariance(ch, graph, P, pi, pi_q)
    if failure is not None:
        return InvariantRate(None, pi, False, failure)
    rate = _rate(ch, P, pi, pi_q, joint_qy, digits)
    return InvariantRate(
        rate,
        pi,
        True,
        f"stationary distribution unique (rank {S * Q - 1} of {S * Q}); posterior equals pi(s'|phi(q,y)) exactly "
        f"for all {sum(1 for q in range(Q) for y in range(Y) if joint_qy[q][y] != 0)} edges with positive probability",
    )


def _checked_policy(ch: Any, Q: int, policy: Any) -> tuple:
    """The exact policy ``P(x|s,q)``, shape and allowed inputs checked."""
    S, X, _ = ch.shape
    P = exact_stochastic(policy, 3, "policy")
    if (len(P), len(P[0]), len(P[0][0])) != (S, Q, X):
        raise InvalidInput(f"policy: expected shape {(S, Q, X)} (states, nodes, inputs), got {(len(P), len(P[0]), len(P[0][0]))}")
    for s in range(S):
        for q in range(Q):
            for x in range(X):
                if P[s][q][x] != 0 and not ch.allowed[s][x]:
                    raise InvalidInput(f"policy: P(x={x}|s={s},q={q}) > 0 but input {x} is not allowed in state {s}")
    return P


def _chain_matrix(ch: Any, graph: Any, P: tuple) -> list:
    """Exact transition matrix of ``Z = (S, Q)`` under ``P`` (4.36), index ``s*Q + q``."""
    S, X, Y = ch.shape
    Q = len(graph)
    n = S * Q
    M = [[fmpq(0)] * n for _ in range(n)]
    for s in range(S):
        for q in range(Q):
            for x in range(X):
                px = P[s][q][x]
                if px == 0:
                    continue
                for y in range(Y):
                    py = ch.law[s][x][y]
                    if py != 0:
                        M[s * Q + q][ch.next_state[s][x][y] * Q + graph[q][y]] += px * py
    return M


def _invariance(ch: Any, graph: Any, P: tuple, pi: tuple, pi_q: list) -> tuple[list, str | None]:
    """``P(q, y)`` and the first violation of BCJR invariance (4.43), exact (None: invariant)."""
    S, X, Y = ch.shape
    Q = len(graph)
    joint_qy = [[fmpq(0)] * Y for _ in range(Q)]
    for q in range(Q):
        for y in range(Y):
            post = [fmpq(0)] * S
            for s in range(S):
                for x in range(X):
                    w = pi[s][q] * P[s][q][x] * ch.law[s][x][y]
                    if w != 0:
                        post[ch.next_state[s][x][y]] += w
            total = sum(post, fmpq(0))
            joint_qy[q][y] = total
            if total == 0:
                continue
            nxt = graph[q][y]
            for s2 in range(S):
                if post[s2] / total != pi[s2][nxt] / pi_q[nxt]:
                    return joint_qy, (f"not BCJR-invariant: P(s'={s2}|q={q},y={y}) = {_show(post[s2] / total)} "
                                      f"but pi(s'={s2}|q'={nxt}) = {_show(pi[s2][nxt] / pi_q[nxt])}")
    return joint_qy, None


def _rate(ch: Any, P: tuple, pi: tuple, pi_q: list, joint_qy: list, digits: int) -> arb:
    """``I(X,S;Y|Q) = H(Y|Q) - H(Y|X,S)`` as an Arb ball."""
    S, X, Y = ch.shape
    Q = len(pi_q)
    with working_precision(digits=digits):
        h_yq = arb(0)
        for q in range(Q):
            if pi_q[q] == 0:
                continue
            for y in range(Y):
                w = joint_qy[q][y]
                if w != 0:
                    h_yq -= arb(w) * log2(arb(w / pi_q[q]))
        h_yxs = arb(0)
        for s in range(S):
            for q in range(Q):
                for x in range(X):
                    w = pi[s][q] * P[s][q][x]
                    if w == 0:
                        continue
                    for y in range(Y):
                        py = ch.law[s][x][y]
                        if py != 0:
                            h_yxs -= arb(w * py) * log2(arb(py))
        return h_yq - h_yxs

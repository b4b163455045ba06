"""Rigorous lower bound for a policy that is *not* BCJR-invariant: finite-block output entropies (method (c)).

A stationary input ``P(x|s,q)`` on a Q-graph makes ``Z_t = (S_t, Q_t)`` a Markov
chain (4.36) with stationary law ``pi``; its directed-information rate is
``H(Y) - H(Y|X,S)``, with ``H(Y)`` the entropy rate of the output process
(``H(Y_i | Y^{i-1}, X_i, S_{i-1}) = H(Y_i | X_i, S_{i-1})`` for a unifilar channel).
The outputs are a function of the Markov chain ``(Z_t, Y_t)``, so
(Cover & Thomas, Thm 4.5.1) for every ``k``

    H(Y_k | Y^{k-1}, Z_0) <= H(Y)        (stationary Z_0 ~ pi),

and the bound increases to ``H(Y)`` as ``k`` grows.  Hence

    C_fb >= H(Y_k | Y^{k-1}, Z_0) - H(Y|X,S),

where ``C_fb >=`` the policy's rate is the feedback-capacity theorem for unifilar
channels (Permuter, Weissman & Goldsmith 2009; monograph Sec. 4.2), which is
*cited*.  Everything else is proven here: ``pi`` exactly (``fmpq``, uniqueness by
rank), the forward probabilities ``P(s_{k-1}, y^{k-1} | z_0)`` exactly, and the
entropies with Arb.  Cost: ``|S||Q| |Y|^(k-1)`` leaves.

This module imports no solver.

Examples
--------
>>> from dicert.verify.certify.block_entropy import block_entropy_lower
>>> bsc = dict(law=[[["3/4", "1/4"], ["1/4", "3/4"]]], next_state=[[[0, 0], [0, 0]]])
>>> r = block_entropy_lower(bsc, [[0, 0]], [[["1/2", "1/2"]]], k=2)
>>> r.lower_decimal(8)          # memoryless: 1 - H2(1/4) already at k = 1
'0.18872187'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flint import arb, fmpq

from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.duality_check import as_exact_channel
from dicert.verify.certify.exact_inputs import exact_graph, exact_stochastic
from dicert.verify.certify.intervals import arb_lower_fmpq, decimal_floor, log2, working_precision
from dicert.verify.certify.rate_check import stationary_distribution

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import ExactChannelSource

__all__ = ["BlockLower", "block_entropy_lower", "MAX_LEAVES"]

#: Refuse blocks with more forward-recursion leaves than this (sized before any work).
MAX_LEAVES = 200000


@dataclass(frozen=True)
class BlockLower:
    """Result of :func:`block_entropy_lower`: ``lower`` is an Arb ball below ``C_fb`` (given the cited theorem)."""

    lower: arb
    k: int
    leaves: int
    evidence: str

    def lower_decimal(self, digits: int) -> str:
        """The lower end of the ball, rounded down to ``digits`` places."""
        with working_precision(digits=digits + 20):
            return decimal_floor(arb_lower_fmpq(self.lower), digits)


def _h(probs: list[fmpq]) -> arb:
    """Entropy (bits) of an exact sub-probability vector, normalised by its total."""
    total = sum(probs, fmpq(0))
    out = arb(0)
    for p in probs:
        if p != 0:
            r = p / total
            out -= arb(r) * log2(arb(r))
    return out


def block_entropy_lower(channel: ExactChannelSource, phi: Any, policy: Any, k: int, digits: int = 30) -> BlockLower:
    """``H(Y_k | Y^{k-1}, Z_0) - H(Y|X,S)`` as an Arb ball (module docstring).

    Raises
    ------
    InvalidInput
        Bad shapes, inputs used where not allowed, several stationary laws, ``k < 1``
        or more than :data:`MAX_LEAVES` leaves.
    """
    ch = as_exact_channel(channel)
    S, X, Y = ch.shape
    graph = exact_graph(phi, outputs=Y)
    Q = len(graph)
    P = exact_stochastic(policy, 3, "policy")
    if (len(P), len(P[0]), len(P[0][0])) != (S, Q, X):
        raise InvalidInput(f"policy: expected shape {(S, Q, X)} (states, nodes, inputs)")
    for s in range(S):
        for q in range(Q):
            for x in range(X):
                if P[s][q][x] != 0 and not ch.allowed[s][x]:
                    raise InvalidInput(f"policy: P(x={x}|s={s},q={q}) > 0 but input {x} is not allowed in state {s}")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise InvalidInput(f"k: expected an integer block length >= 1, got {k!r}")
    leaves = S * Q * Y ** (k - 1)
    if leaves > MAX_LEAVES:
        raise InvalidInput(f"k: {leaves} forward-recursion leaves, expected at most {MAX_LEAVES}; use a smaller k")
    n = S * Q
    M = [[fmpq(0)] * n for _ in range(n)]
    for s in range(S):
        for q in range(Q):
            for x in range(X):
                if P[s][q][x] == 0:
                    continue
                for y in range(Y):
                    if ch.law[s][x][y] != 0:
                        M[s * Q + q][ch.next_state[s][x][y] * Q + graph[q][y]] += P[s][q][x] * ch.law[s][x][y]
    pi_flat, _ = stationary_distribution(M)
    # emission vector of one step from (alpha over s, node q): P(s', y | ...) and P(y)
    def step(alpha: list[fmpq], q: int) -> list[list[fmpq]]:
        out = [[fmpq(0)] * S for _ in range(Y)]
        for s in range(S):
            if alpha[s] == 0:
                continue
            for x in range(X):
                w = alpha[s] * P[s][q][x]
                if w == 0:
                    continue
                for y in range(Y):
                    if ch.law[s][x][y] != 0:
                        out[y][ch.next_state[s][x][y]] += w * ch.law[s][x][y]
        return out

    with working_precision(digits=digits + 20):
        h_block = arb(0)
        visited = 0
        for s0 in range(S):
            for q0 in range(Q):
                weight = pi_flat[s0 * Q + q0]
                if weight == 0:
                    continue
                front = [([fmpq(1) if s == s0 else fmpq(0) for s in range(S)], q0)]
                for _ in range(k - 1):
                    new = []
                    for alpha, q in front:
                        for y, nxt in enumerate(step(alpha, q)):
                            if any(v != 0 for v in nxt):
                                new.append((nxt, graph[q][y]))
                    front = new
                acc = arb(0)
                for alpha, q in front:
                    py = [sum(row, fmpq(0)) for row in step(alpha, q)]
                    acc += arb(sum(py, fmpq(0))) * _h(py)
                    visited += 1
                h_block += arb(weight) * acc
        h_cond = arb(0)
        for s in range(S):
            for q in range(Q):
                for x in range(X):
                    w = pi_flat[s * Q + q] * P[s][q][x]
                    if w != 0:
                        h_cond += arb(w) * _h(list(ch.law[s][x]))
        lower = h_block - h_cond
    return BlockLower(lower, k, visited, (
        f"H(Y_{k}|Y^{k-1},Z_0) - H(Y|X,S) over {visited} exact forward leaves, stationary law exact and unique "
        "(Cover & Thomas Thm 4.5.1; the policy's rate is achievable by the cited feedback-capacity theorem)"))

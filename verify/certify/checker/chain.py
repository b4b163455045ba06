"""The ``(S, Q)`` Markov chain of a rational input on a Q-graph, as the checker builds it (4.36).

One copy, on the checker's side of the independence line, shared by the
``bcjr_lower_bound`` and ``block_entropy_lower_bound`` kinds: validation of the
witness policy against the exact channel, the exact transition matrix of
``Z = (S, Q)`` and its unique stationary law (uniqueness proven by rank).

Examples
--------
>>> from dicert.verify.certify.checker.exact import ExactChannel
>>> from dicert.verify.certify.checker.chain import policy_chain, stationary
>>> ch = ExactChannel.from_json({"law": [[["3/4", "1/4"], ["1/4", "3/4"]]], "next_state": [[[0, 0], [0, 0]]]})
>>> phi, P, M = policy_chain(ch, [[0, 0]], [[["1/2", "1/2"]]], "witness.lower")
>>> [str(v) for v in stationary(M, "witness.lower.policy")]
['1']
"""

from __future__ import annotations

from typing import Any

from flint import arb, fmpq, fmpq_mat

from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.checker.arith import log2
from dicert.verify.certify.checker.exact import graph, shape, stochastic

__all__ = ["policy_chain", "stationary", "entropy"]


def policy_chain(ch: Any, phi_value: Any, policy_value: Any, field: str) -> tuple[tuple, tuple, list]:
    """Validated ``phi``, ``P(x|s,q)`` and the exact transition matrix of ``Z = (S, Q)`` (index ``s*Q + q``)."""
    S, X, Y = ch.shape
    phi = graph(phi_value, Y, f"{field}.phi")
    Q = len(phi)
    P = stochastic(policy_value, 3, f"{field}.policy")
    if shape(P, 3) != (S, Q, X):
        raise InvalidInput(f"{field}.policy: expected shape {(S, Q, X)}, got {shape(P, 3)}")
    for s in range(S):
        for q in range(Q):
            for x in range(X):
                if P[s][q][x] != 0 and not ch.allowed[s][x]:
                    raise InvalidInput(f"{field}.policy[{s}][{q}][{x}] > 0 but input {x} is not allowed in state {s}")
    n = S * Q
    M = [[fmpq(0)] * n for _ in range(n)]
    for s in range(S):
        for q in range(Q):
            for x in range(X):
                if P[s][q][x] == 0:
                    continue
                for y in range(Y):
                    if ch.law[s][x][y] != 0:
                        M[s * Q + q][ch.next_state[s][x][y] * Q + phi[q][y]] += P[s][q][x] * ch.law[s][x][y]
    return phi, P, M


def stationary(M: list, field: str) -> list:
    """The unique stationary law of the exact stochastic matrix ``M`` (InvalidInput unless unique)."""
    n = len(M)
    A = fmpq_mat(n, n, [M[j][i] - (1 if i == j else 0) for i in range(n) for j in range(n)])
    if A.rank() != n - 1:
        raise InvalidInput(f"{field}: the chain on S x Q has {n - A.rank()} stationary laws, expected one")
    rows = [[M[j][i] - (1 if i == j else 0) for j in range(n)] for i in range(n)]
    for drop in range(n):
        trial = [r for k, r in enumerate(rows) if k != drop] + [[fmpq(1)] * n]
        B = fmpq_mat(n, n, [v for r in trial for v in r])
        if B.rank() == n:
            sol = B.solve(fmpq_mat(n, 1, [0] * (n - 1) + [1]))
            return [sol[i, 0] for i in range(n)]
    raise InvalidInput(f"{field}: no normalised stationary law")  # pragma: no cover


def entropy(probs: list) -> arb:
    """Entropy (bits, Arb ball) of an exact nonnegative vector, normalised by its total."""
    total = sum(probs, fmpq(0))
    out = arb(0)
    for p in probs:
        if p != 0:
            r = arb(p / total)
            out -= r * log2(r)
    return out

"""Check kind ``block_entropy_lower_bound``: finite-block output entropies of a rational input (method (c)).

A rational input ``P(x|s,q)`` on a Q-graph, not necessarily BCJR-invariant,
makes ``Z_t = (S_t, Q_t)`` a Markov chain (4.36) with stationary law ``pi``.
The outputs are a function of the Markov chain ``(Z_t, Y_t)``, so (Cover &
Thomas, Thm 4.5.1) for every block length ``k``

    H(Y_k | Y^{k-1}, Z_0) <= H(Y)        (stationary Z_0 ~ pi),

increasing to the entropy rate ``H(Y)`` as ``k`` grows; the input's
directed-information rate is ``H(Y) - H(Y|X,S)`` (unifilar channel), hence

    C_fb >= H(Y_k | Y^{k-1}, Z_0) - H(Y|X,S).

``C_fb >=`` the input's rate is the feedback-capacity theorem for unifilar
channels (Permuter, Weissman & Goldsmith 2009; monograph Sec. 4.2): *cited*.
Proven here from the certificate's exact data only: ``pi`` exactly (unique by
rank, :mod:`.chain`), the forward probabilities ``P(s_{k-1}, y^{k-1} | z_0)``
exactly, the entropies as Arb balls.  Work: ``|S||Q||Y|^(k-1)`` leaves, refused
above :data:`MAX_LEAVES` before any is built.

Data: ``{"phi", "policy", "k"}``.

Examples
--------
>>> from dicert.verify.certify.checker.exact import ExactChannel
>>> from dicert.verify.certify.checker.block_entropy import block_entropy_lower_bound
>>> bsc = ExactChannel.from_json({"law": [[["3/4", "1/4"], ["1/4", "3/4"]]], "next_state": [[[0, 0], [0, 0]]]})
>>> ok, text, out = block_entropy_lower_bound({"phi": [[0, 0]], "policy": [[["1/2", "1/2"]]], "k": 2},
...                                           {"channel": bsc})
>>> ok, round(float(out["lower"]), 8)           # memoryless: 1 - H2(1/4) already at k = 1
(True, 0.18872188)
"""

from __future__ import annotations

from typing import Any

from flint import arb, fmpq

from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.checker.arith import lower_q, precision, sci
from dicert.verify.certify.checker.chain import entropy, policy_chain, stationary

__all__ = ["block_entropy_lower_bound", "MAX_LEAVES", "BLOCK_DIGITS", "leaves"]

#: Refuse blocks with more forward-recursion leaves than this (sized before any work).
MAX_LEAVES = 200000
#: Working precision (decimal digits) of the entropies.
BLOCK_DIGITS = 60


def leaves(S: int, Q: int, Y: int, k: int) -> int:
    """Number of forward-recursion leaves ``S Q Y^(k-1)`` of block length ``k``."""
    return S * Q * Y ** (k - 1)


def _block_length(value: Any, S: int, Q: int, Y: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInput(f"witness.lower.k: expected an integer block length >= 1, got {value!r}")
    if leaves(S, Q, Y, min(value, 64)) > MAX_LEAVES:
        raise InvalidInput(f"witness.lower.k: more than {MAX_LEAVES} forward-recursion leaves; use a smaller k")
    return value


def _step(ch: Any, P: tuple, alpha: list, q: int) -> list:
    """``P(s', y | alpha, q)`` (rows ``y``) for the sub-probability ``alpha`` over states at node ``q``."""
    S, X, Y = ch.shape
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


def _block_entropy(ch: Any, phi: tuple, P: tuple, pi: list, k: int) -> tuple[arb, int]:
    """``H(Y_k | Y^{k-1}, Z_0)`` (Arb) by exact forward recursion from each ``z_0``, and the leaves visited."""
    S = ch.shape[0]
    Q = len(phi)
    total, visited = arb(0), 0
    for s0 in range(S):
        for q0 in range(Q):
            weight = pi[s0 * Q + q0]
            if weight == 0:
                continue
            front = [([fmpq(1) if s == s0 else fmpq(0) for s in range(S)], q0)]
            for _ in range(k - 1):
                front = [(nxt, phi[q][y]) for alpha, q in front
                         for y, nxt in enumerate(_step(ch, P, alpha, q)) if any(v != 0 for v in nxt)]
            acc = arb(0)
            for alpha, q in front:
                py = [sum(row, fmpq(0)) for row in _step(ch, P, alpha, q)]
                acc += arb(sum(py, fmpq(0))) * entropy(py)
                visited += 1
            total += arb(weight) * acc
    return total, visited


def block_entropy_lower_bound(data: dict, ctx: dict) -> tuple:
    """``C_fb >= H(Y_k | Y^{k-1}, Z_0) - H(Y|X,S)`` for a rational input (module docstring)."""
    if not isinstance(data, dict) or any(key not in data for key in ("phi", "policy", "k")):
        raise InvalidInput("witness.lower: expected the keys phi, policy, k")
    ch = ctx.get("channel")
    if ch is None:
        raise InvalidInput("channel: this check needs the certificate's channel")
    S, X, Y = ch.shape
    phi, P, M = policy_chain(ch, data["phi"], data["policy"], "witness.lower")
    Q = len(phi)
    k = _block_length(data["k"], S, Q, Y)
    pi = stationary(M, "witness.lower.policy")
    with precision(BLOCK_DIGITS):
        h_block, visited = _block_entropy(ch, phi, P, pi, k)
        h_cond = arb(0)
        for s in range(S):
            for q in range(Q):
                for x in range(X):
                    w = pi[s * Q + q] * P[s][q][x]
                    if w != 0:
                        h_cond += arb(w) * entropy(list(ch.law[s][x]))
        lower = lower_q(h_block - h_cond)
    return True, (f"unique stationary law; H(Y_{k}|Y^{k - 1},Z_0) - H(Y|X,S) >= {sci(lower)} over {visited} exact "
                  "forward leaves (Cover & Thomas Thm 4.5.1); that the input's rate is achievable is cited "
                  "(Permuter, Weissman & Goldsmith 2009)"), {"lower": lower}

"""Exactly BCJR-invariant rational inputs from numerical ones (method (a) of the rigorous lower bound).

A Q-graph lower bound (Thm 4.4.4) needs an input ``P(x|s,q)`` that is *exactly*
BCJR-invariant (4.43): for every edge ``q --y--> q' = phi(q,y)`` with ``P(y|q) > 0``
the posterior of the next state equals the node belief ``beta_{q'}(s') = pi(s'|q')``.
A rounded solver policy essentially never is.  The construction here exploits
that (4.43) is *bilinear*: once the node beliefs ``beta_q`` are fixed, it is
linear in the policy,

    sum_{s,x} beta_q(s) P(y|x,s) [1{f(s,x,y) = s'} - beta_{q'}(s')] Pi_q(x|s) = 0
    for all (q, y, s'),        sum_x Pi_q(x|s) = 1 for all (q, s),

with ``Pi_q(x|s) = 0`` where input ``x`` is not allowed in state ``s``.  So:

1. the numerical beliefs are replaced by nearby rationals (values within
   ``snap_tol`` of a rational with a small denominator -- 0, 1, 1/2, ... -- are
   snapped to it, so point-mass beliefs of erasure and POST channels stay exact;
   the rest are rounded to ``max_denominator``; rows sum exactly to 1);
2. the linear system is solved *exactly* (``fmpq_mat``), taking the solution
   nearest (Euclidean) to the rationalised numerical policy: ``Pi = Pi0 +
   A_R^T (A_R A_R^T)^{-1} (b_R - A_R Pi0)`` over an exactly independent row
   set ``R`` -- this handles square, under- and (consistent) over-determined
   systems alike; an inconsistent system is reported, never rounded;
3. the solution must be a probability kernel (``Pi >= 0`` exactly).  Entries
   the numerical policy puts at zero are first kept at zero (the optimum's
   support); if that system is inconsistent or the result negative, all allowed
   entries are freed.

The stationary distribution of the resulting chain then has the fixed beliefs
as its conditionals, so the policy is exactly invariant; this module does not
prove it -- :func:`dicert.verify.certify.rate_check.bcjr_lower_bound` (the
independent check) re-derives the stationary law, the invariance and the
rate from the channel and the policy alone.

Examples
--------
>>> from dicert.verify.certify.invariant_witness import exact_invariant_policy
>>> trapdoor = dict(law=[[[1, 0], ["1/2", "1/2"]], [["1/2", "1/2"], [0, 1]]],
...                 next_state=[[[0, 1], [1, 0]], [[1, 0], [0, 1]]])
>>> phi = [[0, 1], [0, 2], [1, 2]]
>>> beliefs = [[0.618034, 0.381966], [0.5, 0.5], [0.381966, 0.618034]]   # rough floats
>>> policy = [[[0.6, 0.4], [0.5, 0.5], [1.0, 0.0]], [[0.0, 1.0], [0.5, 0.5], [0.4, 0.6]]]
>>> res = exact_invariant_policy(trapdoor, phi, beliefs, policy)
>>> res.ok
True
>>> from dicert.verify.certify.rate_check import bcjr_lower_bound
>>> bcjr_lower_bound(trapdoor, phi, res.policy).invariant
True
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from flint import fmpq, fmpq_mat

from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.duality_check import as_exact_channel
from dicert.verify.certify.exact_inputs import exact_graph

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import ExactChannelSource

__all__ = ["InvariantPolicy", "rational_beliefs", "invariance_system", "exact_invariant_policy"]

#: Values within this distance of a rational with denominator <= SNAP_DENOMINATOR are snapped to it.
SNAP_TOL = 1e-10
SNAP_DENOMINATOR = 64


@dataclass(frozen=True)
class InvariantPolicy:
    """Result of :func:`exact_invariant_policy`.

    Attributes
    ----------
    ok : bool
        True when ``policy`` is an exact probability kernel solving (4.43) for ``beliefs``.
    policy : list or None
        ``P(x|s,q)`` as nested lists of ``fmpq``, shape ``(S, Q, X)``.
    beliefs : list
        The exact node beliefs ``beta_q(s)`` used, shape ``(Q, S)``.
    evidence : str
        How it was obtained, or why not.
    max_change : float
        Largest ``|Pi - Pi0|`` against the rationalised numerical policy.
    """

    ok: bool
    policy: list | None
    beliefs: list
    evidence: str
    max_change: float = 0.0


def _snap(value: float, max_denominator: int, snap_tol: float) -> fmpq:
    small = Fraction(value).limit_denominator(SNAP_DENOMINATOR)
    if abs(float(small) - value) <= snap_tol:
        return fmpq(small.numerator, small.denominator)
    f = Fraction(value).limit_denominator(max_denominator)
    return fmpq(f.numerator, f.denominator)


def rational_beliefs(beliefs: Any, max_denominator: int = 10**14, snap_tol: float = SNAP_TOL) -> list[list[fmpq]]:
    """Rational node beliefs near float ones, rows summing exactly to 1 (see module docstring, step 1).

    Examples
    --------
    >>> rational_beliefs([[1e-13, 1.0 - 1e-13], [0.3333333333333, 0.6666666666667]])
    [[0, 1], [1/3, 2/3]]
    """
    rows = beliefs.tolist() if hasattr(beliefs, "tolist") else beliefs
    out = []
    for q, row in enumerate(rows):
        vals = [float(v) for v in row]
        if any(v < -snap_tol or v != v for v in vals):
            raise InvalidInput(f"beliefs: row q={q} has a negative or NaN entry, expected a probability vector")
        exact = [_snap(max(v, 0.0), max_denominator, snap_tol) for v in vals]
        big = max(range(len(exact)), key=lambda i: vals[i])
        exact[big] = 1 - (sum(exact, fmpq(0)) - exact[big])
        if exact[big] < 0:
            raise InvalidInput(f"beliefs: row q={q} does not sum to 1")
        out.append(exact)
    return out


def invariance_system(channel: ExactChannelSource, phi: Any, beliefs: Any, fixed_zero: set | None = None):
    """The linear system ``A Pi = b`` of (4.43) with fixed beliefs (module docstring).

    Returns ``(A, b, variables)`` with ``A`` a list of rows (``fmpq``), ``b`` a list and
    ``variables`` the ``(s, q, x)`` of each column (allowed inputs not in ``fixed_zero``).

    Examples
    --------
    >>> bsc = dict(law=[[["3/4", "1/4"], ["1/4", "3/4"]]], next_state=[[[0, 0], [0, 0]]])
    >>> A, b, var = invariance_system(bsc, [[0, 0]], [[1]])
    >>> var, b                      # one state: only the row sum remains
    ([(0, 0, 0), (0, 0, 1)], [1])
    """
    ch = as_exact_channel(channel)
    S, X, Y = ch.shape
    graph = exact_graph(phi, outputs=Y)
    Q = len(graph)
    beta = [[b if isinstance(b, fmpq) else fmpq(Fraction(b).numerator, Fraction(b).denominator) for b in row]
            for row in beliefs]
    if len(beta) != Q or any(len(row) != S for row in beta):
        raise InvalidInput(f"beliefs: expected shape {(Q, S)} (nodes, states)")
    fixed_zero = fixed_zero or set()
    variables = [(s, q, x) for q in range(Q) for s in range(S) for x in range(X)
                 if ch.allowed[s][x] and (s, q, x) not in fixed_zero]
    col = {v: i for i, v in enumerate(variables)}
    rows: list[list[fmpq]] = []
    rhs: list[fmpq] = []
    for q in range(Q):
        for y in range(Y):
            nxt = graph[q][y]
            for s2 in range(S - 1):  # the last s' is implied (both sides sum over s' to P(y|q))
                row = [fmpq(0)] * len(variables)
                for s in range(S):
                    if beta[q][s] == 0:
                        continue
                    for x in range(X):
                        i = col.get((s, q, x))
                        if i is None or ch.law[s][x][y] == 0:
                            continue
                        ind = 1 if ch.next_state[s][x][y] == s2 else 0
                        row[i] += beta[q][s] * ch.law[s][x][y] * (ind - beta[nxt][s2])
                if any(v != 0 for v in row):
                    rows.append(row)
                    rhs.append(fmpq(0))
    for q in range(Q):
        for s in range(S):
            row = [fmpq(0)] * len(variables)
            for x in range(X):
                i = col.get((s, q, x))
                if i is not None:
                    row[i] = fmpq(1)
            rows.append(row)
            rhs.append(fmpq(1))
    return rows, rhs, variables


def _independent_rows(rows: list[list[fmpq]], ncols: int) -> list[int]:
    """Indices of an exactly linearly independent subset of rows spanning the row space."""
    if not rows:
        return []
    At = fmpq_mat(ncols, len(rows), [rows[j][i] for i in range(ncols) for j in range(len(rows))])
    R, rank = At.rref()
    pivots = []
    for i in range(rank):
        for j in range(len(rows)):
            if R[i, j] != 0:
                pivots.append(j)
                break
    return pivots


def _nearest_solution(rows, rhs, start: list[fmpq]) -> list[fmpq] | None:
    """Exact solution of ``A v = b`` nearest to ``start``; None when inconsistent."""
    n = len(start)
    if n == 0:
        return [] if all(b == 0 for b in rhs) else None
    keep = _independent_rows(rows, n)
    if keep:
        A = fmpq_mat(len(keep), n, [v for j in keep for v in rows[j]])
        v0 = fmpq_mat(n, 1, start)
        r = fmpq_mat(len(keep), 1, [rhs[j] for j in keep]) - A * v0
        At = A.transpose()
        lam = (A * At).solve(r)
        sol = v0 + At * lam
        values = [sol[i, 0] for i in range(n)]
    else:
        values = list(start)
    for row, b in zip(rows, rhs):
        if sum((a * v for a, v in zip(row, values) if a != 0), fmpq(0)) != b:
            return None
    return values


def exact_invariant_policy(
    channel: ExactChannelSource,
    phi: Any,
    beliefs: Any,
    policy: Any,
    *,
    max_denominator: int = 10**14,
    zero_tol: float = 1e-9,
) -> InvariantPolicy:
    """An exactly BCJR-invariant rational policy for rationalised ``beliefs`` near ``policy`` (module docstring).

    Parameters
    ----------
    channel : ExactUnifilar, channel object or dict
    phi : array-like ``(Q, Y)``
    beliefs : array-like ``(Q, S)``
        Numerical node beliefs ``P(s|q)`` of an (almost) invariant input.
    policy : array-like ``(S, Q, X)``
        The numerical policy ``P(x|s,q)`` (the starting point of the exact projection).
    max_denominator : int
        Denominator bound for the rationalised beliefs and starting policy.
    zero_tol : float
        Policy entries below this are first kept at exactly zero.

    Returns
    -------
    InvariantPolicy
        ``ok`` False (with the reason) when no nonnegative exact solution was found.

    Examples
    --------
    >>> bsc = dict(law=[[["3/4", "1/4"], ["1/4", "3/4"]]], next_state=[[[0, 0], [0, 0]]])
    >>> exact_invariant_policy(bsc, [[0, 0]], [[1.0]], [[[0.3, 0.7]]]).policy
    [[[3/10, 7/10]]]
    """
    ch = as_exact_channel(channel)
    S, X, Y = ch.shape
    graph = exact_graph(phi, outputs=Y)
    Q = len(graph)
    beta = rational_beliefs(beliefs, max_denominator)
    raw = policy.tolist() if hasattr(policy, "tolist") else policy
    if len(raw) != S or any(len(r) != Q or any(len(c) != X for c in r) for r in raw):
        raise InvalidInput(f"policy: expected shape {(S, Q, X)} (states, nodes, inputs)")
    zeros = {(s, q, x) for s in range(S) for q in range(Q) for x in range(X)
             if ch.allowed[s][x] and float(raw[s][q][x]) < zero_tol}
    # never fix a whole row at zero
    for s in range(S):
        for q in range(Q):
            if all((s, q, x) in zeros or not ch.allowed[s][x] for x in range(X)):
                zeros -= {(s, q, x) for x in range(X)}
    reasons = []
    for label, fixed in (("support of the numerical policy kept", zeros), ("all allowed inputs free", set())):
        if label.startswith("support") and not fixed:
            continue
        rows, rhs, variables = invariance_system(ch, graph, beta, fixed)
        start = []
        for s, q, x in variables:
            f = Fraction(max(float(raw[s][q][x]), 0.0)).limit_denominator(max_denominator)
            start.append(fmpq(f.numerator, f.denominator))
        values = _nearest_solution(rows, rhs, start)
        if values is None:
            reasons.append(f"{label}: the linear system (4.43) is inconsistent for the rationalised beliefs")
            continue
        negative = [(v, val) for v, val in zip(variables, values) if val < 0]
        if negative:
            (s, q, x), val = min(negative, key=lambda item: item[1])
            reasons.append(f"{label}: exact solution has P(x={x}|s={s},q={q}) = {float(val):.3g} < 0")
            continue
        P = [[[fmpq(0)] * X for _ in range(Q)] for _ in range(S)]
        for (s, q, x), val in zip(variables, values):
            P[s][q][x] = val
        change = max((abs(float(val) - float(raw[s][q][x])) for (s, q, x), val in zip(variables, values)),
                     default=0.0)
        return InvariantPolicy(True, P, beta, f"exact solution of (4.43) with rational beliefs ({label}, "
                               f"{len(variables)} unknowns, max change {change:.2g})", change)
    return InvariantPolicy(False, None, beta, "; ".join(reasons) or "no solution")

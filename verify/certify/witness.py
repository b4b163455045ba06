"""Turn numerical solver output into exact witnesses that the rigorous checks accept.

A solver returns floats: a test distribution ``T(y|q)`` (the optimal output
law ``P(y|q)`` of the Q-graph upper bound, Thm 4.4.2-4.4.3) and an input
policy ``P(x|s,q)``.  The rigorous checks need exact rationals:

- :func:`exact_test_distribution` rationalises ``T`` with rows summing
  exactly to 1 (entries where the channel can emit ``y`` are kept positive);
- :func:`duality_value_function` solves the duality MDP (Table 4.2) for that
  exact ``T``: relative value iteration in float64 finds the maximising
  inputs, then the policy-evaluation equations (4.54)
  ``rho + V(s,q) = g(s,q,x*) + sum_y P(y|x*,s) V(f(s,x*,y), phi(q,y))``
  (with ``V(0,0) = 0``) are solved with mpmath at 60 digits and rounded to
  rationals.  Any ``V`` gives a valid bound (see :mod:`.duality_check`); a
  good ``V`` makes it tight;
- :func:`exact_policy` rationalises a policy row by row (exact sums).

Rounding ``T`` perturbs the bound only at second order (``T`` is a minimiser
of the dual bound), so float ``T`` accurate to ``1e-8`` gives a rigorous bound
within about ``1e-15`` of the optimum.

Examples
--------
>>> from dicert.verify.certify.witness import exact_test_distribution, duality_value_function
>>> bsc = dict(law=[[["3/4", "1/4"], ["1/4", "3/4"]]], next_state=[[[0, 0], [0, 0]]])
>>> T = exact_test_distribution([[0.5, 0.5]], bsc)
>>> V = duality_value_function(bsc, [[0, 0]], T)
>>> V
[[Fraction(0, 1)]]
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from dicert.graphs.errors import InvalidInput, SolverFailed
from dicert.verify.certify.duality_check import as_exact_channel
from dicert.verify.certify.exact_inputs import exact_graph, rationalize_stochastic

__all__ = ["exact_test_distribution", "exact_policy", "duality_value_function"]


def exact_test_distribution(test: Any, channel: Any, max_denominator: int = 10**15) -> list[list[Fraction]]:
    """Rationalise ``T(y|q)`` (rows sum exactly to 1; outputs the channel can emit stay positive).

    Examples
    --------
    >>> ch = dict(law=[[["1/2", "1/2"]]], next_state=[[[0, 0]]])
    >>> exact_test_distribution([[1.0, 0.0]], ch, 1000)
    [[Fraction(999, 1000), Fraction(1, 1000)]]
    """
    ch = as_exact_channel(channel)
    S, X, Y = ch.shape
    emits = [any(ch.law[s][x][y] != 0 for s in range(S) for x in range(X) if ch.allowed[s][x]) for y in range(Y)]
    rows = rationalize_stochastic(test, max_denominator)
    floor = Fraction(1, max_denominator)
    out = []
    for row in rows:
        row = list(row)
        for y in range(Y):
            if emits[y] and row[y] < floor:
                row[y] = floor
        big = max(range(Y), key=lambda i: row[i])
        row[big] = 1 - (sum(row) - row[big])
        out.append(row)
    return out


def exact_policy(policy: Any, max_denominator: int = 10**15) -> list:
    """Rationalise an input policy ``P(x|s,q)`` of shape ``(S, Q, X)`` (rows sum exactly to 1).

    Examples
    --------
    >>> exact_policy([[[0.6180339887498949, 0.3819660112501051]]], 100)
    [[[Fraction(55, 89), Fraction(34, 89)]]]
    """
    return rationalize_stochastic(policy, max_denominator)


def duality_value_function(
    channel: Any, phi: Any, test: Any, iterations: int = 20000, max_denominator: int = 10**40
) -> list[list[Fraction]]:
    """Value function ``V(s,q)`` of the duality MDP for an exact test distribution (see module docstring).

    Raises
    ------
    SolverFailed
        Relative value iteration did not settle (the returned ``V`` would be poor).

    Examples
    --------
    >>> ch = dict(law=[[["1/2", "1/2"]]], next_state=[[[0, 0]]])
    >>> duality_value_function(ch, [[0, 0]], [["1/2", "1/2"]])
    [[Fraction(0, 1)]]
    """
    import mpmath
    import numpy as np

    ch = as_exact_channel(channel)
    S, X, Y = ch.shape
    graph = exact_graph(phi, outputs=Y)
    Q = len(graph)
    T = [[Fraction(str(t)) if isinstance(t, str) else Fraction(t) for t in row] for row in test]
    law = np.array([[[float(ch.law[s][x][y]) for y in range(Y)] for x in range(X)] for s in range(S)])
    Tf = np.array([[float(t) for t in row] for row in T])
    reward = np.full((S, Q, X), -np.inf)
    for s in range(S):
        for q in range(Q):
            for x in range(X):
                if not ch.allowed[s][x]:
                    continue
                total = 0.0
                for y in range(Y):
                    if law[s, x, y] > 0:
                        if Tf[q, y] <= 0:
                            raise InvalidInput(f"test: T(y={y}|q={q}) = 0 where the channel emits y")
                        total += law[s, x, y] * np.log2(law[s, x, y] / Tf[q, y])
                reward[s, q, x] = total
    V = np.zeros((S, Q))
    tau = 0.5  # aperiodicity transform: V <- (1 - tau) V + tau (T V - rho)
    for _ in range(iterations):
        cont = np.zeros((S, Q, X))
        for s in range(S):
            for q in range(Q):
                for x in range(X):
                    cont[s, q, x] = sum(law[s, x, y] * V[ch.next_state[s][x][y], graph[q][y]] for y in range(Y))
        TV = np.max(reward + cont, axis=2)
        diff = TV - V
        if np.max(diff) - np.min(diff) < 1e-13:
            break
        V = (1 - tau) * V + tau * (TV - TV[0, 0])
    else:
        raise SolverFailed("duality value iteration: the span of (T V - V) did not fall below 1e-13")
    actions = np.argmax(reward + cont, axis=2)
    mpmath.mp.dps = 60
    n = S * Q
    A = mpmath.zeros(n + 1, n + 1)
    b = mpmath.zeros(n + 1, 1)
    for s in range(S):
        for q in range(Q):
            i = s * Q + q
            x = int(actions[s, q])
            A[i, n] = 1  # rho
            A[i, i] += 1
            g = mpmath.mpf(0)
            for y in range(Y):
                p = ch.law[s][x][y]
                if p == 0:
                    continue
                pm = mpmath.mpf(int(p.p)) / int(p.q)
                tq = mpmath.mpf(T[q][y].numerator) / T[q][y].denominator
                g += pm * mpmath.log(pm / tq, 2)
                A[i, ch.next_state[s][x][y] * Q + graph[q][y]] -= pm
            b[i] = g
    A[n, 0] = 1  # normalisation V(0, 0) = 0
    try:
        sol = mpmath.lu_solve(A, b)
        values = [[Fraction(mpmath.nstr(sol[s * Q + q], 55)).limit_denominator(max_denominator) for q in range(Q)] for s in range(S)]
    except ZeroDivisionError:
        values = [[Fraction(float(V[s, q])).limit_denominator(10**15) for q in range(Q)] for s in range(S)]
    return values

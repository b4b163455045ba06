"""Turn numerical solver output into exact witnesses that the rigorous checks accept.

A solver returns floats: a test distribution ``T(y|q)`` (the optimal output
law ``P(y|q)`` of the Q-graph upper bound, Thm 4.4.2-4.4.3) and an input
policy ``P(x|s,q)``.  The rigorous checks need exact rationals:

- :func:`exact_test_distribution` rationalises ``T`` with rows summing
  exactly to 1 (entries where the channel can emit ``y`` are kept positive);
- :func:`duality_value_function` solves the duality MDP (Table 4.2) for that
  exact ``T``: damped relative value iteration for the Bellman equation
  (4.55) ``rho + V(s,q) = max_x [g(s,q,x) + sum_y P(y|x,s) V(f(s,x,y), phi(q,y))]``
  runs in float64 until the span of ``T V - V`` is below ``1e-13``, then
  continues in mpmath at 60 digits (span below ``1e-45``), and ``V`` is
  rounded to rationals.  Any ``V`` gives a valid bound (see :mod:`.duality_check`); a
  good ``V`` makes it tight;
- :func:`exact_policy` rationalises a policy row by row (exact sums).

A float ``T`` from the Q-graph solver is only as accurate as its tolerances,
and the duality bound is *first-order* sensitive to ``T`` when the duality MDP
has ties at the optimum (it does for Ising and trapdoor).
:func:`dual_program_test_distribution` therefore minimises the dual bound
directly: ``min rho`` over ``(T, V, rho)`` subject to
``rho + V(s,q) >= g(s,q,x) + sum_y P(y|x,s) V(f(s,x,y), phi(q,y))`` for every
allowed ``(s,q,x)``; ``g`` is convex in ``T`` (``-log T``), so this is a small
exponential-cone program, and its ``T`` gives rigorous bounds within about
``1e-13`` of the optimum on the built-in examples.

Rounding ``T`` otherwise perturbs the bound only at second order (``T`` is a minimiser
of the dual bound), so float ``T`` accurate to ``1e-8`` gives a rigorous bound
within about ``1e-16`` of the optimum.

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

import warnings
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from dicert.graphs.errors import InvalidInput, SolverFailed
from dicert.verify.certify.duality_check import as_exact_channel
from dicert.verify.certify.exact_inputs import exact_graph, rationalize_stochastic

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import ExactChannelSource

__all__ = ["exact_test_distribution", "exact_policy", "duality_value_function", "dual_program_test_distribution"]


def exact_test_distribution(test: Any, channel: ExactChannelSource, max_denominator: int = 10**15) -> list[list[Fraction]]:
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
    channel: ExactChannelSource, phi: Any, test: Any, iterations: int = 20000, max_denominator: int = 10**40,
    refine_iterations: int = 400,
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
    # Refine with relative value iteration in mpmath (60 digits) from the float solution.
    mpmath.mp.dps = 60
    law_m = [[[mpmath.mpf(int(ch.law[s][x][y].p)) / int(ch.law[s][x][y].q) for y in range(Y)] for x in range(X)]
             for s in range(S)]
    rew_m = [[[None if not ch.allowed[s][x] else mpmath.fsum(
        law_m[s][x][y] * mpmath.log(law_m[s][x][y] / (mpmath.mpf(T[q][y].numerator) / T[q][y].denominator), 2)
        for y in range(Y) if ch.law[s][x][y] != 0) for x in range(X)] for q in range(Q)] for s in range(S)]
    Vm = [[mpmath.mpf(float(V[s, q])) for q in range(Q)] for s in range(S)]
    for _ in range(refine_iterations):
        TV = [[max(rew_m[s][q][x] + mpmath.fsum(law_m[s][x][y] * Vm[ch.next_state[s][x][y]][graph[q][y]]
                                               for y in range(Y))
                   for x in range(X) if rew_m[s][q][x] is not None) for q in range(Q)] for s in range(S)]
        diffs = [TV[s][q] - Vm[s][q] for s in range(S) for q in range(Q)]
        if max(diffs) - min(diffs) < mpmath.mpf(10) ** -45:
            break
        Vm = [[(1 - tau) * Vm[s][q] + tau * (TV[s][q] - TV[0][0]) for q in range(Q)] for s in range(S)]
    return [[Fraction(mpmath.nstr(Vm[s][q], 55)).limit_denominator(max_denominator) for q in range(Q)]
            for s in range(S)]


def dual_program_test_distribution(channel: ExactChannelSource, phi: Any) -> tuple[list[list[float]], float]:
    """Test distribution minimising the duality bound of Thm 4.5.2 on a Q-graph (convex program).

    Returns the float ``T[q][y]`` and the solver's ``rho``.  The solver status
    may be ``optimal_inaccurate`` at the tight tolerances used: the result is
    only a *candidate* witness, and every bound built from it is re-evaluated
    rigorously (:mod:`.duality_check`), so its accuracy affects tightness, never
    validity.  Any other status raises :class:`SolverFailed`.

    Examples
    --------
    >>> ch = dict(law=[[["3/4", "1/4"], ["1/4", "3/4"]]], next_state=[[[0, 0], [0, 0]]])
    >>> T, rho = dual_program_test_distribution(ch, [[0, 0]])
    >>> round(T[0][0], 6), round(rho, 6)                # BSC(1/4): uniform output, 1 - H2(1/4)
    (0.5, 0.188722)
    """
    import cvxpy as cp
    import numpy as np

    ch = as_exact_channel(channel)
    S, X, Y = ch.shape
    graph = exact_graph(phi, outputs=Y)
    Q = len(graph)
    T = cp.Variable((Q, Y))
    V = cp.Variable((S, Q))
    rho = cp.Variable()
    constraints = [cp.sum(T, axis=1) == 1, V[0, 0] == 0]
    for s in range(S):
        for q in range(Q):
            for x in range(X):
                if not ch.allowed[s][x]:
                    continue
                expr = rho + V[s, q]
                const = 0.0
                for y in range(Y):
                    p = float(ch.law[s][x][y])
                    if p == 0:
                        continue
                    const += p * np.log2(p)
                    expr = expr + p * cp.log(T[q, y]) / np.log(2) - p * V[ch.next_state[s][x][y], graph[q][y]]
                constraints.append(expr - const >= 0)
    problem = cp.Problem(cp.Minimize(rho), constraints)
    try:
        with warnings.catch_warnings():  # 'optimal_inaccurate' is handled below (the witness is re-verified)
            warnings.filterwarnings("ignore", message="Solution may be inaccurate")
            problem.solve(solver=cp.CLARABEL, tol_gap_abs=1e-13, tol_gap_rel=1e-13, tol_feas=1e-13, max_iter=500)
    except cp.error.SolverError as exc:
        raise SolverFailed(f"dual program: {exc}") from None
    if problem.status not in ("optimal", "optimal_inaccurate") or T.value is None or rho.value is None:
        raise SolverFailed(f"dual program: status {problem.status}, expected optimal")
    return np.clip(T.value, 0.0, 1.0).tolist(), float(rho.value)

"""Duality upper bound on feedback capacity (Thm 4.5.2) as a finite MDP (sec. 4.5.1, Table 4.2).

For a unifilar FSC, a Q-graph ``Phi`` and a graph-based test distribution
``T(y|q)`` (4.51), the feedback capacity is at most the optimal average reward
of the MDP with

* state ``(s, q)``, action ``x`` (only inputs with ``allowed[s, x]``),
* reward ``g(s,q,x) = D(P(.|x,s) || T(.|q))`` in bits (4.52),
* next state ``(f(s,x,y), Phi(q,y))`` with probability ``P(y|x,s)``.

The MDP is solved by relative value iteration (with the aperiodicity transform
``h <- (1-tau) h + tau T h``, stopped when the span of ``T h - h`` is small),
followed by exact policy iteration: the greedy policy is evaluated by the linear
system (4.54) and improved until it is stable, so that ``(rho, V)`` satisfies the
Bellman equation (4.55) to rounding error.  Whatever ``V`` is, the Bellman
operator's monotonicity gives

    C_fb <= rho* <= max_{s,q} [max_x (g + P V)(s,q,x) - V(s,q)]  ( = ``upper``),

so ``upper`` is a valid bound even if the Bellman equation holds only
approximately; ``bellman_residual`` (the span) measures how far it is from tight.
``test_distribution`` and ``value`` are plain arrays for interval re-checking.

Examples
--------
>>> import numpy as np
>>> from types import SimpleNamespace
>>> from dicert.verify.capacity.duality import duality_upper_bound
>>> bsc = SimpleNamespace(name="bsc", matrix=np.array([[0.9, 0.1], [0.1, 0.9]]))
>>> bound = duality_upper_bound(bsc, [[0, 0]], [[0.5, 0.5]])
>>> round(bound.upper, 6)   # 1 - H2(0.1): the dual bound (4.47) with T uniform is tight
0.531004
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from dicert.graphs.qgraph import QGraph
from dicert.verify._numeric import check_conditional_rows
from dicert.verify.capacity.qgraph_bounds import UnifilarArrays, as_qgraph, unifilar_arrays
from dicert.verify.capacity.results import DualityBound
from dicert.verify.errors import InvalidInput

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import UnifilarSource

__all__ = ["DualityMDP", "duality_upper_bound", "qgraph_duality_upper"]

#: Relative-value-iteration cap of the fallback in :func:`qgraph_duality_upper` (the bound holds for any ``V``).
FALLBACK_ITERATIONS = 2_000


class DualityMDP:
    """The finite MDP of Table 4.2 for a channel, a Q-graph and a test distribution ``T(y|q)``.

    Attributes
    ----------
    reward:
        ``g[s, q, x]`` of (4.52) in bits, ``-inf`` for disallowed inputs.
    successor:
        Flattened next state ``f(s,x,y) * Q + Phi(q,y)``, shape ``(S, Q, X, Y)``.
    probability:
        ``P(y|x,s)`` broadcast to shape ``(S, Q, X, Y)``.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> mdp = DualityMDP(SimpleNamespace(matrix=np.eye(2)), [[0, 0]], [[0.5, 0.5]])
    >>> mdp.reward.tolist()
    [[[1.0, 1.0]]]
    """

    def __init__(self, channel: UnifilarSource, graph: Any, test_distribution: Any) -> None:
        self.arrays: UnifilarArrays = unifilar_arrays(channel)
        law, next_state, allowed = self.arrays.law, self.arrays.next_state, self.arrays.allowed
        n_states, n_inputs, n_outputs = law.shape
        self.graph: QGraph = as_qgraph(graph, n_outputs)
        m = self.graph.m
        test = np.asarray(test_distribution, dtype=float)
        if test.shape != (m, n_outputs):
            raise InvalidInput(f"test_distribution: expected T(y|q) of shape {(m, n_outputs)} (Q, Y), got {test.shape}")
        check_conditional_rows(test, "test_distribution", ("q",))
        self.test_distribution = test
        support = (law[:, None, :, :] > 0) & allowed[:, None, :, None]  # (S, Q, X, Y)
        zero_test = support & (test[None, :, None, :] == 0)
        if zero_test.any():
            s, q, x, y = (int(v) for v in np.argwhere(zero_test)[0])
            raise InvalidInput(
                f"test_distribution: T(y={y}|q={q}) = 0 but P(y={y}|x={x},s={s}) > 0, so the reward (4.52) is infinite"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            log_ratio = np.log2(law[:, None, :, :]) - np.log2(test[None, :, None, :])
            terms = np.where(law[:, None, :, :] > 0, law[:, None, :, :] * log_ratio, 0.0)
        reward = terms.sum(axis=3)
        self.reward = np.where(allowed[:, None, :], reward, -np.inf)
        shape = (n_states, m, n_inputs, n_outputs)
        self.successor = np.broadcast_to(next_state[:, None, :, :] * m + self.graph.phi[None, :, None, :], shape).copy()
        self.probability = np.broadcast_to(law[:, None, :, :], shape).copy()
        self.n = n_states * m

    def q_values(self, h: np.ndarray) -> np.ndarray:
        """``g(s,q,x) + sum_y P(y|x,s) h(f(s,x,y), Phi(q,y))`` for a flat ``h`` of length ``S*Q``."""
        return self.reward + np.einsum("sqxy,sqxy->sqx", self.probability, h[self.successor])

    def bellman(self, h: np.ndarray) -> np.ndarray:
        """The Bellman operator ``(T h)(s,q) = max_x q_values`` (4.55), flattened."""
        return self.q_values(h).max(axis=2).reshape(-1)

    def evaluate(self, policy: np.ndarray, reference: int = 0) -> tuple[float, np.ndarray] | None:
        """Solve (4.54): ``rho + V = g_mu + P_mu V`` with ``V[reference] = 0``; ``None`` if multichain."""
        n = self.n
        flat_policy = policy.reshape(-1)
        rows = np.arange(n)
        reward = self.reward.reshape(n, -1)[rows, flat_policy]
        successor = self.successor.reshape(n, self.successor.shape[2], -1)[rows, flat_policy]
        probability = self.probability.reshape(n, self.probability.shape[2], -1)[rows, flat_policy]
        kernel = np.zeros((n, n))
        np.add.at(kernel, (np.repeat(rows, successor.shape[1]), successor.ravel()), probability.ravel())
        system = np.eye(n) - kernel
        system[:, reference] = 1.0  # the column of V[reference] (fixed to 0) now carries rho
        try:
            solution = np.linalg.solve(system, reward)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(solution)) or np.abs(system @ solution - reward).max() > 1e-9 * (1 + np.abs(reward).max()):
            return None
        rho = float(solution[reference])
        value = solution.copy()
        value[reference] = 0.0
        return rho, value


def _relative_value_iteration(mdp: DualityMDP, tol: float, max_iter: int, tau: float) -> tuple[np.ndarray, int]:
    """``h <- (1-tau) h + tau T h`` (normalised ``h[0] = 0``) until ``span(T h - h) < tol``; ``(h, iterations)``."""
    h = np.zeros(mdp.n)
    iterations = 0
    for iterations in range(1, max_iter + 1):
        th = mdp.bellman(h)
        diff = th - h
        if diff.max() - diff.min() < tol:
            break
        h = (1.0 - tau) * h + tau * th
        h -= h[0]
    return h, iterations


def _policy_iteration(mdp: DualityMDP, h: np.ndarray, max_steps: int) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Exact policy iteration (4.54) from the greedy policy of ``h``; ``(policy, V, rho, steps)``.

    Stops when no state can be improved, or when the policy's chain is multichain ((4.54)
    has no solution: ``V = h`` and ``rho`` the median of ``T h - h`` are kept).
    """
    policy = mdp.q_values(h).argmax(axis=2)
    value, rho = h, float(np.median(mdp.bellman(h) - h))
    steps = 0
    for _ in range(max_steps):
        steps += 1
        evaluation = mdp.evaluate(policy)
        if evaluation is None:
            break
        rho, value = evaluation
        q = mdp.q_values(value)
        best = q.max(axis=2)
        current = np.take_along_axis(q, policy[:, :, None], axis=2)[:, :, 0]
        improvable = current < best - 1e-12 * (1.0 + np.abs(best))
        if not improvable.any():
            break
        policy = np.where(improvable, q.argmax(axis=2), policy)
    return policy, value, rho, steps


def duality_upper_bound(
    channel: UnifilarSource,
    graph: Any,
    test_distribution: Any,
    *,
    tol: float = 1e-12,
    max_iter: int = 200_000,
    tau: float = 0.5,
    max_policy_steps: int = 100,
) -> DualityBound:
    """Duality upper bound (Thm 4.5.2 / 4.5.3) by relative value iteration and exact policy iteration.

    Parameters
    ----------
    channel:
        A unifilar FSC or a DMC (see :func:`~dicert.verify.capacity.qgraph_bounds.unifilar_arrays`).
    graph:
        A strongly connected Q-graph (``QGraph`` or ``phi`` array).
    test_distribution:
        ``T(y|q)``, shape ``(Q, Y)``; e.g. the output law ``P(y|q)`` of a Q-graph upper bound,
        or the Ising test distribution (4.56).
    tol:
        Stop relative value iteration when ``span(T h - h) < tol``.
    max_iter:
        Iteration cap of relative value iteration (the policy steps follow regardless).
    tau:
        Aperiodicity transform weight in ``(0, 1]``.
    max_policy_steps:
        Cap on exact policy-iteration steps.

    Returns
    -------
    DualityBound
        ``upper`` (valid for the returned ``V``), ``rho``, ``value``, ``policy``, residual.

    Raises
    ------
    InvalidInput
        If ``T`` is malformed or zero on an output the channel can produce (infinite reward).

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> z = SimpleNamespace(name="z", matrix=np.array([[1.0, 0.0], [0.5, 0.5]]))
    >>> bound = duality_upper_bound(z, [[0, 0]], [[0.8, 0.2]])   # optimal output law of the Z-channel
    >>> round(bound.upper, 6), round(bound.bellman_residual, 12)
    (0.321928, 0.0)
    """
    start = time.perf_counter()
    if not 0 < tau <= 1:
        raise InvalidInput(f"tau: expected a number in (0, 1], got {tau!r}")
    mdp = DualityMDP(channel, graph, test_distribution)
    h, iterations = _relative_value_iteration(mdp, tol, max_iter, tau)
    policy, value, rho, steps = _policy_iteration(mdp, h, max_policy_steps)
    iterations += steps
    diff = mdp.bellman(value) - value
    n_states, m = mdp.arrays.law.shape[0], mdp.graph.m
    return DualityBound(
        channel=mdp.arrays.name,
        graph=mdp.graph,
        test_distribution=mdp.test_distribution,
        upper=float(diff.max()),
        rho=rho,
        value=value.reshape(n_states, m),
        policy=policy.astype(np.int64),
        reward=mdp.reward,
        bellman_residual=float(diff.max() - diff.min()),
        iterations=iterations,
        seconds=time.perf_counter() - start,
    )


def qgraph_duality_upper(program: Any, graph: QGraph, output_law: np.ndarray) -> tuple[float | None, dict[str, Any] | None]:
    """A valid upper bound (Thm 4.5.2) for the point a :class:`QGraphBoundProgram` just returned.

    With the direct Clarabel backend, ``(T, V)`` are read from the solver's dual
    variables exactly as :class:`~dicert.verify.capacity.qgraph_rank.QGraphRankSolver`
    does (tight: within about the duality gap, 1e-10, of the program's value); otherwise,
    or when that reading is not finite, relative value iteration on the dual MDP at
    ``T = output_law`` (:func:`duality_upper_bound` capped at ``FALLBACK_ITERATIONS``; valid
    for any ``V``, but looser by about the square root of the solver tolerance).  Returns ``(upper, {"test_distribution": T, "value": V})``,
    or ``(None, None)`` when no finite test distribution is at hand (``T(y|q) = 0`` on an
    output the channel can produce).

    Examples
    --------
    >>> from dicert.verify.channels import trapdoor_channel
    >>> from dicert.verify.capacity.qgraph_bounds import QGraphBoundProgram
    >>> program = QGraphBoundProgram(trapdoor_channel(), 3)
    >>> b = program.solve([[0, 1], [0, 2], [1, 2]], lower=False)
    >>> 0.6942419136 < b.upper < 0.6942419140 and b.upper >= b.upper_estimate - 1e-12   # log2 of the golden ratio
    True
    """
    upper: float | None = None
    witness: dict[str, Any] | None = None
    cone: Any = getattr(program, "_cone", None)  # the program's Clarabel cone, if it has one
    if getattr(program, "backend", None) == "clarabel" and getattr(cone, "last_dual", None) is not None:
        from dicert.verify.capacity.qgraph_rank import QGraphRankSolver

        view = object.__new__(QGraphRankSolver)  # the rank solver's dual reading, on this program's cone
        view.program, view.arrays, view.m, view.r = program, program.arrays, program.m, program.r
        batch = view._dual_bounds(graph.phi[None], np.asarray(cone.last_dual, dtype=float)[None])
        if np.isfinite(batch.upper[0]):
            upper = float(batch.upper[0])
            witness = {"test_distribution": batch.test[0], "value": batch.value[0]}
    if upper is None:
        try:
            bound = duality_upper_bound(program.arrays, graph, output_law, tol=1e-10, max_iter=FALLBACK_ITERATIONS)
        except InvalidInput:
            return None, None
        upper, witness = bound.upper, bound.upper_witness
    return upper, witness

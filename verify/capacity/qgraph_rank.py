"""Valid upper bounds for many Q-graphs at once: one conic solve per graph, then the duality bound in batch.

The Q-graph program (4.40) (Thm 4.4.3) is solved by an interior-point method,
so its optimum is only known to the solver's tolerance, and the objective at
the returned point is an *estimate* of the graph's bound ``U(G)`` that may lie
below it (and below the capacity).  A ranking needs numbers that hold, so this
module turns each solver output into a valid bound with the duality bound of
Thm 4.5.2 (the dual MDP of Table 4.2):

for *any* test distribution ``T(y|q)`` on the graph and *any* function
``V(s,q)``, with the reward (4.52) ``g(s,q,x) = D(P(.|x,s) || T(.|q))``,

    C_fb <= rho_cert = max_{s,q} [ max_x ( g(s,q,x) + sum_y P(y|x,s) V(f(s,x,y), phi(q,y)) ) - V(s,q) ]

(see :mod:`dicert.verify.certify.duality_check` for the telescoping argument).
:class:`QGraphRankSolver` reads ``(T, V)`` from the conic solver's *dual*
variables: the duals of the stationarity rows of (4.39) are ``-V(s,q)``, the
normalisation dual is ``rho``, and the dual of the exponential cone of
``(q, y)`` is ``(-1/ln 2, -log2 T(y|q) - 1/ln 2, T(y|q)/ln 2)`` at optimality
(the gradient of the cone's boundary), which gives ``T`` twice; both
readings (floored at ``TEST_FLOOR`` and renormalised, so that ``g`` is
finite) are evaluated and the smaller bound is kept.  Because the dual is
solved to the same tolerance as the primal, the bound exceeds the objective
at the primal point by about the duality gap (1e-11 .. 1e-10 at the default
tolerances).  The primal output law alone would be first-order worse: the
dual MDP has ties at the optimum, and the primal point is accurate only to
the square root of the tolerance in its flat directions.  For solvers that
return only a primal point, :func:`duality_bounds` runs policy iteration on
the dual MDP from that point instead (valid, but looser).

Everything is vectorised over a batch of graphs (numpy ``(N, ...)`` arrays and
batched ``numpy.linalg.solve``), so the validity step costs a few
microseconds per graph next to the conic solve.

Rounding margin
    ``rho_cert`` is evaluated in float64.  Every entry of the bracket is a sum of
    at most ``2 Y + 3`` products of float64 numbers and base-2 logarithms of
    float64 numbers; with unit roundoff ``u = 2**-53`` and ``log2`` correct to
    ``LOG2_ULPS`` units in the last place, the computed value of each entry
    differs from the exact value for the same (float) ``T``, ``V`` and channel
    law by at most ``kappa u (|H(Y|x,s)| + sum_y P |log2 T| + sum_y P |V'| + |V|)``
    with ``kappa = MARGIN_KAPPA``, which covers ``2 Y + 3`` roundings, the
    logarithms, and the float rounding of the channel law (standard
    forward error analysis of sums, Higham, *Accuracy and Stability*, Thm 3.1).
    Rows of the float ``T`` sum to ``1 + d`` with ``|d| <= Y u``; dividing by the
    sum changes ``rho_cert`` by ``log2(1 + d) <= 2 Y u``.  The returned
    ``upper`` adds the largest such margin and rounds up, so it is at least the
    exact ``rho_cert`` of a genuine distribution ``T``.  The one assumption is
    the accuracy of the platform's ``log2`` (glibc and numpy document at most a
    few ulp); :func:`rigorous_duality_upper` removes it for a few graphs by
    re-evaluating the same ``(T, V)`` with Arb balls
    (:func:`dicert.verify.certify.duality_check.certified_duality_upper_bound`).

Examples
--------
>>> import numpy as np
>>> from dicert.verify.channels import ising_channel
>>> solver = QGraphRankSolver(ising_channel(), 1)
>>> batch = solver.solve_batch(np.array([[[0, 0]]]))
>>> batch.status[0], bool(batch.upper[0] >= batch.estimate[0])
('optimal', True)
>>> round(float(batch.upper[0]), 6)       # one node: max I(X,S;Y) <= H(Y) = 1 bit
1.0
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from dicert.verify._numeric import entropy_bits
from dicert.verify.capacity.qgraph_bounds import (
    QGraphBoundProgram,
    UnifilarArrays,
    unifilar_arrays,
)
from dicert.verify.errors import InvalidInput

from dicert.verify.capacity.qgraph_rank_report import rigorous_duality_upper, tie_groups  # re-exported
if TYPE_CHECKING:
    from dicert.verify.channels.protocol import Channel, ExactChannelSource

__all__ = [
    "TEST_FLOOR",
    "LOG2_ULPS",
    "MARGIN_KAPPA",
    "DualityBatch",
    "RankBatch",
    "duality_bounds",
    "duality_bound_of",
    "QGraphRankSolver",
    "rigorous_duality_upper",
    "tie_groups",
    "screening_bounds",
]

#: Smallest entry of the test distribution ``T(y|q)``; makes every reward (4.52) finite
#: at a cost of at most about ``Y * TEST_FLOOR / ln 2`` bits.
TEST_FLOOR = 1e-13
#: Assumed accuracy of float64 ``log2`` in units in the last place (glibc: < 1 ulp; numpy SIMD: <= 4).
LOG2_ULPS = 4
_U = 2.0**-53
#: An "AlmostSolved" Clarabel result is kept (not re-solved) when its duality bound is within this
#: many bits of the objective at its primal point: the bound is valid whatever the status.
ALMOST_SOLVED_GAP = 1e-8
#: Settings of the single fresh re-solve of the other inaccurate graphs (looser tolerances: the bound
#: stays valid, only its distance to the estimate grows), and the largest gap accepted after it.
RESOLVE = {"tol_gap_abs": 1e-8, "tol_gap_rel": 1e-8, "tol_feas": 1e-8}
RESOLVED_GAP = 1e-6
#: Screening (:func:`screening_bounds`): rounds of the multiplicative input update and its step.
SCREEN_ITERATIONS = 4
SCREEN_STEP = 2.0
#: A graph is screened out only when its lower bound exceeds the threshold by this much (float slack).
SCREEN_MARGIN = 1e-9
#: Policy-iteration steps on the dual MDP after evaluating the solver's own policy.
IMPROVEMENT_STEPS = 6
#: Policy entries below this are set to zero before policy evaluation in :func:`duality_bounds`.
POLICY_CUT = 1e-7


def MARGIN_KAPPA(n_outputs: int) -> float:  # noqa: N802 - a documented constant of the error analysis
    """``kappa`` of the rounding margin: ``2 Y + 3`` roundings, ``LOG2_ULPS`` for the logs, 4 for the law, doubled.

    Examples
    --------
    >>> MARGIN_KAPPA(2)
    30.0
    """
    return 2.0 * (2 * n_outputs + 3 + LOG2_ULPS + 4)


@dataclass(frozen=True)
class DualityBatch:
    """Duality bounds (Thm 4.5.2) of ``N`` graphs: ``upper[n]`` holds for graph ``n`` (bits).

    Attributes
    ----------
    upper : ndarray (N,)
        Valid upper bounds on the feedback capacity (rounding margin included).
    margin : ndarray (N,)
        The rounding margin that was added.
    test : ndarray (N, Q, Y)
        The test distributions ``T(y|q)`` used (rows sum to one in float64).
    value : ndarray (N, S, Q)
        The value functions ``V(s,q)`` used (``V[0, 0] = 0``).
    """

    upper: np.ndarray
    margin: np.ndarray
    test: np.ndarray
    value: np.ndarray


@dataclass(frozen=True)
class RankBatch:
    """Result of :meth:`QGraphRankSolver.solve_batch` for ``N`` graphs.

    ``upper[n]`` is a valid bound (NaN where the solve failed), ``estimate[n]``
    the objective of (4.40) at the solver's point (an estimate of ``U(G)``,
    never a bound), ``status[n]`` ``"optimal"`` or ``"solver_failed"`` with
    ``message[n]``, ``seconds[n]`` the solve time.  ``duality`` holds ``T`` and
    ``V`` of the solved graphs (in the order of ``solved``) when requested;
    ``resolved[n]`` marks graphs solved a second time (from scratch, with the
    fallback settings) because the first solve was inaccurate *and* its bound loose.
    """

    upper: np.ndarray
    estimate: np.ndarray
    status: list
    message: list
    seconds: np.ndarray
    solved: np.ndarray
    duality: DualityBatch | None = None
    resolved: np.ndarray | None = None


class _DualMDP:
    """Index arrays of the dual MDP over ``(s, q)`` for a channel and ``m`` nodes (built once)."""

    def __init__(self, arrays: UnifilarArrays, m: int) -> None:
        law, next_state, allowed = arrays.law, arrays.next_state, arrays.allowed
        self.law, self.allowed = law, allowed
        self.S, self.X, self.Y = law.shape
        self.Q = m
        self.n = self.S * m
        self.h = entropy_bits(law)  # H(Y | x, s), (S, X)
        self.kappa = MARGIN_KAPPA(self.Y)
        # (S, 1, X, Y) next channel state, times Q, to be added to phi[n, q, y]
        self.next_base = (next_state * m)[:, None, :, :]
        self.law_b = law[None, :, None, :, :]  # (1, S, 1, X, Y)
        self.mask = np.broadcast_to(allowed[None, :, None, :], (1, self.S, m, self.X))

    def targets(self, phis: np.ndarray) -> np.ndarray:
        """Flat next index ``f(s,x,y) * Q + phi(q,y)`` of shape ``(N, S, Q, X, Y)``."""
        return self.next_base[None] + phis[:, None, :, None, :]

    def rewards(self, test: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``g(s,q,x)`` (-inf on disallowed inputs) and ``sum_y P |log2 T|`` of shape ``(N, S, Q, X)``."""
        log_t = np.log2(test)  # (N, Q, Y)
        cross = np.einsum("sxy,nqy->nsqx", self.law, log_t)
        abs_cross = -np.einsum("sxy,nqy->nsqx", self.law, np.minimum(log_t, 0.0)) + np.einsum(
            "sxy,nqy->nsqx", self.law, np.maximum(log_t, 0.0)
        )
        g = -self.h[None, :, None, :] - cross
        return np.where(self.mask, g, -np.inf), abs_cross

    def continuation(self, value: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``sum_y P(y|x,s) V(next)`` and ``sum_y P |V(next)|``, shape ``(N, S, Q, X)``."""
        flat = value.reshape(value.shape[0], self.n)
        v_next = np.take_along_axis(flat, targets.reshape(targets.shape[0], -1), axis=1).reshape(targets.shape)
        return (self.law_b * v_next).sum(axis=4), (self.law_b * np.abs(v_next)).sum(axis=4)

    def evaluate(self, policy: np.ndarray, rewards: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """Relative values ``V`` (``V[0,0] = 0``) of a policy ``(N, S, Q, X)``: ``(I - K) V + rho = g_pi``."""
        N, n = policy.shape[0], self.n
        weights = policy[..., None] * self.law_b  # (N, S, Q, X, Y)
        rows = np.arange(n).reshape(self.S, self.Q)[None, :, :, None, None]
        flat = (np.arange(N)[:, None, None, None, None] * n + rows) * n + targets
        kernel = np.bincount(flat.ravel(), weights=weights.ravel(), minlength=N * n * n).reshape(N, n, n)
        g_pi = np.where(policy > 0, policy * np.where(np.isfinite(rewards), rewards, 0.0), 0.0).sum(axis=3)
        system = np.eye(n)[None] - kernel
        system[:, :, 0] = 1.0  # the unknown in column 0 is rho (V[0,0] = 0)
        rhs = g_pi.reshape(N, n)
        try:
            z = np.linalg.solve(system, rhs[..., None])[..., 0]
        except np.linalg.LinAlgError:  # a singular graph in the batch: least squares one by one
            z = np.stack([np.linalg.lstsq(a, b, rcond=None)[0] for a, b in zip(system, rhs)])
        z = np.where(np.isfinite(z), z, 0.0)
        z[:, 0] = 0.0
        return z.reshape(N, self.S, self.Q)


def _output_law(arrays: UnifilarArrays, joints: np.ndarray) -> np.ndarray:
    """``P(y|q)`` of the joints ``(N, S, Q, X)`` (uniform on nodes of probability zero)."""
    p_qy = np.einsum("nsqx,sxy->nqy", joints, arrays.law)
    p_q = p_qy.sum(axis=2, keepdims=True)
    return np.where(p_q > 0, p_qy / np.where(p_q > 0, p_q, 1.0), 1.0 / p_qy.shape[2])


def _policy_of(joints: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    pi = joints.sum(axis=3, keepdims=True)
    uniform = (allowed / allowed.sum(axis=1, keepdims=True))[None, :, None, :]
    return np.where(pi > 0, joints / np.where(pi > 0, pi, 1.0), uniform)


def _rho_cert(mdp: _DualMDP, targets: np.ndarray, test: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``rho_cert`` in float64 and its rounding margin (module docstring), and the Q-values ``(N, S, Q, X)``."""
    rewards, abs_cross = mdp.rewards(test)
    cont, abs_cont = mdp.continuation(value, targets)
    q_values = rewards + cont
    bracket = q_values.max(axis=3) - value  # (N, S, Q)
    rho = bracket.reshape(bracket.shape[0], -1).max(axis=1)
    size = np.abs(mdp.h)[None, :, None, :] + abs_cross + abs_cont + np.abs(value)[..., None]
    size = np.where(mdp.mask, size, 0.0).reshape(size.shape[0], -1).max(axis=1)
    return rho, mdp.kappa * _U * size + 2 * mdp.Y * _U, q_values


def duality_bound_of(channel: Channel | UnifilarArrays, phis: np.ndarray, test: np.ndarray, value: np.ndarray) -> DualityBatch:
    """Valid upper bounds (Thm 4.5.2) of ``N`` witnesses: graphs ``phis``, any ``T (N, Q, Y)`` and ``V (N, S, Q)``.

    ``T`` is floored at ``TEST_FLOOR`` and renormalised first; the rounding
    margin of the module docstring is included and the result rounded up.

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify.channels import bsc
    >>> b = duality_bound_of(bsc(0.25), np.array([[[0, 0]]]), np.array([[[0.5, 0.5]]]), np.zeros((1, 1, 1)))
    >>> abs(float(b.upper[0]) - 0.188721875540867) < 1e-13     # 1 - H2(1/4)
    True
    """
    arrays = channel if isinstance(channel, UnifilarArrays) else unifilar_arrays(channel)
    phis = np.asarray(phis, dtype=np.int64)
    mdp = _DualMDP(arrays, phis.shape[1])
    test = _floored(np.asarray(test, dtype=float))
    value = np.asarray(value, dtype=float)
    if test.shape != (phis.shape[0], mdp.Q, mdp.Y) or value.shape != (phis.shape[0], mdp.S, mdp.Q):
        raise InvalidInput(
            f"test, value: expected shapes {(phis.shape[0], mdp.Q, mdp.Y)} and {(phis.shape[0], mdp.S, mdp.Q)}, "
            f"got {test.shape} and {value.shape}"
        )
    rho, margin, _ = _rho_cert(mdp, mdp.targets(phis), test, value)
    return DualityBatch(upper=np.nextafter(rho + margin, np.inf), margin=margin, test=test, value=value)


def _floored(test: np.ndarray) -> np.ndarray:
    test = np.where(np.isfinite(test), test, 0.0)
    test = np.maximum(test, TEST_FLOOR)
    return test / test.sum(axis=-1, keepdims=True)


def duality_bounds(
    channel: Channel | UnifilarArrays, phis: np.ndarray, joints: np.ndarray, *, steps: int = IMPROVEMENT_STEPS
) -> DualityBatch:
    """Valid duality upper bounds (Thm 4.5.2) for ``N`` graphs from (approximate) maximisers of (4.40).

    Parameters
    ----------
    channel : unifilar FSC, DMC or :class:`UnifilarArrays`
    phis : int array (N, Q, Y)
        The Q-graphs.
    joints : array (N, S, Q, X)
        Any nonnegative ``P(s,q,x)`` per graph (normally the solver's maximiser); it
        only chooses ``T`` and the first policy, so a poor one gives a weaker bound, never a wrong one.
    steps : int
        Policy-iteration steps on the dual MDP after evaluating the joints' own policy.

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify.channels import bsc
    >>> uniform = np.full((1, 1, 1, 2), 0.5)          # BSC(0.11) on the one-node graph
    >>> b = duality_bounds(bsc(0.11), np.array([[[0, 0]]]), uniform)
    >>> abs(float(b.upper[0]) - 0.500085) < 1e-6, bool(b.margin[0] < 1e-13)
    (True, True)
    """
    arrays = channel if isinstance(channel, UnifilarArrays) else unifilar_arrays(channel)
    phis = np.asarray(phis, dtype=np.int64)
    joints = np.asarray(joints, dtype=float)
    mdp = _DualMDP(arrays, phis.shape[1])
    if joints.shape != (phis.shape[0], mdp.S, mdp.Q, mdp.X):
        raise InvalidInput(f"joints: expected shape {(phis.shape[0], mdp.S, mdp.Q, mdp.X)}, got {joints.shape}")
    test = _floored(_output_law(arrays, np.clip(joints, 0.0, None)))
    rewards, _ = mdp.rewards(test)
    targets = mdp.targets(phis)
    policy = _policy_of(np.clip(joints, 0.0, None), arrays.allowed)
    policy = np.where(policy < POLICY_CUT, 0.0, policy)  # interior-point dust makes the chain ill-conditioned
    policy /= policy.sum(axis=3, keepdims=True)
    best = np.full(phis.shape[0], np.inf)
    best_margin = np.zeros(phis.shape[0])
    best_value = np.zeros((phis.shape[0], mdp.S, mdp.Q))
    for step in range(steps + 1):
        value = mdp.evaluate(policy, rewards, targets)
        rho, margin, q_values = _rho_cert(mdp, targets, test, value)
        better = rho + margin < best
        best = np.where(better, rho + margin, best)
        best_margin = np.where(better, margin, best_margin)
        best_value = np.where(better[:, None, None], value, best_value)
        if step < steps:  # greedy (deterministic) policy for the next evaluation
            greedy = q_values.argmax(axis=3)
            policy = (greedy[..., None] == np.arange(mdp.X)).astype(float)
    upper = np.nextafter(best, np.inf)
    return DualityBatch(upper=upper, margin=best_margin, test=test, value=best_value)


def _stationary(mdp: _DualMDP, policy: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stationary ``pi(s,q)`` of the chain (4.36) under each policy ``(N, S, Q, X)`` and its residual ``|pi K - pi|_1``."""
    N, n = policy.shape[0], mdp.n
    weights = policy[..., None] * mdp.law_b
    rows = np.arange(n).reshape(mdp.S, mdp.Q)[None, :, :, None, None]
    flat = (np.arange(N)[:, None, None, None, None] * n + rows) * n + targets
    kernel = np.bincount(flat.ravel(), weights=weights.ravel(), minlength=N * n * n).reshape(N, n, n)
    system = np.transpose(kernel, (0, 2, 1)) - np.eye(n)[None]
    system[:, -1, :] = 1.0
    rhs = np.zeros((N, n))
    rhs[:, -1] = 1.0
    try:
        pi = np.linalg.solve(system, rhs[..., None])[..., 0]
    except np.linalg.LinAlgError:
        pi = np.stack([np.linalg.lstsq(a, b, rcond=None)[0] for a, b in zip(system, rhs)])
    pi = np.clip(np.where(np.isfinite(pi), pi, 0.0), 0.0, None)
    pi /= np.where(pi.sum(axis=1, keepdims=True) > 0, pi.sum(axis=1, keepdims=True), 1.0)
    residual = np.abs(np.einsum("ni,nij->nj", pi, kernel) - pi).sum(axis=1)
    return pi.reshape(N, mdp.S, mdp.Q), residual


def screening_bounds(
    channel: Channel | UnifilarArrays, phis: np.ndarray, *, iterations: int = SCREEN_ITERATIONS, step: float = SCREEN_STEP
) -> tuple[np.ndarray, DualityBatch]:
    """Cheap bracket ``lower <= U(G) <= upper`` of many graphs, for screening a ranking (no conic solve).

    Starting from the uniform input, ``iterations`` rounds of a multiplicative
    update ``P(x|s,q) <- P(x|s,q) 2^(step * advantage(s,q,x))`` on the dual MDP
    of the current output law (advantages from policy evaluation) are taken, in
    batch.  ``lower`` is the best rate ``I(X,S;Y|Q)`` (4.40) of the visited inputs
    at their exact stationary law (residual below ``1e-9``, else ``-inf``): a
    feasible point of (4.40), so at most ``U(G)``; ``upper`` is the duality bound
    (Thm 4.5.2) at the last output law (valid, usually loose).

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify.channels import trapdoor_channel
    >>> low, up = screening_bounds(trapdoor_channel(), np.array([[[0, 1], [0, 2], [1, 2]]]))
    >>> bool(low[0] <= 0.6942419136306 <= up.upper[0])        # log2 of the golden ratio
    True
    """
    arrays = channel if isinstance(channel, UnifilarArrays) else unifilar_arrays(channel)
    phis = np.asarray(phis, dtype=np.int64)
    mdp = _DualMDP(arrays, phis.shape[1])
    targets = mdp.targets(phis)
    allowed = arrays.allowed[None, :, None, :]
    policy = np.broadcast_to(allowed / allowed.sum(axis=3, keepdims=True), (len(phis), mdp.S, mdp.Q, mdp.X)).copy()
    lower = np.full(len(phis), -np.inf)
    for _ in range(max(1, iterations)):  # at least once: test and value are set below
        pi, residual = _stationary(mdp, policy, targets)
        joint = pi[..., None] * policy
        lower = np.maximum(lower, np.where(residual < 1e-9, _rate_of_joints(arrays, joint), -np.inf))
        test = _floored(_output_law(arrays, joint))
        rewards, _ = mdp.rewards(test)
        value = mdp.evaluate(policy, rewards, targets)
        cont, _ = mdp.continuation(value, targets)
        advantage = rewards + cont
        advantage = advantage - advantage.max(axis=3, keepdims=True)
        policy = np.where(allowed, policy * np.exp2(step * np.where(np.isfinite(advantage), advantage, -60.0)), 0.0)
        policy /= policy.sum(axis=3, keepdims=True)
        policy = np.where(allowed, np.maximum(policy, 1e-12), 0.0)
        policy /= policy.sum(axis=3, keepdims=True)
    return lower, duality_bound_of(arrays, phis, test, value)


def _rate_of_joints(arrays: UnifilarArrays, joints: np.ndarray) -> np.ndarray:
    """``I(X,S;Y|Q)`` (bits) of each joint ``(N, S, Q, X)`` times ``P(y|x,s)`` (objective of (4.40))."""
    p_qy = np.einsum("nsqx,sxy->nqy", joints, arrays.law)
    p_q = p_qy.sum(axis=2, keepdims=True)
    cond = np.divide(p_qy, p_q, out=np.zeros_like(p_qy), where=p_q > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        h_q = -np.where(cond > 0, cond * np.log2(np.where(cond > 0, cond, 1.0)), 0.0).sum(axis=2)
    h_y_q = (p_q[..., 0] * h_q).sum(axis=1)
    h_y_xs = np.einsum("nsqx,sx->n", joints, entropy_bits(arrays.law))
    return h_y_q - h_y_xs


def push_smallest(heap: list[float], values: Iterable[float], keep: int) -> None:
    """Keep in ``heap`` (negated values, a max-heap) the ``keep`` smallest values seen; ``-heap[0]`` is the ``keep``-th.

    Examples
    --------
    >>> heap: list[float] = []
    >>> push_smallest(heap, [0.7, 0.2, 0.5, 0.9], 2)
    >>> -heap[0]
    0.5
    """
    for value in values:
        if len(heap) < keep:
            heapq.heappush(heap, -value)
        elif value < -heap[0]:
            heapq.heapreplace(heap, -value)


class QGraphRankSolver:
    """Program (4.40) built once for (channel, ``m``); :meth:`solve_batch` returns valid bounds per graph.

    Per graph only the stationarity block is rewritten and Clarabel is re-solved
    in place; no graph object, policy or frozen result is built, and strong
    connectivity is not re-checked (the enumerator guarantees it; a graph that is
    not strongly connected still gets a valid, if weaker, bound).  Estimates
    and duality bounds are then computed for the whole batch at once.

    Parameters
    ----------
    channel : unifilar FSC or DMC
    m : int
        Number of Q-graph nodes.
    solver_options : mapping, optional
        Clarabel settings (default that of :class:`QGraphBoundProgram`).

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify.channels import trapdoor_channel
    >>> solver = QGraphRankSolver(trapdoor_channel(), 3)
    >>> out = solver.solve_batch(np.array([[[0, 1], [0, 2], [1, 2]]]))
    >>> 0.6942419136 < float(out.upper[0]) < 0.6942419139    # log2 of the golden ratio, from above
    True
    """

    def __init__(self, channel: Channel | UnifilarArrays, m: int, *, solver_options: Any = None) -> None:
        self.program = QGraphBoundProgram(channel, m, solver_options=solver_options)
        self.arrays = self.program.arrays
        self.m = self.program.m
        self.r = self.program.r

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_solver, (self.arrays, self.m, self.program.solver_options))

    def __call__(self, graph: Any, *, lower: bool = True) -> Any:
        """The full :meth:`QGraphBoundProgram.solve` result of one graph (policy, output law, BCJR lower bound)."""
        return self.program.solve(graph, lower=lower)

    def solve_batch(
        self, phis: np.ndarray, *, keep_duality: bool = False, screen_above: float | None = None, keep: int = 1
    ) -> RankBatch:
        """Solve (4.40) for each graph of ``phis`` ``(N, m, r)`` and bound it by Thm 4.5.2 (module docstring).

        With ``screen_above`` (a number, ``inf`` allowed), graphs are screened:
        the cheap bracket :func:`screening_bounds` of every graph is computed,
        the graphs are solved in increasing order of their lower bound, in
        groups of doubling size, and the threshold becomes the smaller of
        ``screen_above`` and the ``keep``-th best exact bound found so far.  A
        graph whose lower bound exceeds the threshold by ``SCREEN_MARGIN`` is not
        solved (nor is any later one: the lower bounds increase, the threshold
        decreases): its status is ``"screened"``, ``upper`` its (valid, loose)
        screening bound and ``estimate`` the lower bound.  A ranking passes its
        current ``keep``-th best bound: a screened graph cannot be among the
        ``keep`` best.  ``keep_duality`` is honoured only without screening.
        """
        phis = np.asarray(phis, dtype=np.int64)
        if screen_above is not None and len(phis):
            return self._solve_screened(phis, float(screen_above), max(1, int(keep)))
        return self._solve_every(phis, keep_duality=keep_duality)

    def _solve_screened(self, phis: np.ndarray, screen_above: float, keep: int) -> RankBatch:
        """:meth:`solve_batch` with screening (see there): most promising graphs first, threshold tightened per group."""
        low, loose = screening_bounds(self.arrays, phis)
        low = np.where(np.isnan(low), -np.inf, low)  # no lower bound: the graph must be solved, never screened
        n_graphs = len(phis)
        upper, estimate = loose.upper.copy(), low.copy()
        status: list = ["screened"] * n_graphs
        message: list = [None] * n_graphs
        seconds = np.zeros(n_graphs)
        resolved = np.zeros(n_graphs, dtype=bool)
        solved: list[np.ndarray] = []
        order = np.argsort(low, kind="stable")
        best: list[float] = []  # max-heap (negated) of the ``keep`` smallest exact bounds of this batch
        start, size = 0, keep
        while start < n_graphs:
            threshold = min(screen_above, -best[0]) if len(best) == keep else screen_above
            group = order[start : start + size]
            group = group[low[group] <= threshold + SCREEN_MARGIN]
            if not len(group):
                break  # every later graph has a larger lower bound
            inner = self._solve_every(phis[group])
            upper[group], estimate[group] = inner.upper, inner.estimate
            seconds[group] = inner.seconds
            resolved[group] = cast(np.ndarray, inner.resolved)
            for j, i in enumerate(group.tolist()):
                status[i], message[i] = inner.status[j], inner.message[j]
            solved.append(group[inner.solved])
            push_smallest(best, inner.upper[inner.solved].tolist(), keep)
            start += size
            size *= 2
        solved_idx = np.sort(np.concatenate(solved)) if solved else np.zeros(0, dtype=np.int64)
        return RankBatch(upper, estimate, status, message, seconds, solved_idx, None, resolved)

    def _solve_every(self, phis: np.ndarray, *, keep_duality: bool = False) -> RankBatch:
        """Solve (4.40) for every graph of ``phis`` and bound it by Thm 4.5.2 (no screening).

        Long because it is the hot loop of a ranking: the per-graph conic solves
        and the batched duality bound share their arrays in one pass, without
        per-graph objects (issue 16).
        """
        program, cone = self.program, self.program._cone
        n_graphs = phis.shape[0]
        xs = np.zeros((n_graphs, cone.n_vars))
        duals = np.zeros((n_graphs, len(cone.b)))
        ok = np.zeros(n_graphs, dtype=bool)
        seconds = np.zeros(n_graphs)
        status = ["optimal"] * n_graphs
        message: list[str | None] = [None] * n_graphs
        almost: list[int] = []
        resolved = np.zeros(n_graphs, dtype=bool)
        for i in range(n_graphs):
            start = time.perf_counter()
            x, solver_status = cone.solve(program._stationarity_of_phi(phis[i]), program.solver_options, ())
            seconds[i] = time.perf_counter() - start
            if solver_status in ("Solved", "AlmostSolved"):
                xs[i], ok[i] = x, True
                duals[i] = cone.last_dual
                if solver_status == "AlmostSolved":
                    almost.append(i)
            else:
                status[i] = "solver_failed"
                message[i] = f"status: Clarabel returned {solver_status!r} on graph {phis[i].tolist()}, expected 'Solved'"
        if almost:  # keep an inaccurate solve when its duality bound is tight anyway; re-solve the others
            idx = np.array(almost)
            joints = self._joints(xs[idx])
            gap = self._dual_bounds(phis[idx], duals[idx]).upper - _rate_of_joints(self.arrays, joints)
            for i in idx[~(np.abs(gap) <= ALMOST_SOLVED_GAP)]:
                resolved[i] = True  # one fresh solve with looser tolerances, never more
                start = time.perf_counter()
                values = cone._values(program._stationarity_of_phi(phis[i]))
                fresh = cone._new_solver(values, {**program.solver_options, **RESOLVE}).solve()
                solver_status = str(fresh.status)
                seconds[i] += time.perf_counter() - start
                if solver_status in ("Solved", "AlmostSolved"):
                    xs[i], duals[i] = np.asarray(fresh.x, dtype=float)[: cone.n_vars], fresh.z
                    if solver_status == "AlmostSolved":
                        retry_gap = self._dual_bounds(phis[i : i + 1], duals[i : i + 1]).upper[0] - _rate_of_joints(
                            self.arrays, self._joints(xs[i : i + 1])
                        )[0]
                        if not abs(retry_gap) <= RESOLVED_GAP:
                            ok[i] = False
                            status[i] = "solver_failed"
                            message[i] = (
                                f"status: Clarabel returned 'AlmostSolved' twice on graph {phis[i].tolist()} and the "
                                f"duality bound is {retry_gap:.2g} above the estimate, expected 'Solved'"
                            )
                else:
                    ok[i] = False
                    status[i] = "solver_failed"
                    message[i] = f"status: Clarabel returned {solver_status!r} on graph {phis[i].tolist()}, expected 'Solved'"
        solved = np.flatnonzero(ok)
        joints = self._joints(xs[solved])
        upper = np.full(n_graphs, np.nan)
        estimate = np.full(n_graphs, np.nan)
        duality = None
        if len(solved):
            duality = self._dual_bounds(phis[solved], duals[solved])
            upper[solved] = duality.upper
            estimate[solved] = _rate_of_joints(self.arrays, joints)
        return RankBatch(upper, estimate, status, message, seconds, solved, duality if keep_duality else None, resolved)


    def _joints(self, xs: np.ndarray) -> np.ndarray:
        """``P(s,q,x)`` of shape ``(N, S, Q, X)`` from solver vectors over the allowed triples (clipped, normalised)."""
        S, X = self.arrays.law.shape[0], self.arrays.law.shape[1]
        joints = np.zeros((len(xs), S, self.m, X))
        s, q, x = self.program._triples.T
        joints[:, s, q, x] = np.clip(xs, 0.0, None)
        totals = joints.sum(axis=(1, 2, 3))
        return joints / np.where(totals > 0, totals, 1.0)[:, None, None, None]

    def _dual_bounds(self, phis: np.ndarray, duals: np.ndarray) -> DualityBatch:
        """Thm 4.5.2 with ``(T, V)`` read from Clarabel's dual variables (module docstring); best of two readings of ``T``."""
        cone = self.program._cone
        S, Q, Y = self.arrays.law.shape[0], self.m, self.r
        n = len(phis)
        y_stat = np.concatenate([duals[:, 1 : cone.n_zero], np.zeros((n, 1))], axis=1)  # last row was dropped
        value = -y_stat.reshape(n, Q, S).transpose(0, 2, 1)
        value = value - value[:, :1, :1]
        cones = duals[:, cone.n_zero + cone.n_vars :].reshape(n, Q * Y, 3)
        scale = np.where(cones[:, :, 0] < 0, -cones[:, :, 0], np.nan)  # 1/ln 2 at any dual-feasible point
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            from_w = (cones[:, :, 2] / scale).reshape(n, Q, Y)
            from_v = np.exp2(-cones[:, :, 1] / (scale * math.log(2.0)) - 1.0 / math.log(2.0)).reshape(n, Q, Y)
        candidates = [duality_bound_of(self.arrays, phis, t, value) for t in (from_w, from_v)]
        pick = candidates[1].upper < candidates[0].upper
        chosen = [candidates[int(p)] for p in pick]
        return DualityBatch(
            upper=np.where(pick, candidates[1].upper, candidates[0].upper),
            margin=np.where(pick, candidates[1].margin, candidates[0].margin),
            test=np.stack([c.test[i] for i, c in enumerate(chosen)]) if n else candidates[0].test,
            value=value,
        )


def _rebuild_solver(arrays: UnifilarArrays, m: int, options: Any) -> QGraphRankSolver:
    return QGraphRankSolver(arrays, m, solver_options=options)

"""A BCJR-invariant input on a given Q-graph, refined from a belief-MDP policy (Thm 4.4.4, eq. (4.43)).

Step 5 of the Q-graph discovery (:mod:`dicert.verify.capacity.discover`): the
node beliefs and per-node actions of the MDP's policy start an SLSQP search
over inputs that satisfy BCJR invariance (4.43) in product form; the rate of
an invariant input is achievable, so it is a lower bound on ``C_fb``.

Examples
--------
>>> import numpy as np
>>> from dicert.graphs.qgraph import QGraph
>>> from dicert.verify.channels import parse_channel
>>> from dicert.verify.capacity.invariant_refine import refine_invariant_input
>>> r = refine_invariant_input(parse_channel("bsc:p=0.1"), QGraph([[0, 0]]), np.ones((1, 1)), np.full((1, 1, 2), 0.5))
>>> round(r.rate, 6), r.bcjr_residual < 1e-9
(0.531004, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dicert.graphs.qgraph import QGraph
from dicert.verify._numeric import stationary_law
from dicert.verify.capacity.belief_mdp import belief_update, reward_bits

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import UnifilarSource

__all__ = ["InvariantInput", "refine_invariant_input"]


@dataclass(frozen=True)
class InvariantInput:
    """A BCJR-invariant input on a Q-graph found by :func:`refine_invariant_input`.

    Attributes
    ----------
    policy:
        ``P(x|s,q)``, shape ``(S, Q, X)``.
    node_beliefs:
        ``beta_q = P(s | q)``, shape ``(Q, S)``.
    rate:
        ``I(X,S;Y|Q)`` in bits re-evaluated by
        :func:`~dicert.verify.capacity.qgraph_bounds.evaluate_policy` (exact stationary law).
    bcjr_residual:
        The invariance residual (4.43) of that evaluation.
    """

    policy: np.ndarray
    node_beliefs: np.ndarray
    rate: float
    bcjr_residual: float


def refine_invariant_input(
    channel: UnifilarSource,
    graph: QGraph,
    node_beliefs: np.ndarray,
    node_actions: np.ndarray,
    *,
    max_iter: int = 500,
) -> InvariantInput:
    """Maximise ``I(X,S;Y|Q)`` over BCJR-invariant inputs near the MDP's policy (Thm 4.4.4).

    Unknowns are the node beliefs ``beta_q`` and actions ``Pi_q(s, x)``; the
    invariance (4.43) is imposed in product form
    ``sum_{s,x} beta_q(s) Pi_q(s,x) P(y|x,s) 1{f(s,x,y)=s'} = P(y|q) beta_{Phi(q,y)}(s')``
    and the rate ``sum_q pi(q) g(beta_q, Pi_q)`` (``pi`` stationary on the graph) is
    maximised by SLSQP from the simulated cluster centres and greedy actions.  The
    result is re-evaluated exactly; its rate is a lower bound on ``C_fb`` whenever the
    residual is (numerically) zero.

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify.channels import parse_channel
    >>> ch = parse_channel("bsc:p=0.1")
    >>> r = refine_invariant_input(ch, QGraph([[0, 0]]), np.ones((1, 1)), np.full((1, 1, 2), 0.5))
    >>> round(r.rate, 6)
    0.531004
    """
    from scipy.optimize import minimize

    from dicert.verify.capacity.qgraph_bounds import evaluate_policy, unifilar_arrays

    program = _InvariantProgram(unifilar_arrays(channel), graph)
    v0 = program.start(node_beliefs, node_actions)
    result = minimize(
        program.objective,
        v0,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * len(v0),
        constraints=[{"type": "eq", "fun": program.invariance}, {"type": "eq", "fun": program.sums}],
        options={"maxiter": max_iter, "ftol": 1e-15},
    )
    beta, policy = program.normalised(result.x)
    evaluation = evaluate_policy(channel, graph, policy)
    return InvariantInput(
        policy=policy,
        node_beliefs=beta,
        rate=float(evaluation.rate),
        bcjr_residual=float(evaluation.bcjr_residual),
    )


class _InvariantProgram:
    """Unknowns, objective and constraints of :func:`refine_invariant_input` (product form of (4.43)).

    The unknown vector holds ``Pi_q(s, x)`` over allowed ``(s, x)`` for every node,
    then the node beliefs ``beta_q(s)``.
    """

    def __init__(self, arrays: Any, graph: QGraph) -> None:
        self.law, self.next_state = arrays.law, arrays.next_state
        ns, nx, self.ny = self.law.shape
        self.m, self.ns, self.phi = graph.m, ns, graph.phi
        self.onehot = np.eye(ns)[self.next_state]  # (S, X, Y, S')
        self.free = np.broadcast_to(arrays.allowed[None], (self.m, ns, nx))
        self.n_pi = int(self.free.sum())

    def start(self, node_beliefs: np.ndarray, node_actions: np.ndarray) -> np.ndarray:
        actions0 = np.where(self.free, np.asarray(node_actions, dtype=float), 0.0)
        return np.concatenate([actions0[self.free], np.asarray(node_beliefs, dtype=float).reshape(-1)])

    def unpack(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pi_mat = np.zeros(self.free.shape)
        pi_mat[self.free] = v[: self.n_pi]
        return v[self.n_pi :].reshape(self.m, self.ns), pi_mat

    def stationary_q(self, p_y: np.ndarray) -> np.ndarray:
        kernel = np.zeros((self.m, self.m))
        np.add.at(kernel, (np.repeat(np.arange(self.m), self.ny), self.phi.reshape(-1)), p_y.reshape(-1))
        return stationary_law(kernel, clip=False)  # raw solve: smooth in the SLSQP unknowns

    def objective(self, v: np.ndarray) -> float:
        beta, pi_mat = self.unpack(v)
        p_y, _ = belief_update(self.law, self.next_state, beta, pi_mat)
        return -float(self.stationary_q(p_y) @ reward_bits(self.law, beta, pi_mat))

    def invariance(self, v: np.ndarray) -> np.ndarray:
        beta, pi_mat = self.unpack(v)
        joint = beta[:, :, None, None] * pi_mat[:, :, :, None] * self.law  # (Q, S, X, Y)
        unnorm = np.einsum("qsxy,sxyt->qyt", joint, self.onehot)
        p_y = joint.sum(axis=(1, 2))
        # the last component per (q, y) is implied by the sum constraints: drop it
        return (unnorm - p_y[:, :, None] * beta[self.phi])[:, :, :-1].reshape(-1)

    def sums(self, v: np.ndarray) -> np.ndarray:
        beta, pi_mat = self.unpack(v)
        return np.concatenate([pi_mat.sum(axis=2).reshape(-1) - 1.0, beta.sum(axis=1) - 1.0])

    def normalised(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(beta, P(x|s,q) as (S, Q, X))`` from a solver point, clipped and renormalised."""
        beta, pi_mat = self.unpack(np.clip(v, 0.0, 1.0))
        pi_mat = np.where(self.free, pi_mat, 0.0)
        pi_mat /= pi_mat.sum(axis=2, keepdims=True)
        beta /= beta.sum(axis=1, keepdims=True)
        return beta, np.transpose(pi_mat, (1, 0, 2))

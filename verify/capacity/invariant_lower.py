"""Best BCJR-invariant input on a Q-graph: multi-start local search (Thm 4.4.4, estimates only).

The lower bound of Thm 4.4.4 holds for any input ``P(x|s,q)`` that is
BCJR-invariant (4.43) on the Q-graph; the best such bound on a graph is the
non-convex problem

    max  sum_q pi(q) g(beta_q, Pi_q)     over node beliefs beta_q and actions Pi_q(s, x)
    s.t. sum_{s,x} beta_q(s) Pi_q(s,x) P(y|x,s) 1{f(s,x,y)=s'} = P(y|q) beta_{phi(q,y)}(s')   (4.43)

(``g`` the reward of Table 4.1, ``pi`` stationary on the graph).
:func:`best_invariant_input` solves it by SLSQP from several starting points:
the maximiser of the convex Q-graph program (4.40) (which is invariant when
Cor. 4.4.5 applies), the invariant point of its optimal face found by one
linear program with the optimal output law held fixed
(:mod:`dicert.verify.capacity.invariant_face`; exact when the bound is
attained by an invariant input on the graph), any starts the caller passes (e.g. the belief-MDP's greedy
policy at the node beliefs), and Dirichlet-random ones (``rng``).  Every allowed
action entry is kept at least ``margin`` away from zero so that the exact
projection of :mod:`dicert.verify.certify.invariant_witness` stays a probability
kernel; the loss in rate is of order ``margin``.

The result is an *estimate* (``rate_estimate``); it becomes a certified lower
bound only through :func:`dicert.verify.certify.invariant_lower_cert.certified_invariant_lower`.

Examples
--------
>>> from dicert.verify.channels import parse_channel
>>> from dicert.verify.capacity.invariant_lower import best_invariant_input
>>> est = best_invariant_input(parse_channel("post:a=0.1"), [[0, 1], [0, 1]], random_starts=0, optimise=False)
>>> round(est.rate_estimate, 8)        # POST(0.1) feedback capacity 0.76284825...
0.76284825
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from dicert.graphs.qgraph import QGraph
from dicert.verify.capacity.belief_mdp import belief_update, reward_bits
from dicert.verify.errors import InvalidInput

if TYPE_CHECKING:
    from dicert.verify.capacity.qgraph_bounds import UnifilarArrays
    from dicert.verify.channels.protocol import Channel

__all__ = ["InvariantEstimate", "best_invariant_input", "invariant_candidates", "beliefs_of_policy"]

#: Margins tried, in order, by the certified pipeline (see module docstring).


@dataclass(frozen=True)
class InvariantEstimate:
    """A numerically BCJR-invariant input and its rate (solver estimate).

    Attributes
    ----------
    policy : ndarray ``(S, Q, X)``
        ``P(x|s,q)``.
    beliefs : ndarray ``(Q, S)``
        Node beliefs ``beta_q(s)``.
    rate_estimate : float
        ``I(X,S;Y|Q)`` in bits (float).
    residual : float
        Max absolute violation of (4.43).
    margin : float
        Lower bound imposed on allowed action entries.
    start : str
        Which start produced it.
    """

    policy: np.ndarray = field(repr=False)
    beliefs: np.ndarray = field(repr=False)
    rate_estimate: float
    residual: float
    margin: float
    start: str


def beliefs_of_policy(channel: Channel | UnifilarArrays, graph: Any, policy: Any) -> np.ndarray:
    """Node beliefs ``pi(s|q)`` of a policy's stationary law (rows of zero mass: uniform), shape ``(Q, S)``.

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> beliefs_of_policy(parse_channel("bsc"), [[0, 0]], [[[0.5, 0.5]]]).tolist()
    [[1.0]]
    """
    from dicert.verify.capacity.qgraph_bounds import as_qgraph, evaluate_policy, unifilar_arrays

    arrays = unifilar_arrays(channel)
    g = as_qgraph(graph, outputs=int(arrays.law.shape[2]))
    st = np.asarray(evaluate_policy(arrays, g, policy).stationary, dtype=float)  # (S, Q)
    mass = st.sum(axis=0)
    out = np.where(mass[None, :] > 0, st / np.where(mass > 0, mass, 1.0)[None, :], 1.0 / st.shape[0])
    return out.T.copy()


class _Problem:
    """The SLSQP formulation (module docstring) on one channel and graph."""

    def __init__(self, channel: Channel | UnifilarArrays, graph: QGraph) -> None:
        from dicert.verify.capacity.qgraph_bounds import unifilar_arrays

        arrays = unifilar_arrays(channel)
        self.law, self.nxt, self.allowed = arrays.law, arrays.next_state, arrays.allowed
        self.S, self.X, self.Y = self.law.shape
        self.graph = graph
        self.phi = graph.phi
        self.m = graph.m
        self.onehot = np.eye(self.S)[self.nxt]
        self.free = np.broadcast_to(self.allowed[None], (self.m, self.S, self.X))
        self.n_pi = int(self.free.sum())

    def unpack(self, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        v = np.clip(v, 0.0, 1.0)  # finite-difference steps may leave the box
        acts = np.zeros((self.m, self.S, self.X))
        acts[self.free] = v[: self.n_pi]
        return v[self.n_pi:].reshape(self.m, self.S), acts

    def pack(self, beliefs: np.ndarray, acts: np.ndarray) -> np.ndarray:
        return np.concatenate([np.asarray(acts, dtype=float)[self.free], np.asarray(beliefs, dtype=float).reshape(-1)])

    def stationary_q(self, p_y: np.ndarray) -> np.ndarray:
        m = self.m
        kernel = np.zeros((m, m))
        np.add.at(kernel, (np.repeat(np.arange(m), self.Y), self.phi.reshape(-1)), p_y.reshape(-1))
        system = np.vstack([kernel.T - np.eye(m), np.ones((1, m))])
        rhs = np.zeros(m + 1)
        rhs[-1] = 1.0
        return np.linalg.lstsq(system, rhs, rcond=None)[0]

    def rate(self, v: np.ndarray) -> float:
        beta, acts = self.unpack(v)
        p_y, _ = belief_update(self.law, self.nxt, beta, acts)
        return float(self.stationary_q(p_y) @ reward_bits(self.law, beta, acts))

    def invariance(self, v: np.ndarray) -> np.ndarray:
        beta, acts = self.unpack(v)
        joint = beta[:, :, None, None] * acts[:, :, :, None] * self.law
        unnorm = np.einsum("qsxy,sxyt->qyt", joint, self.onehot)
        p_y = joint.sum(axis=(1, 2))
        return (unnorm - p_y[:, :, None] * beta[self.phi])[:, :, :-1].reshape(-1)

    def sums(self, v: np.ndarray) -> np.ndarray:
        beta, acts = self.unpack(v)
        return np.concatenate([acts.sum(axis=2).reshape(-1) - 1.0, beta.sum(axis=1) - 1.0])

    def solve(self, beliefs: np.ndarray, acts: np.ndarray, margin: float, max_iter: int) -> np.ndarray:
        from scipy.optimize import minimize

        acts = np.where(self.free, np.clip(acts, margin, 1.0), 0.0)
        acts = acts / acts.sum(axis=2, keepdims=True)
        v0 = self.pack(beliefs, acts)
        bounds = [(margin, 1.0)] * self.n_pi + [(0.0, 1.0)] * (self.m * self.S)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = minimize(
                lambda v: -self.rate(v), v0, method="SLSQP", bounds=bounds,
                constraints=[{"type": "eq", "fun": self.invariance}, {"type": "eq", "fun": self.sums}],
                options={"maxiter": max_iter, "ftol": 1e-16},
            )
        return np.clip(res.x, 0.0, 1.0)

    def finish(self, v: np.ndarray, margin: float, start: str) -> InvariantEstimate:
        beta, acts = self.unpack(v)
        acts = np.where(self.free, acts, 0.0)
        acts = acts / acts.sum(axis=2, keepdims=True)
        beta = beta / beta.sum(axis=1, keepdims=True)
        v = self.pack(beta, acts)
        residual = float(np.max(np.abs(self.invariance(v)))) if self.invariance(v).size else 0.0
        return InvariantEstimate(np.transpose(acts, (1, 0, 2)).copy(), beta.copy(), self.rate(v), residual,
                                 margin, start)


def _snappable(value: np.ndarray, tol: float = 1e-10, denominator: int = 64) -> np.ndarray:
    """Entries within ``tol`` of a rational with a small denominator (they are kept fixed)."""
    from fractions import Fraction

    flat = [abs(float(Fraction(float(v)).limit_denominator(denominator)) - float(v)) <= tol
            for v in np.asarray(value, dtype=float).reshape(-1)]
    return np.array(flat, dtype=bool).reshape(np.shape(value))


def _snap_beliefs(beta: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """Snappable belief entries replaced by their small-denominator rational (as the exact stage does)."""
    from fractions import Fraction

    beta = np.array(beta, dtype=float)
    mask = _snappable(beta, tol)
    for idx in zip(*np.nonzero(mask)):
        beta[idx] = float(Fraction(float(beta[idx])).limit_denominator(64))
    return beta / beta.sum(axis=1, keepdims=True)


class _BeliefSearch:
    """Search over node beliefs; the policy is the (float) solution of the then-linear (4.43).

    For fixed beliefs the equations split by node: node ``q``'s actions solve
    ``A_q(beta) Pi_q = b`` (``Y (S-1)`` invariance rows and ``S`` row sums), taken
    in least squares nearest to the reference policy.
    """

    def __init__(self, prob: _Problem, reference: np.ndarray) -> None:
        self.p = prob
        S, X = prob.S, prob.X
        self.sv, self.xv = (np.array(a, dtype=np.int64) for a in np.nonzero(prob.allowed))
        self.ref = np.where(prob.free, np.asarray(reference, dtype=float), 0.0)[:, self.sv, self.xv]  # (Q, V)
        law = prob.law[self.sv, self.xv, :]  # (V, Y)
        self.law_v = law.T[:, None, :]  # (Y, 1, V)
        self.ind = np.transpose(prob.onehot[self.sv, self.xv, :, : S - 1], (1, 2, 0))  # (Y, S-1, V)
        sums = np.zeros((S, len(self.sv)))
        sums[self.sv, np.arange(len(self.sv))] = 1.0
        self.sums = sums
        self.rhs = np.concatenate([np.zeros(prob.Y * (S - 1)), np.ones(S)])

    def system(self, beta: np.ndarray) -> np.ndarray:
        p = self.p
        nb = beta[p.phi][:, :, : p.S - 1]  # (Q, Y, S-1)
        coef = beta[:, self.sv][:, None, None, :] * self.law_v[None] * (self.ind[None] - nb[..., None])
        inv = coef.reshape(p.m, p.Y * (p.S - 1), len(self.sv))
        return np.concatenate([inv, np.broadcast_to(self.sums, (p.m,) + self.sums.shape)], axis=1)

    def policy(self, beta: np.ndarray) -> tuple[np.ndarray, float]:
        A = self.system(beta)
        r = self.rhs[None, :] - np.einsum("qrv,qv->qr", A, self.ref)
        sol = self.ref + np.einsum("qvr,qr->qv", np.linalg.pinv(A, rcond=1e-12), r)
        resid = np.einsum("qrv,qv->qr", A, sol) - self.rhs[None, :]
        return sol, float(np.max(np.abs(resid)))

    def relevant(self, beta: np.ndarray) -> np.ndarray:
        """Action entries that (4.43) constrains: rows of positive belief, shape (Q, V)."""
        return beta[:, self.sv] > 1e-12

    def slack(self, beta: np.ndarray, margin: float) -> np.ndarray:
        """``policy - margin`` on the relevant entries (all >= 0 when feasible)."""
        sol, _ = self.policy(beta)
        return (sol - margin)[self.relevant(beta)]

    def acts(self, sol: np.ndarray) -> np.ndarray:
        p = self.p
        acts = np.zeros((p.m, p.S, p.X))
        acts[:, self.sv, self.xv] = sol
        return acts

    def rate_of(self, beta: np.ndarray) -> float:
        sol, _ = self.policy(beta)
        acts = np.clip(self.acts(sol), 0.0, 1.0)
        return self.p.rate(self.p.pack(np.clip(beta, 0.0, 1.0), acts))

    def solve(self, beta0: np.ndarray, margin: float, max_iter: int) -> np.ndarray:
        """SLSQP over the belief coordinates that are not snappable (module docstring)."""
        from scipy.optimize import minimize

        p = self.p
        beta0 = np.asarray(beta0, dtype=float)
        if p.S == 1:
            return beta0
        head = beta0[:, :-1]
        free = ~_snappable(head)
        if not free.any():
            return beta0

        def beta_of(u: np.ndarray) -> np.ndarray:
            h = head.copy()
            h[free] = u
            return np.concatenate([h, 1.0 - h.sum(axis=1, keepdims=True)], axis=1)

        def ineq(u: np.ndarray) -> np.ndarray:
            beta = beta_of(u)
            return np.concatenate([self.slack(beta, margin), beta[:, -1]])

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = minimize(lambda u: -self.rate_of(beta_of(u)), head[free], method="SLSQP",
                           bounds=[(0.0, 1.0)] * int(free.sum()), constraints=[{"type": "ineq", "fun": ineq}],
                           options={"maxiter": max_iter, "ftol": 1e-16})
        u = np.clip(res.x, 0.0, 1.0)
        if u.size == 1:  # one free belief: polish with a bounded scalar search (SLSQP stalls near 1e-9)
            from scipy.optimize import minimize_scalar

            def neg(t: float) -> float:
                beta = beta_of(np.array([t]))
                if self.slack(beta, margin).min(initial=1.0) < 0 or beta.min() < 0:
                    return 1.0
                return -self.rate_of(beta)

            lo, hi = max(0.0, u[0] - 0.05), min(1.0, u[0] + 0.05)
            scalar = minimize_scalar(neg, bounds=(lo, hi), method="bounded", options={"xatol": 1e-13})
            if scalar.fun < neg(float(u[0])):
                u = np.array([scalar.x])
        beta = beta_of(u)
        if self.slack(beta, margin).min(initial=1.0) < 0:
            beta = self.push(beta, margin, free)
        return beta

    def push(self, beta: np.ndarray, margin: float, free: np.ndarray, trust: float = 1e-6) -> np.ndarray:
        """Smallest move (L1, linear program on the linearisation) of the free beliefs making every action >= margin."""
        from scipy.optimize import linprog

        head = beta[:, :-1].copy()
        idx = np.argwhere(free)
        n = len(idx)

        def beta_of(h: np.ndarray) -> np.ndarray:
            return np.concatenate([h, 1.0 - h.sum(axis=1, keepdims=True)], axis=1)

        for _ in range(5):
            sol0, _ = self.policy(beta_of(head))
            rel = self.relevant(beta_of(head)).reshape(-1)
            if sol0.reshape(-1)[rel].min(initial=1.0) >= margin:
                break
            step = 1e-8
            J = []
            for i, j in idx:
                h = head.copy()
                h[i, j] += step
                sol1, _ = self.policy(beta_of(h))
                J.append((sol1 - sol0).reshape(-1) / step)
            J = np.array(J).T[rel]  # (relevant entries, free)
            # d = dp - dm >= ... ; minimise sum(dp + dm) s.t. sol0 + J d >= 2 margin
            need = 2.0 * margin - sol0.reshape(-1)[rel]
            scale = max(float(need.max()), margin)  # LP in units of the needed move (HiGHS tolerances ~1e-7)
            A_ub = np.hstack([-J, J])
            res = linprog(np.ones(2 * n), A_ub=A_ub, b_ub=-need / scale, bounds=[(0.0, trust / scale)] * (2 * n),
                          method="highs")
            if res.status != 0:
                break
            d = (res.x[:n] - res.x[n:]) * scale
            for (i, j), v in zip(idx, d):
                head[i, j] += v
        return beta_of(head)


def _face_vertex_starts(arrays: Any, g: QGraph, bound: Any, trials: int = 16, keep: int = 3) -> list:
    """Vertices of the optimal face of (4.40) with the smallest invariance residual, as starts.

    The interior-point maximiser need not be invariant when the optimum is not
    unique (Ising on Fig. 4.4); a vertex of the optimal face often is.
    """
    from dicert.verify.capacity.qgraph_bounds import QGraphBoundProgram, _policy_of_joint, evaluate_policy

    found = []
    try:
        program = QGraphBoundProgram(arrays, g.m)
        program.solve(g, lower=False)
        for k, vertex in enumerate(program._face_vertices(g, float(bound.upper_estimate), bound.output_law, trials, 0)):
            policy = _policy_of_joint(vertex, arrays.allowed)
            ev = evaluate_policy(arrays, g, policy)
            found.append((ev.bcjr_residual, f"face_vertex{k}", policy))
    except Exception:  # noqa: BLE001 - the face search only adds starts
        return []
    found.sort(key=lambda item: item[0])
    return [(label, beliefs_of_policy(arrays, g, policy), policy) for _, label, policy in found[:keep]]


def _face_lp_start(arrays: Any, g: QGraph, bound: Any) -> list:
    """The invariant point of the optimal face, from the linear program of :mod:`.invariant_face` (one start)."""
    from dicert.verify.capacity.invariant_face import face_invariant_input

    output_law = getattr(bound, "output_law", None)
    if output_law is None:
        return []
    try:
        found = face_invariant_input(arrays, g, output_law)
    except (ValueError, np.linalg.LinAlgError):  # the linear program only adds a start
        return []
    return [] if found is None else [("face_lp", found.beliefs, found.policy)]


def _starts(arrays: Any, g: Any, prob: "_Problem", solution: Any, starts: list | None, random_starts: int,
            gen: np.random.Generator) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """The starts of :func:`invariant_candidates`: program maximiser (and its face vertices), given, random."""
    from dicert.verify.capacity.qgraph_bounds import qgraph_upper_bound

    todo: list[tuple[str, np.ndarray, np.ndarray]] = []
    try:
        bound = solution if solution is not None else qgraph_upper_bound(arrays, g)
        todo.append(("qgraph_program", beliefs_of_policy(arrays, g, bound.policy), np.asarray(bound.policy)))
    except Exception:  # noqa: BLE001 - a failed convex solve only removes one start
        pass
    else:
        residual = getattr(bound, "bcjr_residual", None)
        if prob.S > 1 and (residual is None or residual > 1e-12):
            todo.extend(_face_lp_start(arrays, g, bound))
            todo.extend(_face_vertex_starts(arrays, g, bound))
    for label, beliefs, policy in starts or []:
        todo.append((label, np.asarray(beliefs, dtype=float), np.asarray(policy, dtype=float)))
    for k in range(random_starts):
        beliefs = gen.dirichlet(np.ones(prob.S), size=prob.m)
        acts = np.where(prob.free, gen.dirichlet(np.ones(prob.X), size=(prob.m, prob.S)), 0.0)
        acts /= acts.sum(axis=2, keepdims=True)
        todo.append((f"random{k}", beliefs, np.transpose(acts, (1, 0, 2))))
    return todo


def invariant_candidates(
    channel: Channel | UnifilarArrays,
    graph: Any,
    *,
    starts: list[tuple[str, Any, Any]] | None = None,
    random_starts: int = 2,
    margin: float = 1e-12,
    max_iter: int = 40,
    rng: np.random.Generator | int | None = 0,
    residual_tol: float = 1e-9,
    solution: Any = None,
    optimise: bool = True,
) -> list[InvariantEstimate]:
    """Numerically invariant inputs from every start, in the order they were found.

    The search runs over the node beliefs ``beta``: for fixed ``beta``, (4.43) is
    linear in the policy, solved in least squares nearest the start's policy.
    From each start (``(label, beliefs (Q, S), policy (S, Q, X))``; the
    maximiser of the convex Q-graph program -- ``solution`` or solved here -- is
    always first, then ``starts``, then ``random_starts`` Dirichlet draws) up to
    three candidates are produced: the start's beliefs as they are (``:as_is``),
    moved by a linear program so that every action entry is at least ``margin``
    (``:pushed``), and (``optimise``) a local maximum of the rate by SLSQP over
    the beliefs that are not snappable rationals, subject to ``policy >= margin``
    (``:optimised``).  Candidates whose policy violates (4.43) by more than
    ``residual_tol`` or is negative are dropped.

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> c = invariant_candidates(parse_channel("bsc:p=0.1"), [[0, 0]], random_starts=0, optimise=False)
    >>> round(c[0].rate_estimate, 6), c[0].start
    (0.531004, 'qgraph_program:as_is')
    """
    from dicert.verify.capacity.qgraph_bounds import as_qgraph, unifilar_arrays

    arrays = unifilar_arrays(channel)
    g = as_qgraph(graph, outputs=int(arrays.law.shape[2]))
    prob = _Problem(arrays, g)
    todo = _starts(arrays, g, prob, solution, starts, random_starts, np.random.default_rng(rng))
    out = []

    def keep(label: str, search: _BeliefSearch, raw: np.ndarray, floor: float) -> None:
        # Beliefs near simple rationals (0, 1, 1/2, ...) are snapped: at 1e-10, and (a second candidate)
        # at 1e-7, since solver beliefs are only ~1e-8 accurate and (4.43) can be singular there.
        seen: list[np.ndarray] = []
        for tol, suffix in ((1e-10, ""), (1e-7, ":snap7")):
            beta = _snap_beliefs(raw, tol)
            if any(np.array_equal(beta, b) for b in seen):
                continue
            seen.append(beta)
            sol, residual = search.policy(beta)
            if residual > residual_tol or search.slack(beta, floor).min(initial=1.0) < 0:
                continue
            acts = search.acts(sol)
            rate = prob.rate(prob.pack(beta, acts))
            if np.isfinite(rate):
                out.append(InvariantEstimate(np.transpose(acts, (1, 0, 2)).copy(), beta.copy(), rate, residual,
                                             max(floor, 0.0), label + suffix))

    for label, beliefs, policy in todo:
        if beliefs.shape != (prob.m, prob.S) or policy.shape != (prob.S, prob.m, prob.X):
            raise InvalidInput(f"starts: {label!r} has beliefs {beliefs.shape} / policy {policy.shape}, "
                               f"expected {(prob.m, prob.S)} / {(prob.S, prob.m, prob.X)}")
        search = _BeliefSearch(prob, np.transpose(policy, (1, 0, 2)))
        try:
            keep(f"{label}:as_is", search, beliefs, -1e-9)
            if prob.S > 1:
                free = ~_snappable(beliefs[:, :-1])
                if free.any():
                    keep(f"{label}:pushed", search, search.push(beliefs, margin, free), margin / 2)
                if optimise:
                    keep(f"{label}:optimised", search, search.solve(beliefs, margin, max_iter), margin / 2)
        except (ValueError, np.linalg.LinAlgError):
            continue
    return out


def best_invariant_input(channel: Channel | UnifilarArrays, graph: Any, **kwargs: Any) -> InvariantEstimate | None:
    """The best local maximum of :func:`invariant_candidates` (None when no start converged).

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> 0.47 < best_invariant_input(parse_channel("ising"), [[0, 1], [0, 1]], random_starts=1).rate_estimate < 0.5755
    True
    """
    found = invariant_candidates(channel, graph, **kwargs)
    return max(found, key=lambda e: e.rate_estimate) if found else None

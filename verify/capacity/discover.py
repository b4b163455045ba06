"""Q-graph discovery from the belief MDP (end of sec. 4.5, "Q-graphs exploration").

The pipeline a researcher runs on an unsolved unifilar channel:

1. value iteration on the belief MDP (Table 4.1, (4.26)-(4.29)) gives an estimated
   value function ``h`` and policy (:mod:`dicert.verify.capacity.belief_mdp`);
2. Monte Carlo simulation of the MDP under the greedy policy (one-step lookahead
   on ``h`` at the exact simulated belief, the disturbance ``y`` drawn from (4.23));
3. the visited beliefs, after a burn-in, concentrate on a few points (Fig. 4.2):
   they are clustered (single linkage at a radius) into a finite set;
4. each cluster is a Q-graph node and the edge ``q --y--> q'`` is the most frequent
   cluster transition on output ``y``; edges never observed are completed by the
   belief update (4.24) at the cluster centre; the recurrent part of the graph is
   kept and put in canonical form;
5. the Q-graph upper bound (Thm 4.4.2/4.4.3) and the BCJR-invariant lower bound
   (Thm 4.4.4) of :mod:`dicert.verify.capacity.qgraph_bounds` bracket the capacity;
   when they meet (Cor. 4.4.5) the graph is optimal.

Several clustering radii are tried and the graph with the best bracket wins.

Examples
--------
>>> from dicert.verify.capacity.discover import cluster_beliefs
>>> import numpy as np
>>> labels, centres, masses = cluster_beliefs(np.array([[0.1, 0.9], [0.11, 0.89], [0.7, 0.3]]), radius=0.05)
>>> labels.tolist(), masses.round(3).tolist()
([0, 0, 1], [0.667, 0.333])
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dicert.graphs.qgraph import QGraph
from dicert.verify.capacity.belief_mdp import BeliefMDP, ValueIteration, belief_update, reward_bits
from dicert.verify.errors import InvalidInput

__all__ = [
    "BeliefTrajectory",
    "ExtractedGraph",
    "Discovery",
    "simulate_beliefs",
    "cluster_beliefs",
    "extract_qgraph",
    "InvariantInput",
    "refine_invariant_input",
    "discover_qgraph",
]

#: Clustering radii (max-norm distance between beliefs) tried by :func:`discover_qgraph`.
DEFAULT_RADII = (0.002, 0.01, 0.03, 0.06)


@dataclass(frozen=True)
class BeliefTrajectory:
    """A simulated path of the belief MDP.

    Attributes
    ----------
    beliefs:
        ``beliefs[t]`` is ``beta_t`` (``t = 0..T``), shape ``(T + 1, S)``.
    outputs:
        ``outputs[t]`` is ``y_{t+1}``, the output that moved ``beta_t`` to ``beta_{t+1}``.
    rewards:
        ``g(beta_t, Pi_{t+1})`` in bits; their mean estimates the average reward (4.22).
    """

    beliefs: np.ndarray
    outputs: np.ndarray
    rewards: np.ndarray

    @property
    def average_reward(self) -> float:
        """Mean reward along the path (bits per channel use)."""
        return float(self.rewards.mean())


def simulate_beliefs(
    mdp: BeliefMDP,
    h: np.ndarray,
    steps: int,
    *,
    rng: np.random.Generator | int | None = None,
    initial_belief: np.ndarray | None = None,
) -> BeliefTrajectory:
    """Simulate the MDP (4.23)-(4.24) under the greedy policy of ``h`` for ``steps`` steps.

    The action at each visited belief is the one-step lookahead maximiser over the
    action grid (:meth:`BeliefMDP.greedy_action`), cached per belief (the path
    typically returns to a few beliefs).

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> mdp = BeliefMDP(parse_channel("ising"), belief_resolution=20, action_resolution=10)
    >>> vi = mdp.value_iteration(max_iter=50)
    >>> path = simulate_beliefs(mdp, vi.h, 50, rng=0)
    >>> path.beliefs.shape, path.outputs.shape
    ((51, 2), (50,))
    """
    if not isinstance(steps, (int, np.integer)) or steps < 1:
        raise InvalidInput(f"steps: expected an integer >= 1, got {steps!r}")
    gen = np.random.default_rng(rng)
    ns = mdp.law.shape[0]
    belief = np.full(ns, 1.0 / ns) if initial_belief is None else np.asarray(initial_belief, dtype=float)
    if belief.shape != (ns,) or np.any(belief < 0) or abs(belief.sum() - 1) > 1e-9:
        raise InvalidInput(f"initial_belief: expected a pmf of length {ns}")
    cache: dict[bytes, tuple[np.ndarray, np.ndarray, float]] = {}
    beliefs = np.empty((steps + 1, ns))
    outputs = np.empty(steps, dtype=np.int64)
    rewards = np.empty(steps)
    beliefs[0] = belief
    for t in range(steps):
        key = np.round(belief, 12).tobytes()
        hit = cache.get(key)
        if hit is None:
            action = mdp.greedy_action(h, belief)
            p_y, nb = belief_update(mdp.law, mdp.next_state, belief, action)
            hit = (p_y / p_y.sum(), nb, float(reward_bits(mdp.law, belief, action)))
            cache[key] = hit
        p_y, nb, reward = hit
        y = int(gen.choice(len(p_y), p=p_y))
        outputs[t] = y
        rewards[t] = reward
        belief = nb[y]
        beliefs[t + 1] = belief
    return BeliefTrajectory(beliefs=beliefs, outputs=outputs, rewards=rewards)


def cluster_beliefs(beliefs: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Single-linkage clusters of beliefs at max-norm ``radius``.

    Returns ``(labels, centres, masses)``: clusters are numbered by decreasing
    frequency, ``centres`` are the mean beliefs and ``masses`` the visit fractions.

    Examples
    --------
    >>> import numpy as np
    >>> labels, centres, masses = cluster_beliefs(np.array([[0.0, 1.0], [0.5, 0.5]]), radius=0.1)
    >>> labels.tolist(), centres.tolist()
    ([0, 1], [[0.0, 1.0], [0.5, 0.5]])
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    beliefs = np.asarray(beliefs, dtype=float)
    if beliefs.ndim != 2 or len(beliefs) == 0:
        raise InvalidInput(f"beliefs: expected a non-empty (T, S) array, got shape {beliefs.shape}")
    if not radius > 0:
        raise InvalidInput(f"radius: expected a positive number, got {radius!r}")
    unique, inverse, counts = np.unique(np.round(beliefs, 12), axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    if len(unique) == 1:
        raw = np.zeros(1, dtype=np.int64)
    else:
        raw = fcluster(linkage(unique, method="single", metric="chebyshev"), t=radius, criterion="distance") - 1
    n_clusters = int(raw.max()) + 1
    weight = np.bincount(raw, weights=counts, minlength=n_clusters)
    order = np.argsort(-weight, kind="stable")
    rank = np.empty(n_clusters, dtype=np.int64)
    rank[order] = np.arange(n_clusters)
    unique_labels = rank[raw]
    labels = unique_labels[inverse]
    centres = np.array([(unique[unique_labels == c] * counts[unique_labels == c, None]).sum(axis=0) / weight[order[c]]
                        for c in range(n_clusters)])
    return labels, centres, weight[order] / weight.sum()


def _bottom_component(phi: np.ndarray, masses: np.ndarray) -> np.ndarray:
    """Nodes of the closed strongly connected component of largest mass."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    m, r = phi.shape
    adj = csr_matrix((np.ones(m * r), (np.repeat(np.arange(m), r), phi.reshape(-1))), shape=(m, m))
    n_comp, comp = connected_components(adj, directed=True, connection="strong")
    best, best_mass = None, -1.0
    for c in range(n_comp):
        nodes = np.flatnonzero(comp == c)
        closed = np.all(np.isin(phi[nodes], nodes))
        if closed and masses[nodes].sum() > best_mass:
            best, best_mass = nodes, float(masses[nodes].sum())
    return np.asarray(best)


def _bfs_order(phi: np.ndarray, start: int) -> list[int]:
    seen = [start]
    queue = deque([start])
    while queue:
        q = queue.popleft()
        for nxt in phi[q]:
            if int(nxt) not in seen:
                seen.append(int(nxt))
                queue.append(int(nxt))
    return seen


def _canonical_with_map(g: QGraph) -> tuple[QGraph, np.ndarray]:
    """Canonical form of a strongly connected ``g`` and ``perm[old node] = new node``."""
    canon = g.canonical()
    for start in range(g.m):
        order = _bfs_order(g.phi, start)
        perm = np.empty(g.m, dtype=np.int64)
        perm[np.asarray(order)] = np.arange(g.m)
        if g.relabel(perm) == canon:
            return canon, perm
    raise AssertionError("canonical form not reached by a BFS numbering")  # pragma: no cover


@dataclass(frozen=True)
class ExtractedGraph:
    """A Q-graph read off a belief trajectory.

    Attributes
    ----------
    graph:
        The canonical Q-graph.
    beliefs:
        ``beliefs[q]``: the cluster centre (mean belief) of node ``q``.
    masses:
        Visit frequency of each node (renormalised over the kept nodes).
    radius:
        Clustering radius used.
    completed_edges:
        Number of edges not observed in the simulation (filled in by (4.24) at the centre).
    """

    graph: QGraph
    beliefs: np.ndarray
    masses: np.ndarray
    radius: float
    completed_edges: int


def extract_qgraph(
    mdp: BeliefMDP,
    h: np.ndarray,
    trajectory: BeliefTrajectory,
    *,
    radius: float,
    burn_in: int = 200,
    min_mass: float = 1e-3,
) -> ExtractedGraph:
    """Cluster the visited beliefs and read off the Q-graph of cluster transitions.

    Nodes are the clusters of the beliefs after ``burn_in`` with frequency at least
    ``min_mass``; ``phi[q, y]`` is the most frequent next cluster after output ``y``
    from cluster ``q``.  Unobserved edges take the cluster nearest to the belief
    update (4.24) of the centre under the greedy action.  The closed strongly
    connected component of largest mass is kept and canonicalised.

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> mdp = BeliefMDP(parse_channel("ising"), belief_resolution=60, action_resolution=20)
    >>> vi = mdp.value_iteration(max_iter=300, tol=1e-7)
    >>> path = simulate_beliefs(mdp, vi.h, 600, rng=1)
    >>> extract_qgraph(mdp, vi.h, path, radius=0.03, burn_in=100).graph.m
    4
    """
    beliefs = trajectory.beliefs
    if not 0 <= burn_in < len(beliefs) - 1:
        raise InvalidInput(f"burn_in: expected 0 <= burn_in < {len(beliefs) - 1}, got {burn_in}")
    labels, centres, masses = cluster_beliefs(beliefs[burn_in:], radius)
    keep = np.flatnonzero(masses >= min_mass)
    if keep.size == 0:
        keep = np.array([0])
    centres, masses = centres[keep], masses[keep]
    relabel = np.full(int(labels.max()) + 1, -1, dtype=np.int64)
    relabel[keep] = np.arange(len(keep))
    lab = relabel[labels]
    ys = trajectory.outputs[burn_in:]
    m, ny = len(keep), mdp.law.shape[2]
    counts = np.zeros((m, ny, m))
    src, dst = lab[:-1], lab[1:]
    ok = (src >= 0) & (dst >= 0)
    np.add.at(counts, (src[ok], ys[: len(src)][ok], dst[ok]), 1.0)
    phi = counts.argmax(axis=2)
    missing = counts.sum(axis=2) == 0
    for q, y in zip(*np.nonzero(missing), strict=True):
        action = mdp.greedy_action(h, centres[q])
        _, nb = belief_update(mdp.law, mdp.next_state, centres[q], action)
        phi[q, y] = int(np.argmin(np.abs(centres - nb[y]).max(axis=1)))
    nodes = _bottom_component(phi, masses)
    index = np.full(m, -1, dtype=np.int64)
    index[nodes] = np.arange(len(nodes))
    sub = index[phi[nodes]]
    canon, perm = _canonical_with_map(QGraph(sub))
    order = np.argsort(perm)
    sub_masses = masses[nodes][order]
    return ExtractedGraph(
        graph=canon,
        beliefs=centres[nodes][order],
        masses=sub_masses / sub_masses.sum(),
        radius=float(radius),
        completed_edges=int(missing[nodes].sum()),
    )


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
    channel: Any,
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

    arrays = unifilar_arrays(channel)
    law, nxt, allowed = arrays.law, arrays.next_state, arrays.allowed
    ns, nx, ny = law.shape
    m = graph.m
    phi = graph.phi
    onehot = np.eye(ns)[nxt]  # (S, X, Y, S')
    free = np.broadcast_to(allowed[None], (m, ns, nx))
    n_pi = int(free.sum())

    def unpack(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pi_mat = np.zeros((m, ns, nx))
        pi_mat[free] = v[:n_pi]
        return v[n_pi:].reshape(m, ns), pi_mat

    def stationary_q(p_y: np.ndarray) -> np.ndarray:
        kernel = np.zeros((m, m))
        np.add.at(kernel, (np.repeat(np.arange(m), ny), phi.reshape(-1)), p_y.reshape(-1))
        system = np.vstack([kernel.T - np.eye(m), np.ones((1, m))])
        rhs = np.zeros(m + 1)
        rhs[-1] = 1.0
        return np.linalg.lstsq(system, rhs, rcond=None)[0]

    def objective(v: np.ndarray) -> float:
        beta, pi_mat = unpack(v)
        p_y, _ = belief_update(law, nxt, beta, pi_mat)
        return -float(stationary_q(p_y) @ reward_bits(law, beta, pi_mat))

    def invariance(v: np.ndarray) -> np.ndarray:
        beta, pi_mat = unpack(v)
        joint = beta[:, :, None, None] * pi_mat[:, :, :, None] * law  # (Q, S, X, Y)
        unnorm = np.einsum("qsxy,sxyt->qyt", joint, onehot)
        p_y = joint.sum(axis=(1, 2))
        # the last component per (q, y) is implied by the sum constraints: drop it
        return (unnorm - p_y[:, :, None] * beta[phi])[:, :, :-1].reshape(-1)

    def sums(v: np.ndarray) -> np.ndarray:
        beta, pi_mat = unpack(v)
        return np.concatenate([pi_mat.sum(axis=2).reshape(-1) - 1.0, beta.sum(axis=1) - 1.0])

    actions0 = np.where(free, np.asarray(node_actions, dtype=float), 0.0)
    v0 = np.concatenate([actions0[free], np.asarray(node_beliefs, dtype=float).reshape(-1)])
    result = minimize(
        objective,
        v0,
        method="SLSQP",
        bounds=[(0.0, 1.0)] * len(v0),
        constraints=[{"type": "eq", "fun": invariance}, {"type": "eq", "fun": sums}],
        options={"maxiter": max_iter, "ftol": 1e-15},
    )
    beta, pi_mat = unpack(np.clip(result.x, 0.0, 1.0))
    pi_mat = np.where(free, pi_mat, 0.0)
    pi_mat /= pi_mat.sum(axis=2, keepdims=True)
    beta /= beta.sum(axis=1, keepdims=True)
    policy = np.transpose(pi_mat, (1, 0, 2))  # P(x|s,q) as (S, Q, X)
    evaluation = evaluate_policy(channel, graph, policy)
    return InvariantInput(
        policy=policy,
        node_beliefs=beta,
        rate=float(evaluation.rate),
        bcjr_residual=float(evaluation.bcjr_residual),
    )


@dataclass(frozen=True)
class Discovery:
    """Result of :func:`discover_qgraph`: a Q-graph and the capacity bracket it proves.

    Attributes
    ----------
    channel:
        Channel name.
    graph:
        The discovered canonical Q-graph.
    lower, upper:
        BCJR-invariant lower bound (Thm 4.4.4; ``None`` if no invariant input was
        found) and Q-graph upper bound (Thm 4.4.2), bits per channel use
        (solver estimates; certify them with ``dicert certify``).
    lower_policy:
        The BCJR-invariant input ``P(x|s,q)`` (shape ``(S, Q, X)``) witnessing ``lower``.
    lower_source:
        ``"qgraph_bound"`` (the upper-bound maximiser is invariant, Cor. 4.4.5) or
        ``"refined_policy"`` (:func:`refine_invariant_input` from the MDP's policy).
    output_law:
        ``P(y|q)`` of the upper-bound maximiser, shape ``(Q, Y)``: the natural test
        distribution of the duality bound (sec. 4.5) on this graph.
    node_beliefs, node_masses:
        The belief (cluster centre) and visit frequency of each node.
    rho_lower, rho_upper:
        Span bounds of the discretised MDP's optimal average reward (value iteration).
    value_iteration:
        The value-iteration result (value function and policy on the grid).
    mdp:
        The discretised belief MDP.
    trajectory:
        The simulated belief path.
    candidates:
        ``(radius, nodes, upper, lower)`` for every distinct graph tried.
    timings:
        Seconds per stage (``mdp``, ``value_iteration``, ``simulation``, ``bounds``, ``total``).
    """

    channel: str
    graph: QGraph
    lower: float | None
    upper: float
    lower_policy: np.ndarray | None = field(repr=False)
    lower_source: str
    output_law: np.ndarray = field(repr=False)
    node_beliefs: np.ndarray
    node_masses: np.ndarray
    rho_lower: float
    rho_upper: float
    value_iteration: ValueIteration = field(repr=False)
    mdp: BeliefMDP = field(repr=False)
    trajectory: BeliefTrajectory = field(repr=False)
    candidates: list[tuple[float, int, float, float | None]] = field(repr=False)
    timings: dict[str, float] = field(repr=False)

    @property
    def gap(self) -> float | None:
        """``upper - lower`` (``None`` without a lower bound)."""
        return None if self.lower is None else self.upper - self.lower

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (graph as ``phi`` plus node beliefs, bounds, timings)."""
        return {
            "channel": self.channel,
            "graph": self.graph.to_dict(),
            "nodes": int(self.graph.m),
            "node_beliefs": self.node_beliefs.tolist(),
            "node_masses": self.node_masses.tolist(),
            "lower": self.lower,
            "upper": self.upper,
            "gap": self.gap,
            "lower_source": self.lower_source,
            "value_iteration": {
                "rho_lower": self.rho_lower,
                "rho_upper": self.rho_upper,
                "iterations": self.value_iteration.iterations,
            },
            "candidates": [
                {"radius": r, "nodes": m, "upper": u, "lower": lo} for r, m, u, lo in self.candidates
            ],
            "seconds": self.timings,
        }


def _refined_lower(channel: Any, mdp: BeliefMDP, h: np.ndarray, extracted: ExtractedGraph) -> InvariantInput | None:
    """Invariant input refined from the MDP's greedy actions at the node beliefs, if invariant."""
    from dicert.verify.capacity.results import DEFAULT_BCJR_TOL
    from dicert.verify.errors import DicertError

    actions = np.array([mdp.greedy_action(h, b) for b in extracted.beliefs])
    try:
        refined = refine_invariant_input(channel, extracted.graph, extracted.beliefs, actions)
    except (DicertError, np.linalg.LinAlgError, ValueError):
        return None
    return refined if refined.bcjr_residual <= DEFAULT_BCJR_TOL else None


def discover_qgraph(
    channel: Any,
    *,
    belief_resolution: int | None = None,
    action_resolution: int | None = None,
    max_iter: int = 2000,
    tol: float = 1e-8,
    steps: int = 3000,
    burn_in: int = 300,
    radii: tuple[float, ...] = DEFAULT_RADII,
    max_nodes: int = 12,
    gap_tol: float = 1e-8,
    rng: np.random.Generator | int | None = 0,
    progress: Any = None,
) -> Discovery:
    """Run the whole discovery pipeline on a unifilar FSC (end of sec. 4.5).

    Parameters
    ----------
    channel:
        A unifilar FSC (input constraints allowed).
    belief_resolution, action_resolution:
        Grid resolutions of the belief MDP (defaults depend on ``|S|``: 200/50 for
        two states, 20/4 for three, 12/4 beyond).
    max_iter, tol:
        Relative value iteration limits.
    steps, burn_in:
        Length of the simulated path and the prefix discarded before clustering.
    radii:
        Clustering radii to try.  The distinct graphs are bounded in order of size;
        the first whose gap is at most ``gap_tol`` is returned, otherwise the one
        with the smallest upper bound (ties: a lower bound present, then fewer nodes).
    max_nodes:
        Graphs with more nodes are skipped (unless no smaller graph was found).
    gap_tol:
        Gap at which the search stops (solver accuracy is about 1e-9).
    rng:
        Seed or generator for the simulation.
    progress:
        Optional ``progress(stage, done, total)`` after each value-iteration step
        (``total`` estimated from the span's decay, :class:`dicert.verify.progress.ConvergenceProgress`)
        and each candidate graph bounded (``stage`` is ``"value iteration"`` or ``"Q-graph bounds"``).

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> d = discover_qgraph(parse_channel("bsc:p=0.1"), steps=50, burn_in=10)
    >>> d.graph.m, round(d.upper, 6)
    (1, 0.531004)
    """
    start = time.perf_counter()
    from dicert.verify.capacity.qgraph_bounds import qgraph_upper_bound, unifilar_arrays

    n_states = unifilar_arrays(channel).law.shape[0]
    # |S| = 3: 231 beliefs x 3375 actions (168 MB of transition tables; (40, 12) needed 130 GiB, issue 12)
    defaults = {1: (1, 10), 2: (200, 50), 3: (20, 4)}.get(n_states, (12, 4))
    mdp = BeliefMDP(
        channel,
        belief_resolution=belief_resolution or defaults[0],
        action_resolution=action_resolution or defaults[1],
    )
    t_mdp = time.perf_counter()
    on_step = None
    if progress is not None:
        from dicert.verify.progress import ConvergenceProgress

        on_step = ConvergenceProgress(lambda k, n: progress("value iteration", k, n), tol=tol, max_iter=max_iter)
    vi = mdp.value_iteration(max_iter=max_iter, tol=tol, progress=on_step)
    t_vi = time.perf_counter()
    path = simulate_beliefs(mdp, vi.h, steps, rng=rng)
    t_sim = time.perf_counter()
    seen: dict[QGraph, ExtractedGraph] = {}
    for radius in radii:
        extracted = extract_qgraph(mdp, vi.h, path, radius=radius, burn_in=min(burn_in, steps - 2))
        seen.setdefault(extracted.graph, extracted)
    candidates: list[tuple[float, int, float, float | None]] = []
    best = None
    # smallest graphs first; stop once a graph closes the gap (the rest would only be lifts)
    for done, (graph, extracted) in enumerate(sorted(seen.items(), key=lambda item: item[0].m)):
        if progress is not None:
            progress("Q-graph bounds", done, len(seen))
        if graph.m > max_nodes and best is not None:
            continue
        bound = qgraph_upper_bound(channel, graph)
        lower, witness, source = bound.lower, bound.policy if bound.lower is not None else None, "qgraph_bound"
        refined = _refined_lower(channel, mdp, vi.h, extracted)
        if refined is not None and (lower is None or refined.rate > lower):
            lower, witness, source = refined.rate, refined.policy, "refined_policy"
        upper = float(bound.upper)
        candidates.append((extracted.radius, graph.m, upper, lower))
        key = (round(upper, 9), lower is None, -(lower or 0.0), graph.m)
        if best is None or key < best[0]:
            best = (key, upper, lower, witness, source, extracted, bound.output_law)
        if lower is not None and upper - lower <= gap_tol:
            break
    assert best is not None
    if progress is not None:
        progress("Q-graph bounds", len(seen), len(seen))
    _, upper, lower, witness, source, extracted, output_law = best
    t_bounds = time.perf_counter()
    return Discovery(
        channel=mdp.name,
        graph=extracted.graph,
        lower=None if lower is None else float(lower),
        upper=upper,
        lower_policy=witness,
        lower_source=source,
        output_law=output_law,
        node_beliefs=extracted.beliefs,
        node_masses=extracted.masses,
        rho_lower=vi.rho_lower,
        rho_upper=vi.rho_upper,
        value_iteration=vi,
        mdp=mdp,
        trajectory=path,
        candidates=candidates,
        timings={
            "mdp": t_mdp - start,
            "value_iteration": t_vi - t_mdp,
            "simulation": t_sim - t_vi,
            "bounds": t_bounds - t_sim,
            "total": t_bounds - start,
        },
    )

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
from dataclasses import dataclass, field
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from dicert.graphs.qgraph import QGraph
from dicert.verify.capacity.belief_mdp import BeliefMDP, ValueIteration, belief_update
from dicert.verify.capacity.belief_paths import BeliefTrajectory, cluster_beliefs, simulate_beliefs
from dicert.verify.capacity.invariant_refine import InvariantInput, refine_invariant_input
from dicert.verify.errors import InvalidInput, SolverFailed

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import Channel, UnifilarSource

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
    "refined_invariant_lower",
    "extract_candidates",
    "Bracket",
    "bracket_candidates",
]

#: Clustering radii (max-norm distance between beliefs) tried by :func:`discover_qgraph`.
DEFAULT_RADII = (0.002, 0.01, 0.03, 0.06)


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


class BeliefModel(Protocol):
    """What :func:`extract_qgraph` reads of a belief MDP: the channel arrays and its greedy action at a belief.

    :class:`~dicert.verify.capacity.belief_mdp.BeliefMDP` (``h``: its relative values) and the RL
    discovery's policy model (``h`` unused, ``None``) both satisfy it.
    """

    law: np.ndarray
    next_state: np.ndarray

    def greedy_action(self, h: Any, belief: np.ndarray) -> np.ndarray: ...


def extract_qgraph(
    mdp: BeliefModel,
    h: np.ndarray | None,
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
    canon, perm = QGraph(sub).canonical_with_permutation()
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


def refined_invariant_lower(channel: UnifilarSource, mdp: Any, h: np.ndarray | None, extracted: ExtractedGraph) -> InvariantInput | None:
    """Invariant input refined from the MDP's greedy actions at the node beliefs, if invariant (Thm 4.4.4).

    ``mdp`` is anything with ``greedy_action(h, belief)`` (a :class:`BeliefMDP`, or the
    policy-driven MDP of :mod:`dicert.verify.neural.rl` with ``h=None``); ``None`` when
    the refinement fails or its residual (4.43) exceeds ``DEFAULT_BCJR_TOL``.

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify.channels import parse_channel
    >>> ch = parse_channel("bsc:p=0.1")
    >>> mdp = BeliefMDP(ch, belief_resolution=1, action_resolution=10)
    >>> one = ExtractedGraph(QGraph([[0, 0]]), np.ones((1, 1)), np.ones(1), 0.01, 0)
    >>> round(refined_invariant_lower(ch, mdp, np.zeros(1), one).rate, 6)
    0.531004
    """
    from dicert.verify.capacity.results import DEFAULT_BCJR_TOL
    from dicert.verify.errors import DicertError

    actions = np.array([mdp.greedy_action(h, b) for b in extracted.beliefs])
    try:
        refined = refine_invariant_input(channel, extracted.graph, extracted.beliefs, actions)
    except (DicertError, np.linalg.LinAlgError, ValueError):
        return None
    return refined if refined.bcjr_residual <= DEFAULT_BCJR_TOL else None


_refined_lower = refined_invariant_lower  # the name before issue 18 (verify.neural.rl imports it)


def extract_candidates(
    mdp: BeliefModel, h: np.ndarray | None, path: BeliefTrajectory, *, radii: tuple[float, ...] = DEFAULT_RADII, burn_in: int = 300
) -> dict[QGraph, ExtractedGraph]:
    """The distinct Q-graphs :func:`extract_qgraph` reads off ``path`` at each radius (first extraction of each kept).

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> mdp = BeliefMDP(parse_channel("ising"), belief_resolution=60, action_resolution=20)
    >>> vi = mdp.value_iteration(max_iter=300, tol=1e-7)
    >>> path = simulate_beliefs(mdp, vi.h, 600, rng=1)
    >>> sorted(g.m for g in extract_candidates(mdp, vi.h, path, radii=(0.03, 0.06), burn_in=100))
    [4]
    """
    seen: dict[QGraph, ExtractedGraph] = {}
    for radius in radii:
        extracted = extract_qgraph(mdp, h, path, radius=radius, burn_in=burn_in)
        seen.setdefault(extracted.graph, extracted)
    return seen


@dataclass(frozen=True)
class Bracket:
    """The candidate graph with the best capacity bracket (:func:`bracket_candidates`).

    Attributes
    ----------
    upper, lower:
        Valid Q-graph upper bound (``QGraphBound.upper``: the duality bound of Thm 4.5.2 at
        the solver's output law, Thm 4.4.3) and BCJR-invariant lower bound (Thm 4.4.4, or
        ``None``; an exact float evaluation, certified later) of the chosen graph, bits.
    lower_policy, lower_source:
        The invariant input witnessing ``lower`` and where it came from
        (``"qgraph_bound"`` or ``"refined_policy"``).
    extracted:
        The chosen graph with its node beliefs and masses.
    output_law:
        ``P(y|q)`` of the upper-bound maximiser on the chosen graph.
    candidates:
        ``(radius, nodes, upper, lower)`` for every graph bounded.
    """

    upper: float
    lower: float | None
    lower_policy: np.ndarray | None = field(repr=False)
    lower_source: str
    extracted: ExtractedGraph = field(repr=False)
    output_law: np.ndarray = field(repr=False)
    candidates: list[tuple[float, int, float, float | None]] = field(repr=False)

    def record_fields(self) -> dict[str, Any]:
        """The fields a discovery record takes from the bracket (:class:`Discovery`, ``RLDiscovery``)."""
        names = ("lower", "upper", "lower_policy", "lower_source", "output_law", "candidates")
        fields = {name: getattr(self, name) for name in names}
        extracted = self.extracted
        return {**fields, "graph": extracted.graph, "node_beliefs": extracted.beliefs, "node_masses": extracted.masses}


def bracket_candidates(
    channel: UnifilarSource,
    graphs: dict[QGraph, ExtractedGraph],
    refine: Callable[[ExtractedGraph, Any], Iterable[InvariantInput | None]],
    *,
    max_nodes: int = 12,
    gap_tol: float = 1e-8,
    progress: Callable[[str, int, int], None] | None = None,
) -> Bracket:
    """Bound the candidate graphs, smallest first, and keep the best bracket (step 5 of the discovery).

    Each graph gets the Q-graph upper bound and its lower bound (the maximiser, when
    invariant, Cor. 4.4.5), improved by any invariant input ``refine(extracted, bound)``
    yields.  The search stops at the first graph whose gap is at most ``gap_tol`` (the
    larger ones would only be lifts); graphs above ``max_nodes`` are skipped once a
    graph was bounded.  Best: the least upper bound (to 1e-9), then a lower bound
    present, then the larger lower bound, then fewer nodes.  ``progress(stage, done,
    total)``, when given, is called before each graph and once at the end.

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify.channels import parse_channel
    >>> one = ExtractedGraph(QGraph([[0, 0]]), np.ones((1, 1)), np.ones(1), 0.01, 0)
    >>> b = bracket_candidates(parse_channel("bsc:p=0.1"), {one.graph: one}, lambda extracted, bound: ())
    >>> round(b.upper, 6), round(b.lower, 6), b.lower_source
    (0.531004, 0.531004, 'qgraph_bound')
    """
    from dicert.verify.capacity.qgraph_bounds import qgraph_upper_bound

    candidates: list[tuple[float, int, float, float | None]] = []
    best = None
    for done, (graph, extracted) in enumerate(sorted(graphs.items(), key=lambda item: item[0].m)):
        if progress is not None:
            progress("Q-graph bounds", done, len(graphs))
        if graph.m > max_nodes and best is not None:
            continue
        bound = qgraph_upper_bound(channel, graph)
        if bound.upper is None:
            continue  # no valid upper bound on this graph (the duality reading failed)
        lower, source = bound.lower, "qgraph_bound"
        witness = None if bound.lower_witness is None else bound.lower_witness.policy
        for refined in refine(extracted, bound):
            if refined is not None and (lower is None or refined.rate > lower):
                lower, witness, source = refined.rate, refined.policy, "refined_policy"
        upper = float(bound.upper)
        candidates.append((extracted.radius, graph.m, upper, lower))
        key = (round(upper, 9), lower is None, -(lower or 0.0), graph.m)
        if best is None or key < best[0]:
            best = (key, upper, lower, witness, source, extracted, bound.output_law)
        if lower is not None and upper - lower <= gap_tol:
            break
    if progress is not None:
        progress("Q-graph bounds", len(graphs), len(graphs))
    if best is None:
        if graphs:
            raise SolverFailed("upper: no extracted Q-graph received a valid duality bound (Thm 4.5.2)")
        raise InvalidInput("graphs: expected at least one candidate Q-graph, got none")
    _, upper, lower, witness, source, extracted, output_law = best
    return Bracket(upper, None if lower is None else float(lower), witness, source, extracted, output_law, candidates)


def _grid_defaults(n_states: int) -> tuple[int, int]:
    """Default (belief, action) grid resolutions of the belief MDP for ``|S|`` states."""
    # |S| = 3: 231 beliefs x 3375 actions (168 MB of transition tables; (40, 12) needed 130 GiB, issue 12)
    return {1: (1, 10), 2: (200, 50), 3: (20, 4)}.get(n_states, (12, 4))


def discover_qgraph(
    channel: Channel,
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
    from dicert.verify.capacity.qgraph_bounds import unifilar_arrays

    defaults = _grid_defaults(unifilar_arrays(channel).law.shape[0])
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
    graphs = extract_candidates(mdp, vi.h, path, radii=radii, burn_in=min(burn_in, steps - 2))
    from dicert.verify.capacity.qgraph_quotients import quotient_candidates

    graphs.update(quotient_candidates(channel, graphs, rho=vi.rho_upper))  # quotients, edge moves (issue 12)
    best = bracket_candidates(
        channel, graphs, lambda extracted, bound: (refined_invariant_lower(channel, mdp, vi.h, extracted),),
        max_nodes=max_nodes, gap_tol=gap_tol, progress=progress,
    )
    t_bounds = time.perf_counter()
    stamps = {"mdp": t_mdp - start, "value_iteration": t_vi - t_mdp, "simulation": t_sim - t_vi, "bounds": t_bounds - t_sim}
    return _discovery(mdp, vi, path, best, {**stamps, "total": t_bounds - start})


def _discovery(mdp: BeliefMDP, vi: ValueIteration, path: BeliefTrajectory, best: Bracket, timings: dict[str, float]) -> Discovery:
    """The :class:`Discovery` record of the chosen bracket."""
    return Discovery(
        channel=mdp.name,
        **best.record_fields(),
        rho_lower=vi.rho_lower,
        rho_upper=vi.rho_upper,
        value_iteration=vi,
        mdp=mdp,
        trajectory=path,
        timings=timings,
    )

"""Bound every Q-graph read off a belief path and keep the best bracket (end of sec. 4.5).

Both discovery pipelines (value iteration, :mod:`dicert.verify.capacity.discover`, and
reinforcement learning, :mod:`dicert.verify.neural.rl`) cluster the visited beliefs at
several radii into distinct Q-graphs.  :func:`best_bounded_graph` bounds them smallest
first: the valid Q-graph upper bound (``QGraphBound.upper``, Thm 4.4.3 checked by the
duality bound of Thm 4.5.2) and the best BCJR-invariant lower bound (Thm 4.4.4) of the
bound's own invariant maximiser and of each refined input the caller proposes; it stops
at the first graph whose gap is at most ``gap_tol`` and otherwise keeps the smallest
upper bound (ties: a lower bound present, a larger lower bound, fewer nodes).

Examples
--------
>>> from dicert.graphs.qgraph import QGraph
>>> from types import SimpleNamespace
>>> from dicert.verify.channels import parse_channel
>>> seen = {QGraph([[0, 0]]): SimpleNamespace(radius=0.1, graph=QGraph([[0, 0]]))}
>>> choice = best_bounded_graph(parse_channel("bsc:p=0.1"), seen, lambda bound, extracted: ())
>>> choice.extracted.graph.m, round(choice.upper, 6), choice.source
(1, 0.531004, 'qgraph_bound')
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dicert.verify.errors import SolverFailed

__all__ = ["GraphChoice", "best_bounded_graph"]


@dataclass(frozen=True)
class GraphChoice:
    """The chosen graph's bracket and witnesses, and one row per graph bounded.

    Attributes
    ----------
    upper:
        The chosen graph's valid upper bound (``QGraphBound.upper``), bits.
    lower:
        Its best BCJR-invariant lower bound, or ``None``.
    witness:
        The invariant input ``P(x|s,q)`` behind ``lower`` (``None`` without it).
    source:
        ``"qgraph_bound"`` (the bound's invariant maximiser) or ``"refined_policy"``.
    extracted:
        The caller's record of the chosen graph (it has ``graph`` and ``radius``).
    output_law:
        ``P(y|q)`` of the chosen graph's maximiser.
    candidates:
        ``(radius, nodes, upper, lower)`` of every graph bounded, in order.
    """

    upper: float
    lower: float | None
    witness: np.ndarray | None = field(repr=False)
    source: str
    extracted: Any = field(repr=False)
    output_law: np.ndarray = field(repr=False)
    candidates: list[tuple[float, int, float, float | None]] = field(repr=False)


def best_bounded_graph(
    channel: Any,
    seen: Mapping[Any, Any],
    refiners: Callable[[Any, Any], Iterable[Any]],
    *,
    max_nodes: int = 12,
    gap_tol: float = 1e-8,
) -> GraphChoice:
    """Bound the graphs of ``seen`` (graph -> extracted record) smallest first and keep the best bracket.

    ``refiners(bound, extracted)`` yields candidate invariant inputs (objects with ``rate``
    and ``policy``, or ``None``) besides the bound's own invariant maximiser.  Graphs with
    more than ``max_nodes`` nodes are skipped once some graph has been bounded.

    Raises
    ------
    SolverFailed
        If no graph received a valid upper bound.
    """
    from dicert.verify.capacity.qgraph_bounds import qgraph_upper_bound

    candidates: list[tuple[float, int, float, float | None]] = []
    best: tuple[Any, ...] | None = None
    for graph, extracted in sorted(seen.items(), key=lambda item: item[0].m):
        if graph.m > max_nodes and best is not None:
            continue
        bound = qgraph_upper_bound(channel, graph)
        if bound.upper is None:
            continue  # no valid upper bound on this graph (the duality reading failed)
        lower = bound.lower
        witness = None if bound.lower_witness is None else bound.lower_witness.policy
        source = "qgraph_bound"
        for refined in refiners(bound, extracted):
            if refined is not None and (lower is None or refined.rate > lower):
                lower, witness, source = refined.rate, refined.policy, "refined_policy"
        upper = float(bound.upper)
        candidates.append((extracted.radius, graph.m, upper, lower))
        key = (round(upper, 9), lower is None, -(lower or 0.0), graph.m)
        if best is None or key < best[0]:
            best = (key, upper, lower, witness, source, extracted, bound.output_law)
        if lower is not None and upper - lower <= gap_tol:
            break
    if best is None:
        raise SolverFailed("upper: no extracted Q-graph received a valid duality bound (Thm 4.5.2)")
    _, upper, lower, witness, source, extracted, output_law = best
    return GraphChoice(upper, None if lower is None else float(lower), witness, source, extracted, output_law, candidates)

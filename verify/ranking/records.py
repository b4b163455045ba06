"""Ranking result records: the bound factory protocol, :class:`RankedGraph` (bound-record contract), :class:`Ranking`.

Part of :mod:`dicert.verify.ranking` (see the package docstring).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from dicert.graphs.qgraph import QGraph
from dicert.verify.channels import UnifilarFSC


#: Most failures listed in :attr:`Ranking.failures` (all are counted and stored).
MAX_LISTED_FAILURES = 20


class BoundFactory(Protocol):
    """Builds, once per (channel, ``m``), the function that bounds one graph."""

    def __call__(self, channel: UnifilarFSC, m: int) -> Callable[..., Any]: ...  # pragma: no cover


class QGraphUpperBound:
    """The default bound: the Q-graph program (Thm 4.4.3) solved per graph, ranked by a *valid* duality bound.

    The factory returns a :class:`~dicert.verify.capacity.qgraph_rank.QGraphRankSolver`:
    its ``solve_batch(phis)`` gives, per graph, the duality bound of Thm 4.5.2 at
    the conic solver's primal-dual point (a valid upper bound on the feedback
    capacity, float64 with a rounding margin) and the objective at the primal
    point (an estimate); calling it on one graph, ``solve(graph, lower=True)``,
    gives the full :class:`~dicert.verify.capacity.results.QGraphBound` with
    the BCJR lower bound (Thm 4.4.4).  The run name differs from that of
    earlier versions, whose stored "upper" values were solver floats.

    Examples
    --------
    >>> from dicert.verify.channels import bsc
    >>> from dicert.verify.channels import as_unifilar
    >>> solve = QGraphUpperBound()(as_unifilar(bsc(0.11)), 1)
    >>> round(solve(QGraph([[0, 0]]), lower=False).upper, 4)     # 1 - H2(0.11)
    0.5001
    """

    name = "qgraph-duality-bound"

    def __call__(self, channel: UnifilarFSC, m: int) -> Callable[..., Any]:
        from dicert.verify.capacity.qgraph_rank import QGraphRankSolver

        return QGraphRankSolver(channel, m)


def bound_name(bound: Any) -> str:
    """The name that identifies a bound factory in the database.

    Examples
    --------
    >>> bound_name(QGraphUpperBound())
    'qgraph-duality-bound'
    """
    name = getattr(bound, "name", None)
    if isinstance(name, str) and name:
        return name
    return f"{getattr(bound, '__module__', '?')}.{getattr(bound, '__qualname__', type(bound).__qualname__)}"


def _finite(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def _witness_dict(witness: Any) -> Any:
    """A witness as strict JSON: its ``to_dict()`` where it has one, a dict as is, else ``None``."""
    if hasattr(witness, "to_dict"):
        return witness.to_dict()
    return witness if isinstance(witness, dict) else None


@dataclass(frozen=True)
class RankedGraph:
    """One ranked graph: its index in the enumeration order, the graph and its bounds (bits).

    Follows the bound-record contract (:class:`~dicert.verify.capacity.results.BoundRecord`):
    ``upper`` / ``lower`` are valid bounds or ``None``, solver floats are ``*_estimate``.

    Attributes
    ----------
    upper : float
        The bound's upper value; for the default bound a valid upper bound on the
        feedback capacity (Thm 4.5.2: float64 with a proven rounding margin, or
        re-evaluated in Arb when ``rigorous``).
    lower : float or None
        The achievable rate (Thm 4.4.4) of a BCJR-invariant maximiser, as
        :attr:`~dicert.verify.capacity.results.QGraphBound.lower` defines it (a custom
        bound's ``lower``); ``None`` when not computed.
    upper_estimate : float or None
        The solver's objective (4.40) at its primal point: an estimate of this
        graph's bound, never a bound (also readable as ``estimate``).
    tie : int
        Tie group (1 = tied with the best graph): graphs whose ``[estimate, upper]``
        intervals overlap the group leader's bound are not ordered (solver accuracy).
    rigorous : bool
        ``upper`` was evaluated with Arb balls (no floating-point assumption).
    certified_upper, certified_lower : str or None
        Decimal bounds from the independent checker (``certify=True``).
    status : str
        ``"certified"`` (checker-proven), ``"rigorous"`` (Arb-evaluated duality
        bound) or ``"valid"`` (float bound with rounding margin, or a custom bound's value).
    upper_witness : dict or None
        The duality witness ``{"phi", "test", "value"}`` (Thm 4.5.2) behind a rigorous ``upper``.
    lower_witness : object or None
        What proves ``lower`` (the :class:`~dicert.verify.capacity.results.QGraphBound`'s
        ``lower_witness`` where it has one, else ``{"phi", "theorem"}``).
    lower_estimate : None
        The ranking keeps no separate solver estimate of the lower side.
    certified : bool
        The independent checker proved ``certified_upper``.
    """

    index: int
    graph: QGraph
    upper: float
    lower: float | None
    upper_estimate: float | None = None
    tie: int = 0
    rigorous: bool = False
    certified_upper: str | None = None
    certified_lower: str | None = None
    upper_witness: dict[str, Any] | None = field(default=None, compare=False)
    lower_witness: Any = field(default=None, compare=False)

    @property
    def estimate(self) -> float | None:
        """Alias of :attr:`upper_estimate` (earlier name)."""
        return self.upper_estimate

    @property
    def lower_estimate(self) -> float | None:
        return None

    @property
    def certified(self) -> bool:
        return self.certified_upper is not None

    @property
    def status(self) -> str:
        return "certified" if self.certified else ("rigorous" if self.rigorous else "valid")

    def to_dict(self) -> dict[str, Any]:
        """Strict JSON: ``index``, ``graph``, the contract's fields and ``tie`` / ``rigorous`` / ``certified_*``.

        Examples
        --------
        >>> d = RankedGraph(0, QGraph([[0, 0]]), 0.5, 0.49).to_dict()
        >>> d["graph"], d["upper"], d["lower"], d["upper_estimate"], d["status"], d["certified"]
        ({'nodes': 1, 'outputs': 2, 'phi': [[0, 0]]}, 0.5, 0.49, None, 'valid', False)
        """
        return {
            "index": self.index,
            "graph": self.graph.to_dict(),
            "upper": _finite(self.upper),
            "lower": _finite(self.lower),
            "upper_estimate": _finite(self.upper_estimate),
            "lower_estimate": None,
            "estimate": _finite(self.upper_estimate),
            "status": self.status,
            "certified": self.certified,
            "upper_witness": self.upper_witness,
            "lower_witness": _witness_dict(self.lower_witness),
            "tie": self.tie,
            "rigorous": self.rigorous,
            "certified_upper": self.certified_upper,
            "certified_lower": self.certified_lower,
        }


@dataclass(frozen=True)
class RankingFailure:
    """A graph whose bound could not be computed: the solver status and message, never a number."""

    index: int
    graph: QGraph
    status: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        """``{"index", "graph", "status", "message"}``."""
        return {"index": self.index, "graph": self.graph.to_dict(), "status": self.status, "message": self.message}


@dataclass(frozen=True)
class Ranking:
    """Result of :func:`rank_qgraphs`.

    Attributes
    ----------
    channel, fingerprint, bound : str
        Channel (spec ``name:key=value,...`` of a built-in, else its name), hash of
        its arrays, and the bound's name.
    nodes, outputs : int
        ``m`` and ``r``.
    count : int
        Number of Q-graphs enumerated.
    solved, failed : int
        Graphs with a valid bound (exact or screened), and graphs whose solve failed (stored with status).
    resumed : int
        Graphs already in the database when this run started.
    top : tuple of RankedGraph
        The graphs with the smallest upper bounds, best first (ties by index).
    tied_with_best : int
        Graphs of the whole run in the best tie group (see :attr:`RankedGraph.tie`).
    screened : int
        Graphs (counted in ``solved``) with only a loose valid bound: provably not among the best.
    failures : tuple of RankingFailure
        The first failures (at most ``MAX_LISTED_FAILURES``).
    seconds : float
        Wall time of this call.
    db : str or None
        The database file, or ``None`` for an in-memory run.
    """

    channel: str
    fingerprint: str
    bound: str
    nodes: int
    outputs: int
    count: int
    solved: int
    failed: int
    resumed: int
    top: tuple[RankedGraph, ...]
    failures: tuple[RankingFailure, ...] = field(default=())
    seconds: float = 0.0
    db: str | None = None
    tied_with_best: int = 0
    screened: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-able summary with ``count``, ``top`` (best first) and ``failures``.

        Examples
        --------
        >>> Ranking("c", "f", "b", 1, 2, 1, 1, 0, 0, ()).to_dict()["count"]
        1
        """
        return {
            "count": self.count,
            "channel": self.channel,
            "fingerprint": self.fingerprint,
            "bound": self.bound,
            "nodes": self.nodes,
            "outputs": self.outputs,
            "solved": self.solved,
            "failed": self.failed,
            "resumed": self.resumed,
            "top": [entry.to_dict() for entry in self.top],
            "failures": [entry.to_dict() for entry in self.failures],
            "seconds": self.seconds,
            "db": self.db,
            "tied_with_best": self.tied_with_best,
            "screened": self.screened,
        }

"""Rank every Q-graph of a size by its feedback-capacity upper bound, resumably and in parallel.

For a unifilar channel and every non-isomorphic strongly connected Q-graph
with ``m`` nodes over the channel's ``r`` outputs (orderly enumeration,
:mod:`dicert.graphs.enumerate`), compute the Q-graph upper bound
``sup I(X,S;Y|Q)`` of Thm 4.4.2/4.4.3 and report the graphs with the smallest
bounds, best first.  For the best ones the BCJR-invariant lower bound
(Thm 4.4.4, Cor 4.4.5) is added.  Systematic enumeration of small Q-graphs is
the search strategy of monograph sec. 4.6 ([sabag2019graph]).

Storage
    Every bound goes into an SQLite database (stdlib :mod:`sqlite3`, WAL
    journal), one transaction per chunk of graphs, keyed by the run
    (channel fingerprint, bound, ``m``, ``r``) and the graph's canonical
    ``phi`` bytes, with ``INSERT OR IGNORE``.  A killed run therefore resumes
    where it stopped: committed chunks are skipped, an uncommitted chunk is
    recomputed, and no graph is lost or stored twice.  Without a database
    file the same tables live in memory.

Failures
    A solve that does not end with status ``optimal`` raises
    :class:`~dicert.verify.errors.SolverFailed` in the bound; it is stored as
    a failure with its message, never as a number, and counted in
    :attr:`Ranking.failed`.  A resumed run does not retry stored failures.

Parallelism
    Only the parent process writes the database.  Chunks of graphs are solved
    in the parent (``jobs=1``), by joblib worker processes (``jobs > 1``,
    forked from the parent where the platform allows, so they inherit the
    imported libraries and the built program) or on a dask.distributed
    cluster (``dask_address``).  Each worker builds the parametrised bound
    program at most once per (channel, ``m``) and re-solves it per graph.

Bounds
    ``bound`` is a factory ``bound(channel, m)`` returning a function
    ``solve(graph, *, lower) -> result`` whose result has ``.upper`` (float)
    and ``.lower`` (float or ``None``); its ``name`` attribute (or qualified
    name) identifies the run in the database.  The default,
    :class:`QGraphUpperBound`, is the DPP program of
    :mod:`dicert.verify.capacity.qgraph_bounds`.

Examples
--------
>>> import numpy as np
>>> from types import SimpleNamespace
>>> from dicert.verify.channels import trapdoor_channel
>>> def self_loops(channel, m):          # a stand-in bound: the number of self-loops
...     def solve(g, lower):
...         return SimpleNamespace(upper=float(np.sum(g.phi == np.arange(m)[:, None])), lower=None)
...     return solve
>>> ranking = rank_qgraphs(trapdoor_channel(), 2, bound=self_loops, top=2)
>>> ranking.count, ranking.solved, [r.upper for r in ranking.top]
(6, 6, [0.0, 1.0])
"""

from __future__ import annotations

import heapq
import math
import sqlite3
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from dicert.graphs.enumerate import block_qgraphs, count_accessible_automata, count_blocks
from dicert.graphs.qgraph import QGraph
from dicert.verify._numeric import check_int
from dicert.verify.channels import Channel, UnifilarFSC, as_unifilar, channel_spec
from dicert.verify.errors import InvalidChannel, InvalidInput, SolverFailed, TooLarge
from dicert.verify.memory import current_memory_limit, format_bytes

__all__ = [
    "BoundFactory",
    "QGraphUpperBound",
    "RankedGraph",
    "RankingFailure",
    "Ranking",
    "rank_qgraphs",
    "bound_name",
]

#: Most failures listed in :attr:`Ranking.failures` (all are counted and stored).
MAX_LISTED_FAILURES = 20
#: Seconds to wait for a dask scheduler before giving up.
DASK_CONNECT_SECONDS = 10.0


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


@dataclass(frozen=True)
class RankedGraph:
    """One ranked graph: its index in the enumeration order, the graph and its bounds (bits).

    Attributes
    ----------
    upper : float
        The bound's upper value; for the default bound a valid upper bound on the
        feedback capacity (Thm 4.5.2), re-evaluated in Arb when ``rigorous``.
    lower : float or None
        The BCJR-invariant rate (Thm 4.4.4, a solver estimate of an achievable rate).
    estimate : float or None
        The solver's objective (4.40) at its primal point: an estimate of this
        graph's bound, never a bound.
    tie : int
        Tie group (1 = tied with the best graph): graphs whose ``[estimate, upper]``
        intervals overlap the group leader's bound are not ordered (solver accuracy).
    rigorous : bool
        ``upper`` was evaluated with Arb balls (no floating-point assumption).
    certified_upper, certified_lower : str or None
        Decimal bounds from the independent checker (``certify=True``).
    """

    index: int
    graph: QGraph
    upper: float
    lower: float | None
    estimate: float | None = None
    tie: int = 0
    rigorous: bool = False
    certified_upper: str | None = None
    certified_lower: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"index", "graph": {nodes, outputs, phi}, "upper", "lower", "estimate", "tie", ...}``.

        Examples
        --------
        >>> RankedGraph(0, QGraph([[0, 0]]), 0.5, None).to_dict()["graph"]
        {'nodes': 1, 'outputs': 2, 'phi': [[0, 0]]}
        """
        return {
            "index": self.index,
            "graph": self.graph.to_dict(),
            "upper": self.upper,
            "lower": self.lower,
            "estimate": self.estimate,
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


# ---------------------------------------------------------------------------
# the SQLite store
# ---------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    bound TEXT NOT NULL,
    nodes INTEGER NOT NULL,
    outputs INTEGER NOT NULL,
    total INTEGER,
    UNIQUE (fingerprint, bound, nodes, outputs)
);
CREATE TABLE IF NOT EXISTS bounds (
    run_id INTEGER NOT NULL REFERENCES runs (run_id),
    graph BLOB NOT NULL,
    idx INTEGER NOT NULL,
    upper REAL,
    status TEXT NOT NULL,
    message TEXT,
    seconds REAL NOT NULL,
    lower REAL,
    lower_checked INTEGER NOT NULL DEFAULT 0,
    estimate REAL,
    PRIMARY KEY (run_id, graph)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (
    run_id INTEGER NOT NULL REFERENCES runs (run_id),
    block INTEGER NOT NULL,
    count INTEGER,
    done INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, block)
) WITHOUT ROWID;
"""
_INDEX = "CREATE INDEX IF NOT EXISTS bounds_by_upper ON bounds (run_id, upper, idx)"
_BOUND_COLUMNS = ["run_id", "graph", "idx", "upper", "status", "message", "seconds", "lower", "lower_checked", "estimate"]

#: A solved chunk row: (graph bytes, index, upper or None, status, message or None, seconds, estimate or None).
Row = tuple[bytes, int, float | None, str, str | None, float, float | None]


def _graph_bytes(phi: np.ndarray) -> bytes:
    return np.ascontiguousarray(phi, dtype=np.int8).tobytes()


def _graph_of(blob: bytes, m: int, r: int) -> QGraph:
    return QGraph(np.frombuffer(blob, dtype=np.int8).reshape(m, r).astype(np.int64))


class _Store:
    """The ranking tables in one SQLite connection (parent process only)."""

    def __init__(self, db: str | Path | None) -> None:
        self.path = None if db is None else str(db)
        target = ":memory:" if db is None else str(db)
        if db is not None:
            parent = Path(db).expanduser().resolve().parent
            if not parent.is_dir():
                raise InvalidInput(f"db: directory {parent} does not exist")
        try:
            self.conn = sqlite3.connect(target, timeout=60.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise InvalidInput(f"db: cannot open {db} ({exc})") from None
        try:
            self._prepare(db)
        except BaseException:
            self.conn.close()
            raise

    def _prepare(self, db: str | Path | None) -> None:
        try:
            self.conn.execute("PRAGMA busy_timeout = 60000")
            if db is not None:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.executescript(_SCHEMA)
            columns = [row[1] for row in self.conn.execute("PRAGMA table_info(bounds)")]
            if columns == _BOUND_COLUMNS[:-1]:  # a database of an earlier version: add the estimate column
                self.conn.execute("ALTER TABLE bounds ADD COLUMN estimate REAL")
                columns = _BOUND_COLUMNS
            if columns != _BOUND_COLUMNS:
                raise InvalidInput(f"db: {db} has a 'bounds' table with columns {columns}, expected {_BOUND_COLUMNS}")
            self.conn.execute(_INDEX)
        except sqlite3.DatabaseError as exc:
            raise InvalidInput(f"db: {db} is not a dicert ranking database ({exc})") from None

    def close(self) -> None:
        self.conn.close()

    def run_id(self, channel: str, fingerprint: str, bound: str, m: int, r: int) -> int:
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute(
                "INSERT OR IGNORE INTO runs (channel, fingerprint, bound, nodes, outputs) VALUES (?, ?, ?, ?, ?)",
                (channel, fingerprint, bound, m, r),
            )
            row = self.conn.execute(
                "SELECT run_id FROM runs WHERE fingerprint = ? AND bound = ? AND nodes = ? AND outputs = ?",
                (fingerprint, bound, m, r),
            ).fetchone()
        return int(row[0])

    def stored(self, run_id: int) -> int:
        (count,) = self.conn.execute("SELECT COUNT(*) FROM bounds WHERE run_id = ?", (run_id,)).fetchone()
        return int(count)

    def stored_indices(self, run_id: int) -> np.ndarray:
        """Sorted enumeration indices of the graphs stored for this run."""
        cursor = self.conn.execute("SELECT idx FROM bounds WHERE run_id = ?", (run_id,))
        return np.sort(np.fromiter((row[0] for row in cursor), dtype=np.int64))

    def block_counts(self, run_id: int) -> dict[int, tuple[int, int]]:
        """``block -> (count, done)`` of the blocks counted so far."""
        rows = self.conn.execute("SELECT block, count, done FROM blocks WHERE run_id = ? AND count IS NOT NULL", (run_id,))
        return {int(b): (int(c), int(d)) for b, c, d in rows}

    def set_block_counts(self, run_id: int, counts: list[tuple[int, int]]) -> None:
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany(
                "INSERT OR REPLACE INTO blocks (run_id, block, count, done) VALUES (?, ?, ?, 0)",
                [(run_id, b, c) for b, c in counts],
            )

    def set_blocks_done(self, run_id: int, blocks: list[int]) -> None:
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany("UPDATE blocks SET done = 1 WHERE run_id = ? AND block = ?", [(run_id, b) for b in blocks])

    def insert(self, run_id: int, rows: list[Row], done_block: int | None = None) -> int:
        """Store one solved chunk in one transaction (duplicates are ignored); returns the rows added.

        ``done_block`` marks that block as finished in the same transaction.
        """
        before = self.conn.total_changes
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            if done_block is not None:
                self.conn.execute("UPDATE blocks SET done = 1 WHERE run_id = ? AND block = ?", (run_id, done_block))
            self.conn.executemany(
                "INSERT OR IGNORE INTO bounds (run_id, graph, idx, upper, status, message, seconds, estimate) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(run_id, *row) for row in rows],
            )
            added = self.conn.total_changes - before - (done_block is not None)
        return added

    def set_total(self, run_id: int, total: int) -> None:
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute("UPDATE runs SET total = ? WHERE run_id = ?", (total, run_id))

    def counts(self, run_id: int) -> tuple[int, int, int]:
        """(graphs with a bound, failed, of the first: screened, i.e. with a loose bound)."""
        solved, failed, screened = self.conn.execute(
            "SELECT COALESCE(SUM(status IN ('optimal', 'screened')), 0), "
            "COALESCE(SUM(status NOT IN ('optimal', 'screened')), 0), COALESCE(SUM(status = 'screened'), 0) "
            "FROM bounds WHERE run_id = ?",
            (run_id,),
        ).fetchone()
        return int(solved), int(failed), int(screened)

    def kth_upper(self, run_id: int, k: int) -> float:
        """The ``k``-th smallest exact upper bound stored (``inf`` when fewer are stored)."""
        row = self.conn.execute(
            "SELECT upper FROM bounds WHERE run_id = ? AND status = 'optimal' ORDER BY upper LIMIT 1 OFFSET ?",
            (run_id, k - 1),
        ).fetchone()
        return math.inf if row is None else float(row[0])

    def screened_below(self, run_id: int, threshold: float) -> list[tuple[bytes, int]]:
        """Screened graphs whose lower bound does not exceed ``threshold`` (they might be among the best)."""
        return self.conn.execute(
            "SELECT graph, idx FROM bounds WHERE run_id = ? AND status = 'screened' AND estimate <= ? ORDER BY idx",
            (run_id, threshold),
        ).fetchall()

    def replace(self, run_id: int, rows: list[Row]) -> None:
        """Overwrite stored rows (screened graphs solved exactly)."""
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany(
                "INSERT OR REPLACE INTO bounds (run_id, graph, idx, upper, status, message, seconds, estimate) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(run_id, *row) for row in rows],
            )

    def top(self, run_id: int, k: int) -> list[tuple[bytes, int, float, float | None, int, float | None]]:
        return self.conn.execute(
            "SELECT graph, idx, upper, lower, lower_checked, estimate FROM bounds "
            "WHERE run_id = ? AND status = 'optimal' ORDER BY upper, idx LIMIT ?",
            (run_id, k),
        ).fetchall()

    def tied_with(self, run_id: int, upper: float, tol: float) -> int:
        """Graphs whose ``min(estimate, upper)`` is at most ``upper + tol`` (the best tie group)."""
        (count,) = self.conn.execute(
            "SELECT COUNT(*) FROM bounds WHERE run_id = ? AND status = 'optimal' "
            "AND MIN(COALESCE(estimate, upper), upper) <= ?",
            (run_id, upper + tol),
        ).fetchone()
        return int(count)

    def set_lower(self, run_id: int, graph: bytes, lower: float | None) -> None:
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute(
                "UPDATE bounds SET lower = ?, lower_checked = 1 WHERE run_id = ? AND graph = ?", (lower, run_id, graph)
            )

    def failures(self, run_id: int, k: int) -> list[tuple[bytes, int, str, str | None]]:
        return self.conn.execute(
            "SELECT graph, idx, status, message FROM bounds WHERE run_id = ? AND status NOT IN ('optimal', 'screened') "
            "ORDER BY idx LIMIT ?",
            (run_id, k),
        ).fetchall()


# ---------------------------------------------------------------------------
# workers
# ---------------------------------------------------------------------------

_LOCAL = threading.local()


def _solver_for(run: str, bound: Any, channel: UnifilarFSC, m: int) -> Callable[..., Any]:
    """The bound's solve function for this run (token ``run``), built once per thread of each worker."""
    key = (run, channel.fingerprint, m)
    cached = getattr(_LOCAL, "solver", None)
    if cached is None or cached[0] != key:
        _LOCAL.solver = (key, bound(channel, m))
    return _LOCAL.solver[1]


def _forget_solver(run: str) -> None:
    """Drop this run's solver from the calling thread's cache (frees the program)."""
    cached = getattr(_LOCAL, "solver", None)
    if cached is not None and cached[0][0] == run:
        _LOCAL.solver = None


def _solve_chunk(
    run: str,
    bound: Any,
    channel: UnifilarFSC,
    m: int,
    indices: np.ndarray,
    phis: np.ndarray,
    threshold: float | None = None,
) -> list[Row]:
    """Upper bounds of one chunk of graphs; failed solves become rows with their status and message.

    ``threshold`` (default bound only): graphs provably worse than it are screened, not solved.
    """
    solve = _solver_for(run, bound, channel, m)
    if hasattr(solve, "solve_batch"):  # the default bound: lean per-graph loop, bounds in batch
        batch = solve.solve_batch(phis, screen_above=threshold)
        for i in np.flatnonzero(~np.isfinite(batch.upper)):
            if batch.status[i] in ("optimal", "screened"):
                batch.status[i], batch.message[i] = "non_finite", f"upper: the bound returned {batch.upper[i]!r}"
        blobs = np.ascontiguousarray(phis, dtype=np.int8).reshape(len(phis), -1)
        return [
            (
                blobs[i].tobytes(),
                index,
                None if batch.status[i] not in ("optimal", "screened") else float(batch.upper[i]),
                batch.status[i],
                batch.message[i],
                float(batch.seconds[i]),
                None if batch.status[i] not in ("optimal", "screened") else float(batch.estimate[i]),
            )
            for i, index in enumerate(indices.tolist())
        ]
    rows: list[Row] = []
    for index, phi in zip(indices.tolist(), phis):
        graph = QGraph(phi.astype(np.int64))
        start = time.perf_counter()
        try:
            result = solve(graph, lower=False)
            solved = float(result.upper)
            upper: float | None = solved
            status = str(getattr(result, "status", "optimal"))
            message = None
            if not math.isfinite(solved):
                upper, status, message = None, "non_finite", f"upper: the bound returned {result.upper!r}"
            elif status != "optimal":
                upper, message = None, f"status: {status!r}, expected 'optimal'"
        except SolverFailed as exc:
            upper, status, message = None, "solver_failed", str(exc)
        estimate = getattr(result, "estimate", None) if upper is not None else None
        estimate = None if estimate is None else float(estimate)
        rows.append((_graph_bytes(phi), index, upper, status, message, time.perf_counter() - start, estimate))
    return rows


@lru_cache(maxsize=4)
def _block_phis(m: int, r: int, block: int) -> np.ndarray:
    """The graphs of one enumeration block, generated where they are solved (cached per process)."""
    phis = block_qgraphs(m, r, block)
    phis.flags.writeable = False
    return phis


def _count_block(m: int, r: int, block: int) -> tuple[int, int]:
    return block, len(_block_phis(m, r, block))


#: A task: (block, lo, hi, offset) -- graphs ``lo:hi`` of ``block``, whose graph 0 has enumeration index ``offset``.
Task = tuple[int, int, int, int]


def _solve_task(
    run: str,
    bound: Any,
    channel: UnifilarFSC,
    m: int,
    r: int,
    task: Task,
    threshold: float | None = None,
    keep: int = 1,
) -> tuple[Task, list[Row]]:
    """Generate the task's graphs from its block and bound them (the worker's side of a partitioned run).

    The screening threshold is the smallest of ``threshold`` (sent with the task), the
    driver's current value in shared memory (forked local workers) and the ``keep``-th
    best exact bound this worker has found itself in this run (the ``keep``-th best of a
    subset is never below the ``keep``-th best of all graphs, so each is safe).
    """
    block, lo, hi, offset = task
    phis = _block_phis(m, r, block)[lo:hi]
    best = _WORKER_BEST.setdefault(run, [])
    if threshold is not None:
        if _SHARED_THRESHOLD is not None:
            threshold = min(threshold, _SHARED_THRESHOLD.value)
        if len(best) >= keep:
            threshold = min(threshold, -best[0])
    rows = _solve_chunk(run, bound, channel, m, np.arange(offset + lo, offset + hi), phis, threshold)
    if threshold is not None:
        _push_best(best, [row[2] for row in rows if row[3] == "optimal" and row[2] is not None], keep)
    return task, rows


def _push_best(heap: list[float], uppers: Iterable[float], keep: int) -> None:
    """Keep in ``heap`` (negated, a max-heap) the ``keep`` smallest values seen."""
    for upper in uppers:
        if len(heap) < keep:
            heapq.heappush(heap, -upper)
        elif upper < -heap[0]:
            heapq.heapreplace(heap, -upper)


#: Per process: the best exact bounds this worker found, per run token (for its screening threshold).
_WORKER_BEST: dict[str, list[float]] = {}


#: The driver's screening threshold, shared with forked local workers (``multiprocessing.Value``).
_SHARED_THRESHOLD: Any = None


def _tasks(
    counts: list[int], blocks_done: set[int], stored: np.ndarray, size: int
) -> tuple[list[Task], dict[int, int]]:
    """Tasks of at most ``size`` graphs over the unfinished blocks, skipping slices already stored.

    Returns the tasks and, per unfinished block, how many of its tasks must
    finish before it is marked done.
    """
    tasks: list[Task] = []
    per_block: dict[int, int] = {}
    offset = 0
    for block, count in enumerate(counts):
        if block not in blocks_done and count:
            for lo in range(0, count, size):
                hi = min(lo + size, count)
                a, b = np.searchsorted(stored, [offset + lo, offset + hi])
                if b - a < hi - lo:  # not every graph of the slice is stored yet
                    tasks.append((block, lo, hi, offset))
                    per_block[block] = per_block.get(block, 0) + 1
            per_block.setdefault(block, 0)
        offset += count
    return tasks, per_block


#: Size of the first tasks of a screened run (they are solved before any threshold is known).
FIRST_TASK_GRAPHS = 128


def _split_first(
    tasks: list[Task], per_block: dict[int, int], workers: int, piece: int
) -> tuple[list[Task], dict[int, int]]:
    """Split the first ``workers`` tasks into pieces of at most ``piece`` graphs (same graphs, same order)."""
    head: list[Task] = []
    for block, lo, hi, offset in tasks[:workers]:
        parts = [(block, a, min(a + piece, hi), offset) for a in range(lo, hi, piece)]
        per_block[block] += len(parts) - 1
        head += parts
    return head + tasks[workers:], per_block


#: Libraries whose native thread pools make ``os.fork`` unsafe once they are imported.
_FORK_UNSAFE_MODULES = ("jax", "torch", "tensorflow")


def _local_map(func: Callable[..., Any], items: Iterable, jobs: int) -> Iterator[Any]:
    """``func(*item)`` for each item: here (``jobs == 1``) or streamed, unordered, from ``jobs`` worker processes.

    The pool uses joblib's ``multiprocessing`` backend, whose workers are
    forked from the parent where the platform forks: they start with the
    libraries imported and the program built (in the inherited thread-local
    cache) instead of paying both per worker.  Results stream back as each
    task ends (``imap_unordered``, one task at a time per worker: no waves, so no
    worker waits for the slowest task of a wave).  Forking a process that
    runs native thread pools (JAX, PyTorch) can deadlock, so when one of
    those is loaded the pool uses ``loky`` (fresh worker processes) instead.
    """
    if jobs == 1:
        for item in items:
            yield func(*item)
        return
    import multiprocessing

    fork_unsafe = any(name in sys.modules for name in _FORK_UNSAFE_MODULES)
    if fork_unsafe or "fork" not in multiprocessing.get_all_start_methods():
        from joblib import Parallel, delayed

        with Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered", pre_dispatch=f"{4 * jobs}") as parallel:
            yield from parallel(delayed(func)(*item) for item in items)
        return
    with multiprocessing.get_context("fork").Pool(jobs) as pool:
        yield from pool.imap_unordered(_apply, [(func, *item) for item in items], chunksize=1)


def _apply(call: tuple) -> Any:
    return call[0](*call[1:])


def _dask_client(address: Any) -> tuple[Any, bool]:
    try:
        from dask.distributed import Client
    except ImportError:
        raise InvalidInput('dask: dask.distributed is not installed, expected the cluster extra: pip install "dicert[cluster]"') from None

    if isinstance(address, Client):
        return address, False
    if not isinstance(address, str) or not address:
        raise InvalidInput(f"dask: expected a scheduler address like tcp://host:8786, got {address!r}")
    try:
        return Client(address, timeout=DASK_CONNECT_SECONDS), True
    except (OSError, TimeoutError) as exc:
        raise InvalidInput(f"dask: cannot connect to the scheduler at {address} ({exc.__class__.__name__})") from None


def _dask_map(client: Any, func: Callable[..., Any], items: Iterable, workers: int) -> Iterator[Any]:
    """``func(*item)`` on the cluster, at most ``4 * workers`` tasks in flight, results as they finish."""
    from dask.distributed import as_completed

    pending = iter(items)
    submitted = [client.submit(func, *item, pure=False) for item in islice(pending, 4 * workers)]
    running = as_completed(submitted)
    try:
        for future in running:
            result = future.result()
            item = next(pending, None)
            if item is not None:
                submitted.append(client.submit(func, *item, pure=False))
                running.add(submitted[-1])
            yield result
    finally:
        client.cancel([f for f in submitted if not f.done()])


# ---------------------------------------------------------------------------
# the driver
# ---------------------------------------------------------------------------


def _solve_screened_candidates(
    store: _Store, run_id: int, run: str, bound: Any, channel: UnifilarFSC, m: int, r: int, keep: int
) -> None:
    """Solve exactly every screened graph whose lower bound does not exceed the final ``keep``-th best bound.

    Workers screen against the threshold known when their task started, which
    only decreases during a run, so normally nothing is left; a resumed run
    asking for more graphs (larger ``top``) gets its candidates here.
    """
    while True:
        from dicert.verify.capacity.qgraph_rank import SCREEN_MARGIN

        candidates = store.screened_below(run_id, store.kth_upper(run_id, keep) + SCREEN_MARGIN)
        if not candidates:
            return
        blobs = [bytes(blob) for blob, _ in candidates]
        phis = np.stack([np.frombuffer(blob, dtype=np.int8).reshape(m, r) for blob in blobs])
        indices = np.array([idx for _, idx in candidates], dtype=np.int64)
        store.replace(run_id, _solve_chunk(run, bound, channel, m, indices, phis, None))


def _block_counts(store: _Store, run_id: int, m: int, r: int, parallel_map: Callable[..., Iterator[Any]]) -> list[int]:
    """Graphs per enumeration block, counted by the workers once per run and stored (a resumed run reuses them)."""
    n_blocks = count_blocks(m, r)
    known = store.block_counts(run_id)
    missing = [(m, r, b) for b in range(n_blocks) if b not in known]
    if missing:
        counted = list(parallel_map(_count_block, missing))
        store.set_block_counts(run_id, counted)
        known.update({b: (c, 0) for b, c in counted})
    return [known[b][0] for b in range(n_blocks)]


def _check_graph_memory(m: int, r: int) -> None:
    """Refuse sizes whose enumeration blocks (candidate words, 1 byte per entry, 4 cached per worker) exceed the memory limit."""
    from dicert.graphs.enumerate import BLOCK_CANDIDATES

    needed = 4 * min(count_accessible_automata(m, r), BLOCK_CANDIDATES) * m * r
    limit = current_memory_limit()
    if needed > limit:
        raise TooLarge(
            f"m: ranking all Q-graphs with m={m} nodes over r={r} outputs keeps up to {format_bytes(needed)} "
            f"of candidate graphs per worker, above the memory limit of {format_bytes(limit)}; "
            "use fewer nodes or raise DICERT_MEMORY_LIMIT"
        )


def _channel_label(channel: Channel) -> str:
    """``name:key=value,...`` for a built-in channel, else its name."""
    try:
        return channel_spec(channel)
    except InvalidChannel:
        return channel.name


def rank_qgraphs(
    channel: Channel,
    m: int,
    r: int | None = None,
    *,
    bound: Any = None,
    db: str | Path | None = None,
    jobs: int = 1,
    dask_address: Any = None,
    top: int = 10,
    lower: bool = True,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    certify: bool = False,
    tie_tol: float = 0.0,
    screen: bool = True,
) -> Ranking:
    """Bound every Q-graph with ``m`` nodes on ``channel`` and return the best ``top`` (Thm 4.4.3).

    Parameters
    ----------
    channel : DMC, UnifilarFSC or unifilar FiniteStateChannel
        The channel (converted with :func:`~dicert.verify.channels.as_unifilar`).
    m : int
        Number of Q-graph nodes.
    r : int, optional
        Output alphabet size of the graphs; must equal the channel's (the default).
    bound : factory, optional
        ``bound(channel, m) -> solve(graph, *, lower)``; default :class:`QGraphUpperBound`.
    db : path, optional
        SQLite file that stores every bound and makes the run resumable; in memory if omitted.
    jobs : int
        Local worker processes (joblib); 1 solves in this process.
    dask_address : str or dask.distributed.Client, optional
        Solve on this dask.distributed cluster instead (exclusive with ``jobs > 1``).
    top : int
        How many of the best graphs to return (0 for none).
    lower : bool
        Add the BCJR-invariant lower bound (Thm 4.4.4) for the ``top`` graphs.
    chunk_size : int, optional
        Graphs per task and per database transaction (default: from the work size).
    progress : callable, optional
        Called as ``progress(done, total)`` after every stored chunk.
    certify : bool
        Certify the ``top`` graphs with the independent checker
        (:func:`dicert.verify.certify.qgraph_certify.certify_qgraph_bounds`; default bound only).
    tie_tol : float
        Extra tolerance (bits) when grouping ties, on top of each graph's ``[estimate, upper]``.
    screen : bool
        Default bound only: skip the conic solve of graphs whose cheap lower bound
        (:func:`~dicert.verify.capacity.qgraph_rank.screening_bounds`) exceeds the
        current ``max(top, 1)``-th best bound -- they cannot be among the best.  They
        are stored with status ``"screened"``, a valid but loose ``upper`` and the
        lower bound as ``estimate``, and counted in :attr:`Ranking.screened`.  Pass
        ``False`` for a tight bound on every graph.

    Returns
    -------
    Ranking

    Raises
    ------
    InvalidInput
        Bad sizes or options, an output alphabet that does not fit the
        channel, an unusable database file or dask address.
    InvalidChannel
        If the channel is not unifilar.
    TooLarge
        If the graphs of this size would not fit under the memory limit
        (:mod:`dicert.verify.memory`).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> from dicert.verify.channels import bsc
    >>> def loops(channel, m):
    ...     return lambda g, lower: SimpleNamespace(upper=float(g.phi[0, 0]), lower=None)
    >>> result = rank_qgraphs(bsc(0.1), 3, bound=loops, top=1)
    >>> result.count, int(result.top[0].graph.phi[0, 0])
    (52, 0)
    """
    started = time.perf_counter()
    unifilar = as_unifilar(channel)
    label = _channel_label(channel)
    m = check_int(m, "m")
    r = unifilar.n_outputs if r is None else check_int(r, "r")
    if r != unifilar.n_outputs:
        raise InvalidInput(f"r: the channel {unifilar.name!r} has {unifilar.n_outputs} outputs, got r={r}")
    jobs = check_int(jobs, "jobs")
    top = check_int(top, "top", 0)
    if dask_address is not None and jobs > 1:
        raise InvalidInput("jobs: use either jobs > 1 (local processes) or dask_address (a cluster), not both")
    if chunk_size is not None:
        chunk_size = check_int(chunk_size, "chunk_size")
    bound = QGraphUpperBound() if bound is None else bound
    name = bound_name(bound)
    run = uuid.uuid4().hex  # names this call's solver in the per-worker cache
    _check_graph_memory(m, r)

    store = _Store(db)
    try:
        run_id = store.run_id(label, unifilar.fingerprint, name, m, r)
        resumed = store.stored(run_id)
        client, own_client = (None, False) if dask_address is None else _dask_client(dask_address)
        try:
            workers = jobs if client is None else max(1, sum(client.nthreads().values()))

            def parallel_map(func: Callable[..., Any], items: Iterable[Any]) -> Iterator[Any]:
                if client is None:
                    return _local_map(func, items, jobs)
                return _dask_map(client, func, items, workers)

            counts = _block_counts(store, run_id, m, r, parallel_map)
            total = sum(counts)
            pending = total - resumed
            size = chunk_size or max(1, min(2048, math.ceil(max(pending, 1) / (8 * workers))))
            known = store.block_counts(run_id)
            blocks_done = {b for b, (_, done) in known.items() if done}
            stored = store.stored_indices(run_id) if resumed else np.zeros(0, dtype=np.int64)
            tasks, per_block = _tasks(counts, blocks_done, stored, size)
            if screen and not resumed:  # small first tasks: a screening threshold exists sooner
                tasks, per_block = _split_first(tasks, per_block, workers, FIRST_TASK_GRAPHS)
            del stored
            store.set_blocks_done(run_id, [b for b, left in per_block.items() if left == 0])
            _solver_for(run, bound, unifilar, m)  # built before the workers fork, so they inherit it
            finished = resumed
            if progress is not None:
                progress(finished, total)
            keep = max(top, 1)
            best_k: list[float] = []  # max-heap (negated) of the ``keep`` smallest exact upper bounds so far
            if screen and resumed:
                stored_best = store.kth_upper(run_id, keep)
                if math.isfinite(stored_best):
                    best_k = [-stored_best] * keep

            def threshold() -> float | None:
                return (-best_k[0] if len(best_k) == keep else math.inf) if screen else None

            global _SHARED_THRESHOLD
            if screen and client is None and jobs > 1:
                import multiprocessing

                _SHARED_THRESHOLD = multiprocessing.get_context("fork").Value("d", math.inf, lock=False)
            items = ((run, bound, unifilar, m, r, task, threshold(), keep) for task in tasks)
            try:
                for task, rows in parallel_map(_solve_task, items):
                    per_block[task[0]] -= 1
                    finished += store.insert(run_id, rows, done_block=task[0] if per_block[task[0]] == 0 else None)
                    if screen:
                        _push_best(best_k, [row[2] for row in rows if row[3] == "optimal"], keep)
                        if _SHARED_THRESHOLD is not None and len(best_k) == keep:
                            _SHARED_THRESHOLD.value = -best_k[0]
                    if progress is not None:
                        progress(finished, total)
            finally:
                _SHARED_THRESHOLD = None
                _WORKER_BEST.pop(run, None)
            if screen:
                _solve_screened_candidates(store, run_id, run, bound, unifilar, m, r, keep)
        finally:
            if own_client and client is not None:
                client.close()
        store.set_total(run_id, total)
        best = _best_with_lower(store, run_id, run, bound, unifilar, m, r, top, lower, certify, tie_tol)
        # the stored float of the best graph (its reported upper may be the slightly smaller Arb value)
        tied = store.tied_with(run_id, store.kth_upper(run_id, 1), tie_tol) if best and best[0].estimate is not None else 0
        solved, failed, screened = store.counts(run_id)
        failures = tuple(
            RankingFailure(idx, _graph_of(blob, m, r), status, message or "")
            for blob, idx, status, message in store.failures(run_id, MAX_LISTED_FAILURES)
        )
    finally:
        store.close()
        _forget_solver(run)
    return Ranking(
        channel=label,
        fingerprint=unifilar.fingerprint,
        bound=name,
        nodes=m,
        outputs=r,
        count=total,
        solved=solved,
        failed=failed,
        resumed=resumed,
        top=best,
        failures=failures,
        seconds=time.perf_counter() - started,
        db=None if db is None else str(db),
        tied_with_best=tied,
        screened=screened,
    )


def _best_with_lower(
    store: _Store,
    run_id: int,
    run: str,
    bound: Any,
    channel: UnifilarFSC,
    m: int,
    r: int,
    k: int,
    lower: bool,
    certify: bool = False,
    tie_tol: float = 0.0,
) -> tuple[RankedGraph, ...]:
    """The ``k`` best stored graphs with tie groups; lower bounds are computed once and stored.

    For the default bound the ``k`` graphs are re-solved once more to recover
    their duality witnesses ``(T, V)``, whose bound is re-evaluated with Arb
    balls (:func:`~dicert.verify.capacity.qgraph_rank.rigorous_duality_upper`);
    with ``certify`` the independent checker certifies them as well.
    """
    rows = store.top(run_id, k)
    if not rows:
        return ()
    from dicert.verify.capacity.qgraph_rank import tie_groups

    uppers = np.array([row[2] for row in rows], dtype=float)
    estimates = np.array([np.nan if row[5] is None else row[5] for row in rows], dtype=float)
    groups = tie_groups(uppers, estimates, tie_tol)
    solver = _solver_for(run, bound, channel, m)
    rigorous: dict[int, float] = {}
    phis = np.stack([np.frombuffer(row[0], dtype=np.int8).reshape(m, r) for row in rows]).astype(np.int64)
    if solver is not None and hasattr(solver, "solve_batch"):
        rigorous = _rigorous_uppers(solver, channel, phis)
    best = []
    for i, (blob, idx, upper, low, checked, estimate) in enumerate(rows):
        graph = _graph_of(blob, m, r)
        full = None
        if (lower and not checked) or certify:
            try:
                full = solver(graph, lower=True)
                low = None if full.lower is None else float(full.lower)
            except SolverFailed:
                low = None
            if not checked:
                store.set_lower(run_id, blob, low)
        cert_upper = cert_lower = None
        if certify and full is not None and hasattr(solver, "solve_batch"):
            cert_upper, cert_lower = _certify(channel, graph, full)
        best.append(
            RankedGraph(
                int(idx),
                graph,
                rigorous.get(i, float(upper)),
                low if lower else None,
                estimate=None if estimate is None else float(estimate),
                tie=int(groups[i]) if estimate is not None else 0,
                rigorous=i in rigorous,
                certified_upper=cert_upper,
                certified_lower=cert_lower,
            )
        )
    return tuple(best)


def _rigorous_uppers(solver: Any, channel: UnifilarFSC, phis: np.ndarray) -> dict[int, float]:
    """Arb re-evaluation of the duality bound of each graph (index -> bound); graphs whose exact check fails are left out."""
    from dicert.verify.capacity.qgraph_rank import rigorous_duality_upper

    batch = solver.solve_batch(phis, keep_duality=True)
    out: dict[int, float] = {}
    if batch.duality is None:
        return out
    for j, i in enumerate(batch.solved.tolist()):
        try:
            out[i] = rigorous_duality_upper(channel, phis[i], batch.duality.test[j], batch.duality.value[j])
        except (InvalidInput, InvalidChannel):  # e.g. a channel law that is not exact in decimal
            continue
    return out


def _certify(channel: UnifilarFSC, graph: QGraph, solution: Any) -> tuple[str | None, str | None]:
    """Decimal bounds of one graph from the independent checker; ``(None, None)`` if it cannot certify."""
    from dicert.verify.certify.qgraph_certify import certify_qgraph_bounds
    from dicert.verify.errors import DicertError

    try:
        result = certify_qgraph_bounds(channel, graph, solution=solution)
    except DicertError:
        return None, None
    return result.upper, result.lower

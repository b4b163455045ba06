"""The worker side of a ranking: per-process solver cache, enumeration blocks, solving one task, task lists.

Part of :mod:`dicert.verify.ranking` (see the package docstring).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import numpy as np

from dicert.graphs.enumerate import block_qgraphs
from dicert.verify.capacity.qgraph_rank import push_smallest
from dicert.graphs.qgraph import QGraph
from dicert.verify.channels import UnifilarFSC
from dicert.verify.errors import SolverFailed
from dicert.verify.ranking.store import Row, _graph_bytes, _graph_of, _Store


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
    keep: int = 1,
) -> list[Row]:
    """Upper bounds of one chunk of graphs; failed solves become rows with their status and message.

    ``threshold`` (default bound only): graphs provably worse than it, or than the
    ``keep``-th best bound found in the chunk, are screened, not solved.
    """
    solve = _solver_for(run, bound, channel, m)
    if hasattr(solve, "solve_batch"):  # the default bound: lean per-graph loop, bounds in batch
        batch = solve.solve_batch(phis, screen_above=threshold, keep=keep)
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
            solved = math.nan if result.upper is None else float(result.upper)  # None: no valid duality reading
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


def _top_graph_bounds(
    run: str, bound: Any, channel: UnifilarFSC, m: int, r: int, blob: bytes, certify: bool
) -> tuple[bytes, tuple[float | None, dict[str, Any] | None, str | None, str | None]]:
    """One of the best graphs: its BCJR-invariant lower bound (Thm 4.4.4) with witness and, with ``certify``,
    the independent checker's decimal bounds -- ``(blob, (lower, witness, certified upper, certified lower))``.

    The worker side of the ranking's last step (one graph per task); a failed solve gives no bound.
    """
    graph = _graph_of(blob, m, r)
    try:
        full = _solver_for(run, bound, channel, m)(graph, lower=True)
    except SolverFailed:
        return blob, (None, None, None, None)
    low = None if full.lower is None else float(full.lower)
    cert_upper, cert_lower = _certify(channel, graph, full) if certify else (None, None)
    return blob, (low, getattr(full, "lower_witness", None), cert_upper, cert_lower)


def _certify(channel: UnifilarFSC, graph: QGraph, solution: Any) -> tuple[str | None, str | None]:
    """Decimal bounds of one graph from the independent checker; ``(None, None)`` if it cannot certify."""
    from dicert.verify.certify.qgraph_certify import certify_qgraph_bounds
    from dicert.verify.errors import DicertError

    try:
        result = certify_qgraph_bounds(channel, graph, solution=solution)
    except DicertError:
        return None, None
    return result.upper, result.lower


#: Enumeration blocks each process keeps generated (``_block_phis`` cache).
_BLOCKS_CACHED = 4

#: Tasks per worker when ``chunk_size`` is not given.
TASKS_PER_WORKER = 32


@lru_cache(maxsize=_BLOCKS_CACHED)
def _block_phis(m: int, r: int, block: int) -> np.ndarray:
    """The graphs of one enumeration block, generated where they are solved (cached per process)."""
    phis = block_qgraphs(m, r, block)
    phis.flags.writeable = False
    return phis


def _count_block(m: int, r: int, block: int) -> tuple[int, int]:
    return block, len(_block_phis(m, r, block))


def _generate_block(m: int, r: int, block: int) -> tuple[int, np.ndarray]:
    """The graphs of one block, generated in a worker and sent to the driver (int8, ``m * r`` bytes a graph)."""
    return block, np.ascontiguousarray(_block_phis(m, r, block), dtype=np.int8)


# A task: (block, lo, hi, offset) -- graphs ``lo:hi`` of ``block``, whose graph 0 has enumeration index ``offset``.
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
    db: tuple[str, int] | None = None,
    graphs: np.ndarray | None = None,
) -> tuple[Task, list[Row] | StoredRows]:
    """Generate the task's graphs from its block and bound them (the worker's side of a partitioned run).

    With ``db = (path, run_id)`` (local workers of a run with a database file)
    the worker commits its rows to the database itself and returns a
    :class:`StoredRows` summary; otherwise it returns the rows for the driver
    to store.  ``graphs`` (the task's graphs, sent by the driver) replaces
    generating the task's block here.

    The screening threshold is the smallest of ``threshold`` (sent with the task), the
    driver's current value in shared memory (forked local workers) and the ``keep``-th
    best exact bound this worker has found itself in this run (the ``keep``-th best of a
    subset is never below the ``keep``-th best of all graphs, so each is safe).
    """
    block, lo, hi, offset = task
    phis = _block_phis(m, r, block)[lo:hi] if graphs is None else graphs
    best = _WORKER_BEST.setdefault(run, [])
    if threshold is not None:
        if _SHARED_THRESHOLD is not None:
            threshold = min(threshold, _SHARED_THRESHOLD.value)
        if len(best) >= keep:
            threshold = min(threshold, -best[0])
    rows = _solve_chunk(run, bound, channel, m, np.arange(offset + lo, offset + hi), phis, threshold, keep)
    exact = [row[2] for row in rows if row[3] == "optimal" and row[2] is not None]
    if threshold is not None:
        push_smallest(best, exact, keep)
    if db is None:
        return task, rows
    return task, StoredRows(_worker_store(run, db[0]).insert(db[1], rows), exact)


@dataclass(frozen=True)
class StoredRows:
    """What a worker that stored its task's rows itself returns: rows added and the exact bounds among them."""

    added: int
    exact_uppers: list[float]


#: WAL pages after which a worker's commit checkpoints (SQLite's default is 1000): about one task's rows.
WORKER_CHECKPOINT_PAGES = 200

#: Per process: ``(run token, path, store)`` of the database this worker writes to (local workers only).
_WORKER_STORE: list[Any] = []


def _worker_store(run: str, path: str) -> _Store:
    """This worker's own connection to the run's database, opened once per run (never the driver's, never shared)."""
    if _WORKER_STORE and _WORKER_STORE[0][:2] != (run, path):
        _WORKER_STORE.pop()[2].close()
    if not _WORKER_STORE:
        store = _Store(path)
        store.checkpoint_every(WORKER_CHECKPOINT_PAGES)
        _WORKER_STORE.append((run, path, store))
    return cast(_Store, _WORKER_STORE[0][2])


def _close_worker_store(run: str) -> None:
    """Close this process's own connection of run ``run`` (the driver works as one of the local workers)."""
    if _WORKER_STORE and _WORKER_STORE[0][0] == run:
        _WORKER_STORE.pop()[2].close()


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

"""The ranking driver :func:`rank_qgraphs`: count, dispatch, store, screen, and the best graphs with their bounds.

Part of :mod:`dicert.verify.ranking` (see the package docstring).
"""

from __future__ import annotations

import contextlib
import math
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dicert.graphs.enumerate import count_accessible_automata, count_blocks
from dicert.verify._numeric import check_int
from dicert.verify.channels import Channel, UnifilarFSC, as_unifilar, channel_spec
from dicert.verify.errors import InvalidChannel, InvalidInput, TooLarge
from dicert.verify.memory import current_memory_limit, format_bytes
from dicert.verify.capacity.qgraph_rank import push_smallest
from dicert.verify.ranking.executors import LocalPool, _dask_client, _dask_map
from dicert.verify.ranking.records import MAX_LISTED_FAILURES, QGraphUpperBound, RankedGraph, Ranking, RankingFailure, bound_name
from dicert.verify.ranking.store import _Store, _graph_of
from dicert.verify.ranking import tasks as worker_side
from dicert.verify.ranking.tasks import FIRST_TASK_GRAPHS, StoredRows, TASKS_PER_WORKER, _BLOCKS_CACHED, _WORKER_BEST, _count_block, _generate_block, _forget_solver, _solve_chunk, _solve_task, _solver_for, _split_first, _tasks, _top_graph_bounds


# ---------------------------------------------------------------------------
# the driver
# ---------------------------------------------------------------------------


def _plan(
    store: _Store, run_id: int, counts: list[int], resumed: int, chunk_size: int | None, workers: int, screen: bool
) -> tuple[list, dict[int, int]]:
    """The tasks still to run (slices of unfinished blocks) and, per block, how many must finish; marks empty blocks done."""
    pending = sum(counts) - resumed
    # ~32 tasks per worker: the last task (the tail that one worker finishes alone) stays short
    size = chunk_size or max(1, min(2048, math.ceil(max(pending, 1) / (TASKS_PER_WORKER * workers))))
    blocks_done = {b for b, (_, done) in store.block_counts(run_id).items() if done}
    stored = store.stored_indices(run_id) if resumed else np.zeros(0, dtype=np.int64)
    tasks, per_block = _tasks(counts, blocks_done, stored, size)
    if screen and not resumed:  # small first tasks: a screening threshold exists sooner
        tasks, per_block = _split_first(tasks, per_block, workers, FIRST_TASK_GRAPHS)
    store.set_blocks_done(run_id, [b for b, left in per_block.items() if left == 0])
    return tasks, per_block


def _dispatch(
    store: _Store,
    run_id: int,
    solver_key: tuple,
    tasks: list,
    per_block: dict[int, int],
    parallel_map: Callable[..., Iterator[Any]],
    *,
    screen: bool,
    keep: int,
    workers_store: bool = False,
    graphs: dict[int, np.ndarray] | None = None,
    resumed: int,
    total: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Run the tasks, store each result chunk as it arrives, keep the screening threshold current.

    ``solver_key`` is ``(run, bound, channel, m, r)``.  The threshold (the
    ``keep``-th best exact bound so far) goes with every task and, for forked
    local workers, into the shared ``worker_side._SHARED_THRESHOLD`` (created
    before they forked) that running workers read.  With ``graphs`` (block ->
    its graphs) each task carries its own graphs, else the workers generate
    (and cache) the task's block.
    With ``workers_store`` (local processes and a database file) each
    process of the team, this one included, commits its own rows (one SQLite
    transaction per task, WAL journal) and reports only a summary; the
    driver marks finished blocks and keeps the threshold between its own tasks.
    """
    run = solver_key[0]
    finished = resumed
    if progress is not None:
        progress(finished, total)
    best_k: list[float] = []  # max-heap (negated) of the ``keep`` smallest exact upper bounds so far
    if screen and resumed:
        stored_best = store.kth_upper(run_id, keep)
        if math.isfinite(stored_best):
            best_k = [-stored_best] * keep

    def threshold() -> float | None:
        return (-best_k[0] if len(best_k) == keep else math.inf) if screen else None

    own_rows = None if not (workers_store and store.path) else (store.path, run_id)
    items = (
        (*solver_key, task, threshold(), keep, own_rows, None if graphs is None else graphs[task[0]][task[1] : task[2]])
        for task in tasks
    )
    try:
        for task, result in parallel_map(_solve_task, items):
            per_block[task[0]] -= 1
            done_block = task[0] if per_block[task[0]] == 0 else None
            if isinstance(result, StoredRows):  # the worker committed its rows itself
                finished += result.added
                if done_block is not None:
                    store.set_blocks_done(run_id, [done_block])
                exact = result.exact_uppers
            else:
                finished += store.insert(run_id, result, done_block=done_block)
                exact = [row[2] for row in result if row[3] == "optimal"]
            if screen:
                push_smallest(best_k, exact, keep)
                if worker_side._SHARED_THRESHOLD is not None and len(best_k) == keep:  # forked local workers
                    worker_side._SHARED_THRESHOLD.value = -best_k[0]
            if progress is not None:
                progress(finished, total)
    finally:
        _WORKER_BEST.pop(run, None)


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

    Long because the docstring documents its thirteen options; the body (about 60
    lines) checks them, calls :func:`_bound_every_graph` and :func:`_best_with_lower`,
    and fills the :class:`Ranking`.

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
        Local processes: this one and ``jobs - 1`` forked workers (loky workers where forking is unsafe); 1 solves in this process.
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
    unifilar, label, m, r, jobs, top, chunk_size = _checked_arguments(channel, m, r, jobs, top, dask_address, chunk_size)
    bound = QGraphUpperBound() if bound is None else bound
    name = bound_name(bound)
    run = uuid.uuid4().hex  # names this call's solver in the per-worker cache
    _check_graph_memory(m, r)

    store = _Store(db)
    try:
        run_id = store.run_id(label, unifilar.fingerprint, name, m, r)
        resumed = store.stored(run_id)
        job = (run, bound, unifilar, m, r)
        with _workers(job, jobs=jobs, dask_address=dask_address, screen=screen) as workers:
            total = _bound_every_graph(
                store, run_id, job, resumed, workers, chunk_size=chunk_size, screen=screen, keep=max(top, 1), progress=progress
            )
            store.set_total(run_id, total)
            best = _best_with_lower(store, run_id, job, top, lower, certify, tie_tol, workers.map)
        # the stored float of the best graph (its reported upper may be the slightly smaller Arb value)
        tied = store.tied_with(run_id, store.kth_upper(run_id, 1), tie_tol) if best and best[0].estimate is not None else 0
        solved, failed, screened = store.counts(run_id)
        failures = tuple(
            RankingFailure(idx, _graph_of(blob, m, r), status, message or "")
            for blob, idx, status, message in (store.failures(run_id, MAX_LISTED_FAILURES) if failed else [])
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


def _checked_arguments(
    channel: Channel, m: int, r: int | None, jobs: int, top: int, dask_address: Any, chunk_size: int | None
) -> tuple[Any, str, int, int, int, int, int | None]:
    """The unifilar view, label and checked sizes of a :func:`rank_qgraphs` call (``InvalidInput`` naming the field)."""
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
    return unifilar, label, m, r, jobs, top, chunk_size


def _serial_map(func: Callable[..., Any], items: Iterable[Any]) -> Iterator[Any]:
    """``func(*item)`` for each item, here, in order."""
    return (func(*item) for item in items)


@dataclass
class _Workers:
    """Where a ranking's maps run: ``map(func, items)`` and how many processes (``count``); ``local`` for a fork team or loky."""

    map: Callable[[Callable[..., Any], Iterable[Any]], Iterator[Any]]
    count: int
    local: bool


@contextlib.contextmanager
def _workers(job: tuple[str, Any, Any, int, int], *, jobs: int, dask_address: Any, screen: bool) -> Iterator[_Workers]:
    """This process, ``jobs`` local processes or the dask cluster at ``dask_address``, for every map of one ranking.

    Local workers are forked after the solver is built and the shared screening
    threshold exists (they inherit both); a dask client opened here is closed here.
    """
    run, bound, unifilar, m, _ = job
    client, own_client = (None, False) if dask_address is None else _dask_client(dask_address)
    local = client is None and jobs > 1
    try:
        with contextlib.ExitStack() as stack:
            count = jobs if client is None else max(1, sum(client.nthreads().values()))
            pool: LocalPool | None = None
            if local:
                _solver_for(run, bound, unifilar, m)  # built before the workers fork, so they inherit it
                if screen:
                    import multiprocessing

                    worker_side._SHARED_THRESHOLD = multiprocessing.get_context("fork").Value("d", math.inf, lock=False)
                    stack.callback(setattr, worker_side, "_SHARED_THRESHOLD", None)
                stack.callback(worker_side._close_worker_store, run)  # the driver stores its own tasks' rows too
                pool = stack.enter_context(LocalPool(jobs))

            def parallel_map(func: Callable[..., Any], items: Iterable[Any]) -> Iterator[Any]:
                if client is not None:
                    return _dask_map(client, func, items, count)
                if pool is None:
                    return _serial_map(func, items)
                return pool.imap(func, items)

            yield _Workers(parallel_map, count, local)
    finally:
        if own_client and client is not None:
            client.close()


def _bound_every_graph(
    store: _Store,
    run_id: int,
    job: tuple[str, Any, Any, int, int],
    resumed: int,
    workers: _Workers,
    *,
    chunk_size: int | None,
    screen: bool,
    keep: int,
    progress: Callable[[int, int], None] | None,
) -> int:
    """Count, plan and bound every graph of ``job = (run, bound, unifilar, m, r)`` not yet stored; the graph count."""
    run, bound, unifilar, m, r = job
    # Few blocks (m <= 5 for r = 2): the local workers generate them, one each, and send the
    # graphs back; each task then carries its own graphs (a few kB), so no block is generated
    # twice and none serially here.  Many blocks: each worker generates (and caches) its tasks' blocks.
    graphs = None
    if workers.local and count_blocks(m, r) <= _BLOCKS_CACHED:
        graphs = dict(workers.map(_generate_block, [(m, r, b) for b in range(count_blocks(m, r))]))
        known = store.block_counts(run_id)
        store.set_block_counts(run_id, [(b, len(g)) for b, g in graphs.items() if b not in known])
    counts = _block_counts(store, run_id, m, r, workers.map)
    total = sum(counts)
    tasks, per_block = _plan(store, run_id, counts, resumed, chunk_size, workers.count, screen)
    _dispatch(store, run_id, job, tasks, per_block, workers.map,
              screen=screen, keep=keep, workers_store=workers.local, graphs=graphs,
              resumed=resumed, total=total, progress=progress)
    if screen:
        _solve_screened_candidates(store, run_id, run, bound, unifilar, m, r, keep)
    return total


def _best_with_lower(
    store: _Store,
    run_id: int,
    job: tuple[str, Any, Any, int, int],
    k: int,
    lower: bool,
    certify: bool = False,
    tie_tol: float = 0.0,
    parallel_map: Callable[..., Iterator[Any]] | None = None,
) -> tuple[RankedGraph, ...]:
    """The ``k`` best stored graphs with tie groups; lower bounds are computed once and stored.

    For the default bound the ``k`` graphs are re-solved once more to recover
    their duality witnesses ``(T, V)``, whose bound is re-evaluated with Arb
    balls (:func:`~dicert.verify.capacity.qgraph_rank.rigorous_duality_upper`).
    Their lower bounds (and, with ``certify``, the independent checker's
    certificates) are computed by the ranking's workers (``parallel_map``),
    one graph per task (:func:`~dicert.verify.ranking.tasks._top_graph_bounds`).
    """
    run, bound, channel, m, r = job
    rows = store.top(run_id, k)
    if not rows:
        return ()
    from dicert.verify.capacity.qgraph_rank import tie_groups

    uppers = np.array([row[2] for row in rows], dtype=float)
    estimates = np.array([np.nan if row[5] is None else row[5] for row in rows], dtype=float)
    groups = tie_groups(uppers, estimates, tie_tol)
    solver = _solver_for(run, bound, channel, m)
    default_bound = solver is not None and hasattr(solver, "solve_batch")
    rigorous: dict[int, tuple[float, dict[str, Any]]] = {}
    phis = np.stack([np.frombuffer(row[0], dtype=np.int8).reshape(m, r) for row in rows]).astype(np.int64)
    if default_bound:
        rigorous = _rigorous_uppers(solver, channel, phis)
    todo = [(*job, blob, certify and default_bound) for blob, _, _, _, checked, _ in rows if (lower and not checked) or certify]
    found = dict((parallel_map or _serial_map)(_top_graph_bounds, todo))
    best = []
    for i, (blob, idx, upper, low, checked, estimate) in enumerate(rows):
        graph = _graph_of(blob, m, r)
        low_witness = cert_upper = cert_lower = None
        if blob in found:
            low, low_witness, cert_upper, cert_lower = found[blob]
            if not checked:
                store.set_lower(run_id, blob, low)
        best.append(
            RankedGraph(
                int(idx),
                graph,
                rigorous[i][0] if i in rigorous else float(upper),
                low if lower else None,
                upper_estimate=None if estimate is None else float(estimate),
                tie=int(groups[i]) if estimate is not None else 0,
                rigorous=i in rigorous,
                certified_upper=cert_upper,
                certified_lower=cert_lower,
                upper_witness=rigorous[i][1] if i in rigorous else None,
                lower_witness=(low_witness or {"phi": graph.phi.tolist(), "theorem": "Thm 4.4.4"}) if lower and low is not None else None,
            )
        )
    return tuple(best)


def _rigorous_uppers(solver: Any, channel: UnifilarFSC, phis: np.ndarray) -> dict[int, tuple[float, dict[str, Any]]]:
    """Arb re-evaluation of the duality bound of each graph (index -> (bound, witness)); graphs whose exact check fails are left out."""
    from dicert.verify.capacity.qgraph_rank import rigorous_duality_upper

    batch = solver.solve_batch(phis, keep_duality=True)
    out: dict[int, tuple[float, dict[str, Any]]] = {}
    if batch.duality is None:
        return out
    for j, i in enumerate(batch.solved.tolist()):
        test, value = batch.duality.test[j], batch.duality.value[j]
        try:
            witness = {"phi": phis[i].tolist(), "test": np.asarray(test).tolist(), "value": np.asarray(value).tolist()}
            out[i] = (rigorous_duality_upper(channel, phis[i], test, value), witness)
        except (InvalidInput, InvalidChannel):  # e.g. a channel law that is not exact in decimal
            continue
    return out

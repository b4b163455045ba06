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
    Chunks of graphs are solved
    in the parent (``jobs=1``), by a team of local processes (``jobs > 1``:
    the parent and ``jobs - 1`` children forked from it where the platform
    allows, so they inherit the imported libraries and the built program;
    :mod:`~dicert.verify.ranking.fork_team`) or on a dask.distributed
    cluster (``dask_address``).  Each worker builds the parametrised bound
    program at most once per (channel, ``m``) and re-solves it per graph.
    Local workers die with the driver (:mod:`dicert.verify.worker_death`):
    a SIGKILLed run leaves no orphan processes and resumes from its database.
    Local workers of a run with a database file, the driver among them,
    commit their own chunks (each its own connection, one transaction per
    chunk, WAL journal, checkpointed by the workers' commits) and report
    only a summary; otherwise (an in-memory database, dask) the driver
    stores every chunk.  Either way a chunk is stored in one transaction or
    not at all.

Modules
    :mod:`~dicert.verify.ranking.records` (result records),
    :mod:`~dicert.verify.ranking.store` (SQLite), :mod:`~dicert.verify.ranking.tasks`
    (the worker side), :mod:`~dicert.verify.ranking.executors` (local team, loky, dask),
    :mod:`~dicert.verify.ranking.fork_team` (the local team)
    and :mod:`~dicert.verify.ranking.driver` (:func:`rank_qgraphs`).  Every name of the
    former single module is importable from the package.

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

from dicert.verify.ranking.driver import (  # noqa: F401  (re-exported: the former module's names)
    _best_with_lower,
    _block_counts,
    _channel_label,
    _check_graph_memory,
    _rigorous_uppers,
    _solve_screened_candidates,
    rank_qgraphs,
)
from dicert.verify.ranking.executors import (  # noqa: F401  (re-exported: the former module's names)
    _FORK_UNSAFE_MODULES,
    DASK_CONNECT_SECONDS,
    _dask_client,
    _dask_map,
    _guarded,
)
from dicert.verify.ranking.records import (  # noqa: F401  (re-exported: the former module's names)
    MAX_LISTED_FAILURES,
    BoundFactory,
    QGraphUpperBound,
    RankedGraph,
    Ranking,
    RankingFailure,
    bound_name,
)
from dicert.verify.ranking.store import _BOUND_COLUMNS, _INDEX, _SCHEMA, Row, _graph_bytes, _graph_of, _Store  # noqa: F401
from dicert.verify.ranking.tasks import (  # noqa: F401  (re-exported: the former module's names)
    _BLOCKS_CACHED,
    _LOCAL,
    _WORKER_BEST,
    FIRST_TASK_GRAPHS,
    TASKS_PER_WORKER,
    Task,
    _block_phis,
    _certify,
    _count_block,
    _forget_solver,
    _solve_chunk,
    _solve_task,
    _solver_for,
    _split_first,
    _tasks,
)

__all__ = [
    "BoundFactory",
    "QGraphUpperBound",
    "RankedGraph",
    "RankingFailure",
    "Ranking",
    "rank_qgraphs",
    "bound_name",
]

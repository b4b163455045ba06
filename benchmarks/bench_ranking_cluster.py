"""Seven-node Q-graph search on a dask cluster: measure a prefix on a LocalCluster, project the whole run.

Usage::

    python benchmarks/bench_ranking_cluster.py                      # Ising, m = 7, 1024 graphs of each of 3 blocks
    python benchmarks/bench_ranking_cluster.py --blocks 4 --graphs-per-block 2048 --channel trapdoor

The m = 7 ranking (``dicert enumerate --nodes 7 --rank --dask ADDRESS --db F``)
is partitioned by enumeration block (a subtree of the orderly generation tree,
:func:`dicert.graphs.enumerate.block_qgraphs`): the driver sends each worker only
``(block, lo, hi, offset)``, the worker generates those graphs itself, solves
them and returns rows that the driver stores in SQLite.  This script runs the
same worker functions on a ``LocalCluster`` for a prefix of m = 7: the count
phase of the first ``--blocks`` blocks, then solve tasks for
``--graphs-per-block`` graphs from the middle of each of them (the first blocks
hold most graphs: 78 528, 118 755, 112 562, ...; many later blocks are empty).
It reports

- graphs per block, seconds to count one block (the count phase runs once per
  run and is stored), CPU seconds per graph in the workers, throughput per
  worker;
- the projection for all 2343 blocks (24 617 866 graphs): worker-seconds in
  total, and hours per worker for a cluster of ``W`` workers.

With ``--screen-above T`` the tasks screen like a ranking whose current
``top``-th best bound is ``T`` (for Ising, any threshold at or above the
capacity is what the run reaches after its first tasks: e.g. 0.5755216).
The 1-minute load average is printed: on a shared machine the wall-clock
numbers inflate, the per-graph CPU seconds less so.
"""

from __future__ import annotations

import argparse
import os
import time

from rich.console import Console
from rich.table import Table

from dicert.graphs.enumerate import count_blocks
from dicert.verify.channels import as_unifilar, parse_channel
from dicert.verify.ranking import QGraphUpperBound, _count_block, _solve_task

M7_GRAPHS = 24_617_866  # OEIS A027835, m = 7


def _cpu_task(run, bound, channel, m, r, task, threshold):  # runs in a worker: CPU time of the solve
    start = time.process_time()
    _, rows = _solve_task(run, bound, channel, m, r, task, threshold)
    return len(rows), time.process_time() - start, sum(row[3] in ("optimal", "screened") for row in rows)


def _cpu_count(m, r, block):  # runs in a worker: CPU time of counting one block
    start = time.process_time()
    _, count = _count_block(m, r, block)
    return block, count, time.process_time() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channel", default="ising")
    parser.add_argument("--nodes", type=int, default=7)
    parser.add_argument("--blocks", type=int, default=3, help="blocks to count and sample (default 3)")
    parser.add_argument("--graphs-per-block", type=int, default=1024, help="graphs solved per block (default 1024)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--task-size", type=int, default=512)
    parser.add_argument(
        "--screen-above", type=float, default=None,
        help="screening threshold of the tasks (a ranking uses its current top-th bound; default: no screening)",
    )
    args = parser.parse_args(argv)
    from dask.distributed import Client, LocalCluster, as_completed

    channel = as_unifilar(parse_channel(args.channel))
    m, r = args.nodes, channel.n_outputs
    n_blocks = count_blocks(m, r)
    load = os.getloadavg()[0]
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster) as client:
            start = time.perf_counter()
            counted = client.gather(client.map(_cpu_count, [m] * args.blocks, [r] * args.blocks, list(range(args.blocks))))
            counts = [(b, c) for b, c, _ in counted]
            count_cpu = sum(t for *_, t in counted)
            tasks = []
            offset = 0
            for block, count in counts:
                first = max(0, count // 2 - args.graphs_per_block // 2)
                last = min(count, first + args.graphs_per_block)
                tasks += [(block, lo, min(lo + args.task_size, last), offset) for lo in range(first, last, args.task_size)]
                offset += count
            bound = QGraphUpperBound()
            start = time.perf_counter()
            futures = [client.submit(_cpu_task, "bench", bound, channel, m, r, t, args.screen_above, pure=False) for t in tasks]
            graphs = cpu = solved = 0
            for future in as_completed(futures):
                n, c, s = future.result()
                graphs, cpu, solved = graphs + n, cpu + c, solved + s
            wall = time.perf_counter() - start
    per_graph_cpu = cpu / graphs
    per_graph_wall = wall * args.workers / graphs
    count_per_block = count_cpu / args.blocks  # CPU s; the first blocks are the largest: an over-estimate
    table = Table(title=f"m={m} prefix on a dask LocalCluster ({args.workers} workers), channel {args.channel}")
    for column in ("quantity", "value"):
        table.add_column(column, justify="left" if column == "quantity" else "right")
    rows = [
        ("blocks counted and sampled / all blocks", f"{args.blocks} / {n_blocks}"),
        ("graphs in those blocks", f"{sum(c for _, c in counts)}"),
        ("graphs bounded (prefix)", f"{graphs} ({solved} with a valid bound)"),
        ("screening threshold", str(args.screen_above)),
        ("wall s, solve phase", f"{wall:.1f}"),
        ("count phase: CPU s per block", f"{count_per_block:.2f}"),
        ("CPU ms per graph (workers)", f"{1e3 * per_graph_cpu:.3f}"),
        ("wall ms per graph per worker", f"{1e3 * per_graph_wall:.3f}"),
        ("throughput per worker, graphs/s (wall)", f"{1 / per_graph_wall:.0f}"),
        ("projected worker-hours, whole m=7 (CPU)", f"{(M7_GRAPHS * per_graph_cpu + n_blocks * count_per_block) / 3600:.1f}"),
        ("projected worker-hours, whole m=7 (wall here, loaded)", f"{(M7_GRAPHS * per_graph_wall + n_blocks * count_per_block) / 3600:.1f}"),
        ("projected hours on 64 workers (CPU)", f"{(M7_GRAPHS * per_graph_cpu + n_blocks * count_per_block) / 3600 / 64:.2f}"),
        ("1-min load average at start", f"{load:.1f}"),
    ]
    for row in rows:
        table.add_row(*row)
    Console(width=120).print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

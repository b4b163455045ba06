"""Ranking every Q-graph of a size by its upper bound (``dicert enumerate --rank``), end to end.

Usage::

    python benchmarks/bench_ranking.py                          # Ising, 4 nodes (892 graphs), jobs 1 and 2
    python benchmarks/bench_ranking.py --nodes 4 5 --jobs 2     # also the 21291 five-node graphs
    python benchmarks/bench_ranking.py --dask                   # also a 2-process dask LocalCluster

For each size it times :func:`dicert.verify.ranking.rank_qgraphs` as the CLI
runs it -- orderly enumeration, one parametrised (DPP) program per worker
re-solved per graph (the default Clarabel backend of
:class:`~dicert.verify.capacity.qgraph_bounds.QGraphBoundProgram`), every bound written to a fresh SQLite database in WAL
mode, the BCJR lower bound of the best graph -- with each ``--jobs`` value,
and in the same run the naive way: a fresh cvxpy problem built, canonicalised
and solved per graph (``backend="cvxpy"``), timed on the first ``--naive`` graphs and extrapolated to all.  It also
times a resumed run on the finished database (nothing left to solve), reports
the best bound and the peak resident memory of this process and of its worker
processes.  Targets (issue 4, two cores): 892 graphs in < 5 s, 21291 in < 2 min.
Timings are measurements, never asserted in tests.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from dicert.graphs.enumerate import enumerate_qgraphs
from dicert.verify.capacity.qgraph_bounds import QGraphBoundProgram
from dicert.verify.channels import as_unifilar, parse_channel
from dicert.verify.ranking import rank_qgraphs

TARGET_SECONDS = {4: 5.0, 5: 120.0}


def _peak_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _naive_seconds_per_graph(channel, m: int, sample: int) -> float:
    graphs = list(enumerate_qgraphs(m, channel.n_outputs, stop=sample))
    start = time.perf_counter()
    for g in graphs:  # a new cvxpy problem, canonicalised and solved, per graph
        QGraphBoundProgram(channel, m, backend="cvxpy").solve(g, lower=False)
    return (time.perf_counter() - start) / max(len(graphs), 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channel", default="ising", help="channel spec (default ising)")
    parser.add_argument("--nodes", type=int, nargs="+", default=[4], help="graph sizes to rank (default 4)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="local worker counts (default 1 2)")
    parser.add_argument("--naive", type=int, default=30, help="graphs timed with a fresh problem each (default 30)")
    parser.add_argument("--dask", action="store_true", help="also run on a 2-process dask LocalCluster")
    args = parser.parse_args(argv)

    channel = as_unifilar(parse_channel(args.channel))
    console = Console(width=170)
    table = Table(title=f"Ranking all Q-graphs by the upper bound (Thm 4.4.3) on {channel.name}")
    for column in ("nodes", "graphs", "method", "total s", "ms / graph", "vs naive", "target", "best upper"):
        table.add_column(column, justify="left" if column == "method" else "right")

    for backend in ("clarabel", "cvxpy"):  # imports and first-solve set-up of both ways, outside the timings
        QGraphBoundProgram(channel, 1, backend=backend).solve([[0] * channel.n_outputs], lower=False)
    with tempfile.TemporaryDirectory() as tmp:
        for m in args.nodes:
            naive = _naive_seconds_per_graph(channel, m, args.naive)
            count = None
            runs = [(f"rank_qgraphs, jobs={j}", {"jobs": j}) for j in args.jobs]
            cluster = None
            if args.dask:
                from dask.distributed import LocalCluster

                cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
                runs.append(("rank_qgraphs, dask 2 workers", {"dask_address": cluster.scheduler_address}))
            try:
                for label, options in runs:
                    db = Path(tmp) / f"{m}-{label.replace(' ', '_').replace(',', '')}.sqlite"
                    start = time.perf_counter()
                    ranking = rank_qgraphs(channel, m, db=db, top=1, **options)
                    seconds = time.perf_counter() - start
                    count = ranking.count
                    target = TARGET_SECONDS.get(m)
                    verdict = "" if target is None else f"< {target:g} s: {'yes' if seconds < target else 'no'}"
                    table.add_row(
                        str(m),
                        str(count),
                        label + ("" if not ranking.failed else f" ({ranking.failed} failed)"),
                        f"{seconds:.2f}",
                        f"{1e3 * seconds / count:.2f}",
                        f"{naive * count / seconds:.1f}x",
                        verdict,
                        f"{ranking.top[0].upper:.10f}",
                    )
                    start = time.perf_counter()
                    rank_qgraphs(channel, m, db=db, top=1, **options)
                    resumed = time.perf_counter() - start
                table.add_row(str(m), str(count), "resume a finished database", f"{resumed:.2f}", "", "", "", "")
            finally:
                if cluster is not None:
                    cluster.close()
            table.add_row(
                str(m),
                str(count),
                f"naive: fresh problem per graph ({args.naive} timed)",
                f"{naive * count:.1f}",
                f"{1e3 * naive:.2f}",
                "1.0x",
                "",
                "",
            )
    console.print(table)
    console.print(
        f"peak resident memory: this process {_peak_mib(resource.RUSAGE_SELF):.0f} MiB, "
        f"largest worker process {_peak_mib(resource.RUSAGE_CHILDREN):.0f} MiB; python {sys.version.split()[0]}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Ranking every Q-graph of a size by a valid upper bound (``dicert enumerate --rank``), end to end.

Usage::

    python benchmarks/bench_ranking.py                                  # Ising, 4 and 5 nodes, jobs 1 and 2
    python benchmarks/bench_ranking.py --nodes 6 --jobs 2               # the 658 885 six-node graphs
    python benchmarks/bench_ranking.py --nodes 5 --pairs 8              # + median speed-up of 8 interleaved pairs
    python benchmarks/bench_ranking.py --channel bec-noc:eps=0.5 --nodes 3 4
    python benchmarks/bench_ranking.py --baseline-python /work/main/.venv/bin/python   # + the old code, same run
    python benchmarks/bench_ranking.py --dask                           # + a 2-process dask LocalCluster
    python benchmarks/bench_ranking.py --nodes 6 --jobs 1 --dask 1 2    # + dask LocalClusters of 1 and 2 workers
    python benchmarks/bench_ranking.py --nodes 6 --sample 3000 --baseline-python /work/main/.venv/bin/python
                                        # sizes too large to run whole here: evenly spaced sample, projected

For each size and each ``--jobs`` value it times
:func:`dicert.verify.ranking.rank_qgraphs` as the CLI runs it (block-partitioned
enumeration in the workers, one Clarabel solve per graph, the duality bound of
Thm 4.5.2 at the solver's primal-dual point in batch, every bound written to a
fresh SQLite database, the top graph re-evaluated in Arb).  Columns:

- wall and CPU seconds (this process plus its worker processes) and both per
  graph: on a shared, loaded machine CPU time is the steadier number (a dask
  row's CPU includes its LocalCluster's whole life: worker start-up, imports);
- ``solve ms``: Clarabel's own time per graph (stored per graph), the floor
  of this design;
- speed-up of each ``--jobs`` over ``jobs=1`` in the same run, and the
  throughput per worker (graphs per second per worker); "idle cores" is the
  speed-up the measured CPU times imply on otherwise idle cores,
  ``CPU(jobs=1) / (CPU(all processes) / jobs)`` (the driver is one of the
  ``jobs`` processes of the local team, so the CPU of all of them splits over
  ``jobs`` cores; below the measured speed-up only if the load was uneven);
- validity: ``min upper - C_lo``, the smallest stored upper bound of *all*
  graphs minus the lower end of the certified capacity interval (Ising,
  trapdoor: :mod:`dicert.proofs`); it must be >= 0;
- ties: how many graphs tie with the best at solver accuracy;
- re-solves: graphs whose first Clarabel solve ended "AlmostSolved" with a
  loose bound and were solved again.

With ``--sample N`` each size is not ranked whole: ``N`` evenly spaced graphs of
the enumeration are solved by the ranking's per-chunk solver
(:class:`~dicert.verify.capacity.qgraph_rank.QGraphRankSolver`, CPU time) and,
with ``--baseline-python``, by the previous per-graph path of that checkout
(``QGraphBoundProgram.solve``) on the same graphs; the table projects the whole
ranking's CPU time (divide by the number of idle cores for the jobs wall time)
and reports the fraction of graphs solved twice.

With ``--baseline-python`` the previous implementation (another checkout's
interpreter) ranks the same sizes in the same run, so load changes hit both.
The 1-minute load average (``os.getloadavg``) is printed next to every row.
Timings are measurements, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

from rich.console import Console
from rich.table import Table

from dicert.verify.channels import as_unifilar, parse_channel
from dicert.verify.ranking import rank_qgraphs
from dicert.verify.ranking.tasks import _block_phis

#: Targets of issue 16 (two cores): seconds for the whole ranking with the given jobs.
TARGETS = {("ising", 5, 1): "<= 0.2 ms/graph", ("ising", 6, 2): "< 120 s", ("bec-noc:eps=0.5", 4, 2): "< 300 s"}

_BASELINE = """
import json, resource, sys, time
from dicert.verify.channels import parse_channel
from dicert.verify.ranking import rank_qgraphs
channel, m, jobs, db = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
start = time.perf_counter()
r = rank_qgraphs(parse_channel(channel), m, jobs=jobs, db=db, top=1, lower=False)
wall = time.perf_counter() - start
cpu = sum(resource.getrusage(w).ru_utime + resource.getrusage(w).ru_stime
          for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
print(json.dumps({"wall": wall, "cpu": cpu, "count": r.count, "best": r.top[0].upper, "failed": r.failed}))
"""


def _cpu() -> float:
    return sum(
        resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )


def _cpu_parts() -> tuple[float, float]:
    """CPU seconds of this process (the driver) and of its finished child processes (the workers)."""
    own, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime, kids.ru_utime + kids.ru_stime


def _on_local_cluster(channel, m: int, db: Path, n_workers: int) -> tuple:
    """Rank on a fresh dask ``LocalCluster`` of ``n_workers`` single-thread processes: (ranking, wall seconds).

    The cluster is started before the clock starts; the workers' first task still
    pays their imports and the program build, as on a real cluster.
    """
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with Client(cluster.scheduler_address) as client:
            start = time.perf_counter()
            ranking = rank_qgraphs(channel, m, db=db, top=1, lower=False, dask_address=client)
            return ranking, time.perf_counter() - start


def _load() -> str:
    return f"{os.getloadavg()[0]:.1f}"


def _certified_lower(spec: str) -> float | None:
    name = spec.split(":")[0]
    if name not in ("ising", "trapdoor") or ":" in spec:
        return None
    from dicert.proofs.registry import build

    return float(Fraction(build(name, digits=30).interval.lo))


def _db_stats(db: Path) -> tuple[float, float]:
    with sqlite3.connect(db) as conn:
        low, solve = conn.execute("SELECT MIN(upper), AVG(seconds) FROM bounds WHERE status = 'optimal'").fetchone()
    return float(low), float(solve)


_SAMPLE_BASELINE = """
import json, sys, time
import numpy as np
from dicert.graphs.qgraph import QGraph
from dicert.verify.capacity.qgraph_bounds import QGraphBoundProgram
from dicert.verify.channels import as_unifilar, parse_channel
channel, path = sys.argv[1], sys.argv[2]
phis = np.load(path)
program = QGraphBoundProgram(as_unifilar(parse_channel(channel)), phis.shape[1])
program.solve(QGraph(phis[0]), lower=False)
start = time.process_time()
uppers = [program.solve(QGraph(phi), lower=False).upper for phi in phis]
print(json.dumps({"cpu": time.process_time() - start, "best": min(uppers)}))
"""


def _sample_rows(table, spec: str, channel, m: int, n: int, baseline: str | None, tmp: str, c_lo) -> None:
    import numpy as np

    from dicert.graphs.enumerate import block_qgraphs, count_blocks
    from dicert.verify.capacity.qgraph_rank import QGraphRankSolver

    r = as_unifilar(channel).n_outputs
    graphs = np.concatenate([block_qgraphs(m, r, b) for b in range(count_blocks(m, r))])
    sample = graphs[np.linspace(0, len(graphs) - 1, min(n, len(graphs))).astype(int)].astype(np.int64)
    solver = QGraphRankSolver(as_unifilar(channel), m)
    solver.solve_batch(sample[:2])
    load = _load()
    start = time.process_time()
    batch = solver.solve_batch(sample)
    cpu = (time.process_time() - start) / len(sample)
    resolved = int(batch.resolved.sum())
    low = float(np.nanmin(batch.upper))
    table.add_row(
        str(m), str(len(graphs)), f"sample {len(sample)}: new", load, "", "",
        "", f"{1e3 * cpu:.3f}", f"{1e3 * batch.seconds.mean():.3f}", "", "",
        "-" if c_lo is None else f"{low - c_lo:+.2e}", f"{low:.12f}", f"re-solved {resolved}",
        str(len(sample) - len(batch.solved)), f"whole run: {len(graphs) * cpu:.0f} CPU s",
    )
    if baseline:
        path = Path(tmp) / f"sample-{m}.npy"
        np.save(path, sample)
        load = _load()
        out = subprocess.run([baseline, "-c", _SAMPLE_BASELINE, spec, str(path)], capture_output=True, text=True, check=True)
        res = json.loads(out.stdout.strip().splitlines()[-1])
        base = res["cpu"] / len(sample)
        table.add_row(
            str(m), str(len(graphs)), f"sample {len(sample)}: baseline", load, "", "", "",
            f"{1e3 * base:.3f}", "", f"{base / cpu:.2f}x", "", "-" if c_lo is None else f"{res['best'] - c_lo:+.2e}",
            f"{res['best']:.12f}", "-", "", f"whole run: {len(graphs) * base:.0f} CPU s",
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channel", default="ising", help="channel spec (default ising)")
    parser.add_argument("--nodes", type=int, nargs="+", default=[4, 5], help="graph sizes to rank (default 4 5)")
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2], help="local worker counts (default 1 2)")
    parser.add_argument("--baseline-python", help="interpreter of a checkout with the previous implementation")
    parser.add_argument("--dask", nargs="*", type=int, default=None, metavar="WORKERS",
                        help="also run on dask LocalClusters of these many single-thread worker processes (default 2)")
    parser.add_argument("--no-screen", action="store_true", help="also rank with screening off (every graph solved)")
    parser.add_argument("--pairs", type=int, default=0,
                        help="also time N interleaved (jobs=1, jobs=J) pairs per size and report the median speed-up")
    parser.add_argument("--sample", type=int, default=0, help="solve N evenly spaced graphs per size, project the rest")
    args = parser.parse_args(argv)

    channel = parse_channel(args.channel)
    unifilar = as_unifilar(channel)
    c_lo = _certified_lower(args.channel)
    console = Console(width=200)
    table = Table(title=f"Ranking all Q-graphs by a valid upper bound (Thm 4.5.2) on {args.channel}")
    columns = (
        "m", "graphs", "method", "load", "wall s", "CPU s", "wall ms/g", "CPU ms/g", "solve ms",
        "speed-up", "graphs/s/worker", "min upper - C_lo", "best upper", "ties", "failed", "target",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "method" else "right")
    rank_qgraphs(channel, 2, top=1)  # imports, first-solve set-up and the first Arb evaluation outside the timings
    with tempfile.TemporaryDirectory() as tmp:
        for m in args.nodes:
            if args.sample:
                _sample_rows(table, args.channel, channel, m, args.sample, args.baseline_python, tmp, c_lo)
                continue
            base_wall = None
            cpu_one: float | None = None  # CPU of this size's jobs=1 row, when it ran
            runs: list[tuple[str, dict]] = [(f"rank_qgraphs, jobs={j}", {"jobs": j}) for j in args.jobs]
            if args.no_screen:
                runs.append(("rank_qgraphs, jobs=1, no screening", {"jobs": 1, "screen": False}))
            for n_workers in ([2] if args.dask == [] else args.dask or []):
                runs.append((f"rank_qgraphs, dask LocalCluster {n_workers} workers", {"dask_workers": n_workers}))
            for label, options in runs:
                db = Path(tmp) / f"{m}-{len(list(Path(tmp).iterdir()))}.sqlite"
                _block_phis.cache_clear()  # every row generates its graphs, as a fresh CLI run does
                load = _load()
                (own0, kids0), start = _cpu_parts(), time.perf_counter()
                if "dask_workers" in options:  # its worker processes are reaped when it closes: CPU s counts them
                    ranking, wall = _on_local_cluster(channel, m, db, options["dask_workers"])
                else:
                    ranking = rank_qgraphs(channel, m, db=db, top=1, lower=False, **options)
                    wall = time.perf_counter() - start
                own, kids = (a - b for a, b in zip(_cpu_parts(), (own0, kids0)))
                cpu = own + kids
                workers_ = options.get("jobs", options.get("dask_workers", 1))
                if "jobs" in options and workers_ == 1 and options.get("screen", True):
                    cpu_one = cpu
                # wall time on idle cores if the CPU of the team (the driver and its workers) splits evenly
                ideal = None if workers_ == 1 or "jobs" not in options or cpu_one is None else cpu_one / (cpu / workers_)
                scr = f" ({ranking.screened} screened)" if ranking.screened else ""
                workers = workers_
                base_wall = wall if base_wall is None else base_wall
                low, solve = _db_stats(db)
                key = (args.channel, m, workers if "jobs" in options else -1)
                table.add_row(
                    str(m), str(ranking.count), label + scr, load, f"{wall:.2f}", f"{cpu:.2f}",
                    f"{1e3 * wall / ranking.count:.3f}", f"{1e3 * cpu / ranking.count:.3f}", f"{1e3 * solve:.3f}",
                    f"{base_wall / wall:.2f}x" + ("" if ideal is None else f" (idle cores: {ideal:.2f}x)"),
                    f"{ranking.count / wall / workers:.0f}",
                    "-" if c_lo is None else f"{low - c_lo:+.2e}", f"{ranking.top[0].upper:.12f}",
                    str(ranking.tied_with_best), str(ranking.failed), TARGETS.get(key, ""),
                )
                console.print(f"[dim]{label} m={m}: {wall:.1f} s[/dim]")
            if args.baseline_python:
                for jobs in args.jobs:
                    db = Path(tmp) / f"base-{m}-{jobs}.sqlite"
                    load = _load()
                    out = subprocess.run(
                        [args.baseline_python, "-c", _BASELINE, args.channel, str(m), str(jobs), str(db)],
                        capture_output=True, text=True, check=True, cwd=tmp,
                    )
                    res = json.loads(out.stdout.strip().splitlines()[-1])
                    low, solve = _db_stats(db)
                    table.add_row(
                        str(m), str(res["count"]), f"baseline (previous code), jobs={jobs}", load, f"{res['wall']:.2f}",
                        f"{res['cpu']:.2f}", f"{1e3 * res['wall'] / res['count']:.3f}",
                        f"{1e3 * res['cpu'] / res['count']:.3f}", f"{1e3 * solve:.3f}",
                        f"{base_wall / res['wall']:.2f}x", f"{res['count'] / res['wall'] / jobs:.0f}",
                        "-" if c_lo is None else f"{low - c_lo:+.2e}", f"{res['best']:.12f}", "-",
                        str(res["failed"]), "",
                    )
    console.print(table)
    console.print(
        f"channel {unifilar.name}; certified capacity lower end C_lo = {c_lo}; load = 1-min load average before the row; "
        f"{os.cpu_count()} CPUs; python {sys.version.split()[0]}"
    )
    if args.pairs and not args.sample:
        console.print(_pairs_table(channel, args.channel, args.nodes, [j for j in args.jobs if j > 1], args.pairs))
    return 0


def _pairs_table(channel: object, spec: str, sizes: list[int], jobs: list[int], pairs: int) -> Table:
    """Median wall times and speed-up of ``pairs`` interleaved (jobs=1, jobs=J) rankings (order alternates per pair).

    One ranking of a few seconds is at the mercy of the machine's other load;
    interleaving the two and taking the median of the per-pair ratios is the
    steadier measure of the parallel speed-up.
    """
    table = Table(title=f"Speed-up over {pairs} interleaved pairs on {spec} (each ranking generates its graphs)")
    for column in ("m", "jobs", "median wall jobs=1 s", "median wall s", "median speed-up", "min - max", "load"):
        table.add_column(column, justify="right")
    with tempfile.TemporaryDirectory() as tmp:
        for m in sizes:
            for j in jobs:
                walls: dict[int, list[float]] = {1: [], j: []}
                load = _load()
                for i in range(pairs):
                    for workers in (1, j) if i % 2 == 0 else (j, 1):
                        _block_phis.cache_clear()
                        db = Path(tmp) / f"pair-{m}-{j}-{i}-{workers}.sqlite"
                        start = time.perf_counter()
                        rank_qgraphs(channel, m, db=db, top=1, lower=False, jobs=workers)
                        walls[workers].append(time.perf_counter() - start)
                ratios = [a / b for a, b in zip(walls[1], walls[j])]
                table.add_row(
                    str(m), str(j), f"{statistics.median(walls[1]):.3f}", f"{statistics.median(walls[j]):.3f}",
                    f"{statistics.median(ratios):.2f}x", f"{min(ratios):.2f}x - {max(ratios):.2f}x", load,
                )
    return table


if __name__ == "__main__":
    raise SystemExit(main())

"""Per-graph cost of the Q-graph upper bound (Thm 4.4.3): re-solving one program vs a fresh problem per graph.

Usage::

    python benchmarks/bench_qgraph_bound.py [--channel ising] [--nodes 4] [--naive 100] [--dpp ALL] [--lower 50]

For every non-isomorphic strongly connected Q-graph with ``--nodes`` nodes
(892 binary graphs for 4 nodes, 21291 for 5) the convex program (4.40) is
solved with one :class:`QGraphBoundProgram` built once:

* ``clarabel`` backend (default): the conic form assembled once, only the
  stationarity block rewritten per graph, handed to Clarabel directly;
* ``cvxpy`` backend: the DPP problem (graph as a ``Parameter``) re-solved
  through cvxpy (on the first ``--dpp`` graphs; all by default);

and, in the same run, the naive baseline that builds a fresh cvxpy problem
per graph (first ``--naive`` graphs, extrapolated).  Also reported: time inside
Clarabel, the cost of the BCJR lower-bound check (first ``--lower`` graphs),
the largest disagreement between the two backends, the best bound and the
peak resident memory.  Timings are measurements, never asserted in tests.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time

from rich.console import Console
from rich.table import Table

from dicert.graphs.enumerate import enumerate_qgraphs
from dicert.verify.capacity.qgraph_bounds import QGraphBoundProgram
from dicert.verify.channels import parse_channel


def _timed_solves(program: QGraphBoundProgram, graphs: list, lower: bool = False) -> tuple[float, list]:
    start = time.perf_counter()
    results = [program.solve(g, lower=lower) for g in graphs]
    return time.perf_counter() - start, results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--channel", default="ising")
    parser.add_argument("--nodes", type=int, default=4)
    parser.add_argument("--naive", type=int, default=100, help="graphs for the fresh-problem baseline")
    parser.add_argument("--dpp", type=int, default=None, help="graphs for the cvxpy DPP backend (default: all)")
    parser.add_argument("--lower", type=int, default=50, help="graphs for the lower-bound (BCJR) timing")
    args = parser.parse_args(argv)

    channel = parse_channel(args.channel)
    start = time.perf_counter()
    graphs = list(enumerate_qgraphs(args.nodes, channel.n_outputs))
    enumerate_seconds = time.perf_counter() - start
    n = len(graphs)

    rows: list[tuple[str, int, float, str]] = []
    start = time.perf_counter()
    direct = QGraphBoundProgram(channel, args.nodes)
    direct.solve(graphs[0], lower=False)
    rows.append(("build + first solve, clarabel backend", 1, time.perf_counter() - start, ""))
    direct_seconds, direct_results = _timed_solves(direct, graphs)
    per_direct = direct_seconds / n

    start = time.perf_counter()
    dpp = QGraphBoundProgram(channel, args.nodes, backend="cvxpy")
    dpp.solve(graphs[0], lower=False)  # canonicalises the DPP problem once
    rows.append(("build + first solve, cvxpy DPP backend", 1, time.perf_counter() - start, ""))
    dpp_graphs = graphs[: args.dpp] if args.dpp is not None else graphs
    start = time.perf_counter()
    clarabel_seconds = 0.0
    dpp_results = []
    for g in dpp_graphs:
        dpp_results.append(dpp.solve(g, lower=False))
        clarabel_seconds += dpp.problem.solver_stats.solve_time or 0.0
    dpp_seconds = time.perf_counter() - start
    per_dpp = dpp_seconds / len(dpp_graphs)

    naive_graphs = graphs[: args.naive]
    start = time.perf_counter()
    for g in naive_graphs:
        QGraphBoundProgram(channel, args.nodes, backend="cvxpy").solve(g, lower=False)
    per_naive = (time.perf_counter() - start) / max(len(naive_graphs), 1)

    lower_graphs = graphs[: args.lower]
    lower_seconds, lower_results = _timed_solves(direct, lower_graphs, lower=True)
    found = sum(r.lower is not None for r in lower_results)

    table = Table(title=f"Q-graph upper bound (4.40): {args.channel}, {n} graphs with {args.nodes} nodes")
    for column in ("method", "graphs", "total s", "ms / graph", "speed-up vs naive"):
        table.add_column(column, justify="left" if column == "method" else "right")
    table.add_row("enumerate graphs (orderly generation)", str(n), f"{enumerate_seconds:.2f}", f"{1e3 * enumerate_seconds / n:.3f}", "")
    for label, count, seconds, _ in rows:
        table.add_row(label, str(count), f"{seconds:.2f}", "", "")
    table.add_row("naive: fresh cvxpy problem per graph", str(len(naive_graphs)), f"{per_naive * len(naive_graphs):.2f}", f"{1e3 * per_naive:.2f}", "1.0x")
    table.add_row("  naive, extrapolated to all graphs", str(n), f"{per_naive * n:.1f}", f"{1e3 * per_naive:.2f}", "")
    table.add_row("cvxpy DPP re-solve", str(len(dpp_graphs)), f"{dpp_seconds:.2f}", f"{1e3 * per_dpp:.2f}", f"{per_naive / per_dpp:.1f}x")
    table.add_row("  of which inside Clarabel", str(len(dpp_graphs)), f"{clarabel_seconds:.2f}", f"{1e3 * clarabel_seconds / len(dpp_graphs):.2f}", "")
    table.add_row("direct Clarabel re-solve (default)", str(n), f"{direct_seconds:.2f}", f"{1e3 * per_direct:.2f}", f"{per_naive / per_direct:.1f}x")
    table.add_row(
        f"direct + BCJR lower bound ({found} invariant)",
        str(len(lower_graphs)),
        f"{lower_seconds:.2f}",
        f"{1e3 * lower_seconds / max(len(lower_graphs), 1):.2f}",
        "",
    )
    console = Console(width=110)
    console.print(table)
    best = min(direct_results, key=lambda r: r.upper_estimate)
    disagreement = max(abs(a.upper_estimate - b.upper_estimate) for a, b in zip(direct_results, dpp_results))
    console.print(f"best upper bound {best.upper:.10f} on graph {best.graph.phi.tolist()}")
    console.print(f"largest |clarabel - cvxpy| over {len(dpp_results)} graphs: {disagreement:.1e}")
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    console.print(f"peak resident memory {peak_mib:.0f} MiB; python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

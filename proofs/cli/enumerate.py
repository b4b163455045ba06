"""``dicert enumerate``: count the Q-graphs of a size, or rank them by their upper bound on a channel.

Without a channel it counts the non-isomorphic strongly connected Q-graphs with
``--nodes`` nodes over ``--outputs`` outputs (OEIS A027835 for two outputs).
With ``--channel`` (``--rank`` is implied) it solves the Q-graph program (4.40)
(Thm 4.4.3) of every such graph, ranks by the duality bound of Thm 4.5.2 at the
solver's primal-dual point (a valid upper bound; Arb for the shown graphs),
stores each one in ``--db`` (resumable), and shows the ``--top`` best with their
solver estimates, tie groups and BCJR-invariant rates (Thm 4.4.4); ``--certify``
runs the independent checker on them.

Examples
--------
>>> from dicert.proofs.cli import run
>>> run(["enumerate", "--nodes", "3", "--outputs", "2", "--json"])
{"count": 52, "nodes": 3, "outputs": 2, "seconds": ...}
0
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import typer

from dicert.proofs.cli.common import bad_input, emit_json, stderr_console

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import Channel

__all__ = ["enumerate_command"]


def _LazyProgress(label: str) -> Any:  # noqa: N802 - kept name; the shared reporter also prints plain lines off a terminal
    """A progress bar with ETA on stderr (plain periodic lines when stderr is not a terminal)."""
    from dicert.proofs.cli.common import ProgressReporter

    return ProgressReporter(label)


def _announce(nodes: int, outputs: int, jobs: int, yes: bool, channel: Channel | None = None) -> None:
    """Print the number of graphs and the estimated time before long work; refuse it above the time limit without --yes.

    Small sizes (at most 200 000 candidate words, well under a second to count) are started
    without a line.  The estimate is calibrated now (:mod:`dicert.verify.workload`).
    """
    from dicert.graphs.enumerate import count_accessible_automata
    from dicert.verify.workload import (
        MAX_TABLE_ENTRIES,
        approx_int,
        format_seconds,
        guard_seconds,
        qgraph_count_estimate,
        seconds_per_candidate,
        seconds_per_ranked_graph,
    )

    if nodes * outputs > MAX_TABLE_ENTRIES:
        field = "--outputs" if outputs > nodes else "--nodes"
        raise bad_input(field, f"at most {MAX_TABLE_ENTRIES} table entries nodes * outputs (the enumeration beyond that "
                               f"is out of reach), got {nodes} * {outputs}")
    candidates = count_accessible_automata(nodes, outputs)
    if candidates <= 200_000:
        return
    count, exact, source = qgraph_count_estimate(nodes, outputs)
    graphs = f"{count} Q-graphs ({source})" if exact else f"about {approx_int(count)} Q-graphs ({source})"
    counting = min(candidates, 10**300) * seconds_per_candidate(nodes, outputs)
    if channel is None:
        seconds, what = counting / jobs, f"counting {graphs}, testing {approx_int(candidates)} candidate words"
    else:
        per_graph = seconds_per_ranked_graph(channel, nodes, outputs)
        seconds = (counting + min(count, 10**300) * per_graph) / jobs
        what = f"ranking {graphs} at {per_graph * 1e3:.2f} ms per solve"
    on = f" with --jobs {jobs}" if jobs > 1 else ""
    stderr_console.print(f"m={nodes}, r={outputs}: {what}; estimated {format_seconds(seconds)}{on}",
                         markup=False, highlight=False, soft_wrap=True)
    if not yes:
        guard_seconds(seconds, f"--nodes {nodes}", what, hint="pass --yes to run anyway (or raise DICERT_TIME_LIMIT)")


def _show_ranking(ranking: Any) -> None:
    from rich.markup import escape
    from rich.table import Table

    table = Table(
        title=f"Best {len(ranking.top)} of {ranking.count} Q-graphs (m={ranking.nodes}, r={ranking.outputs}) "
        f"for {ranking.channel}, bits"
    )
    certified = any(entry.certified_upper is not None for entry in ranking.top)
    table.add_column("tie", justify="right")
    table.add_column("index", justify="right")
    table.add_column("upper", justify="right", no_wrap=True)
    table.add_column("estimate", justify="right", no_wrap=True)
    table.add_column("lower est.", justify="right", no_wrap=True)
    if certified:
        table.add_column("certified upper", justify="right")
    table.add_column(escape("phi: row q = [next node on y = 0, 1, ...]"))
    for entry in ranking.top:
        low = "-" if entry.lower is None else f"{entry.lower:.12f}"
        est = "-" if entry.estimate is None else f"{entry.estimate:.12f}"
        upper = f"{entry.upper:.12f}" + ("" if entry.rigorous else "*")
        cells = [str(entry.tie or "-"), str(entry.index), upper, est, low]
        if certified:
            cells.append(entry.certified_upper or "-")
        table.add_row(*cells, str(entry.graph.phi.tolist()))
    stderr_console.print(table)
    if ranking.top and ranking.top[0].estimate is not None:
        stderr_console.print(
            "upper: valid upper bound on the feedback capacity (duality bound, Thm 4.5.2, at the solver's "
            "primal-dual point, evaluated in Arb; * = float64 with a rounding margin); estimate: objective (4.40) "
            "at the solver's point, not a bound; lower est.: BCJR-invariant rate (Thm 4.4.4), a solver estimate; "
            f"tie: same number = equal within solver accuracy ({ranking.tied_with_best} graph(s) tie with the best)"
        )
    if any(entry.lower is None for entry in ranking.top):
        stderr_console.print("lower '-': the maximiser is not BCJR-invariant (4.43), so Cor 4.4.5 gives no lower bound")
    screened = getattr(ranking, "screened", 0)
    stderr_console.print(
        f"{ranking.solved} solved, {ranking.failed} failed, {ranking.resumed} resumed from the database, "
        f"{ranking.seconds:.2f} s"
        + (f"; {screened} screened (a valid but loose bound: provably not among the best; --no-screen to solve all)"
           if screened else "")
    )
    if ranking.failed:
        first = ranking.failures[0]
        stderr_console.print(
            f"[yellow]warning:[/yellow] {ranking.failed} solve(s) failed and are stored without a number; "
            f"first: graph {first.index} ({first.status}: {first.message})"
        )


def enumerate_command(
    nodes: int = typer.Option(..., "--nodes", "-m", help="Number of Q-graph nodes M (>= 1)."),
    outputs: int | None = typer.Option(
        None, "--outputs", "-r", help="Output alphabet size R (default: the channel's, or 2 without a channel)."
    ),
    aperiodic: bool = typer.Option(
        False, "--aperiodic", help="Count only Q-graphs of period 1, as the published Q-graph lists do."
    ),
    channel: str | None = typer.Option(
        None, "--channel", "-c", help="Channel to rank the graphs on: NAME[:k=v,...] or FILE.json (implies --rank)."
    ),
    rank: bool = typer.Option(False, "--rank", help="Rank the graphs by their Q-graph upper bound (needs --channel)."),
    top: int = typer.Option(10, "--top", "-k", help="How many of the best graphs to show."),
    db: str | None = typer.Option(None, "--db", help="SQLite file storing every bound; a killed run resumes from it."),
    jobs: int = typer.Option(1, "--jobs", "-j", help="Local processes (a ranking runs in the driver and JOBS-1 forked workers)."),
    dask: str | None = typer.Option(None, "--dask", help="Solve on the dask.distributed scheduler at this address."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    certify: bool = typer.Option(
        False, "--certify", help="Certify the --top graphs with the independent checker (exact arithmetic; slow)."
    ),
    no_screen: bool = typer.Option(
        False, "--no-screen", help="Solve every graph exactly (default: skip graphs provably worse than the --top best)."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Run even when the estimated time exceeds DICERT_TIME_LIMIT."),
) -> None:
    """Count the strongly connected Q-graphs with M nodes, or rank them by their upper bound on a channel.

    Without --channel: the number of non-isomorphic strongly connected Q-graphs
    (1, 6, 52, 892, 21291, 658885 for R = 2). With --channel: the Q-graph upper
    bound (Thm 4.4.3) of every graph, best first, with the BCJR lower bound
    (Thm 4.4.4) of the --top best.
    """
    if isinstance(nodes, bool) or nodes < 1:
        raise bad_input("--nodes", "an integer >= 1", nodes)
    if outputs is not None and outputs < 1:
        raise bad_input("--outputs", "an integer >= 1", outputs)
    if top < 0:
        raise bad_input("--top", "an integer >= 0", top)
    if jobs < 1:
        raise bad_input("--jobs", "an integer >= 1", jobs)
    if dask is not None and jobs > 1:
        raise bad_input("--jobs", "1 when --dask is given (use one or the other)", jobs)
    if certify and channel is None:
        raise bad_input("--channel", "a channel when --certify is given (it certifies ranked graphs)")
    if rank and channel is None:
        raise bad_input("--channel", "a channel to rank on when --rank is given (see `dicert channels`)")
    if aperiodic:  # graphs/period.py; counting only
        _count_aperiodic(nodes, 2 if outputs is None else outputs, jobs, json_output, channel, db, dask)
        return
    if channel is None:
        if db is not None or dask is not None:
            raise bad_input("--channel", "a channel when --db or --dask is given (they apply to ranking)")
        _announce(nodes, 2 if outputs is None else outputs, jobs, yes)
        _count(nodes, 2 if outputs is None else outputs, jobs, json_output)
        return

    from dicert.verify.channels import parse_channel, require_unifilar
    from dicert.verify.ranking import rank_qgraphs

    channel_obj = parse_channel(channel)
    n_outputs = require_unifilar(channel_obj, "enumerate --rank (Q-graph upper bound, Thm 4.4.3)").n_outputs
    if outputs is not None and outputs != n_outputs:
        raise bad_input("--outputs", f"{n_outputs} (the outputs of channel {channel_obj.name!r})", outputs)
    if dask is None:
        _announce(nodes, n_outputs, jobs, yes, channel_obj)
    progress = _LazyProgress(f"ranking {channel_obj.name}, m={nodes}")
    try:
        ranking = rank_qgraphs(
            channel_obj, nodes, db=db, jobs=jobs, dask_address=dask, top=top, progress=progress, certify=certify,
            screen=not no_screen,
        )
    finally:
        progress.close()
    if json_output:
        emit_json(ranking.to_dict())
    else:
        _show_ranking(ranking)
        for position, entry in zip(range(1, len(ranking.top) + 1), ranking.top):  # the result on stdout
            low = "none" if entry.lower is None else f"{entry.lower:.10f}"
            typer.echo(f"{position} index {entry.index} upper {entry.upper:.10f} lower {low} phi {entry.graph.phi.tolist()}")


def _count(nodes: int, outputs: int, jobs: int, json_output: bool) -> None:
    from dicert.graphs.enumerate import count_qgraphs

    start = time.perf_counter()
    progress = _LazyProgress(f"counting m={nodes}, r={outputs} (blocks)")
    try:
        count = count_qgraphs(nodes, outputs, jobs=jobs, progress=progress)
    finally:
        progress.close()
    seconds = time.perf_counter() - start
    if json_output:
        emit_json({"count": count, "nodes": nodes, "outputs": outputs, "seconds": seconds})
    else:
        typer.echo(
            f"{count} non-isomorphic strongly connected Q-graphs with {nodes} nodes over {outputs} outputs "
            f"({seconds:.2f} s)"
        )


def _count_aperiodic(
    nodes: int, outputs: int, jobs: int, json_output: bool, channel: str | None, db: str | None, dask: str | None
) -> None:
    """``--aperiodic``: the number of Q-graphs of period 1 (:mod:`dicert.graphs.period`)."""
    if channel is not None or db is not None or dask is not None:
        raise bad_input("--aperiodic", "no --channel, --db or --dask: the period filter applies to counting only")
    from dicert.graphs.period import count_aperiodic_qgraphs

    start = time.perf_counter()
    count = count_aperiodic_qgraphs(nodes, outputs, jobs=jobs)
    seconds = time.perf_counter() - start
    if json_output:
        emit_json({"count": count, "nodes": nodes, "outputs": outputs, "seconds": seconds, "aperiodic": True})
    else:
        stderr_console.print(
            f"{count} non-isomorphic aperiodic strongly connected Q-graphs with {nodes} nodes over {outputs} outputs "
            f"({seconds:.2f} s)"
        )

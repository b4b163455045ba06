"""``dicert bounds``: Q-graph upper bound (Thm 4.4.3) and BCJR-invariant lower bound (Thm 4.4.4).

``dicert bounds CHANNEL [--graph debruijn:K|FILE.json] [--lower] [--json]``
solves the convex program (4.40) for one Q-graph and prints the upper bound
(and, with ``--lower``, the lower bound of Cor 4.4.5 when the maximiser is
BCJR-invariant).  The witness (stationary ``pi(s,q)``, input ``P(x|s,q)``,
output law ``P(y|q)``) is printed as tables on stderr.  Solver floats are
estimates, not certified numbers (``dicert certify`` certifies).

Examples
--------
>>> from dicert.proofs.cli import run
>>> run(["bounds", "bsc:p=0.1", "--graph", "debruijn:0", "--json"])  # doctest: +ELLIPSIS
{"channel": "bsc:p=0.1", "graph": {"nodes": 1, "outputs": 2, "phi": [[0, 0]]}, "upper": "0.5310...", "lower": null, ...}
0
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, Optional

import typer

from dicert.proofs.cli.common import emit_json, stderr_console
from dicert.proofs.cli.tables import print_table
from dicert.proofs.cli.report import Bracket, echo, echo_upper, echo_certificate, solver_estimate
from dicert.verify.errors import InvalidGraph, InvalidInput, TooLarge

__all__ = ["bounds", "parse_graph_spec", "guard_bound_program"]


def parse_graph_spec(spec: str, outputs: int) -> Any:
    """The Q-graph named by ``--graph``: ``debruijn:K`` (order-K de Bruijn graph) or a JSON file.

    Raises
    ------
    InvalidInput
        Naming ``--graph`` when the spec, the file, or its output alphabet is bad.

    Examples
    --------
    >>> parse_graph_spec("debruijn:1", 2)
    QGraph(m=2, r=2, phi=[[0, 1], [0, 1]])
    >>> parse_graph_spec("debruijn:x", 2)
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidInput: --graph: expected debruijn:K with an integer K >= 0 or a Q-graph .json file, got 'debruijn:x'
    """
    from dicert.graphs.debruijn import debruijn_qgraph
    from dicert.graphs.io import load_qgraph

    text = spec.strip()
    kind, sep, arg = text.partition(":")
    try:
        if sep and kind.lower() == "debruijn":
            if not arg.strip().isdigit():
                raise InvalidInput(f"--graph: expected debruijn:K with an integer K >= 0 or a Q-graph .json file, got {spec!r}")
            graph = debruijn_qgraph(int(arg), outputs)
        elif text.lower().endswith(".json"):
            graph = load_qgraph(text)
        else:
            raise InvalidInput(f"--graph: expected debruijn:K with an integer K >= 0 or a Q-graph .json file, got {spec!r}")
    except (InvalidGraph, TooLarge) as exc:
        message = str(exc) if str(exc).startswith(f"{text}:") else f"{spec}: {exc}"
        raise (TooLarge if isinstance(exc, TooLarge) else InvalidInput)(f"--graph {message}") from None
    if graph.r != outputs:
        raise InvalidInput(f"--graph {spec}: the graph has {graph.r} output labels, the channel has {outputs} outputs")
    return graph


def guard_bound_program(arrays: Any, channel: str, graph: str, lower: bool, nodes: int | None = None) -> None:
    """Refuse, before anything is built, a bound program above the memory limit (:mod:`dicert.verify.sizes`).

    The input named is the channel when even a one-node graph is too large for it,
    else ``--graph`` as typed; for ``debruijn:K`` the node count ``|Y|^K`` is
    computed without building the graph, for a graph file pass its ``nodes``.

    Examples
    --------
    >>> from dicert.verify.capacity.qgraph_bounds import unifilar_arrays
    >>> from dicert.verify.channels import parse_channel
    >>> guard_bound_program(unifilar_arrays(parse_channel("trapdoor")), "trapdoor", "debruijn:12", False)
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.TooLarge: --graph debruijn:12: the bound program for trapdoor (2 states, 2 inputs, 2 outputs) on 4096 nodes needs 25.5 GiB > limit 4 GiB (DICERT_MEMORY_LIMIT)
    """
    from dicert.verify.memory import ENV_VARIABLE, current_memory_limit, format_bytes, format_size, guard_bytes
    from dicert.verify.sizes import qgraph_program_bytes

    n_states, n_inputs, n_outputs = (int(v) for v in arrays.law.shape)
    pairs = int(arrays.allowed.sum())

    def needed(nodes: int) -> int:
        return qgraph_program_bytes(n_states, nodes, n_inputs, n_outputs, n_allowed=pairs, lower=lower)

    sizes = f"{n_states} states, {n_inputs} inputs, {n_outputs} outputs"
    guard_bytes(needed(1), channel, f"the bound program over {sizes} (even on a one-node graph)")
    if nodes is None:
        kind, sep, arg = graph.strip().partition(":")
        if not (sep and kind.lower() == "debruijn" and arg.strip().isdigit()):
            return  # a graph file: checked again with its node count once loaded
        order = int(arg)
        if n_outputs > 1 and order * math.log2(n_outputs) > 62:
            raise TooLarge(f"--graph {graph}: the bound program on {n_outputs}**{order} > 2**62 nodes needs more than "
                           f"{format_size(needed(2**62))} > limit {format_bytes(current_memory_limit())} ({ENV_VARIABLE})")
        nodes = n_outputs**order
    guard_bytes(needed(nodes), f"--graph {graph}", f"the bound program for {channel} ({sizes}) on {nodes} nodes")


def _witness_tables(result: Any) -> None:
    from rich.table import Table

    n_states, m, n_inputs = result.policy.shape
    table = Table(title=f"witness: input P(x|s,q) and stationary pi(s,q) ({result.channel})")
    table.add_column("s", justify="right")
    table.add_column("q", justify="right")
    table.add_column("pi(s,q)", justify="right")
    for x in range(n_inputs):
        table.add_column(f"P(x={x}|s,q)", justify="right")
    for s in range(n_states):
        for q in range(m):
            inputs = (f"{result.policy[s, q, x]:.6f}" for x in range(n_inputs))
            table.add_row(str(s), str(q), f"{result.stationary[s, q]:.6f}", *inputs)
    print_table(table)
    out = Table(title="output law P(y|q) (natural test distribution, sec. 4.5)")
    out.add_column("q", justify="right")
    out.add_column("next node per y")
    for y in range(result.output_law.shape[1]):
        out.add_column(f"P(y={y}|q)", justify="right")
    for q in range(m):
        out.add_row(str(q), str(result.graph.phi[q].tolist()), *(f"{v:.6f}" for v in result.output_law[q]))
    print_table(out)


#: Solves estimated above this many seconds are announced on stderr and shown with a progress heartbeat.
ANNOUNCE_SECONDS = 2.0


def announce_solve_time(arrays: Any, graph: Any, spec: str, lower: bool, yes: bool) -> float:
    """Estimated seconds of the bound program (:mod:`dicert.verify.time_models`); printed above 2 s, guarded.

    Above ``DICERT_TIME_LIMIT`` (default 1 h) the command refuses without ``--yes``,
    naming ``--graph`` as typed, like ``enumerate --nodes``.
    """
    from dicert.verify.time_models import qgraph_program_seconds
    from dicert.verify.workload import format_seconds, guard_seconds

    n_states = int(arrays.law.shape[0])
    seconds = qgraph_program_seconds(n_allowed=int(arrays.allowed.sum()), nodes=graph.m, lower=lower)
    what = f"the bound program for {n_states} states on {graph.m} nodes"
    if seconds > ANNOUNCE_SECONDS:
        stderr_console.print(f"--graph {spec}: {what}: estimated {format_seconds(seconds)} (size model)",
                             markup=False, highlight=False, soft_wrap=True)
    if not yes:
        guard_seconds(seconds, f"--graph {spec}", what, hint="pass --yes to run anyway (or raise DICERT_TIME_LIMIT)")
    return seconds


def _heartbeat(spec: str, estimate: float) -> Any:
    """A progress heartbeat with ETA for a solve estimated over :data:`ANNOUNCE_SECONDS`, else nothing."""
    import contextlib

    from dicert.verify.progress import TimedStage

    if estimate <= ANNOUNCE_SECONDS:
        return contextlib.nullcontext()
    return TimedStage(f"bounds --graph {spec}: program (4.40) and duality bound", estimate)


def _solve(ch: Any, arrays: Any, g: Any, lower: bool, certify: bool) -> tuple[Any, Any, Any]:
    """The program (4.40), the invariant lower bound (``--lower``), the certificate (``--certify``)."""
    from dicert.verify.capacity.qgraph_bounds import qgraph_upper_bound

    result = qgraph_upper_bound(arrays, g, lower=lower)
    invariant = cert = None
    if lower and not certify:  # best BCJR-invariant input (multi-start, estimate) turned into a certified bound
        from dicert.verify.certify.invariant_lower_cert import certified_invariant_lower

        invariant = certified_invariant_lower(ch, g, solution=result, digits=15)
    if certify:
        from dicert.verify.certify.invariant_lower_cert import certified_bracket

        cert, invariant = certified_bracket(ch, g, solution=result)
    return result, invariant, cert


def _bracket(ch: Any, g: Any, result: Any, invariant: Any, cert: Any, out: Optional[Path]) -> Bracket:  # noqa: UP007
    lower_method = ("exactly BCJR-invariant rational input (Thm 4.4.4): rational beliefs, (4.43) solved exactly, "
                    "Arb rate")
    if cert is not None:
        if out is not None:
            from dicert.proofs.cli.certify import write_output

            write_output(out, cert.dumps() + "\n", "--out")
        lower = cert.lower if cert.data["witness"].get("lower") else None
        return Bracket(cert.upper, "certified (independent checker)", lower, lower_method, cert)
    from dicert.verify.certify.qgraph_certify import valid_upper_bound

    upper = valid_upper_bound(ch, g, result.output_law)
    lower = None if invariant is None else invariant.lower
    return Bracket(upper, "duality bound (Thm 4.5.2) at the solver's output law, Arb, rounded up", lower, lower_method)


def _payload(channel: str, g: Any, result: Any, invariant: Any, bracket: Bracket, seconds: float) -> dict[str, Any]:
    payload = {
        "channel": channel,
        "graph": g.to_dict(),
        "upper": bracket.upper,
        "lower": bracket.lower,
        "upper_method": bracket.methods()["upper_method"],
        "upper_estimate": solver_estimate(result, "upper"),
        "lower_estimate": solver_estimate(result, "lower"),
        "lower_method": bracket.methods()["lower_method"],
        "invariant_lower_estimate": None if invariant is None else invariant.lower_estimate,
        "status": result.status,
        "bcjr_invariant": result.bcjr_invariant,
        "bcjr_residual": result.bcjr_residual,
        "output_law": result.output_law.tolist(),
        "seconds": seconds,
    }
    if bracket.certificate is not None:
        from dicert.proofs.cli.certify import _summary

        payload["certificate"] = _summary(bracket.certificate)
    return payload


def _echo_text(result: Any, invariant: Any, bracket: Bracket, lower: bool, out: Optional[Path]) -> None:  # noqa: UP007
    _witness_tables(result)
    echo_upper(bracket, result)
    if lower:
        lower_estimate = solver_estimate(result, "lower")
        if lower_estimate is None:
            echo(f"lower_estimate none (maximiser not BCJR-invariant, residual {result.bcjr_residual:.3g})")
        else:
            echo(f"lower_estimate {lower_estimate:.10f} (solver)")
        if invariant is not None and invariant.lower is not None:
            echo(f"lower {invariant.lower} (certified: exactly BCJR-invariant rational input, Thm 4.4.4; "
                       f"best invariant input estimate {invariant.lower_estimate:.12f})")
        elif invariant is not None:
            echo("lower none (no exactly invariant input certified on this graph)")
    echo_certificate(bracket, out)


def bounds(
    channel: str = typer.Argument(..., help="Built-in channel (e.g. ising, trapdoor, post:a=0.3) or a channel .json file."),
    nletter: int = typer.Option(
        0, "--nletter", help="Instead: n-letter bounds of Thm 4.2.1 for n = 1..N (any FSC; with and without feedback)."
    ),
    no_feedback: bool = typer.Option(False, "--no-feedback", help="With --nletter: only the bounds without feedback."),
    graph: str = typer.Option("debruijn:1", "--graph", help="Q-graph: debruijn:K or a Q-graph .json file."),
    lower: bool = typer.Option(False, "--lower", help="Also report the BCJR-invariant lower bound (Thm 4.4.4)."),
    certify: bool = typer.Option(
        False, "--certify", help="Also prove the bounds with interval arithmetic (duality bound, exact BCJR check)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    out: Optional[Path] = typer.Option(  # noqa: UP007 - typer needs Optional
        None, "--out", help="With --certify: write the re-checkable certificate (dicert certify --check F)."
    ),
    yes: bool = typer.Option(False, "--yes", "-y", help="Run even when the estimated time exceeds DICERT_TIME_LIMIT."),
) -> None:
    """Q-graph upper bound (Thm 4.4.3) and, with --lower, the BCJR-invariant lower bound (Cor 4.4.5).

    Solver values are estimates (``upper_estimate``, ``lower_estimate``).
    ``upper`` is always a valid bound: the duality bound (Thm 4.5.2) at the
    solver's output law, evaluated with Arb and rounded up (with --certify:
    the certified bound); ``lower`` is set only when certified.  With
    --certify the solution goes to
    dicert.verify.certify.qgraph_certify.bracket_certificate, whose
    certificate is issued by the independent checker.  A program estimated
    over 2 s (:mod:`dicert.verify.time_models`) is announced with its
    estimate and solved under a progress heartbeat with ETA; one over
    ``DICERT_TIME_LIMIT`` needs ``--yes``.
    """
    from dicert.verify.capacity.qgraph_bounds import unifilar_arrays
    from dicert.verify.channels import parse_channel, require_unifilar

    if out is not None and not certify:
        raise InvalidInput("--out: needs --certify (only certified results are written as certificates)")
    start = time.perf_counter()
    ch = parse_channel(channel)
    if nletter or no_feedback:  # n-letter bounds of any FSC: proofs/cli/nletter_report.py
        from dicert.proofs.cli.nletter_report import nletter_report

        return nletter_report(channel, ch, nletter, no_feedback=no_feedback, json_output=json_output)
    require_unifilar(ch, "the Q-graph bound (Thm 4.4.3)")
    arrays = unifilar_arrays(ch)
    guard_bound_program(arrays, channel, graph, lower)
    g = parse_graph_spec(graph, int(arrays.law.shape[2]))
    guard_bound_program(arrays, channel, graph, lower, nodes=g.m)
    with _heartbeat(graph, announce_solve_time(arrays, g, graph, lower, yes)):
        result, invariant, cert = _solve(ch, arrays, g, lower, certify)
        bracket = _bracket(ch, g, result, invariant, cert, out)
    seconds = time.perf_counter() - start
    if json_output:
        emit_json(_payload(channel, g, result, invariant, bracket, seconds))
    else:
        _echo_text(result, invariant, bracket, lower, out)
    note = "estimates are solver floats; upper/lower are valid bounds"
    stderr_console.print(f"status {result.status}, {seconds:.2f} s ({note})")

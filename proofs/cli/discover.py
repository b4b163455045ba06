"""``dicert discover``: belief-MDP value iteration -> Q-graph -> [lower, upper] (sec. 4.3-4.5).

``dicert discover CHANNEL [--json] [--plot DIR]`` runs the discovery pipeline of
:func:`dicert.verify.capacity.discover.discover_qgraph` on a unifilar channel:
relative value iteration on the belief MDP (Table 4.1, (4.29)), Monte Carlo
simulation under the greedy policy, clustering of the visited beliefs into a
Q-graph, then the Q-graph upper bound (Thm 4.4.2) and a BCJR-invariant lower
bound (Thm 4.4.4).  It reports the graph, the node beliefs, ``[lower, upper]``
and the gap.  The numbers are solver estimates, not certified values.

With ``--plot DIR`` it writes (PNG + SVG): ``value_iteration`` (Fig. 4.2 style:
``h_20``, belief histogram, maximising actions; two-state channels),
``value_function`` and ``policy`` (the converged relative value function and
greedy policy), ``belief_histogram``, ``qgraph`` and, unless ``--nletter 0``,
``nletter_bounds`` (the n-letter bound sequences for ``n = 1..N``).

With ``--certify`` the discovered graph goes to :mod:`dicert.verify.certify`: the
duality upper bound (Thm 4.5.2) with the graph's test distribution is evaluated
with interval arithmetic, and the lower-bound input is checked for exact BCJR
invariance (Thm 4.4.4); the proven intervals are reported as ``certificate``.

Examples
--------
>>> from dicert.proofs.cli import run
>>> run(["discover", "bsc:p=0.1", "--json", "--steps", "60"])  # doctest: +ELLIPSIS
{"channel": "bsc:p=0.1", "graph": {...}, "nodes": 1, ..., "upper": 0.5310044..., ...}
0
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Optional

import typer

from dicert.proofs.cli.common import bad_input, emit_json, stderr_console

__all__ = ["discover"]


def _node_table(result: Any) -> None:
    from rich.table import Table

    table = Table(title=f"discovered Q-graph ({result.channel}): node beliefs P(s|q) and edges")
    table.add_column("q", justify="right")
    table.add_column("belief P(s|q)")
    table.add_column("visit freq.", justify="right")
    for y in range(result.graph.r):
        table.add_column(f"y={y} ->", justify="right")
    for q in range(result.graph.m):
        belief = ", ".join(f"{v:.4f}" for v in result.node_beliefs[q])
        edges = (str(int(t)) for t in result.graph.phi[q])
        table.add_row(str(q), f"[{belief}]", f"{result.node_masses[q]:.3f}", *edges)
    stderr_console.print(table)


def _write_plots(result: Any, directory: Path, nletter: Any, channel_name: str, burn_in: int, steps: int) -> list[str]:
    from dicert.verify.plots import (
        plot_belief_histogram,
        plot_nletter_bounds,
        plot_policy,
        plot_qgraph,
        plot_value_function,
        plot_value_iteration,
    )

    written: list[Path] = []
    mdp, vi = result.mdp, result.value_iteration
    if mdp.law.shape[0] == 2:
        written += plot_value_iteration(mdp, directory / "value_iteration", iterations=20, steps=steps,
                                        burn_in=burn_in)[0]
        written += plot_value_function(mdp.beliefs[:, 0], vi.h, directory / "value_function",
                                       label=r"relative value $h(z) - h(0)$")
        written += plot_policy(mdp, vi.policy, directory / "policy")
    if mdp.law.shape[0] >= 2:
        written += plot_belief_histogram(result.trajectory.beliefs[burn_in:], directory / "belief_histogram")
    gap = "n/a" if result.gap is None else f"{result.gap:.1e}"
    written += plot_qgraph(result.graph, directory / "qgraph",
                           title=f"{channel_name}: upper {result.upper:.8f}, gap {gap}")
    if nletter is not None:
        written += plot_nletter_bounds(nletter, directory / "nletter_bounds", channel=channel_name)
    return [str(p) for p in written]


def _certify(channel: Any, result: Any, digits: int = 20) -> dict[str, Any]:
    """Hand the graph to the certificate machinery (``dicert.verify.certify``).

    Upper: the duality bound (Thm 4.5.2) with the rationalised minimiser of the
    dual program as test distribution ``T(y|q)`` and its value function, evaluated
    with Arb (a proven upper bound, as in
    :func:`dicert.verify.certify.qgraph_certify.certify_qgraph_bounds`).  Lower:
    the exact BCJR-invariance check (Thm 4.4.4) of the rationalised lower-bound
    input; a rounded numerical input is usually not exactly invariant, and then
    no certified lower bound is claimed.
    """
    from dicert.verify.certify.duality_check import as_exact_channel, duality_upper_bound
    from dicert.verify.certify.intervals import DecimalInterval
    from dicert.verify.certify.rate_check import bcjr_lower_bound
    from dicert.verify.certify.witness import (
        dual_program_test_distribution,
        duality_value_function,
        exact_policy,
        exact_test_distribution,
    )
    from dicert.verify.channels import as_unifilar

    exact = as_exact_channel(as_unifilar(channel))
    phi = result.graph.phi.tolist()
    test = exact_test_distribution(dual_program_test_distribution(exact, phi)[0], exact)
    value = duality_value_function(exact, phi, test)
    upper = duality_upper_bound(exact, phi, test, value, digits=digits + 10)
    report: dict[str, Any] = {
        "upper_interval": DecimalInterval.from_arb(upper.upper, digits).to_list(),
        "upper_method": "duality bound (Thm 4.5.2) with the dual-program test distribution, Arb",
        "lower_interval": None,
        "lower_invariant": None,
        "lower_evidence": "no BCJR-invariant input",
    }
    if result.lower_policy is not None:
        lower = bcjr_lower_bound(exact, phi, exact_policy(result.lower_policy), digits=digits + 10)
        report["lower_invariant"] = bool(lower.invariant)
        report["lower_evidence"] = lower.evidence
        if lower.lower is not None:
            report["lower_interval"] = DecimalInterval.from_arb(lower.lower, digits).to_list()
    return report


def discover(
    channel: str = typer.Argument(
        ..., help="Built-in unifilar channel (ising, trapdoor, ...) or a channel .json file."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    plot: Optional[Path] = typer.Option(  # noqa: UP007 - typer needs Optional
        None, "--plot", help="Write figures (PNG + SVG) into this directory."
    ),
    steps: int = typer.Option(3000, "--steps", help="Length of the simulated belief path."),
    seed: int = typer.Option(0, "--seed", help="Seed of the Monte Carlo simulation."),
    belief_resolution: int = typer.Option(0, "--belief-resolution", help="Belief grid resolution K (0: by |S|)."),
    action_resolution: int = typer.Option(0, "--action-resolution", help="Action grid resolution (0: by |S|)."),
    nletter: int = typer.Option(4, "--nletter", help="With --plot: n-letter bounds for n = 1..N (0: none)."),
    certify: bool = typer.Option(False, "--certify", help="Certify the bounds of the discovered graph with Arb."),
    method: str = typer.Option("vi", "--method", help="vi: value iteration; rl: POU policy (extra neural)."),
) -> None:
    """Discover a Q-graph from the belief MDP and bracket the feedback capacity."""
    if method not in ("vi", "rl"):
        raise bad_input("--method", "vi or rl", method)
    if method == "rl":  # sec. 4.6: the policy comes from RL, the rest of the pipeline is shared
        from dicert.proofs.cli.neural import discover_rl

        return discover_rl(channel, json_output=json_output, plot=plot, steps=steps, seed=seed, certify=certify,
                           certify_graph=_certify, node_table=_node_table)
    from dicert.verify.capacity.discover import discover_qgraph
    from dicert.verify.channels import parse_channel

    start = time.perf_counter()
    for field, value, low in (("--steps", steps, 10), ("--belief-resolution", belief_resolution, 0),
                              ("--action-resolution", action_resolution, 0), ("--nletter", nletter, 0)):
        if value < low:
            raise bad_input(field, f"an integer >= {low}", value)
    ch = parse_channel(channel)
    burn_in = min(300, steps // 5)
    with stderr_console.status("value iteration, simulation and Q-graph bounds ..."):
        result = discover_qgraph(
            ch,
            belief_resolution=belief_resolution or None,
            action_resolution=action_resolution or None,
            steps=steps,
            burn_in=burn_in,
            rng=seed,
        )
    plots: list[str] = []
    nletter_bounds = None
    if plot is not None:
        if plot.exists() and not plot.is_dir():
            raise bad_input("--plot", "a directory", str(plot))
        if nletter > 0:
            from dicert.verify.capacity.nletter import nletter_bounds as compute_nletter

            nletter_bounds = compute_nletter(ch, nletter)
        plots = _write_plots(result, plot, nletter_bounds, channel, burn_in, steps)
    certificate = None
    if certify:
        with stderr_console.status("certifying the discovered graph ..."):
            certificate = _certify(ch, result)
    seconds = time.perf_counter() - start
    if json_output:
        payload = result.to_dict()
        payload["channel"] = channel
        payload["seconds"] = seconds
        payload["timings"] = result.timings
        payload["plots"] = plots
        if nletter_bounds is not None:
            payload["nletter"] = nletter_bounds.to_dict()
        if certificate is not None:
            payload["certificate"] = certificate
        emit_json(payload)
    else:
        _node_table(result)
        typer.echo(f"graph phi {result.graph.phi.tolist()}")
        typer.echo(f"upper {result.upper:.10f}")
        if result.lower is None:
            typer.echo("lower none (no BCJR-invariant input found on this graph)")
        else:
            typer.echo(f"lower {result.lower:.10f}")
            typer.echo(f"gap   {result.gap:.3e}")
        for path in plots:
            typer.echo(f"wrote {path}")
        if certificate is not None:
            lo_hi = certificate["upper_interval"]
            typer.echo(f"certified upper in [{lo_hi[0]}, {lo_hi[1]}] ({certificate['upper_method']})")
            if certificate["lower_interval"] is not None:
                lo_hi = certificate["lower_interval"]
                typer.echo(f"certified lower in [{lo_hi[0]}, {lo_hi[1]}] (exact BCJR invariance, Thm 4.4.4)")
            else:
                typer.echo(f"lower not certified: {certificate['lower_evidence']}")
    stderr_console.print(
        f"value iteration rho in [{result.rho_lower:.6f}, {result.rho_upper:.6f}] (discretised MDP), "
        f"{seconds:.2f} s; bounds are solver estimates, not certified"
    )

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
invariance (Thm 4.4.4); the checker-issued certificate is reported as
``certificate`` and, with ``--out F``, written for ``dicert certify --check F``.
Solver floats are ``*_estimate``; ``upper`` is always a valid bound (the
duality bound at the solver's output law, or the certified one).  The certified
``lower`` comes from an exactly BCJR-invariant rational input built from the
numerical one (rational beliefs, (4.43) solved exactly; issue 12); where the
graph has none (isolated algebraic invariant points, e.g. ``bsc-noc``) it is the
block-entropy bound ``H(Y_k|Y^{k-1},Z_0) - H(Y|X,S)`` of the rationalised solver
input (:mod:`dicert.verify.certify.block_entropy`, outside the checker-issued
certificate), and ``lower_method`` says which.

Examples
--------
>>> from dicert.proofs.cli import run
>>> run(["discover", "bsc:p=0.1", "--json", "--steps", "60"])  # doctest: +ELLIPSIS
{"channel": "bsc:p=0.1", "graph": {...}, "nodes": 1, ..., "upper_estimate": 0.5310044..., ...}
0
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import typer

from dicert.graphs.errors import DicertError, TooLarge
from dicert.proofs.cli.common import bad_input, check_output_dir, emit_json, stderr_console
from dicert.proofs.cli.tables import print_table
from dicert.proofs.cli.report import Bracket, echo, echo_upper, echo_certificate, echo_written, solver_estimate

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import Channel

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
    print_table(table)


def _guard_resolutions(channel: Channel, belief_resolution: int, action_resolution: int) -> None:
    """Refuse a grid resolution the user typed whose belief MDP alone exceeds the memory limit (before building it)."""
    from dicert.verify.capacity.qgraph_bounds import unifilar_arrays
    from dicert.verify.memory import guard_bytes
    from dicert.verify.sizes import belief_mdp_bytes

    arrays = unifilar_arrays(channel)
    n_states, _, n_outputs = arrays.law.shape
    allowed = arrays.allowed.sum(axis=1).tolist()
    if belief_resolution:
        guard_bytes(belief_mdp_bytes(n_states, n_outputs, allowed, belief_resolution, 1),
                    f"--belief-resolution {belief_resolution}", f"the belief MDP over {n_states} states")
    if action_resolution:
        guard_bytes(belief_mdp_bytes(n_states, n_outputs, allowed, 1, action_resolution),
                    f"--action-resolution {action_resolution}", f"the belief MDP over {n_states} states")


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


def _certify(channel: Channel, result: Any, digits: int = 20) -> Any:
    """Certificate (schema v2, ``qgraph_bracket``) of the discovered graph, issued by the independent checker.

    Upper: the duality bound (Thm 4.5.2) with the rationalised dual-program
    minimiser as ``T(y|q)`` and its value function; lower: an exactly
    BCJR-invariant rational input built from the numerical ones (rational node
    beliefs, the then-linear (4.43) solved exactly; Thm 4.4.4), see
    :func:`dicert.verify.certify.invariant_lower_cert.certified_bracket`.
    """
    from dicert.verify.certify.invariant_lower_cert import certified_discovery_bracket

    # lower certified by method (a): rational beliefs, exact linear solve of (4.43), Arb rate (issue 12)
    cert, _ = certified_discovery_bracket(channel, result.graph, result.lower_policy, digits=digits)
    return cert


def _block_lower(channel: Channel, result: Any, max_leaves: int = 20000) -> tuple[Any, Any]:
    """Rigorous lower bound for a non-invariant input: ``H(Y_k|Y^{k-1},Z_0) - H(Y|X,S)`` (Cover-Thomas 4.5.1).

    The rationalised policy of the Q-graph program (or of the discovery) on the
    discovered graph, the largest block ``k`` with at most ``max_leaves`` leaves;
    proven with exact rationals and Arb by
    :mod:`dicert.verify.certify.block_entropy` (outside the checker-issued
    certificate; achievability of the policy's rate is the cited theorem).
    """
    from dicert.graphs.errors import DicertError
    from dicert.verify.capacity.qgraph_bounds import qgraph_upper_bound
    from dicert.verify.certify.block_entropy import block_entropy_lower, block_length
    from dicert.verify.certify.witness import exact_policy

    S, _, Y = (int(v) for v in result.mdp.law.shape)
    k = block_length(S, result.graph.m, Y, max_leaves)
    best = None
    policies = [result.lower_policy] if result.lower_policy is not None else []
    try:
        policies.append(qgraph_upper_bound(channel, result.graph).policy)
    except DicertError:
        pass
    for policy in policies:
        try:
            bound = block_entropy_lower(channel, result.graph.phi.tolist(), exact_policy(policy, 10**12), k)
        except DicertError:
            continue
        text = bound.lower_decimal(12)
        if best is None or float(text) > float(best):
            best = text
    if best is None:
        return None, None
    return best, (f"block entropy H(Y_{k}|Y^{k-1},Z_0) - H(Y|X,S) of the rationalised solver input (Cover-Thomas "
                  "Thm 4.5.1), exact + Arb in dicert.verify.certify.block_entropy; not part of the checker-issued "
                  "certificate; achievability of the input's rate is cited (Permuter-Weissman-Goldsmith 2009)")


def _estimates(payload: dict[str, Any]) -> dict[str, Any]:
    """Solver floats are estimates: ``upper``/``lower``/``gap`` become ``*_estimate`` (also per candidate)."""
    for key in ("upper", "lower", "gap"):
        payload[f"{key}_estimate"] = payload.pop(key, None)
    for cand in payload.get("candidates", []):
        cand["upper_estimate"], cand["lower_estimate"] = cand.pop("upper", None), cand.pop("lower", None)
    return payload


def _check_options(steps: int, belief_resolution: int, action_resolution: int, nletter: int) -> None:
    for field, value, low in (("--steps", steps, 10), ("--belief-resolution", belief_resolution, 0),
                              ("--action-resolution", action_resolution, 0), ("--nletter", nletter, 0)):
        if value < low:
            raise bad_input(field, f"an integer >= {low}", value)


def _run_discovery(ch: Any, channel: str, belief_resolution: int, action_resolution: int, steps: int,
                   burn_in: int, seed: int) -> Any:
    """The pipeline with progress on stderr: value iteration (ETA from the span's decay), then the candidate graphs."""
    from dicert.verify.capacity.discover import discover_qgraph
    from dicert.verify.progress import StageProgress

    try:
        with StageProgress(f"discover {channel}") as progress:
            return discover_qgraph(ch, belief_resolution=belief_resolution or None,
                                   action_resolution=action_resolution or None, steps=steps, burn_in=burn_in,
                                   rng=seed, progress=progress)
    except TooLarge as exc:
        raise TooLarge(f"{channel}: {exc}") from None


def _plots(ch: Any, result: Any, plot: Path, nletter: int, channel: str, burn_in: int,
           steps: int) -> tuple[list[str], list[dict[str, str]], Any]:
    """Write the figures; an optional panel that cannot be drawn is skipped and named (issue 14 item 6)."""
    skipped: list[dict[str, str]] = []
    nletter_bounds = None
    if nletter > 0:
        from dicert.verify.capacity.nletter import nletter_bounds as compute_nletter

        try:
            nletter_bounds = compute_nletter(ch, nletter)
        except DicertError as exc:  # an optional panel: draw the rest and say which one was skipped
            skipped.append({"panel": "nletter_bounds", "reason": " ".join(str(exc).split())})
    plots = _write_plots(result, plot, nletter_bounds, channel, burn_in, steps)
    for panel in skipped:
        stderr_console.print(f"[yellow]skipped panel[/yellow] {panel['panel']}: {panel['reason']}", markup=True,
                             soft_wrap=True)
    return plots, skipped, nletter_bounds


def _bracket(ch: Any, channel: str, result: Any, certify: bool, out: Optional[Path]) -> Bracket:  # noqa: UP007
    """Valid bounds of the discovered graph: the certificate (``--certify``) or the duality bound at the output law."""
    if not certify:
        from dicert.verify.certify.qgraph_certify import valid_upper_bound

        upper = valid_upper_bound(ch, result.graph.phi.tolist(), result.output_law)
        return Bracket(upper, "duality bound (Thm 4.5.2) at the solver's output law, Arb, rounded up")
    from dicert.verify.progress import TimedStage

    with TimedStage(f"discover {channel}: certifying the discovered graph", None):
        certificate = _certify(ch, result)
    if out is not None:
        from dicert.proofs.cli.certify import write_output

        write_output(out, certificate.dumps() + "\n", "--out")
    lower = certificate.lower if certificate.data["witness"].get("lower") else None
    lower_method = next((m[7:] for m in certificate.proven["methods"] if m.startswith("lower: ")),
                        "none") + ", checker-issued certificate"  # method (a) or (c), issue 12 (as on s3-12)
    if lower is None:  # no exactly invariant input: finite-block output entropies (issue 12, method (c))
        lower, lower_method = _block_lower(ch, result)
    return Bracket(certificate.upper, "certified (independent checker)", lower, lower_method, certificate)


def _payload(result: Any, bracket: Bracket, channel: str, seconds: float, plots: list[str],
             skipped: list[dict[str, str]], nletter_bounds: Any) -> dict[str, Any]:
    payload = _estimates(result.to_dict())
    payload["upper"], payload["lower"] = bracket.upper, bracket.lower
    payload.update(bracket.methods())
    payload.update(channel=channel, seconds=seconds, timings=result.timings, plots=plots, skipped_plots=skipped)
    if nletter_bounds is not None:
        payload["nletter"] = nletter_bounds.to_dict()
    if bracket.certificate is not None:
        from dicert.proofs.cli.certify import _summary

        payload["certificate"] = _summary(bracket.certificate)
    return payload


def _echo_text(result: Any, bracket: Bracket, plots: list[str], skipped: list[dict[str, str]],
               out: Optional[Path]) -> None:  # noqa: UP007
    _node_table(result)
    echo(f"graph phi {result.graph.phi.tolist()}")
    echo_upper(bracket, result)
    lower_estimate = solver_estimate(result, "lower")
    if lower_estimate is None:
        echo("lower_estimate none (no BCJR-invariant input found on this graph)")
    else:
        echo(f"lower_estimate {lower_estimate:.10f} (solver)")
    echo_written(plots, skipped)
    echo_certificate(bracket, out)


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
    out: Optional[Path] = typer.Option(  # noqa: UP007 - typer needs Optional
        None, "--out", help="With --certify: write the re-checkable certificate (dicert certify --check F)."
    ),
    method: str = typer.Option("vi", "--method", help="vi: value iteration; rl: POU policy (extra neural)."),
) -> None:
    """Discover a Q-graph from the belief MDP and bracket the feedback capacity.

    Progress with ETA goes to stderr (a bar on a terminal, plain lines every
    ``DICERT_PROGRESS_INTERVAL`` seconds otherwise): value iteration, the
    candidate graphs' bound programs, certification.
    """
    if method not in ("vi", "rl"):
        raise bad_input("--method", "vi or rl", method)
    if method == "rl":  # sec. 4.6: the policy comes from RL, the rest of the pipeline is shared
        from dicert.proofs.cli.neural import discover_rl

        return discover_rl(channel, json_output=json_output, plot=plot, steps=steps, seed=seed, certify=certify,
                           certify_graph=_certify, node_table=_node_table)
    from dicert.verify.channels import parse_channel, require_unifilar

    if out is not None and not certify:
        raise bad_input("--out", "--certify as well (only certified results are written as certificates)")
    start = time.perf_counter()
    _check_options(steps, belief_resolution, action_resolution, nletter)
    ch = parse_channel(channel)
    require_unifilar(ch, "discover (belief MDP of sec. 4.3, Q-graph bounds of Thm 4.4.3)")
    if plot is not None:
        check_output_dir(plot, "--plot")  # before minutes of work, not after
    _guard_resolutions(ch, belief_resolution, action_resolution)
    burn_in = min(300, steps // 5)
    result = _run_discovery(ch, channel, belief_resolution, action_resolution, steps, burn_in, seed)
    plots, skipped, nletter_bounds = ([], [], None) if plot is None else _plots(ch, result, plot, nletter, channel,
                                                                                 burn_in, steps)
    bracket = _bracket(ch, channel, result, certify, out)
    seconds = time.perf_counter() - start
    if json_output:
        emit_json(_payload(result, bracket, channel, seconds, plots, skipped, nletter_bounds))
    else:
        _echo_text(result, bracket, plots, skipped, out)
    stderr_console.print(
        f"value iteration rho in [{result.rho_lower:.6f}, {result.rho_upper:.6f}] (discretised MDP, estimates), "
        f"{seconds:.2f} s; *_estimate values are solver floats, upper/lower are valid bounds"
    )

"""``dicert neural ...``: neural cross-checks (optional extra ``neural``: JAX, Optax, Flax).

* ``dicert neural gradient-demo [--json] [--plot DIR]`` -- the information-gradient
  experiments (:mod:`dicert.verify.neural.gradient_experiments`): multipath DAG
  gradient vs the log-det gradient, water-filling by gradient ascent, the tanh
  channel, digital-twin calibration.
* ``dicert neural rl CHANNEL`` -- feedback capacity by reinforcement learning on
  the belief MDP (sec. 4.6, :mod:`dicert.verify.neural.rl`); the value is an
  estimate.  ``dicert discover CHANNEL --method rl [--certify]`` turns the learned
  policy into a Q-graph and a certified bracket.
* ``dicert neural ndt`` -- capacity from samples (sec. 3.4, :mod:`dicert.verify.neural.ndt`).

Without the extra every command exits 2 with one line naming ``dicert[neural]``.
The modules of the extra are imported inside the command functions only.

Examples
--------
>>> from dicert.proofs.cli import run
>>> run(["neural", "gradient-demo", "--seed", "-1"])
2
"""

from __future__ import annotations

import importlib
import time
from pathlib import Path
from types import ModuleType
from typing import Any, Optional

import typer

from dicert.graphs.errors import InvalidInput
from dicert.proofs.cli.common import bad_input, emit_json, stderr_console
from dicert.proofs.cli.tables import print_table

__all__ = ["app", "require_neural", "gradient_demo_command"]

app = typer.Typer(
    name="neural",
    help="Neural cross-checks: RL feedback capacity, capacity from samples, information gradients (extra: neural).",
    no_args_is_help=True,
)


def require_neural(module: str = "dicert.verify.neural") -> ModuleType:
    """Import a module of the ``neural`` extra, or raise a one-line :class:`InvalidInput` naming the extra.

    Examples
    --------
    >>> try:
    ...     ok = require_neural().__name__ == "dicert.verify.neural"
    ... except InvalidInput as exc:  # without the extra
    ...     ok = "dicert[neural]" in str(exc)
    >>> ok
    True
    """
    try:
        importlib.import_module("dicert.verify.neural")
    except ImportError as exc:  # MissingExtra, or a broken install of jax/optax/flax
        message = " ".join(str(exc).split())
        if "dicert[neural]" not in message:
            message = f'{message}; expected the optional extra: pip install "dicert[neural]"'
        raise InvalidInput(message) from None
    return importlib.import_module(module)


@app.command("gradient-demo")
def gradient_demo_command(
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    plot: Optional[Path] = typer.Option(  # noqa: UP007 - typer needs Optional
        None, "--plot", help="Write the curves (PNG + SVG) into this directory."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of all samples and initialisations."),
    learned: bool = typer.Option(True, "--learned/--no-learned", help="Also run the DSM-learned scores."),
    quick: bool = typer.Option(False, "--quick", help="Smaller batches and fits (smoke runs)."),
) -> None:
    """Information-gradient experiments (Wadayama): DAG gradient, water-filling, tanh, digital twin."""
    if seed < 0:
        raise bad_input("--seed", "an integer >= 0", seed)
    if plot is not None and plot.exists() and not plot.is_dir():
        raise bad_input("--plot", "a directory", str(plot))
    experiments = require_neural("dicert.verify.neural.gradient_experiments")
    start = time.perf_counter()
    with stderr_console.status("information-gradient experiments ..."):
        demo = experiments.gradient_demo(learned=learned, quick=quick, rng=seed)
    plots = experiments.plot_gradient_demo(demo, plot) if plot is not None else []
    seconds = time.perf_counter() - start
    payload = demo.to_dict()
    if json_output:
        payload["plots"] = plots
        payload["seconds"] = seconds
        emit_json(payload)
        return
    from rich.table import Table

    table = Table(title="information gradient (nats): score-based estimate vs reference")
    for column in ("experiment", "cosine", "relative error", "note"):
        table.add_column(column)
    for check in demo.multipath:
        table.add_row(f"multipath DAG, {check.name}", f"{check.cosine_similarity:.6f}",
                      f"{check.relative_error:.4f}", "vs jax.grad of the log-det closed form")
    if demo.tanh is not None:
        table.add_row(demo.tanh.name, "", f"{demo.tanh.relative_error:.4f}",
                      f"dI/dtheta {demo.tanh.estimate[0]:.4f} vs quadrature {demo.tanh.reference[0]:.4f}")
    print_table(table)
    if demo.ascent is not None:
        typer.echo(f"water-filling: mi_reached {demo.ascent.mi_reached:.6f} nats, "
                   f"mi_waterfilling {demo.ascent.mi_waterfilling:.6f} nats (ratio {demo.ascent.ratio:.5f})")
    if demo.calibration is not None:
        typer.echo(f"digital twin: theta {demo.calibration.theta_calibrated:.4f} "
                   f"(real system {demo.calibration.theta_true:.4f}, error {demo.calibration.error:.4f})")
    for path in plots:
        typer.echo(f"wrote {path}")
    stderr_console.print(f"{seconds:.1f} s; all figures are Monte Carlo estimates")


def _training_options(updates: int, seeds: int, hidden: int, horizon: int) -> dict[str, int]:
    for field, value, low in (("--updates", updates, 1), ("--seeds", seeds, 1), ("--hidden", hidden, 1),
                              ("--horizon", horizon, 1)):
        if value < low:
            raise bad_input(field, f"an integer >= {low}", value)
    return {"updates": updates, "seeds": seeds, "hidden": hidden, "horizon": horizon}


@app.command("rl")
def rl_command(
    channel: str = typer.Argument(..., help="Built-in unifilar channel (ising, ising:q=4, trapdoor, ...) or a .json file."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    seed: int = typer.Option(0, "--seed", help="Seed of the training and the evaluation."),
    updates: int = typer.Option(1500, "--updates", help="POU gradient steps."),
    seeds: int = typer.Option(2, "--seeds", help="Trainings run together (vmap); the best is kept."),
    hidden: int = typer.Option(64, "--hidden", help="Width of the actor's hidden layers."),
    horizon: int = typer.Option(20, "--horizon", help="Unroll length n of (4.76)."),
) -> None:
    """Feedback capacity estimate by RL (POU, sec. 4.6.3): rho_MC of the trained policy (not a bound)."""
    if seed < 0:
        raise bad_input("--seed", "an integer >= 0", seed)
    options = _training_options(updates, seeds, hidden, horizon)
    rl = require_neural("dicert.verify.neural.rl")
    from dicert.verify.channels import parse_channel

    ch = parse_channel(channel)
    with stderr_console.status("POU training ..."):
        result = rl.train_pou(ch, rng=seed, **options)
    if json_output:
        payload = result.to_dict()
        payload["channel"] = channel
        emit_json(payload)
        return
    typer.echo(f"rho_MC estimate {result.rho_mc:.6f} +- {result.rho_mc_stderr:.1e} bits/use (channel {channel})")
    stderr_console.print(f"{result.seconds['total']:.1f} s, {result.steps_per_second:.0f} updates/s; "
                         "an estimate, not a bound: `dicert discover CH --method rl --certify` proves a bracket")


def _certified_pair(certificate: Any) -> tuple[Any, Any, Any]:
    """``(certified lower or None, certified upper, JSON-ready certificate)`` from ``discover``'s certify function.

    Accepts the report dict of ``upper_interval``/``lower_interval`` (proven
    enclosures: the bound is the outer end) or a checker-issued certificate
    object with ``upper``, ``lower`` and ``data`` (the lower counts only when its
    witness is present).

    Examples
    --------
    >>> _certified_pair({"upper_interval": ["0.5", "0.6"], "lower_interval": None})
    (None, '0.6', {'upper_interval': ['0.5', '0.6'], 'lower_interval': None})
    """
    if isinstance(certificate, dict):
        lower = certificate.get("lower_interval")
        return (None if lower is None else lower[0]), certificate["upper_interval"][1], certificate
    data = getattr(certificate, "data", {})
    lower = certificate.lower if data.get("witness", {}).get("lower") else None
    return lower, certificate.upper, data


def discover_rl(
    channel: str, *, json_output: bool, plot: Optional[Path], steps: int, seed: int, certify: bool,  # noqa: UP007
    certify_graph: Any, node_table: Any,
) -> None:
    """``dicert discover CHANNEL --method rl``: POU policy -> visited beliefs -> Q-graph -> bracket.

    ``certify_graph(channel, result)`` and ``node_table(result)`` are the
    ``discover`` command's own certificate and table functions, so both methods
    end in the same certified bracket.
    """
    rl = require_neural("dicert.verify.neural.rl")
    from dicert.verify.channels import parse_channel

    if plot is not None and plot.exists() and not plot.is_dir():
        raise bad_input("--plot", "a directory", str(plot))
    start = time.perf_counter()
    ch = parse_channel(channel)
    with stderr_console.status("POU training, simulation and Q-graph bounds ..."):
        result = rl.rl_discover(ch, steps=steps, burn_in=min(300, steps // 5), rng=seed, updates=800, seeds=1)
    plots: list[str] = []
    if plot is not None:
        from dicert.verify.plots import plot_belief_histogram, plot_qgraph

        written = []
        if result.trajectory.beliefs.shape[1] >= 2:
            written += plot_belief_histogram(result.trajectory.beliefs[min(300, steps // 5):],
                                             plot / "belief_histogram")
        gap = "n/a" if result.gap is None else f"{result.gap:.1e}"
        written += plot_qgraph(result.graph, plot / "qgraph", title=f"{channel} (RL): upper {result.upper:.8f}, gap {gap}")
        plots = [str(p) for p in written]
    certificate = None
    if certify:
        with stderr_console.status("certifying the discovered graph ..."):
            certificate = _certified_pair(certify_graph(ch, result))
    seconds = time.perf_counter() - start
    if json_output:
        payload = result.to_dict()
        payload["channel"] = channel
        payload["seconds"] = seconds
        payload["timings"] = result.timings
        payload["plots"] = plots
        if certificate is not None:
            payload["certified_lower"], payload["certified_upper"], payload["certificate"] = certificate
        emit_json(payload)
    else:
        node_table(result)
        typer.echo(f"graph phi {result.graph.phi.tolist()}")
        typer.echo(f"upper estimate {result.upper:.10f}")
        if result.lower is None:
            typer.echo("lower none (no BCJR-invariant input found on this graph)")
        else:
            typer.echo(f"lower estimate {result.lower:.10f}")
            typer.echo(f"gap estimate   {result.gap:.3e}")
        for path in plots:
            typer.echo(f"wrote {path}")
        if certificate is not None:
            lower, upper, _ = certificate
            typer.echo(f"certified upper {upper}")
            typer.echo(f"certified lower {lower}" if lower is not None else "lower not certified")
    stderr_console.print(
        f"RL (POU) rho_MC estimate {result.rl.rho_mc:.6f} +- {result.rl.rho_mc_stderr:.1e} (a cross-check), "
        f"{seconds:.2f} s; bounds are solver estimates unless certified"
    )


@app.command("ndt")
def ndt_command(
    channel: str = typer.Option("awgn", "--channel", help="Sampler: awgn (Y = X + N) or ma1 (MA(1) Gaussian noise)."),
    power: float = typer.Option(1.0, "--power", help="Average input power P."),
    alpha: float = typer.Option(0.5, "--alpha", help="MA(1) coefficient (ma1 only)."),
    noise_var: float = typer.Option(1.0, "--noise-var", help="Noise variance (awgn only)."),
    feedback: bool = typer.Option(False, "--feedback/--no-feedback", help="The NDT sees past outputs."),
    steps: int = typer.Option(2000, "--steps", help="Training steps."),
    seeds: int = typer.Option(3, "--seeds", help="Independent runs (vmapped): the spread of the estimate."),
    memory: int = typer.Option(4, "--memory", help="Past steps seen by the NDT and the critics."),
    seed: int = typer.Option(0, "--seed", help="Seed."),
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """Capacity from samples: DINE critics + neural distribution transformer (sec. 3.4); an estimate."""
    if channel not in ("awgn", "ma1"):
        raise bad_input("--channel", "awgn or ma1", channel)
    for field, value in (("--power", power), ("--noise-var", noise_var)):
        if not value > 0:
            raise bad_input(field, "a number > 0", value)
    for field, value, low in (("--steps", steps, 5), ("--seeds", seeds, 1), ("--memory", memory, 1), ("--seed", seed, 0)):
        if value < low:
            raise bad_input(field, f"an integer >= {low}", value)
    ndt = require_neural("dicert.verify.neural.ndt")
    sampler = ndt.AWGNChannel(noise_var) if channel == "awgn" else ndt.MA1GaussianChannel(alpha)
    with stderr_console.status("training the DI critics and the NDT ..."):
        estimate = ndt.ndt_capacity(sampler, power=power, feedback=feedback, memory=memory, steps=steps, seeds=seeds,
                                    length=max(24, 4 * memory), rng=seed)
    if channel == "awgn":
        reference, name = ndt.awgn_capacity_nats(power, noise_var), "closed form 1/2 log(1 + P/N)"
    elif feedback:
        reference, name = ndt.ma1_feedback_capacity_nats(power, alpha), "Kim (2006) feedback capacity"
    else:
        reference, name = None, None
    payload = estimate.to_dict()
    payload.update(channel=channel, reference_nats=reference, reference=name)
    if json_output:
        emit_json(payload)
        return
    import math

    typer.echo(f"NDT estimate {estimate.mean_nats:.4f} +- {estimate.std_nats:.4f} nats "
               f"({estimate.mean_nats / math.log(2):.4f} bits) per use over {seeds} seeds")
    if reference is not None:
        typer.echo(f"{name}: {reference:.4f} nats ({reference / math.log(2):.4f} bits)")
    stderr_console.print(f"{estimate.seconds:.1f} s; an estimate (difference of two DV bounds), not a bound")

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
    >>> require_neural("dicert.verify.neural").__name__
    'dicert.verify.neural'
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
    stderr_console.print(table)
    if demo.ascent is not None:
        typer.echo(f"water-filling: mi_reached {demo.ascent.mi_reached:.6f} nats, "
                   f"mi_waterfilling {demo.ascent.mi_waterfilling:.6f} nats (ratio {demo.ascent.ratio:.5f})")
    if demo.calibration is not None:
        typer.echo(f"digital twin: theta {demo.calibration.theta_calibrated:.4f} "
                   f"(real system {demo.calibration.theta_true:.4f}, error {demo.calibration.error:.4f})")
    for path in plots:
        typer.echo(f"wrote {path}")
    stderr_console.print(f"{seconds:.1f} s; all figures are Monte Carlo estimates")

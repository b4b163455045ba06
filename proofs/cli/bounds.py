"""``dicert channels`` and ``dicert bounds`` (owned by the Q-graph bounds work)."""

import typer


def channels() -> None:
    """List the built-in channels and their parameters."""
    raise typer.Exit(1)  # replaced by the channels/bounds implementation


def bounds() -> None:
    """Q-graph upper (and BCJR lower) bounds on feedback capacity."""
    raise typer.Exit(1)  # replaced by the channels/bounds implementation

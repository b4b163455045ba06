"""``dicert bounds`` (being written by the bounds engineer)."""

import typer


def bounds() -> None:
    """Q-graph upper (and BCJR lower) bounds on feedback capacity."""
    raise typer.Exit(1)

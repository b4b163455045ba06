"""``dicert channels`` (being written by the channels engineer)."""

import typer


def channels() -> None:
    """List the built-in channels and their parameters."""
    raise typer.Exit(1)

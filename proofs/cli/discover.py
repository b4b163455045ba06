"""``dicert discover`` (to be implemented)."""

import typer


def discover() -> None:
    """Not yet implemented."""
    raise typer.Exit(1)

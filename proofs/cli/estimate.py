"""``dicert estimate`` (to be implemented)."""

import typer


def estimate() -> None:
    """Not yet implemented."""
    raise typer.Exit(1)

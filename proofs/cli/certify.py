"""``dicert certify`` (to be implemented)."""

import typer


def certify() -> None:
    """Not yet implemented."""
    raise typer.Exit(1)

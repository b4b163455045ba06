"""``dicert enumerate`` (to be implemented)."""

import typer


def enumerate_command() -> None:
    """Not yet implemented."""
    raise typer.Exit(1)

"""Tables people read at any width: a rich table when it fits the console, one record per block when it does not.

Off a terminal rich uses ``COLUMNS`` or 80 columns; a table whose natural width
exceeds that used to be squeezed into one-word-per-line columns (``dicert
channels`` at 80 columns: about 200 lines).  :func:`print_table` prints such a
table as records instead, one block per row, ``header  value`` per line, the
values wrapped at the console width::

    Built-in channels (...)

    name                 trapdoor
    kind                 unifilar
    description          ball in the channel is the state; s' = s xor x xor y

Examples
--------
>>> import io
>>> from rich.console import Console
>>> from rich.table import Table
>>> table = Table(title="demo")
>>> for name in ("name", "description"):
...     table.add_column(name)
>>> table.add_row("trapdoor", "ball in the channel is the state; " * 4)
>>> out = io.StringIO()
>>> print_table(table, Console(file=out, width=40))
>>> lines = out.getvalue().splitlines()
>>> lines[:3], max(len(line) for line in lines) <= 40
(['demo', '', 'name         trapdoor'], True)
"""

from __future__ import annotations

from typing import Any

__all__ = ["print_table", "fits"]


def fits(table: Any, console: Any) -> bool:
    """Whether ``table`` at its natural width fits ``console``'s width."""
    from rich.measure import Measurement

    return Measurement.get(console, console.options.update_width(10**6), table).maximum <= console.width


def _plain(cell: Any) -> Any:
    from rich.text import Text

    return Text.from_markup(cell) if isinstance(cell, str) else cell


def print_table(table: Any, console: Any = None) -> None:
    """Print ``table`` on ``console`` (default stderr): as is when it fits, else one record per row."""
    from rich.table import Table

    if console is None:
        from dicert.verify.progress import stderr_console

        console = stderr_console
    if fits(table, console):
        console.print(table)
        return
    if table.title:
        console.print(table.title)
    headers = [_plain(column.header) for column in table.columns]
    columns = [list(column.cells) for column in table.columns]
    label_width = max((len(getattr(h, "plain", str(h))) for h in headers), default=0)
    for row in range(table.row_count):
        console.print()
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True, width=min(label_width, console.width // 3))
        grid.add_column(overflow="fold")
        for header, cells in zip(headers, columns):
            grid.add_row(header, cells[row] if row < len(cells) else "")
        _print_stripped(grid, console)


def _print_stripped(renderable: Any, console: Any) -> None:
    """Print without the padding rich puts after the last column (no trailing blanks in logs)."""
    from rich.text import Text

    with console.capture() as captured:
        console.print(renderable)
    for line in Text.from_ansi(captured.get()).split("\n"):
        line.rstrip()
        console.print(line, soft_wrap=True)

"""``dicert channels``: the built-in channels, their parameters, defaults and sources.

Examples
--------
>>> from dicert.proofs.cli import run
>>> run(["channels", "--json"])  # doctest: +ELLIPSIS
{"channels": [{"name": "trapdoor", ...}
0
"""

from __future__ import annotations

from typing import Any

import typer

from dicert.proofs.cli.common import emit_json, json_number, stderr_console
from dicert.proofs.cli.tables import print_table

__all__ = ["channels", "builtin_channel_rows"]


def _default_value(value: Any) -> Any:
    """A parameter default as JSON: numbers as numbers, an infinite default as ``"inf"`` (as typed in ``k=inf``).

    >>> _default_value(float("inf")), _default_value(2)
    ('inf', 2)
    """
    value = json_number(value)
    return "inf" if isinstance(value, float) and value == float("inf") else value


def builtin_channel_rows() -> list[dict[str, Any]]:
    """One JSON-ready row per built-in channel: name, kind, sizes, parameters, description, citations.

    Examples
    --------
    >>> rows = builtin_channel_rows()
    >>> [r["name"] for r in rows][:3]
    ['trapdoor', 'ising', 'post']
    >>> rows[1]["params"]
    [{'name': 'q', 'default': 2, 'description': 'alphabet size of inputs, outputs and states'}]
    """
    from dicert.verify.channels import BUILTIN_CHANNELS

    rows = []
    for entry in BUILTIN_CHANNELS.values():
        channel = entry.build()
        rows.append(
            {
                "name": entry.name,
                "kind": entry.kind,
                "states": channel.n_states,
                "inputs": channel.n_inputs,
                "outputs": channel.n_outputs,
                "params": [
                    {"name": p.name, "default": _default_value(p.default), "description": p.description}  # inf -> "inf"
                    for p in entry.params
                ],
                "description": entry.description,
                "reference": entry.reference,
                "source": channel.source,
            }
        )
    return rows


def channels(
    json_output: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
) -> None:
    """List the built-in channels with their parameters, defaults and sources.

    Use a channel as NAME or NAME:key=value[,key=value] (e.g. ising:q=4,
    post:a=0.3) or give the path of a JSON channel file (see examples/).
    """
    rows = builtin_channel_rows()
    if json_output:
        emit_json({"channels": rows})
        return
    from rich.table import Table

    table = Table(
        title="Built-in channels (use NAME or NAME:key=value,...; full citations with --json)", show_lines=True
    )
    table.add_column("name", style="bold", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("|S|,|X|,|Y|", justify="center", no_wrap=True)
    table.add_column("parameters (default)")
    table.add_column("description")
    table.add_column("reference")
    for row in rows:
        params = "\n".join(f"{p['name']}={p['default']}: {p['description']}" for p in row["params"]) or "-"
        sizes = f"{row['states']},{row['inputs']},{row['outputs']}"
        table.add_row(row["name"], row["kind"], sizes, params, row["description"], row["reference"])
    print_table(table)
    for row in rows:  # the result on stdout: one spec per line (NAME or NAME:key=default,...)
        params = ",".join(f"{p['name']}={p['default']}" for p in row["params"])
        typer.echo(f"{row['name']}{':' + params if params else ''}")

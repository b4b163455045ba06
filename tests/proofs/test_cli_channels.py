"""``dicert channels``: the table of built-ins and its JSON form."""

from __future__ import annotations

import json

from dicert.proofs.cli import run
from dicert.verify.channels import BUILTIN_CHANNELS, parse_channel


def test_channels_json_lists_every_builtin_with_parameters_defaults_and_sources(capsys) -> None:
    assert run(["channels", "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    rows = json.loads(out)["channels"]
    assert [row["name"] for row in rows] == list(BUILTIN_CHANNELS)
    for row in rows:
        entry = BUILTIN_CHANNELS[row["name"]]
        assert {p["name"]: float(p["default"]) if p["default"] == "inf" else p["default"] for p in row["params"]} == entry.defaults
        channel = parse_channel(row["name"])
        assert (row["states"], row["inputs"], row["outputs"]) == (channel.n_states, channel.n_inputs, channel.n_outputs)
        assert row["source"] == channel.source and row["kind"] == entry.kind and row["reference"]


def test_channels_table_goes_to_stderr_and_the_specs_to_stdout(capsys) -> None:
    assert run(["channels"]) == 0
    captured = capsys.readouterr()
    specs = captured.out.splitlines()
    assert [spec.partition(":")[0] for spec in specs] == list(BUILTIN_CHANNELS)
    for name in BUILTIN_CHANNELS:
        assert name in captured.err
    assert "q=2" in captured.err and "eps=0.5" in captured.err


def test_channels_rejects_arguments(capsys) -> None:
    assert run(["channels", "ising"]) == 2
    assert capsys.readouterr().err.count("\n") == 1

"""``dicert bounds CHANNEL [--graph debruijn:K|FILE.json] [--lower] [--json]``."""

from __future__ import annotations

import json

import pytest

from dicert.proofs.cli import run

ISING_CAPACITY = 0.57552157416805778


def test_bounds_ising_debruijn_2_json_upper_is_at_least_the_capacity(capsys):
    assert run(["bounds", "ising", "--graph", "debruijn:2", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"upper", "lower", "upper_estimate", "lower_estimate", "status", "graph", "seconds"} <= set(data)
    assert float(data["upper"]) >= 0.5755215741 and data["upper_estimate"] >= 0.5755215741
    assert float(data["upper"]) >= data["upper_estimate"] - 1e-9    # the valid bound is rounded up
    assert data["lower"] is None and data["status"] == "optimal"
    assert data["graph"] == {"nodes": 4, "outputs": 2, "phi": [[0, 1], [2, 3], [0, 1], [2, 3]]}


def test_bounds_with_lower_on_the_fig_4_4_graph_file_matches_the_capacity(tmp_path, capsys):
    path = tmp_path / "fig44.json"
    path.write_text(json.dumps({"nodes": 4, "outputs": 2, "phi": [[3, 1], [3, 0], [3, 0], [2, 0]]}))
    assert run(["bounds", "ising", "--graph", str(path), "--lower", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert abs(data["upper_estimate"] - ISING_CAPACITY) < 1e-7
    assert abs(data["lower_estimate"] - ISING_CAPACITY) < 1e-7
    # --lower certifies an exactly invariant rational input near the invariant face vertex (issue 12)
    assert float(data["lower"]) <= ISING_CAPACITY <= float(data["upper"])
    assert ISING_CAPACITY - float(data["lower"]) < 1e-9
    assert data["bcjr_invariant"] is True


def test_bounds_human_output_prints_numbers_on_stdout_and_witness_on_stderr(capsys):
    assert run(["bounds", "trapdoor", "--graph", "debruijn:1", "--lower"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert lines[0].startswith("upper 0.70483") and "valid bound" in lines[0]
    assert lines[1].startswith("upper_estimate 0.70483")
    assert lines[2].startswith("lower_estimate none")
    assert "P(x=0|s,q)" in captured.err and "P(y=0|q)" in captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["bounds", "ising", "--graph", "debruijn:x"], "--graph: expected debruijn:K"),
        (["bounds", "ising", "--graph", "graph.txt"], "--graph: expected debruijn:K"),
        (["bounds", "ising", "--graph", "missing.json"], "--graph missing.json: cannot read"),
        (["bounds", "nosuchchannel"], "channel: unknown built-in"),
    ],
)
def test_bounds_bad_input_exits_2_with_a_message_naming_the_field(argv, message, capsys):
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_bounds_rejects_malformed_or_mismatched_graph_files(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"nodes": 2, "outputs": 2, "phi": [[0, 1]]}))
    assert run(["bounds", "ising", "--graph", str(bad)]) == 2
    assert f"--graph {bad}: phi: expected a list of 2 rows" in capsys.readouterr().err
    ternary = tmp_path / "ternary.json"
    ternary.write_text(json.dumps({"nodes": 1, "outputs": 3, "phi": [[0, 0, 0]]}))
    assert run(["bounds", "ising", "--graph", str(ternary)]) == 2
    assert f"--graph {ternary}: the graph has 3 output labels" in capsys.readouterr().err


def test_bounds_certify_brackets_the_bsc_capacity_rigorously(capsys):
    import mpmath

    assert run(["bounds", "bsc:p=0.1", "--graph", "debruijn:0", "--certify", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    certified = data["certificate"]
    assert certified["verified"] and certified["result"] == "qgraph_bracket"
    with mpmath.workdps(50):
        p = mpmath.mpf(1) / 10  # the decimal law 0.1 is read exactly
        capacity = 1 + p * mpmath.log(p, 2) + (1 - p) * mpmath.log(1 - p, 2)
        upper, lower = mpmath.mpf(certified["upper"]), mpmath.mpf(certified["lower"])
        assert lower <= capacity <= upper
        assert upper - lower < mpmath.mpf("1e-9")

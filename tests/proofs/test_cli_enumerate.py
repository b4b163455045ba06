"""``dicert enumerate``: counts, ranking on a channel, resumable database, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dicert.proofs.cli import run
from dicert.verify.channels import channel_to_json, trapdoor_channel

ISING_CAPACITY = 0.57552157416805778111  # Elishco and Permuter (2014)
LOG2_GOLDEN_RATIO = 0.69424191363061730174  # Permuter et al. (2008)


def _json(capsys) -> dict:
    out = capsys.readouterr().out
    assert out.count("\n") == 1, "--json prints exactly one JSON object"
    return json.loads(out)


@pytest.mark.parametrize("nodes, count", [(1, 1), (2, 6), (3, 52), (4, 892)])
def test_enumerate_json_reports_the_number_of_binary_qgraphs(capsys, nodes: int, count: int) -> None:
    assert run(["enumerate", "--nodes", str(nodes), "--outputs", "2", "--json"]) == 0
    data = _json(capsys)
    assert data["count"] == count and data["nodes"] == nodes and data["outputs"] == 2


def test_enumerate_without_json_prints_the_count_on_stdout(capsys) -> None:
    assert run(["enumerate", "--nodes", "3"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("52 non-isomorphic strongly connected Q-graphs")


@pytest.mark.slow
def test_best_four_node_graph_for_the_ising_channel_reaches_its_capacity(capsys) -> None:
    code = run(["enumerate", "--nodes", "4", "--outputs", "2", "--channel", "ising", "--rank", "--top", "1", "--json"])
    assert code == 0
    data = _json(capsys)
    assert data["count"] == 892 and data["solved"] == 892 and data["failed"] == 0
    (best,) = data["top"]
    assert abs(best["upper"] - ISING_CAPACITY) < 1e-7
    assert best["lower"] is not None and abs(best["lower"] - ISING_CAPACITY) < 1e-7  # BCJR-invariant (Fig. 4.4)
    assert best["status"] == "rigorous" and best["upper_witness"]["phi"] == best["graph"]["phi"] and not best["certified"]
    assert best["lower_witness"] is not None and best["upper_estimate"] <= best["upper"]
    assert best["graph"]["nodes"] == 4 and len(best["graph"]["phi"]) == 4


@pytest.mark.slow
def test_trapdoor_ranking_is_stored_and_resumed_from_the_database(capsys, tmp_path: Path) -> None:
    db = str(tmp_path / "trapdoor.sqlite")
    assert run(["enumerate", "--nodes", "3", "--channel", "trapdoor", "--top", "2", "--db", db, "--json"]) == 0
    first = _json(capsys)
    assert first["count"] == 52 and first["resumed"] == 0 and first["db"] == db
    assert abs(first["top"][0]["upper"] - LOG2_GOLDEN_RATIO) < 1e-7
    assert first["top"][0]["upper"] < first["top"][1]["upper"]
    assert run(["enumerate", "--nodes", "3", "--channel", "trapdoor", "--top", "2", "--db", db]) == 0
    captured = capsys.readouterr()
    assert "52 resumed from the database" in captured.err
    assert f"{first['top'][0]['upper']:.12f}" in captured.err  # the same (Arb-evaluated) bound


@pytest.mark.slow
def test_dask_option_ranks_on_a_cluster(capsys) -> None:
    distributed = pytest.importorskip("dask.distributed", reason="the optional 'cluster' extra (dask) is missing")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        code = run(["enumerate", "--nodes", "2", "--channel", "ising", "--dask", cluster.scheduler_address, "--json"])
    assert code == 0
    data = _json(capsys)
    assert data["count"] == data["solved"] == 6 and len(data["top"]) == 6
    uppers = [entry["upper"] for entry in data["top"]]
    assert uppers == sorted(uppers) and uppers[0] > ISING_CAPACITY - 1e-7


def test_unreachable_dask_scheduler_exits_2(capsys, monkeypatch) -> None:
    pytest.importorskip("dask.distributed", reason="the optional 'cluster' extra (dask) is missing")
    monkeypatch.setattr("dicert.verify.ranking.executors.DASK_CONNECT_SECONDS", 1.0)
    assert run(["enumerate", "--nodes", "2", "--channel", "ising", "--dask", "tcp://127.0.0.1:9"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "dask: cannot connect to the scheduler at tcp://127.0.0.1:9" in err


def _bad_channel_file(tmp_path: Path) -> Path:
    data = channel_to_json(trapdoor_channel())
    data["law"][0][1] = [0.5, 0.4]
    path = tmp_path / "bad_channel.json"
    path.write_text(json.dumps(data))
    return path


@pytest.mark.parametrize(
    "args, message",
    [
        (["--nodes", "0"], "--nodes: expected an integer >= 1, got 0"),
        (["--nodes", "3", "--rank"], "--channel: expected a channel to rank on"),
        (["--nodes", "3", "--db", "x.sqlite"], "--channel: expected a channel when --db or --dask"),
        (["--nodes", "3", "--channel", "ising", "--outputs", "3"], "--outputs: expected 2 (the outputs of channel 'ising')"),
        (["--nodes", "3", "--channel", "ising", "--jobs", "2", "--dask", "tcp://x:1"], "--jobs: expected 1 when --dask"),
        (["--nodes", "3", "--channel", "isnig"], "channel: unknown built-in 'isnig'"),
        (["--nodes", "3", "--channel", "post:a=7"], "post:a: expected a probability in [0, 1]"),
        (["--nodes", "3", "--channel", "gilbert-elliott"], "the channel is not unifilar"),
        (["--nodes", "3", "--channel", "ising", "--db", "/no/such/dir/r.sqlite"], "db: directory /no/such/dir does not exist"),
        (["--nodes", "3", "--channel", "ising", "--top", "-1"], "--top: expected an integer >= 0"),
    ],
)
def test_bad_input_exits_2_with_one_line_naming_the_field(capsys, args: list[str], message: str) -> None:
    assert run(["enumerate", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_malformed_channel_file_exits_2_naming_the_field(capsys, tmp_path: Path) -> None:
    path = _bad_channel_file(tmp_path)
    assert run(["enumerate", "--nodes", "2", "--channel", str(path), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == "dicert: error: bad_channel.json: law[s=0, x=1]: sums to 0.9, expected 1"

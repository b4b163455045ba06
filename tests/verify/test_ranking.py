"""Ranking Q-graphs by their upper bound: order, failures, SQLite resume after SIGKILL, joblib and dask."""

from __future__ import annotations

import json
import math
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from fractions import Fraction
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dicert.graphs.enumerate import enumerate_qgraphs
from dicert.verify.channels import (
    bec_noc_channel,
    bsc,
    gilbert_elliott_channel,
    ising_channel,
    post_channel,
    trapdoor_channel,
)
from dicert.verify.errors import InvalidChannel, InvalidInput, SolverFailed, TooLarge
from dicert.verify.memory import memory_limit
from dicert.verify.ranking import QGraphUpperBound, bound_name, rank_qgraphs

LOG2_GOLDEN_RATIO = 0.69424191363061730174  # trapdoor feedback capacity (Permuter et al. 2008)


def _score(phi: np.ndarray) -> float:
    """A deterministic stand-in bound with few ties."""
    return (int.from_bytes(np.ascontiguousarray(phi, dtype=np.int8).tobytes(), "little") % 1009) / 1009


class FakeBound:
    """Stand-in bound factory: counts builds and solves, fails on chosen graphs."""

    name = "fake-score"

    def __init__(self, fail_every: int = 0, nan_every: int = 0) -> None:
        self.fail_every = fail_every
        self.nan_every = nan_every
        self.builds = 0
        self.solves = 0

    def __call__(self, channel, m):
        self.builds += 1

        def solve(graph, *, lower):
            self.solves += 1
            key = int(graph.phi.sum() * 31 + graph.phi[0].sum())
            if self.fail_every and key % self.fail_every == 0:
                raise SolverFailed(f"status: cvxpy returned 'infeasible' on graph {graph.phi.tolist()}, expected 'optimal'")
            upper = _score(graph.phi)
            if self.nan_every and key % self.nan_every == 1:
                upper = float("nan")
            return SimpleNamespace(upper=upper, lower=upper - 0.5 if lower else None)

        return solve


def _table(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT graph, idx, upper, status FROM bounds ORDER BY idx").fetchall()


def _count_rows(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM bounds").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_top_graphs_are_the_smallest_bounds_in_order_against_brute_force_sort() -> None:
    ranking = rank_qgraphs(trapdoor_channel(), 3, bound=FakeBound(), top=7)
    expected = sorted(((_score(g.phi), i, g) for i, g in enumerate(enumerate_qgraphs(3, 2))), key=lambda t: t[:2])[:7]
    assert [(t.upper, t.index, t.graph) for t in ranking.top] == expected
    assert [t.lower for t in ranking.top] == [u - 0.5 for u, _, _ in expected]
    assert all(not t.certified and t.status == "valid" and t.lower_estimate is None for t in ranking.top)
    assert ranking.count == ranking.solved == 52 and ranking.failed == 0 and ranking.resumed == 0
    first = ranking.to_dict()["top"][0]
    assert {key: first[key] for key in ("index", "graph", "upper", "lower")} == {
        "index": expected[0][1],
        "graph": expected[0][2].to_dict(),
        "upper": expected[0][0],
        "lower": expected[0][0] - 0.5,
    }
    assert first["estimate"] is None and first["tie"] == 0 and first["rigorous"] is False


def test_program_is_built_once_per_run_and_every_graph_solved_once_plus_top_lower_bounds() -> None:
    bound = FakeBound()
    rank_qgraphs(bsc(0.1), 3, bound=bound, top=4, chunk_size=5)
    assert bound.builds == 1 and bound.solves == 52 + 4


def test_each_run_uses_its_own_bound_even_when_two_bounds_share_a_name() -> None:
    assert rank_qgraphs(trapdoor_channel(), 3, bound=FakeBound(), top=0).failed == 0
    assert rank_qgraphs(trapdoor_channel(), 3, bound=FakeBound(fail_every=5), top=0).failed > 0


def test_failed_solves_are_recorded_with_status_never_as_numbers(tmp_path: Path) -> None:
    db = tmp_path / "fail.sqlite"
    bound = FakeBound(fail_every=5, nan_every=7)
    ranking = rank_qgraphs(trapdoor_channel(), 3, bound=bound, db=db, top=60)
    rows = _table(db)
    failed = [r for r in rows if r[3] != "optimal"]
    assert ranking.failed == len(failed) > 0 and ranking.solved + ranking.failed == 52
    assert {r[3] for r in failed} == {"solver_failed", "non_finite"}
    assert all(r[2] is None for r in failed) and all(isinstance(r[2], float) for r in rows if r[3] == "optimal")
    assert len(ranking.top) == ranking.solved and all(math.isfinite(t.upper) for t in ranking.top)
    assert "infeasible" in ranking.failures[0].message or "upper" in ranking.failures[0].message
    assert {f.index for f in ranking.failures} <= {r[1] for r in failed}


def test_second_run_on_the_same_database_solves_nothing_and_gives_the_same_ranking(tmp_path: Path) -> None:
    db = tmp_path / "resume.sqlite"
    first = rank_qgraphs(ising_channel(), 3, bound=FakeBound(), db=db, top=5)
    again = FakeBound()
    second = rank_qgraphs(ising_channel(), 3, bound=again, db=db, top=5)
    assert again.solves == 0 and second.resumed == 52 and second.top == first.top
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_runs_for_different_channels_and_sizes_share_a_database_without_mixing(tmp_path: Path) -> None:
    db = tmp_path / "shared.sqlite"
    a = rank_qgraphs(ising_channel(), 3, bound=FakeBound(), db=db, top=1)
    b = rank_qgraphs(trapdoor_channel(), 3, bound=FakeBound(), db=db, top=1)
    c = rank_qgraphs(trapdoor_channel(), 2, bound=FakeBound(), db=db, top=1)
    assert (a.resumed, b.resumed, c.resumed) == (0, 0, 0)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM bounds").fetchone()[0] == 52 + 52 + 6
        assert conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == 3


@settings(max_examples=60 if os.environ.get("CI") else 15)
@given(chunk_size=st.integers(1, 60), top=st.integers(0, 60))
def test_ranking_is_independent_of_the_chunk_size(chunk_size: int, top: int) -> None:
    reference = rank_qgraphs(trapdoor_channel(), 3, bound=FakeBound(), top=top)
    chunked = rank_qgraphs(trapdoor_channel(), 3, bound=FakeBound(), top=top, chunk_size=chunk_size)
    assert chunked.top == reference.top and len(chunked.top) == min(top, 52)


def test_progress_reports_monotone_counts_ending_at_the_total() -> None:
    calls: list[tuple[int, int]] = []
    rank_qgraphs(trapdoor_channel(), 3, bound=FakeBound(), chunk_size=10, progress=lambda d, t: calls.append((d, t)))
    done = [d for d, _ in calls]
    assert done == sorted(done) and calls[0] == (0, 52) and calls[-1] == (52, 52) and len(calls) == 7


_KILLED_RUN = textwrap.dedent(
    """
    import sys, time
    from types import SimpleNamespace
    import numpy as np
    from dicert.verify.channels import ising_channel
    from dicert.verify.ranking import rank_qgraphs

    class SlowScore:
        name = "fake-score"
        def __call__(self, channel, m):
            def solve(graph, *, lower):
                time.sleep(0.004)
                key = np.ascontiguousarray(graph.phi, dtype=np.int8).tobytes()
                return SimpleNamespace(upper=(int.from_bytes(key, "little") % 1009) / 1009, lower=None)
            return solve

    rank_qgraphs(ising_channel(), 4, bound=SlowScore(), db=sys.argv[1], chunk_size=16, top=0, jobs=int(sys.argv[2]))
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])  # jobs=2: the forked workers commit their own rows
def test_sigkilled_run_resumes_without_losing_or_duplicating_graphs(tmp_path: Path, jobs: int) -> None:
    db = tmp_path / "killed.sqlite"
    proc = subprocess.Popen([sys.executable, "-c", _KILLED_RUN, str(db), str(jobs)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while _count_rows(db) < 200:
        assert proc.poll() is None, f"run ended before it could be killed: {proc.stderr.read().decode()}"
        assert time.monotonic() < deadline, "run made no progress"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = _count_rows(db)
    assert 200 <= partial < 892, "the kill should interrupt the run"

    resumed = rank_qgraphs(ising_channel(), 4, bound=FakeBound(), db=db, top=3)
    assert resumed.resumed == partial and resumed.count == resumed.solved == 892

    fresh_db = tmp_path / "fresh.sqlite"
    fresh = rank_qgraphs(ising_channel(), 4, bound=FakeBound(), db=fresh_db, top=3)
    with sqlite3.connect(db) as conn:
        total, graphs, indices = conn.execute("SELECT COUNT(*), COUNT(DISTINCT graph), COUNT(DISTINCT idx) FROM bounds").fetchone()
    assert total == graphs == indices == 892
    assert _table(db) == _table(fresh_db)
    assert [(t.index, t.upper) for t in resumed.top] == [(t.index, t.upper) for t in fresh.top]


@pytest.mark.slow
def test_joblib_workers_give_the_same_table_as_one_process(tmp_path: Path) -> None:
    rank_qgraphs(trapdoor_channel(), 3, bound=FakeBound(), db=tmp_path / "one.sqlite")
    parallel = rank_qgraphs(trapdoor_channel(), 3, bound=FakeBound(), db=tmp_path / "two.sqlite", jobs=2, chunk_size=7)
    assert parallel.solved == 52
    assert _table(tmp_path / "one.sqlite") == _table(tmp_path / "two.sqlite")


@pytest.mark.slow
def test_dask_local_cluster_gives_the_same_table_as_one_process(tmp_path: Path) -> None:
    distributed = pytest.importorskip("dask.distributed", reason="the optional 'cluster' extra (dask) is missing")
    rank_qgraphs(trapdoor_channel(), 3, bound=FakeBound(), db=tmp_path / "one.sqlite")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        ranking = rank_qgraphs(
            trapdoor_channel(), 3, bound=FakeBound(), db=tmp_path / "dask.sqlite", dask_address=cluster.scheduler_address
        )
    assert ranking.solved == 52
    assert _table(tmp_path / "one.sqlite") == _table(tmp_path / "dask.sqlite")


@pytest.mark.slow
def test_the_best_graphs_lower_bounds_and_certificates_are_the_same_from_two_jobs(tmp_path: Path) -> None:
    def best(jobs: int) -> list[tuple]:
        ranking = rank_qgraphs(trapdoor_channel(), 3, top=2, certify=True, jobs=jobs, db=tmp_path / f"{jobs}.sqlite")
        return [(g.index, g.upper, g.lower, g.certified_upper, g.certified_lower, g.tie) for g in ranking.top]

    one, two = best(1), best(2)  # with two jobs the best graphs are bounded by the driver and its worker
    assert one == two
    assert one[0][3] is not None and Fraction(one[0][3]) >= Fraction("0.6942419136306")  # log2 of the golden ratio, truncated


_TEAM_RUN = textwrap.dedent(
    """
    import json, sys
    from dicert.verify.channels import ising_channel
    from dicert.verify.ranking import rank_qgraphs
    from dicert.verify.ranking.executors import _FORK_UNSAFE_MODULES
    assert not any(name in sys.modules for name in _FORK_UNSAFE_MODULES)  # so jobs=2 is the fork team
    ranking = rank_qgraphs(ising_channel(), 4, db=sys.argv[1], jobs=2, top=3)
    print(json.dumps([[g.index, g.upper, g.lower, g.tie] for g in ranking.top] + [[ranking.solved, ranking.failed]]))
    """
)


@pytest.mark.slow
def test_a_fresh_process_ranking_with_the_fork_team_matches_one_process(tmp_path: Path) -> None:
    # in this test session JAX may be loaded (then jobs=2 uses loky workers): a fresh interpreter forks
    out = subprocess.run([sys.executable, "-c", _TEAM_RUN, str(tmp_path / "team.sqlite")], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    one = rank_qgraphs(ising_channel(), 4, db=tmp_path / "one.sqlite", top=3)
    # (how many graphs are screened depends on when each process learns the threshold; the best do not)
    assert json.loads(out.stdout) == [[g.index, g.upper, g.lower, g.tie] for g in one.top] + [[892, 0]]
    with sqlite3.connect(tmp_path / "team.sqlite") as conn:
        total, graphs = conn.execute("SELECT COUNT(*), COUNT(DISTINCT graph) FROM bounds").fetchone()
    assert total == graphs == 892


def _chunk_rows(i: int) -> list[tuple]:
    return [(bytes([i, k]), i * 1000 + k, 0.5, "screened", None, 1e-4, 0.25) for k in range(200)]


@pytest.mark.slow
def test_dask_map_returns_each_chunk_whole_and_releases_finished_results() -> None:
    distributed = pytest.importorskip("dask.distributed", reason="the optional 'cluster' extra (dask) is missing")
    from dicert.verify.ranking.executors import _dask_map

    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster:
        with distributed.Client(cluster.scheduler_address) as client:
            held, results = [], []
            for rows in _dask_map(client, _chunk_rows, [(i,) for i in range(30)], workers=2):
                results.append(rows)
                held.append(len(client.futures))
    assert sorted(results) == [_chunk_rows(i) for i in range(30)]  # rows arrive as the worker built them
    assert max(held) <= 4 * 2 + 1  # only the tasks in flight are held, not every finished chunk


def test_empty_dask_address_is_bad_input() -> None:
    pytest.importorskip("dask.distributed", reason="the optional 'cluster' extra (dask) is missing")
    with pytest.raises(InvalidInput, match=r"^dask: expected a scheduler address"):
        rank_qgraphs(trapdoor_channel(), 2, bound=FakeBound(), dask_address="")


@pytest.mark.slow
def test_best_three_node_graph_for_the_trapdoor_channel_gives_log2_golden_ratio() -> None:
    ranking = rank_qgraphs(trapdoor_channel(), 3, top=2, lower=False)
    assert ranking.bound == "qgraph-duality-bound" and ranking.failed == 0
    assert abs(ranking.top[0].upper - LOG2_GOLDEN_RATIO) < 1e-7
    assert ranking.top[1].upper > ranking.top[0].upper + 1e-3


@pytest.mark.slow
def test_best_three_node_graph_for_bec_noc_reaches_the_sabag_permuter_kashyap_capacity() -> None:
    # C(eps) = max_{0 <= p <= 1/2} H2(p) / (p + 1 / (1 - eps))  (Sabag, Permuter, Kashyap 2016)
    eps = 0.5
    p = np.linspace(1e-6, 0.5, 200001)
    h2 = -p * np.log2(p) - (1 - p) * np.log2(1 - p)
    capacity = float(np.max(h2 / (p + 1 / (1 - eps))))
    ranking = rank_qgraphs(bec_noc_channel(eps), 3, top=1, lower=False)
    assert ranking.count == ranking.solved + ranking.failed == 2301
    # some graphs make the program degenerate under the input constraint: stored as failures, never as numbers
    assert all(f.status == "solver_failed" and "expected" in f.message for f in ranking.failures)
    assert abs(ranking.top[0].upper - capacity) < 1e-7


@pytest.mark.parametrize("a", [0.3, 0.5])
def test_post_channel_on_the_last_output_graph_gives_the_z_channel_capacity(a: float) -> None:
    # the state is the previous output, so the 2-node graph q = y_{t-1} is exact; C_POST(a) = C_Z(a)
    z_capacity = math.log2(1 + (1 - a) * a ** (a / (1 - a)))
    ranking = rank_qgraphs(post_channel(a), 2, top=2, lower=False)
    assert ranking.top[0].graph.phi.tolist() == [[0, 1], [0, 1]]
    assert abs(ranking.top[0].upper - z_capacity) < 1e-7 and ranking.top[1].upper > z_capacity + 0.1


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"m": 0}, InvalidInput, r"^m: expected an integer >= 1, got 0$"),
        ({"r": 3}, InvalidInput, r"^r: the channel 'trapdoor' has 2 outputs, got r=3$"),
        ({"jobs": 0}, InvalidInput, r"^jobs: expected an integer >= 1"),
        ({"jobs": 2, "dask_address": "tcp://127.0.0.1:1"}, InvalidInput, r"^jobs: use either jobs > 1"),
        ({"top": -1}, InvalidInput, r"^top: expected an integer >= 0"),
        ({"chunk_size": 0}, InvalidInput, r"^chunk_size: expected an integer >= 1"),
        ({"db": "/no/such/dir/x.sqlite"}, InvalidInput, r"^db: directory /no/such/dir does not exist$"),
        ({"channel": gilbert_elliott_channel()}, InvalidChannel, r"not unifilar"),
    ],
)
def test_bad_arguments_raise_one_line_field_errors(kwargs: dict, error: type, message: str) -> None:
    args = {"channel": trapdoor_channel(), "m": 2, "bound": FakeBound()} | kwargs
    with pytest.raises(error, match=message):
        rank_qgraphs(args.pop("channel"), args.pop("m"), **args)


def test_sizes_whose_graphs_exceed_the_memory_limit_are_refused_before_enumerating() -> None:
    with memory_limit("1KiB"), pytest.raises(TooLarge, match=r"^m: ranking all Q-graphs with m=4 nodes over r=2"):
        rank_qgraphs(trapdoor_channel(), 4, bound=FakeBound())


def test_a_file_that_is_not_a_ranking_database_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database at all, just some text that is long enough" * 20)
    with pytest.raises(InvalidInput, match=r"^db: .*notes.sqlite is not a dicert ranking database"):
        rank_qgraphs(trapdoor_channel(), 2, bound=FakeBound(), db=text)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE bounds (a, b)")
    with pytest.raises(InvalidInput, match=r"^db: .*other.sqlite has a 'bounds' table with columns \['a', 'b'\]"):
        rank_qgraphs(trapdoor_channel(), 2, bound=FakeBound(), db=other)


def test_bound_names_identify_runs() -> None:
    assert bound_name(QGraphUpperBound()) == "qgraph-duality-bound"
    assert bound_name(FakeBound()) == "fake-score"
    assert bound_name(_score).endswith("._score")


def test_dask_option_without_dask_installed_names_the_cluster_extra(monkeypatch):
    import builtins

    from dicert.verify import ranking
    from dicert.verify.errors import InvalidInput

    real_import = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name.startswith("dask"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(InvalidInput, match=r"dask: .*dicert\[cluster\]"):
        ranking._dask_client("tcp://127.0.0.1:1")


def test_a_partly_lost_block_is_resumed_by_solving_only_its_missing_tasks(tmp_path: Path) -> None:
    db = tmp_path / "partial.sqlite"
    rank_qgraphs(ising_channel(), 4, bound=FakeBound(), db=db, top=0, chunk_size=50)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*), SUM(done) FROM blocks").fetchone() == (1, 1)
        conn.execute("DELETE FROM bounds WHERE idx >= 120 AND idx < 180")  # graphs lost in a crash
        conn.execute("UPDATE blocks SET done = 0")
    again = FakeBound()
    resumed = rank_qgraphs(ising_channel(), 4, bound=again, db=db, top=0, chunk_size=50)
    assert resumed.resumed == 892 - 60 and resumed.solved == 892
    assert again.solves == 100  # tasks [100, 150) and [150, 200) only; the others are complete
    fresh = tmp_path / "fresh.sqlite"
    rank_qgraphs(ising_channel(), 4, bound=FakeBound(), db=fresh, top=0)
    assert _table(db) == _table(fresh)
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT SUM(done) FROM blocks").fetchone() == (1,)


def test_a_database_of_the_previous_schema_gains_the_estimate_column(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TABLE bounds (run_id INTEGER NOT NULL, graph BLOB NOT NULL, idx INTEGER NOT NULL, upper REAL, "
            "status TEXT NOT NULL, message TEXT, seconds REAL NOT NULL, lower REAL, "
            "lower_checked INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_id, graph)) WITHOUT ROWID"
        )
    ranking = rank_qgraphs(trapdoor_channel(), 2, bound=FakeBound(), db=db, top=1)
    assert ranking.solved == 6
    with sqlite3.connect(db) as conn:
        assert "estimate" in [row[1] for row in conn.execute("PRAGMA table_info(bounds)")]


@pytest.mark.slow
def test_joblib_workers_with_screening_find_the_same_best_graphs_as_one_process(tmp_path: Path) -> None:
    one = rank_qgraphs(trapdoor_channel(), 4, top=3, lower=False, db=tmp_path / "one.sqlite")
    two = rank_qgraphs(trapdoor_channel(), 4, top=3, lower=False, db=tmp_path / "two.sqlite", jobs=2, chunk_size=64)
    assert two.solved == one.solved == 892 and two.screened > 0
    assert [(t.index, t.upper) for t in two.top] == [(t.index, t.upper) for t in one.top]

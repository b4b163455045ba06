"""The CLI at its boundary (issue 14): memory guard, time estimates, I/O errors, strict JSON, field names, partial plots.

Each refused case is measured: the peak of traced allocations (numpy included)
stays under 1 GiB, far below what the unguarded allocation would have asked for.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from dicert.graphs.errors import TooLarge
from dicert.proofs.cli import run

PEAK_LIMIT = 2**30


def run_measured(argv: list[str]) -> tuple[int, str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    tracemalloc.start()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run(argv)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return code, out.getvalue(), err.getvalue(), peak


def _unifilar_file(path: Path, states: int) -> Path:
    law = [[[0.9, 0.1], [0.2, 0.8]] for _ in range(states)]
    nxt = [[[(s + x + y) % states for y in range(2)] for x in range(2)] for s in range(states)]
    path.write_text(json.dumps({"type": "unifilar", "states": states, "inputs": 2, "outputs": 2, "law": law, "next_state": nxt}))
    return path


def _ring_graph(path: Path, nodes: int) -> Path:
    path.write_text(json.dumps({"nodes": nodes, "outputs": 2, "phi": [[(q + 1) % nodes, 0] for q in range(nodes)]}))
    return path


REFUSED = [
    (["bounds", "trapdoor", "--graph", "debruijn:12"], "--graph debruijn:12: the bound program for trapdoor"),
    (["bounds", "trapdoor", "--graph", "debruijn:20"], "--graph debruijn:20: the bound program"),
    (["bounds", "trapdoor", "--graph", "debruijn:50"], "--graph debruijn:50: the bound program"),
    (["bounds", "ising:q=100"], "--graph debruijn:1: the bound program for ising:q=100"),
    (["bounds", "ising:q=8", "--graph", "debruijn:3"], "--graph debruijn:3: the bound program for ising:q=8"),
    (["bounds", "ising:q=10000"], "ising:q=10000: building the channel arrays"),
    (["discover", "trapdoor", "--belief-resolution", "100000000"], "--belief-resolution 100000000: the belief MDP"),
    (["discover", "trapdoor", "--action-resolution", "100000000"], "--action-resolution 100000000: the belief MDP"),
]


@pytest.mark.parametrize(("argv", "message"), REFUSED, ids=[" ".join(a[1:]) for a, _ in REFUSED])
def test_large_allocations_are_refused_in_one_line_naming_the_input_under_1_gib(argv, message) -> None:
    code, out, err, peak = run_measured(argv)
    assert code == 2 and out == ""
    assert err.startswith(f"dicert: error: {message}") and err.count("\n") == 1, err
    assert "> limit 4 GiB (DICERT_MEMORY_LIMIT)" in err
    assert peak < PEAK_LIMIT


def test_big_channel_files_and_graph_files_are_refused_before_the_program_is_built(tmp_path: Path, capsys) -> None:
    """Peak memory of these cases is measured in the address-space-limited subprocess test (tracemalloc is slow here)."""
    channel = _unifilar_file(tmp_path / "valid_10000.json", 10_000)
    assert run(["bounds", str(channel), "--graph", "debruijn:1"]) == 2
    assert f"{channel}: the bound program over 10000 states" in capsys.readouterr().err
    hundred = _unifilar_file(tmp_path / "valid_100.json", 100)
    assert run(["discover", str(hundred)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"dicert: error: {hundred}: ") and "the belief MDP" in err
    graph = _ring_graph(tmp_path / "ring.json", 200_000)
    assert run(["bounds", "bsc:p=0.1", "--graph", str(graph)]) == 2
    err = capsys.readouterr().err
    assert f"--graph {graph}: the bound program for bsc:p=0.1" in err and "on 200000 nodes" in err


def test_a_graph_file_too_large_to_parse_is_refused_from_its_size(tmp_path: Path) -> None:
    from dicert.graphs.io import load_qgraph
    from dicert.verify.memory import memory_limit

    graph = _ring_graph(tmp_path / "ring.json", 20_000)
    with memory_limit("1MiB"), pytest.raises(TooLarge, match=r"ring\.json: parsing the Q-graph file needs .* > limit 1 MiB"):
        load_qgraph(graph)


def test_ctw_on_a_1000_symbol_alphabet_is_refused_by_its_size_model(tmp_path: Path) -> None:
    from dicert.verify.estimators import CTW

    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 1000, 3000), rng.integers(0, 1000, 3000)
    tracemalloc.start()
    try:
        with pytest.raises(TooLarge, match=r"^x, y: CTW \(depth 2\) on alphabets of \d+ and \d+ symbols"):
            CTW(depth=2).fit(x, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK_LIMIT
    path = tmp_path / "big.csv"
    path.write_text("x,y\n" + "".join(f"{a},{b}\n" for a, b in zip(x, y)))
    code, _, err, peak = run_measured(["estimate", str(path), "--x", "x", "--y", "y"])
    assert code == 2 and err.startswith("dicert: error: --x x / --y y: CTW (depth 3)") and peak < PEAK_LIMIT


# --- time estimates --------------------------------------------------------------------------------


def test_enumerate_nodes_9_states_the_count_and_time_and_asks_for_yes() -> None:
    code, out, err, peak = run_measured(["enumerate", "--nodes", "9", "--outputs", "2"])
    assert code == 2 and out == ""
    assert "m=9, r=2: counting about 7.83e+10 Q-graphs (estimate: 7.05e+11 accessible automata / 9)" in err
    assert "dicert: error: --nodes 9:" in err and "pass --yes" in err and "DICERT_TIME_LIMIT" in err
    assert peak < PEAK_LIMIT


def test_ranking_7_nodes_states_the_oeis_count_before_25_million_solves() -> None:
    code, _, err, _ = run_measured(["enumerate", "--nodes", "7", "--rank", "--channel", "ising"])
    assert code == 2
    assert "ranking 24617866 Q-graphs (OEIS A027835)" in err and "ms per solve" in err and "pass --yes" in err


def test_yes_runs_past_the_time_guard(monkeypatch) -> None:
    import dicert.graphs.enumerate as enumeration
    from dicert.verify import workload

    monkeypatch.setattr(enumeration, "count_qgraphs", lambda m, r, jobs=1, progress=None: 12345)
    monkeypatch.setattr(workload, "seconds_per_candidate", lambda m, r: 1e-3)  # 5 931 540 candidates: 99 min
    with workload.time_limit("1h"):
        refused = run_measured(["enumerate", "--nodes", "6"])
        allowed = run_measured(["enumerate", "--nodes", "6", "--yes"])
    assert refused[0] == 2 and "--nodes 6: counting 658885 Q-graphs (OEIS A027835)" in refused[2]
    assert allowed[0] == 0 and allowed[1].startswith("12345 non-isomorphic")


def test_the_oeis_counts_quoted_for_estimates_match_the_enumerator() -> None:
    from dicert.graphs.enumerate import count_qgraphs
    from dicert.verify.workload import A027835, qgraph_count_estimate

    for m in range(1, 6):
        assert count_qgraphs(m, 2) == A027835[m] == qgraph_count_estimate(m, 2)[0]
    for m, r in ((3, 3), (2, 4)):  # the accessible-automata estimate bounds the count from above
        count, exact, _ = qgraph_count_estimate(m, r)
        assert not exact and count >= count_qgraphs(m, r)


def test_progress_off_a_terminal_prints_plain_periodic_lines_with_eta() -> None:
    from rich.console import Console

    from dicert.proofs.cli.common import ProgressReporter

    text = io.StringIO()
    progress = ProgressReporter("ranking ising, m=5", console=Console(file=text, force_terminal=False), interval=0.0)
    for done in (0, 10, 50, 100):
        progress(done, 100)
    progress.close()
    lines = text.getvalue().splitlines()
    assert lines[0] == "ranking ising, m=5: 0/100 (0.0%), elapsed 0.00 s, ETA ?" or lines[0].startswith("ranking ising, m=5: 0/100 (0.0%)")
    assert lines[-1].startswith("ranking ising, m=5: 100/100 (100.0%), elapsed") and "ETA" in lines[-1]
    assert len(lines) == 4 and "\x1b" not in text.getvalue()


# --- I/O errors --------------------------------------------------------------------------------------


def test_unwritable_outputs_are_refused_before_the_work_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such"
    for option in ("--out", "--latex"):
        code, out, err, _ = run_measured(["certify", "trapdoor", "--digits", "12", option, str(missing / "c.json")])
        assert code == 2 and err == f"dicert: error: {option} {missing / 'c.json'}: cannot write: directory {missing} does not exist\n"
    code, _, err, _ = run_measured(["certify", "trapdoor", "--digits", "12", "--out", str(tmp_path)])
    assert code == 2 and f"--out {tmp_path}: is a directory" in err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, _, err, _ = run_measured(["discover", "trapdoor", "--plot", str(blocker / "dir")])
    assert code == 2 and err.startswith(f"dicert: error: --plot {blocker / 'dir'}: cannot create the directory") and err.count("\n") == 1


def test_check_on_a_directory_or_a_binary_file_is_one_line(tmp_path: Path) -> None:
    code, _, err, _ = run_measured(["certify", "--check", str(tmp_path)])
    assert code == 2 and err.count("\n") == 1 and err.startswith("dicert: error: --check")
    assert str(tmp_path) in err and "is a directory, expected a certificate .json file" in err
    binary = tmp_path / "c.json"
    binary.write_bytes(bytes(range(256)))
    code, _, err, _ = run_measured(["certify", "--check", str(binary)])
    assert code == 2 and err.count("\n") == 1 and err.startswith("dicert: error: --check")
    assert str(binary) in err and "UTF-8" in err


def test_os_errors_during_the_work_name_the_option(tmp_path: Path, monkeypatch) -> None:
    from dicert.proofs.cli import common

    monkeypatch.setattr(common, "check_output_path", lambda path, field: Path(path))  # as if it became unwritable later
    target = tmp_path / "gone" / "c.json"
    code, _, err, _ = run_measured(["certify", "trapdoor", "--digits", "12", "--out", str(target)])
    assert code == 2 and err.count("\n") == 1 and err.startswith("dicert: error: --out")
    assert str(target) in err and "No such file or directory" in err


# --- strict JSON -------------------------------------------------------------------------------------


def test_json_output_is_rfc_8259_with_null_and_a_reason_for_non_finite_numbers(capsys) -> None:
    from dicert.proofs.cli.common import emit_json

    emit_json({"di_rate": 0.5, "di_rate_ci": [-math.inf, math.inf], "nested": {"rho": math.nan}, "n": np.int64(3)})
    text = capsys.readouterr().out
    data = json.loads(text, parse_constant=lambda name: pytest.fail(f"non-RFC-8259 constant {name}"))
    assert data["di_rate_ci"] == [None, None] and data["nested"]["rho"] is None and data["n"] == 3
    assert data["di_rate_ci_reason"].startswith("entries 0, 1 are -inf, inf: not finite")
    assert data["nested"]["rho_reason"].startswith("nan: not finite")


def test_estimate_json_with_an_infinite_interval_is_strict(tmp_path: Path, capsys, monkeypatch) -> None:
    from dicert.verify.estimators import CTW

    original = CTW.fit

    def fit_with_open_interval(self, x, y):
        result = original(self, x, y)
        self.di_rate_ci_ = (-math.inf, math.inf)  # what a too-short series gives
        return result

    monkeypatch.setattr(CTW, "fit", fit_with_open_interval)
    path = tmp_path / "d.csv"
    path.write_text("a,b\n" + "".join(f"{i % 2},{(i // 2) % 2}\n" for i in range(60)))
    assert run(["estimate", str(path), "--x", "a", "--y", "b", "--json"]) == 0
    out = capsys.readouterr().out
    data = json.loads(out, parse_constant=lambda name: pytest.fail(f"non-RFC-8259 constant {name}"))
    assert data["di_rate_ci"] is None and data["ci_note"]  # null, and the reason in words


# --- field names as typed -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "start"),
    [
        (["bounds", "trapdoor", "--graph", "debruijn:50"], "dicert: error: --graph debruijn:50: "),
        (["certify", "trapdoor", "--digits", "0"], "dicert: error: --digits: expected a positive integer"),
        (["enumerate", "--nodes", "3", "--outputs", "1000"], "dicert: error: --outputs: expected at most 900"),
    ],
)
def test_error_fields_are_the_options_as_typed(argv, start) -> None:
    code, _, err, _ = run_measured(argv)
    assert code == 2 and err.startswith(start) and err.count("\n") == 1, err


def test_estimate_errors_name_depth_and_file_as_typed(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("a,b\n" + "".join(f"{i % 2},{(i + 1) % 2}\n" for i in range(50)))
    code, _, err, _ = run_measured(["estimate", str(path), "--x", "a", "--y", "b", "--depth", "100"])
    assert code == 2 and err == "dicert: error: --depth: expected an integer in [0, 32], got 100\n"
    code, _, err, _ = run_measured(["estimate", str(tmp_path), "--x", "a", "--y", "b"])
    assert code == 2 and err == f"dicert: error: FILE {tmp_path}: is a directory, expected a CSV file with a header row\n"


def test_builtin_parameters_with_a_slash_are_parameters_not_files() -> None:
    code, out, err, _ = run_measured(["bounds", "bsc:p=1/3", "--graph", "debruijn:0", "--json"])
    assert code == 0 and "channel file not found" not in err
    p = 1 / 3
    capacity = 1 + p * math.log2(p) + (1 - p) * math.log2(1 - p)
    upper = float(json.loads(out)["upper"])  # a valid bound (duality at the solver's output law, rounded up)
    assert capacity <= upper <= capacity + 1e-5


# --- results on stdout without --json ------------------------------------------------------------------


def test_commands_print_their_result_on_stdout_without_json() -> None:
    code, out, _, _ = run_measured(["enumerate", "--nodes", "3"])
    assert code == 0 and out.startswith("52 non-isomorphic")
    code, out, _, _ = run_measured(["enumerate", "--nodes", "2", "--channel", "bsc:p=0.1", "--top", "2"])
    assert code == 0 and out.splitlines()[0].startswith("1 index ") and " upper 0.53100" in out


# --- partial failures ----------------------------------------------------------------------------------


def test_discover_plot_draws_the_panels_it_can_and_names_the_one_skipped(tmp_path: Path, monkeypatch, capsys) -> None:
    from dicert.verify.capacity import nletter
    from dicert.verify.errors import InvalidChannel

    def refuse(channel, n):
        raise InvalidChannel("channel.allowed: input constraints are not supported by the n-letter program")

    monkeypatch.setattr(nletter, "nletter_bounds", refuse)
    plots = tmp_path / "plots"
    argv = ["discover", "bec-noc", "--plot", str(plots), "--steps", "100", "--belief-resolution", "20",
            "--action-resolution", "6", "--nletter", "2", "--json"]
    assert run(argv) == 0
    captured = capsys.readouterr()
    assert (plots / "qgraph.png").exists() and (plots / "value_function.svg").exists()
    assert not (plots / "nletter_bounds.png").exists()
    assert "skipped panel nletter_bounds: channel.allowed: input constraints are not supported" in captured.err
    assert json.loads(captured.out)["skipped_plots"] == [
        {"panel": "nletter_bounds", "reason": "channel.allowed: input constraints are not supported by the n-letter program"}
    ]


def test_no_traceback_for_an_unexpected_exception_but_one_line(monkeypatch) -> None:
    from dicert.proofs.cli import channels

    def broken():
        raise KeyError("boom")

    monkeypatch.setattr(channels, "builtin_channel_rows", broken)
    monkeypatch.delenv("DICERT_TRACEBACK", raising=False)
    code, _, err, _ = run_measured(["channels"])
    assert code == 1 and err.startswith("dicert: internal error: KeyError: 'boom'") and err.count("\n") == 1
    assert os.environ.get("DICERT_TRACEBACK") is None

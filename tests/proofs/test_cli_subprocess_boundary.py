"""The CLI boundary in real processes: a hard address-space limit, and SIGINT / SIGTERM during a ranking.

* Refused cases run under ``resource.setrlimit(RLIMIT_AS, 1 GiB)``: each must be
  refused by the size guard (one line naming the input and ``DICERT_MEMORY_LIMIT``),
  never reach numpy's own MemoryError, and the process's peak resident memory
  (``ru_maxrss``) stays under 1 GiB.
* A ranking interrupted by SIGINT or SIGTERM prints ``dicert: interrupted; resume
  with the same --db F``, exits 130 without a traceback, leaves no worker process
  behind and a database that passes SQLite's integrity check and resumes.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS and /proc are Linux")]

ONE_GIB = 2**30
_SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

_LIMITED_SCRIPT = textwrap.dedent(
    """
    import contextlib, io, json, resource, sys
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from dicert.proofs.cli import run
    results = []
    for argv in json.loads(sys.argv[2]):
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = run(argv)
        results.append({"argv": argv, "code": code, "err": err.getvalue()})
    maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"results": results, "maxrss_bytes": maxrss_kib * 1024}))
    """
)


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, **_SINGLE_THREADED, **extra}
    env.pop("DICERT_MEMORY_LIMIT", None)
    env.pop("DICERT_TIME_LIMIT", None)
    return env


def test_refused_cases_under_a_1_gib_address_space_limit_are_refused_by_the_guard(tmp_path: Path) -> None:
    ring = tmp_path / "ring.json"
    ring.write_text(json.dumps({"nodes": 200_000, "outputs": 2, "phi": [[(q + 1) % 200_000, 0] for q in range(200_000)]}))
    big = tmp_path / "valid_10000.json"
    states = 10_000
    big.write_text(json.dumps({
        "type": "unifilar", "states": states, "inputs": 2, "outputs": 2,
        "law": [[[0.9, 0.1], [0.2, 0.8]]] * states,
        "next_state": [[[(s + x + y) % states for y in range(2)] for x in range(2)] for s in range(states)],
    }))
    csv = tmp_path / "alphabet.csv"
    csv.write_text("x,y\n" + "".join(f"{(7 * i) % 1000},{(13 * i + 5) % 997}\n" for i in range(3000)))
    cases = [
        ["bounds", "trapdoor", "--graph", "debruijn:12"],
        ["bounds", "trapdoor", "--graph", "debruijn:20"],
        ["bounds", "ising:q=100"],
        ["bounds", "ising:q=8", "--graph", "debruijn:3"],
        ["bounds", str(big), "--graph", "debruijn:1"],
        ["bounds", "bsc:p=0.1", "--graph", str(ring)],
        ["discover", "trapdoor", "--belief-resolution", "100000000"],
        ["discover", "trapdoor", "--action-resolution", "100000000"],
        ["estimate", str(csv), "--x", "x", "--y", "y"],
        ["enumerate", "--nodes", "9", "--outputs", "2"],
    ]
    done = subprocess.run(
        [sys.executable, "-c", _LIMITED_SCRIPT, str(ONE_GIB), json.dumps(cases)],
        capture_output=True, text=True, timeout=300, env=_env(),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    for result in report["results"]:
        err = result["err"]
        assert result["code"] == 2, result
        assert "Traceback" not in err and "out of memory" not in err, result
        last = err.rstrip().splitlines()[-1]
        assert last.startswith("dicert: error: ") and ("(DICERT_MEMORY_LIMIT)" in last or "(DICERT_TIME_LIMIT)" in last), result
    assert report["maxrss_bytes"] < ONE_GIB, report["maxrss_bytes"]


def _tagged_processes(tag: str) -> list[int]:
    """Processes whose environment carries ``tag`` (the CLI and any worker it started)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if tag.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.parametrize(("sig", "jobs"), [(signal.SIGINT, "2"), (signal.SIGTERM, "1")], ids=["SIGINT-jobs2", "SIGTERM-jobs1"])
def test_an_interrupted_ranking_says_so_stops_its_workers_and_keeps_the_database(tmp_path: Path, sig: int, jobs: str) -> None:
    db = tmp_path / "rank.sqlite"
    log = tmp_path / "stderr.txt"
    tag = uuid.uuid4().hex
    argv = [sys.executable, "-c", "from dicert.proofs.cli import main; main()", "enumerate", "--nodes", "6",
            "--channel", "ising", "--db", str(db), "--jobs", jobs, "--yes", "--top", "3"]
    with log.open("w") as stderr:
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=stderr, env=_env(DICERT_TEST_TAG=tag))
        deadline = time.monotonic() + 120
        while "ranking ising" not in log.read_text() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert process.poll() is None, log.read_text()
        time.sleep(1.0)
        assert len(_tagged_processes(tag)) >= 1
        process.send_signal(sig)
        code = process.wait(timeout=60)
    err = log.read_text()
    assert code == 130, err
    assert "Traceback" not in err
    assert err.rstrip().splitlines()[-1] == f"dicert: interrupted; resume with the same --db {db}"
    deadline = time.monotonic() + 10
    while _tagged_processes(tag) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _tagged_processes(tag) == []  # no worker process lives on
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        stored = connection.execute("SELECT COUNT(*) FROM bounds").fetchone()[0]
    assert stored >= 0

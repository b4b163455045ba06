"""Ranking workers die with a SIGKILLed parent, and the killed run's database resumes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dicert.verify.worker_death import die_with_parent, guard

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux) to list processes")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _rows(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM bounds").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _enumerate(db: Path, *extra: str) -> list[str]:
    return [sys.executable, "-c", "from dicert.proofs.cli import main; main()", "enumerate", "--nodes", "5", "--channel", "ising", "--jobs", "2",
            "--db", str(db), "--top", "3", *extra]  # fmt: skip


@pytest.mark.slow
def test_sigkilled_ranking_parent_leaves_no_worker_and_its_database_resumes(tmp_path: Path) -> None:
    db = tmp_path / "rank.sqlite"
    proc = subprocess.Popen(_enumerate(db, "--no-screen", "--yes"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while not workers or _rows(db) < 500:  # --jobs 2: the driver and one forked worker
        assert proc.poll() is None, f"run ended before it could be killed: {proc.stderr.read().decode()[-2000:]}"
        assert time.monotonic() < deadline, "run made no progress"
        workers = _children(proc.pid)
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    stopped = time.monotonic() + 5
    while any(_alive(w) for w in workers) and time.monotonic() < stopped:
        time.sleep(0.05)
    survivors = [w for w in workers if _alive(w)]
    for w in survivors:  # clean up before failing
        os.kill(w, signal.SIGKILL)
    assert not survivors, f"workers {survivors} outlived their SIGKILLed parent by 5 s"
    partial = _rows(db)
    assert 0 < partial < 21291, "the kill should interrupt the run"

    resumed = subprocess.run(_enumerate(db, "--json", "--yes"), capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f'"resumed": {partial}' in resumed.stdout.replace('"resumed":{', '"resumed": {')
    with sqlite3.connect(db) as conn:
        total, graphs = conn.execute("SELECT COUNT(*), COUNT(DISTINCT graph) FROM bounds").fetchone()
    assert total == graphs == 21291


def test_guard_in_the_parent_itself_does_nothing_and_a_dead_parent_ends_the_worker() -> None:
    assert guard(os.getpid()) is False and guard(None) is False
    # a child told that some other (long dead) pid is its parent ends at once
    code = f"from dicert.verify.worker_death import die_with_parent; die_with_parent({2**22 + 7}); print('survived')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "survived" not in done.stdout
    assert die_with_parent(os.getpid()) is None

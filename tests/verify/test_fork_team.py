"""The local ranking team (:mod:`dicert.verify.ranking.fork_team`): every item once, errors raised, deaths reported."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
import types

import pytest

from dicert.verify.errors import InvalidInput, SolverFailed
from dicert.verify.ranking.fork_team import ForkTeam

pytestmark = [
    pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs the fork start method"),
    # JAX, once an earlier test has started it, warns at every fork; these children run plain
    # Python and never touch JAX (the ranking itself does not fork then: see the last test).
    pytest.mark.filterwarnings("ignore:os.fork\\(\\) was called:RuntimeWarning"),
]


def _pid_of(item: int) -> tuple[int, int]:
    time.sleep(0.002)
    return item, os.getpid()


def _refuse(item: int) -> int:
    if item >= 5 and os.getpid() != _DRIVER[0]:
        raise InvalidInput(f"item: expected anything but 5, got {item}")
    time.sleep(0.01)
    return item


def _die(item: int) -> int:
    if os.getpid() != _DRIVER[0]:  # a child dies on the first item it claims
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.05)  # the driver is slow, so the child claims an item long before the driver has taken them all
    return item


_DRIVER = [os.getpid()]


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_every_item_is_run_exactly_once_and_the_driver_works_too(jobs: int) -> None:
    with ForkTeam(jobs) as team:
        pids = team.pids
        assert len(pids) == jobs - 1
        first = list(team.imap(_pid_of, [(k,) for k in range(60)]))
        second = list(team.imap(_pid_of, [(k,) for k in range(7)]))  # the same children serve a second map
    for results, n in ((first, 60), (second, 7)):
        assert sorted(item for item, _ in results) == list(range(n))
    workers = {pid for _, pid in first}
    assert os.getpid() in workers  # the driver is one of the team
    assert workers <= {os.getpid(), *pids}


def _big(item: int) -> tuple[int, bytes]:
    return item, bytes([item]) * 6_000_000  # larger than any socket buffer: the child waits for the driver


def test_results_larger_than_the_socket_buffer_arrive_whole() -> None:
    with ForkTeam(2) as team:
        results = sorted(team.imap(_big, [(k,) for k in range(6)]))
    assert results == [(k, bytes([k]) * 6_000_000) for k in range(6)]


def test_an_error_in_a_child_is_raised_in_the_driver_with_its_type_and_message() -> None:
    _DRIVER[0] = os.getpid()
    with pytest.raises(InvalidInput, match=r"^item: expected anything but 5, got \d+") as raised:
        with ForkTeam(2) as team:
            list(team.imap(_refuse, [(k,) for k in range(40)]))
    assert str(raised.value).count("\n") == 0  # the one-line message the CLI prints; the child's traceback is a note
    assert "in ranking worker process" in raised.value.__notes__[0]


def test_a_killed_child_ends_the_map_with_a_clear_error_not_a_hang() -> None:
    _DRIVER[0] = os.getpid()
    started = time.monotonic()
    with pytest.raises(SolverFailed, match=r"^jobs: worker process \d+ ended \(exit code -9\) before finishing its tasks"):
        with ForkTeam(2) as team:
            pids = team.pids
            list(team.imap(_die, [(k,) for k in range(40)]))
    assert time.monotonic() - started < 30
    assert not any(_running(pid) for pid in pids)


def test_leaving_the_team_stops_its_children() -> None:
    with ForkTeam(3) as team:
        pids = team.pids
        assert sorted(team.imap(pow, [(3, 2), (2, 3)])) == [8, 9]
    deadline = time.monotonic() + 10
    while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_running(pid) for pid in pids)


def test_a_map_left_unfinished_breaks_the_team_instead_of_mixing_two_maps() -> None:
    with ForkTeam(2) as team:
        results = team.imap(_pid_of, [(k,) for k in range(50)])
        next(results)
        results.close()  # the caller stopped early: the children may still be working
        with pytest.raises(RuntimeError, match="a previous map did not finish"):
            list(team.imap(_pid_of, [(1,)]))


def test_the_ranking_uses_fresh_loky_workers_instead_of_forking_when_a_threaded_library_is_loaded(monkeypatch) -> None:
    from dicert.verify.ranking.executors import LocalPool

    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))  # a library whose threads make fork unsafe
    with LocalPool(2) as pool:
        assert pool._team is None and pool._parallel is not None
        assert sorted(pool.imap(pow, [(2, k) for k in range(5)])) == [1, 2, 4, 8, 16]


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except OSError:
        return False

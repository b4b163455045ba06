"""A team for the local maps of a ranking: this process and ``jobs - 1`` forked children, one shared task counter.

Part of :mod:`dicert.verify.ranking` (see the package docstring).

Why not :class:`multiprocessing.Pool`: with ``jobs = 2`` on two cores a pool
runs three processes (two workers and a driver that only waits) and the
driver's three pool threads (task feeder, result reader, worker keeper) used
50-110 ms of CPU during a 0.75 s five-node ranking, taken from the workers;
the ranking's two-job speed-up stayed at 1.65-1.83x (medians of interleaved
pairs; 1.88x with this team).  Here the driver is one of the ``jobs``
processes: it claims tasks from the same counter as its children and reads
their results between its own tasks, so no thread and no process waits on a
core.  Results wait in the socket pair's buffer (widened to
:data:`SOCKET_BUFFER_BYTES` where the kernel allows) while the driver runs a
task of its own: a 2048-row chunk of an in-memory ranking pickles to about
110 kB; a larger result makes its child wait until the driver reads it.

A map ``imap(func, items)`` sends ``(func, items)`` once to every child (one
pickle), then each process claims the next index from a shared counter until
none is left, so a slow task never holds up a wave.  The driver yields its
own results and the children's as they arrive.  A child that raises sends the
exception (the driver raises it); a child that dies (killed, out of memory)
ends the map with :class:`~dicert.verify.errors.SolverFailed` instead of a
hang.  Children die with the driver (:mod:`dicert.verify.worker_death`).

Examples
--------
>>> with ForkTeam(2) as team:
...     first = sorted(team.imap(pow, [(2, k) for k in range(6)]))
...     second = sorted(team.imap(divmod, [(7, 2), (9, 4)]))  # the same child serves the next map
>>> first, second
([1, 2, 4, 8, 16, 32], [(2, 1), (3, 1)])
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import socket
import traceback
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, NoReturn

from dicert.verify.errors import SolverFailed
from dicert.verify.worker_death import die_with_parent

#: Seconds a child may take to leave after it is told to stop, before it is terminated.
STOP_SECONDS = 2.0

#: Send and receive buffer asked for each end of a child's socket pair (the kernel caps it at
#: ``net.core.wmem_max`` / ``rmem_max``; Linux's default is about 208 kB).
SOCKET_BUFFER_BYTES = 4 << 20


def _widen(conn: Connection) -> None:
    """Ask for :data:`SOCKET_BUFFER_BYTES` of buffer on one end of a socket pair (best effort)."""
    try:
        end = socket.socket(fileno=os.dup(conn.fileno()))
    except OSError:  # not a socket on this platform
        return
    with end:
        for option in (socket.SO_SNDBUF, socket.SO_RCVBUF):
            try:
                end.setsockopt(socket.SOL_SOCKET, option, SOCKET_BUFFER_BYTES)
            except OSError:
                pass


def _claim(counter: Any, n: int) -> int | None:
    """The next unclaimed index below ``n`` (``None`` when every index is taken)."""
    with counter.get_lock():
        index = int(counter.value)
        if index >= n:
            return None
        counter.value = index + 1
    return index


def _portable(exc: BaseException) -> BaseException:
    """``exc`` with the child's traceback as a note, or a ``RuntimeError`` naming it if it does not pickle."""
    text = "".join(traceback.format_exception(exc))
    try:
        exc.add_note(f"in ranking worker process {os.getpid()}:\n{text}")
        return pickle.loads(pickle.dumps(exc))
    except Exception:  # an exception whose arguments do not survive pickling
        return RuntimeError(f"{type(exc).__name__}: {exc} (in ranking worker process {os.getpid()})\n{text}")


def _child(conn: Connection, counter: Any, parent: int) -> None:
    """A child's life: take a map, claim and run its items, send each result, say done; until told to stop.

    It ends with ``os._exit``: nothing the driver had buffered for stdout before
    the fork is flushed a second time, and no lock another driver thread held at
    the fork (a progress bar's) is waited for.
    """
    code = 0
    try:
        die_with_parent(parent)
        while (data := conn.recv_bytes()) != b"":  # an empty message: stop
            func, items = pickle.loads(data)
            try:
                while (index := _claim(counter, len(items))) is not None:
                    conn.send(("result", func(*items[index])))
            except BaseException as exc:  # noqa: BLE001 - every failure goes to the driver, which raises it
                code = 1
                conn.send(("error", _portable(exc)))
                return
            conn.send(("done", None))
    except (EOFError, OSError):  # the driver is gone
        code = 1
    finally:
        os._exit(code)


def _died(process: Any) -> NoReturn:
    process.join(timeout=1)
    raise SolverFailed(
        f"jobs: worker process {process.pid} ended (exit code {process.exitcode}) before finishing its tasks; "
        "the rows stored so far are kept in the database, rerun the same command to resume"
    )


class ForkTeam:
    """This process and ``jobs - 1`` forked children that serve several maps (see the module docstring).

    Parameters
    ----------
    jobs : int
        Processes in the team, this one included (``jobs >= 1``; 1 forks nothing).

    Notes
    -----
    Children are forked when the team is entered, so everything they must
    inherit (a built solver, shared memory such as a screening threshold)
    has to exist before; the platform must have the ``fork`` start method.
    Leaving the team tells idle children to exit and terminates any that
    are still working (after an error or an interrupt).
    """

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._children: list[tuple[Any, Connection]] = []
        self._counter: Any = None
        self._broken = False

    def __enter__(self) -> ForkTeam:
        context = multiprocessing.get_context("fork")
        self._counter = context.Value("q", 0)
        try:
            for _ in range(self.jobs - 1):
                ours, theirs = context.Pipe()
                _widen(ours)
                _widen(theirs)
                process = context.Process(target=_child, args=(theirs, self._counter, os.getpid()), daemon=True)
                process.start()
                theirs.close()
                self._children.append((process, ours))
        except BaseException:
            self._stop(graceful=False)
            raise
        return self

    def __exit__(self, exc_type: Any, *rest: Any) -> None:
        self._stop(graceful=exc_type is None and not self._broken)

    @property
    def pids(self) -> list[int]:
        """Process ids of the children (this process not included)."""
        return [process.pid for process, _ in self._children]

    def imap(self, func: Callable[..., Any], items: Iterable[tuple]) -> Iterator[Any]:
        """``func(*item)`` for every item, run by whichever process claims it, yielded as results arrive."""
        if self._broken:
            raise RuntimeError("ForkTeam: a previous map did not finish; leave the team and start a new one")
        items = list(items)
        with self._counter.get_lock():
            self._counter.value = 0
        working = {conn: process for process, conn in self._children}
        if working:
            data = pickle.dumps((func, items), protocol=pickle.HIGHEST_PROTOCOL)
            for conn in working:
                conn.send_bytes(data)
        finished = False
        try:
            while (index := _claim(self._counter, len(items))) is not None:
                yield from self._receive(working, block=False)
                yield func(*items[index])
            while working:
                yield from self._receive(working, block=True)
            finished = True
        finally:
            if not finished:  # an error, an interrupt or a caller that stopped early: children may still be working
                self._broken = True
                with self._counter.get_lock():
                    self._counter.value = len(items)  # nothing more is claimed

    def _receive(self, working: dict[Connection, Any], *, block: bool) -> Iterator[Any]:
        """Yield the children's results that have arrived (with ``block``, wait until some child sends something)."""
        while working:
            sentinels = {process.sentinel: conn for conn, process in working.items()}
            ready = wait([*working, *sentinels], timeout=None if block else 0)
            if not ready:
                return
            for conn in [conn for conn in working if conn in ready]:
                try:
                    kind, value = conn.recv()
                except (EOFError, OSError):  # it died, perhaps while sending
                    _died(working[conn])
                if kind == "result":
                    yield value
                elif kind == "done":
                    del working[conn]
                else:
                    raise value
            for sentinel, conn in sentinels.items():  # ended without saying done, and nothing left to read
                if sentinel in ready and conn in working and not conn.poll():
                    _died(working[conn])
            if block:
                return

    def _stop(self, *, graceful: bool) -> None:
        if graceful:
            for _, conn in self._children:
                try:
                    conn.send_bytes(b"")
                except OSError:
                    pass
        for process, conn in self._children:
            if graceful:
                process.join(timeout=STOP_SECONDS)
            if process.is_alive():
                process.terminate()
                process.join(timeout=STOP_SECONDS)
            if process.is_alive():
                process.kill()
                process.join()
            conn.close()
        self._children = []

"""Where tasks run: here, in local processes (a fork team or loky, tied to the driver's life) or on dask.

Part of :mod:`dicert.verify.ranking` (see the package docstring).
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from dicert.verify.errors import InvalidInput
from dicert.verify.ranking.fork_team import ForkTeam
from dicert.verify.worker_death import guard


#: Seconds to wait for a dask scheduler before giving up.
DASK_CONNECT_SECONDS = 10.0


#: Libraries whose native thread pools make ``os.fork`` unsafe once they are imported.
_FORK_UNSAFE_MODULES = ("jax", "torch", "tensorflow")


class LocalPool:
    """``jobs`` local processes that serve several maps (the count phase and the tasks of a ranking).

    Where the platform forks, the processes are a :class:`~dicert.verify.ranking.fork_team.ForkTeam`:
    this process and ``jobs - 1`` forked children claiming tasks from one
    counter, so the children start with the libraries imported and the
    program built (in the inherited thread-local cache), the driver works
    instead of waiting, and results stream back as each task ends.  Forking a
    process that runs native thread pools (JAX, PyTorch) can deadlock, so when
    one of those is loaded the pool is joblib's ``loky`` (``jobs`` fresh worker
    processes) instead.  Either way the workers die with the driver
    (:mod:`dicert.verify.worker_death`).  Everything a worker must inherit (the
    solver, shared memory) has to exist before the pool is entered.
    """

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._team: ForkTeam | None = None
        self._parallel: Any = None

    def __enter__(self) -> LocalPool:
        import multiprocessing

        fork_unsafe = any(name in sys.modules for name in _FORK_UNSAFE_MODULES)
        if fork_unsafe or "fork" not in multiprocessing.get_all_start_methods():
            from joblib import Parallel

            self._parallel = Parallel(
                n_jobs=self.jobs, backend="loky", return_as="generator_unordered", pre_dispatch=f"{4 * self.jobs}"
            ).__enter__()
        else:
            self._team = ForkTeam(self.jobs).__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._team is not None:
            self._team.__exit__(*exc)
        if self._parallel is not None:
            self._parallel.__exit__(*exc)

    def imap(self, func: Callable[..., Any], items: Iterable) -> Iterator[Any]:
        """``func(*item)`` for each item, in the order the results arrive."""
        if self._parallel is not None:
            from joblib import delayed

            parent = os.getpid()
            yield from self._parallel(delayed(_guarded)(parent, func, *item) for item in items)
            return
        assert self._team is not None, "LocalPool.imap outside its with block"
        yield from self._team.imap(func, items)


def _guarded(parent: int, func: Callable[..., Any], *args: Any) -> Any:
    """``func(*args)`` in a loky worker that first ties its life to the driver's (:mod:`dicert.verify.worker_death`)."""
    guard(parent)
    return func(*args)


def _dask_client(address: Any) -> tuple[Any, bool]:
    try:
        from dask.distributed import Client
    except ImportError:
        raise InvalidInput('dask: dask.distributed is not installed, expected the cluster extra: pip install "dicert[cluster]"') from None

    if isinstance(address, Client):
        return address, False
    if not isinstance(address, str) or not address:
        raise InvalidInput(f"dask: expected a scheduler address like tcp://host:8786, got {address!r}")
    try:
        return Client(address, timeout=DASK_CONNECT_SECONDS), True
    except (OSError, TimeoutError) as exc:
        raise InvalidInput(f"dask: cannot connect to the scheduler at {address} ({exc.__class__.__name__})") from None


def _pickled(func: Callable[..., Any], *args: Any) -> bytes:
    """``func(*args)`` as one pickle (what a dask task returns: see :func:`_dask_map`)."""
    return pickle.dumps(func(*args), protocol=pickle.HIGHEST_PROTOCOL)


def _dask_map(client: Any, func: Callable[..., Any], items: Iterable, workers: int) -> Iterator[Any]:
    """``func(*item)`` on the cluster, at most ``4 * workers`` tasks in flight, results as they finish.

    Each result travels as one pickle: dask serialises a list element by element,
    and a task returning a chunk's 333 rows spent about 75 ms in transfer (69 such
    tasks: 5.9 s on a two-worker ``LocalCluster``, 0.8 s as one pickle each).  A
    future is dropped once its result is read, so finished results do not stay in
    the workers' memory for the rest of the run.
    """
    from dask.distributed import as_completed

    pending = iter(items)
    in_flight: set[Any] = set()
    running = as_completed()

    def submit(item: tuple) -> None:
        future = client.submit(_pickled, func, *item, pure=False)
        in_flight.add(future)
        running.add(future)

    for item in islice(pending, 4 * workers):
        submit(item)
    try:
        for future in running:
            blob = future.result()
            in_flight.discard(future)
            item = next(pending, None)
            if item is not None:
                submit(item)
            yield pickle.loads(blob)
    finally:
        client.cancel(list(in_flight))

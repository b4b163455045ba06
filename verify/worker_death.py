"""Local worker processes that die with their parent (a SIGKILLed driver leaves no orphans).

A ``multiprocessing`` or loky worker blocked in a long solve does not notice
that its parent was killed: nobody reads its results any more, yet it keeps a
core busy until its task ends and then waits on a pipe.  Two mechanisms make
it exit within about a second of its parent's death:

* on Linux, ``prctl(PR_SET_PDEATHSIG, SIGTERM)`` (through :mod:`ctypes`): the
  kernel sends ``SIGTERM`` when the parent dies (the default action of
  ``SIGTERM`` is restored first, so an inherited Python handler cannot catch it);
* everywhere (the only one for loky workers), a daemon thread that polls ``os.getppid()`` every
  :data:`WATCH_SECONDS` and ends the process (``os._exit``) once the
  original parent is gone (the process was re-parented).

:func:`die_with_parent` is the pool initializer; :func:`guard` installs the
same thing lazily from inside a task (for executors without an initializer
hook, e.g. joblib's loky backend) and is a dictionary look-up after the first
call.  Dask workers are not guarded: their parent is a nanny, not the driver.

Examples
--------
>>> import os
>>> guard(os.getpid())         # the caller itself is never its own worker: nothing happens
False
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

#: Seconds between two checks of the parent's pid by the watch thread.
WATCH_SECONDS = 0.5

#: ``PR_SET_PDEATHSIG`` from ``<linux/prctl.h>``.
PR_SET_PDEATHSIG = 1

_GUARDED: dict[str, int] = {}


def _set_pdeathsig() -> bool:
    """Ask the Linux kernel to send ``SIGTERM`` when the parent dies; False where unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(1)
        time.sleep(WATCH_SECONDS)


def die_with_parent(parent: int, pdeathsig: bool = True) -> None:
    """Pool initializer: end this process when the process ``parent`` dies.

    Parameters
    ----------
    parent : int
        The pid of the driver that started this worker (``os.getpid()`` there).
    pdeathsig : bool
        Also use ``PR_SET_PDEATHSIG`` (Linux).  The kernel sends it when the
        *thread* that forked the worker exits, so pass ``False`` where workers
        may be started from a short-lived thread (loky's reusable executor);
        the watch thread alone then ends the worker.
    """
    if os.getpid() == parent or _GUARDED.get("parent") == parent:
        return
    _GUARDED["parent"] = parent
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if pdeathsig:
        _set_pdeathsig()
    if os.getppid() != parent:  # the parent died before the kernel was told
        os._exit(1)
    threading.Thread(target=_watch, args=(parent,), name="dicert-parent-watch", daemon=True).start()


def guard(parent: int | None) -> bool:
    """Install :func:`die_with_parent` once per process from inside a task; True when it installed it now."""
    if parent is None or os.getpid() == parent or _GUARDED.get("parent") == parent:
        return False
    die_with_parent(parent, pdeathsig=False)
    return True

"""Progress with ETA for long computations: one primitive for every command and library loop.

A rich bar on a terminal, plain periodic lines otherwise (logs, CI, pipes), so
that a user who redirects stderr still sees that the work advances and when it
ends.  Three shapes of work are covered:

* counted work (``done`` of ``total`` items: graphs, sweep points, candidate
  graphs, KSG samples): :class:`ProgressReporter`, called as ``progress(done, total)``;
  library code takes such a callable as its ``progress`` argument (``None``: silent);
* an iteration whose length is not known in advance but whose error decays
  geometrically (relative value iteration, span of ``T h - h``, eq. (4.28)):
  :class:`ConvergenceProgress` estimates the total number of iterations from the
  observed decay rate and feeds a reporter;
* one opaque step with an estimated duration from a size model (one conic
  solve): :class:`TimedStage`, a background heartbeat whose ETA is the estimate
  minus the elapsed time.

Off a terminal a line is printed at most every ``interval`` seconds (default 10,
environment variable ``DICERT_PROGRESS_INTERVAL``) and one at the end, e.g.
``ranking ising, m=5: 1200/21291 (5.6%), elapsed 3.1 s, ETA 52 s``.

Examples
--------
>>> import io
>>> from rich.console import Console
>>> out = io.StringIO()
>>> progress = ProgressReporter("counting", console=Console(file=out), interval=0.0)
>>> progress(1, 4); progress(4, 4); progress.close()
>>> out.getvalue().splitlines()[-1].startswith("counting: 4/4 (100.0%), elapsed")
True
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from rich.console import Console

from dicert.verify.errors import InvalidInput

__all__ = [
    "INTERVAL_ENV_VARIABLE",
    "ProgressCallback",
    "ProgressReporter",
    "ConvergenceProgress",
    "StageProgress",
    "TimedStage",
    "default_interval",
    "stderr_console",
]

#: ``progress(done, total)``: the callback type library loops accept.
ProgressCallback = Callable[[int, int], None]

#: Seconds between plain progress lines when stderr is not a terminal.
INTERVAL_ENV_VARIABLE = "DICERT_PROGRESS_INTERVAL"
DEFAULT_INTERVAL = 10.0


#: Human output (tables, progress) goes to stderr; stdout is kept for results and ``--json``.
stderr_console = Console(stderr=True)


def default_interval() -> float:
    """Seconds between plain lines: ``DICERT_PROGRESS_INTERVAL`` or 10.

    Examples
    --------
    >>> default_interval() >= 0
    True
    """
    text = os.environ.get(INTERVAL_ENV_VARIABLE, "").strip()
    if not text:
        return DEFAULT_INTERVAL
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0 or not math.isfinite(value):
        raise InvalidInput(f"{INTERVAL_ENV_VARIABLE}: expected a number of seconds >= 0, got {text!r}")
    return value


def _format_seconds(seconds: float) -> str:
    from dicert.verify.workload import format_seconds

    return format_seconds(seconds)


class ProgressReporter:
    """Progress with ETA on stderr: a rich bar on a terminal, plain periodic lines otherwise.

    Call it as ``progress(done, total)``; nothing is shown before the first call
    (so input errors come first).  Work already done at the first call (resumed
    from a database) does not count for the ETA.  ``label`` may be changed
    between calls (:meth:`relabel`) for work in stages.

    Parameters
    ----------
    label:
        What is counted, e.g. ``"sweep p"``.
    console:
        A rich console (default: stderr).
    interval:
        Seconds between plain lines off a terminal (default :func:`default_interval`).

    Examples
    --------
    >>> import io
    >>> from rich.console import Console
    >>> out = io.StringIO()
    >>> with ProgressReporter("points", console=Console(file=out), interval=0.0) as progress:
    ...     progress(0, 2); progress(2, 2)
    >>> out.getvalue().splitlines()[-1].split(",")[0]
    'points: 2/2 (100.0%)'
    """

    def __init__(self, label: str, *, console: Any = None, interval: float | None = None) -> None:
        self.label = label
        self.console = stderr_console if console is None else console
        self.interval = default_interval() if interval is None else interval
        self.bar: Any = None
        self.task: Any = None
        self._start: float | None = None
        self._last_line = -math.inf
        self._last: tuple[int, int] | None = None
        self._printed: tuple[int, int] | None = None
        self._done0 = 0

    def __enter__(self) -> ProgressReporter:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def relabel(self, label: str) -> None:
        """Name the next stage; its first call restarts the ETA clock."""
        if label != self.label:
            self.close()
            self.label, self.bar, self._start, self._last = label, None, None, None
            self._last_line, self._printed = -math.inf, None

    def __call__(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if self._start is None:
            self._start, self._done0 = now, done  # work resumed from a database does not count for the ETA
        self._last = (done, total)
        if self.console.is_terminal:
            self._bar_update(done, total)
        elif now - self._last_line >= self.interval or done >= total:
            self._line(done, total, now)

    def _bar_update(self, done: int, total: int) -> None:
        if self.bar is None:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(TextColumn(self.label), BarColumn(), MofNCompleteColumn(), TextColumn("elapsed"),
                                TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), console=self.console,
                                transient=True)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=total)
        self.bar.update(self.task, completed=done, total=total)

    def _eta(self, done: int, total: int, elapsed: float) -> str:
        fresh = done - self._done0
        return "?" if fresh <= 0 or elapsed <= 0 else _format_seconds(elapsed * (total - done) / fresh)

    def _line(self, done: int, total: int, now: float) -> None:
        elapsed = now - (self._start or now)
        share = done / total if total else 1.0
        self._print(f"{self.label}: {done}/{total} ({100 * share:.1f}%), elapsed {_format_seconds(elapsed)}, "
                    f"ETA {self._eta(done, total, elapsed)}")
        self._last_line = now
        self._printed = (done, total)

    def _print(self, text: str) -> None:
        self.console.print(text, markup=False, highlight=False, soft_wrap=True)

    def close(self) -> None:
        """Stop the bar (terminal) or print the final line if it was not printed yet."""
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
        elif self._last is not None and self._last != self._printed and not self.console.is_terminal:
            self._line(*self._last, time.perf_counter())


class StageProgress:
    """``progress(stage, done, total)`` for work in named stages: one reporter, relabelled per stage.

    Examples
    --------
    >>> import io
    >>> from rich.console import Console
    >>> out = io.StringIO()
    >>> with StageProgress("discover ising", console=Console(file=out), interval=0.0) as progress:
    ...     progress("value iteration", 3, 3); progress("Q-graph bounds", 1, 2)
    >>> [line.split(",")[0] for line in out.getvalue().splitlines()]
    ['discover ising: value iteration: 3/3 (100.0%)', 'discover ising: Q-graph bounds: 1/2 (50.0%)']
    """

    def __init__(self, prefix: str, *, console: Any = None, interval: float | None = None) -> None:
        self.prefix = prefix
        self.reporter = ProgressReporter(prefix, console=console, interval=interval)

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.reporter.relabel(f"{self.prefix}: {stage}")
        self.reporter(done, total)

    def __enter__(self) -> StageProgress:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        """Finish the current stage's bar or line."""
        self.reporter.close()


class ConvergenceProgress:
    """``callback(k, lo, hi)`` for an iteration that stops when the span ``hi - lo`` falls below ``tol``.

    The total is estimated from the geometric decay of the span over the last
    ``window`` iterations: with rate ``r`` the span reaches ``tol`` after
    ``log(tol / span_k) / log(r)`` more iterations (capped at ``max_iter``).  For
    relative value iteration (4.28) the span contracts geometrically under the
    usual aperiodicity conditions, so the estimate settles after a few iterations.

    Examples
    --------
    >>> seen = []
    >>> track = ConvergenceProgress(lambda done, total: seen.append((done, total)), tol=1e-6, max_iter=1000)
    >>> for k in range(1, 4):
    ...     track(k, 0.0, 0.1 ** k)
    >>> seen[-1]
    (3, 6)
    """

    def __init__(self, report: ProgressCallback, *, tol: float, max_iter: int, window: int = 5) -> None:
        self.report, self.tol, self.max_iter, self.window = report, tol, max_iter, window
        self.spans: list[float] = []

    def estimated_total(self, k: int) -> int:
        """Iterations needed in all, estimated after iteration ``k``."""
        span = self.spans[-1]
        if span <= self.tol:
            return k
        back = min(self.window, len(self.spans) - 1)
        if back < 1 or self.spans[-1 - back] <= 0:
            return self.max_iter
        rate = (span / self.spans[-1 - back]) ** (1.0 / back)
        if not 0.0 < rate < 1.0:
            return self.max_iter
        return int(min(self.max_iter, k + math.ceil(math.log(self.tol / span) / math.log(rate))))

    def __call__(self, k: int, lo: float, hi: float) -> None:
        self.spans.append(max(hi - lo, 0.0))
        self.report(k, max(k, self.estimated_total(k)))


class TimedStage:
    """Heartbeat for one step that reports nothing itself (a conic solve), with an ETA from a size model.

    Used as a context manager; a daemon thread shows the bar (terminal) or a line
    every ``interval`` seconds: ``bounds: solving program (4.40), elapsed 20 s,
    ETA 35 s (estimated 55 s from the size model)``.  With ``estimate=None`` only
    the elapsed time is shown (no model for this step).  Past the estimate the ETA
    reads ``overdue``.

    Examples
    --------
    >>> import io
    >>> from rich.console import Console
    >>> out = io.StringIO()
    >>> with TimedStage("solving", 5.0, console=Console(file=out), interval=0.0):
    ...     pass
    >>> out.getvalue().splitlines()[-1].split(",")[0]
    'solving: done'
    """

    def __init__(self, label: str, estimate: float | None, *, console: Any = None,
                 interval: float | None = None) -> None:
        self.label, self.estimate = label, estimate
        self.console = stderr_console if console is None else console
        self.interval = default_interval() if interval is None else interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._start = 0.0
        self._bar: Any = None

    def line(self, elapsed: float) -> str:
        """The plain progress line after ``elapsed`` seconds."""
        text = f"{self.label}, elapsed {_format_seconds(elapsed)}"
        if self.estimate is None:
            return text + " (no time model for this step)"
        eta = "overdue" if elapsed > self.estimate else _format_seconds(self.estimate - elapsed)
        return f"{text}, ETA {eta} (estimated {_format_seconds(self.estimate)} from the size model)"

    def _beat(self) -> None:
        step = 0.5 if self._bar is not None else max(self.interval, 0.05)  # a bar moves smoothly; lines are sparse
        while not self._stop.wait(step):
            elapsed = time.perf_counter() - self._start
            if self._bar is not None:
                total = self._bar.tasks[0].total or 1.0
                self._bar.update(self._bar.tasks[0].id, completed=min(elapsed, 0.99 * total),
                                 description=self.line(elapsed))
            else:
                self.console.print(self.line(elapsed), markup=False, highlight=False, soft_wrap=True)

    def __enter__(self) -> TimedStage:
        self._start = time.perf_counter()
        if self.console.is_terminal:  # the bar (share of the estimate) and the same words as the plain line
            from rich.progress import BarColumn, Progress, TextColumn

            columns = [BarColumn(bar_width=12), TextColumn("{task.description}")]
            self._bar = Progress(*columns if self.estimate is not None else columns[1:], console=self.console,
                                 transient=True)
            self._bar.add_task(self.line(0.0), total=self.estimate or 1.0)
            self._bar.start()
        else:
            self.console.print(self.line(0.0), markup=False, highlight=False, soft_wrap=True)
        if self._bar is not None or self.interval > 0:
            self._thread = threading.Thread(target=self._beat, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        elapsed = time.perf_counter() - self._start
        if self._bar is not None:
            self._bar.stop()
        elif exc[0] is None:
            self.console.print(f"{self.label}: done, {_format_seconds(elapsed)}", markup=False, highlight=False,
                               soft_wrap=True)

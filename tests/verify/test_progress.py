"""The progress primitive (dicert.verify.progress): plain periodic lines with ETA off a terminal."""

from __future__ import annotations

import io
import time

from rich.console import Console

from dicert.verify.progress import ConvergenceProgress, ProgressReporter, TimedStage


def _console(text: io.StringIO) -> Console:
    return Console(file=text, force_terminal=False, width=200)


def test_reporter_prints_at_most_one_line_per_interval_and_always_the_last() -> None:
    text = io.StringIO()
    progress = ProgressReporter("work", console=_console(text), interval=3600.0)
    for done in range(101):
        progress(done, 100)
    progress.close()
    lines = text.getvalue().splitlines()
    assert len(lines) == 2 and lines[0].startswith("work: 0/100") and lines[1].startswith("work: 100/100 (100.0%)")


def test_convergence_progress_total_follows_the_geometric_decay_of_the_span() -> None:
    seen: list[tuple[int, int]] = []
    track = ConvergenceProgress(lambda done, total: seen.append((done, total)), tol=1e-9, max_iter=500)
    for k in range(1, 11):
        track(k, 1.0, 1.0 + 0.5**k)  # span 2^-k reaches 1e-9 at k = 30
    assert seen[0] == (1, 500)  # no rate yet: the cap
    assert all(total == 30 for _, total in seen[1:])


def test_timed_stage_beats_with_an_eta_until_the_step_ends() -> None:
    text = io.StringIO()
    with TimedStage("solving", 60.0, console=_console(text), interval=0.05):
        time.sleep(0.3)
    lines = text.getvalue().splitlines()
    assert len(lines) >= 3 and lines[-1].startswith("solving: done, ")
    assert all(", ETA " in line and line.endswith("(estimated 60 s from the size model)") for line in lines[:-1])

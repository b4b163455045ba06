"""Statistical checks of :mod:`dicert.verify.estimators.check`: Hypothesis cases, interval coverage, null calibration.

Split out of ``check.py``; the checks are listed in ``check.CHECKS``.
Cheap versions run under ``quick=True``.

Examples
--------
>>> from dicert.verify.estimators.check_statistics import check_interval_coverage
>>> check_interval_coverage.__name__
'check_interval_coverage'
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from dicert.verify.processes import ProcessSample


from dicert.verify.estimators.check_base import (
    TOL_CONSERVATION,
    TOL_HYPOTHESIS,
    CheckSkipped,
    _Context,
    _Fail,
    _fmt,
    _fresh,
    _independent_processes,
    _kind,
    _known_processes,
    _rates,
    _require,
)

def check_hypothesis_cases(estimator: Any, ctx: _Context) -> str:
    """Hypothesis-drawn processes: finite rates, conservation, accuracy within 0.08 bits."""
    try:
        from hypothesis import HealthCheck, Phase, given, settings

        from dicert.verify.strategies.processes import continuous_processes, discrete_processes
    except ImportError as exc:
        raise CheckSkipped(f"skipped: Hypothesis is not installed ({exc}); pip install 'dicert[test]'") from None

    kind = _kind(estimator)
    if kind == "discrete":
        strategy = discrete_processes(3000, 4000, memory=1, max_alphabet=3, max_stay=0.7)
    else:
        strategy = continuous_processes(1500, 2000)
    examples = 5 if ctx.quick else 15
    seen: list[str] = []

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
        phases=[Phase.explicit, Phase.generate],  # report the first failing case, unshrunk
    )
    @given(strategy)
    def estimates_match_truth(sample: ProcessSample) -> None:
        di, reverse, mi = _rates(estimator, sample.x, sample.y)
        case = f"{sample.name}{sample.params} n={sample.x.size}"
        seen.append(case)
        problems = []
        if not all(math.isfinite(v) for v in (di, reverse, mi)):
            problems.append(f"non-finite rates {_fmt((di, reverse, mi))}")
        elif abs(mi - di - reverse) > TOL_CONSERVATION:
            problems.append(f"MI - DI - reverse = {mi - di - reverse:.4f}")
        elif abs(di - sample.di_rate) > TOL_HYPOTHESIS:
            problems.append(f"DI {di:.4f} vs true {sample.di_rate:.4f}, expected within {TOL_HYPOTHESIS}")
        elif abs(reverse - sample.reverse_di_rate) > TOL_HYPOTHESIS:
            problems.append(
                f"reverse DI {reverse:.4f} vs true {sample.reverse_di_rate:.4f}, expected within {TOL_HYPOTHESIS}"
            )
        if problems:
            raise _Fail(f"{case}: {problems[0]}")

    try:
        estimates_match_truth()
    except _Fail as failure:
        raise _Fail(" ".join(str(failure).split())[:500]) from None
    return f"{len(seen)} drawn processes agree with their true rates"


def _coverage_process(kind: str) -> Callable[[int, int], ProcessSample]:
    return _known_processes(kind)[0]


def check_interval_coverage(estimator: Any, ctx: _Context) -> str:
    """The 95% intervals contain the true rates in most seeds (cheap coverage measurement)."""
    kind = _kind(estimator)
    n = 2000 if kind == "discrete" else 1000
    seeds, needed = (20, 0.75) if ctx.quick else (60, 0.85)
    make = _coverage_process(kind)
    hits = np.zeros(2)
    for seed in ctx.seeds(seeds, 700):
        sample = make(n, seed)
        fitted = _fresh(estimator).fit(sample.x, sample.y)
        intervals: list[Any] = [getattr(fitted, name, None) for name in ("di_rate_ci_", "reverse_di_rate_ci_")]
        if any(interval is None for interval in intervals):
            raise CheckSkipped("skipped: the estimator sets no di_rate_ci_ / reverse_di_rate_ci_")
        truths = (sample.di_rate, sample.reverse_di_rate)
        for index, ((lo, hi), truth) in enumerate(zip(intervals, truths)):
            hits[index] += float(lo) <= truth <= float(hi)
    coverage = hits / seeds
    detail = f"{make(10, 0).name} n={n}: DI interval coverage {coverage[0]:.2f}, reverse {coverage[1]:.2f} over {seeds} seeds"
    _require(bool(np.all(coverage >= needed)), f"{detail}, expected >= {needed} (nominal 0.95)")
    return detail


def check_null_calibration(estimator: Any, ctx: _Context) -> str:
    """Surrogate-test p-values under independence are not too often small (calibrated null)."""
    from scipy.stats import binom

    from dicert.verify.estimators.surrogates import surrogate_test

    kind = _kind(estimator)
    seeds = 8 if ctx.quick else 40
    n = 400
    make = _independent_processes(kind)[0]
    small = 0
    p_values = []
    for seed in ctx.seeds(seeds, 800):
        sample = make(n, seed)
        result = surrogate_test(estimator, sample.x, sample.y, n_surrogates=19, method="shift", rng=seed)
        p_values += [result.di_p_value, result.reverse_di_p_value]
        small += (result.di_p_value <= 0.05) + (result.reverse_di_p_value <= 0.05)
    allowed = int(binom.ppf(0.995, 2 * seeds, 0.05))
    detail = (
        f"{make(10, 0).name} n={n}: {small} of {2 * seeds} p-values <= 0.05 (19 circular-shift surrogates), "
        f"mean p {np.mean(p_values):.2f}"
    )
    _require(small <= allowed, f"{detail}, expected at most {allowed}")
    return detail


"""Infrastructure of :mod:`dicert.verify.estimators.check`: results, failures, the check context, helpers.

Split out of ``check.py`` (one job per module); everything here is re-exported
there. Each check raises :class:`CheckFailed` explicitly (never ``assert``),
so ``python -O`` does not silence it.

Examples
--------
>>> CheckFailed("check_x", "rate 0.5, expected 0").args[0]
'check_x: rate 0.5, expected 0'
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dicert.verify.errors import DicertError
from dicert.verify.processes import (
    ProcessSample,
    bsc_delay,
    feedback_xor,
    gaussian_var1,
    independent_discrete,
    independent_gaussian,
)


TOL_ZERO = 0.03
TOL_CONSERVATION = 0.02
TOL_ORDER = 0.03
TOL_SYMMETRY = 0.03
TOL_ACCURACY = 0.05
TOL_SHRUNK = 0.01
TOL_HYPOTHESIS = 0.08


@dataclass(frozen=True)
class CheckResult:
    """Outcome of one named check.

    Examples
    --------
    >>> CheckResult("check_x", True, "ok", 0.1).passed
    True
    """

    name: str
    passed: bool
    details: str
    seconds: float = 0.0
    skipped: bool = False


@dataclass
class CheckReport:
    """All check results for one estimator.

    Examples
    --------
    >>> r = CheckReport("E()", [CheckResult("check_a", True, "ok"), CheckResult("check_b", False, "bad")])
    >>> r.passed, r.failed
    (False, ['check_b'])
    """

    estimator: str
    results: list[CheckResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every check passed (or was not applicable)."""
        return all(result.passed for result in self.results)

    @property
    def failed(self) -> list[str]:
        """Names of the failed checks."""
        return [result.name for result in self.results if not result.passed]

    @property
    def skipped(self) -> list[str]:
        """Names of the checks that were skipped (the reason is in their details)."""
        return [result.name for result in self.results if result.skipped]

    def __str__(self) -> str:
        lines = [f"check_estimator({self.estimator}): {len(self.results) - len(self.failed)}/{len(self.results)} passed"]
        for result in self.results:
            mark = "SKIP" if result.skipped else "PASS" if result.passed else "FAIL"
            lines.append(f"  {mark} {result.name} ({result.seconds:.2f} s): {result.details}")
        return "\n".join(lines)


class CheckFailed(DicertError, AssertionError):
    """One check failed: ``name`` is the check, ``evidence`` what was measured.

    Raised explicitly (never through ``assert``), so ``python -O`` changes nothing.

    Examples
    --------
    >>> err = CheckFailed("check_consistency", "error 0.3 at n=8000")
    >>> err.name, str(err)
    ('check_consistency', 'check_consistency: error 0.3 at n=8000')
    """

    def __init__(self, name: str, evidence: str) -> None:
        self.name = name
        self.evidence = evidence
        super().__init__(f"{name}: {evidence}")


class CheckSkipped(DicertError):
    """A check cannot run here (missing optional dependency, nothing to check); ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class _Fail(Exception):
    """Internal: evidence of a failure inside a check (turned into :class:`CheckFailed`)."""


def _require(condition: bool, evidence: str) -> None:
    if not condition:
        raise _Fail(evidence)


def _named(check: Callable[[Any, "_Context"], str]) -> Callable[[Any, "_Context"], str]:
    """Run ``check``; evidence of failure becomes ``CheckFailed(check name, evidence)``."""

    @functools.wraps(check)
    def run(estimator: Any, ctx: "_Context") -> str:
        try:
            return check(estimator, ctx)
        except _Fail as failure:
            raise CheckFailed(check.__name__, " ".join(str(failure).split())) from None

    return run


class EstimatorCheckFailed(DicertError, AssertionError):
    """Raised by :func:`check_estimator` when checks fail; ``report`` holds all results."""

    def __init__(self, report: CheckReport) -> None:
        self.report = report
        failures = "; ".join(
            f"{result.name}: {result.details}" for result in report.results if not result.passed
        )
        super().__init__(f"estimator: {report.estimator} failed {len(report.failed)} check(s): {failures}")


@dataclass(frozen=True)
class _Context:
    seed: int
    quick: bool

    def seeds(self, count: int, salt: int) -> list[int]:
        return [int(v) for v in np.random.default_rng([self.seed, salt]).integers(0, 2**31, size=count)]


def _kind(estimator: Any) -> str:
    kind = getattr(estimator, "input_kind", "discrete")
    if kind not in ("discrete", "continuous"):
        raise _Fail(f"input_kind: expected 'discrete' or 'continuous', got {kind!r}")
    return str(kind)


def _fresh(estimator: Any) -> Any:
    return copy.deepcopy(estimator)


def _rates(estimator: Any, x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    fitted = _fresh(estimator).fit(x, y)
    return (float(fitted.di_rate_), float(fitted.reverse_di_rate_), float(fitted.mi_rate_))


def _sizes(kind: str, quick: bool) -> tuple[int, int]:
    large = 8000 if kind == "discrete" else 4000
    return 500, large // 2 if quick else large


def _known_processes(kind: str) -> list[Callable[[int, int], ProcessSample]]:
    if kind == "discrete":
        return [
            lambda n, seed: bsc_delay(n, p=0.1, delay=1, rng=seed),
            lambda n, seed: feedback_xor(n, p=0.1, r=0.2, delay=0, rng=seed),
        ]
    return [
        lambda n, seed: gaussian_var1(n, [[0.0, 0.0], [0.8, 0.5]], np.eye(2), rng=seed),
        lambda n, seed: gaussian_var1(n, [[0.0, 0.6], [0.0, 0.42]], [[1.0, 0.7], [0.7, 1.49]], rng=seed),
    ]


def _independent_processes(kind: str) -> list[Callable[[int, int], ProcessSample]]:
    if kind == "discrete":
        return [
            lambda n, seed: independent_discrete(n, 2, 2, stay=0.7, rng=seed),
            lambda n, seed: independent_discrete(n, 3, 2, stay=0.0, rng=seed),
        ]
    return [lambda n, seed: independent_gaussian(n, 0.5, -0.3, rng=seed)]


def _fmt(values: Iterable[float]) -> str:
    return "(" + ", ".join(f"{v:.4f}" for v in values) + ")"


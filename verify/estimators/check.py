"""``check_estimator``: a conformance suite for DI estimators (ours or a user's).

Modelled on scikit-learn's ``check_estimator`` / ``parametrize_with_checks``:
a list of small named checks, each run on processes with known rates from
:mod:`dicert.verify.processes`. A check passes, fails (with details), or is
not applicable (counted as passed, said so in the details).

The estimator must follow :class:`~dicert.verify.estimators.protocol.DIEstimator`:
a class attribute ``input_kind`` (``"discrete"`` or ``"continuous"``; default
``"discrete"``), ``fit(x, y)`` returning ``self``, and the attributes
``di_rate_``, ``reverse_di_rate_``, ``mi_rate_`` in bits. Checks that need a
fresh estimator with other hyper-parameters (``alphabet_size``) rebuild it
from ``get_params()`` when available.

Every check raises :class:`CheckFailed` (``name``, ``evidence``) on failure --
no ``assert`` statements, so the suite works the same under ``python -O`` --
and :class:`CheckSkipped` (with the reason) when it cannot run, e.g. an
optional dependency is missing or the estimator has no intervals.

Checks and tolerances (bits; ``n`` small/large = 500/8000 for discrete and
500/4000 for continuous estimators, halved large sizes with ``quick=True``):

=============================  ==================================================================
``check_fit_returns_self``     ``fit`` returns the estimator; the three rates are finite floats
``check_input_not_modified``   ``fit`` leaves ``x`` and ``y`` unchanged
``check_deterministic``        two fits (fresh copies, same seed) give identical rates
``check_consistency``          mean abs. error over 3 seeds on two processes with known rates
                               shrinks from small to large ``n`` (or is already <= 0.01) and is
                               <= 0.05 at large ``n``
``check_zero_independent``     ``|DI|``, ``|reverse DI|`` <= 0.03 on independent processes (large ``n``)
``check_refit_no_leak``        fitting on A then on B gives the rates of a fresh fit on B
``check_conservation``         Massey's law (2.13) against the *true* MI rate of the process (an
                               independent value): ``|DI + reverse DI - MI|`` <= 0.05, and the
                               estimator's own ``mi_rate_`` within 0.02 of DI + reverse DI
``check_di_le_mi``             DI <= MI + 0.03 and reverse DI <= MI + 0.03 ((2.7))
``check_mi_symmetry``          MI(x, y) and MI(y, x) agree within 0.03
``check_relabelling``          discrete: a bijective relabelling of the symbols changes no rate
                               (1e-9); continuous: affine changes of units (1e-6)
``check_bad_length``           unequal lengths raise ``ValueError`` with a one-line message
``check_bad_nan``              NaN in ``x`` raises ``ValueError``
``check_bad_symbols``          discrete: non-integer symbols raise ``ValueError``
``check_bad_alphabet``         discrete, with an ``alphabet_size`` parameter: a symbol outside the
                               declared alphabet raises ``ValueError``
``check_hypothesis_cases``     Hypothesis-drawn processes (:mod:`dicert.verify.strategies.processes`):
                               finite rates, conservation and ``|DI - truth|`` <= 0.08 (discrete:
                               n in [3000, 4000], alphabets <= 3; continuous: n in [1500, 2000]);
                               skipped with the reason when Hypothesis is not installed
``check_interval_coverage``    ``di_rate_ci_`` / ``reverse_di_rate_ci_`` contain the true rates in
                               >= 75% of 20 seeds (quick; 85% of 60 seeds otherwise) at n = 2000
                               (discrete) / 1000 (continuous); skipped without intervals
``check_null_calibration``     surrogate p-values (circular shifts, 19 surrogates, n = 400) under
                               independence: the number at <= 0.05 among 2 x 8 (quick) or 2 x 40
                               seeds stays within the binomial(0.05) 99.5% quantile
=============================  ==================================================================

Examples
--------
>>> from dicert.verify.estimators import PlugIn, check_estimator
>>> report = check_estimator(PlugIn(order=1), quick=True)
>>> report.passed, len(report.results)
(True, 17)
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np

from dicert.verify.errors import InvalidInput
from dicert.verify.processes import independent_discrete

from dicert.verify.estimators.check_base import (  # re-exported: the public names live in this module
    TOL_ACCURACY,
    TOL_CONSERVATION,
    TOL_HYPOTHESIS,
    TOL_ORDER,
    TOL_SHRUNK,
    TOL_SYMMETRY,
    TOL_ZERO,
    CheckFailed,
    CheckReport,
    CheckResult,
    CheckSkipped,
    EstimatorCheckFailed,
    _Context,
    _Fail,
    _fmt,
    _fresh,
    _independent_processes,
    _kind,
    _known_processes,
    _named,
    _rates,
    _require,
    _sizes,
)
from dicert.verify.estimators.check_statistics import (
    check_hypothesis_cases,
    check_interval_coverage,
    check_null_calibration,
)

__all__ = [
    "CheckFailed",
    "CheckSkipped",
    "CheckResult",
    "CheckReport",
    "EstimatorCheckFailed",
    "check_estimator",
    "parametrize_with_checks",
    "CHECKS",
]



def check_fit_returns_self(estimator: Any, ctx: _Context) -> str:
    """``fit`` returns the estimator itself and sets three finite float rates."""
    sample = _known_processes(_kind(estimator))[0](300, ctx.seed)
    fresh = _fresh(estimator)
    result = fresh.fit(sample.x, sample.y)
    _require(result is fresh, f"fit returned {type(result).__name__}, expected the estimator itself")
    for name in ("di_rate_", "reverse_di_rate_", "mi_rate_"):
        value = getattr(fresh, name, None)
        _require(isinstance(value, (float, np.floating)), f"{name}: expected a float, got {value!r}")
        _require(math.isfinite(cast(float, value)), f"{name}: expected a finite value, got {value!r}")
    return "fit returns self; di_rate_, reverse_di_rate_, mi_rate_ are finite floats"


def check_input_not_modified(estimator: Any, ctx: _Context) -> str:
    """``fit`` does not modify its inputs."""
    sample = _known_processes(_kind(estimator))[1](300, ctx.seed)
    x, y = sample.x.copy(), sample.y.copy()
    _fresh(estimator).fit(x, y)
    _require(np.array_equal(x, sample.x) and np.array_equal(y, sample.y), "fit modified x or y")
    return "inputs unchanged"


def check_deterministic(estimator: Any, ctx: _Context) -> str:
    """Fitting twice on the same data with the same seed gives identical rates."""
    sample = _known_processes(_kind(estimator))[1](1000, ctx.seed)
    first = _rates(estimator, sample.x, sample.y)
    second = _rates(estimator, sample.x, sample.y)
    refit = _fresh(estimator)
    refit.fit(sample.x, sample.y)
    third = (float(refit.fit(sample.x, sample.y).di_rate_), float(refit.reverse_di_rate_), float(refit.mi_rate_))
    _require(
        first == second == third,
        f"rates differ between identical fits: {_fmt(first)} vs {_fmt(second)} vs {_fmt(third)}",
    )
    return f"identical rates {_fmt(first)}"


def check_consistency(estimator: Any, ctx: _Context) -> str:
    """The error shrinks as ``n`` grows on processes with known rates."""
    kind = _kind(estimator)
    small, large = _sizes(kind, ctx.quick)
    notes, failures = [], []
    for index, make in enumerate(_known_processes(kind)):
        errors = {}
        for n in (small, large):
            err = []
            for seed in ctx.seeds(3, 100 + index):
                sample = make(n, seed)
                di, reverse, _ = _rates(estimator, sample.x, sample.y)
                err.append(abs(di - sample.di_rate) + abs(reverse - sample.reverse_di_rate))
            errors[n] = float(np.mean(err))
        name = make(10, 0).name
        notes.append(f"{name}: error {errors[small]:.4f} at n={small}, {errors[large]:.4f} at n={large}")
        shrinks = errors[large] < errors[small] or errors[large] <= TOL_SHRUNK
        if not shrinks or errors[large] > TOL_ACCURACY:
            failures.append(notes[-1])
    _require(not failures, "; ".join(failures) + f" (expected shrinking error, <= {TOL_ACCURACY} at n={large})")
    return "; ".join(notes)


def check_zero_independent(estimator: Any, ctx: _Context) -> str:
    """Both DI rates are near 0 for independent processes."""
    kind = _kind(estimator)
    _, large = _sizes(kind, ctx.quick)
    notes = []
    for index, make in enumerate(_independent_processes(kind)):
        sample = make(large, ctx.seeds(1, 200 + index)[0])
        di, reverse, _ = _rates(estimator, sample.x, sample.y)
        notes.append(f"{sample.name}{sample.params}: DI {di:.4f}, reverse {reverse:.4f}")
        _require(abs(di) <= TOL_ZERO and abs(reverse) <= TOL_ZERO, f"{notes[-1]}, expected |rates| <= {TOL_ZERO}")
    return "; ".join(notes)


def check_refit_no_leak(estimator: Any, ctx: _Context) -> str:
    """Fitting on data A and then on data B gives the rates of a fresh fit on B (no state leaks)."""
    kind = _kind(estimator)
    first = _known_processes(kind)[0](800, ctx.seeds(1, 650)[0])
    second = _known_processes(kind)[1](800, ctx.seeds(1, 651)[0])
    reused = _fresh(estimator)
    reused.fit(first.x, first.y)
    reused.fit(second.x, second.y)
    again = (float(reused.di_rate_), float(reused.reverse_di_rate_), float(reused.mi_rate_))
    fresh = _rates(estimator, second.x, second.y)
    _require(again == fresh, f"rates after a previous fit {_fmt(again)} differ from a fresh fit {_fmt(fresh)}")
    return f"refit on new data matches a fresh fit {_fmt(fresh)}"


def check_conservation(estimator: Any, ctx: _Context) -> str:
    """Massey's conservation law (2.13) against the true MI rate, and ``mi_rate_`` against DI + reverse DI."""
    kind = _kind(estimator)
    _, large = _sizes(kind, ctx.quick)
    notes = []
    for index, make in enumerate(_known_processes(kind) + _independent_processes(kind)):
        sample = make(large, ctx.seeds(1, 300 + index)[0])
        di, reverse, mi = _rates(estimator, sample.x, sample.y)
        total = di + reverse
        notes.append(
            f"{sample.name}: DI + reverse = {total:.4f}, true MI {sample.mi_rate:.4f}, mi_rate_ {mi:.4f}"
        )
        _require(
            abs(total - sample.mi_rate) <= TOL_ACCURACY,
            f"{notes[-1]}, expected |DI + reverse - true MI| <= {TOL_ACCURACY}",
        )
        _require(abs(mi - total) <= TOL_CONSERVATION, f"{notes[-1]}, expected |mi_rate_ - DI - reverse| <= {TOL_CONSERVATION}")
    return "; ".join(notes)


def check_di_le_mi(estimator: Any, ctx: _Context) -> str:
    """DI <= MI (2.7) in both directions, within the tolerance."""
    kind = _kind(estimator)
    _, large = _sizes(kind, ctx.quick)
    notes = []
    for index, make in enumerate(_known_processes(kind)):
        sample = make(large // 2, ctx.seeds(1, 400 + index)[0])
        di, reverse, mi = _rates(estimator, sample.x, sample.y)
        notes.append(f"{sample.name}: DI {di:.4f}, reverse {reverse:.4f}, MI {mi:.4f}")
        _require(di <= mi + TOL_ORDER and reverse <= mi + TOL_ORDER, f"{notes[-1]}, expected DI <= MI + {TOL_ORDER}")
    return "; ".join(notes)


def check_mi_symmetry(estimator: Any, ctx: _Context) -> str:
    """The MI rate does not depend on the order of the two processes."""
    kind = _kind(estimator)
    _, large = _sizes(kind, ctx.quick)
    sample = _known_processes(kind)[1](large // 2, ctx.seeds(1, 500)[0])
    forward = _rates(estimator, sample.x, sample.y)[2]
    backward = _rates(estimator, sample.y, sample.x)[2]
    detail = f"MI(x, y) = {forward:.4f}, MI(y, x) = {backward:.4f}"
    _require(abs(forward - backward) <= TOL_SYMMETRY, f"{detail}, expected agreement within {TOL_SYMMETRY}")
    return detail


def check_relabelling(estimator: Any, ctx: _Context) -> str:
    """Invariance to relabelling symbols (discrete) or changing units (continuous)."""
    kind = _kind(estimator)
    sample = _known_processes(kind)[1](1000, ctx.seeds(1, 600)[0])
    base = _rates(estimator, sample.x, sample.y)
    if kind == "discrete":
        x2, y2 = 1 - sample.x, 1 - sample.y  # swap the two symbols of each binary process
        tolerance, what = 1e-9, "swapping the symbols 0 <-> 1"
    else:
        x2, y2 = 2.5 * sample.x + 1.0, 0.5 * sample.y - 3.0
        tolerance, what = 1e-6, "x -> 2.5 x + 1, y -> 0.5 y - 3"
    other = _rates(estimator, x2, y2)
    deviation = max(abs(a - b) for a, b in zip(base, other))
    _require(deviation <= tolerance, f"{what} changed the rates from {_fmt(base)} to {_fmt(other)}")
    return f"{what}: max change {deviation:.1e}"


def _expect_value_error(estimator: Any, x: Any, y: Any, what: str) -> str:
    try:
        _fresh(estimator).fit(x, y)
    except ValueError as exc:
        message = str(exc)
        _require(bool(message.strip()), f"{what}: raised {type(exc).__name__} with an empty message")
        _require("\n" not in message.strip(), f"{what}: error message spans several lines: {message!r}")
        return f"{type(exc).__name__}: {message}"
    except Exception as exc:  # noqa: BLE001 - any other exception type is the failure being reported
        raise _Fail(f"{what}: raised {type(exc).__name__} ({exc}), expected a ValueError") from None
    raise _Fail(f"{what}: no error raised, expected a ValueError naming the problem")


def check_bad_length(estimator: Any, ctx: _Context) -> str:
    """Arrays of different lengths are refused with a clear error."""
    sample = _known_processes(_kind(estimator))[0](200, ctx.seed)
    return _expect_value_error(estimator, sample.x, sample.y[:-5], "length mismatch")


def check_bad_nan(estimator: Any, ctx: _Context) -> str:
    """NaN samples are refused with a clear error."""
    sample = _known_processes(_kind(estimator))[0](200, ctx.seed)
    x = sample.x.astype(np.float64)
    x[17] = np.nan
    return _expect_value_error(estimator, x, sample.y, "NaN in x")


def check_bad_symbols(estimator: Any, ctx: _Context) -> str:
    """Discrete estimators refuse non-integer symbols."""
    if _kind(estimator) != "discrete":
        return "not applicable: continuous estimator"
    sample = _known_processes("discrete")[0](600, ctx.seed)
    x = sample.x.astype(np.float64)
    x[3] = 0.5
    return _expect_value_error(estimator, x, sample.y, "non-integer symbol in x")


def check_bad_alphabet(estimator: Any, ctx: _Context) -> str:
    """Discrete estimators with a declared alphabet refuse symbols outside it."""
    if _kind(estimator) != "discrete":
        return "not applicable: continuous estimator"
    params = estimator.get_params() if hasattr(estimator, "get_params") else None
    if params is None or "alphabet_size" not in params:
        return "not applicable: the estimator has no alphabet_size parameter"
    declared = type(estimator)(**{**params, "alphabet_size": 2})
    x = independent_discrete(200, 3, 2, rng=ctx.seed).x
    x[5] = 2
    return _expect_value_error(declared, x, np.zeros_like(x), "symbol 2 with alphabet_size=2")



#: The checks, in the order they run.
CHECKS: tuple[Callable[[Any, _Context], str], ...] = (
    check_fit_returns_self,
    check_input_not_modified,
    check_deterministic,
    check_refit_no_leak,
    check_consistency,
    check_zero_independent,
    check_conservation,
    check_di_le_mi,
    check_mi_symmetry,
    check_relabelling,
    check_bad_length,
    check_bad_nan,
    check_bad_symbols,
    check_bad_alphabet,
    check_hypothesis_cases,
    check_interval_coverage,
    check_null_calibration,
)


def _run_check(check: Callable[[Any, _Context], str], estimator: Any, ctx: _Context) -> CheckResult:
    started = time.perf_counter()
    skipped = False
    try:
        details = _named(check)(estimator, ctx)
        passed = True
    except CheckFailed as exc:
        details, passed = exc.evidence, False
    except CheckSkipped as exc:
        details, passed, skipped = exc.reason, True, True
    except Exception as exc:  # noqa: BLE001 - an estimator crash is a failed check, reported by name
        details, passed = f"raised {type(exc).__name__}: {' '.join(str(exc).split())}", False
    return CheckResult(check.__name__, passed, details, time.perf_counter() - started, skipped)


def _seed(rng: int | np.random.Generator | None) -> int:
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return int(rng)
    return int(np.random.default_rng(rng).integers(0, 2**31))


def check_estimator(
    estimator: Any,
    *,
    rng: int | np.random.Generator | None = 0,
    quick: bool = False,
    raise_on_failure: bool = True,
    checks: Sequence[str] | None = None,
) -> CheckReport:
    """Run the conformance checks on ``estimator`` and return a :class:`CheckReport`.

    Parameters
    ----------
    estimator : DIEstimator
        An unfitted estimator instance (it is copied, never modified).
    rng : int, Generator or None, default 0
        Seed of every random process used by the checks (an int makes the run
        reproducible).
    quick : bool, default False
        Halve the large sample sizes and draw fewer Hypothesis cases.
    raise_on_failure : bool, default True
        Raise :class:`EstimatorCheckFailed` (naming the failed checks) when any
        check fails; otherwise only return the report.
    checks : sequence of str, optional
        Run only the checks with these names.

    Examples
    --------
    >>> from dicert.verify.estimators import CTW
    >>> report = check_estimator(CTW(depth=2), quick=True, checks=["check_bad_nan", "check_conservation"])
    >>> [r.name for r in report.results], report.passed
    (['check_bad_nan', 'check_conservation'], True)
    """
    ctx = _Context(_seed(rng), bool(quick))
    selected = list(CHECKS)
    if checks is not None:
        known = {check.__name__: check for check in CHECKS}
        unknown = [name for name in checks if name not in known]
        if unknown:
            raise InvalidInput(f"checks: unknown check name(s) {unknown}, expected some of {sorted(known)}")
        selected = [known[name] for name in checks]
    report = CheckReport(repr(estimator), [_run_check(check, estimator, ctx) for check in selected])
    if raise_on_failure and not report.passed:
        raise EstimatorCheckFailed(report)
    return report


def _single_check(check: Callable[[Any, _Context], str], ctx: _Context, estimator: Any) -> None:
    result = _run_check(check, estimator, ctx)
    if result.skipped:
        import pytest

        pytest.skip(f"{result.name}: {result.details}")
    if not result.passed:
        raise CheckFailed(result.name, result.details)


def parametrize_with_checks(
    estimators: Sequence[Any], *, rng: int = 0, quick: bool = True, checks: Sequence[str] | None = None
) -> Any:
    """A ``pytest.mark.parametrize`` decorator with one case per (estimator, check).

    ``checks`` restricts the cases to the named checks. The decorated test
    receives ``estimator`` and ``check`` and calls
    ``check(estimator)``, which raises :class:`CheckFailed` with the evidence on
    failure and skips the test (with the reason) when the check cannot run.

    Examples
    --------
    >>> from dicert.verify.estimators import PlugIn
    >>> mark = parametrize_with_checks([PlugIn(order=1)])
    >>> mark.args[0], len(mark.args[1])
    ('estimator, check', 17)
    """
    import pytest

    ctx = _Context(int(rng), bool(quick))
    known = {check.__name__: check for check in CHECKS}
    unknown = [name for name in checks or () if name not in known]
    if unknown:
        raise InvalidInput(f"checks: unknown check name(s) {unknown}, expected some of {sorted(known)}")
    selected = list(CHECKS) if checks is None else [known[name] for name in checks]
    cases, ids = [], []
    for estimator in estimators:
        for check in selected:
            cases.append((estimator, functools.partial(_single_check, check, ctx)))
            ids.append(f"{estimator!r}-{check.__name__}")
    return pytest.mark.parametrize("estimator, check", cases, ids=ids)

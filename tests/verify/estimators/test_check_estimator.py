"""check_estimator: our estimators pass every check; broken estimators fail, naming the failed checks."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import ClassVar

import numpy as np
import pytest

from dicert.verify.errors import DicertError, InvalidInput
from dicert.verify.estimators import (
    CTW,
    KSG,
    CheckFailed,
    CheckReport,
    EstimatorCheckFailed,
    GaussianGranger,
    PlugIn,
    check_estimator,
    parametrize_with_checks,
)
from dicert.verify.estimators.check import CHECKS

SHIPPED = [
    PlugIn(order=1),
    CTW(depth=3, variant="I4"),
    KSG(k=4, history=1),
    GaussianGranger(order=2),
]
#: The other CTW variants share I4's interval and surrogate machinery: the two
#: statistical checks (the costly ones) run once, on I4, the rest on every variant.
CTW_VARIANTS = [CTW(depth=3, variant=v) for v in ("I1", "I2", "I3")]
STATISTICAL = {"check_interval_coverage", "check_null_calibration"}


@parametrize_with_checks(SHIPPED)
def test_shipped_estimators_pass_each_check(estimator, check) -> None:
    check(estimator)


@parametrize_with_checks(CTW_VARIANTS, checks=[c.__name__ for c in CHECKS if c.__name__ not in STATISTICAL])
def test_ctw_variants_pass_each_non_statistical_check(estimator, check) -> None:
    check(estimator)


class ConstantGuess:
    """Deliberately broken: ignores the data, adds noise, accepts anything, breaks conservation."""

    input_kind: ClassVar[str] = "discrete"

    def fit(self, x, y):
        rng = np.random.default_rng()
        self.di_rate_ = 0.3 + 0.01 * float(rng.random())
        self.reverse_di_rate_ = 0.2
        self.mi_rate_ = 0.1
        return self


class SwappedDirections:
    """Deliberately broken: reports I(DY -> X) as the DI rate and I(X -> Y) as the reverse rate."""

    input_kind: ClassVar[str] = "discrete"

    def __init__(self) -> None:
        self.inner = PlugIn(order=1)

    def fit(self, x, y):
        self.inner.fit(x, y)
        self.di_rate_ = self.inner.reverse_di_rate_
        self.reverse_di_rate_ = self.inner.di_rate_
        self.mi_rate_ = self.inner.mi_rate_
        return self


class MutualInformationAsDI:
    """A user's estimator that wraps ours through the protocol only (no get_params): correct."""

    input_kind: ClassVar[str] = "discrete"

    def fit(self, x, y):
        inner = CTW(depth=2).fit(x, y)
        self.di_rate_, self.reverse_di_rate_, self.mi_rate_ = inner.di_rate_, inner.reverse_di_rate_, inner.mi_rate_
        return self


def test_constant_estimator_fails_and_the_error_names_the_failed_checks() -> None:
    with pytest.raises(EstimatorCheckFailed) as caught:
        check_estimator(ConstantGuess(), quick=True)
    failed = set(caught.value.report.failed)
    expected = {
        "check_deterministic",
        "check_consistency",
        "check_zero_independent",
        "check_conservation",
        "check_di_le_mi",
        "check_bad_length",
        "check_bad_nan",
        "check_bad_symbols",
        "check_hypothesis_cases",
    }
    assert expected <= failed
    assert "check_fit_returns_self" not in failed
    message = str(caught.value)
    assert all(name in message for name in expected)
    assert isinstance(caught.value, DicertError) and isinstance(caught.value, AssertionError)


def test_swapped_directions_fail_consistency_but_pass_input_checks() -> None:
    report = check_estimator(SwappedDirections(), quick=True, raise_on_failure=False)
    assert not report.passed
    assert {"check_consistency", "check_hypothesis_cases"} <= set(report.failed)
    for name in ("check_bad_length", "check_bad_nan", "check_bad_symbols", "check_conservation", "check_zero_independent",
                 "check_refit_no_leak"):
        assert name not in report.failed
    assert "check_consistency" in str(report) and "FAIL" in str(report)


def test_protocol_only_user_estimator_passes_with_alphabet_check_not_applicable() -> None:
    report = check_estimator(MutualInformationAsDI(), quick=True)
    assert report.passed
    alphabet = next(r for r in report.results if r.name == "check_bad_alphabet")
    assert alphabet.details.startswith("not applicable")
    coverage = next(r for r in report.results if r.name == "check_interval_coverage")
    assert coverage.skipped and "no di_rate_ci_" in coverage.details
    assert "check_interval_coverage" in report.skipped and "SKIP" in str(report)


def test_full_run_of_one_estimator_lists_every_check() -> None:
    report = check_estimator(CTW(depth=2, variant="I1"), rng=3)
    assert isinstance(report, CheckReport) and report.passed
    assert [r.name for r in report.results] == [check.__name__ for check in CHECKS]


def test_check_selection_and_unknown_names() -> None:
    report = check_estimator(PlugIn(), checks=["check_bad_nan"], quick=True)
    assert [r.name for r in report.results] == ["check_bad_nan"]
    with pytest.raises(InvalidInput, match="^checks: unknown check name"):
        check_estimator(PlugIn(), checks=["check_everything"])


def test_check_estimator_is_reproducible_under_a_seed() -> None:
    first = check_estimator(CTW(depth=2), rng=11, quick=True, checks=["check_consistency"])
    second = check_estimator(CTW(depth=2), rng=11, quick=True, checks=["check_consistency"])
    assert first.results[0].details == second.results[0].details


# ---------------------------------------------------------------- deliberately broken estimators


class Biased(PlugIn):
    """Deliberately broken: adds 0.1 bit to the DI rate (and shifts its interval with it)."""

    def fit(self, x, y, z=None):
        super().fit(x, y, z)
        self.di_rate_ += 0.1
        self.mi_rate_ += 0.1
        self.di_rate_ci_ = (self.di_rate_ci_[0] + 0.1, self.di_rate_ci_[1] + 0.1)
        return self


class Leaky(PlugIn):
    """Deliberately broken: keeps the data of earlier fits and appends the new data to it."""

    def fit(self, x, y, z=None):
        old = getattr(self, "_memory", (np.zeros(0, int), np.zeros(0, int)))
        self._memory = (np.concatenate([old[0], np.asarray(x)]), np.concatenate([old[1], np.asarray(y)]))
        return super().fit(*self._memory)


class Constant(PlugIn):
    """Deliberately broken: fits (so input validation works) but reports fixed rates."""

    def fit(self, x, y, z=None):
        super().fit(x, y, z)
        self.di_rate_, self.reverse_di_rate_, self.mi_rate_ = 0.25, 0.05, 0.3
        self.di_rate_ci_, self.reverse_di_rate_ci_ = (0.2, 0.3), (0.0, 0.1)
        return self


class Swapped(PlugIn):
    """Deliberately broken: DI and reverse DI exchanged, intervals too."""

    def fit(self, x, y, z=None):
        super().fit(x, y, z)
        self.di_rate_, self.reverse_di_rate_ = self.reverse_di_rate_, self.di_rate_
        self.di_rate_ci_, self.reverse_di_rate_ci_ = self.reverse_di_rate_ci_, self.di_rate_ci_
        return self


#: broken estimator -> (checks to run, the check that must fail)
BROKEN = {
    "Biased": (["check_zero_independent", "check_interval_coverage"], {"check_zero_independent", "check_interval_coverage"}),
    "Leaky": (["check_deterministic", "check_refit_no_leak"], {"check_refit_no_leak"}),
    "Constant": (["check_consistency", "check_interval_coverage"], {"check_consistency", "check_interval_coverage"}),
    "Swapped": (["check_consistency", "check_interval_coverage"], {"check_consistency", "check_interval_coverage"}),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_each_broken_estimator_fails_its_named_check(name: str) -> None:
    checks, expected = BROKEN[name]
    estimator = globals()[name](order=1)
    report = check_estimator(estimator, quick=True, checks=checks, raise_on_failure=False)
    assert expected <= set(report.failed), str(report)
    with pytest.raises(CheckFailed) as caught:
        check = next(c for c in CHECKS if c.__name__ == sorted(expected)[0])
        from dicert.verify.estimators.check import _Context, _named

        _named(check)(estimator, _Context(0, True))
    assert caught.value.name == sorted(expected)[0] and caught.value.evidence


def test_broken_estimators_fail_the_same_checks_under_python_O() -> None:
    script = textwrap.dedent(
        f"""
        import json, sys
        sys.path.insert(0, {str(__import__("pathlib").Path(__file__).parent)!r})
        assert False, "asserts are live"  # stripped by -O: reaching the next line proves it
        import test_check_estimator as t
        from dicert.verify.estimators import check_estimator
        out = {{"debug": __debug__}}
        for name, (checks, _) in t.BROKEN.items():
            report = check_estimator(getattr(t, name)(order=1), quick=True, checks=checks, raise_on_failure=False)
            out[name] = report.failed
        print(json.dumps(out))
        """
    )
    done = subprocess.run([sys.executable, "-O", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result.pop("debug") is False
    for name, (_, expected) in BROKEN.items():
        assert expected <= set(result[name]), (name, result[name])


def test_missing_hypothesis_skips_that_check_with_the_reason(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "hypothesis", None)  # import hypothesis -> ImportError
    report = check_estimator(PlugIn(order=1), quick=True, checks=["check_hypothesis_cases", "check_bad_nan"])
    assert report.passed and report.skipped == ["check_hypothesis_cases"]
    assert "Hypothesis is not installed" in report.results[0].details

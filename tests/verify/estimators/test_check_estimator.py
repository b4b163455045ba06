"""check_estimator: our estimators pass every check; broken estimators fail, naming the failed checks."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from dicert.verify.errors import DicertError
from dicert.verify.estimators import (
    CTW,
    KSG,
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
    CTW(depth=3, variant="I1"),
    CTW(depth=3, variant="I2"),
    CTW(depth=3, variant="I3"),
    CTW(depth=3, variant="I4"),
    KSG(k=4, history=1),
    GaussianGranger(order=2),
]


@parametrize_with_checks(SHIPPED)
def test_shipped_estimators_pass_each_check(estimator, check) -> None:
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
    for name in ("check_bad_length", "check_bad_nan", "check_bad_symbols", "check_conservation", "check_zero_independent"):
        assert name not in report.failed
    assert "check_consistency" in str(report) and "FAIL" in str(report)


def test_protocol_only_user_estimator_passes_with_alphabet_check_not_applicable() -> None:
    report = check_estimator(MutualInformationAsDI(), quick=True)
    assert report.passed
    alphabet = next(r for r in report.results if r.name == "check_bad_alphabet")
    assert alphabet.details.startswith("not applicable")


def test_full_run_of_one_estimator_lists_every_check() -> None:
    report = check_estimator(CTW(depth=2, variant="I1"), rng=3)
    assert isinstance(report, CheckReport) and report.passed
    assert [r.name for r in report.results] == [check.__name__ for check in CHECKS]


def test_check_selection_and_unknown_names() -> None:
    report = check_estimator(PlugIn(), checks=["check_bad_nan"], quick=True)
    assert [r.name for r in report.results] == ["check_bad_nan"]
    with pytest.raises(DicertError, match="^checks: unknown check name"):
        check_estimator(PlugIn(), checks=["check_everything"])


def test_check_estimator_is_reproducible_under_a_seed() -> None:
    first = check_estimator(CTW(depth=2), rng=11, quick=True, checks=["check_consistency"])
    second = check_estimator(CTW(depth=2), rng=11, quick=True, checks=["check_consistency"])
    assert first.results[0].details == second.results[0].details

"""DINE (monograph 3.2, (3.7)-(3.10)) on processes with known DI rates."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

jax = pytest.importorskip("jax")

from dicert.verify.errors import DicertError, InvalidInput  # noqa: E402
from dicert.verify.estimators import check_estimator  # noqa: E402
from dicert.verify.neural import DINE, MissingExtra  # noqa: E402
from dicert.verify.processes import (  # noqa: E402
    bsc_delay,
    feedback_xor,
    gaussian_var1,
    independent_gaussian,
)

N = 2000  # one padded size (2048 positions): one compilation per input kind (steps are not compiled in)
TOLERANCE = 0.05  # bits, on DI and on reverse DI

CONTINUOUS = {
    "var1_x_drives_y": lambda: gaussian_var1(N, [[0.0, 0.0], [0.8, 0.5]], np.eye(2), rng=1),
    "var1_feedback_correlated_noise": lambda: gaussian_var1(
        N, [[0.0, 0.6], [0.0, 0.42]], [[1.0, 0.7], [0.7, 1.49]], rng=1
    ),
    "independent_ar1": lambda: independent_gaussian(N, rng=1),
}
DISCRETE = {
    "bsc_delay": lambda: bsc_delay(N, p=0.1, delay=1, rng=2),
    "feedback_xor": lambda: feedback_xor(N, p=0.1, r=0.2, delay=0, rng=2),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CONTINUOUS))
def test_dine_continuous_rates_within_tolerance_of_exact_var1_rates(name: str) -> None:
    sample = CONTINUOUS[name]()
    est = DINE().fit(sample.x, sample.y)
    assert abs(est.di_rate_ - sample.di_rate) < TOLERANCE, (est.di_rate_, sample.di_rate)
    assert abs(est.reverse_di_rate_ - sample.reverse_di_rate) < TOLERANCE, (est.reverse_di_rate_, sample.reverse_di_rate)
    assert est.mi_rate_ == est.di_rate_ + est.reverse_di_rate_


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(DISCRETE))
def test_dine_discrete_rates_within_tolerance_of_exact_rates(name: str) -> None:
    sample = DISCRETE[name]()
    est = DINE(input_kind="discrete").fit(sample.x, sample.y)
    assert abs(est.di_rate_ - sample.di_rate) < TOLERANCE, (est.di_rate_, sample.di_rate)
    assert abs(est.reverse_di_rate_ - sample.reverse_di_rate) < TOLERANCE, (est.reverse_di_rate_, sample.reverse_di_rate)


def test_dine_is_deterministic_under_a_seed_and_records_training_curves() -> None:
    sample = bsc_delay(N, p=0.1, rng=0)
    first = DINE(input_kind="discrete", steps=60).fit(sample.x, sample.y)
    second = DINE(input_kind="discrete", steps=60).fit(sample.x, sample.y)
    other = DINE(input_kind="discrete", steps=60).fit(sample.x, sample.y, rng=7)
    assert (first.di_rate_, first.reverse_di_rate_) == (second.di_rate_, second.reverse_di_rate_)
    np.testing.assert_array_equal(first.history_["di_rate"], second.history_["di_rate"])
    assert first.di_rate_ != other.di_rate_
    assert first.history_["di_rate"].shape == (60,) and first.history_["reverse_di_rate"].shape == (60,)
    assert first.n_steps_ == N - first.memory
    assert set(first.divergences_) == {"y|xy", "y|y", "x|xy", "x|x"}
    nats = DINE(input_kind="discrete", steps=60, base="e").fit(sample.x, sample.y)
    assert nats.di_rate_ == pytest.approx(first.di_rate_ * np.log(2), rel=1e-6)
    assert all(25 <= step <= 60 for step in first.stopped_at_.values())
    no_stopping = DINE(input_kind="discrete", steps=60, validation_fraction=0).fit(sample.x, sample.y)
    assert set(no_stopping.stopped_at_.values()) == {60}


def test_dine_discrete_estimate_does_not_depend_on_symbol_names() -> None:
    sample = feedback_xor(N, p=0.1, r=0.2, rng=0)
    base = DINE(input_kind="discrete", steps=60).fit(sample.x, sample.y)
    renamed = DINE(input_kind="discrete", steps=60).fit(7 - 5 * sample.x, 3 + sample.y)
    assert (base.di_rate_, base.reverse_di_rate_) == (renamed.di_rate_, renamed.reverse_di_rate_)


@pytest.mark.slow
def test_dine_passes_check_estimator_conformance_checks_quick() -> None:
    checks = [
        "check_fit_returns_self",
        "check_input_not_modified",
        "check_deterministic",
        "check_conservation",
        "check_relabelling",
        "check_bad_length",
        "check_bad_nan",
        "check_bad_symbols",
        "check_bad_alphabet",
    ]
    report = check_estimator(DINE(steps=150), quick=True, checks=checks, raise_on_failure=False)
    assert report.passed, str(report)


def test_bad_inputs_raise_one_line_errors_naming_the_field() -> None:
    with pytest.raises(InvalidInput, match="y: length"):
        DINE().fit(np.zeros(50), np.zeros(40))
    x = np.zeros(50)
    x[3] = np.nan
    with pytest.raises(InvalidInput, match="x: non-finite"):
        DINE().fit(x, np.zeros(50))
    with pytest.raises(InvalidInput, match="x: non-integer symbol"):
        DINE(input_kind="discrete").fit(np.full(50, 0.5), np.zeros(50))
    with pytest.raises(InvalidInput, match="y: symbol 2"):
        DINE(input_kind="discrete", alphabet_size=2).fit(np.zeros(50, int), np.full(50, 2))
    with pytest.raises(InvalidInput, match="x: length 5 is too short"):
        DINE(memory=4).fit(np.zeros(5), np.zeros(5))
    with pytest.raises(InvalidInput, match="x: expected a one-dimensional"):
        DINE().fit(np.zeros((50, 2)), np.zeros((50, 2)))
    for kwargs, field in [
        ({"input_kind": "binary"}, "input_kind"),
        ({"memory": 0}, "memory"),
        ({"steps": 1.5}, "steps"),
        ({"learning_rate": -1.0}, "learning_rate"),
        ({"batch_size": 0}, "batch_size"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"base": 1}, "base"),
        ({"seed": -3}, "seed"),
    ]:
        with pytest.raises(InvalidInput, match=f"^{field}:"):
            DINE(**kwargs)


def test_missing_jax_raises_missing_extra_naming_the_pip_extra() -> None:
    code = (
        "import sys; sys.modules['jax'] = None\n"
        "try:\n    import dicert.verify.neural\n"
        "except ImportError as exc:\n    print(type(exc).__name__, '|', exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.startswith("MissingExtra |") and 'pip install "dicert[neural]"' in out, out
    assert issubclass(MissingExtra, DicertError) and issubclass(MissingExtra, ImportError)

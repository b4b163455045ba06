"""KSG kNN estimator (3.1.6) and the Gaussian Granger baseline (2.5.2) against exact VAR(1) rates."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dicert.verify.errors import InvalidInput
from dicert.verify.estimators import KSG, GaussianGranger
from dicert.verify.estimators.ksg import ksg_conditional_mutual_information
from dicert.verify.processes import bsc_delay, gaussian_var1, independent_gaussian

#: VAR(1) processes whose joint process and both marginals are first-order Markov.
ONE_WAY = ([[0.0, 0.0], [0.8, 0.5]], np.eye(2))  # X i.i.d. drives Y
LOOP = ([[0.0, 0.6], [0.0, 0.42]], [[1.0, 0.7], [0.7, 1.49]])  # X_t = .6 Y_{t-1} + E, Y_t = .7 X_t + E'


@pytest.mark.slow
@pytest.mark.parametrize("process", [ONE_WAY, LOOP], ids=["one_way", "instantaneous_loop"])
def test_ksg_within_10_percent_of_var1_di_rate_at_n_2e4(process) -> None:
    """Done-when: KSG on Gaussian VAR(1) processes within 10% of the analytic DI rate, n = 2e4."""
    sample = gaussian_var1(20_000, *process, rng=77)
    est = KSG(k=4, history=1).fit(sample.x, sample.y)
    assert abs(est.di_rate_ - sample.di_rate) <= 0.1 * sample.di_rate
    assert abs(est.reverse_di_rate_ - sample.reverse_di_rate) <= max(0.1 * sample.reverse_di_rate, 0.01)


def test_ksg_mutual_information_of_correlated_gaussians() -> None:
    rng = np.random.default_rng(1)
    z = rng.standard_normal((4000, 2))
    rho = 0.6
    a, b = z[:, :1], rho * z[:, :1] + math.sqrt(1 - rho**2) * z[:, 1:]
    est = ksg_conditional_mutual_information(a, b, np.zeros((4000, 0)), k=4).mean()
    assert est == pytest.approx(-0.5 * math.log(1 - rho**2), abs=0.03)


def test_ksg_conditional_mutual_information_of_gaussian_chain() -> None:
    """A -> C -> B Markov chain: I(A; B | C) = 0 while I(A; B) > 0."""
    rng = np.random.default_rng(2)
    a = rng.standard_normal((3000, 1))
    c = a + 0.5 * rng.standard_normal((3000, 1))
    b = c + 0.5 * rng.standard_normal((3000, 1))
    assert abs(ksg_conditional_mutual_information(a, b, c, k=5).mean()) < 0.03
    assert ksg_conditional_mutual_information(a, b, np.zeros((3000, 0)), k=5).mean() > 0.5


def test_ksg_is_invariant_to_units_of_each_series() -> None:
    sample = gaussian_var1(1500, *LOOP, rng=3)
    base = KSG().fit(sample.x, sample.y)
    scaled = KSG().fit(1e3 * sample.x - 7.0, 0.01 * sample.y + 2.0)
    assert scaled.di_rate_ == pytest.approx(base.di_rate_, abs=1e-9)
    assert scaled.reverse_di_rate_ == pytest.approx(base.reverse_di_rate_, abs=1e-9)


def test_ksg_near_zero_on_independent_processes() -> None:
    sample = independent_gaussian(4000, rng=4)
    est = KSG(k=6).fit(sample.x, sample.y)
    assert abs(est.di_rate_) < 0.03 and abs(est.reverse_di_rate_) < 0.03


def test_ksg_refuses_bad_parameters_and_data() -> None:
    with pytest.raises(InvalidInput, match="^k: expected"):
        KSG(k=0)
    with pytest.raises(InvalidInput, match="^history: expected"):
        KSG(history=0)
    with pytest.raises(InvalidInput, match="^x: length 5 is too short"):
        KSG(k=4).fit(np.arange(5.0), np.arange(5.0))
    with pytest.raises(InvalidInput, match="^x: non-finite value nan"):
        KSG().fit(np.array([0.0, np.nan] * 10), np.zeros(20))


def test_granger_matches_exact_rates_of_general_var1() -> None:
    """Y is ARMA(2, 1) here; a long autoregression recovers the exact spectral-factorisation rate."""
    sample = gaussian_var1(40_000, [[0.5, 0.3], [0.6, 0.2]], [[1.0, 0.4], [0.4, 1.5]], rng=5)
    est = GaussianGranger(order=6).fit(sample.x, sample.y)
    assert est.di_rate_ == pytest.approx(sample.di_rate, abs=0.01)
    assert est.reverse_di_rate_ == pytest.approx(sample.reverse_di_rate, abs=0.01)


def test_granger_increments_average_to_the_log_variance_ratio() -> None:
    sample = gaussian_var1(3000, *ONE_WAY, rng=6)
    est = GaussianGranger(order=2, base="e").fit(sample.x, sample.y)
    assert est.di_rate_ == pytest.approx(float(est.di_increments_.mean()), abs=1e-12)
    assert est.mi_rate_ == pytest.approx(est.di_rate_ + est.reverse_di_rate_, abs=1e-15)
    bits = GaussianGranger(order=2).fit(sample.x, sample.y)
    assert bits.di_rate_ == pytest.approx(est.di_rate_ / math.log(2), rel=1e-12)


def test_granger_refuses_bad_parameters() -> None:
    with pytest.raises(InvalidInput, match="^order: expected"):
        GaussianGranger(order=0)
    with pytest.raises(InvalidInput, match="^base: expected"):
        GaussianGranger(base="ten")


def test_ksg_refuses_discrete_data_and_names_the_right_estimators() -> None:
    sample = bsc_delay(2000, p=0.1, rng=0)
    with pytest.raises(InvalidInput, match=r"^x: 2 distinct values in 2000 samples \(100% ties\).*use PlugIn or CTW"):
        KSG().fit(sample.x.astype(float), sample.y.astype(float))


def test_ksg_warns_on_a_few_ties() -> None:
    sample = gaussian_var1(800, [[0.0, 0.0], [0.8, 0.5]], rng=1)
    x = sample.x.copy()
    x[:10] = x[10]
    with pytest.warns(UserWarning, match="x: 10 tied values"):
        KSG().fit(x, sample.y)


def test_ksg_conditional_di_given_the_common_driver_is_near_zero() -> None:
    rng = np.random.default_rng(2)
    z = rng.normal(size=3001)
    x = z[:-1] + 0.3 * rng.normal(size=3000)  # X_t and Y_t both driven by Z_t
    y = z[:-1] + 0.3 * rng.normal(size=3000)
    plain = KSG(history=1).fit(x, y)
    given = KSG(history=1).fit(x, y, z=z[:-1])
    assert plain.di_rate_ > 0.5
    assert abs(given.di_rate_) < 0.05 and given.di_rate_ci_[0] <= 0.0 <= given.di_rate_ci_[1]


def test_ksg_progress_reports_monotone_units_ending_at_total_and_workers_do_not_change_the_estimate():
    from dicert.verify.processes import gaussian_var1

    s = gaussian_var1(1200, [[0.0, 0.0], [0.8, 0.5]], rng=3)
    calls: list[tuple[int, int]] = []
    one = KSG(k=4, history=1).fit(s.x, s.y, progress=lambda done, total: calls.append((done, total)))
    # 20 units per full-sample CMI pair, 20 blocks at history m and 20 at m + 1 (the truncation allowance)
    assert calls[-1] == (60, 60) and all(a[0] <= b[0] for a, b in zip(calls, calls[1:]))
    two = KSG(k=4, history=1, workers=2).fit(s.x, s.y)
    assert (one.di_rate_, one.di_rate_ci_) == (two.di_rate_, two.di_rate_ci_)
    with pytest.raises(InvalidInput, match="workers"):
        KSG(workers=0)

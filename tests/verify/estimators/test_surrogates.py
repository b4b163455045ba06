"""Surrogate significance tests and interval helpers: +1-corrected p-values, seeds, surrogate methods."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dicert.verify.errors import InvalidInput
from dicert.verify.estimators import CTW, KSG, GaussianGranger, PlugIn, surrogate_test
from dicert.verify.estimators.intervals import batch_means_se, likelihood_ratio_interval, span_interval
from dicert.verify.estimators.surrogates import block_length, block_shuffle, circular_shift, iaaft
from dicert.verify.processes import bsc_delay, gaussian_var1, independent_discrete


def test_p_value_is_plus_one_corrected_and_reaches_its_floor_on_strong_dependence() -> None:
    sample = bsc_delay(1500, p=0.05, rng=0)
    result = PlugIn(order=1).fit(sample.x, sample.y).test(19)
    assert result.di_p_value == pytest.approx(1 / 20)  # no surrogate reaches the observed DI
    assert result.reverse_di_p_value > 0.05 and len(result.surrogate_di_rates) == 19
    assert result.as_dict()["n_surrogates"] == 19


def test_surrogate_test_depends_on_the_seed_only_not_on_n_jobs() -> None:
    sample = independent_discrete(400, 2, 2, stay=0.6, rng=1)
    serial = surrogate_test(PlugIn(order=1), sample.x, sample.y, n_surrogates=6, rng=5)
    parallel = surrogate_test(PlugIn(order=1), sample.x, sample.y, n_surrogates=6, rng=5, n_jobs=2)
    again = surrogate_test(PlugIn(order=1), sample.x, sample.y, n_surrogates=6, rng=5)
    assert serial.surrogate_di_rates == parallel.surrogate_di_rates == again.surrogate_di_rates
    other = surrogate_test(PlugIn(order=1), sample.x, sample.y, n_surrogates=6, rng=6)
    assert other.surrogate_di_rates != serial.surrogate_di_rates


def test_surrogates_keep_each_series_values_and_iaaft_keeps_the_spectrum_roughly() -> None:
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.normal(size=512)) * 0.1 + rng.normal(size=512)
    for surrogate in (circular_shift(x, rng), block_shuffle(x, rng), iaaft(x, rng)):
        assert np.array_equal(np.sort(surrogate), np.sort(x))
    spectrum = np.abs(np.fft.rfft(x))
    shaped = np.abs(np.fft.rfft(iaaft(x, np.random.default_rng(1))))
    shuffled = np.abs(np.fft.rfft(rng.permutation(x)))
    assert np.linalg.norm(shaped - spectrum) < 0.5 * np.linalg.norm(shuffled - spectrum)
    assert block_length(np.repeat(rng.normal(size=100), 10)) >= 10  # long correlation -> long blocks


def test_iaaft_surrogate_test_on_continuous_data_and_refusals() -> None:
    sample = gaussian_var1(600, [[0.0, 0.0], [0.8, 0.5]], rng=2)
    result = GaussianGranger(order=1).fit(sample.x, sample.y).test(9, method="iaaft")
    assert result.di_p_value == pytest.approx(0.1) and result.method == "iaaft"
    discrete = bsc_delay(300, p=0.1, rng=0)
    with pytest.raises(InvalidInput, match="^method: 'iaaft' needs continuous data"):
        surrogate_test(CTW(depth=1), discrete.x, discrete.y, n_surrogates=3, method="iaaft")
    with pytest.raises(InvalidInput, match="^method: expected one of shift, block, iaaft"):
        surrogate_test(CTW(depth=1), discrete.x, discrete.y, n_surrogates=3, method="phase")
    with pytest.raises(InvalidInput, match="^n_surrogates: expected an integer >= 1"):
        surrogate_test(CTW(depth=1), discrete.x, discrete.y, n_surrogates=0)
    with pytest.raises(InvalidInput, match="^estimator: not fitted"):
        KSG().test(5)


def test_likelihood_ratio_interval_covers_zero_with_the_chi_square_probability() -> None:
    # 2 n I ~ chi2(df) at rate 0: the interval must contain 0 in about 95% of draws
    rng = np.random.default_rng(0)
    n, df = 10_000, 3
    draws = rng.chisquare(df, size=4000) / (2 * n)
    covered = [lo <= 0 <= hi for lo, hi in (likelihood_ratio_interval(d, 1e-9, df, n) for d in draws)]
    assert 0.93 <= np.mean(covered) <= 0.97
    assert likelihood_ratio_interval(0.1, math.inf, 1, 100) == (-math.inf, math.inf)


def test_span_interval_contains_every_estimate_and_batch_means_se_scales_like_one_over_sqrt_n() -> None:
    lo, hi = span_interval([0.3, 0.1, 0.2], se=0.01)
    assert lo < 0.1 and hi > 0.3
    rng = np.random.default_rng(3)
    small, large = batch_means_se(rng.normal(size=2500)), batch_means_se(rng.normal(size=40_000))
    assert 3.0 < small / large < 5.5

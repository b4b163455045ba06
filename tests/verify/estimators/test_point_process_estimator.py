"""Point-process GLM estimator with MDL order selection (3.1.4, (3.1)-(3.2)) and the parametric ML estimator (3.1.3)."""

from __future__ import annotations

import numpy as np
import pytest

from dicert.verify.errors import InvalidInput
from dicert.verify.estimators import PlugIn, check_estimator
from dicert.verify.estimators.markov_ml import MarkovML
from dicert.verify.estimators.point_process import PointProcessGLM, coupled_spike_trains
from dicert.verify.processes import bsc_delay, independent_discrete


def test_point_process_glm_passes_check_estimator():
    report = check_estimator(PointProcessGLM(max_history=1, max_lags=2), quick=True, rng=3)
    assert report.passed, str(report)


def test_markov_ml_passes_check_estimator():
    report = check_estimator(MarkovML(y_order=1, x_order=2), quick=True, rng=4)
    assert report.passed, str(report)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_point_process_glm_recovers_the_direction_of_spike_train_coupling(seed):
    x, y = coupled_spike_trains(5000, drive=2.5, delay=1, rng=seed)
    forward = PointProcessGLM().fit(x, y)
    assert forward.di_rate_ > 0.03 and forward.reverse_di_rate_ == 0.0
    assert forward.orders_["forward"][1] >= 2            # x_{i-1} is in the selected intensity
    assert forward.orders_["reverse"][1] == 0            # K_hat = 0: no causal effect of Y on X
    backward = PointProcessGLM().fit(y, x)               # the same trains, roles swapped
    assert backward.di_rate_ == 0.0 and backward.reverse_di_rate_ > 0.03


def test_mdl_selects_the_stimulus_lag_of_the_generating_glm():
    x, y = coupled_spike_trains(8000, drive=3.0, delay=2, refractory=-2.0, rng=7)
    est = PointProcessGLM(max_history=2, max_lags=4).fit(x, y)
    j, k = est.orders_["forward"]
    assert k == 3 and j >= 1                             # lags x_i, x_{i-1}, x_{i-2}; spike history for refractoriness
    assert est.mdl_["forward"][(j, k)] == min(est.mdl_["forward"].values())


def test_independent_trains_give_exactly_zero_by_order_selection():
    sample = independent_discrete(4000, 2, 2, stay=0.6, rng=5)
    est = PointProcessGLM().fit(sample.x, sample.y)
    assert est.di_rate_ == 0.0 and est.reverse_di_rate_ == 0.0
    assert est.orders_["forward"][1] == 0 and est.orders_["marginal"] == 1


def test_poisson_link_recovers_the_direction_on_spike_counts():
    gen = np.random.default_rng(2)
    x = gen.poisson(0.3, 6000)
    y = gen.poisson(0.05 * np.exp(1.2 * np.minimum(np.roll(x, 1), 3)))
    y[0] = 0
    est = PointProcessGLM(link="log").fit(x, y)
    assert est.di_rate_ > 0.02 and est.reverse_di_rate_ == 0.0
    with pytest.raises(InvalidInput, match="spike count"):
        PointProcessGLM(link="log").fit(-x, y)


def test_saturated_markov_ml_is_the_plug_in_estimate():
    sample = bsc_delay(6000, p=0.15, delay=1, rng=1)
    ml = MarkovML(y_order=1, x_order=2, terms="full").fit(sample.x, sample.y)
    plug = PlugIn(order=1).fit(sample.x, sample.y)
    assert ml.di_rate_ == pytest.approx(plug.di_rate_, abs=2e-3)
    assert ml.fisher_positive_definite_


def test_main_effects_ml_is_accurate_with_a_positive_definite_fisher_information():
    sample = bsc_delay(6000, p=0.1, delay=1, rng=3)
    ml = MarkovML(y_order=1, x_order=2).fit(sample.x, sample.y)
    assert abs(ml.di_rate_ - sample.di_rate) < 0.03
    assert ml.fisher_positive_definite_ and np.all(np.linalg.eigvalsh(ml.fisher_information_) > 0)


def test_bad_parameters_are_refused_with_the_parameter_named():
    with pytest.raises(InvalidInput, match="link"):
        PointProcessGLM(link="probit")
    with pytest.raises(InvalidInput, match="max_lags"):
        PointProcessGLM(max_lags=-1)
    with pytest.raises(InvalidInput, match="terms"):
        MarkovML(terms="pairs")

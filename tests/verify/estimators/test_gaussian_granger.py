"""GaussianGranger: DI index (with X_t) versus the strict-past Granger index, and conditioning on Z."""

from __future__ import annotations

import numpy as np
import pytest

from dicert.verify.estimators import GaussianGranger
from dicert.verify.processes import gaussian_var1


def test_instantaneous_coupling_is_di_but_not_granger_causality() -> None:
    sample = gaussian_var1(6000, [[0.0, 0.0], [0.0, 0.5]], [[1.0, 0.8], [0.8, 1.0]], rng=0)
    est = GaussianGranger(order=1).fit(sample.x, sample.y)
    assert est.di_rate_ == pytest.approx(sample.di_rate, abs=0.03) and est.di_rate_ > 0.3
    assert abs(est.granger_index_) < 0.005
    assert est.granger_index_ci_[0] <= 0.0 <= est.granger_index_ci_[1]


def test_lagged_coupling_shows_in_both_indices() -> None:
    sample = gaussian_var1(6000, [[0.0, 0.0], [0.8, 0.5]], np.eye(2), rng=1)
    est = GaussianGranger(order=1).fit(sample.x, sample.y)
    assert est.granger_index_ == pytest.approx(sample.di_rate, abs=0.03)  # no instantaneous term here
    assert est.di_rate_ == pytest.approx(est.granger_index_, abs=0.01)


def test_conditional_indices_given_a_common_driver_vanish() -> None:
    rng = np.random.default_rng(3)
    n = 6000
    z = rng.normal(size=n)
    x = np.concatenate([[0.0], z[:-1]]) + 0.5 * rng.normal(size=n)  # both copy Z_{t-1}
    y = np.concatenate([[0.0], z[:-1]]) + 0.5 * rng.normal(size=n)
    plain = GaussianGranger(order=1).fit(x, y)
    given = GaussianGranger(order=1).fit(x, y, z=z)
    assert plain.di_rate_ > 0.2
    assert abs(given.di_rate_) < 0.005 and abs(given.granger_index_) < 0.005
    assert given.di_rate_ci_[0] <= 0.0 and given.di_rate_ci_[1] < 0.005

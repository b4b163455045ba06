"""Truncation allowance of the continuous estimators (monograph 3.1.2): intervals cover a non-Markov Y.

On the coupled VAR(1) ``A = [[0.3, 0.5], [0.6, 0.2]]`` neither marginal is Markov of order 1: the
truncated DI at history 1 is 0.321 (reverse 0.243) bits against the rates 0.235 (0.166). Without the
allowance the history-1 intervals exclude the truth (issue 15); with it they contain it.
"""

from __future__ import annotations

import numpy as np
import pytest

from dicert.verify.errors import InvalidInput
from dicert.verify.estimators import KSG, GaussianGranger
from dicert.verify.processes import gaussian_var1

COUPLED = [[0.3, 0.5], [0.6, 0.2]]


def _covers(est, sample) -> tuple[bool, bool]:
    (lo, hi), (rlo, rhi) = est.di_rate_ci_, est.reverse_di_rate_ci_
    return bool(lo <= sample.di_rate <= hi), bool(rlo <= sample.reverse_di_rate <= rhi)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(
    "make",
    [lambda flag: KSG(k=4, history=1, truncation_allowance=flag), lambda flag: GaussianGranger(order=1, truncation_allowance=flag)],
    ids=["KSG", "GaussianGranger"],
)
def test_history_one_intervals_cover_the_rates_of_a_non_markov_marginal_only_with_the_allowance(make, seed):
    sample = gaussian_var1(3000, COUPLED, np.eye(2), rng=seed)
    without = make(False).fit(sample.x, sample.y)
    assert _covers(without, sample) == (False, False)
    assert without.truncation_allowance_ is None
    fitted = make(True).fit(sample.x, sample.y)
    assert _covers(fitted, sample) == (True, True)
    assert (fitted.di_rate_, fitted.reverse_di_rate_) == (without.di_rate_, without.reverse_di_rate_)  # same centre
    assert "truncation allowance, 3.1.2" in fitted.ci_method_
    for (lo, hi), (lo0, hi0), extra in zip(
        (fitted.di_rate_ci_, fitted.reverse_di_rate_ci_),
        (without.di_rate_ci_, without.reverse_di_rate_ci_),
        fitted.truncation_allowance_,
    ):
        assert extra > 0.05 and lo == pytest.approx(lo0 - extra) and hi == pytest.approx(hi0 + extra)


def test_gaussian_allowance_is_twice_the_change_of_the_centred_estimate_from_order_p_to_p_plus_1():
    sample = gaussian_var1(4000, [[0.5, 0.6], [-0.6, 0.5]], np.eye(2), rng=2)
    p = 2
    at_p = GaussianGranger(order=p, base="e", truncation_allowance=False).fit(sample.x, sample.y)
    at_next = GaussianGranger(order=p + 1, base="e", truncation_allowance=False).fit(sample.x, sample.y)
    fitted = GaussianGranger(order=p, base="e").fit(sample.x, sample.y)
    m, m_next = at_p.n_steps_, at_next.n_steps_
    expected_di = 2 * abs((at_next.di_rate_ - (p + 2) / (2 * m_next)) - (at_p.di_rate_ - (p + 1) / (2 * m)))
    expected_rev = 2 * abs((at_next.reverse_di_rate_ - (p + 1) / (2 * m_next)) - (at_p.reverse_di_rate_ - p / (2 * m)))
    assert fitted.truncation_allowance_ == pytest.approx((expected_di, expected_rev), rel=1e-9)
    assert fitted.granger_index_ci_[1] - fitted.granger_index_ci_[0] == pytest.approx(
        at_p.granger_index_ci_[1] - at_p.granger_index_ci_[0] + 2 * fitted.granger_truncation_allowance_
    )


def test_allowance_is_small_where_the_history_is_enough():
    sample = gaussian_var1(4000, [[0.0, 0.0], [0.8, 0.5]], np.eye(2), rng=0)  # Markov of order 1 jointly and marginally
    fitted = GaussianGranger(order=1).fit(sample.x, sample.y)
    assert max(fitted.truncation_allowance_) < 0.01
    ksg = KSG(k=4, history=1).fit(sample.x, sample.y)
    (di_now, di_next), _ = ksg.history_rates_
    assert ksg.truncation_allowance_[0] == pytest.approx(2 * abs(di_next - di_now))
    assert ksg.truncation_allowance_[0] < 0.2


@pytest.mark.parametrize("cls", [KSG, GaussianGranger])
def test_truncation_allowance_flag_must_be_a_bool(cls):
    with pytest.raises(InvalidInput, match="truncation_allowance: expected True or False"):
        cls(truncation_allowance=1)


@pytest.mark.parametrize("rows_cap", [None, 3, 0.5])  # all 10 blocks, the first 3 blocks, half of block 0
def test_ksg_allowance_compares_both_histories_on_the_same_rows(rows_cap):
    from dicert.verify.estimators.ksg import _cmi_parts, _standardise, ksg_conditional_mutual_information

    sample = gaussian_var1(1500, COUPLED, np.eye(2), rng=4)
    xs, ys = _standardise(sample.x), _standardise(sample.y)
    size = (sample.x.size - 1) // 10
    if rows_cap is None:
        cls, used, chunk = KSG, 10, size
    else:
        rows = int(rows_cap * size)
        cls = type("CappedKSG", (KSG,), {"allowance_rows": rows})
        used, chunk = (max(1, rows // size), size) if rows >= size else (1, rows)
    fitted = cls(k=4, history=1, base="e").fit(sample.x, sample.y)
    for i, pair in enumerate(fitted.history_rates_):
        expected = []
        for history in (1, 2):
            parts = _cmi_parts(xs, ys, None, history)[i]
            expected.append(np.mean([
                ksg_conditional_mutual_information(*(v[b * size : b * size + chunk] for v in parts)).mean()
                for b in range(used)
            ]))
        assert pair == pytest.approx(tuple(expected), abs=1e-12)
        assert fitted.truncation_allowance_[i] == pytest.approx(2 * abs(expected[1] - expected[0]))


def test_gaussian_auto_order_grows_with_slower_truncation_and_its_interval_covers_the_rates():
    orders = {}
    for name, coefficients in (("x->y", [[0.0, 0.0], [0.8, 0.5]]), ("rotation", [[0.5, 0.6], [-0.6, 0.5]])):
        sample = gaussian_var1(6000, coefficients, np.eye(2), rng=1)
        fitted = GaussianGranger(order="auto").fit(sample.x, sample.y)
        orders[name] = fitted.order_
        assert _covers(fitted, sample) == (True, True)
        assert fitted.get_params()["order"] == "auto"
    assert orders["x->y"] == 1 and orders["rotation"] >= 3
    with pytest.raises(InvalidInput, match="order"):
        GaussianGranger(order="best")

"""Plug-in estimator (3.1.1): equals empirical conditional entropies computed independently (Counter, dit)."""

from __future__ import annotations

import math
from collections import Counter

import dit
import numpy as np
import pytest
from dit.multivariate import coinformation
from hypothesis import given
from hypothesis import strategies as st

from dicert.verify.errors import InvalidInput
from dicert.verify.estimators import PlugIn
from dicert.verify.processes import bsc_delay, feedback_xor, independent_discrete


def _conditional_entropy(rows: list[tuple], target: int) -> float:
    """Empirical H(row[target] | other entries of the row), bits, from Counter."""
    joint = Counter(rows)
    context = Counter(tuple(v for i, v in enumerate(row) if i != target) for row in rows)
    n = len(rows)
    return -sum(c / n * math.log2(c / context[tuple(v for i, v in enumerate(row) if i != target)]) for row, c in joint.items())


def _windows(x: np.ndarray, y: np.ndarray, k: int) -> tuple[list, list, list, list]:
    n = x.size
    xp = [tuple(x[t - k : t]) for t in range(k, n)]
    yp = [tuple(y[t - k : t]) for t in range(k, n)]
    xs, ys = x[k:].tolist(), y[k:].tolist()
    return xp, yp, xs, ys


@st.composite
def _pairs(draw):
    n = draw(st.integers(5, 80))
    rx, ry = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    x = draw(st.lists(st.integers(0, rx - 1), min_size=n, max_size=n))
    y = draw(st.lists(st.integers(0, ry - 1), min_size=n, max_size=n))
    return np.array(x), np.array(y), draw(st.integers(0, 2))


@given(_pairs())
def test_plugin_di_equals_difference_of_empirical_conditional_entropies(case) -> None:
    x, y, k = case  # n >= 5 > k + 2
    xp, yp, xs, ys = _windows(x, y, k)
    h_y = _conditional_entropy([(*a, b) for a, b in zip(yp, ys)], target=k)
    h_causal = _conditional_entropy([(*a, *b, c, d) for a, b, c, d in zip(yp, xp, xs, ys)], target=2 * k + 1)
    h_x = _conditional_entropy([(*a, b) for a, b in zip(xp, xs)], target=k)
    h_x_given = _conditional_entropy([(*a, *b, c) for a, b, c in zip(xp, yp, xs)], target=2 * k)
    est = PlugIn(order=k, min_per_context=0).fit(x, y)
    assert est.di_rate_ == pytest.approx(h_y - h_causal, abs=1e-10)
    assert est.reverse_di_rate_ == pytest.approx(h_x - h_x_given, abs=1e-10)


@given(_pairs())
def test_plugin_mi_rate_equals_plugin_conservation_identity(case) -> None:
    """mi = H(X_t|X past) + H(Y_t|Y past) - H(X_t, Y_t | both pasts) for the empirical law (2.13)."""
    x, y, k = case  # n >= 5 > k + 2
    xp, yp, xs, ys = _windows(x, y, k)
    h_x = _conditional_entropy([(*a, b) for a, b in zip(xp, xs)], target=k)
    h_y = _conditional_entropy([(*a, b) for a, b in zip(yp, ys)], target=k)
    rows = [(*a, *b, (c, d)) for a, b, c, d in zip(xp, yp, xs, ys)]
    h_xy = _conditional_entropy(rows, target=2 * k)
    assert PlugIn(order=k, min_per_context=0).fit(x, y).mi_rate_ == pytest.approx(h_x + h_y - h_xy, abs=1e-10)


def test_plugin_order1_di_equals_dit_conditional_mutual_information() -> None:
    """Plug-in DI of order 1 is I(X_{t-1} X_t ; Y_t | Y_{t-1}) of the empirical window law (dit)."""
    sample = feedback_xor(3000, p=0.2, r=0.3, rng=11)
    x, y = sample.x, sample.y
    counts = Counter(f"{x[t - 1]}{x[t]}{y[t - 1]}{y[t]}" for t in range(1, x.size))
    outcomes = sorted(counts)
    total = sum(counts.values())
    dist = dit.Distribution(outcomes, [counts[o] / total for o in outcomes])
    expected = coinformation(dist, [[0, 1], [3]], [2])
    assert PlugIn(order=1, min_per_context=0).fit(x, y).di_rate_ == pytest.approx(expected, abs=1e-10)


def test_plugin_rates_on_known_processes() -> None:
    sample = bsc_delay(50_000, p=0.1, rng=1)
    est = PlugIn(order=1).fit(sample.x, sample.y)
    assert est.di_rate_ == pytest.approx(sample.di_rate, abs=0.01)
    assert est.reverse_di_rate_ == pytest.approx(0.0, abs=0.005)
    loop = feedback_xor(50_000, p=0.1, r=0.2, delay=1, rng=1)
    est = PlugIn(order=2).fit(loop.x, loop.y)
    assert est.di_rate_ == pytest.approx(loop.di_rate, abs=0.01)
    assert est.reverse_di_rate_ == pytest.approx(loop.reverse_di_rate, abs=0.01)


def test_plugin_raw_estimates_are_not_clipped() -> None:
    """On independent data the plug-in DI is >= 0 (empirical CMI), but the increments take both signs."""
    sample = independent_discrete(2000, 3, 3, rng=0)
    est = PlugIn(order=1).fit(sample.x, sample.y)
    assert est.di_rate_ >= 0 and np.any(est.di_increments_ < 0)
    assert est.di_rate_ == pytest.approx(float(est.di_increments_.mean()), abs=1e-15)


def test_plugin_refuses_bad_parameters_and_data() -> None:
    with pytest.raises(InvalidInput, match="^order: expected an integer in"):
        PlugIn(order=-1)
    with pytest.raises(InvalidInput, match="^alphabet_size: expected"):
        PlugIn(alphabet_size="two")
    with pytest.raises(InvalidInput, match="^x: non-integer symbol 0.5 at index 1"):
        PlugIn().fit([0.0, 0.5, 1.0], [0, 1, 1])
    with pytest.raises(InvalidInput, match="^y: non-finite value inf at index 0"):
        PlugIn().fit([0, 1, 1], [np.inf, 1.0, 0.0])


def test_sparse_contexts_are_refused_instead_of_returning_a_collapsed_zero() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 1000, 5000), rng.integers(0, 1000, 5000)  # 1000-symbol alphabet
    with pytest.raises(InvalidInput, match=r"^order: too few samples per context: \d+ contexts, 4999 samples"):
        PlugIn(order=1).fit(x, y)
    with pytest.raises(InvalidInput, match="too few samples per context"):
        PlugIn(order=6).fit(rng.integers(0, 4, 3000), rng.integers(0, 4, 3000))  # deep order


def test_miller_madow_removes_most_of_the_bias_at_rate_zero() -> None:
    raw, corrected = [], []
    for seed in range(8):
        sample = independent_discrete(3000, 3, 3, stay=0.5, rng=seed)
        raw.append(PlugIn(order=1).fit(sample.x, sample.y).di_rate_)
        fitted = PlugIn(order=1, bias_correction="miller-madow").fit(sample.x, sample.y)
        corrected.append(fitted.di_rate_)
        assert fitted.di_df_ > 0
    assert np.mean(raw) > 0.004 and abs(np.mean(corrected)) < 0.3 * np.mean(raw)
    with pytest.raises(InvalidInput, match="^bias_correction: expected None or 'miller-madow'"):
        PlugIn(bias_correction="jackknife")


def test_conditional_di_given_the_common_driver_is_zero() -> None:
    rng = np.random.default_rng(4)
    z = rng.integers(0, 2, 8000)
    x = np.roll(z, 1) ^ (rng.random(8000) < 0.1)  # X_t and Y_t both copy Z_{t-1}: Z explains the link
    y = np.roll(z, 1) ^ (rng.random(8000) < 0.1)
    plain = PlugIn(order=1).fit(x, y)
    given = PlugIn(order=1).fit(x, y, z=z)
    assert plain.di_rate_ > 0.1
    assert abs(given.di_rate_) < 0.005 and given.di_rate_ci_[0] <= 0.0 <= given.di_rate_ci_[1]
    assert abs(given.reverse_di_rate_) < 0.005


def test_truncation_allowance_widens_a_misspecified_order_to_cover_the_true_rate():
    from dicert.verify.processes import markov_erasure

    s = markov_erasure(20_000, flip=0.2, erasure=0.3, rng=0)
    narrow = PlugIn(order=1, truncation_allowance=False).fit(s.x, s.y)
    wide = PlugIn(order=1).fit(s.x, s.y)
    assert not narrow.di_rate_ci_[0] <= s.di_rate <= narrow.di_rate_ci_[1]  # order 1 misses the hidden memory
    assert wide.di_rate_ci_[0] <= s.di_rate <= wide.di_rate_ci_[1]
    assert wide.truncation_allowance_ is not None and wide.truncation_allowance_[0] > 0.005
    assert wide.di_rate_ == narrow.di_rate_  # only the interval changes


def test_truncation_allowance_is_skipped_with_a_note_when_order_k_plus_1_is_too_sparse():
    import numpy as np

    x, y = np.random.default_rng(1).integers(0, 6, (2, 3000))
    est = PlugIn(order=1).fit(x, y)  # order 2: 6^6 windows for 2998 samples
    assert est.truncation_allowance_ is None and "no truncation allowance" in est.ci_method_


def test_large_alphabet_with_every_window_seen_about_once_is_refused_not_reported():
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.integers(0, 1000, 20_000)
    with pytest.raises(InvalidInput, match="too few samples per observed window: 1[0-9]{4} observed windows, 20000"):
        PlugIn(order=0).fit(x, (np.roll(x, 1) + rng.integers(0, 2, x.size)) % 1000)

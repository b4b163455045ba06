"""CTW estimators I1-I4 (3.3)-(3.6): vectorised CTW equals the per-symbol tree; rates on known processes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dicert.verify.errors import InvalidInput
from dicert.verify.estimators import CTW
from dicert.verify.estimators.ctw import ctw_predictive
from dicert.verify.estimators.ctw_reference import ctw_predictive_reference
from dicert.verify.processes import bsc_delay, feedback_xor, markov_erasure


@st.composite
def _sequences(draw, max_alphabet: int = 4, max_depth: int = 4):
    r = draw(st.integers(1, max_alphabet))
    depth = draw(st.integers(0, max_depth))
    values = draw(st.lists(st.integers(0, r - 1), min_size=0, max_size=120))
    return np.array(values, dtype=np.int64), r, depth


@given(_sequences())
def test_vectorised_ctw_predictive_equals_per_symbol_tree(case) -> None:
    symbols, r, depth = case
    fast = ctw_predictive(symbols, r, depth)
    slow = ctw_predictive_reference(symbols, r, depth)
    assert fast.shape == slow.shape == (max(symbols.size - depth, 0), r)
    assert np.allclose(fast, slow, rtol=1e-10, atol=1e-13)


def test_vectorised_ctw_equals_tree_with_renumbered_contexts() -> None:
    # 40-ary alphabet at depth 12: context indices exceed int64 and are renumbered densely
    symbols = np.random.default_rng(4).integers(0, 40, size=300)
    assert np.allclose(ctw_predictive(symbols, 40, 12), ctw_predictive_reference(symbols, 40, 12), atol=1e-13)


@given(_sequences())
def test_ctw_predictive_rows_are_probability_vectors(case) -> None:
    symbols, r, depth = case
    probs = ctw_predictive(symbols, r, depth)
    assert np.all(probs > 0)
    assert np.allclose(probs.sum(axis=1), 1.0)


def test_ctw_depth0_block_probability_is_krichevsky_trofimov() -> None:
    symbols = np.array([0, 1, 1, 0, 1, 1, 1])
    probs = ctw_predictive(symbols, 2, 0)
    block = float(np.prod(probs[np.arange(symbols.size), symbols]))
    zeros, ones = 2, 5  # KT: Gamma(a + 1/2) Gamma(b + 1/2) / (pi Gamma(n + 1))
    closed = math.gamma(zeros + 0.5) * math.gamma(ones + 0.5) / (math.pi * math.gamma(zeros + ones + 1))
    assert block == pytest.approx(closed, rel=1e-12)


@pytest.mark.parametrize("variant", ["I1", "I2", "I3", "I4"])
def test_ctw_rates_on_bsc_delay_within_0_01_at_n_1e5(variant: str) -> None:
    """Done-when: X i.i.d. Bern(1/2), Y_i = X_{i-1} xor Bern(0.1), n = 1e5."""
    sample = bsc_delay(100_000, p=0.1, delay=1, rng=2024)
    assert sample.di_rate == pytest.approx(0.5310044064107188, abs=1e-12)  # 1 - H2(0.1)
    est = CTW(depth=3, variant=variant).fit(sample.x, sample.y)
    assert abs(est.di_rate_ - sample.di_rate) < 0.01
    assert abs(est.reverse_di_rate_) < 0.01
    assert est.mi_rate_ == pytest.approx(est.di_rate_ + est.reverse_di_rate_, abs=1e-12)
    assert est.n_steps_ == 100_000 - 3


@pytest.mark.parametrize("variant", ["I1", "I4"])
def test_ctw_rates_on_feedback_loop_separate_di_from_mi(variant: str) -> None:
    sample = feedback_xor(50_000, p=0.1, r=0.2, delay=1, rng=5)
    est = CTW(depth=3, variant=variant).fit(sample.x, sample.y)
    assert est.di_rate_ == pytest.approx(sample.di_rate, abs=0.02)
    assert est.reverse_di_rate_ == pytest.approx(sample.reverse_di_rate, abs=0.02)
    assert est.mi_rate_ - est.di_rate_ > 0.05  # DI < MI under feedback


@pytest.mark.parametrize(("variant", "tolerance"), [("I1", 0.02), ("I2", 0.035), ("I4", 0.02)])
def test_ctw_rates_on_ternary_erasure_output(variant: str, tolerance: float) -> None:
    # the erasure output needs long contexts; I2 (3.4) converges more slowly than I1 and I4
    sample = markov_erasure(50_000, flip=0.1, erasure=0.3, delay=2, rng=9)
    est = CTW(depth=4, variant=variant).fit(sample.x, sample.y)
    assert est.alphabet_sizes_ == (2, 3)
    assert est.di_rate_ == pytest.approx(sample.di_rate, abs=tolerance)
    assert est.reverse_di_rate_ == pytest.approx(0.0, abs=0.02)


@pytest.mark.parametrize("variant", ["I3", "I4"])
def test_ctw_kl_variants_have_nonnegative_increments(variant: str) -> None:
    sample = feedback_xor(3000, p=0.2, r=0.3, rng=1)
    est = CTW(depth=2, variant=variant).fit(sample.x, sample.y)
    assert np.all(est.di_increments_ >= -1e-12) and np.all(est.reverse_di_increments_ >= -1e-12)


def test_ctw_i2_increments_are_bounded_by_log_alphabet() -> None:
    sample = markov_erasure(3000, flip=0.2, erasure=0.4, rng=2)
    est = CTW(depth=2, variant="I2").fit(sample.x, sample.y)
    assert np.all(np.abs(est.di_increments_) <= math.log2(3) + 1e-12)


def test_ctw_i1_di_equals_difference_of_codelengths() -> None:
    """(3.3): I1 = -1/n log P(y^n) + 1/n log P(y^n || x^n), from the three CTW assignments."""
    sample = feedback_xor(2000, p=0.1, r=0.3, rng=3)
    x, y, depth = sample.x, sample.y, 2
    p_y = ctw_predictive(y, 2, depth)
    p_joint = ctw_predictive(2 * x + y, 4, depth).reshape(-1, 2, 2)
    steps = np.arange(x.size - depth)
    xt, yt = x[depth:], y[depth:]
    log_causal = np.log2(p_joint[steps, xt, yt] / p_joint[steps, xt, :].sum(axis=1)).sum()
    expected = (-np.log2(p_y[steps, yt]).sum() + log_causal) / steps.size
    assert CTW(depth=depth, variant="I1").fit(x, y).di_rate_ == pytest.approx(expected, rel=1e-10)


@given(st.permutations([0, 1, 2]), st.permutations([0, 1]), st.integers(0, 2**16))
def test_ctw_rates_invariant_under_symbol_relabelling(perm_x, perm_y, seed: int) -> None:
    sample = markov_erasure(600, flip=0.2, erasure=0.3, rng=seed)
    x, y = sample.y, sample.x  # ternary x, binary y
    base = CTW(depth=2, variant="I4").fit(x, y)
    relabelled = CTW(depth=2, variant="I4").fit(np.array(perm_x)[x], np.array(perm_y)[y])
    assert relabelled.di_rate_ == pytest.approx(base.di_rate_, abs=1e-10)
    assert relabelled.reverse_di_rate_ == pytest.approx(base.reverse_di_rate_, abs=1e-10)


def test_ctw_units_and_confidence_interval() -> None:
    sample = bsc_delay(5000, p=0.2, rng=0)
    bits = CTW(depth=2).fit(sample.x, sample.y)
    nats = CTW(depth=2, base="e").fit(sample.x, sample.y)
    assert nats.di_rate_ == pytest.approx(bits.di_rate_ * math.log(2), rel=1e-12)
    lo, hi = bits.di_rate_ci_
    assert lo < bits.di_rate_ < hi and hi - lo < 0.1


def test_ctw_accepts_integral_floats_and_declared_alphabets() -> None:
    sample = bsc_delay(2000, p=0.2, rng=0)
    as_int = CTW(depth=2).fit(sample.x, sample.y).di_rate_
    as_float = CTW(depth=2).fit(sample.x.astype(float), sample.y.astype(float)).di_rate_
    declared = CTW(depth=2, alphabet_size=(2, 2)).fit(sample.x, sample.y).di_rate_
    assert as_int == as_float == declared


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"depth": -1}, "depth"),
        ({"depth": 2.5}, "depth"),
        ({"variant": "I5"}, "variant"),
        ({"alphabet_size": 0}, "alphabet_size"),
        ({"alphabet_size": (2, 2, 2)}, "alphabet_size"),
        ({"base": 1}, "base"),
    ],
)
def test_ctw_refuses_bad_hyper_parameters_naming_them(kwargs, field: str) -> None:
    with pytest.raises(InvalidInput, match=f"^{field}: expected"):
        CTW(**kwargs)


def test_ctw_refuses_bad_data() -> None:
    with pytest.raises(InvalidInput, match="^x: length 3 is too short"):
        CTW(depth=3).fit([0, 1, 0], [1, 0, 1])
    with pytest.raises(InvalidInput, match="^y: symbol 5 at index 2 is outside the declared alphabet"):
        CTW(depth=1, alphabet_size=2).fit([0, 1, 0, 1], [0, 1, 5, 1])
    with pytest.raises(InvalidInput, match="^x: expected a one-dimensional array"):
        CTW().fit(np.zeros((5, 2)), np.zeros(5))
    with pytest.raises(InvalidInput, match="^x: expected an integer or float array"):
        CTW().fit(np.array(["a"] * 6), np.zeros(6))


def test_ctw_with_a_1000_symbol_alphabet_is_refused_before_allocating() -> None:
    from dicert.verify.errors import TooLarge

    rng = np.random.default_rng(0)
    x = rng.integers(0, 1000, 20_000)
    with pytest.raises(TooLarge, match=r"CTW .*needs [0-9.]+ [KMGTP]iB > limit"):
        CTW(depth=2).fit(x, np.roll(x, 1))


def test_ctw_interval_covers_the_five_symbol_copy_channel() -> None:
    # Y_t = X_{t-1} with 5 symbols: CTW learns slowly (bias ~ -0.8 bit at n = 5000); the
    # interval spans I1 and I4, and must reach the true log2(5)
    rng = np.random.default_rng(1)
    x = rng.integers(0, 5, 5000)
    fitted = CTW(depth=2).fit(x, np.roll(x, 1))
    assert fitted.di_rate_ < 2.0
    assert fitted.di_rate_ci_[0] <= np.log2(5) <= fitted.di_rate_ci_[1]


def test_ctw_with_side_information_explains_a_common_driver() -> None:
    rng = np.random.default_rng(4)
    z = rng.integers(0, 2, 8000)
    x = np.roll(z, 1) ^ (rng.random(8000) < 0.1)  # X_t and Y_t both copy Z_{t-1}
    y = np.roll(z, 1) ^ (rng.random(8000) < 0.1)
    plain = CTW(depth=2).fit(x, y)
    given = CTW(depth=2, bias_correction="richardson").fit(x, y, z=z)
    assert plain.di_rate_ > 0.25
    assert abs(given.di_rate_) < 0.02 and abs(given.reverse_di_rate_) < 0.02
    assert given.di_rate_ci_[0] <= 0.0 <= given.di_rate_ci_[1]
    assert given.test(9).di_p_value > 0.1  # surrogates of x keep z fixed

"""Sparse context-tree CTW (issue 14 item 1): the same numbers as the dense tree, on any alphabet, in bounded memory."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dicert.graphs.errors import InvalidInput, TooLarge
from dicert.verify.estimators import CTW
from dicert.verify.estimators.ctw import ctw_predictive
from dicert.verify.estimators.ctw_sparse import ctw_observed_log_prob, ctw_sparse_fit_bytes
from dicert.verify.memory import memory_limit

PEAK_LIMIT = 2**30  # 1 GiB


@st.composite
def _sequences(draw, max_alphabet: int = 4, max_depth: int = 4):
    r = draw(st.integers(1, max_alphabet))
    depth = draw(st.integers(0, max_depth))
    values = draw(st.lists(st.integers(0, r - 1), min_size=0, max_size=120))
    return np.array(values, dtype=np.int64), r, depth


@settings(max_examples=50)
@given(_sequences())
def test_sparse_observed_log_probability_equals_dense_predictive_law(case) -> None:
    symbols, r, depth = case
    logp, _ = ctw_observed_log_prob(symbols, r, depth)
    dense = ctw_predictive(symbols, r, depth)
    assert logp.shape == (dense.shape[0],)
    expected = np.log(dense[np.arange(dense.shape[0]), symbols[depth:]])
    np.testing.assert_allclose(logp, expected, rtol=0, atol=1e-12)


@settings(max_examples=25)
@given(st.integers(1, 3), st.integers(1, 4), st.integers(0, 3), st.integers(0, 2**32 - 1))
def test_sparse_marginal_probability_equals_marginal_of_dense_pair_law(ru: int, rv: int, depth: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    u, v = rng.integers(0, ru, 80), rng.integers(0, rv, 80)
    pair = u * rv + v
    _, log_marginal = ctw_observed_log_prob(pair, ru * rv, depth, marginal=rv)
    dense = ctw_predictive(pair, ru * rv, depth).reshape(-1, ru, rv).sum(axis=2)
    assert log_marginal is not None
    np.testing.assert_allclose(log_marginal, np.log(dense[np.arange(dense.shape[0]), u[depth:]]), rtol=0, atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 4), st.integers(2, 4), st.integers(0, 3), st.booleans(), st.integers(0, 2**32 - 1))
def test_sparse_ctw_i1_equals_dense_ctw_i1_rates_increments_and_intervals(
    rx: int, ry: int, depth: int, side: bool, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    n = 200
    x = rng.integers(0, rx, n)
    y = (np.roll(x, 1) + (rng.random(n) < 0.2)) % ry
    z = rng.integers(0, 2, n) if side else None
    dense = CTW(depth=depth, variant="I1", alphabet_size=(rx, ry)).fit(x, y, z=z)
    # a limit the sparse tree fits in and the dense one does not: the automatic switch
    with memory_limit(ctw_sparse_fit_bytes(n, depth)):
        sparse = CTW(depth=depth, variant="I1", alphabet_size=(rx, ry)).fit(x, y, z=z)
    assert (dense.tree_, sparse.tree_) == ("dense", "sparse")
    for name in ("di_increments_", "reverse_di_increments_"):
        np.testing.assert_allclose(getattr(sparse, name), getattr(dense, name), rtol=0, atol=1e-12)
    assert sparse.di_rate_ == pytest.approx(dense.di_rate_, abs=1e-12)
    assert sparse.reverse_di_rate_ == pytest.approx(dense.reverse_di_rate_, abs=1e-12)
    # the dense interval also spans I4; the sparse one spans I1 and its extrapolation only
    assert sparse.di_rate_ci_[0] <= sparse.di_rate_ <= sparse.di_rate_ci_[1]


def _traced_peak(function):
    tracemalloc.start()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_ctw_i1_on_1000_symbol_input_fits_sparsely_in_bounded_memory_and_finds_the_delay() -> None:
    # X on 1000 symbols (mostly 0/1, rare excursions over 2..999), Y_t = X_{t-1} mod 2: DI rate 1 bit.
    # The dense (streamed) trees would need 3.7 GiB (> the 2 GiB limit here): the sparse tree is used by itself.
    rng = np.random.default_rng(0)
    n = 50_000
    x = np.where(rng.random(n) < 0.01, rng.integers(2, 1000, n), rng.integers(0, 2, n))
    y = np.roll(x, 1) % 2
    with memory_limit("2GiB"):
        fitted, peak = _traced_peak(lambda: CTW(depth=2, variant="I1", alphabet_size=(1000, 2)).fit(x, y))
    assert fitted.tree_ == "sparse" and peak < PEAK_LIMIT
    assert abs(fitted.di_rate_ - 1.0) < 0.2
    assert fitted.di_rate_ci_[0] <= 1.0 <= fitted.di_rate_ci_[1]
    assert "sparse context tree" in fitted.ci_method_


def test_ctw_on_a_1000_by_1000_copy_channel_refuses_by_name_in_bounded_memory() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 1000, 20_000)
    y = np.roll(x, 1)
    with memory_limit("4GiB"):
        # I4 needs the whole law over 10^6 pair symbols: refused up front, naming the variant that works
        with pytest.raises(TooLarge, match=r"needs 1\.4 TiB > limit 4 GiB .*; use variant='I1' \(--variant I1\)"):
            CTW(depth=2, variant="I4").fit(x, y)
    tracemalloc.start()
    try:
        with memory_limit("4GiB"), pytest.raises(
            InvalidInput, match=r"^x, y: too few samples for CTW on alphabets of 1000 and 1000 symbols: .* steps needed"
        ):
            CTW(depth=2, variant="I1").fit(x, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < PEAK_LIMIT


def test_sparse_tree_gives_the_same_probabilities_when_context_ids_must_be_renumbered(monkeypatch) -> None:
    import dicert.verify.estimators.ctw_sparse as sparse_module

    rng = np.random.default_rng(2)
    pair = rng.integers(0, 3, 200) * 3 + rng.integers(0, 3, 200)
    plain = ctw_observed_log_prob(pair, 9, 3, marginal=3)
    monkeypatch.setattr(sparse_module, "_MAX_ID", 8)  # every id product "overflows": renumbered rows
    renumbered = ctw_observed_log_prob(pair, 9, 3, marginal=3)
    for a, b in zip(plain, renumbered):
        assert a is not None and b is not None
        np.testing.assert_array_equal(a, b)


def test_dense_and_sparse_trees_refuse_the_same_prior_dominated_sample() -> None:
    # 40 x 40 pair alphabet, 300 samples: the joint KT learning cost (~22 bits/step) exceeds log2 40
    x = np.random.default_rng(5).integers(0, 40, 300)
    with pytest.raises(InvalidInput, match=r"^x, y: too few samples for CTW on alphabets of 40 and 40 symbols"):
        CTW(depth=1, variant="I1").fit(x, np.roll(x, 1))
    with memory_limit(ctw_sparse_fit_bytes(300, 1)), pytest.raises(InvalidInput, match="too few samples"):
        CTW(depth=1, variant="I1").fit(x, np.roll(x, 1))

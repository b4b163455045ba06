"""Shared estimator machinery: input validation, symbol encoding, batch-means intervals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dicert.verify.errors import InvalidInput
from dicert.verify.estimators import CTW, PlugIn
from dicert.verify.estimators.protocol import batch_means_ci, encode_symbols, log_base, validate_pair


@given(st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=60))
def test_encode_symbols_is_an_order_preserving_bijection_onto_codes(values) -> None:
    array = np.array(values, dtype=np.int64)
    codes, r = encode_symbols(array, "x", None)
    assert r == len(set(values))
    assert sorted(set(codes.tolist())) == list(range(r))
    order = np.argsort(array, kind="stable")
    assert np.all(np.diff(codes[order]) >= 0)  # order preserved
    assert all((a == b) == (c == d) for a, b, c, d in zip(values, values[1:], codes, codes[1:]))


def test_plugin_and_ctw_accept_negative_and_large_labels() -> None:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, 3000)
    y = np.roll(x, 1)
    base = CTW(depth=1).fit(x, y).di_rate_
    assert CTW(depth=1).fit(x * 10**9 - 5, y - 7).di_rate_ == pytest.approx(base, abs=1e-12)
    assert PlugIn().fit(-x, 3 * y).di_rate_ == pytest.approx(PlugIn().fit(x, y).di_rate_, abs=1e-12)


def test_validate_pair_messages_name_the_field() -> None:
    with pytest.raises(InvalidInput, match="^y: length 2 differs from x: length 3"):
        validate_pair([1, 2, 3], [1, 2])
    with pytest.raises(InvalidInput, match="^x: non-finite value nan at index 1"):
        validate_pair([1.0, np.nan, 0.0], [1, 2, 3])
    with pytest.raises(InvalidInput, match="^x: length 1 is too short"):
        validate_pair([1], [1])


def test_batch_means_interval_covers_the_mean_of_an_ar1_sequence() -> None:
    rng = np.random.default_rng(5)
    covered = 0
    for _ in range(40):
        noise = rng.standard_normal(4000)
        values = np.empty(4000)
        values[0] = noise[0]
        for t in range(1, 4000):
            values[t] = 0.7 * values[t - 1] + noise[t]
        lo, hi = batch_means_ci(values)
        covered += lo <= 0.0 <= hi
    assert covered >= 32  # nominal 95%; naive i.i.d. intervals would cover far less
    assert batch_means_ci(np.ones(9)) == (-math.inf, math.inf)


def test_log_base_accepts_numbers_and_e_only() -> None:
    assert log_base(2) == math.log(2) and log_base("e") == 1.0
    for bad in (1, 0.5, "2", True):
        with pytest.raises(InvalidInput, match="^base: expected"):
            log_base(bad)

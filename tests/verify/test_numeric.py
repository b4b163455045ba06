"""The shared numeric helpers of dicert.verify._numeric: entropy, divergence terms, argument checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dicert.verify import Pmf
from dicert.verify._numeric import (
    check_conditional_rows,
    check_int,
    closed_classes,
    entropy_bits,
    entropy_nats,
    stationary_law,
    xlogy_ratio,
)
from dicert.verify.errors import InvalidChannel, InvalidInput
from dicert.verify.measures import entropy


@given(st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_entropy_bits_equals_the_entropy_measure(size, seed):
    p = np.random.default_rng(seed).dirichlet(np.ones(size))
    p[p < 0.1] = 0.0
    p /= p.sum()
    assert entropy_bits(p).item() == pytest.approx(entropy(Pmf(p, ["X"]), "X"), abs=1e-12)


def test_entropy_bits_sums_the_chosen_axis():
    p = np.array([[[0.5, 0.5], [1.0, 0.0]]])
    assert entropy_bits(p, axis=2).tolist() == [[1.0, 0.0]]
    assert entropy_bits(p.transpose(0, 2, 1), axis=1).tolist() == [[1.0, 0.0]]


@given(st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_xlogy_ratio_terms_sum_to_the_kl_divergence(size, seed):
    rng = np.random.default_rng(seed)
    p, q = rng.dirichlet(np.ones(size)), rng.dirichlet(np.ones(size))
    p[0] = 0.0
    p /= p.sum() if p.sum() > 0 else 1.0
    expected = sum(a * math.log(a / b) for a, b in zip(p, q) if a > 0)
    assert xlogy_ratio(p, p, q).sum() == pytest.approx(expected, abs=1e-12)


def test_xlogy_ratio_is_zero_where_p_is_zero_even_if_num_is_zero():
    assert xlogy_ratio(np.array([0.0, 1.0]), np.array([0.0, 2.0]), np.array([1.0, 1.0])).tolist() == [0.0, math.log(2)]


def test_check_int_accepts_numpy_integers_and_rejects_bool_float_and_small_values():
    assert check_int(np.int32(4), "n") == 4 and type(check_int(np.int32(4), "n")) is int
    assert check_int(0, "delay", 0) == 0
    for bad in (True, 2.0, "3", 0):
        with pytest.raises(InvalidInput, match=r"^n: expected an integer >= 1, got "):
            check_int(bad, "n")


def test_check_conditional_rows_names_the_first_bad_row():
    law = np.full((2, 2, 3), 1 / 3)
    check_conditional_rows(law, "law", ("s", "x"), InvalidChannel)
    law[1, 0, 0] = 0.5
    with pytest.raises(InvalidChannel, match=r"^law: row \(s=1, x=0\) sums to 1.16666666667, expected 1$"):
        check_conditional_rows(law, "law", ("s", "x"), InvalidChannel)
    with pytest.raises(InvalidInput, match=r"^matrix: row x=1 sums to 0.9, expected 1$"):
        check_conditional_rows(np.array([[1.0, 0.0], [0.4, 0.5]]), "matrix", ("x",))


@pytest.mark.parametrize("entry", [-0.1, np.nan, np.inf])
def test_check_conditional_rows_rejects_negative_and_non_finite_entries(entry):
    with pytest.raises(InvalidInput, match=r"^policy: entries must be finite and >= 0$"):
        check_conditional_rows(np.array([[entry, 1.0]]), "policy", ("q",))


def test_check_conditional_rows_accepts_sums_within_the_tolerance_only():
    check_conditional_rows(np.array([[0.5, 0.5 + 5e-10]]), "m", ("x",))
    with pytest.raises(InvalidInput, match="sums to"):
        check_conditional_rows(np.array([[0.5, 0.5 + 5e-9]]), "m", ("x",))


@given(st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_entropy_nats_is_entropy_bits_times_ln2(size, seed):
    p = np.random.default_rng(seed).dirichlet(np.ones(size))
    assert entropy_nats(p) == pytest.approx(entropy_bits(p) * math.log(2), abs=1e-12)


@given(st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_stationary_law_is_invariant_and_a_pmf_for_a_positive_kernel(size, seed):
    kernel = np.random.default_rng(seed).dirichlet(np.ones(size), size=size)
    pi = stationary_law(kernel)
    assert closed_classes(kernel) == 1
    assert pi.min() >= 0 and pi.sum() == pytest.approx(1.0)
    assert np.abs(pi @ kernel - pi).max() < 1e-10


def test_closed_classes_counts_each_recurrent_class_and_not_the_transient_states():
    # 0 -> {1, 2}; 1 and 2 absorbing: two recurrent classes, state 0 transient
    kernel = np.array([[0.0, 0.5, 0.5], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    assert closed_classes(kernel) == 2
    assert closed_classes(np.array([[0.0, 1.0], [1.0, 0.0]])) == 1

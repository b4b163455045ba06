"""Interval helpers, exact root isolation and the log-linear identity prover."""

from __future__ import annotations

from fractions import Fraction

import pytest
from flint import arb, fmpq
from hypothesis import assume, given
from hypothesis import strategies as st

from dicert.verify.certify.intervals import (
    DecimalInterval,
    decimal_ceil,
    decimal_floor,
    to_fmpq,
    working_precision,
)
from dicert.verify.certify.roots import isolate_root, sturm_count
from dicert.verify.certify.symbolic import prove_log_linear_zero, sympy_log_identity
from dicert.verify.errors import InvalidInput

ISING_POLY = ["1", "-4", "6", "-5", "1"]


@given(st.builds(Fraction, st.integers(-10**6, 10**6), st.integers(1, 10**6)), st.integers(min_value=0, max_value=12))
def test_decimal_floor_and_ceil_bracket_the_exact_value(value: Fraction, places: int) -> None:
    lo, hi = Fraction(decimal_floor(str(value), places)), Fraction(decimal_ceil(str(value), places))
    assert lo <= value <= hi
    assert hi - lo <= Fraction(1, 10**places)


@given(st.builds(Fraction, st.integers(0, 10**6), st.just(10**6)), st.integers(min_value=5, max_value=60))
def test_decimal_interval_from_arb_contains_the_ball(value: Fraction, digits: int) -> None:
    with working_precision(digits=digits + 10):
        ball = arb(to_fmpq(str(value))).exp()
        box = DecimalInterval.from_arb(ball, digits)
        assert box.contains_arb(ball)


def test_to_fmpq_rejects_malformed_numbers() -> None:
    with pytest.raises(InvalidInput, match="number"):
        to_fmpq("one half")
    with pytest.raises(InvalidInput, match="number"):
        to_fmpq(float("nan"))


def test_isolated_ising_root_matches_published_value_and_refines_to_1000_digits() -> None:
    root = isolate_root(ISING_POLY, 0, 1)
    fine = root.refine(1000)
    assert fine.width() <= fmpq(1, 10**1000)
    assert fine.poly(fine.lo) * fine.poly(fine.hi) < 0
    assert str(float(fine.lo))[:12] == "0.4502995220"


@pytest.mark.parametrize(
    ("poly", "lo", "hi", "message"),
    [
        (["-1", "0", "1"], "-2", "2", "contains 2 distinct"),  # two roots: bracket too wide
        (["-1", "0", "1"], "2", "3", "contains 0 distinct"),
        (["-1", "0", "1"], "1", "2", "end point"),
        (["1", "-2", "1"], "0", "2", "square-free"),
        (["-1", "0", "1"], "2", "1", "lo < hi"),
    ],
)
def test_root_isolation_refuses_brackets_without_exactly_one_simple_root(poly, lo, hi, message) -> None:
    with pytest.raises(InvalidInput, match=message):
        isolate_root(poly, lo, hi)


def test_ising_quartic_has_two_real_roots_but_one_in_unit_interval() -> None:
    assert sturm_count(ISING_POLY, -10, 10) == 2
    assert sturm_count(ISING_POLY, 0, 1) == 1


@given(st.integers(min_value=-30, max_value=30), st.integers(min_value=-30, max_value=30))
def test_sturm_count_equals_number_of_distinct_integer_roots_in_bracket(r1: int, r2: int) -> None:
    poly = [str(r1 * r2), str(-(r1 + r2)), "1"]  # (x - r1)(x - r2)
    expected = len({r for r in (r1, r2) if -5 < r <= 5})
    assume(r1 != r2)  # square-free input
    assert sturm_count(poly, -5, 5) == expected


IDENTITY = dict(
    coefficients={"a": ["3/2", "-3/2"], "1-a": ["-2", "2"]},
    atoms={"a": ["0", "1"], "1-a": ["1", "-1"]},
    relation={"a": 3, "1-a": -4},
    eliminate="1-a",
)


def test_log_linear_prover_proves_the_ising_identity() -> None:
    proof = prove_log_linear_zero(root=isolate_root(ISING_POLY, 0, 1), **IDENTITY)
    assert proof.holds, proof.evidence


def test_log_linear_prover_rejects_a_wrong_coefficient() -> None:
    wrong = dict(IDENTITY, coefficients={"a": ["3/2", "-1"], "1-a": ["-2", "2"]})
    assert not prove_log_linear_zero(root=isolate_root(ISING_POLY, 0, 1), **wrong).holds


def test_log_linear_prover_rejects_a_relation_that_does_not_hold_at_the_root() -> None:
    wrong = dict(IDENTITY, relation={"a": 2, "1-a": -4})
    assert not prove_log_linear_zero(root=isolate_root(ISING_POLY, 0, 1), **wrong).holds


def test_log_linear_prover_rejects_the_right_identity_at_the_wrong_algebraic_number() -> None:
    golden = isolate_root(["-1", "1", "1"], 0, 1)  # 1/phi, not the Ising root
    assert not prove_log_linear_zero(root=golden, **IDENTITY).holds


def test_sympy_proves_the_ising_identity_and_rejects_a_wrong_one() -> None:
    good = sympy_log_identity("2*(-a*log(a) - (1 - a)*log(1 - a))/(3 + a) + log(a)/2", "a",
                              "a**3 - (1 - a)**4", {"log(1 - a)": "3*log(a)/4"})
    bad = sympy_log_identity("2*(-a*log(a) - (1 - a)*log(1 - a))/(3 + a) + log(a)/3", "a",
                             "a**3 - (1 - a)**4", {"log(1 - a)": "3*log(a)/4"})
    wrong_relation = sympy_log_identity("log(1 - a) - 3*log(a)/4", "a", "a**2 - (1 - a)**4",
                                        {"log(1 - a)": "3*log(a)/4"})
    assert good.holds and not bad.holds and not wrong_relation.holds

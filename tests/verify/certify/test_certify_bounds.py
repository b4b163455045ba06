"""Rigorous duality upper bound (Thm 4.5.2) and BCJR-invariant lower bound (Thm 4.4.4): soundness."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from flint import arb
from hypothesis import given, settings
from hypothesis import strategies as st

from dicert.proofs import ising, trapdoor
from dicert.proofs.closed_form import load_witness
from dicert.verify.certify.checks import make_check
from dicert.verify.certify.duality_check import certified_duality_upper_bound
from dicert.verify.certify.rate_check import bcjr_lower_bound, stationary_distribution
from dicert.verify.errors import InvalidChannel, InvalidInput

ISING_C = 0.57552157416805778111
TRAPDOOR_C = math.log2((1 + 5**0.5) / 2)


def _frac(text: str) -> Fraction:
    return Fraction(text)


def _upper_data(name: str, channel: dict) -> dict:
    w = load_witness(name)["upper"]
    return {"channel": channel, "phi": w["phi"], "test": w["test"], "value": w["value"], "upper": w["upper"]}


def _lower_data(name: str, channel: dict) -> dict:
    w = load_witness(name)["lower"]
    return {"channel": channel, "phi": w["phi"], "policy": w["policy"], "lower": w["lower"]}


@pytest.mark.parametrize(("name", "module"), [("ising", ising), ("trapdoor", trapdoor)])
def test_stored_witnesses_certify_bounds_with_gap_below_1e_minus_9(name, module) -> None:
    up = make_check("u", "duality_upper_bound", _upper_data(name, module.CHANNEL))
    low = make_check("l", "bcjr_lower_bound", _lower_data(name, module.CHANNEL))
    assert up.passed, up.evidence
    assert low.passed, low.evidence
    gap = Fraction(_upper_data(name, module.CHANNEL)["upper"]) - Fraction(_lower_data(name, module.CHANNEL)["lower"])
    assert 0 <= gap < Fraction(1, 10**9)


def test_perturbed_value_function_breaks_the_claimed_upper_bound() -> None:
    data = _upper_data("ising", ising.CHANNEL)
    value = [list(row) for row in data["value"]]
    for s in range(2):
        for q in range(4):
            bumped = [list(row) for row in value]
            bumped[s][q] = str(_frac(bumped[s][q]) - Fraction(1, 10**30))
            assert not make_check("u", "duality_upper_bound", {**data, "value": bumped}).passed, (s, q)


def test_perturbed_test_distribution_breaks_the_claimed_upper_bound() -> None:
    data = _upper_data("ising", ising.CHANNEL)
    test = [list(row) for row in data["test"]]
    eps = Fraction(1, 10**25)
    test[0] = [str(_frac(test[0][0]) + eps), str(_frac(test[0][1]) - eps)]
    assert not make_check("u", "duality_upper_bound", {**data, "test": test}).passed


def test_perturbed_channel_law_is_caught() -> None:
    eps = Fraction(1, 10**20)
    law = [[["1", "0"], [str(Fraction(1, 2) + eps), str(Fraction(1, 2) - eps)]], [["1/2", "1/2"], ["0", "1"]]]
    channel = {**ising.CHANNEL, "law": law}
    assert not make_check("l", "bcjr_lower_bound", _lower_data("ising", channel)).passed
    broken = {**ising.CHANNEL, "law": [[["1", "0"], ["1/2", "1/3"]], [["1/2", "1/2"], ["0", "1"]]]}
    chk = make_check("u", "duality_upper_bound", _upper_data("ising", broken))
    assert not chk.passed and "sums to" in chk.evidence


def test_non_invariant_input_is_refused() -> None:
    data = _lower_data("trapdoor", trapdoor.CHANNEL)
    policy = [[list(row) for row in block] for block in data["policy"]]
    r = _frac(policy[0][0][0]) + Fraction(1, 10**12)
    policy[0][0] = [str(r), str(1 - r)]
    chk = make_check("l", "bcjr_lower_bound", {**data, "policy": policy})
    assert not chk.passed and "not BCJR-invariant" in chk.evidence


def test_claimed_lower_bound_above_the_rate_is_refused() -> None:
    data = _lower_data("ising", ising.CHANNEL)
    assert not make_check("l", "bcjr_lower_bound", {**data, "lower": "0.5755215741680578"}).passed


def test_test_distribution_with_a_zero_where_the_channel_emits_is_refused() -> None:
    with pytest.raises(InvalidInput, match="infinite"):
        certified_duality_upper_bound(ising.CHANNEL, [[0, 0]], [["1", "0"]], [["0"], ["0"]])


def test_row_sums_must_be_exact() -> None:
    with pytest.raises(InvalidChannel, match="sums to"):
        certified_duality_upper_bound({"law": [[["1/2", "1/3"]]], "next_state": [[[0, 0]]]}, [[0, 0]], [["1/2", "1/2"]], [["0"]])
    with pytest.raises(InvalidInput, match="policy"):
        bcjr_lower_bound(ising.CHANNEL, [[0, 0]], [[["1/2", "1/3"]], [["1/2", "1/2"]]])


def test_stationary_distribution_must_be_unique() -> None:
    from flint import fmpq

    with pytest.raises(InvalidInput, match="stationary"):
        stationary_distribution([[fmpq(1), fmpq(0)], [fmpq(0), fmpq(1)]])


_PROB = st.integers(min_value=50, max_value=950).map(lambda k: Fraction(k, 1000))
_VALUE = st.integers(min_value=-3000, max_value=3000).map(lambda k: Fraction(k, 1000))


@settings(deadline=None)
@given(st.lists(_PROB, min_size=4, max_size=4), st.lists(_VALUE, min_size=8, max_size=8))
def test_duality_bound_is_at_least_ising_capacity_for_any_test_distribution_and_value_function(ts, vs) -> None:
    test = [[t, 1 - t] for t in ts]
    value = [vs[:4], vs[4:]]
    bound = certified_duality_upper_bound(ising.CHANNEL, ising.PHI, test, value, digits=20)
    assert bound.upper > arb(ISING_C) - arb(10) ** -15


@settings(deadline=None)
@given(st.lists(_PROB, min_size=3, max_size=3), st.lists(_VALUE, min_size=6, max_size=6))
def test_duality_bound_is_at_least_trapdoor_capacity_for_any_test_distribution_and_value_function(ts, vs) -> None:
    test = [[t, 1 - t] for t in ts]
    bound = certified_duality_upper_bound(trapdoor.CHANNEL, trapdoor.PHI_UPPER, test, [vs[:3], vs[3:]], digits=20)
    assert bound.upper > arb(TRAPDOOR_C) - arb(10) ** -15


@settings(deadline=None)
@given(st.lists(_PROB, min_size=2, max_size=2))
def test_invariant_lower_bound_of_a_dmc_equals_mutual_information_and_is_below_capacity(ps) -> None:
    # Binary symmetric channel with crossover 1/4 (a one-state unifilar channel): any input is invariant.
    bsc = {"law": [[["3/4", "1/4"], ["1/4", "3/4"]]], "next_state": [[[0, 0], [0, 0]]]}
    p = ps[0]
    res = bcjr_lower_bound(bsc, [[0, 0]], [[[p, 1 - p]]], digits=20)
    assert res.invariant
    cap = 1 - (-(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25)))
    assert res.lower < arb(cap) + arb(10) ** -15
    py0 = 0.75 * p + 0.25 * (1 - p)
    mi = -(py0 * math.log2(py0) + (1 - py0) * math.log2(1 - py0)) - (1 - cap)
    assert abs(float(res.lower.mid()) - mi) < 1e-12


@settings(deadline=None)
@given(st.fractions(min_value=Fraction(1, 10), max_value=Fraction(9, 10), max_denominator=10**6))
def test_ising_family_is_invariant_for_every_rational_parameter_and_below_capacity(a) -> None:
    policy = [[[1, 0], [1, 0], [1, 0], [a, 1 - a]], [[1 - a, a], [0, 1], [0, 1], [0, 1]]]
    res = bcjr_lower_bound(ising.CHANNEL, ising.PHI, policy, digits=20)
    assert res.invariant, res.evidence
    assert res.lower < arb(ISING_C) + arb(10) ** -15
    # the rate of the family is 2 H2(a)/(3+a) (monograph (4.38))
    af = float(a)
    h2 = -(af * math.log2(af) + (1 - af) * math.log2(1 - af))
    assert abs(float(res.lower.mid()) - 2 * h2 / (3 + af)) < 1e-12

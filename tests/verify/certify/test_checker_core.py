"""The independent checker: issue/check round trips, exact inputs only, fail closed."""

from __future__ import annotations

import copy

import pytest

from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.checker.core import check, issue
from dicert.verify.certify.checker.exact import ExactChannel, rational
from dicert.verify.certify.checker.kinds import KINDS

BSC = {"law": [[["3/4", "1/4"], ["1/4", "3/4"]]], "next_state": [[[0, 0], [0, 0]]]}
BSC_WITNESS = {"upper": {"phi": [[0, 0]], "test": [["1/2", "1/2"]], "value": [[0]]},
               "lower": {"phi": [[0, 0]], "policy": [[["1/2", "1/2"]]]}}


def test_generic_bracket_round_trip_and_value_inside() -> None:
    cert = issue("qgraph_bracket", {}, 12, BSC_WITNESS, channel=BSC, exact_from="text")
    assert cert["verified"] and check(cert).verified
    lo, hi = (rational(v) for v in cert["interval"])
    assert lo <= rational("0.18872187554086717") <= hi      # 1 - H2(1/4)
    assert cert["proven"]["digits"] == 12 and cert["value"] == "0.188721875541"


def test_floats_are_refused_by_the_checker() -> None:
    with pytest.raises(InvalidInput, match="expected an exact number"):
        rational(0.25)
    cert = issue("qgraph_bracket", {}, 12, BSC_WITNESS, channel=BSC, exact_from="text")
    cert["witness"]["upper"]["test"][0] = [0.5, 0.5]
    assert not check(cert).verified


def test_unicode_digits_are_not_numbers() -> None:
    with pytest.raises(InvalidInput):
        rational("\u0661/\u0662")                         # Arabic-Indic 1/2


def test_fingerprint_mismatch_and_foreign_channel_are_refused() -> None:
    cert = issue("qgraph_bracket", {}, 12, BSC_WITNESS, channel=BSC, exact_from="text")
    forged = copy.deepcopy(cert)
    forged["channel"]["law"][0][0] = ["2/3", "1/3"]
    report = check(forged)
    assert not report.verified and "fingerprint" in report.problems[0]
    other = ExactChannel.from_json({"law": [[["2/3", "1/3"], ["1/3", "2/3"]]], "next_state": [[[0, 0], [0, 0]]]})
    forged["channel"]["fingerprint"] = other.fingerprint()
    assert not check(forged).verified                    # consistent fingerprint, but the claim's numbers differ


def test_a_registered_result_on_another_channel_is_refused() -> None:
    """Finding 8 (first mutant): 'Ising capacity <= 0' built on another channel must not re-check."""
    from dicert.proofs.closed_form import load_witness

    w = load_witness("ising")
    cert = issue("ising", {}, 12, {"upper": {k: w["upper"][k] for k in ("phi", "test", "value")},
                                   "lower": {k: w["lower"][k] for k in ("phi", "policy")}})
    assert check(cert).verified
    zero = {"law": [[["1/2", "1/2"], ["1/2", "1/2"]], [["1/2", "1/2"], ["1/2", "1/2"]]],
            "next_state": [[[0, 0], [1, 1]], [[0, 0], [1, 1]]], "allowed": [[True, True], [True, True]]}
    forged = copy.deepcopy(cert)
    exact = ExactChannel.from_json(zero)
    forged["channel"] = {"fingerprint": exact.fingerprint(), **{k: v for k, v in exact.canonical().items()
                                                                if k != "type"}, "exact_from": "registry"}
    report = check(forged)
    assert not report.verified and "registered ising channel" in report.problems[0]


def test_duality_bound_is_valid_for_any_value_function_and_bcjr_refuses_non_invariant() -> None:
    ising = ExactChannel.from_json({"law": [[[1, 0], ["1/2", "1/2"]], [["1/2", "1/2"], [0, 1]]],
                                    "next_state": [[[0, 0], [1, 1]], [[0, 0], [1, 1]]]})
    ok, _, out = KINDS["duality_upper_bound"]({"phi": [[0, 0]], "test": [["1/2", "1/2"]], "value": [[0], [0]]},
                                              {"channel": ising})
    assert ok and out["upper"] >= 1                         # memoryless T: rho = 1 bit
    ok, text, out = KINDS["bcjr_lower_bound"]({"phi": [[0, 0]], "policy": [[["1/2", "1/2"]], [["1/2", "1/2"]]]},
                                              {"channel": ising})
    assert not ok and "not BCJR-invariant" in text and not out


def test_check_never_raises_and_fails_closed_on_garbage() -> None:
    for junk in (None, [], "x", {"schema": "dicert-certificate", "schema_version": 2}, {"foo": 1}):
        assert check(junk).verified is False


# Mutation campaign (benchmarks/mutation_campaign.py): tests that kill the survivors of the first run.
def test_closed_form_in_bracket_refuses_a_value_outside_either_bound() -> None:
    from flint import arb

    ball = arb(rational("1/2"))
    run = KINDS["closed_form_in_bracket"]
    assert run({}, {"closed_form_ball": ball, "lower": rational("1/4"), "upper": rational("3/4")})[0]
    assert not run({}, {"closed_form_ball": ball, "lower": None, "upper": rational("1/4")})[0]
    assert not run({}, {"closed_form_ball": ball, "lower": rational("3/4"), "upper": None})[0]


def test_stated_value_is_the_nearest_decimal_and_absent_without_digits() -> None:
    from dicert.proofs.closed_form import issue_certificate, stored_witness

    cert = issue_certificate("trapdoor", {}, 12, stored_witness("trapdoor"))
    assert cert.value == "0.694241913631"                  # log2 phi = 0.69424191363061..., rounded to nearest
    upper_only = issue("qgraph_bracket", {}, 6, {"upper": BSC_WITNESS["upper"]}, channel=BSC, exact_from="text")
    assert upper_only["value"] is None and upper_only["value_digits"] == 0
    assert upper_only["lower"] == "0.000000000" and upper_only["proven"]["methods"][-1] == "lower: trivial, C_fb >= 0"


def test_arith_rounding_edge_cases() -> None:
    from flint import fmpq

    from dicert.verify.certify.checker.arith import ceil_dec, digits_justified, floor_dec

    assert floor_dec(fmpq(0), 3) == "0.000" and ceil_dec(fmpq(0), 2) == "0.00"
    assert floor_dec(fmpq(-1, 3), 2) == "-0.34" and ceil_dec(fmpq(-1, 3), 2) == "-0.33"
    assert digits_justified(fmpq(0), 77) == 77 and digits_justified(fmpq(1, 10)) == 1
    assert digits_justified(fmpq(11, 100)) == 0 and digits_justified(fmpq(3)) == 0


def test_exact_inputs_refuse_ragged_arrays_and_non_boolean_flags() -> None:
    from dicert.verify.certify.checker.exact import nested

    with pytest.raises(InvalidInput, match="rectangular"):
        nested([["1/2", "1/2"], ["1"]], 2, "test")
    with pytest.raises(InvalidInput, match="true or false"):
        ExactChannel.from_json({**BSC, "allowed": [[1, 1]]})


def test_identity_prover_refuses_malformed_registry_data() -> None:
    from dicert.verify.certify.checker.algebra import isolate, log_linear_zero

    root = isolate(["-1", "-1", "1"], ["1", "2"])
    atoms = {"x": ["0", "1"], "1+x": ["1", "1"]}
    assert log_linear_zero({"x": ["2"], "1+x": ["-1"]}, atoms, {"x": 2, "1+x": -1}, root, "1+x")[0]
    with pytest.raises(InvalidInput):
        log_linear_zero([("x", ["2"])], atoms, {"x": 2, "1+x": -1}, root, "1+x")
    with pytest.raises(InvalidInput):
        log_linear_zero({"x": ["2"], "1+x": ["-1"]}, atoms, {"x": 2.0, "1+x": -1}, root, "1+x")
    with pytest.raises(InvalidInput):
        log_linear_zero({"x": ["2"], "1+x": ["-1"]}, atoms, {"x": 2, "1+x": -1, "y": 1}, root, "1+x")


def test_registered_channels_follow_their_physical_definitions() -> None:
    from dicert.verify.certify.checker.results import bec_noc_channel, ising_channel, qary_ising_channel, spec

    for q in (2, 3):
        law = [[[rational(p) for p in row] for row in block] for block in qary_ising_channel(q)["law"]]
        for s in range(q):
            for x in range(q):
                expect = [fmpq_half(y, x, s) for y in range(q)]
                assert law[s][x] == expect
        assert qary_ising_channel(q)["next_state"] == [[[x] * q for x in range(q)] for _ in range(q)]  # new state X
    assert ising_channel() == qary_ising_channel(2)
    trap = spec("trapdoor", {}).channel
    for s in range(2):
        for x in range(2):
            for y in range(2):
                if rational(trap["law"][s][x][y]) > 0:       # f(s, x, y) = s + x - y on every possible transition
                    assert trap["next_state"][s][x][y] == s + x - y
    bec = bec_noc_channel(__import__("fractions").Fraction(1, 3))
    assert bec["allowed"] == [[True, True], [True, False]] and bec["next_state"][1][0] == [0, 0, 0]
    for bad in ("1", "-1/2", "1/65"):
        with pytest.raises(InvalidInput, match="eps"):
            spec("bec_noc", {"eps": bad})


def fmpq_half(y: int, x: int, s: int):
    """P(y | x, s) of the q-ary Ising channel: Y = X or S with probability 1/2 each."""
    from flint import fmpq

    return fmpq(int(y == x) + int(y == s), 2)

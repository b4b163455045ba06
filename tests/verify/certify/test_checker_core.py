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

"""Certificate record, claims, data-driven checks and witness polishing."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from dicert.verify.certify.certificate import Certificate, Check
from dicert.verify.certify.checks import make_check, rerun_check, value_interval
from dicert.verify.certify.claims import decide_claim, parse_claim
from dicert.verify.certify.exact_inputs import ExactUnifilar, exact_graph, rationalize_stochastic
from dicert.verify.certify.intervals import DecimalInterval
from dicert.verify.certify.witness import duality_value_function, exact_test_distribution
from dicert.verify.errors import InvalidGraph, InvalidInput

ISING_BOX = value_interval(["1", "-4", "6", "-5", "1"], ["0", "1"], "-1/2", 30)


@pytest.mark.parametrize(
    ("claim", "verdict"),
    [("0.5756", "refuted"), ("0.5755215", "refuted"), ("0.57552", "correct"), ("0.5755216", "correct"),
     ("0.575521574168057781109821174287", "correct"), ("0.5755215741680577811098211742871364", "undecided"),
     ("1", "correct"), ("0", "refuted")],
)
def test_claims_against_the_certified_ising_interval(claim: str, verdict: str) -> None:
    assert decide_claim(claim, ISING_BOX).verdict == verdict


@pytest.mark.parametrize("bad", ["", "abc", "0.5e3", "1/2", "0..5"])
def test_malformed_claims_are_bad_input(bad: str) -> None:
    with pytest.raises(InvalidInput, match="claim"):
        parse_claim(bad)


def test_certificate_json_round_trip_keeps_every_field() -> None:
    from dicert.verify.certify.checker.core import issue

    cert = Certificate(issue("ising_q", {"q": 3}, 5))
    back = Certificate.from_json(json.loads(cert.dumps()))
    assert back.to_json() == cert.to_json() and back.claim == cert.claim and back.params == {"q": 3}


def test_certificate_with_a_failed_check_is_not_verified_and_latex_names_failures() -> None:
    from dicert.verify.certify.checker.core import issue

    data = issue("ising_q", {"q": 3}, 5)
    failing = Certificate(data, [Check("c", "k", False, "no root in bracket")])
    assert not failing.verified and "FAILED" in failing.to_latex() and "\\\\" in failing.table_row()


def test_from_json_rejects_missing_fields() -> None:
    with pytest.raises(InvalidInput, match="schema"):
        Certificate.from_json({"name": "x", "checks": [], "digits": 3})
    with pytest.raises(InvalidInput, match="lo <= hi"):
        DecimalInterval("0.5", "0.4")


def test_value_enclosure_fails_for_a_shifted_interval() -> None:
    data = {"poly": ["1", "-4", "6", "-5", "1"], "bracket": ["0", "1"], "coefficient": "-1/2", "digits": 30}
    good = make_check("v", "value_enclosure", {**data, "interval": ISING_BOX.to_list()})
    d = Fraction(1, 10**31)
    shifted = DecimalInterval(str(Fraction(ISING_BOX.lo) + d), str(Fraction(ISING_BOX.hi) + d))
    bad = make_check("v", "value_enclosure", {**data, "interval": shifted.to_list()})
    assert good.passed and not bad.passed


def test_rerun_ignores_a_stored_pass_flag_and_fails_unknown_kinds() -> None:
    forged = Check("r", "root_isolation", True, "trust me", 0.0, {"poly": ["-2", "0", "1"], "bracket": ["-2", "2"]})
    assert not rerun_check(forged).passed
    unknown = rerun_check(Check("r", "no_such_kind", True, "", 0.0, {}))
    assert not unknown.passed and "unknown check kind" in unknown.evidence


def test_exact_inputs_validate_shapes_and_ranges() -> None:
    with pytest.raises(InvalidGraph, match="phi"):
        exact_graph([[0, 1], [0]])
    with pytest.raises(InvalidInput, match="next_state"):
        ExactUnifilar.from_arrays([[["1", "0"]]], [[[0, 3]]])
    assert rationalize_stochastic([0.5, 0.25, 0.25]) == [Fraction(1, 2), Fraction(1, 4), Fraction(1, 4)]


def test_polished_value_function_makes_the_trapdoor_bound_tight() -> None:
    from dicert.proofs.trapdoor import CHANNEL, PHI_UPPER
    from dicert.verify.certify.duality_check import certified_duality_upper_bound

    r = 0.6180339887498949
    test = exact_test_distribution([[r, 1 - r], [0.5, 0.5], [1 - r, r]], CHANNEL)
    value = duality_value_function(CHANNEL, PHI_UPPER, test)
    bound = certified_duality_upper_bound(CHANNEL, PHI_UPPER, test, value)
    assert abs(float(bound.upper.mid()) - 0.6942419136306174) < 1e-14
    assert float(bound.spread.mid()) < 1e-30


@pytest.mark.parametrize(
    ("name", "phi", "value"),
    [("ising", [[3, 1], [3, 0], [3, 0], [2, 0]], "0.57552157416805778111"),
     ("trapdoor", [[0, 1], [0, 2], [1, 2]], "0.69424191363061730174")],
)
def test_dual_program_witness_gives_rigorous_upper_bounds_within_1e_minus_12(name, phi, value) -> None:
    from dicert.verify.certify.qgraph_certify import certify_qgraph_bounds
    from dicert.verify.channels import parse_channel

    res = certify_qgraph_bounds(parse_channel(name), phi)
    c = Fraction(value)
    assert c - Fraction(1, 10**19) < Fraction(res.upper) < c + Fraction(1, 10**12)
    again = make_check("u", "duality_upper_bound", {"channel": res.witness["channel"], **res.witness["upper"]})
    assert again.passed, again.evidence

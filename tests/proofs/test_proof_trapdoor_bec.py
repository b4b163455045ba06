"""Trapdoor and input-constrained BEC certificates."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from dicert.proofs import bec_noc, trapdoor
from dicert.proofs.closed_form import load_witness
from dicert.verify.errors import InvalidInput

GOLDEN_LOG = "0.6942419136306173017"  # published 0.69424191363061730174..., truncated


def test_trapdoor_certificate_is_log2_golden_ratio_with_gap_below_1e_minus_9() -> None:
    cert = trapdoor.build(digits=50)
    assert cert.verified, [c.evidence for c in cert.failed_checks()]
    assert cert.value.startswith(GOLDEN_LOG)
    assert Fraction(cert.upper) - Fraction(cert.lower) < Fraction(1, 10**9)
    assert Fraction(cert.lower) <= Fraction(GOLDEN_LOG) + Fraction(1, 10**19)


def test_stored_trapdoor_witness_is_regenerated_exactly() -> None:
    assert trapdoor.trapdoor_witness(40) == load_witness("trapdoor")


def test_trapdoor_upper_bound_from_the_best_three_node_graph_solver_matches_log2_phi() -> None:
    from dicert.verify.certify.qgraph_certify import certify_qgraph_bounds
    from dicert.verify.channels import parse_channel

    res = certify_qgraph_bounds(parse_channel("trapdoor"), trapdoor.PHI_UPPER)
    assert abs(res.solver_upper - float(GOLDEN_LOG)) < 1e-8
    assert Fraction(GOLDEN_LOG) < Fraction(res.upper) < Fraction(GOLDEN_LOG) + Fraction(1, 10**4)


def test_builtin_trapdoor_channel_agrees_with_the_exact_definition() -> None:
    from dicert.verify.channels import parse_channel

    ch = parse_channel("trapdoor")
    law = np.array([[[float(Fraction(p)) for p in row] for row in block] for block in trapdoor.CHANNEL["law"]])
    assert np.array_equal(ch.law, law)
    mask = law > 0
    assert np.array_equal(np.asarray(ch.next_state)[mask], np.array(trapdoor.CHANNEL["next_state"])[mask])


@pytest.mark.parametrize("eps", ["0", "1/2", "3/10", "9/10"])
def test_bec_noc_closed_form_equals_the_published_maximisation(eps: str) -> None:
    cert = bec_noc.build(digits=25, eps=eps, bracket=False)
    assert cert.verified, [c.evidence for c in cert.failed_checks()]
    e = float(Fraction(eps))

    def neg(p: float) -> float:
        h = -(p * math.log2(p) + (1 - p) * math.log2(1 - p))
        return -h / (p + 1 / (1 - e))

    best = minimize_scalar(neg, bounds=(1e-12, 0.5), method="bounded", options={"xatol": 1e-13})
    assert abs(float(cert.cited["value"]) + best.fun) < 1e-10


def test_bec_noc_at_zero_erasure_is_the_golden_ratio_constraint_capacity() -> None:
    assert bec_noc.build(digits=20, eps="0", bracket=False).cited["value"].startswith(GOLDEN_LOG[:20])


@pytest.mark.parametrize("eps", ["1", "-1/2", "abc", "1/100"])
def test_bec_noc_rejects_bad_erasure_probabilities(eps: str) -> None:
    with pytest.raises(InvalidInput, match="eps"):
        bec_noc.build(digits=10, eps=eps)


def test_rigorous_duality_bound_from_the_solver_is_consistent_with_the_bec_noc_closed_form() -> None:
    """The Q-graph of Fig. 4.3 with the solver's output law gives a *rigorous* upper bound >= the formula."""
    from dicert.verify.certify.qgraph_certify import certify_qgraph_bounds
    from dicert.verify.channels import parse_channel

    res = certify_qgraph_bounds(parse_channel("bec-noc:eps=0.5"), [[0, 1, 0], [0, 0, 0]])
    closed = Fraction(bec_noc.build(digits=30, eps="1/2", bracket=False).cited_interval.hi)
    assert closed < Fraction(res.upper) < closed + Fraction(1, 10**4)


@pytest.mark.parametrize("eps", ["1/2", "9/10"])
def test_bec_noc_closed_form_lies_below_an_independent_rigorous_qgraph_upper_bound(eps: str) -> None:
    cert = bec_noc.build(digits=30, eps=eps, extended=True, bracket=False)
    assert cert.verified, [c.evidence for c in cert.failed_checks()]
    gap = Fraction(cert.upper) - Fraction(cert.cited_interval.hi)
    assert 0 < gap < Fraction(1, 10**8)
    assert cert.proven["lower"] == "0." + "0" * 33 and "trivial" in cert.proven["methods"][-1]


def test_bec_noc_upper_check_fails_when_the_closed_form_is_wrong() -> None:
    from dicert.verify.certify.checker.kinds import KINDS

    cert = bec_noc.build(digits=30, eps="1/2", extended=True, bracket=False)
    from flint import arb

    from dicert.verify.certify.checker.exact import rational

    upper = rational(cert.upper)
    larger = arb(rational(cert.cited_interval.hi)) + rational("1e-6")  # a closed form slightly too large
    ok, text, _ = KINDS["closed_form_in_bracket"]({}, {"closed_form_ball": larger, "upper": upper, "lower": None})
    assert not ok and "not proven <=" in text

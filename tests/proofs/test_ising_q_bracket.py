"""First-principles brackets for ising_q and bec_noc: [L, U] proven from the channel, closed form inside (issue 12)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from dicert.proofs import bec_noc, ising_q
from dicert.verify.certify.checker.core import check


def _closed_form_inside(cert) -> bool:
    return next(c for c in cert.checks if c.name == "closed_form_between_bounds").passed


@pytest.mark.parametrize("q", [2, 3])
def test_ising_q_bracket_from_the_channel_contains_the_closed_form_width_below_1e_9(q):
    cert = ising_q.build(digits=20, q=q)
    assert cert.verified, [c.evidence for c in cert.failed_checks()]
    names = {c.name for c in cert.checks}
    assert {"qgraph_duality_upper_bound", "qgraph_bcjr_lower_bound", "closed_form_between_bounds"} <= names
    assert _closed_form_inside(cert)
    assert Fraction(cert.upper) - Fraction(cert.lower) < Fraction(1, 10**9)
    # Thm 4.6.1 value (published for q = 3: 0.961227192541722...)
    assert float(cert.lower) <= float(cert.cited["value"]) <= float(cert.upper)


@pytest.mark.slow
@pytest.mark.parametrize("q", [4, 5, 6, 7, 8])
def test_ising_q_bracket_for_larger_alphabets(q):
    cert = ising_q.build(digits=20, q=q)
    assert cert.verified and _closed_form_inside(cert)
    assert Fraction(cert.upper) - Fraction(cert.lower) < Fraction(1, 10**9)


def test_ising_q_bracket_certificate_rechecks_and_a_tampered_policy_fails():
    cert = ising_q.build(digits=15, q=2)
    data = cert.to_json()
    assert check(data).verified
    policy = data["witness"]["lower"]["policy"]
    s, node = 0, 0
    row = policy[s][node]
    a, b = Fraction(row[0]), Fraction(row[1])
    row[0], row[1] = str(a + Fraction(1, 10**6)), str(b - Fraction(1, 10**6))
    assert not check(data).verified


@pytest.mark.slow
def test_bec_noc_bracket_from_the_channel_contains_the_closed_form():
    cert = bec_noc.build(digits=20, eps="1/2")
    assert cert.verified and _closed_form_inside(cert)
    # Sabag, Permuter & Kashyap 2016: C = 0.40568523137582... at eps = 1/2
    assert float(cert.lower) <= 0.4056852313758246 <= float(cert.upper)
    assert Fraction(cert.upper) - Fraction(cert.lower) < Fraction(1, 10**9)  # measured 3.5e-10


def test_beyond_theorem_reports_a_verdict_against_a_verified_bracket():
    r = ising_q.beyond_theorem(2, digits=12)
    assert r["certificate"].verified and r["verdict"] == "formula inside the bracket"

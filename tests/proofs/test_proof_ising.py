"""Binary and q-ary Ising certificates (monograph 4.3.4, 4.5.1, Thm 4.6.1)."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest
from flint import arb

from dicert.proofs import ising, ising_q
from dicert.proofs.closed_form import load_witness
from dicert.verify.certify.checks import make_check
from dicert.verify.certify.intervals import to_fmpq, working_precision
from dicert.verify.certify.roots import isolate_root

PUBLISHED_A = "0.45029952209802973306"
PUBLISHED_C = "0.57552157416805778111"


def test_ising_certificate_to_1000_digits_contains_minus_half_log2_a() -> None:
    cert = ising.build(digits=1000)
    assert cert.verified, [c.evidence for c in cert.failed_checks()]
    cited = cert.cited_interval
    lo, hi = cited.bounds()
    assert hi - lo < to_fmpq("1e-998")
    with working_precision(digits=1100):
        root = isolate_root(ising.POLY, 0, 1).refine(1050)
        value = -(root.ball().log() / arb(2).log()) / 2
        assert cited.contains_arb(value)
        assert cert.interval.contains_arb(value)          # the proven interval contains it too
    assert cert.cited["value"].startswith(PUBLISHED_C[:20]) and cert.value.startswith(PUBLISHED_C[:20])
    # proven from the channel: C <= closed form exactly (Bellman), BCJR lower bound within ~1e-78
    assert 70 <= cert.proven["digits"] < 1000 and not cert.proven["exact"]
    assert Fraction(cert.upper) - Fraction(cert.lower) < Fraction(1, 10**70)


def test_ising_root_matches_the_published_value() -> None:
    root = isolate_root(ising.POLY, 0, 1).refine(25)
    assert str(Fraction(int(root.lo.p), int(root.lo.q)).__float__())[:15] == PUBLISHED_A[:15]


def test_ising_checks_a_to_f_are_present_and_pass() -> None:
    cert = ising.build(digits=20, extended=True)
    names = {c.name: c.passed for c in cert.checks}
    assert names == {
        "root_unique": True, "closed_form_identity": True,
        "duality_bellman_closed_form": True, "closed_form_identity_sympy": True,
        "hstar_continuity": True, "hstar_smooth_fit": True, "bellman_hstar_cover": True,
        "qgraph_duality_upper_bound": True, "qgraph_bcjr_lower_bound": True, "closed_form_between_bounds": True,
    }
    # the display-only (--full) checks are not part of the certificate file
    assert {c["name"] for c in cert.to_json()["checks"]} == names.keys() - {
        "closed_form_identity_sympy", "hstar_continuity", "hstar_smooth_fit", "bellman_hstar_cover"}


def test_checker_registry_bellman_data_is_the_proof_modules_closed_form() -> None:
    from dicert.verify.certify.checker.results import spec

    data = spec("ising", {}).registry_data["duality_bellman_closed_form"]
    mine = ising.duality_closed_form_data()
    assert all(data[k] == mine[k] for k in ("phi", "test_log", "value", "rho", "relation", "eliminate"))
    assert spec("ising", {}).channel == ising.CHANNEL


def test_seed_typo_pairing_v03_equals_v03_fails_while_v03_equals_v12_holds() -> None:
    data = ising.duality_closed_form_data()
    assert ising.check_log_bellman(data)[0]
    wrong = json.loads(json.dumps(data))
    wrong["value"][1][1] = wrong["value"][0][3]  # V(1,2) := V(0,4) instead of V(0,3)
    ok, evidence = ising.check_log_bellman(wrong)
    assert not ok and "(4.55) fails" in evidence


def test_duality_closed_form_fails_at_a_wrong_algebraic_number() -> None:
    data = dict(ising.duality_closed_form_data(), poly=["-1", "1", "1"], bracket=["0", "1"])  # 1/phi instead of a
    assert not make_check("c", "log_bellman_equation", data, ising.CHECK_KINDS).passed


def test_stored_ising_witness_is_regenerated_exactly_from_the_theory() -> None:
    assert ising.ising_witness(40) == load_witness("ising")


def test_numerical_qgraph_solution_gives_a_valid_rigorous_upper_bound_that_reverifies() -> None:
    from dicert.verify.certify.qgraph_certify import certify_qgraph_bounds
    from dicert.verify.channels import parse_channel

    res = certify_qgraph_bounds(parse_channel("ising"), ising.PHI)
    c = Fraction(PUBLISHED_C)
    assert c - Fraction(1, 10**19) < Fraction(res.upper) < c + Fraction(1, 10**5)  # sound; T accurate to ~1e-6
    assert abs(res.solver_upper - float(c)) < 1e-8
    w = res.witness["upper"]
    again = make_check("u", "duality_upper_bound", {"channel": res.witness["channel"], **w})
    assert again.passed, again.evidence
    # the stored (theory) witness is far tighter than the solver's float T
    assert Fraction(load_witness("ising")["upper"]["upper"]) - c < Fraction(1, 10**19)


def test_builtin_ising_channel_agrees_with_the_exact_definition() -> None:
    from dicert.verify.channels import parse_channel

    ch = parse_channel("ising")
    law = np.array([[[float(Fraction(p)) for p in row] for row in block] for block in ising.CHANNEL["law"]])
    assert np.array_equal(ch.law, law)
    mask = law > 0
    assert np.array_equal(np.asarray(ch.next_state)[mask], np.array(ising.CHANNEL["next_state"])[mask])


@pytest.mark.parametrize("q", range(2, 9))
def test_ising_q_certificate_is_verified_and_equals_the_maximum_of_478(q: int) -> None:
    cert = ising_q.build(digits=25, q=q, bracket=False)  # the algebra only (brackets: test_ising_q_bracket.py)
    assert cert.verified, [c.evidence for c in cert.failed_checks()]
    p = np.linspace(1e-9, 1 - 1e-9, 200001)
    h2 = -(p * np.log2(p) + (1 - p) * np.log2(1 - p))
    brute = np.max(2 * (h2 + (1 - p) * math.log2(q - 1)) / (p + 3))
    assert abs(float(cert.cited["value"]) - brute) < 1e-8
    assert cert.interval is None and cert.proven["upper"] is None      # C_fb = closed form is cited only


def test_ising_q_2_reduces_to_the_binary_result() -> None:
    binary, q2 = ising.build(digits=40), ising_q.build(digits=40, q=2, bracket=False)
    assert binary.cited_interval == q2.cited_interval
    assert {c.name for c in q2.checks} >= {"reduces_to_binary"}


@pytest.mark.parametrize("q", [1, 9, "x"])
def test_ising_q_rejects_alphabets_outside_theorem_461(q) -> None:
    from dicert.verify.errors import InvalidInput

    with pytest.raises(InvalidInput, match="q:"):
        ising_q.build(digits=10, q=q)


def test_ising_q_identity_fails_with_a_wrong_quartic() -> None:
    from dicert.proofs.ising_q import quartic

    data = {
        "coefficients": {"p": ["3/2", "-3/2"], "1-p": ["-2", "2"], "q-1": ["2", "-2"]},
        "atoms": {"p": ["0", "1"], "1-p": ["1", "-1"], "q-1": ["2"]},
        "relation": {"1-p": 4, "q-1": -4, "p": -3},
        "eliminate": "1-p",
        "poly": quartic(4),  # the q = 4 quartic with the q = 3 atom
        "bracket": ["0", "1"],
    }
    assert not make_check("i", "log_identity", data).passed


def test_hstar_bellman_cover_proves_the_equation_to_1e_minus_6() -> None:
    from dicert.proofs.ising_hstar import check_hstar_cover, cover_data

    ok, evidence = check_hstar_cover(cover_data(cells=1024, eps="1e-6"))
    assert ok, evidence


def test_hstar_cover_fails_for_a_wrong_constant_a_coarse_cover_or_a_broken_cover() -> None:
    from dicert.proofs.ising_hstar import check_hstar_cover, cover_data

    data = cover_data(cells=1024, eps="1e-6")
    wrong_root = dict(data, poly=["1", "-4", "6", "-5.01", "1"])  # a root near, but not at, a
    assert not check_hstar_cover(wrong_root)[0]
    assert not check_hstar_cover(cover_data(cells=64, eps="1e-6"))[0]
    gap = dict(data, points=[p for i, p in enumerate(data["points"]) if i != 1][1:])
    assert not check_hstar_cover(gap)[0]


def test_hstar_pieces_join_continuously_and_smoothly_by_sympy() -> None:
    from dicert.proofs.ising_hstar import _identity_data
    from dicert.verify.certify.symbolic import sympy_log_identity

    continuity, smooth = _identity_data()
    for data in (continuity, smooth):
        proof = sympy_log_identity(data["expression"], "a", data["relation"], data["substitutions"])
        assert proof.holds, proof.evidence
    broken = sympy_log_identity(smooth["expression"] + " + a/1000", "a", smooth["relation"], smooth["substitutions"])
    assert not broken.holds

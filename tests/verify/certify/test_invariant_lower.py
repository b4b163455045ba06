"""Rigorous lower bounds from exactly BCJR-invariant rational inputs (method (a), Thm 4.4.4, issue 12)."""

from __future__ import annotations

import warnings

import pytest
from flint import fmpq

from dicert.verify.certify.checker.core import issue
from dicert.verify.certify.duality_check import as_exact_channel
from dicert.verify.certify.invariant_lower_cert import certified_invariant_lower, certify_policy_lower
from dicert.verify.certify.invariant_witness import exact_invariant_policy, invariance_system, rational_beliefs
from dicert.verify.certify.rate_check import bcjr_lower_bound
from dicert.verify.channels import parse_channel

TRAPDOOR = dict(law=[[[1, 0], ["1/2", "1/2"]], [["1/2", "1/2"], [0, 1]]],
                next_state=[[[0, 1], [1, 0]], [[1, 0], [0, 1]]])
TRAPDOOR_PHI = [[0, 1], [0, 2], [1, 2]]
TRAPDOOR_BELIEFS = [[0.618034, 0.381966], [0.5, 0.5], [0.381966, 0.618034]]
TRAPDOOR_POLICY = [[[0.6, 0.4], [0.5, 0.5], [1.0, 0.0]], [[0.0, 1.0], [0.5, 0.5], [0.4, 0.6]]]


def _lower_certificate(channel, phi, policy) -> dict:
    exact = as_exact_channel(channel)
    trivial_upper = {"phi": [[0] * exact.shape[2]], "test": [["1/%d" % exact.shape[2]] * exact.shape[2]],
                     "value": [["0"] for _ in range(exact.shape[0])]}  # duality bound log2|Y|
    witness = {"upper": trivial_upper,
               "lower": {"phi": phi, "policy": [[[str(v) for v in row] for row in node] for node in policy]}}
    return issue("qgraph_bracket", {}, 12, witness, channel=exact.to_json(), exact_from="text")


def test_exact_policy_solves_bcjr_invariance_and_the_independent_checker_accepts_it() -> None:
    res = exact_invariant_policy(TRAPDOOR, TRAPDOOR_PHI, TRAPDOOR_BELIEFS, TRAPDOOR_POLICY)
    assert res.ok
    assert all(v >= 0 for s in res.policy for q in s for v in q)
    assert all(sum(q, fmpq(0)) == 1 for s in res.policy for q in s)
    assert bcjr_lower_bound(TRAPDOOR, TRAPDOOR_PHI, res.policy).invariant
    cert = _lower_certificate(TRAPDOOR, TRAPDOOR_PHI, res.policy)
    assert cert["verified"] and 0.5 < float(cert["lower"]) <= 0.6942419136306


def test_perturbed_exact_policy_is_refused_by_the_checker() -> None:
    res = exact_invariant_policy(TRAPDOOR, TRAPDOOR_PHI, TRAPDOOR_BELIEFS, TRAPDOOR_POLICY)
    bad = [[list(row) for row in node] for node in res.policy]
    bad[0][1] = [bad[0][1][0] + fmpq(1, 10**9), bad[0][1][1] - fmpq(1, 10**9)]
    assert not bcjr_lower_bound(TRAPDOOR, TRAPDOOR_PHI, bad).invariant
    cert = _lower_certificate(TRAPDOOR, TRAPDOOR_PHI, bad)
    assert not cert["verified"]


def test_rational_beliefs_snap_point_masses_and_sum_exactly_to_one() -> None:
    beta = rational_beliefs([[1e-13, 1 - 1e-13], [0.2718281828, 0.7281718172]])
    assert beta[0] == [0, 1]
    assert sum(beta[1], fmpq(0)) == 1 and abs(float(beta[1][0]) - 0.2718281828) < 1e-13


def test_invariance_system_rows_vanish_at_an_invariant_input() -> None:
    res = exact_invariant_policy(TRAPDOOR, TRAPDOOR_PHI, TRAPDOOR_BELIEFS, TRAPDOOR_POLICY)
    rows, rhs, variables = invariance_system(TRAPDOOR, TRAPDOOR_PHI, res.beliefs)
    values = [res.policy[s][q][x] for s, q, x in variables]
    assert all(sum((a * v for a, v in zip(row, values)), fmpq(0)) == b for row, b in zip(rows, rhs))


def test_inconsistent_system_is_reported_not_rounded() -> None:
    # BSC with no consecutive ones on one node: (4.43) pins the belief, a generic rational one is infeasible
    ch = parse_channel("bsc-noc:p=0.1")
    res = exact_invariant_policy(ch, [[0, 0]], [[0.7, 0.3]], [[[0.6, 0.4]], [[1.0, 0.0]]])
    assert not res.ok and res.policy is None and "inconsistent" in res.evidence or "< 0" in res.evidence


def test_certified_lower_matches_post_capacity_within_1e_11() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = certified_invariant_lower(parse_channel("post:a=0.1"), [[0, 1], [0, 1]], random_starts=0)
    assert res.lower is not None
    # POST(a) feedback capacity is the Q-graph value on this graph (Permuter et al. 2014): solver estimate
    assert abs(float(res.lower) - res.lower_estimate) < 1e-11


def test_certify_policy_lower_on_memoryless_channel_is_one_minus_h2() -> None:
    import math

    bsc = dict(law=[[["3/4", "1/4"], ["1/4", "3/4"]]], next_state=[[[0, 0], [0, 0]]])
    lower, policy, _ = certify_policy_lower(bsc, [[0, 0]], [[1.0]], [[[0.5, 0.5]]], digits=15)
    closed = 1 + 0.75 * math.log2(0.75) + 0.25 * math.log2(0.25)
    assert float(lower) <= closed < float(lower) + 2e-15

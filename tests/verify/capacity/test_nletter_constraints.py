"""n-letter program (Thm 4.2.1) with input constraints and witness-evaluated bounds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize_scalar

from dicert.verify.capacity.blahut_arimoto import blahut_arimoto
from dicert.verify.capacity.nletter import (
    InfeasibleConstraint,
    causal_channel_levels,
    dual_nletter_upper,
    fsc_law,
    nletter_bounds,
    nletter_value,
    policy_directed_information,
)
from dicert.verify.channels import UnifilarFSC, parse_channel


def _h2(p: float) -> float:
    return 0.0 if p in (0.0, 1.0) else -p * math.log2(p) - (1 - p) * math.log2(1 - p)


def bec_noc_capacity(eps: float) -> float:
    """Sabag-Permuter-Kashyap 2016, Thm 1: C = max_{p <= 1/2} H2(p) / (p + 1/(1-eps))."""
    res = minimize_scalar(lambda p: -_h2(p) / (p + 1 / (1 - eps)), bounds=(1e-12, 0.5), method="bounded",
                          options={"xatol": 1e-12})
    return -float(res.fun)


def test_constrained_bounds_bracket_the_bec_noc_feedback_capacity() -> None:
    eps = 0.5
    bounds = nletter_bounds(parse_channel(f"bec-noc:eps={eps}"), 4)
    cap = bec_noc_capacity(eps)
    assert np.all(bounds.lower <= cap + 1e-9) and np.all(bounds.upper >= cap - 1e-9)
    assert np.all(np.diff(bounds.lower_monotone) >= 0) and np.all(np.diff(bounds.upper_monotone) <= 0)
    # the constraint costs rate: below the unconstrained BEC capacity 1/2
    assert bounds.maxmax[-1] < 0.5 - 1e-2 and bounds.maxmin[0] < 1e-6  # n=1, unknown s0: only x=0 is safe


def test_constrained_policy_never_sends_a_forbidden_input() -> None:
    ch = parse_channel("bec-noc:eps=0.5")
    value = nletter_value(ch, 3, 0)
    # history after (x1=1, y1) in state 1 (s' = x): input 1 must have probability 0
    policy = value.input_policy[1]  # rows: h_1 = x1 * 3 + y1
    for y1 in (1, 2):  # outputs 1 and ? are possible after x1 = 1 (0 is not: its row is never used)
        assert policy[1 * 3 + y1, 1] == 0.0
    assert value.lower <= value.value + 1e-7 <= value.upper + 2e-7


def test_infeasible_constraint_raises_and_leaves_no_lower_bound() -> None:
    # state 0 allows only x=0, state 1 only x=1; s' = 1 - s: a code needs to know the state
    law = np.full((2, 2, 2), 0.5)
    nxt = np.array([[[1, 1], [1, 1]], [[0, 0], [0, 0]]])
    ch = UnifilarFSC(law, nxt, [[True, False], [False, True]])
    from dicert.verify.capacity.nletter import nletter_maxmin_value

    with pytest.raises(InfeasibleConstraint, match="allowed: no input sequence"):
        nletter_maxmin_value(ch, 2)
    bounds = nletter_bounds(ch, 2)
    assert np.all(np.isnan(bounds.lower)) and np.all(np.isfinite(bounds.upper))
    assert bounds.to_dict()["lower"] == [None, None]


def test_witness_bounds_bracket_the_solver_value_for_a_hidden_state_channel() -> None:
    ch = parse_channel("gilbert-elliott")
    for s0 in (0, 1):
        value = nletter_value(ch, 3, s0)
        assert value.lower <= value.value + 1e-7 and value.value <= value.upper + 1e-7
        assert value.upper - value.lower < 1e-5


def test_dual_bound_is_above_the_value_of_every_policy() -> None:
    rng = np.random.default_rng(3)
    law = fsc_law(parse_channel("gilbert-elliott"))
    levels = causal_channel_levels(law, 3, 0)
    for _ in range(5):
        q = rng.dirichlet(np.ones(8))
        policy = [rng.dirichlet(np.ones(2), size=(4**i)) for i in range(3)]
        assert policy_directed_information(levels, policy) <= dual_nletter_upper(levels, q) + 1e-12


def test_memoryless_fsc_brackets_the_blahut_arimoto_capacity() -> None:
    """Gilbert-Elliott with equal crossovers is a BSC whatever the hidden state (Example 4.1.1)."""
    ch = parse_channel("gilbert-elliott:pg=0.11,pb=0.11")
    bounds = nletter_bounds(ch, 4)
    cap = blahut_arimoto(np.array([[0.89, 0.11], [0.11, 0.89]])).value
    assert np.all(bounds.lower <= cap + 1e-9) and np.all(bounds.upper >= cap - 1e-9)
    # the state does not matter: the n-letter values equal the BA capacity at every n
    assert np.allclose(bounds.maxmin, cap, atol=1e-6) and np.allclose(bounds.maxmax, cap, atol=1e-6)


def test_a_failed_solve_leaves_no_bound_at_that_n_but_keeps_the_others(monkeypatch):
    import dicert.verify.capacity.nletter as nl
    from dicert.verify.errors import SolverFailed

    real = nl.nletter_value

    def flaky(channel, n, initial_state=0):
        if n == 2 and initial_state == 1:
            raise SolverFailed("n-letter program (n=2): Clarabel status 'optimal_inaccurate', expected 'optimal'")
        return real(channel, n, initial_state)

    monkeypatch.setattr(nl, "nletter_value", flaky)
    bounds = nl.nletter_bounds(parse_channel("trapdoor"), 3)
    assert math.isnan(bounds.upper[1]) and np.isfinite(bounds.upper[[0, 2]]).all()
    assert bounds.upper_monotone[1] == bounds.upper[0]  # the running minimum skips the missing n

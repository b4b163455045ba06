"""The checker's root refinement by Newton's method (proven by an exact sign change) and many-digit certificates."""

from __future__ import annotations

import math

import pytest
from flint import arb, ctx, fmpq
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dicert.graphs.errors import InvalidInput, TooLarge
from dicert.proofs.closed_form import digits_cost, guard_digits
from dicert.proofs.registry import build
from dicert.verify.certify.checker import algebra
from dicert.verify.certify.checker.algebra import isolate
from dicert.verify.workload import time_limit

ISING_QUARTIC = ["1", "-4", "6", "-5", "1"]  # (1-a)^4 - a^3


@settings(max_examples=20, deadline=None)
@given(a=st.integers(2, 50), b=st.integers(1, 9), digits=st.sampled_from([40, 300, 3000]))
def test_newton_refined_bracket_of_x2_minus_a_over_b_is_narrow_and_changes_sign(a: int, b: int, digits: int) -> None:
    assume(math.isqrt(a * b) ** 2 != a * b)  # an irrational root sqrt(a/b) in [0, a]
    root = isolate([f"-{a}/{b}", "0", "1"], ["0", str(a)])
    refined = root.refine(digits)
    assert 0 < refined.hi - refined.lo <= fmpq(1, 10**digits)
    assert refined.p(refined.lo) < 0 < refined.p(refined.hi)
    saved = ctx.prec
    try:
        ctx.prec = int(digits * 3.33) + 64
        assert refined.ball().overlaps((arb(a) / b).sqrt())
    finally:
        ctx.prec = saved


def test_newton_and_complex_root_paths_give_overlapping_brackets_on_the_ising_quartic(monkeypatch: pytest.MonkeyPatch) -> None:
    fast = isolate(ISING_QUARTIC, ["0", "1"]).refine(700)
    monkeypatch.setattr(algebra.Root, "_newton", lambda self, digits, target, pos_lo: None)
    algebra._REFINED.clear()
    slow = isolate(ISING_QUARTIC, ["0", "1"]).refine(700)
    assert fast.lo <= slow.hi and slow.lo <= fast.hi and fast.hi - fast.lo <= fmpq(1, 10**700)


def test_a_wrong_newton_candidate_is_refused_by_the_sign_check(monkeypatch: pytest.MonkeyPatch) -> None:
    # a narrow bracket away from the root must not be accepted: the refinement falls back and stays correct
    monkeypatch.setattr(algebra.Root, "_newton", lambda self, digits, target, pos_lo: (fmpq(1, 3), fmpq(1, 3) + fmpq(1, 10**90)))
    algebra._REFINED.clear()
    refined = isolate(["-2", "0", "1"], ["1", "2"]).refine(80)
    assert refined.p(refined.lo) < 0 < refined.p(refined.hi) and refined.hi - refined.lo <= fmpq(1, 10**80)
    algebra._REFINED.clear()


def test_a_twenty_thousand_digit_ising_certificate_agrees_with_the_thirty_digit_one() -> None:
    long, short = build("ising", digits=20000), build("ising", digits=30)
    assert long.verified and long.digits == 20000
    value = long.cited["value"]
    assert len(value) > 20000 and value.startswith(short.cited["value"][:-2])


def test_digits_above_a_million_or_above_the_time_limit_are_refused_in_one_line() -> None:
    with pytest.raises(InvalidInput, match=r"^digits: expected an integer in 1\.\.1000000, got 1000001$"):
        build("ising", digits=10**6 + 1)
    with time_limit(1), pytest.raises(TooLarge, match=r"^digits: a 500000-digit certificate needs an estimated"):
        guard_digits(500000)
    assert digits_cost(10**5)[0] < 0.5 < digits_cost(10**6)[0]

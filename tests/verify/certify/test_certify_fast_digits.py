"""Fast high-precision helpers: Newton refinement of isolated roots, cached long parses and logarithms."""

from __future__ import annotations

import math

import pytest
from flint import arb, fmpq
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dicert.verify.certify import roots
from dicert.verify.certify.intervals import log2, to_fmpq, working_precision
from dicert.verify.certify.roots import isolate_root


@settings(max_examples=25, deadline=None)
@given(a=st.integers(2, 50), b=st.integers(1, 9), digits=st.sampled_from([80, 300, 2000]))
def test_newton_refinement_brackets_the_root_of_x2_minus_a_over_b_by_an_exact_sign_change(a: int, b: int, digits: int) -> None:
    # x^2 - a/b on [0, a]: the irrational root sqrt(a/b); the refined bracket is proved by its signs and is narrow
    assume(math.isqrt(a * b) ** 2 != a * b)
    refined = isolate_root([fmpq(-a, b), 0, 1], 0, a).refine(digits)
    assert refined.width() <= fmpq(1, 10**digits)
    assert refined.poly(refined.lo) < 0 < refined.poly(refined.hi)
    with working_precision(digits=digits + 10):
        assert refined.ball().overlaps((arb(a) / b).sqrt())


def test_newton_and_complex_root_paths_agree_on_the_ising_quartic(monkeypatch: pytest.MonkeyPatch) -> None:
    root = isolate_root([1, -4, 6, -5, 1], 3, 4)
    fast = root.refine(500)
    monkeypatch.setattr(roots, "NEWTON_DIGITS", 10**9)  # force the complex-root path
    slow = root.refine(500)
    assert fast.lo <= slow.hi and slow.lo <= fast.hi  # both brackets hold the one root


def test_a_failed_newton_candidate_falls_back_to_a_proved_bracket(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roots.IsolatedRoot, "_newton_candidate", lambda self, digits: (None, None))
    refined = isolate_root([-2, 0, 1], 1, 2).refine(100)
    assert refined.width() <= fmpq(1, 10**100) and refined.poly(refined.lo) < 0 < refined.poly(refined.hi)


def test_long_decimals_and_high_precision_logs_give_the_same_values_when_repeated() -> None:
    text = "0." + "7" * 5000
    assert to_fmpq(text) == to_fmpq(text) == fmpq(7 * (10**5000 - 1) // 9, 10**5000)
    with working_precision(bits=30000):
        first, again = log2(arb(3) / 7), log2(arb(3) / 7)
        assert first.overlaps(again) and (arb(2) ** first).overlaps(arb(3) / 7)

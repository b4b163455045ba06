"""Chapter-2 identities under the exact (sympy) and multi-precision (mpmath) backends,
and agreement of the three backends on the same pmf.

Under sympy the identities hold *exactly*: results are canonical sums
``sum_q c_q log(q)`` over primes, so the difference of the two sides is the
number 0, not a small float.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings

from dicert.verify import Pmf
from dicert.verify.measures import (
    causally_conditioned_entropy,
    delayed,
    directed_information,
    directed_information_kl,
    entropy,
    info_mat,
    instantaneous_information,
    mutual_information,
    reverse_directed_information,
    transfer_entropy,
)
from dicert.verify.strategies.pmfs import no_feedback_sequence_pmfs, sequence_pmfs

EXACT_EXAMPLES = settings(max_examples=100)
MPMATH_EXAMPLES = settings(max_examples=60)


def measures_of(p: Pmf, xs: list[str], ys: list[str]) -> dict[str, object]:
    return {
        "entropy": entropy(p, ys),
        "mutual_information": mutual_information(p, xs, ys),
        "directed_information": directed_information(p, xs, ys),
        "reverse_directed_information": reverse_directed_information(p, xs, ys),
        "instantaneous_information": instantaneous_information(p, xs, ys),
        "causally_conditioned_entropy": causally_conditioned_entropy(p, ys, xs),
        "delayed_directed_information": directed_information(p, xs, ys, delay=1),
        "transfer_entropy": transfer_entropy(p, xs, ys),
    }


# ----------------------------------------------------------------- exact identities
@EXACT_EXAMPLES
@given(sequence_pmfs(backend="sympy", max_n=3, max_cells=216))
def test_conservation_law_holds_exactly_for_rational_pmfs(case):
    # I(X^n; Y^n) - I(X^n -> Y^n) - I(DY^n -> X^n) == 0 exactly   (2.13)
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    mi = mutual_information(p, xs, ys)
    difference = mi - directed_information(p, xs, ys) - reverse_directed_information(p, xs, ys)
    assert difference == 0


@EXACT_EXAMPLES
@given(sequence_pmfs(backend="sympy", max_n=3, max_cells=216))
def test_instantaneous_decompositions_2_14_and_2_16_hold_exactly_for_rational_pmfs(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    inst = instantaneous_information(p, xs, ys)
    assert directed_information(p, xs, ys) + directed_information(p, ys, xs) - mutual_information(p, xs, ys) - inst == 0
    assert directed_information(p, xs, ys) - directed_information(p, delayed(xs), ys) - inst == 0


@EXACT_EXAMPLES
@given(sequence_pmfs(backend="sympy", max_n=3, max_cells=216))
def test_kl_form_2_11_and_infomat_sums_are_exact_for_rational_pmfs(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    di = directed_information(p, xs, ys)
    assert directed_information_kl(p, xs, ys) - di == 0
    matrix = info_mat(p, xs, ys)
    assert sum(matrix[np.triu_indices(len(xs))]) - di == 0
    assert sum(matrix.reshape(-1)) - mutual_information(p, xs, ys) == 0


@EXACT_EXAMPLES
@given(no_feedback_sequence_pmfs(backend="sympy", max_n=3, max_cells=216))
def test_di_equals_mi_exactly_without_feedback(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    assert directed_information(p, xs, ys) - mutual_information(p, xs, ys) == 0
    assert reverse_directed_information(p, xs, ys) == 0


# ----------------------------------------------------------------- multi-precision identities
@MPMATH_EXAMPLES
@given(sequence_pmfs(backend="mpmath", max_n=3, max_cells=216))
def test_conservation_law_holds_to_50_digits_with_mpmath(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    with mpmath.workdps(50):
        q = p.to_backend("float64").to_backend("mpmath")
        difference = (
            mutual_information(q, xs, ys) - directed_information(q, xs, ys) - reverse_directed_information(q, xs, ys)
        )
        assert isinstance(difference, mpmath.mpf)
        assert abs(difference) < mpmath.mpf(10) ** -45


@MPMATH_EXAMPLES
@given(sequence_pmfs(backend="mpmath", max_n=3, max_cells=216))
def test_di_lies_between_zero_and_mi_with_mpmath(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    di = directed_information(p, xs, ys)
    tolerance = mpmath.mpf(10) ** (-mpmath.mp.dps + 3)
    assert -tolerance <= di <= mutual_information(p, xs, ys) + tolerance


# ----------------------------------------------------------------- agreement of the backends
@EXACT_EXAMPLES
@given(sequence_pmfs(backend="sympy", max_n=3, max_cells=216))
def test_float64_mpmath_and_exact_backends_agree(case):
    exact_pmf, xs, ys = case.pmf, list(case.xs), list(case.ys)
    exact = measures_of(exact_pmf, xs, ys)
    floats = measures_of(exact_pmf.to_backend("float64"), xs, ys)
    with mpmath.workdps(50):
        precise = measures_of(exact_pmf.to_backend("mpmath"), xs, ys)
        for name, value in exact.items():
            reference = mpmath.mpf(sympy.N(value, 60))
            assert abs(precise[name] - reference) < mpmath.mpf(10) ** -45, name
            assert abs(floats[name] - float(value)) < 1e-12, name


# ----------------------------------------------------------------- closed forms
def test_rational_pmf_gives_a_closed_form_symbolic_di():
    # uniform input through a BSC with crossover 1/4: I = 1 - h(1/4) = 3/4 log2(3) - 1
    quarter = sympy.Rational(1, 4)
    x = Pmf(np.array([sympy.Rational(1, 2)] * 2, dtype=object), ["X1"])
    bsc = np.array([[1 - quarter, quarter], [quarter, 1 - quarter]], dtype=object)
    p = Pmf.from_channel(x, bsc, ["Y1"])
    di = directed_information(p, ["X1"], ["Y1"])
    assert di == sympy.Rational(3, 4) * sympy.log(3) / sympy.log(2) - 1
    assert di.free_symbols == set()


def test_symbolic_pmf_gives_the_symbolic_capacity_expression():
    # uniform input, BSC(eps) with symbolic eps: I(X;Y) = 1 - h(eps)
    eps = sympy.Symbol("epsilon", positive=True)
    x = Pmf(np.array([sympy.Rational(1, 2)] * 2, dtype=object), ["X"])
    bsc = np.array([[1 - eps, eps], [eps, 1 - eps]], dtype=object)
    p = Pmf.from_channel(x, bsc, ["Y"])
    value = directed_information(p, ["X"], ["Y"])
    binary_entropy = -(eps * sympy.log(eps) + (1 - eps) * sympy.log(1 - eps)) / sympy.log(2)
    assert sympy.simplify(value - (1 - binary_entropy)) == 0
    assert value.free_symbols == {eps}


@pytest.mark.parametrize("n", [2, 3, 4])
def test_example_2_3_2_values_are_exact(n):
    # X i.i.d. Ber(1/2), Y_i = X_{i+1}, Y_n = null: DI = 0, reverse DI = MI = n - 1
    names = [f"X{i}" for i in range(1, n + 1)] + [f"Y{i}" for i in range(1, n + 1)]
    half_n = sympy.Rational(1, 2**n)

    def law(*symbols):
        x, y = symbols[:n], symbols[n:]
        ok = all(y[i] == x[i + 1] for i in range(n - 1)) and y[n - 1] == 0
        return half_n if ok else sympy.Integer(0)

    p = Pmf.from_function(law, names, [2] * (2 * n))
    xs, ys = names[:n], names[n:]
    assert directed_information(p, xs, ys) == 0
    assert reverse_directed_information(p, xs, ys) == n - 1
    assert mutual_information(p, xs, ys) == n - 1

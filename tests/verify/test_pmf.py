"""Pmf: construction, validation errors, operations, constructors and backends."""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from dicert.verify import Pmf
from dicert.verify.errors import DicertError, InvalidChannel, InvalidInput, InvalidPmf, TooLarge
from dicert.verify.memory import memory_limit
from dicert.verify.strategies.pmfs import pmfs

# ----------------------------------------------------------------- construction and validation


def test_pmf_public_import_and_default_alphabets():
    p = Pmf(np.array([[0.1, 0.2, 0.3], [0.1, 0.2, 0.1]]), names=["X", "Y"])
    assert p.names == ("X", "Y")
    assert p.alphabets == ((0, 1), (0, 1, 2))
    assert p.shape == (2, 3)
    assert p.backend == "float64"
    assert not p.array.flags.writeable


def test_pmf_copies_its_input():
    raw = np.array([0.5, 0.5])
    p = Pmf(raw, ["X"])
    raw[0] = 7.0
    assert p.array[0] == 0.5


@pytest.mark.parametrize(
    ("array", "names", "alphabets", "message"),
    [
        (np.array([0.5, -0.1, 0.6]), ["X"], None, r"^array: entries must be >= 0, found -0\.1 at index \(1,\)"),
        (np.array([0.5, 0.6]), ["X"], None, r"^array: entries sum to 1\.1"),
        (np.array([np.nan, 1.0]), ["X"], None, r"^array: entries must be finite"),
        (np.full((2, 2), 0.25), ["X"], None, r"^names: 1 names for an array with 2 axes"),
        (np.full((2, 2), 0.25), ["X", "X"], None, r"^names: duplicated variable name 'X'"),
        (np.full((2, 2), 0.25), "XY", None, r"^names: expected a sequence of variable names"),
        (np.full((2, 2), 0.25), ["X", 3], None, r"^names: variable names must be non-empty strings"),
        (np.full((2, 2), 0.25), ["X", "Y"], [("a", "b", "c"), None], r"^alphabets: variable 'X' has 3 symbols"),
        (np.full((2, 2), 0.25), ["X", "Y"], [("a", "a"), None], r"^alphabets: variable 'X' has repeated symbols"),
        (np.full((2, 2), 0.25), ["X", "Y"], [None], r"^alphabets: 1 alphabets for 2 variables"),
        (np.array(["a", "b"]), ["X"], None, r"^array: expected numbers"),
        (np.array([0.5 + 0j, 0.5]), ["X"], None, r"^array: expected real probabilities"),
    ],
)
def test_invalid_pmfs_raise_invalid_pmf_naming_the_field(array, names, alphabets, message):
    with pytest.raises(InvalidPmf, match=message):
        Pmf(array, names, alphabets)


def test_invalid_pmf_is_a_dicert_error_and_a_value_error():
    with pytest.raises(DicertError):
        Pmf(np.array([0.2, 0.2]), ["X"])
    with pytest.raises(ValueError):
        Pmf(np.array([0.2, 0.2]), ["X"])


def test_sum_check_is_exact_for_rationals_and_tolerant_for_floats():
    Pmf(np.array([0.1] * 10), ["X"])  # 0.1 * 10 != 1 in binary, within tolerance
    third = sympy.Rational(1, 3)
    Pmf(np.array([third, third, third], dtype=object), ["X"])
    with pytest.raises(InvalidPmf, match="sum to"):
        Pmf(np.array([third, third, third + sympy.Rational(1, 10**30)], dtype=object), ["X"])


def test_sympy_backend_rejects_float_entries():
    with pytest.raises(InvalidPmf, match="exact entries"):
        Pmf(np.array([sympy.Rational(1, 2), 0.5], dtype=object), ["X"])


def test_mixed_mpmath_and_sympy_entries_are_rejected():
    with pytest.raises(InvalidPmf, match="mix mpmath and sympy"):
        Pmf(np.array([mpmath.mpf(0.5), sympy.Rational(1, 2)], dtype=object), ["X"])


def test_backend_is_chosen_by_the_numbers():
    assert Pmf(np.array([1, 0]), ["X"]).backend == "float64"
    assert Pmf(np.array([Fraction(1, 2), Fraction(1, 2)], dtype=object), ["X"]).backend == "sympy"
    assert Pmf(np.array([mpmath.mpf(1) / 2, mpmath.mpf(1) / 2], dtype=object), ["X"]).backend == "mpmath"
    assert Pmf([Fraction(1, 3), Fraction(2, 3)], ["X"]).backend == "sympy"


def test_mpmath_backend_checks_the_sum_at_the_working_precision():
    with mpmath.workdps(40):
        third = mpmath.mpf(1) / 3
        Pmf(np.array([third, third, 1 - 2 * third], dtype=object), ["X"])
        with pytest.raises(InvalidPmf, match="sum to"):
            Pmf(np.array([mpmath.mpf(0.1), mpmath.mpf(0.9) + mpmath.mpf(10) ** -20], dtype=object), ["X"])


def test_symbolic_entries_are_accepted_when_the_sum_simplifies_to_one():
    a = sympy.Symbol("a", positive=True)
    p = Pmf(np.array([a / (1 + a), 1 / (1 + a)], dtype=object), ["X"])
    assert p.backend == "sympy"
    with pytest.raises(InvalidPmf, match="sum to"):
        Pmf(np.array([a, 1 - 2 * a, a / 2], dtype=object), ["X"])


# ----------------------------------------------------------------- operations
def test_marginal_condition_reorder_rename():
    p = Pmf(np.array([[0.3, 0.1], [0.2, 0.4]]), ["X", "Y"], alphabets=[("a", "b"), ("u", "v")])
    assert np.allclose(p.marginal(["X"]).array, [0.4, 0.6])
    assert p.marginal(["Y"]).alphabets == (("u", "v"),)
    assert np.allclose(p.condition({"X": "b"}).array, [1 / 3, 2 / 3])
    assert p.condition({"X": "b"}).names == ("Y",)
    assert np.allclose(p.reorder(["Y", "X"]).array, p.array.T)
    assert p.rename({"Y": "Z"}).names == ("X", "Z")
    assert p.probability({"X": "a", "Y": "v"}) == pytest.approx(0.1)


def test_operation_errors_name_the_field():
    p = Pmf(np.array([[0.5, 0.0], [0.0, 0.5]]), ["X", "Y"])
    with pytest.raises(InvalidPmf, match=r"^names: unknown variable 'Z'; known: X, Y"):
        p.marginal(["Z"])
    with pytest.raises(InvalidPmf, match=r"^names: duplicated variable name 'X'"):
        p.marginal(["X", "X"])
    with pytest.raises(InvalidPmf, match=r"^event: .* has probability zero"):
        Pmf(np.array([[1.0, 0.0], [0.0, 0.0]]), ["X", "Y"]).condition({"X": 1})
    with pytest.raises(InvalidPmf, match=r"^event: symbol 5 is not in the alphabet"):
        p.condition({"X": 5})
    with pytest.raises(InvalidPmf, match=r"^names: reorder needs every variable"):
        p.reorder(["X"])
    with pytest.raises(InvalidPmf, match=r"^mapping: duplicated variable name 'Y'"):
        p.rename({"X": "Y"})
    with pytest.raises(InvalidPmf, match=r"^names: the product of two pmfs needs distinct names"):
        p.product(p)


def test_product_and_mix():
    x = Pmf(np.array([0.25, 0.75]), ["X"])
    y = Pmf(np.array([0.5, 0.3, 0.2]), ["Y"])
    xy = x.product(y)
    assert xy.shape == (2, 3)
    assert np.allclose(xy.marginal(["Y"]).array, y.array)
    mixed = Pmf.mix([x, Pmf(np.array([1.0, 0.0]), ["X"])], [0.5, 0.5])
    assert np.allclose(mixed.array, [0.625, 0.375])
    with pytest.raises(InvalidInput, match=r"^weights: sum to"):
        Pmf.mix([x, x], [0.5, 0.6])
    with pytest.raises(InvalidPmf, match=r"^components\[1\]"):
        Pmf.mix([x, y], [0.5, 0.5])


def test_exact_mix_stays_exact():
    half = sympy.Rational(1, 2)
    a = Pmf(np.array([1, 0], dtype=object), ["X"])
    b = Pmf(np.array([half, half], dtype=object), ["X"])
    mixed = Pmf.mix([a, b], [sympy.Rational(1, 3), sympy.Rational(2, 3)])
    assert list(mixed.array) == [sympy.Rational(2, 3), sympy.Rational(1, 3)]


def test_sample_frequencies_match_the_pmf():
    p = Pmf(np.array([[0.1, 0.2], [0.3, 0.4]]), ["X", "Y"], alphabets=[("a", "b"), None])
    draws = p.sample(20000, rng=123)
    assert set(draws) == {"X", "Y"}
    assert set(draws["X"]) <= {"a", "b"}
    frequency = np.mean((draws["X"] == "b") & (draws["Y"] == 1))
    assert abs(frequency - 0.4) < 0.02  # 5 standard deviations
    again = p.sample(50, rng=123)
    assert np.array_equal(again["Y"], p.sample(50, rng=123)["Y"])


@given(pmfs(names=("A", "B", "C"), max_alphabet=3), st.data())
def test_marginal_of_marginal_is_marginal_and_bayes_rule_holds(p, data):
    first = data.draw(st.permutations(list(p.names)))
    assert np.allclose(p.marginal(first).marginal(first[:1]).array, p.marginal(first[:1]).array)
    marginal_a = p.marginal(["A"]).array
    a = data.draw(st.integers(min_value=0, max_value=p.shape[0] - 1))
    if marginal_a[a] > 0:
        conditional = p.condition({"A": a})
        assert np.allclose(conditional.array * marginal_a[a], p.array[a])


@settings(max_examples=30)
@given(pmfs(names=("A", "B"), max_alphabet=3, backend="sympy"))
def test_exact_marginals_and_conditionals_stay_exact(p):
    marginal = p.marginal(["B"])
    assert sum(marginal.array) == 1
    assert all(isinstance(v, sympy.Basic) for v in marginal.array)


def test_to_backend_round_trips():
    p = Pmf(np.array([0.125, 0.375, 0.5]), ["X"])
    exact = p.to_backend("sympy")
    assert list(exact.array) == [sympy.Rational(1, 8), sympy.Rational(3, 8), sympy.Rational(1, 2)]
    with mpmath.workdps(30):
        precise = exact.to_backend("mpmath")
        assert precise.array[0] == mpmath.mpf(1) / 8
    assert np.array_equal(precise.to_backend("float64").array, p.array)
    approximate = Pmf(np.array([1 / 3, 2 / 3]), ["X"]).to_backend("sympy", max_denominator=100)
    assert list(approximate.array) == [sympy.Rational(1, 3), sympy.Rational(2, 3)]
    with pytest.raises(InvalidInput, match=r"^backend: expected one of"):
        p.to_backend("float32")


# ----------------------------------------------------------------- constructors
def test_from_dict_infers_or_takes_alphabets():
    p = Pmf.from_dict({("b", 1): 0.25, ("a", 0): 0.75}, ["X", "Y"])
    assert p.alphabets == (("a", "b"), (0, 1))
    assert p.probability({"X": "a", "Y": 0}) == 0.75
    q = Pmf.from_dict({(0,): Fraction(1, 2), (2,): Fraction(1, 2)}, ["X"], alphabets=[3])
    assert q.backend == "sympy" and q.shape == (3,)
    with pytest.raises(InvalidPmf, match=r"^table: key \(0,\) has 1 symbols, expected 2"):
        Pmf.from_dict({(0,): 1.0}, ["X", "Y"])
    with pytest.raises(InvalidPmf, match=r"^table: key \(5,\) has a symbol outside the alphabets"):
        Pmf.from_dict({(5,): 1.0}, ["X"], alphabets=[2])


def test_from_function_over_named_alphabets():
    p = Pmf.from_function(lambda x, y: 0.5 * (x == y), ["X", "Y"], [("u", "v"), ("u", "v")])
    assert p.probability({"X": "u", "Y": "u"}) == 0.5
    assert p.alphabets == (("u", "v"), ("u", "v"))


def test_from_channel_builds_input_times_channel():
    x = Pmf(np.array([0.2, 0.8]), ["X"])
    z_channel = np.array([[1.0, 0.0], [0.3, 0.7]])
    p = Pmf.from_channel(x, z_channel, ["Y"], output_alphabets=[("lo", "hi")])
    assert np.allclose(p.array, [[0.2, 0.0], [0.24, 0.56]])
    assert p.alphabets[1] == ("lo", "hi")
    with pytest.raises(InvalidChannel, match=r"^channel: row \(1,\) sums to"):
        Pmf.from_channel(x, np.array([[1.0, 0.0], [0.3, 0.6]]), ["Y"])
    with pytest.raises(InvalidChannel, match=r"^channel: shape"):
        Pmf.from_channel(x, np.array([[[1.0]]]), ["Y"])
    with pytest.raises(InvalidChannel, match=r"^channel: backend"):
        Pmf.from_channel(x, np.array([[Fraction(1), Fraction(0)], [Fraction(0), Fraction(1)]], dtype=object), ["Y"])


def test_from_kernels_is_the_causal_factorisation():
    # encoder with feedback x2 = y1 through two uses of a BSC(0.1)
    bsc = np.array([[0.9, 0.1], [0.1, 0.9]])
    p = Pmf.from_kernels(
        ["X1", "Y1", "X2", "Y2"],
        [np.array([0.5, 0.5]), bsc, np.eye(2)[None, :, :], bsc[None, None, :, :]],
    )
    assert p.array.sum() == pytest.approx(1.0)
    assert p.probability({"Y1": 0, "X2": 1}) == 0.0
    assert p.probability({"X1": 0, "Y1": 0, "X2": 0, "Y2": 0}) == pytest.approx(0.5 * 0.9 * 0.9)
    with pytest.raises(InvalidPmf, match=r"^kernels\[1\]: has 1 axes, expected 2"):
        Pmf.from_kernels(["X", "Y"], [np.array([0.5, 0.5]), np.array([0.5, 0.5])])
    with pytest.raises(InvalidPmf, match=r"^kernels\[1\]: row \(0,\) sums to"):
        Pmf.from_kernels(["X", "Y"], [np.array([0.5, 0.5]), np.array([[0.5, 0.4], [0.5, 0.5]])])
    with pytest.raises(InvalidPmf, match=r"^kernels\[1\]: axis 0 \(X\) has length 3"):
        Pmf.from_kernels(["X", "Y"], [np.array([0.5, 0.5]), np.full((3, 2), 0.5)])


def test_random_pmfs_are_reproducible_and_valid():
    a = Pmf.random((2, 3), ["X", "Y"], rng=42)
    b = Pmf.random((2, 3), ["X", "Y"], rng=np.random.default_rng(42))
    assert np.array_equal(a.array, b.array)
    assert a.array.sum() == pytest.approx(1.0)
    sparse = Pmf.random((50,), ["X"], rng=0, concentration=0.05)
    assert sparse.array.max() > 0.3
    with pytest.raises(InvalidInput, match=r"^concentration: expected a positive number"):
        Pmf.random((2,), ["X"], concentration=0)
    with pytest.raises(InvalidInput, match=r"^shape: alphabet sizes must be >= 1"):
        Pmf.random((0,), ["X"])


def test_dense_allocations_are_guarded_by_the_memory_limit():
    with memory_limit("1MiB"):
        with pytest.raises(TooLarge, match=r"^random pmf: needs 8 MiB"):
            Pmf.random((2,) * 20, [f"V{i}" for i in range(20)], rng=0)
        with pytest.raises(TooLarge, match=r"^from_kernels: needs"):
            Pmf.from_kernels([f"V{i}" for i in range(18)], [np.full((2,) * (k + 1), 0.5) for k in range(18)])
        small = Pmf.random((2,) * 10, [f"V{i}" for i in range(10)], rng=0)
        with pytest.raises(TooLarge, match=r"^product: needs"):
            small.product(small.rename({f"V{i}": f"W{i}" for i in range(10)}))


def test_alphabets_may_be_given_by_name():
    p = Pmf(np.full((2, 3), 1 / 6), ["X", "Y"], alphabets={"Y": ("r", "g", "b")})
    assert p.alphabets == ((0, 1), ("r", "g", "b"))
    with pytest.raises(InvalidPmf, match=r"^alphabets: unknown variable 'Z'"):
        Pmf(np.full((2, 3), 1 / 6), ["X", "Y"], alphabets={"Z": (0, 1)})


def test_exact_conditioning_on_two_variables_is_exact():
    p = Pmf.from_function(lambda a, b, c: Fraction(a + b + c + 1, 20), ["A", "B", "C"], [2, 2, 2])
    conditional = p.condition({"A": 1, "C": 0})
    assert conditional.names == ("B",)
    assert list(conditional.array) == [sympy.Rational(2, 5), sympy.Rational(3, 5)]

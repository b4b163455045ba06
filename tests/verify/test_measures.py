"""Measures: reference values, argument handling and errors, backends, and DI/TE rates."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy

from dicert.verify import Pmf
from dicert.verify.errors import InvalidInput, InvalidPmf, TooLarge
from dicert.verify.measures import (
    InformationRate,
    causal_kernel,
    causally_conditioned_directed_information,
    causally_conditioned_entropy,
    delayed,
    directed_information,
    directed_information_kl,
    directed_information_rate,
    entropy,
    info_mat,
    instantaneous_information,
    instantaneous_information_rate,
    joint,
    markov_pair_pmf,
    mutual_information,
    reverse_directed_information,
    transfer_entropy,
    transfer_entropy_rate,
)
from dicert.verify.memory import memory_limit


def binary_entropy(p: float) -> float:
    return 0.0 if p in (0.0, 1.0) else -(p * math.log2(p) + (1 - p) * math.log2(1 - p))


def sequence_names(n: int) -> tuple[list[str], list[str]]:
    return [f"X{i}" for i in range(1, n + 1)], [f"Y{i}" for i in range(1, n + 1)]


def example_2_3_2(n: int) -> Pmf:
    xs, ys = sequence_names(n)

    def law(*symbols):
        x, y = symbols[:n], symbols[n:]
        ok = all(y[i] == x[i + 1] for i in range(n - 1)) and y[n - 1] == 0
        return 0.5**n if ok else 0.0

    return Pmf.from_function(law, xs + ys, [2] * (2 * n))


# ----------------------------------------------------------------- reference values
@pytest.mark.parametrize("eps", [0.0, 0.11, 0.25, 0.5])
def test_bsc_with_uniform_input_gives_one_minus_binary_entropy(eps):
    x = Pmf(np.array([0.5, 0.5]), ["X"])
    p = Pmf.from_channel(x, np.array([[1 - eps, eps], [eps, 1 - eps]]), ["Y"])
    assert mutual_information(p, "X", "Y") == pytest.approx(1 - binary_entropy(eps), abs=1e-12)
    assert directed_information(p, ["X"], ["Y"]) == pytest.approx(1 - binary_entropy(eps), abs=1e-12)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_example_2_3_2_directed_and_mutual_information(n):
    # I(X^n -> Y^n) = 0 while I(DY^n -> X^n) = I(X^n; Y^n) = n - 1
    p = example_2_3_2(n)
    xs, ys = sequence_names(n)
    assert directed_information(p, xs, ys) == pytest.approx(0.0, abs=1e-12)
    assert reverse_directed_information(p, xs, ys) == pytest.approx(n - 1)
    assert mutual_information(p, xs, ys) == pytest.approx(n - 1)
    matrix = info_mat(p, xs, ys)
    assert np.allclose(matrix, np.eye(n, k=-1), atol=1e-12)


def test_feedback_through_a_bsc_splits_mi_between_both_directions():
    # X1 uniform, Y1 = BSC(X1), X2 = Y1 (feedback), Y2 = BSC(X2)
    eps = 0.1
    bsc = np.array([[1 - eps, eps], [eps, 1 - eps]])
    p = Pmf.from_kernels(["X1", "Y1", "X2", "Y2"], [np.array([0.5, 0.5]), bsc, np.eye(2)[None], bsc[None, None]])
    xs, ys = ["X1", "X2"], ["Y1", "Y2"]
    # DI = I(X1;Y1) + I(X1,X2;Y2|Y1) = (1 - h(eps)) + 0, since X2 = Y1 is known and Y2 depends on X2 only;
    # feedback information = I(Y1; X2 | X1) = H(Y1 | X1) = h(eps); together they make I(X^2; Y^2) = 1 bit
    assert directed_information(p, xs, ys) == pytest.approx(1 - binary_entropy(eps))
    assert reverse_directed_information(p, xs, ys) == pytest.approx(binary_entropy(eps))
    assert mutual_information(p, xs, ys) == pytest.approx(1.0)
    assert directed_information_kl(p, xs, ys) == pytest.approx(directed_information(p, xs, ys))


def test_vector_valued_time_steps_and_helpers():
    assert delayed(["A", "B"], 0) == [("A",), ("B",)]
    assert delayed([("A", "B"), ("C",)]) == [(), ("A", "B")]
    assert joint(["A"], [("B", "C")]) == [("A", "B", "C")]
    p = Pmf.random((2, 2, 2), ["X1a", "X1b", "Y1"], rng=0)
    assert directed_information(p, [("X1a", "X1b")], ["Y1"]) == pytest.approx(
        mutual_information(p, ["X1a", "X1b"], "Y1")
    )


def test_causal_kernel_of_a_memoryless_channel_is_the_channel():
    x = Pmf.random((3,), ["X1"], rng=1)
    w = np.array([[0.7, 0.3], [0.2, 0.8], [0.5, 0.5]])
    p = Pmf.from_channel(x, w, ["Y1"])
    assert np.allclose(causal_kernel(p, ["Y1"], ["X1"]), w)


def test_causal_kernel_is_uniform_on_zero_probability_pasts():
    p = Pmf(np.array([[0.5, 0.5], [0.0, 0.0]]), ["X1", "Y1"])
    assert np.allclose(causal_kernel(p, ["Y1"], ["X1"])[1], [0.5, 0.5])


# ----------------------------------------------------------------- backends
def test_results_come_in_the_backends_number_type():
    p = Pmf.random((2, 2, 2, 2), ["X1", "X2", "Y1", "Y2"], rng=4)
    xs, ys = ["X1", "X2"], ["Y1", "Y2"]
    assert isinstance(directed_information(p, xs, ys), float)
    with mpmath.workdps(40):
        value = directed_information(p.to_backend("mpmath"), xs, ys)
        assert isinstance(value, mpmath.mpf)
        assert abs(value - directed_information(p, xs, ys)) < 1e-12
    exact = directed_information(p.to_backend("sympy", max_denominator=1000), xs, ys)
    assert isinstance(exact, sympy.Expr) and exact.free_symbols == set()
    assert isinstance(info_mat(p.to_backend("sympy", max_denominator=1000), xs, ys)[0, 0], sympy.Basic)


def test_exact_entropy_is_in_canonical_prime_log_form():
    p = Pmf(np.array([sympy.Rational(1, 6)] * 6, dtype=object), ["X"])
    assert entropy(p, "X") == 1 + sympy.log(3) / sympy.log(2)
    assert entropy(p, "X", base="e") == sympy.log(2) + sympy.log(3)


# ----------------------------------------------------------------- arguments and errors
def test_unknown_variables_and_overlaps_are_reported_by_field():
    p = Pmf.random((2, 2, 2, 2), ["X1", "X2", "Y1", "Y2"], rng=0)
    with pytest.raises(InvalidPmf, match=r"^variables: unknown variable 'Y3'"):
        directed_information(p, ["X1", "X2"], ["Y1", "Y3"])
    with pytest.raises(InvalidInput, match=r"^ys: variable 'X1' also appears in xs, causal_given or given"):
        directed_information(p, ["X1", "X2"], ["X1", "Y2"])
    with pytest.raises(InvalidInput, match=r"^xs: has 1 time steps, expected 2"):
        directed_information(p, ["X1"], ["Y1", "Y2"])
    with pytest.raises(InvalidInput, match=r"^xs: variable 'X1' appears at two times"):
        directed_information(p, ["X1", "X1"], ["Y1", "Y2"])
    with pytest.raises(InvalidInput, match=r"^ys: variable 'X1' also appears in xs"):
        mutual_information(p, "X1", "X1")
    with pytest.raises(InvalidInput, match=r"^base: expected 2, 'e'"):
        entropy(p, "X1", base=1)
    with pytest.raises(InvalidInput, match=r"^delay: expected a non-negative integer"):
        directed_information(p, ["X1", "X2"], ["Y1", "Y2"], delay=-1)
    with pytest.raises(InvalidInput, match=r"^k: expected an integer in \[0, 1\]"):
        transfer_entropy(p, ["X1", "X2"], ["Y1", "Y2"], k=2)
    with pytest.raises(InvalidInput, match=r"^pmf: expected a Pmf"):
        entropy(np.array([0.5, 0.5]), "X")


def test_conditioning_arguments_may_share_variables():
    # I(X^n -> Y^n || DX^n) is the instantaneous information (2.15)
    p = Pmf.random((2, 2, 2, 2), ["X1", "X2", "Y1", "Y2"], rng=2)
    xs, ys = ["X1", "X2"], ["Y1", "Y2"]
    assert causally_conditioned_directed_information(p, xs, ys, delayed(xs)) == pytest.approx(
        instantaneous_information(p, xs, ys)
    )


def test_causally_conditioned_entropy_without_conditioning_is_the_entropy():
    p = Pmf.random((2, 3, 2), ["Y1", "Y2", "W"], rng=3)
    assert causally_conditioned_entropy(p, ["Y1", "Y2"], ()) == pytest.approx(entropy(p, ["Y1", "Y2"]))
    assert causally_conditioned_entropy(p, ["Y1", "Y2"], (), given="W") == pytest.approx(
        entropy(p, ["Y1", "Y2"], "W")
    )


def test_materialising_measures_respect_the_memory_limit():
    p = Pmf.random((2,) * 12, [f"X{i}" for i in range(1, 7)] + [f"Y{i}" for i in range(1, 7)], rng=0)
    xs, ys = [f"X{i}" for i in range(1, 7)], [f"Y{i}" for i in range(1, 7)]
    with memory_limit("16KiB"):
        with pytest.raises(TooLarge, match=r"^causal kernel: needs 32 KiB"):
            causal_kernel(p, ys, xs)
        with pytest.raises(TooLarge):
            directed_information_kl(p, xs, ys)


# ----------------------------------------------------------------- Markov processes and rates
def memoryless_bsc_chain(eps: float, delay: int) -> np.ndarray:
    """X i.i.d. uniform; Y_{i+1} = BSC(X_{i+1}) (delay 0) or BSC(X_i) (delay 1)."""
    w = np.array([[1 - eps, eps], [eps, 1 - eps]])
    t = np.zeros((2, 2, 2, 2))
    for x, y, x2, y2 in np.ndindex(2, 2, 2, 2):
        t[x, y, x2, y2] = 0.5 * (w[x2, y2] if delay == 0 else w[x, y2])
    return t


@pytest.mark.parametrize("eps", [0.05, 0.2])
def test_rates_of_a_memoryless_channel_without_delay(eps):
    t = memoryless_bsc_chain(eps, delay=0)
    di = directed_information_rate(t)
    assert di.converged
    assert di.lower == pytest.approx(1 - binary_entropy(eps), abs=1e-9)
    assert di.upper == pytest.approx(1 - binary_entropy(eps), abs=1e-9)
    assert transfer_entropy_rate(t).value == pytest.approx(0.0, abs=1e-9)
    assert instantaneous_information_rate(t) == pytest.approx(1 - binary_entropy(eps))


@pytest.mark.parametrize("eps", [0.05, 0.2])
def test_rates_of_a_channel_with_unit_delay(eps):
    t = memoryless_bsc_chain(eps, delay=1)
    assert directed_information_rate(t).value == pytest.approx(1 - binary_entropy(eps), abs=1e-9)
    assert transfer_entropy_rate(t).value == pytest.approx(1 - binary_entropy(eps), abs=1e-9)
    assert instantaneous_information_rate(t) == pytest.approx(0.0, abs=1e-12)
    assert directed_information_rate(t, base="e").value == pytest.approx((1 - binary_entropy(eps)) * math.log(2))


def test_di_rate_bracket_of_a_hidden_output_process_converges_and_contains_the_limit():
    rng = np.random.default_rng(8)
    rows = rng.dirichlet(np.ones(4), size=(2, 2))
    t = rows.reshape(2, 2, 2, 2)
    rate = directed_information_rate(t, tol=1e-6, max_horizon=20)
    assert isinstance(rate, InformationRate)
    assert rate.converged and rate.width <= 1e-6
    coarse = directed_information_rate(t, tol=0.0, max_horizon=4)
    assert coarse.lower <= rate.lower + 1e-12 and rate.upper <= coarse.upper + 1e-12
    # the n-letter DI increments decrease to the rate (2.27)
    xs, ys = sequence_names(6)
    p = markov_pair_pmf(t, 6)
    increments = [
        directed_information(p, xs[: i + 1], ys[: i + 1]) - directed_information(p, xs[:i], ys[:i]) for i in range(1, 6)
    ]
    assert all(a >= b - 1e-12 for a, b in zip(increments, increments[1:], strict=False))
    assert increments[-1] >= rate.lower - 1e-9


def test_markov_pair_pmf_is_stationary():
    rng = np.random.default_rng(3)
    t = rng.dirichlet(np.ones(6), size=(2, 3)).reshape(2, 3, 2, 3)
    p = markov_pair_pmf(t, 3, x_name="U", y_name="V")
    assert p.names == ("U1", "V1", "U2", "V2", "U3", "V3")
    assert np.allclose(p.marginal(["U1", "V1"]).array, p.marginal(["U3", "V3"]).array)


def test_rate_arguments_are_validated():
    t = memoryless_bsc_chain(0.1, 0)
    with pytest.raises(InvalidInput, match=r"^transition: expected shape"):
        directed_information_rate(np.ones((2, 2)))
    bad = t.copy()
    bad[0, 1, 0, 0] += 0.1
    with pytest.raises(InvalidInput, match=r"^transition: row \(x=0, y=1\) sums to"):
        directed_information_rate(bad)
    reducible = np.zeros((1, 2, 1, 2))
    reducible[0, 0, 0, 0] = reducible[0, 1, 0, 1] = 1.0
    with pytest.raises(InvalidInput, match=r"^transition: the chain has more than one stationary distribution"):
        directed_information_rate(reducible)
    rate = directed_information_rate(reducible, stationary=[[0.5, 0.5]])
    assert rate.value == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(InvalidInput, match=r"^stationary: not invariant"):
        directed_information_rate(t, stationary=[[1.0, 0.0], [0.0, 0.0]])
    with pytest.raises(InvalidInput, match=r"^max_horizon: expected a positive integer"):
        transfer_entropy_rate(t, max_horizon=0)

"""Blahut-Arimoto (ch. 4 opening, (4.2)): closed-form capacities and the bound sandwich."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dicert.verify.capacity.blahut_arimoto import (
    blahut_arimoto,
    dual_upper_bound,
    mutual_information_bits,
)
from dicert.verify.errors import InvalidChannel, InvalidInput


def h2(p: float) -> float:
    return 0.0 if p in (0.0, 1.0) else -p * math.log2(p) - (1 - p) * math.log2(1 - p)


@pytest.mark.parametrize("p", [0.0, 0.01, 0.1, 0.25, 0.4, 0.5])
def test_bsc_capacity_equals_one_minus_h2(p: float) -> None:
    result = blahut_arimoto(np.array([[1 - p, p], [p, 1 - p]]))
    assert result.converged
    assert result.lower <= 1 - h2(p) + 1e-12 <= result.upper + 2e-12
    assert abs(result.value - (1 - h2(p))) < 1e-10


@pytest.mark.parametrize("eps", [0.0, 0.2, 0.5, 0.9])
def test_bec_capacity_equals_one_minus_erasure(eps: float) -> None:
    matrix = np.array([[1 - eps, eps, 0.0], [0.0, eps, 1 - eps]])
    assert abs(blahut_arimoto(matrix).value - (1 - eps)) < 1e-10


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_z_channel_capacity_equals_closed_form(p: float) -> None:
    # x=0 -> y=0; x=1 -> y=0 w.p. p: C = log2(1 + (1-p) p^(p/(1-p)))
    closed = math.log2(1 + (1 - p) * p ** (p / (1 - p)))
    result = blahut_arimoto(np.array([[1.0, 0.0], [p, 1 - p]]))
    assert abs(result.value - closed) < 1e-10
    assert abs(mutual_information_bits(result.input_pmf, np.array([[1.0, 0.0], [p, 1 - p]])) - closed) < 1e-10


def test_nats_are_bits_times_log2() -> None:
    matrix = np.array([[0.8, 0.2], [0.3, 0.7]])
    assert abs(blahut_arimoto(matrix, base="e").value - blahut_arimoto(matrix).value * math.log(2)) < 1e-10


@st.composite
def channel_matrices(draw: st.DrawFn) -> np.ndarray:
    nx = draw(st.integers(1, 4))
    ny = draw(st.integers(1, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    matrix = rng.dirichlet(np.full(ny, 0.5), size=nx)
    matrix[matrix < 1e-3] = 0.0  # exercise zero transition probabilities
    return matrix / matrix.sum(axis=1, keepdims=True)


@given(channel_matrices(), st.integers(0, 2**32 - 1))
def test_mutual_information_le_capacity_le_dual_bound(matrix: np.ndarray, seed: int) -> None:
    result = blahut_arimoto(matrix, tol=1e-9)
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(matrix.shape[0]))
    t = rng.dirichlet(np.ones(matrix.shape[1]))
    t = 0.5 * t + 0.5 * (p @ matrix)  # keep the test pmf positive where outputs occur
    assert result.converged and result.upper - result.lower <= 1e-9
    assert mutual_information_bits(p, matrix) <= result.upper + 1e-12
    assert result.lower <= dual_upper_bound(matrix, t) + 1e-12
    assert 0.0 <= result.lower <= math.log2(min(matrix.shape)) + 1e-12


def test_bad_inputs_raise_one_line_errors() -> None:
    with pytest.raises(InvalidChannel, match="matrix: row x=1 sums to"):
        blahut_arimoto(np.array([[1.0, 0.0], [0.5, 0.4]]))
    with pytest.raises(InvalidInput, match="base"):
        blahut_arimoto(np.eye(2), base=1)
    with pytest.raises(InvalidInput, match="tol"):
        blahut_arimoto(np.eye(2), tol=0)
    with pytest.raises(InvalidChannel, match="matrix: expected a 2-d array"):
        blahut_arimoto(np.ones(3))


def test_iteration_cap_still_returns_valid_bracket() -> None:
    matrix = np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.3, 0.4, 0.3]])
    capped = blahut_arimoto(matrix, max_iter=2, tol=1e-15)
    exact = blahut_arimoto(matrix)
    assert not capped.converged and capped.iterations == 2
    assert capped.lower <= exact.value + 1e-12 <= capped.upper + 2e-12
    assert abs(capped.lower - mutual_information_bits(capped.input_pmf, matrix)) < 1e-12

"""Hypothesis strategies for ground-truth processes (samples with exact DI rates).

The strategies build valid processes directly from
:mod:`dicert.verify.processes` (parameters drawn from their valid ranges, no
filtering), so users can property-test their own estimators on the same
cases as ``check_estimator``. ``memory`` bounds the Markov order of the joint
process and of both marginals, so that an estimator with that much memory is
consistent on every drawn case.

Examples
--------
>>> from hypothesis import given, settings
>>> from dicert.verify.strategies.processes import discrete_processes
>>> @settings(max_examples=5, database=None)
... @given(discrete_processes(min_n=50, max_n=60))
... def test_rates_obey_conservation(sample):
...     assert abs(sample.mi_rate - sample.di_rate - sample.reverse_di_rate) < 1e-12
>>> test_rates_obey_conservation()
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from dicert.verify.errors import InvalidInput
from dicert.verify.processes import (
    ProcessSample,
    bsc_delay,
    feedback_xor,
    gaussian_var1,
    independent_discrete,
    independent_gaussian,
)

__all__ = [
    "discrete_processes",
    "continuous_processes",
    "gaussian_var1_parameters",
    "processes",
]

_SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


def _lengths(min_n: int, max_n: int) -> st.SearchStrategy[int]:
    if min_n < 1 or max_n < min_n:
        raise InvalidInput(f"max_n: expected 1 <= min_n <= max_n, got min_n={min_n}, max_n={max_n}")
    return st.integers(min_value=min_n, max_value=max_n)


def discrete_processes(
    min_n: int = 500, max_n: int = 3000, memory: int = 1, max_alphabet: int = 4, max_stay: float = 0.9
) -> st.SearchStrategy[ProcessSample]:
    """Binary/finite-alphabet processes with exact rates and Markov order <= ``memory``.

    Draws one of: :func:`~dicert.verify.processes.bsc_delay` (delay 0..memory),
    :func:`~dicert.verify.processes.feedback_xor` (delay 0..memory-1), and
    :func:`~dicert.verify.processes.independent_discrete` (alphabets
    1..``max_alphabet``, probability ``stay`` in [0, ``max_stay``] that Y repeats).

    Examples
    --------
    >>> from hypothesis import find
    >>> sample = find(discrete_processes(min_n=20, max_n=20), lambda s: s.di_rate > 0.5)
    >>> sample.x.size
    20
    """
    if memory < 1:
        raise InvalidInput(f"memory: expected an integer >= 1, got {memory!r}")
    probability = st.floats(min_value=0.0, max_value=0.45, allow_nan=False)
    noisy = st.floats(min_value=0.02, max_value=0.4, allow_nan=False)
    n = _lengths(min_n, max_n)
    bsc = st.builds(bsc_delay, n, probability, st.integers(0, memory), _SEEDS)
    loop = st.builds(feedback_xor, n, noisy, noisy, st.integers(0, memory - 1), _SEEDS)
    if max_alphabet < 1 or not 0.0 <= max_stay < 1.0:
        raise InvalidInput(f"max_alphabet: expected >= 1 and max_stay in [0, 1), got {max_alphabet!r}, {max_stay!r}")
    alphabet = st.integers(1, max_alphabet)
    stay = st.floats(0.0, max_stay, allow_nan=False)
    independent = st.builds(independent_discrete, n, alphabet, alphabet, stay, _SEEDS)
    return st.one_of(bsc, loop, independent)


@st.composite
def gaussian_var1_parameters(draw: st.DrawFn, max_radius: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """A stable 2x2 VAR(1) coefficient matrix and a positive definite noise covariance.

    The matrix is drawn entrywise in [-1, 1] and scaled to spectral radius at
    most ``max_radius``; the covariance is ``L L^T + 0.1 I``.

    Examples
    --------
    >>> import numpy as np
    >>> from hypothesis import find
    >>> a, cov = find(gaussian_var1_parameters(), lambda p: True)
    >>> bool(np.max(np.abs(np.linalg.eigvals(a))) <= 0.9)
    True
    """
    unit = st.floats(min_value=-1.0, max_value=1.0, allow_nan=False)
    a = np.array([[draw(unit), draw(unit)], [draw(unit), draw(unit)]])
    radius = float(np.max(np.abs(np.linalg.eigvals(a))))
    if radius > max_radius:
        a = a * (max_radius / radius)
    lower = np.array([[draw(unit), 0.0], [draw(unit), draw(unit)]])
    return a, lower @ lower.T + 0.1 * np.eye(2)


def _one_way(n: int, gain: float, phi: float, noise: float, seed: int) -> ProcessSample:
    """X i.i.d. N(0, 1) driving Y_t = phi Y_{t-1} + gain X_{t-1} + N(0, noise^2): first-order Markov."""
    return gaussian_var1(n, [[0.0, 0.0], [gain, phi]], np.diag([1.0, noise**2]), rng=seed)


def _instantaneous_loop(n: int, b: float, c: float, noise: float, seed: int) -> ProcessSample:
    """X_t = b Y_{t-1} + E_x, Y_t = c X_t + E_y: a feedback loop whose marginals are AR(1)."""
    cov = np.array([[1.0, c], [c, c * c + noise**2]])
    return gaussian_var1(n, [[0.0, b], [0.0, c * b]], cov, rng=seed)


def continuous_processes(min_n: int = 500, max_n: int = 3000) -> st.SearchStrategy[ProcessSample]:
    """Gaussian processes with exact rates whose joint and marginal Markov orders are 1.

    Draws one of: X i.i.d. driving an AR(1) output (one-way coupling), an
    instantaneous feedback loop with AR(1) marginals, and two independent AR(1)
    processes.

    Examples
    --------
    >>> from hypothesis import find
    >>> sample = find(continuous_processes(min_n=30, max_n=30), lambda s: s.reverse_di_rate > 0.1)
    >>> sample.kind
    'continuous'
    """
    n = _lengths(min_n, max_n)
    coef = st.floats(min_value=-0.8, max_value=0.8, allow_nan=False)
    noise = st.floats(min_value=0.5, max_value=2.0, allow_nan=False)
    one_way = st.builds(_one_way, n, coef, coef, noise, _SEEDS)
    loop = st.builds(_instantaneous_loop, n, coef, coef, noise, _SEEDS)
    independent = st.builds(independent_gaussian, n, coef, coef, _SEEDS)
    return st.one_of(one_way, loop, independent)


def processes(kind: str = "discrete", min_n: int = 500, max_n: int = 3000) -> st.SearchStrategy[ProcessSample]:
    """Processes of the given ``kind`` (``"discrete"`` or ``"continuous"``).

    Examples
    --------
    >>> processes("symbolic")
    Traceback (most recent call last):
    dicert.graphs.errors.InvalidInput: kind: expected 'discrete' or 'continuous', got 'symbolic'
    """
    if kind == "discrete":
        return discrete_processes(min_n, max_n)
    if kind == "continuous":
        return continuous_processes(min_n, max_n)
    raise InvalidInput(f"kind: expected 'discrete' or 'continuous', got {kind!r}")

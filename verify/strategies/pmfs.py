"""Hypothesis strategies for pmfs: random, sequence, feedback-free, Markov, exact.

Every strategy builds a valid object directly: it draws a seed and the
shape, then a Dirichlet draw (float64, mpmath) or integer weights (exact
sympy rationals), normalised where needed; nothing is generated and then
filtered. They are public so you can property-test your own code against the
same generators dicert's identity suite uses.

Examples
--------
>>> from hypothesis import given, settings
>>> from dicert.verify.measures import entropy
>>> from dicert.verify.strategies.pmfs import pmfs
>>> @settings(max_examples=10, derandomize=True, database=None)
... @given(pmfs(max_variables=2))
... def check_entropy_is_nonnegative(p):
...     assert entropy(p, p.names) >= -1e-12
>>> check_entropy_is_nonnegative()
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, NamedTuple

import numpy as np
from hypothesis import strategies as st

from dicert.verify.backends import BACKEND_NAMES
from dicert.verify.errors import InvalidInput
from dicert.verify.pmf import Pmf

__all__ = [
    "SequencePmf",
    "backends",
    "markov_chains",
    "markov_sequence_pmfs",
    "no_feedback_sequence_pmfs",
    "pmfs",
    "rational_pmfs",
    "sequence_pmfs",
]

_SEEDS = st.integers(min_value=0, max_value=2**32 - 1)
_CONCENTRATIONS = st.sampled_from([0.2, 0.5, 1.0, 2.0, 10.0])


class SequencePmf(NamedTuple):
    """A pmf of sequences with the names of its processes, time by time.

    ``xs[i]``, ``ys[i]`` (and ``zs[i]`` when a third process was asked) are the
    names of the time-``i + 1`` variables; ``extra`` lists any further
    variables (e.g. a static side variable ``S``).

    Examples
    --------
    >>> from dicert.verify import Pmf
    >>> case = SequencePmf(Pmf.random((2, 2), ["X1", "Y1"], rng=0), xs=("X1",), ys=("Y1",))
    >>> case.zs, case.extra
    ((), ())
    """

    pmf: Pmf
    xs: tuple[str, ...]
    ys: tuple[str, ...]
    zs: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()


def backends() -> st.SearchStrategy[str]:
    """The backend names ``"float64"``, ``"mpmath"``, ``"sympy"``.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, derandomize=True, database=None)
    ... @given(backends())
    ... def check(name):
    ...     assert name in ("float64", "mpmath", "sympy")
    >>> check()
    """
    return st.sampled_from(BACKEND_NAMES)


def _check_backend(backend: str) -> str:
    if backend not in BACKEND_NAMES:
        raise InvalidInput(f"backend: expected one of {', '.join(BACKEND_NAMES)}, got {backend!r}")
    return backend


def _weights(
    rng: np.random.Generator, shape: tuple[int, ...], backend: str, concentration: float, zeros: float
) -> np.ndarray:
    """Positive random weights (some cells set to zero with probability ``zeros``), not normalised.

    float64/mpmath: Gamma(concentration) draws (a Dirichlet once normalised);
    sympy: integers in 1..12 as exact fractions.
    """
    if backend == "sympy":
        raw = rng.integers(1, 13, size=shape)
        values = np.empty(shape, dtype=object)
        values.reshape(-1)[:] = [Fraction(int(v)) for v in raw.reshape(-1)]
    else:
        values = rng.gamma(concentration, size=shape) + 1e-300
    if zeros > 0:
        mask = rng.random(shape) < zeros
        zero: Any = Fraction(0) if backend == "sympy" else 0.0
        values = np.where(mask, zero, values)
    return values


def _normalise(weights: np.ndarray, axes: tuple[int, ...], backend: str, rng: np.random.Generator) -> np.ndarray:
    """Normalise over ``axes``; an all-zero slice gets one cell of mass one (keeps it a valid law)."""
    totals = np.sum(weights, axis=axes, keepdims=True)
    empty = np.asarray(totals == 0)
    if empty.any():
        weights = np.array(weights, copy=True)
        for index in np.argwhere(empty.reshape(empty.shape)):
            cell = [int(i) for i in index]
            for axis in axes:
                cell[axis] = int(rng.integers(weights.shape[axis]))
            weights[tuple(cell)] = Fraction(1) if backend == "sympy" else 1.0
        totals = np.sum(weights, axis=axes, keepdims=True)
    normalised = weights / totals
    if backend == "sympy":
        import sympy

        out = np.empty(normalised.shape, dtype=object)
        out.reshape(-1)[:] = [sympy.Rational(f.numerator, f.denominator) for f in normalised.reshape(-1)]
        return out
    if backend == "mpmath":
        import mpmath

        out = np.empty(normalised.shape, dtype=object)
        out.reshape(-1)[:] = [mpmath.mpf(float(v)) for v in normalised.reshape(-1)]
        return out / np.sum(out, axis=axes, keepdims=True)
    return np.asarray(normalised, dtype=np.float64)


def _build(
    rng: np.random.Generator, shape: tuple[int, ...], names: list[str], backend: str, concentration: float, zeros: float
) -> Pmf:
    weights = _weights(rng, shape, backend, concentration, zeros)
    array = _normalise(weights, tuple(range(len(shape))), backend, rng)
    return Pmf(array, names)


def _permuted(draw: Any, pmf: Pmf, shuffle: bool) -> Pmf:
    if not shuffle or len(pmf.names) < 2:
        return pmf
    order = draw(st.permutations(list(pmf.names)))
    return pmf.reorder(order)


@st.composite
def pmfs(
    draw: Any,
    names: tuple[str, ...] | None = None,
    max_variables: int = 3,
    max_alphabet: int = 3,
    backend: str = "float64",
    max_cells: int = 512,
    zeros: bool = True,
) -> Pmf:
    """Random pmfs over named variables (Dirichlet draw with a drawn seed and concentration).

    Parameters
    ----------
    names
        Variable names (default: ``V0, V1, ...``, 1 to ``max_variables`` of them).
    max_variables, max_alphabet
        Bounds on the number of variables and the alphabet sizes (>= 1).
    backend
        ``"float64"``, ``"mpmath"`` (current precision) or ``"sympy"`` (exact rationals).
    max_cells
        Upper bound on the number of cells.
    zeros
        Whether some draws put exact zeros in the pmf.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, derandomize=True, database=None)
    ... @given(pmfs(names=("X", "Y"), backend="sympy"))
    ... def check(p):
    ...     assert p.names == ("X", "Y") and p.backend == "sympy" and sum(p.array.reshape(-1)) == 1
    >>> check()
    """
    _check_backend(backend)
    if names is None:
        count = draw(st.integers(min_value=1, max_value=max_variables))
        names = tuple(f"V{k}" for k in range(count))
    names = tuple(names)
    shape: list[int] = []
    cells = 1
    for _ in names:
        largest = max(1, min(max_alphabet, max_cells // cells))
        size = draw(st.integers(min_value=1, max_value=largest))
        shape.append(size)
        cells *= size
    seed = draw(_SEEDS)
    concentration = draw(_CONCENTRATIONS)
    zero_fraction = draw(st.sampled_from([0.0, 0.0, 0.25])) if zeros else 0.0
    rng = np.random.default_rng(seed)
    return _build(rng, tuple(shape), list(names), backend, concentration, zero_fraction)


def rational_pmfs(
    names: tuple[str, ...] | None = None, max_variables: int = 3, max_alphabet: int = 3, max_cells: int = 128
) -> st.SearchStrategy[Pmf]:
    """Exact pmfs (sympy rationals with small denominators): ``pmfs(..., backend="sympy")``.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, derandomize=True, database=None)
    ... @given(rational_pmfs(names=("X",)))
    ... def check(p):
    ...     assert p.backend == "sympy"
    >>> check()
    """
    return pmfs(
        names=names, max_variables=max_variables, max_alphabet=max_alphabet, backend="sympy", max_cells=max_cells
    )


def _sequence_names(n: int, with_z: bool) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    xs = tuple(f"X{i}" for i in range(1, n + 1))
    ys = tuple(f"Y{i}" for i in range(1, n + 1))
    zs = tuple(f"Z{i}" for i in range(1, n + 1)) if with_z else ()
    return xs, ys, zs


def _draw_sizes(draw: Any, max_n: int, max_alphabet: int, max_cells: int, count: int) -> tuple[int, list[int]]:
    """Draw n and one alphabet size per process with prod(sizes)**n <= max_cells."""
    n = draw(st.integers(min_value=1, max_value=max_n))
    sizes: list[int] = []
    budget = max_cells ** (1.0 / n)
    for _ in range(count):
        room = budget / math.prod(sizes) if sizes else budget
        largest = max(1, min(max_alphabet, int(room + 1e-9)))
        sizes.append(draw(st.integers(min_value=1, max_value=largest)))
    return n, sizes


@st.composite
def sequence_pmfs(
    draw: Any,
    max_n: int = 4,
    max_alphabet: int = 3,
    backend: str = "float64",
    with_z: bool = False,
    side_alphabet: int = 0,
    max_cells: int = 1024,
    shuffle_axes: bool = True,
) -> SequencePmf:
    """Arbitrary joint pmfs ``P(x^n, y^n[, z^n][, s])`` of sequences, ``n <= max_n``.

    Parameters
    ----------
    max_n
        Largest number of time steps.
    max_alphabet
        Largest alphabet size of each process.
    backend
        Number backend of the pmf.
    with_z
        Add a third process ``Z^n``.
    side_alphabet
        If > 0, add a static variable ``S`` with up to this many symbols.
    max_cells
        Bound on the number of cells of the sequence part.
    shuffle_axes
        Permute the axes at random (measures must not depend on axis order).

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, derandomize=True, database=None)
    ... @given(sequence_pmfs(max_n=2))
    ... def check(case):
    ...     assert len(case.xs) == len(case.ys) and set(case.xs + case.ys) == set(case.pmf.names)
    >>> check()
    """
    _check_backend(backend)
    n, sizes = _draw_sizes(draw, max_n, max_alphabet, max_cells, 3 if with_z else 2)
    xs, ys, zs = _sequence_names(n, with_z)
    names = list(xs) + list(ys) + list(zs)
    shape = [sizes[0]] * n + [sizes[1]] * n + ([sizes[2]] * n if with_z else [])
    extra: tuple[str, ...] = ()
    if side_alphabet > 0:
        names.append("S")
        shape.append(draw(st.integers(min_value=1, max_value=side_alphabet)))
        extra = ("S",)
    seed = draw(_SEEDS)
    concentration = draw(_CONCENTRATIONS)
    zero_fraction = draw(st.sampled_from([0.0, 0.0, 0.2]))
    pmf = _build(np.random.default_rng(seed), tuple(shape), names, backend, concentration, zero_fraction)
    return SequencePmf(_permuted(draw, pmf, shuffle_axes), xs, ys, zs, extra)


@st.composite
def no_feedback_sequence_pmfs(
    draw: Any,
    max_n: int = 4,
    max_alphabet: int = 3,
    backend: str = "float64",
    max_cells: int = 1024,
) -> SequencePmf:
    """Pmfs ``P(x^n) P(y^n || x^n)`` whose input does not depend on past outputs (no feedback).

    The input law ``P(x_i | x^{i-1})`` ignores ``y^{i-1}`` while the channel
    ``P(y_i | x^i, y^{i-1})`` is arbitrary (memory and all), so
    ``P(x^n || y^{n-1}) = P(x^n)`` and ``I(X^n -> Y^n) = I(X^n; Y^n)``
    (section 2.3, conservation law (2.13) with zero feedback information).

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> from dicert.verify.measures import directed_information, mutual_information
    >>> @settings(max_examples=5, derandomize=True, database=None)
    ... @given(no_feedback_sequence_pmfs(max_n=3))
    ... def check(case):
    ...     di = directed_information(case.pmf, case.xs, case.ys)
    ...     assert abs(di - mutual_information(case.pmf, case.xs, case.ys)) < 1e-9
    >>> check()
    """
    _check_backend(backend)
    n, (x_size, y_size) = _draw_sizes(draw, max_n, max_alphabet, max_cells, 2)
    xs, ys, _ = _sequence_names(n, False)
    seed = draw(_SEEDS)
    concentration = draw(_CONCENTRATIONS)
    zero_fraction = draw(st.sampled_from([0.0, 0.2]))
    rng = np.random.default_rng(seed)
    kernels: list[np.ndarray] = []
    names: list[str] = []
    prefix: list[int] = []
    for i in range(n):
        # X_i depends on x^{i-1} only: axes of past outputs have length 1 (broadcast).
        x_shape = tuple(size if k % 2 == 0 else 1 for k, size in enumerate(prefix)) + (x_size,)
        x_weights = _weights(rng, x_shape, backend, concentration, zero_fraction)
        kernels.append(_normalise(x_weights, (len(x_shape) - 1,), backend, rng))
        names.append(xs[i])
        prefix.append(x_size)
        y_shape = tuple(prefix) + (y_size,)
        y_weights = _weights(rng, y_shape, backend, concentration, zero_fraction)
        kernels.append(_normalise(y_weights, (len(y_shape) - 1,), backend, rng))
        names.append(ys[i])
        prefix.append(y_size)
    return SequencePmf(Pmf.from_kernels(names, kernels), xs, ys)


@st.composite
def markov_chains(draw: Any, max_x: int = 3, max_y: int = 3) -> np.ndarray:
    """Transition arrays ``t[x, y, x2, y2] = P(X_{i+1}=x2, Y_{i+1}=y2 | X_i=x, Y_i=y)`` with positive entries.

    Positive entries make the pair chain irreducible and aperiodic, so its
    stationary law is unique.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, derandomize=True, database=None)
    ... @given(markov_chains())
    ... def check(t):
    ...     assert np.allclose(t.sum(axis=(2, 3)), 1) and (t > 0).all()
    >>> check()
    """
    x_size = draw(st.integers(min_value=1, max_value=max_x))
    y_size = draw(st.integers(min_value=2, max_value=max(max_y, 2)))
    seed = draw(_SEEDS)
    concentration = draw(st.sampled_from([0.5, 1.0, 3.0]))
    rng = np.random.default_rng(seed)
    rows = rng.gamma(concentration, size=(x_size, y_size, x_size * y_size)) + 1e-3
    rows /= rows.sum(axis=-1, keepdims=True)
    return rows.reshape(x_size, y_size, x_size, y_size)


@st.composite
def markov_sequence_pmfs(
    draw: Any, max_n: int = 4, max_x: int = 2, max_y: int = 2, min_n: int = 1
) -> tuple[np.ndarray, SequencePmf]:
    """A transition array and the ``n``-letter pmf of its stationary pair chain (names ``X1, Y1, ...``).

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, derandomize=True, database=None)
    ... @given(markov_sequence_pmfs(max_n=2))
    ... def check(arg):
    ...     transition, case = arg
    ...     assert case.pmf.names[:2] == ("X1", "Y1")
    >>> check()
    """
    from dicert.verify.measures import markov_pair_pmf

    transition = draw(markov_chains(max_x=max_x, max_y=max_y))
    n = draw(st.integers(min_value=min_n, max_value=max(max_n, min_n)))
    pmf = markov_pair_pmf(transition, n)
    xs, ys, _ = _sequence_names(n, False)
    return transition, SequencePmf(pmf, xs, ys)

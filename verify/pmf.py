"""Joint probability mass functions over named discrete variables.

A :class:`Pmf` is a dense array whose axis ``i`` is the variable ``names[i]``
with alphabet ``alphabets[i]`` (``range(shape[i])`` by default). It stores,
marginalises, conditions, reorders, multiplies, mixes and samples; the
information measures of chapter 2 live in :mod:`dicert.verify.measures`.

Three number backends share one code path, chosen from the array's numbers
(see :mod:`dicert.verify.backends`): float64 numpy arrays, object arrays of
``mpmath.mpf`` (any precision) and object arrays of exact sympy numbers or
expressions.

Examples
--------
>>> import numpy as np
>>> from dicert.verify import Pmf
>>> p = Pmf(np.array([[0.4, 0.1], [0.1, 0.4]]), names=["X", "Y"])
>>> p
Pmf(names=('X', 'Y'), shape=(2, 2), backend='float64')
>>> p.marginal(["Y"]).array
array([0.5, 0.5])
>>> p.condition({"X": 1}).array
array([0.2, 0.8])
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from dicert.verify.backends import Backend, backend_named, backend_of
from dicert.verify.errors import InvalidInput, InvalidPmf
from dicert.verify.memory import check_allocation

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["Pmf"]

Alphabet = tuple[Hashable, ...]


def _check_names(names: Any, ndim: int | None, field: str = "names") -> tuple[str, ...]:
    """Distinct non-empty strings, one per axis of an ``ndim``-d array (any number when ``ndim`` is None)."""
    if isinstance(names, str):
        raise InvalidPmf(f"{field}: expected a sequence of variable names such as ['X', 'Y'], got the string {names!r}")
    try:
        names = tuple(names)
    except TypeError:
        raise InvalidPmf(f"{field}: expected a sequence of variable names, got {names!r}") from None
    for name in names:
        if not isinstance(name, str) or not name:
            raise InvalidPmf(f"{field}: variable names must be non-empty strings, got {name!r}")
    if ndim is not None and len(names) != ndim:
        raise InvalidPmf(f"{field}: {len(names)} names for an array with {ndim} axes, expected one name per axis")
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InvalidPmf(f"{field}: duplicated variable name {name!r}")
        seen.add(name)
    return names


def _check_alphabets(alphabets: Any, shape: tuple[int, ...], names: tuple[str, ...]) -> tuple[Alphabet, ...]:
    if alphabets is None:
        return tuple(tuple(range(size)) for size in shape)
    if isinstance(alphabets, Mapping):
        unknown = sorted(set(alphabets) - set(names))
        if unknown:
            raise InvalidPmf(f"alphabets: unknown variable {unknown[0]!r}; known: {', '.join(names)}")
        alphabets = [alphabets.get(name) for name in names]
    alphabets = list(alphabets)
    if len(alphabets) != len(shape):
        raise InvalidPmf(f"alphabets: {len(alphabets)} alphabets for {len(shape)} variables, expected one per variable")
    checked: list[Alphabet] = []
    for name, size, alphabet in zip(names, shape, alphabets, strict=True):
        if alphabet is None:
            checked.append(tuple(range(size)))
            continue
        if isinstance(alphabet, int | np.integer) and not isinstance(alphabet, bool):
            alphabet = range(int(alphabet))
        symbols = tuple(alphabet)
        if len(symbols) != size:
            raise InvalidPmf(
                f"alphabets: variable {name!r} has {len(symbols)} symbols but its axis has length {size}"
            )
        try:
            distinct = len(set(symbols)) == len(symbols)
        except TypeError:
            raise InvalidPmf(f"alphabets: symbols of variable {name!r} must be hashable, got {symbols!r}") from None
        if not distinct:
            raise InvalidPmf(f"alphabets: variable {name!r} has repeated symbols {symbols!r}")
        checked.append(symbols)
    return tuple(checked)


def _alphabet_sizes(alphabets: Sequence[Any], field: str) -> list[Alphabet]:
    out: list[Alphabet] = []
    for alphabet in alphabets:
        if isinstance(alphabet, int | np.integer) and not isinstance(alphabet, bool):
            if alphabet < 1:
                raise InvalidInput(f"{field}: alphabet sizes must be >= 1, got {alphabet}")
            out.append(tuple(range(int(alphabet))))
        else:
            out.append(tuple(alphabet))
    return out


class Pmf:
    """A joint pmf over named discrete variables, stored as a dense array.

    Parameters
    ----------
    array
        Probabilities; axis ``i`` is variable ``names[i]``. A numeric array
        (float64 backend), an object array of ``mpmath.mpf`` (mpmath backend) or
        an object array of exact sympy numbers, ``int`` or
        :class:`fractions.Fraction` (sympy backend). The array is copied.
    names
        One distinct, non-empty string per axis.
    alphabets
        Optional symbols of each variable (a sequence with one entry per
        variable, or a mapping from name to symbols; ``None`` entries mean
        ``range(size)``).

    Raises
    ------
    InvalidPmf
        On negative or non-finite mass, a total other than one (exactly for
        sympy, within 1e-9 for float64, within ``cells * 2**(8 - prec)`` for
        mpmath), bad or duplicated names, or an alphabet whose length differs
        from its axis. The message starts with the offending field.
    TooLarge
        If the array would exceed the memory limit (:mod:`dicert.verify.memory`).

    Examples
    --------
    >>> import numpy as np
    >>> p = Pmf(np.full((2, 3), 1 / 6), names=["X", "Y"], alphabets=[("a", "b"), None])
    >>> p.alphabets
    (('a', 'b'), (0, 1, 2))
    >>> p.backend
    'float64'
    >>> Pmf(np.array([0.5, 0.6]), names=["X"])
    Traceback (most recent call last):
        ...
    dicert.graphs.errors.InvalidPmf: array: entries sum to 1.1, expected 1 (tolerance 1e-09)
    """

    __slots__ = ("_alphabets", "_array", "_axis_of", "_backend", "_names")

    def __init__(self, array: Any, names: Sequence[str], alphabets: Any = None) -> None:
        raw = array if isinstance(array, np.ndarray) else np.asarray(array, dtype=None)
        if raw.dtype.kind in "US":
            raise InvalidPmf(f"array: expected numbers, got dtype {raw.dtype}")
        check_allocation(raw.shape, 8 if raw.dtype != object else 128, "array")
        backend = backend_of(raw)
        values = backend.coerce(raw, "array")
        names_checked = _check_names(names, values.ndim)
        alphabets_checked = _check_alphabets(alphabets, values.shape, names_checked)
        backend.check_entries(values, "array")
        total = backend.sum(values)
        if not backend.sum_is_one(total, values.size):
            detail = " (tolerance 1e-09)" if backend.name == "float64" else ""
            raise InvalidPmf(f"array: entries sum to {total}, expected 1{detail}")
        values.flags.writeable = False
        self._array = values
        self._axis_of = {name: axis for axis, name in enumerate(names_checked)}
        self._names = names_checked
        self._alphabets = alphabets_checked
        self._backend = backend

    @classmethod
    def _trusted(
        cls, array: np.ndarray, names: tuple[str, ...], alphabets: tuple[Alphabet, ...], backend: Backend
    ) -> Pmf:
        """Wrap an array produced by a valid operation (no copy, no validation)."""
        pmf = object.__new__(cls)
        if array.flags.writeable:
            array.flags.writeable = False
        pmf._array = array
        pmf._axis_of = {name: axis for axis, name in enumerate(names)}
        pmf._names = names
        pmf._alphabets = alphabets
        pmf._backend = backend
        return pmf

    # ------------------------------------------------------------------ storage
    @property
    def array(self) -> np.ndarray:
        """The probabilities (read-only); axis ``i`` is ``names[i]``."""
        return self._array

    @property
    def names(self) -> tuple[str, ...]:
        """Variable names, one per axis."""
        return self._names

    @property
    def alphabets(self) -> tuple[Alphabet, ...]:
        """Symbols of each variable, one tuple per axis."""
        return self._alphabets

    @property
    def shape(self) -> tuple[int, ...]:
        """Alphabet sizes, one per variable."""
        return self._array.shape

    @property
    def backend(self) -> str:
        """``"float64"``, ``"mpmath"`` or ``"sympy"``."""
        return self._backend.name

    @property
    def number_backend(self) -> Backend:
        """The :class:`~dicert.verify.backends.Backend` object doing this pmf's arithmetic."""
        return self._backend

    def __repr__(self) -> str:
        return f"Pmf(names={self._names!r}, shape={self.shape!r}, backend={self.backend!r})"

    def axis(self, name: str) -> int:
        """Axis of variable ``name``.

        Examples
        --------
        >>> Pmf.random((2, 3), ["X", "Y"], rng=0).axis("Y")
        1
        """
        try:
            return self._names.index(name)
        except ValueError:
            raise InvalidPmf(f"names: unknown variable {name!r}; known: {', '.join(self._names)}") from None

    def axes(self, names: Iterable[str], field: str = "names") -> list[int]:
        """Axes of the variables ``names``, in that order (distinct, known names only).

        Raises
        ------
        InvalidPmf
            Naming ``field`` if a name is unknown, repeated or not a string.

        Examples
        --------
        >>> Pmf.random((2, 3, 2), ["X", "Y", "Z"], rng=0).axes(["Z", "X"])
        [2, 0]
        """
        if isinstance(names, str):
            names = [names]
        axis_of = self._axis_of
        axes: list[int] = []
        for name in names:
            axis = axis_of.get(name) if isinstance(name, str) else None
            if axis is None:
                if not isinstance(name, str):
                    raise InvalidPmf(f"{field}: variable names must be strings, got {name!r}")
                raise InvalidPmf(f"{field}: unknown variable {name!r}; known: {', '.join(self._names)}")
            axes.append(axis)
        if len(set(axes)) != len(axes):
            repeated = next(name for name in names if list(names).count(name) > 1)
            raise InvalidPmf(f"{field}: duplicated variable name {repeated!r}")
        return axes

    def probability(self, event: Mapping[str, Hashable]) -> Any:
        """Probability that the named variables take the given symbols.

        Examples
        --------
        >>> import numpy as np
        >>> p = Pmf(np.array([[0.4, 0.1], [0.1, 0.4]]), names=["X", "Y"])
        >>> p.probability({"X": 0})
        0.5
        >>> p.probability({"X": 0, "Y": 1})
        0.1
        """
        index: list[Any] = [slice(None)] * len(self._names)
        for name, symbol in event.items():
            axis = self.axes([name], "event")[0]
            index[axis] = self._symbol_index(axis, symbol)
        value = self._backend.sum(self._array[tuple(index)])
        return float(value) if self._backend.name == "float64" else value

    def _symbol_index(self, axis: int, symbol: Hashable) -> int:
        alphabet = self._alphabets[axis]
        try:
            return alphabet.index(symbol)
        except ValueError:
            raise InvalidPmf(
                f"event: symbol {symbol!r} is not in the alphabet {alphabet!r} of variable {self._names[axis]!r}"
            ) from None

    # ------------------------------------------------------------- operations
    def marginal(self, names: Sequence[str]) -> Pmf:
        """Marginal pmf of ``names``, with axes in the order given.

        Examples
        --------
        >>> import numpy as np
        >>> p = Pmf(np.arange(8).reshape(2, 2, 2) / 28, names=["A", "B", "C"])
        >>> p.marginal(["C", "A"]).array * 28
        array([[ 2., 10.],
               [ 4., 12.]])
        """
        axes = self.axes(names)
        dropped = tuple(axis for axis in range(len(self._names)) if axis not in axes)
        summed = self._backend.sum(self._array, axis=dropped) if dropped else self._array
        kept_in_order = [axis for axis in range(len(self._names)) if axis in axes]
        permutation = [kept_in_order.index(axis) for axis in axes]
        result = np.asarray(summed, dtype=self._array.dtype)
        if permutation != sorted(permutation):
            result = np.ascontiguousarray(np.transpose(result, permutation))
        elif not dropped:
            result = self._array
        return Pmf._trusted(
            result,
            tuple(self._names[axis] for axis in axes),
            tuple(self._alphabets[axis] for axis in axes),
            self._backend,
        )

    def reorder(self, names: Sequence[str]) -> Pmf:
        """The same pmf with its axes in the order ``names`` (a permutation of :attr:`names`).

        Examples
        --------
        >>> import numpy as np
        >>> Pmf(np.array([[0.1, 0.2], [0.3, 0.4]]), ["X", "Y"]).reorder(["Y", "X"]).array
        array([[0.1, 0.3],
               [0.2, 0.4]])
        """
        axes = self.axes(names)
        if len(axes) != len(self._names):
            missing = [name for name in self._names if name not in names]
            raise InvalidPmf(f"names: reorder needs every variable, missing {', '.join(missing)}")
        return self.marginal(names)

    def rename(self, mapping: Mapping[str, str]) -> Pmf:
        """The same pmf with variables renamed by ``mapping`` (unlisted names kept).

        Examples
        --------
        >>> Pmf.random((2, 2), ["X", "Y"], rng=0).rename({"X": "X1"}).names
        ('X1', 'Y')
        """
        self.axes(list(mapping), "mapping")
        new_names = _check_names([mapping.get(name, name) for name in self._names], len(self._names), "mapping")
        return Pmf._trusted(self._array, new_names, self._alphabets, self._backend)

    def condition(self, event: Mapping[str, Hashable]) -> Pmf:
        """Conditional pmf of the other variables given ``event`` (names mapped to symbols).

        Raises
        ------
        InvalidPmf
            If the event has probability zero.

        Examples
        --------
        >>> import numpy as np
        >>> p = Pmf(np.array([[0.3, 0.1], [0.2, 0.4]]), names=["X", "Y"])
        >>> p.condition({"Y": 1}).array
        array([0.2, 0.8])
        """
        index: list[Any] = [slice(None)] * len(self._names)
        for name, symbol in event.items():
            axis = self.axes([name], "event")[0]
            index[axis] = self._symbol_index(axis, symbol)
        sliced = np.array(self._array[tuple(index)], dtype=self._array.dtype, copy=True)
        total = self._backend.sum(sliced)
        if self._backend.is_zero_mask(np.asarray([total], dtype=self._array.dtype))[0]:
            raise InvalidPmf(f"event: {dict(event)!r} has probability zero, cannot condition on it")
        kept = [axis for axis in range(len(self._names)) if not isinstance(index[axis], int)]
        return Pmf._trusted(
            sliced / total,
            tuple(self._names[axis] for axis in kept),
            tuple(self._alphabets[axis] for axis in kept),
            self._backend,
        )

    def product(self, other: Pmf) -> Pmf:
        """Joint pmf of independent ``self`` and ``other`` (names must be disjoint).

        Examples
        --------
        >>> import numpy as np
        >>> x = Pmf(np.array([0.5, 0.5]), ["X"])
        >>> y = Pmf(np.array([0.9, 0.1]), ["Y"])
        >>> x.product(y).array
        array([[0.45, 0.05],
               [0.45, 0.05]])
        """
        if not isinstance(other, Pmf):
            raise InvalidInput(f"other: expected a Pmf, got {type(other).__name__}")
        if other.backend != self.backend:
            raise InvalidInput(
                f"other: backend {other.backend!r} differs from {self.backend!r}; convert one with Pmf.to_backend"
            )
        common = sorted(set(self._names) & set(other.names))
        if common:
            raise InvalidPmf(f"names: the product of two pmfs needs distinct names, both have {common[0]!r}")
        shape = self.shape + other.shape
        check_allocation(shape, self._backend.itemsize, "product")
        joint = np.multiply.outer(self._array, other.array)
        return Pmf._trusted(
            np.asarray(joint, dtype=self._array.dtype),
            self._names + other.names,
            self._alphabets + other.alphabets,
            self._backend,
        )

    @classmethod
    def mix(cls, components: Sequence[Pmf], weights: Sequence[Any]) -> Pmf:
        """Mixture ``sum_k weights[k] * components[k]`` of pmfs over the same variables.

        See :func:`~dicert.verify.pmf_build.mix_pmfs` (parameters and examples).
        """
        from dicert.verify.pmf_build import mix_pmfs

        return mix_pmfs(components, weights)

    def sample(self, size: int, rng: np.random.Generator | int | None = None) -> dict[str, np.ndarray]:
        """Draw ``size`` joint outcomes; returns one array of symbols per variable.

        Examples
        --------
        >>> import numpy as np
        >>> p = Pmf(np.array([[0.5, 0.0], [0.0, 0.5]]), ["X", "Y"])
        >>> draws = p.sample(5, rng=1)
        >>> bool((draws["X"] == draws["Y"]).all())
        True
        """
        if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 0:
            raise InvalidInput(f"size: expected a non-negative integer, got {size!r}")
        generator = np.random.default_rng(rng)
        if self._backend.name == "float64":
            probabilities = self._array.reshape(-1)
        else:
            probabilities = np.fromiter((self._backend.to_float(v) for v in self._array.reshape(-1)), dtype=float)
        probabilities = probabilities / probabilities.sum()
        flat = generator.choice(probabilities.size, size=int(size), p=probabilities)
        indices = np.unravel_index(flat, self.shape)
        out: dict[str, np.ndarray] = {}
        for name, alphabet, index in zip(self._names, self._alphabets, indices, strict=True):
            if all(isinstance(symbol, int) for symbol in alphabet):
                symbols: np.ndarray = np.asarray(alphabet, dtype=np.int64)
            else:
                symbols = np.empty(len(alphabet), dtype=object)
                symbols[:] = list(alphabet)
            out[name] = symbols[index]
        return out

    def to_backend(self, name: str, *, max_denominator: int | None = None) -> Pmf:
        """The same pmf in another backend, renormalised so it sums to one there.

        Parameters
        ----------
        name
            ``"float64"``, ``"mpmath"`` (at the current ``mpmath.mp`` precision)
            or ``"sympy"``.
        max_denominator
            For float/mpmath to sympy: approximate each entry by the nearest
            fraction with at most this denominator (before exact
            renormalisation); ``None`` keeps the exact binary value.

        Examples
        --------
        >>> import numpy as np
        >>> p = Pmf(np.array([0.25, 0.75]), ["X"]).to_backend("sympy")
        >>> p.array
        array([1/4, 3/4], dtype=object)
        >>> p.to_backend("float64").array
        array([0.25, 0.75])
        """
        target = backend_named(name)
        check_allocation(self.shape, target.itemsize, "to_backend")
        source = self._backend
        if target.name == source.name:
            return self
        flat = self._array.reshape(-1)
        if target.name == "float64":
            converted = np.fromiter((source.to_float(v) for v in flat), dtype=np.float64, count=flat.size)
        elif target.name == "mpmath":
            import mpmath

            if source.name == "sympy":
                values = [_sympy_to_mpf(v) for v in flat]
            else:
                values = [mpmath.mpf(float(v)) for v in flat]
            converted = np.empty(flat.size, dtype=object)
            converted[:] = values
        else:
            import sympy

            fractions = [_exact_fraction(v, source.name) for v in flat]
            if max_denominator is not None:
                fractions = [f.limit_denominator(max_denominator) for f in fractions]
            total = sum(fractions, start=Fraction(0))
            converted = np.empty(flat.size, dtype=object)
            converted[:] = [sympy.Rational(f.numerator, f.denominator) for f in (f / total for f in fractions)]
        converted = converted.reshape(self.shape)
        if target.name != "sympy":
            converted = converted / target.sum(converted)
        return Pmf._trusted(np.asarray(converted, dtype=converted.dtype), self._names, self._alphabets, target)

    # ------------------------------------------------------------ constructors
    @classmethod
    def from_dict(cls, table: Mapping[tuple[Hashable, ...], Any], names: Sequence[str], alphabets: Any = None) -> Pmf:
        """Pmf from ``{(x, y, ...): probability}``; missing outcomes have probability zero.

        See :func:`~dicert.verify.pmf_build.pmf_from_dict` (parameters and examples).
        """
        from dicert.verify.pmf_build import pmf_from_dict

        return pmf_from_dict(table, names, alphabets)

    @classmethod
    def from_function(cls, function: Callable[..., Any], names: Sequence[str], alphabets: Sequence[Any]) -> Pmf:
        """Pmf with ``P(x, y, ...) = function(x, y, ...)`` over the given alphabets.

        See :func:`~dicert.verify.pmf_build.pmf_from_function` (parameters and examples).
        """
        from dicert.verify.pmf_build import pmf_from_function

        return pmf_from_function(function, names, alphabets)

    @classmethod
    def from_channel(
        cls,
        input_pmf: Pmf,
        channel: ArrayLike,
        output_names: Sequence[str],
        output_alphabets: Any = None,
    ) -> Pmf:
        """Joint pmf ``P(x, y) = P(x) W(y | x)`` of an input pmf and a channel.

        See :func:`~dicert.verify.pmf_build.pmf_from_channel` (parameters and examples).
        """
        from dicert.verify.pmf_build import pmf_from_channel

        return pmf_from_channel(input_pmf, channel, output_names, output_alphabets)

    @classmethod
    def from_kernels(cls, names: Sequence[str], kernels: Sequence[Any], alphabets: Any = None) -> Pmf:
        """Joint pmf from the chain rule ``P(a^m) = prod_k P(a_k | a^{k-1})``.

        See :func:`~dicert.verify.pmf_build.pmf_from_kernels` (parameters and examples).
        """
        from dicert.verify.pmf_build import pmf_from_kernels

        return pmf_from_kernels(names, kernels, alphabets)

    @classmethod
    def random(
        cls,
        shape: Sequence[int],
        names: Sequence[str],
        rng: np.random.Generator | int | None = None,
        concentration: float = 1.0,
        alphabets: Any = None,
    ) -> Pmf:
        """Random float64 pmf: a symmetric Dirichlet draw over all cells.

        See :func:`~dicert.verify.pmf_build.random_pmf` (parameters and examples).
        """
        from dicert.verify.pmf_build import random_pmf

        return random_pmf(shape, names, rng, concentration, alphabets)


def _exact_fraction(value: Any, source: str) -> Fraction:
    if source == "sympy":
        if value.is_Rational:
            return Fraction(int(value.p), int(value.q))
        raise InvalidPmf(f"array: cannot convert the symbolic entry {value} to a number")
    if source == "mpmath":
        mantissa, exponent = value.man_exp
        return Fraction(int(mantissa)) * Fraction(2) ** int(exponent)
    return Fraction(float(value))


def _sympy_to_mpf(value: Any) -> Any:
    import mpmath

    if value.is_Rational:
        return mpmath.mpf(int(value.p)) / int(value.q)
    if value.free_symbols:
        raise InvalidPmf(f"array: cannot convert the symbolic entry {value} to a number")
    return mpmath.mpf(value.evalf(mpmath.mp.dps + 10))

"""The estimator protocol shared by every DI estimator (monograph ch. 3).

An estimator follows the scikit-learn conventions:

* the constructor stores hyper-parameters only and validates them, with a
  message naming the parameter and the allowed values;
* ``fit(x, y)`` takes two equally long one-dimensional numpy arrays (integer
  symbols, or floats for the continuous estimators) and returns ``self``;
* what was learned from the data lives in attributes ending in ``_``.

Fitted attributes (all rates in bits unless ``base`` says otherwise):

``di_rate_``
    estimate of the DI rate :math:`I(\\mathbb X\\to\\mathbb Y)
    = \\lim I(X^n; Y_n \\mid Y^{n-1})` (2.24), (2.27). It includes the
    instantaneous term :math:`I(X_n; Y_n \\mid X^{n-1}, Y^{n-1})` (2.30).
``reverse_di_rate_``
    estimate of the rate of the *delayed* reverse DI
    :math:`I(D\\mathbb Y\\to\\mathbb X) = \\lim I(Y^{n-1}; X_n \\mid X^{n-1})`,
    the second term of Massey's conservation law (2.13).
``mi_rate_``
    estimate of the mutual-information rate :math:`\\lim \\tfrac1n I(X^n; Y^n)`;
    by (2.13) the true rates satisfy ``mi = di + reverse_di``.
``di_increments_``, ``reverse_di_increments_``
    per-step contributions whose mean is the corresponding rate.
``di_rate_ci_``, ``reverse_di_rate_ci_``
    95% normal-approximation confidence intervals from non-overlapping batch
    means of the increments (asymptotic, for mixing processes; not certified).
    They reflect sampling variability only, not the estimator's bias (e.g. the
    CTW or plug-in bias at true rate 0 can put 0 just outside the interval).
``n_steps_``
    number of time steps that contributed (the first ``memory`` samples only
    serve as context).

Raw estimates are reported: negative values are never clipped to zero.

Examples
--------
>>> import numpy as np
>>> from dicert.verify.estimators.protocol import batch_means_ci
>>> lo, hi = batch_means_ci(np.ones(1000))
>>> (lo, hi)
(1.0, 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from statistics import NormalDist
from typing import Any, ClassVar, Protocol, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray

from dicert.verify.errors import InvalidInput

__all__ = [
    "DIEstimator",
    "BaseDIEstimator",
    "batch_means_ci",
    "validate_pair",
    "encode_symbols",
    "log_base",
]


class DIEstimator(Protocol):
    """What ``check_estimator`` expects from an estimator (ours or a user's).

    ``input_kind`` is ``"discrete"`` (finite alphabets, integer symbols) or
    ``"continuous"`` (real-valued samples). After ``fit(x, y)`` the estimator
    has the float attributes ``di_rate_``, ``reverse_di_rate_`` and
    ``mi_rate_`` (see the module docstring for their definitions).

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify.estimators import PlugIn
    >>> estimator: DIEstimator = PlugIn(order=1)
    >>> round(estimator.fit(np.zeros(10, int), np.zeros(10, int)).di_rate_, 6)
    0.0
    """

    input_kind: ClassVar[str]
    di_rate_: float
    reverse_di_rate_: float
    mi_rate_: float

    def fit(self, x: ArrayLike, y: ArrayLike) -> Self:
        """Estimate the rates from the paired samples ``x``, ``y``; return ``self``."""
        ...


def log_base(base: float | str) -> float:
    """Natural logarithm of the unit ``base`` (2 for bits, ``"e"`` for nats).

    Examples
    --------
    >>> log_base(2) == math.log(2), log_base("e")
    (True, 1.0)
    """
    if isinstance(base, str):
        if base == "e":
            return 1.0
        raise InvalidInput(f"base: expected a number > 1 or 'e', got {base!r}")
    if isinstance(base, bool) or not isinstance(base, (int, float)) or not base > 1:
        raise InvalidInput(f"base: expected a number > 1 or 'e', got {base!r}")
    return math.log(base)


def batch_means_ci(increments: NDArray[np.float64], level: float = 0.95) -> tuple[float, float]:
    """Normal-approximation confidence interval for the mean of a dependent sequence.

    The sequence is cut into about ``sqrt(n)`` non-overlapping batches; the
    spread of the batch means estimates the long-run variance (consistent for
    mixing processes). With fewer than 4 batches the interval is infinite.

    Examples
    --------
    >>> import numpy as np
    >>> lo, hi = batch_means_ci(np.random.default_rng(0).normal(size=10_000))
    >>> lo < 0 < hi
    True
    """
    values = np.asarray(increments, dtype=np.float64)
    n = values.size
    n_batches = int(math.isqrt(n))
    mean = float(values.mean()) if n else math.nan
    if n_batches < 4:
        return (-math.inf, math.inf)
    size = n // n_batches
    batch = values[: n_batches * size].reshape(n_batches, size).mean(axis=1)
    half = float(NormalDist().inv_cdf(0.5 + level / 2) * batch.std(ddof=1) / math.sqrt(n_batches))
    return (mean - half, mean + half)


def _as_1d(values: ArrayLike, name: str) -> NDArray[Any]:
    array = np.asarray(values)
    if array.ndim != 1:
        raise InvalidInput(f"{name}: expected a one-dimensional array, got shape {array.shape}")
    if array.dtype.kind not in "biuf":
        raise InvalidInput(f"{name}: expected an integer or float array, got dtype {array.dtype}")
    if array.dtype.kind == "f":
        bad = np.flatnonzero(~np.isfinite(array))
        if bad.size:
            raise InvalidInput(f"{name}: non-finite value {array[bad[0]]} at index {bad[0]}, expected finite numbers")
    return array


def validate_pair(x: ArrayLike, y: ArrayLike, min_length: int = 2) -> tuple[NDArray[Any], NDArray[Any]]:
    """Check that ``x`` and ``y`` are finite 1-D numeric arrays of equal length.

    Examples
    --------
    >>> validate_pair([1, 2, 3], [1, 2])
    Traceback (most recent call last):
    dicert.graphs.errors.InvalidInput: y: length 2 differs from x: length 3, expected equal lengths
    """
    xa, ya = _as_1d(x, "x"), _as_1d(y, "y")
    if xa.size != ya.size:
        raise InvalidInput(f"y: length {ya.size} differs from x: length {xa.size}, expected equal lengths")
    if xa.size < min_length:
        raise InvalidInput(f"x: length {xa.size} is too short, expected at least {min_length} samples")
    return xa, ya


def encode_symbols(
    values: NDArray[Any],
    name: str,
    alphabet_size: int | None,
    continuous_hint: str = "use a continuous estimator such as KSG for real-valued data",
) -> tuple[NDArray[np.int64], int]:
    """Map discrete symbols to codes ``0..r-1``; return the codes and ``r``.

    With ``alphabet_size=None`` the alphabet is the set of observed values
    (sorted), so estimates are invariant to relabelling the symbols. With a
    declared size, the symbols must be the integers ``0 .. alphabet_size - 1``.
    ``continuous_hint`` ends the error for non-integer symbols.

    Examples
    --------
    >>> import numpy as np
    >>> codes, r = encode_symbols(np.array([5, 7, 5]), "x", None)
    >>> codes.tolist(), r
    ([0, 1, 0], 2)
    >>> encode_symbols(np.array([0, 2]), "x", 2)
    Traceback (most recent call last):
    dicert.graphs.errors.InvalidInput: x: symbol 2 at index 1 is outside the declared alphabet 0..1 (alphabet_size=2)
    """
    if values.dtype.kind == "f":
        bad = np.flatnonzero(values != np.round(values))
        if bad.size:
            raise InvalidInput(
                f"{name}: non-integer symbol {values[bad[0]]} at index {bad[0]}, expected integer symbols "
                f"({continuous_hint})"
            )
        values = values.astype(np.int64)
    values = values.astype(np.int64, copy=False)
    if alphabet_size is None:
        if values.size and 0 <= values.min() and values.max() < 1 << 20:  # small labels: O(n) relabelling
            present = np.bincount(values) > 0
            if present.all():  # already the codes 0..r-1: no copy
                return values, int(present.size)
            lookup = np.cumsum(present) - 1
            return lookup[values], max(int(present.sum()), 1)
        alphabet, codes = np.unique(values, return_inverse=True)
        return codes.astype(np.int64).reshape(-1), max(int(alphabet.size), 1)
    bad = np.flatnonzero((values < 0) | (values >= alphabet_size))
    if bad.size:
        raise InvalidInput(
            f"{name}: symbol {values[bad[0]]} at index {bad[0]} is outside the declared alphabet "
            f"0..{alphabet_size - 1} (alphabet_size={alphabet_size})"
        )
    return values, int(alphabet_size)


def check_int_param(name: str, value: Any, low: int, high: int | None = None) -> int:
    """Validate an integer hyper-parameter in ``[low, high]`` (message names the parameter).

    Examples
    --------
    >>> check_int_param("depth", 3, 0)
    3
    >>> check_int_param("depth", -1, 0)
    Traceback (most recent call last):
    dicert.graphs.errors.InvalidInput: depth: expected an integer >= 0, got -1
    """
    expected = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InvalidInput(f"{name}: expected {expected}, got {value!r}")
    if value < low or (high is not None and value > high):
        raise InvalidInput(f"{name}: expected {expected}, got {value!r}")
    return int(value)


class BaseDIEstimator:
    """Shared machinery: parameter access, repr, and storing the fitted rates.

    Subclasses set ``input_kind``, list their hyper-parameters in
    ``_param_names`` and call :meth:`_store` from ``fit`` with per-step
    increments in nats.

    Examples
    --------
    >>> from dicert.verify.estimators import CTW
    >>> CTW(depth=2).get_params()["depth"]
    2
    """

    input_kind: ClassVar[str] = "discrete"
    _param_names: ClassVar[tuple[str, ...]] = ()

    di_rate_: float
    reverse_di_rate_: float
    mi_rate_: float

    def get_params(self) -> dict[str, Any]:
        """The hyper-parameters as a dict (scikit-learn style)."""
        return {name: getattr(self, name) for name in self._param_names}

    def __repr__(self) -> str:
        args = ", ".join(f"{key}={value!r}" for key, value in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _store(
        self,
        di_nats: NDArray[np.float64],
        reverse_nats: NDArray[np.float64],
        base: float | str,
        di_ci: tuple[float, float] | None = None,
        reverse_ci: tuple[float, float] | None = None,
        ci_method: str = "batch means of the increments",
    ) -> None:
        """Store the rates from per-step increments (nats); intervals ``di_ci``/``reverse_ci`` in nats."""
        scale = 1.0 / log_base(base)
        di = np.asarray(di_nats, dtype=np.float64)
        reverse = np.asarray(reverse_nats, dtype=np.float64)
        if scale != 1.0:
            di, reverse = di * scale, reverse * scale
        self._increments: tuple[Any, ...] = (di, reverse)
        self.n_steps_ = int(di.size)
        self.di_rate_ = float(di.mean())
        self.reverse_di_rate_ = float(reverse.mean())
        self.mi_rate_ = self.di_rate_ + self.reverse_di_rate_
        self.di_rate_ci_ = batch_means_ci(di) if di_ci is None else (di_ci[0] * scale, di_ci[1] * scale)
        self.reverse_di_rate_ci_ = (
            batch_means_ci(reverse) if reverse_ci is None else (reverse_ci[0] * scale, reverse_ci[1] * scale)
        )
        self.ci_method_ = ci_method

    def _store_tabulated(
        self,
        cells: NDArray[Any],
        radix: int,
        tables: tuple[NDArray[np.float64], NDArray[np.float64]],
        rates: tuple[float, float],
        intervals: tuple[tuple[float, float], tuple[float, float]],
        ci_method: str,
        head: tuple[float, float] | None = None,
        reindex: Callable[[NDArray[np.float64]], NDArray[np.float64]] | None = None,
    ) -> None:
        """Store rates computed from per-cell tables (output unit); the increments are gathered lazily.

        ``tables[i][cells % radix]`` are the per-step increments (after the
        first-step values ``head``, when given; ``reindex`` maps each table to the
        label space of ``cells`` first); they are only built when
        ``di_increments_`` / ``reverse_di_increments_`` is read.
        """
        self._increments = ("tabulated", cells, radix, tables[0], tables[1], head, reindex)
        self.n_steps_ = int(cells.size) + (head is not None)
        self.di_rate_, self.reverse_di_rate_ = float(rates[0]), float(rates[1])
        self.mi_rate_ = self.di_rate_ + self.reverse_di_rate_
        self.di_rate_ci_, self.reverse_di_rate_ci_ = intervals
        self.ci_method_ = ci_method

    def _materialise(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        stored = self.__dict__.get("_increments")
        if stored is None:
            raise AttributeError("di_increments_: not fitted, call fit(x, y) first")
        if isinstance(stored[0], str):  # ("tabulated", cells, radix, di_table, reverse_table)
            _, cells, radix, di_table, reverse_table, head, reindex = stored
            if reindex is not None:
                di_table, reverse_table = reindex(di_table), reindex(reverse_table)
            index = cells % radix if radix else cells
            stored = (np.take(di_table, index), np.take(reverse_table, index))
            if head is not None:
                stored = (np.concatenate([[head[0]], stored[0]]), np.concatenate([[head[1]], stored[1]]))
            self._increments = stored
        return stored[0], stored[1]

    @property
    def di_increments_(self) -> NDArray[np.float64]:
        """Per-step DI increments in the output unit (their mean is ``di_rate_``)."""
        return self._materialise()[0]

    @property
    def reverse_di_increments_(self) -> NDArray[np.float64]:
        """Per-step reverse-DI increments in the output unit (their mean is ``reverse_di_rate_``)."""
        return self._materialise()[1]

    def test(
        self,
        n_surrogates: int = 99,
        method: str = "shift",
        *,
        rng: int | np.random.Generator | None = 0,
        n_jobs: int = 1,
    ) -> Any:
        """Surrogate significance test of the fitted rates (see :mod:`.surrogates`).

        Refits a copy of the estimator on ``n_surrogates`` surrogate pairs in which
        ``x`` is replaced by a surrogate that keeps its own dependence but breaks
        its link with ``y`` (``method``: ``"shift"`` circular time shifts,
        ``"block"`` block shuffles, ``"iaaft"`` for continuous data). Returns a
        :class:`~dicert.verify.estimators.surrogates.SurrogateTest`.

        Examples
        --------
        >>> import numpy as np
        >>> from dicert.verify.estimators import PlugIn
        >>> x = np.random.default_rng(0).integers(0, 2, 500)
        >>> PlugIn(order=1).fit(x, np.roll(x, 1)).test(19).di_p_value
        0.05
        """
        from dicert.verify.estimators.surrogates import surrogate_test

        data = getattr(self, "_data", None)
        if data is None:
            raise InvalidInput("estimator: not fitted, call fit(x, y) before test()")
        return surrogate_test(self, *data, n_surrogates=n_surrogates, method=method, rng=rng, n_jobs=n_jobs)

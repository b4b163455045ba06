"""Small float64 helpers and argument checks shared across :mod:`dicert.verify` (one copy each).

* :func:`entropy_bits` / :func:`entropy_nats` -- ``H(p)`` in bits / nats along one
  axis with ``0 log 0 = 0`` (the one entropy helper of the float code);
* :func:`stationary_law` -- the stationary distribution ``pi K = pi`` of a
  row-stochastic kernel (the one linear solve), with :func:`closed_classes`
  counting its recurrent classes (one iff the law is unique);
* :func:`xlogy_ratio` -- the terms ``p log(num / den)`` (nats) of a divergence,
  with ``0 log(.) = 0``;
* :func:`check_int` -- an integer argument (``int`` or numpy integer, not
  ``bool``) of at least a given value;
* :func:`check_conditional_rows` -- entries finite and ``>= 0`` and every
  conditional pmf of an array summing to one, with one-line messages naming
  the field and the offending row.

Examples
--------
>>> import numpy as np
>>> entropy_bits(np.array([[0.5, 0.5], [1.0, 0.0]])).tolist()
[1.0, 0.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dicert.verify.errors import DicertError, InvalidInput

__all__ = [
    "entropy_nats_positive",
    "ROW_SUM_TOLERANCE",
    "check_conditional_rows",
    "check_int",
    "closed_classes",
    "entropy_bits",
    "entropy_nats",
    "stationary_law",
    "xlogy_ratio",
]

#: Largest allowed deviation of a conditional pmf's sum from 1.
ROW_SUM_TOLERANCE = 1e-9


def entropy_bits(p: np.ndarray, axis: int = -1) -> np.ndarray:
    """Entropy ``-sum p log2 p`` in bits along ``axis`` (``0 log 0 = 0``).

    Parameters
    ----------
    p : numpy.ndarray
        Probabilities (rows along ``axis``); they are not checked.
    axis : int, default -1
        The axis summed over.

    Examples
    --------
    >>> import numpy as np
    >>> entropy_bits(np.array([0.25, 0.25, 0.5])).item()
    1.5
    """
    return _entropy(p, axis, np.log2)


def entropy_nats(p: np.ndarray, axis: int = -1) -> np.ndarray:
    """Entropy ``-sum p ln p`` in nats along ``axis`` (``0 log 0 = 0``); see :func:`entropy_bits`.

    Examples
    --------
    >>> import numpy as np
    >>> bool(np.isclose(entropy_nats(np.array([0.5, 0.5, 0.0])), np.log(2)))
    True
    """
    return _entropy(p, axis, np.log)


def entropy_nats_positive(p: np.ndarray, axis: int = -1) -> np.ndarray:
    """Entropy ``-sum p ln p`` in nats of strictly positive probabilities (no ``0 log 0`` guard).

    The fast path of :func:`entropy_nats` for laws that are never 0 (the KT
    mixtures of the CTW estimator, (3.3)-(3.6)): a zero entry gives ``nan``.

    Examples
    --------
    >>> import numpy as np
    >>> bool(np.isclose(entropy_nats_positive(np.array([0.25, 0.75])), entropy_nats(np.array([0.25, 0.75]))))
    True
    """
    return -np.sum(p * np.log(p), axis=axis)


def _entropy(p: np.ndarray, axis: int, log: Any) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * log(np.where(p > 0, p, 1.0)), 0.0)
    return terms.sum(axis=axis)


def closed_classes(kernel: np.ndarray) -> int:
    """Number of closed (recurrent) communicating classes of the chain with transition matrix ``kernel``.

    The stationary distribution of a finite chain is unique iff this is 1.

    Examples
    --------
    >>> import numpy as np
    >>> closed_classes(np.eye(2)), closed_classes(np.array([[0.5, 0.5], [1.0, 0.0]]))
    (2, 1)
    """
    from scipy.sparse.csgraph import connected_components

    support = np.asarray(kernel) > 0
    n_classes, labels = connected_components(support, directed=True, connection="strong")
    leaving = np.zeros(n_classes, dtype=bool)
    src, dst = np.nonzero(support)
    np.logical_or.at(leaving, labels[src], labels[src] != labels[dst])
    return int(np.count_nonzero(~leaving))


def stationary_law(kernel: np.ndarray, *, clip: bool = True) -> np.ndarray:
    """A solution of ``pi K = pi``, ``sum(pi) = 1`` for a row-stochastic ``kernel`` (least squares).

    Uniqueness is the caller's to check (:func:`closed_classes`); with
    ``clip=True`` rounding-level negative entries are set to 0 and the result
    renormalised, with ``clip=False`` the raw least-squares solution is returned
    (smooth in ``kernel``, for use inside an optimiser's objective).

    Examples
    --------
    >>> import numpy as np
    >>> stationary_law(np.array([[0.5, 0.5], [1.0, 0.0]])).round(6)
    array([0.666667, 0.333333])
    """
    kernel = np.asarray(kernel, dtype=float)
    n = kernel.shape[0]
    system = np.vstack([kernel.T - np.eye(n), np.ones((1, n))])
    rhs = np.zeros(n + 1)
    rhs[-1] = 1.0
    pi = np.linalg.lstsq(system, rhs, rcond=None)[0]
    if not clip:
        return pi
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()


def xlogy_ratio(p: np.ndarray, num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """Elementwise ``p log(num / den)`` in nats, ``0`` where ``p == 0`` (``0 log(.) = 0``).

    Parameters
    ----------
    p, num, den : numpy.ndarray
        Arrays of one shape; ``num`` and ``den`` are only read where ``p > 0``.

    Examples
    --------
    >>> import numpy as np
    >>> xlogy_ratio(np.array([0.5, 0.0]), np.array([1.0, 0.0]), np.array([0.5, 0.0])).tolist() == [0.5 * np.log(2), 0.0]
    True
    """
    ok = p > 0
    out = np.zeros_like(p)
    out[ok] = p[ok] * (np.log(num[ok]) - np.log(den[ok]))
    return out


def check_int(value: Any, field: str, low: int = 1) -> int:
    """``value`` as an ``int`` when it is an integer (``int`` or numpy integer, not ``bool``) ``>= low``.

    Parameters
    ----------
    value : Any
        The argument to check.
    field : str
        Its name, first word of the message.
    low : int, default 1
        Smallest allowed value.

    Raises
    ------
    InvalidInput
        ``"<field>: expected an integer >= <low>, got <value!r>"``.

    Examples
    --------
    >>> import numpy as np
    >>> check_int(np.int64(3), "n")
    3
    >>> check_int(True, "n")
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidInput: n: expected an integer >= 1, got True
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise InvalidInput(f"{field}: expected an integer >= {low}, got {value!r}")
    return int(value)


def check_conditional_rows(
    array: np.ndarray,
    field: str,
    conditioning: Sequence[str],
    error: type[DicertError] = InvalidInput,
) -> None:
    """Check that ``array`` holds conditional pmfs: finite entries ``>= 0``, rows summing to 1.

    A row is ``array[c_1, ..., c_k]`` with ``k = len(conditioning)`` leading
    (conditioning) axes; its entries over all remaining axes must sum to 1
    within :data:`ROW_SUM_TOLERANCE`.

    Parameters
    ----------
    array : numpy.ndarray
        Float array with at least ``len(conditioning)`` axes (its shape is checked by the caller).
    field : str
        Name of the argument, first word of every message.
    conditioning : sequence of str
        Names of the leading axes, used to label a bad row: ``x=1`` for one
        axis, ``(s=0, x=1)`` for several.
    error : DicertError subclass, default InvalidInput
        The exception raised.

    Raises
    ------
    DicertError
        ``error("<field>: entries must be finite and >= 0")`` or
        ``error("<field>: row <label> sums to <sum>, expected 1")``.

    Examples
    --------
    >>> import numpy as np
    >>> check_conditional_rows(np.array([[0.5, 0.5], [0.2, 0.8]]), "matrix", ("x",))
    >>> check_conditional_rows(np.array([[0.5, 0.5], [0.2, 0.7]]), "matrix", ("x",))
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidInput: matrix: row x=1 sums to 0.9, expected 1
    """
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        raise error(f"{field}: entries must be finite and >= 0")
    k = len(conditioning)
    sums = array.sum(axis=tuple(range(k, array.ndim)))
    bad = np.argwhere(np.abs(sums - 1.0) > ROW_SUM_TOLERANCE)
    if bad.size:
        index = tuple(int(v) for v in bad[0])
        labels = [f"{name}={i}" for name, i in zip(conditioning, index, strict=True)]
        label = labels[0] if k == 1 else f"({', '.join(labels)})"
        raise error(f"{field}: row {label} sums to {float(sums[index]):.12g}, expected 1")

"""Blahut-Arimoto algorithm for the capacity of a discrete memoryless channel.

The capacity ``C = max_{P(x)} I(X;Y)`` of a DMC (monograph eq. (4.2)) is computed
by the alternating maximisation of Blahut and Arimoto, an MM algorithm (sec. 4,
opening of ch. 4).  Every iterate ``p`` gives the two classical bounds

* lower: ``I(p, W) <= C`` (any input pmf is feasible), and
* upper: ``C <= max_x D(W(.|x) || pW)``, the dual capacity bound (4.47) with the
  test distribution ``T_Y = pW`` (the output pmf of the current iterate),

so the iteration stops when ``upper - lower <= tol`` and the returned interval
provably contains ``C`` up to floating-point rounding.

Examples
--------
>>> import numpy as np
>>> from dicert.verify.capacity.blahut_arimoto import blahut_arimoto
>>> result = blahut_arimoto(np.array([[0.9, 0.1], [0.1, 0.9]]))
>>> round(result.value, 6)   # 1 - H2(0.1)
0.531004
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dicert.verify._numeric import check_conditional_rows, xlogy_ratio
from dicert.verify.capacity.results import _Bracket
from dicert.verify.errors import InvalidChannel, InvalidInput

__all__ = ["BACapacity", "blahut_arimoto", "mutual_information_bits", "dual_upper_bound"]


@dataclass(frozen=True)
class BACapacity(_Bracket):
    """Result of :func:`blahut_arimoto`.

    Attributes
    ----------
    lower, upper:
        Bounds on the capacity in the requested unit (``I(p, W)`` and
        ``max_x D(W_x || pW)`` at the final iterate ``p``).
    input_pmf:
        The final input pmf ``p`` (the witness of ``lower``).
    output_pmf:
        ``p W``, the test distribution that witnesses ``upper`` via (4.47).
    iterations:
        Number of BA updates performed.
    converged:
        ``True`` when ``upper - lower <= tol`` was reached.
    """

    lower: float
    upper: float
    input_pmf: np.ndarray
    output_pmf: np.ndarray
    iterations: int
    converged: bool


def _log_factor(base: float | str) -> float:
    if base == "e":
        return 1.0
    if isinstance(base, (int, float)) and not isinstance(base, bool) and base > 1:
        return math.log(float(base))
    raise InvalidInput(f"base: expected a number > 1 or 'e', got {base!r}")


def _check_matrix(matrix: np.ndarray) -> np.ndarray:
    w = np.asarray(matrix, dtype=float)
    if w.ndim != 2 or w.shape[0] < 1 or w.shape[1] < 1:
        raise InvalidChannel(f"matrix: expected a 2-d array matrix[x, y] = P(y|x), got shape {w.shape}")
    check_conditional_rows(w, "matrix", ("x",), InvalidChannel)
    return w


def _divergences(w: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``D(W(.|x) || q)`` in nats for every row x (0 log 0 = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return xlogy_ratio(w, w, np.broadcast_to(q, w.shape)).sum(axis=1)


def mutual_information_bits(p: np.ndarray, matrix: np.ndarray, base: float | str = 2) -> float:
    """Mutual information ``I(X;Y)`` of input pmf ``p`` through ``matrix[x, y]``.

    Examples
    --------
    >>> import numpy as np
    >>> mutual_information_bits(np.array([0.5, 0.5]), np.eye(2))
    1.0
    """
    w = _check_matrix(matrix)
    p = np.asarray(p, dtype=float)
    q = p @ w
    return float(p @ _divergences(w, q)) / _log_factor(base)


def dual_upper_bound(matrix: np.ndarray, test_pmf: np.ndarray, base: float | str = 2) -> float:
    """Dual capacity bound (4.47): ``C <= max_x D(W(.|x) || T)`` for any test pmf ``T``.

    Examples
    --------
    >>> import numpy as np
    >>> dual_upper_bound(np.eye(2), np.array([0.5, 0.5]))
    1.0
    """
    w = _check_matrix(matrix)
    t = np.asarray(test_pmf, dtype=float)
    if t.shape != (w.shape[1],) or np.any(t < 0) or abs(t.sum() - 1) > 1e-9:
        raise InvalidInput(f"test_pmf: expected a pmf of length {w.shape[1]}")
    return float(np.max(_divergences(w, t))) / _log_factor(base)


def blahut_arimoto(
    matrix: np.ndarray,
    *,
    tol: float = 1e-12,
    max_iter: int = 100_000,
    base: float | str = 2,
    initial_pmf: np.ndarray | None = None,
) -> BACapacity:
    """Capacity of the DMC ``matrix[x, y] = P(y|x)`` by Blahut-Arimoto (eq. (4.2)).

    Each iteration multiplies ``p(x)`` by ``exp D(W(.|x) || pW)`` and renormalises.
    The bounds ``I(p, W) <= C <= max_x D(W_x || pW)`` hold at every iterate; the
    loop stops when they are within ``tol`` (in the requested unit).

    Parameters
    ----------
    matrix:
        Channel matrix, rows are input letters and sum to 1.
    tol:
        Stop when ``upper - lower <= tol``.
    max_iter:
        Iteration cap; the result then has ``converged=False`` (its bounds are still valid).
    base:
        Logarithm base (2: bits, ``"e"``: nats).
    initial_pmf:
        Starting input pmf (default uniform); must have full support.

    Examples
    --------
    >>> import numpy as np
    >>> r = blahut_arimoto(np.array([[1.0, 0.0], [0.5, 0.5]]))   # Z channel
    >>> round(r.value, 6), r.converged
    (0.321928, True)
    """
    w = _check_matrix(matrix)
    if not (tol > 0):
        raise InvalidInput(f"tol: expected a positive number, got {tol!r}")
    factor = _log_factor(base)
    nx = w.shape[0]
    if initial_pmf is None:
        p = np.full(nx, 1.0 / nx)
    else:
        p = np.asarray(initial_pmf, dtype=float)
        if p.shape != (nx,) or np.any(p <= 0) or abs(p.sum() - 1) > 1e-9:
            raise InvalidInput(f"initial_pmf: expected a positive pmf of length {nx}")
    lower = upper = 0.0
    converged = False
    iterations = 0
    for iterations in range(1, max_iter + 1):
        q = p @ w
        d = _divergences(w, q)
        lower = float(p @ d) / factor
        upper = float(d.max()) / factor
        if upper - lower <= tol:
            converged = True
            break
        if iterations < max_iter:
            p = p * np.exp(d - d.max())
            p /= p.sum()
    q = p @ w
    return BACapacity(
        lower=max(lower, 0.0),
        upper=upper,
        input_pmf=p,
        output_pmf=q,
        iterations=iterations,
        converged=converged,
    )

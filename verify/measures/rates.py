"""Information rates of stationary Markov chains on pairs ``(X_i, Y_i)``: DI, transfer-entropy and instantaneous rates.

The rates are bracketed (:class:`InformationRate`) by the monotone bounds of
the hidden output process (Cover & Thomas, Thm 4.5.1) for the limits of
(2.12)-(2.16) divided by ``n``.

Examples
--------
>>> import numpy as np
>>> from dicert.verify.measures.rates import directed_information_rate
>>> t = np.full((2, 2, 2, 2), 0.25)
>>> directed_information_rate(t).upper < 1e-9
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from dicert.verify._numeric import check_conditional_rows, entropy_nats, stationary_law
from dicert.verify.errors import InvalidInput
from dicert.verify.memory import check_allocation
from dicert.verify.pmf import Pmf

from dicert.verify.measures._names import _check_base

# --------------------------------------------------------------------------- stationary Markov processes
@dataclass(frozen=True)
class InformationRate:
    """An information rate bracketed by ``lower <= rate <= upper``.

    Attributes
    ----------
    lower, upper
        Bounds (bits unless another base was asked).
    horizon
        Number of letters ``n`` used for the bounds.
    converged
        Whether ``upper - lower <= tol`` was reached within ``max_horizon``.

    Examples
    --------
    >>> rate = InformationRate(lower=0.25, upper=0.75, horizon=3, converged=False)
    >>> rate.value, rate.width
    (0.5, 0.5)
    """

    lower: float
    upper: float
    horizon: int
    converged: bool

    @property
    def value(self) -> float:
        """Midpoint of the bracket."""
        return 0.5 * (self.lower + self.upper)

    @property
    def width(self) -> float:
        """``upper - lower``."""
        return self.upper - self.lower


def _check_transition(transition: Any) -> np.ndarray:
    array = np.asarray(transition, dtype=np.float64)
    if array.ndim != 4 or array.shape[:2] != array.shape[2:]:
        raise InvalidInput(
            f"transition: expected shape (|X|, |Y|, |X|, |Y|) with transition[x, y, x2, y2] = "
            f"P(X_(i+1)=x2, Y_(i+1)=y2 | X_i=x, Y_i=y), got shape {array.shape}"
        )
    check_conditional_rows(array, "transition", ("x", "y"))
    return array


def _stationary(transition: np.ndarray, stationary: Any) -> np.ndarray:
    states = transition.shape[0] * transition.shape[1]
    matrix = transition.reshape(states, states)
    if stationary is not None:
        pi = np.asarray(stationary, dtype=np.float64).reshape(-1)
        if pi.size != states or (pi < 0).any() or abs(pi.sum() - 1) > 1e-9:
            raise InvalidInput(f"stationary: expected a pmf over the {states} pairs (x, y), got {stationary!r}")
        if np.abs(pi @ matrix - pi).max() > 1e-9:
            raise InvalidInput("stationary: not invariant under the transition matrix (pi T != pi)")
        return pi
    if np.linalg.matrix_rank(matrix.T - np.eye(states), tol=1e-10) < states - 1:
        raise InvalidInput(
            "transition: the chain has more than one stationary distribution; pass `stationary` explicitly"
        )
    return stationary_law(matrix)


def markov_pair_pmf(
    transition: Any,
    n: int,
    stationary: Any = None,
    x_name: str = "X",
    y_name: str = "Y",
) -> Pmf:
    """The ``n``-letter pmf ``P(x^n, y^n)`` of a stationary first-order Markov chain on pairs ``(X_i, Y_i)``.

    ``transition[x, y, x2, y2] = P(X_{i+1} = x2, Y_{i+1} = y2 | X_i = x, Y_i = y)``;
    the chain starts in its stationary law (computed, or given as
    ``stationary[x, y]``). Variables are named ``X1, Y1, X2, Y2, ...``
    (interleaved, in time order).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.full((2, 2, 2, 2), 0.25)
    >>> markov_pair_pmf(t, 3).names
    ('X1', 'Y1', 'X2', 'Y2', 'X3', 'Y3')
    """
    array = _check_transition(transition)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InvalidInput(f"n: expected a positive integer, got {n!r}")
    pi = _stationary(array, stationary).reshape(array.shape[:2])
    check_allocation(array.shape[:2] * int(n), 8, f"markov_pair_pmf (n={n})")
    joint_array: np.ndarray = pi
    for _ in range(int(n) - 1):
        joint_array = joint_array[..., None, None] * array.reshape((1,) * (joint_array.ndim - 2) + array.shape)
    names = tuple(f"{prefix}{i}" for i in range(1, int(n) + 1) for prefix in (x_name, y_name))
    alphabets = tuple(tuple(range(size)) for size in joint_array.shape)
    return Pmf(joint_array, names, alphabets)


def _one_step_entropies(transition: np.ndarray, pi: np.ndarray) -> tuple[float, float, float]:
    """``H(Y_2 | S_1)``, ``H(Y_2 | X_2, S_1)`` and ``H(X_2 | S_1)`` of the stationary pair chain (nats)."""
    joint2 = pi.reshape(pi.shape + (1, 1)) * transition  # P(x1, y1, x2, y2)
    h_s = float(entropy_nats(joint2.sum(axis=(2, 3)).ravel()))
    h_s_y = float(entropy_nats(joint2.sum(axis=2).ravel()))
    h_s_x = float(entropy_nats(joint2.sum(axis=3).ravel()))
    h_all = float(entropy_nats(joint2.ravel()))
    return h_s_y - h_s, h_all - h_s_x, h_s_x - h_s


def _output_entropy_rate_bounds(
    transition: np.ndarray, pi: np.ndarray, tol: float, max_horizon: int
) -> tuple[float, float, int, bool]:
    """Bracket ``H(Y)`` of the hidden output process: ``H(Y_n | Y^{n-1}, S_1) <= H(Y) <= H(Y_n | Y^{n-1})``.

    Cover & Thomas, Theorem 4.5.1: both bounds are monotone in ``n`` and meet
    in the limit. Forward recursion over the output sequences with positive
    probability, conditioned on the first pair state ``S_1``.
    """
    nx, ny = transition.shape[:2]
    states = nx * ny
    matrix = transition.reshape(states, states)
    y_of_state = np.tile(np.arange(ny), nx)
    emit = np.zeros((ny, states))
    emit[y_of_state, np.arange(states)] = 1.0
    # alpha[s1, m, s] = P(Y^n = sequence m, S_n = s | S_1 = s1)
    alpha = np.zeros((states, ny, states))
    for s in range(states):
        alpha[s, y_of_state[s], s] = 1.0
    weights = pi.reshape(-1)
    previous_joint = 0.0
    previous_conditional = 0.0
    best_upper = math.inf
    best_lower = -math.inf
    horizon = 0
    converged = False
    for n in range(1, max_horizon + 1):
        if n > 1:
            check_allocation((states, alpha.shape[1] * ny, states), 8, f"output-entropy forward table (n={n})")
            stepped = alpha @ matrix  # (s1, m, s')
            alpha = (stepped[:, :, None, :] * emit[None, None, :, :]).reshape(states, -1, states)
        given_s1 = alpha.sum(axis=2)  # P(y^n | s1)
        marginal = weights @ given_s1  # P(y^n)
        alive = marginal > 0
        if not alive.all():
            alpha = alpha[:, alive, :]
            given_s1 = given_s1[:, alive]
            marginal = marginal[alive]
        joint_entropy = float(entropy_nats(np.ravel(marginal)))
        conditional_entropy_s1 = float(
            sum(w * float(entropy_nats(np.ravel(row))) for w, row in zip(weights, given_s1, strict=True) if w > 0)
        )
        upper = joint_entropy - previous_joint
        lower = conditional_entropy_s1 - previous_conditional
        previous_joint, previous_conditional = joint_entropy, conditional_entropy_s1
        best_upper = min(best_upper, upper)
        best_lower = max(best_lower, lower)
        horizon = n
        if best_upper - best_lower <= tol:
            converged = True
            break
    return best_lower, best_upper, horizon, converged


def _rate_setup(
    transition: Any, stationary: Any, tol: float, max_horizon: int, base: Any
) -> tuple[np.ndarray, np.ndarray, float]:
    array = _check_transition(transition)
    pi = _stationary(array, stationary).reshape(array.shape[:2])
    if not (isinstance(tol, int | float) and tol >= 0):
        raise InvalidInput(f"tol: expected a number >= 0, got {tol!r}")
    if isinstance(max_horizon, bool) or not isinstance(max_horizon, int | np.integer) or max_horizon < 1:
        raise InvalidInput(f"max_horizon: expected a positive integer, got {max_horizon!r}")
    base = _check_base(base)
    scale = 1.0 if base == "e" else math.log(base)
    return array, pi, scale


_H_Y_GIVEN_S, _H_Y_GIVEN_XS = 0, 1  # positions in _one_step_entropies


def _output_entropy_rate_minus(
    transition: Any, stationary: Any, tol: float, max_horizon: int, base: Any, conditional: int
) -> InformationRate:
    """The bracket of ``H(Y)`` minus one of the exact one-step conditional entropies, in ``base``."""
    array, pi, scale = _rate_setup(transition, stationary, tol, max_horizon, base)
    h_cond = _one_step_entropies(array, pi)[conditional]
    lower, upper, horizon, converged = _output_entropy_rate_bounds(array, pi, tol * scale, int(max_horizon))
    return InformationRate((lower - h_cond) / scale, (upper - h_cond) / scale, horizon, converged)


def directed_information_rate(
    transition: Any,
    *,
    stationary: Any = None,
    tol: float = 1e-9,
    max_horizon: int = 24,
    base: int | float | str = 2,
) -> InformationRate:
    """DI rate ``I(X -> Y) = H(Y) - H(Y || X)`` (2.24)-(2.26) of a stationary Markov chain on pairs.

    ``transition[x, y, x2, y2] = P(X_{i+1}=x2, Y_{i+1}=y2 | X_i=x, Y_i=y)``.
    The causally conditioned entropy rate (2.22) is exact for such a chain,
    ``H(Y || X) = H(Y_2 | X_2, X_1, Y_1)``; the output entropy rate ``H(Y)``
    of the hidden process ``Y`` is bracketed by
    ``H(Y_n | Y^{n-1}, X_1, Y_1) <= H(Y) <= H(Y_n | Y^{n-1})`` with ``n``
    increased until the bracket is narrower than ``tol`` (or ``max_horizon``).
    For ``n >= 2`` the upper bound at horizon ``n`` equals the DI increment
    ``I(X^n; Y_n | Y^{n-1})`` of (2.27). The bounds are not clipped at 0.

    Examples
    --------
    ``X`` i.i.d. uniform, ``Y_{i+1} = X_i`` (a unit delay): one bit per step.

    >>> import numpy as np
    >>> t = np.zeros((2, 2, 2, 2))
    >>> for x in range(2):
    ...     for y in range(2):
    ...         for x2 in range(2):
    ...             t[x, y, x2, x] = 0.5
    >>> rate = directed_information_rate(t)
    >>> round(rate.lower, 9), round(rate.upper, 9), rate.converged
    (1.0, 1.0, True)
    """
    return _output_entropy_rate_minus(transition, stationary, tol, max_horizon, base, _H_Y_GIVEN_XS)


def transfer_entropy_rate(
    transition: Any,
    *,
    stationary: Any = None,
    tol: float = 1e-9,
    max_horizon: int = 24,
    base: int | float | str = 2,
) -> InformationRate:
    """TE rate ``T_inf = lim T_n(n-1, n-1) = H(Y) - H(Y_2 | X_1, Y_1)`` of a stationary pair chain (section 2.5.1).

    With :func:`instantaneous_information_rate` it satisfies
    ``I(X -> Y) = T_inf + I_inf`` (the rate form of (2.30)).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.zeros((2, 2, 2, 2))
    >>> for x in range(2):
    ...     for y in range(2):
    ...         for x2 in range(2):
    ...             t[x, y, x2, x] = 0.5
    >>> round(transfer_entropy_rate(t).value, 9)
    1.0
    """
    return _output_entropy_rate_minus(transition, stationary, tol, max_horizon, base, _H_Y_GIVEN_S)


def instantaneous_information_rate(
    transition: Any, *, stationary: Any = None, base: int | float | str = 2
) -> float:
    """Instantaneous information rate ``I_inf = I(X_2; Y_2 | X_1, Y_1)`` of a stationary pair chain (section 2.5.1).

    Exact for a first-order chain on pairs (``lim I(X_n; Y_n | X^{n-1}, Y^{n-1})``).

    Examples
    --------
    ``(X_i, Y_i)`` i.i.d. with ``Y_i = X_i`` uniform:

    >>> import numpy as np
    >>> t = np.zeros((2, 2, 2, 2))
    >>> t[:, :, 0, 0] = t[:, :, 1, 1] = 0.5
    >>> round(instantaneous_information_rate(t), 12)
    1.0
    """
    array, pi, scale = _rate_setup(transition, stationary, 0.0, 1, base)
    h_y_given_s, h_y_given_xs, _ = _one_step_entropies(array, pi)
    return (h_y_given_s - h_y_given_xs) / scale


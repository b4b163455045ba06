"""The classic n-letter bound sequences on the feedback capacity (Thm 4.2.1, Gallager's slack).

For ``n = 1..n_max``, in bits,

    lower_n = (1/n) max_r min_{s0} I(X^n -> Y^n | s0) - log2|S| / n  <=  C_fb
    upper_n = (1/n) max_r max_{s0} I(X^n -> Y^n | s0) + log2|S| / n  >=  C_fb

each evaluated at the solver's witness (the input's directed information, the duality
bound at its output pmf) by the programs of :mod:`dicert.verify.capacity.nletter`, with
their running best (module docstring there).  Split from ``nletter.py``; the names stay
importable there.

Examples
--------
>>> import numpy as np
>>> from dicert.verify.capacity.nletter_sequences import nletter_bounds
>>> b = nletter_bounds(np.eye(2), 2)
>>> [round(float(v), 4) for v in b.upper], b.status     # the noiseless bit, from above
([1.0, 1.0], 'optimal')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dicert.verify._numeric import check_int
from dicert.verify.capacity.fsc_blocks import SOLVER_COPIES, causal_channel_levels, check_nletter_size, fsc_allowed, fsc_law
from dicert.verify.capacity import nletter as _programs  # called through the module (tests patch the programs)
from dicert.verify.capacity.nletter import InfeasibleConstraint, policy_directed_information
from dicert.verify.capacity.results import SequenceRecord, running_best
from dicert.verify.errors import SolverFailed

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import ChannelOrLaw

__all__ = ["NLetterBounds", "nletter_bounds"]


@dataclass(frozen=True)
class NLetterBounds(SequenceRecord):
    """The classic n-letter bound sequences on the feedback capacity, in bits.

    Attributes
    ----------
    ns:
        Block lengths ``1..n_max``.
    maxmin, maxmax:
        Solver estimates of ``(1/n) max_r min_{s0} I`` and ``(1/n) max_{s0} max_r I``
        per n (``nan`` where no input satisfies the constraint for every initial state).
    per_state:
        ``per_state[k, s0] = C_n(s0)`` (solver estimate) for ``n = ns[k]``.
    lower, upper:
        ``min_{s0} (1/n) I(policy) - log2|S|/n`` at the max-min program's policy and
        ``max_{s0}`` (duality bound of :func:`dual_nletter_upper`) ``+ log2|S|/n``:
        valid bounds for every n (Thm 4.2.1 with Gallager's ``log2|S|/n`` slack),
        up to floating-point rounding; ``nan`` where there is none.
    lower_monotone, upper_monotone:
        Running maximum of ``lower`` and running minimum of ``upper``: monotone and
        still valid bounds (the best bound known after each n).
    seconds:
        Wall time per n.
    """

    maxmin: np.ndarray
    maxmax: np.ndarray
    per_state: np.ndarray

    @property
    def lower_estimate(self) -> np.ndarray:
        """``maxmin``: the solver's max-min values per n (before the ``log2|S|/n`` slack)."""
        return self.maxmin

    @property
    def upper_estimate(self) -> np.ndarray:
        """``maxmax``: the solver's max-max values per n (before the slack)."""
        return self.maxmax


def _per_state(target: Any, n: int, ns_states: int) -> tuple[np.ndarray, np.ndarray, list[list[np.ndarray]], float]:
    """``C_n(s0)`` estimates, their duality bounds (all ``nan`` if some ``s0`` failed), the policies, a lower bound.

    The last entry is the witness-evaluated lower bound of the single-state case (``nan`` otherwise).
    """
    values, uppers = np.full(ns_states, math.nan), np.full(ns_states, math.nan)
    policies: list[list[np.ndarray]] = []
    incomplete, lower = False, math.nan
    for s0 in range(ns_states):
        try:
            value = _programs.nletter_value(target, n, s0)
        except InfeasibleConstraint:
            continue  # no admissible input from s0: no code exists from this state
        except SolverFailed:
            incomplete = True  # no witness for this s0: no upper bound at this n (the max needs every s0)
            continue
        values[s0], uppers[s0] = value.value, math.nan if value.upper is None else value.upper
        policies.append(value.input_policy)
        lower = math.nan if value.lower is None else value.lower
    if incomplete:
        uppers[:] = math.nan
    return values, uppers, policies, lower if ns_states == 1 else math.nan


def _maxmin(target: Any, law: np.ndarray, n: int, policies: list[list[np.ndarray]], constrained: bool) -> tuple[float, float]:
    """``(estimate, lower bound)`` of the max-min program; ``nan`` where there is none.

    When the solver fails on an unconstrained channel, the best per-state input evaluated
    on every initial state is kept: a valid, weaker lower bound.
    """
    try:
        value = _programs.nletter_maxmin_value(target, n)
        return value.value, math.nan if value.lower is None else value.lower
    except InfeasibleConstraint:
        return math.nan, math.nan  # no input is admissible for every initial state: no lower bound at this n
    except SolverFailed:
        if constrained or not policies:
            return math.nan, math.nan
        level_sets = [causal_channel_levels(law, n, s0) for s0 in range(law.shape[0])]
        return math.nan, max(min(policy_directed_information(lv, pol) for lv in level_sets) for pol in policies)


def nletter_bounds(
    channel: ChannelOrLaw,
    n_max: int,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> NLetterBounds:
    """Lower and upper n-letter bounds on the feedback capacity for ``n = 1..n_max`` (Thm 4.2.1).

    ``lower_n = min_{s0} (1/n) I(X^n->Y^n|s0) - log2|S|/n`` at the input of the max-min
    program and ``upper_n = max_{s0}`` of the duality bound on ``(1/n) max_r
    I(X^n->Y^n|s0)``, ``+ log2|S|/n`` (module docstring).  Input constraints
    ``allowed[s, x]`` are honoured: an input may be used after a history only if it
    is allowed in every state the channel can be in.  ``progress(n, n_max)`` is
    called after each block length.

    Examples
    --------
    >>> import numpy as np
    >>> b = nletter_bounds(np.array([[0.9, 0.1], [0.1, 0.9]]), 2)
    >>> bool(np.allclose(b.lower, b.upper, atol=1e-6))   # one state: no log|S| slack
    True
    """
    import time
    import warnings
    from types import SimpleNamespace

    law = fsc_law(channel)
    ns_states, nx = law.shape[0], law.shape[1]
    allowed = fsc_allowed(channel, (ns_states, nx))
    check_int(n_max, "n")
    check_nletter_size(law.shape[:3], n_max, copies=SOLVER_COPIES)
    target = law if allowed is None else SimpleNamespace(law=law, allowed=allowed)
    ns = np.arange(1, n_max + 1)
    maxmin, maxmin_lower = np.full(n_max, math.nan), np.full(n_max, math.nan)
    per_state, per_state_upper = np.full((n_max, ns_states), math.nan), np.full((n_max, ns_states), math.nan)
    seconds = np.zeros(n_max)
    for k, n in enumerate(ns.tolist()):
        t0 = time.perf_counter()
        per_state[k], per_state_upper[k], policies, single_lower = _per_state(target, n, ns_states)
        if ns_states == 1:
            if policies:
                maxmin[k], maxmin_lower[k] = per_state[k, 0], single_lower
        else:
            maxmin[k], maxmin_lower[k] = _maxmin(target, law, n, policies, allowed is not None)
        seconds[k] = time.perf_counter() - t0
        if progress is not None:
            progress(n, n_max)
    with warnings.catch_warnings():  # all-nan rows give nan (no bound at that n)
        warnings.simplefilter("ignore", RuntimeWarning)
        maxmax, best_upper = np.nanmax(per_state, axis=1), np.nanmax(per_state_upper, axis=1)
    slack = math.log2(ns_states) / ns
    lower, upper = maxmin_lower - slack, best_upper + slack
    return NLetterBounds(
        ns=ns, maxmin=maxmin, maxmax=maxmax, per_state=per_state, lower=lower, upper=upper,
        lower_monotone=running_best(lower, max), upper_monotone=running_best(upper, min), seconds=seconds,
    )

"""n-letter bounds on the capacity *without* feedback of a finite-state channel (eq. (4.12)).

Without feedback the capacity of an FSC is (monograph eq. (4.12), Gallager 1968)

    C = lim_n max_{P(x^n)} (1/n) I(X^n; Y^n),

and for every block length n Gallager's Thm 4.6.1 (the no-feedback form of the
bounds of Thm 4.2.1) gives, in bits,

    lower_n = (1/n) max_{P(x^n)} min_{s0} I(X^n; Y^n | s0) - log2|S| / n  <=  C
    upper_n = (1/n) max_{s0} max_{P(x^n)} I(X^n; Y^n | s0) + log2|S| / n  >=  C

(the lower one bounds the capacity for an initial state unknown to the encoder,
the upper one for the best initial state).  ``I(X^n; Y^n | s0)`` is the mutual
information of the *block channel* ``W_{s0}[x^n, y^n] = P(y^n | x^n, s0)``, a DMC
with ``|X|^n`` inputs, so each inner maximum is a concave program:

* ``max_{P(x^n)} I`` for one ``s0``: Blahut-Arimoto on ``W_{s0}``
  (:func:`dicert.verify.capacity.blahut_arimoto.blahut_arimoto`), whose final
  iterate gives a lower bound ``I(p, W)`` and the dual upper bound
  ``max_x D(W_x || pW)`` (4.47): the interval contains the n-letter value up to
  floating-point rounding;
* ``max_P min_{s0} I`` (a minimum of concave functions): cvxpy/Clarabel, and the
  value of the returned input is re-evaluated exactly (``min_{s0} I(p, W_{s0})``),
  a lower bound on the program's value.

Input constraints ``allowed[s, x]``: without feedback the encoder sees no output,
so a block ``x^n`` may be sent only if every letter is allowed in every state
the channel can be in at that time (for the max-min program: from every initial
state).  For input-driven states (run-length constraints) this is the usual set
of constrained words.  Gallager's proofs carry over: every n-block of an
admissible code is admissible from the state it starts in, so the upper bound
maximises over blocks admissible from ``s0``, and concatenated blocks admissible
from every state form admissible codes for the lower bound.

Because ``I(X^n; Y^n) = I(X^n -> Y^n)`` without feedback (sec. 4.2), these values
sit below the feedback values of :mod:`dicert.verify.capacity.nletter` for the
same n, and the two sequences side by side show how much feedback can gain.

Examples
--------
>>> import numpy as np
>>> from dicert.verify.capacity.nofeedback import nofeedback_bounds
>>> b = nofeedback_bounds(np.array([[0.9, 0.1], [0.1, 0.9]]), 2)
>>> [round(float(v), 5) for v in b.lower]     # a DMC: 1 - H2(0.1) at every n
[0.531, 0.531]
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dicert.verify._numeric import check_int
from dicert.verify.capacity.blahut_arimoto import blahut_arimoto, mutual_information_bits
from dicert.verify.capacity.fsc_blocks import check_nletter_size, fsc_allowed, fsc_law
from dicert.verify.capacity.nletter import _solve
from dicert.verify.capacity.results import SequenceRecord, running_best
from dicert.verify.errors import InvalidInput, SolverFailed

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import ChannelOrLaw

__all__ = ["block_channel", "admissible_blocks", "NoFeedbackBounds", "nofeedback_bounds"]


def _forward_blocks(law: np.ndarray, n: int, s0: int) -> np.ndarray:
    """``A[x^n, y^n, s_n] = P(y^n, s_n | x^n, s0)`` (no feedback: the input block is fixed in advance)."""
    ns, nx, ny, _ = law.shape
    a = np.zeros((1, 1, ns))
    a[0, 0, s0] = 1.0
    for _ in range(n):
        nxt = np.einsum("abs,sxyt->axbyt", a, law)  # (Mx, X, My, Y, S)
        a = nxt.reshape(a.shape[0] * nx, a.shape[1] * ny, ns)
    return a


def block_channel(channel: ChannelOrLaw, n: int, initial_state: int = 0) -> np.ndarray:
    """The block channel ``W[x^n, y^n] = P(y^n | x^n, s0)`` of an FSC without feedback (eq. (4.4)).

    Rows and columns are the sequences in lexicographic order (``x_1`` most significant).

    Examples
    --------
    >>> from dicert.verify.channels import trapdoor_channel
    >>> w = block_channel(trapdoor_channel(), 2, 0)
    >>> w.shape, w[3].tolist()          # x = 11 from s0 = 0: y1 = 0 leaves ball 1, y2 = 1
    ((4, 4), [0.0, 0.5, 0.25, 0.25])
    """
    law = fsc_law(channel)
    ns, nx, ny, _ = law.shape
    check_int(n, "n")
    check_nletter_size((ns, nx, ny), n)
    if not (isinstance(initial_state, (int, np.integer)) and 0 <= int(initial_state) < ns):
        raise InvalidInput(f"initial_state: expected an integer in [0, {ns}), got {initial_state!r}")
    return _forward_blocks(law, n, int(initial_state)).sum(axis=2)


def admissible_blocks(channel: ChannelOrLaw, n: int, initial_states: list[int]) -> np.ndarray:
    """Which input blocks ``x^n`` satisfy the input constraint from every initial state given.

    A block is admissible when each letter ``x_i`` is allowed in every state the
    channel can reach after ``x^{i-1}`` (over all outputs) from each ``s0`` in
    ``initial_states``.  All blocks are admissible for an unconstrained channel.

    Examples
    --------
    >>> from dicert.verify.channels import bec_noc_channel
    >>> admissible_blocks(bec_noc_channel(), 2, [0]).tolist()    # 00, 01, 10 (not 11)
    [True, True, True, False]
    """
    law = fsc_law(channel)
    ns, nx, ny, _ = law.shape
    allowed = fsc_allowed(channel, (ns, nx))
    check_nletter_size((ns, nx, ny), n)
    if allowed is None:
        return np.ones(nx**n, dtype=bool)
    moves = law.sum(axis=2) > 0  # (S, X, S): can move s -> s2 under input x
    reach = np.zeros((1, ns), dtype=bool)
    reach[0, list(initial_states)] = True
    ok = np.ones(1, dtype=bool)
    for _ in range(n):
        letter_ok = ~((reach[:, :, None] & ~allowed[None, :, :]).any(axis=1))  # (M, X)
        ok = (ok[:, None] & letter_ok).reshape(-1)
        reach = np.einsum("ms,sxt->mxt", reach.astype(np.int64), moves.astype(np.int64)).reshape(-1, ns) > 0
    return ok


@dataclass(frozen=True)
class NoFeedbackBounds(SequenceRecord):
    """n-letter bounds on the capacity without feedback, in bits (Gallager Thm 4.6.1, eq. (4.12)).

    Attributes
    ----------
    ns:
        Block lengths ``1..n_max``.
    per_state_lower, per_state_upper:
        ``[k, s0]``: Blahut-Arimoto interval on ``(1/n) max_P I(X^n;Y^n|s0)`` for
        ``n = ns[k]`` (``nan`` when no block is admissible from ``s0``).
    maxmin_estimate:
        Solver value of ``(1/n) max_P min_{s0} I(X^n;Y^n|s0)``.
    maxmin_lower:
        ``min_{s0} (1/n) I(p, W_{s0})`` at the solver's input ``p`` (a lower bound on it).
    lower, upper:
        ``maxmin_lower - log2|S|/n`` and ``max_{s0} per_state_upper + log2|S|/n``:
        valid bounds on the capacity without feedback for every n, up to rounding.
    lower_monotone, upper_monotone:
        Running maximum / minimum of ``lower`` / ``upper``.
    seconds:
        Wall time per n.
    """

    per_state_lower: np.ndarray
    per_state_upper: np.ndarray
    maxmin_estimate: np.ndarray
    maxmin_lower: np.ndarray

    @property
    def lower_estimate(self) -> np.ndarray:
        """``maxmin_estimate``: the solver's max-min values per n (before the slack)."""
        return self.maxmin_estimate


def _maxmin(blocks: list[np.ndarray]) -> tuple[float, np.ndarray]:
    """``max_p min_s I(p, W_s)`` in nats (cvxpy; the outputs are scaled as in the feedback program)."""
    import cvxpy as cp

    m = blocks[0].shape[0]
    scale = float(blocks[0].shape[1])
    v = cp.Variable(m, nonneg=True)
    t = cp.Variable()
    cons = [cp.sum(v) == scale]
    for w in blocks:
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(w > 0, w * np.log(np.where(w > 0, w, 1.0)), 0.0).sum(axis=1)
        used = np.flatnonzero(w.sum(axis=0) > 0)
        cons.append(t <= (c @ v + cp.sum(cp.entr(w[:, used].T @ v))) / scale + math.log(scale))
    problem = cp.Problem(cp.Maximize(t), cons)
    _solve(problem, "no-feedback max-min program")
    p = np.maximum(np.asarray(v.value, dtype=float), 0.0)
    return float(problem.value), p / p.sum()


def _per_state_intervals(target: Any, blocks: list[np.ndarray], n: int, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """Blahut-Arimoto interval on ``(1/n) max_P I(X^n;Y^n|s0)`` per ``s0`` over its admissible blocks (``nan``: none)."""
    lower, upper = np.full(len(blocks), math.nan), np.full(len(blocks), math.nan)
    for s0, block in enumerate(blocks):
        rows = admissible_blocks(target, n, [s0])
        if rows.any():
            ba = blahut_arimoto(block[rows], tol=tol * n)
            lower[s0], upper[s0] = ba.lower / n, ba.upper / n
    return lower, upper


def _maxmin_lower(sub: list[np.ndarray], n: int, tol: float) -> tuple[float, float]:
    """``(estimate, lower bound)`` of ``(1/n) max_P min_{s0} I`` on the blocks admissible from every state.

    The lower bound is ``min_{s0} I(p, W_{s0}) / n`` at the returned input ``p``; when the
    solver fails, the best per-state BA input evaluated on all states (valid, weaker).
    """
    estimate = math.nan
    if sub[0].shape[0] == 1:  # one admissible block: nothing to optimise
        p = np.ones(1)
        estimate = min(mutual_information_bits(p, w) for w in sub) / n
    elif len(sub) == 1:
        ba = blahut_arimoto(sub[0], tol=tol * n)
        estimate, p = ba.lower / n, ba.input_pmf
    else:
        try:
            value, p = _maxmin(sub)
            estimate = value / (n * math.log(2))
        except SolverFailed:
            candidates = [blahut_arimoto(w, tol=tol * n).input_pmf for w in sub]
            p = max(candidates, key=lambda c: min(mutual_information_bits(c, w) for w in sub))
    return estimate, min(mutual_information_bits(p, w) for w in sub) / n


def nofeedback_bounds(
    channel: ChannelOrLaw,
    n_max: int,
    *,
    progress: Callable[[int, int], None] | None = None,
    tol: float = 1e-10,
) -> NoFeedbackBounds:
    """Lower and upper n-letter bounds on the capacity without feedback, ``n = 1..n_max`` (eq. (4.12)).

    Parameters
    ----------
    channel:
        Anything :func:`~dicert.verify.capacity.nletter.fsc_law` accepts (DMC,
        unifilar or general FSC); an input constraint ``allowed`` is honoured.
    n_max:
        Largest block length; memory grows like ``(|X||Y|)^n |S|`` and is
        checked before allocation (:func:`~dicert.verify.capacity.nletter.check_nletter_size`).
    progress:
        Called as ``progress(n, n_max)`` after each block length.
    tol:
        Blahut-Arimoto stopping gap (bits, on the block capacity).

    Examples
    --------
    >>> from dicert.verify.channels import trapdoor_channel
    >>> b = nofeedback_bounds(trapdoor_channel(), 3)
    >>> bool(b.upper_monotone[-1] >= 0.5), bool(b.lower[-1] <= 0.6610)   # Lutz 2014: C <= 0.661
    (True, True)
    """
    law = fsc_law(channel)
    ns_states, nx = law.shape[0], law.shape[1]
    allowed = fsc_allowed(channel, (ns_states, nx))
    check_int(n_max, "n")
    check_nletter_size(law.shape[:3], n_max)
    from types import SimpleNamespace

    target = SimpleNamespace(law=law, allowed=allowed)
    ns = np.arange(1, n_max + 1)
    lo_s, hi_s = np.full((n_max, ns_states), math.nan), np.full((n_max, ns_states), math.nan)
    maxmin_est, maxmin_low = np.full(n_max, math.nan), np.full(n_max, math.nan)
    seconds = np.zeros(n_max)
    for k, n in enumerate(ns.tolist()):
        t0 = time.perf_counter()
        blocks = [_forward_blocks(law, n, s0).sum(axis=2) for s0 in range(ns_states)]
        lo_s[k], hi_s[k] = _per_state_intervals(target, blocks, n, tol)
        common = admissible_blocks(target, n, list(range(ns_states)))
        if common.any():
            maxmin_est[k], maxmin_low[k] = _maxmin_lower([w[common] for w in blocks], n, tol)
        seconds[k] = time.perf_counter() - t0
        if progress is not None:
            progress(n, n_max)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        best_upper = np.nanmax(hi_s, axis=1)
    slack = math.log2(ns_states) / ns
    lower = maxmin_low - slack
    upper = best_upper + slack
    return NoFeedbackBounds(
        ns=ns,
        per_state_lower=lo_s,
        per_state_upper=hi_s,
        maxmin_estimate=maxmin_est,
        maxmin_lower=maxmin_low,
        lower=lower,
        upper=upper,
        lower_monotone=running_best(lower, max),
        upper_monotone=running_best(upper, min),
        seconds=seconds,
    )

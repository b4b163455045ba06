"""n-letter directed-information maximisation for finite-state channels (Thm 4.2.1).

The feedback capacity of a finite-state channel (FSC) is the limit (4.11)

    C_fb = lim_n (1/n) max_{P(x^n || y^{n-1})} I(X^n -> Y^n).

For a fixed initial state ``s0`` (or a fixed initial pmf, unknown to the encoder)
this module computes the *n-letter value*

    C_n(s0) = (1/n) max_{r(x^n || y^{n-1})} I(X^n -> Y^n | s0)              (*)

where the channel is the causally conditioned law ``P(y^n || x^n, s0) =
sum_{s^n} prod_i P(y_i, s_i | x_i, s_{i-1})`` (eq. (2.2)) and the maximum runs over
all causally conditioned inputs ``r(x^n||y^{n-1}) = prod_i r(x_i | x^{i-1}, y^{i-1})``.
The same quantity is computed by the extended Blahut-Arimoto algorithm of
:mod:`dicert.verify.capacity.directed_ba`.

(*) is a convex program: with the variables ``u_i(x^i, y^{i-1}) = r(x^i || y^{i-1})``
(linear "causal" constraints ``sum_{x_i} u_i = u_{i-1}`` for every ``y_{i-1}``) the
joint pmf ``P(x^n, y^n) = u_n P(y^n||x^n)`` is linear, and

    I(X^n -> Y^n) = sum P(x^n,y^n) log P(y^n||x^n) + H(Y^n)

is linear plus a sum of ``entr`` terms of the linear output pmf.  It is solved with
cvxpy and Clarabel; any status other than ``optimal`` raises :class:`SolverFailed`.

The classic bound sequences (Gallager Thm 4.6.1, extended to feedback by Permuter,
Weissman and Goldsmith [permuter2009finite], the source of Thm 4.2.1) are, in bits,

    lower_n = (1/n) max_r min_{s0} I(X^n -> Y^n | s0) - log2|S| / n  <=  C_fb
    upper_n = (1/n) max_r max_{s0} I(X^n -> Y^n | s0) + log2|S| / n  >=  C_fb

valid for every n.  ``n lower_n`` is super-additive and ``n upper_n`` sub-additive
(Gallager's argument), so both converge (to C_fb for indecomposable channels), but
the raw sequences need not be monotone; :func:`~dicert.verify.capacity.nletter_sequences.nletter_bounds` therefore also
reports the running maximum of the lower and the running minimum of the upper
sequence, which are monotone and remain valid bounds for every n.

The reported ``lower``/``upper`` are evaluated at the solver's witness, not taken
from the solver: ``lower`` is the directed information of the returned (feasible)
input (:func:`policy_directed_information`) and ``upper`` the n-letter duality
bound with the returned output pmf (:func:`dual_nletter_upper`), both valid up to
floating-point rounding whatever the solver's accuracy.

Input constraints ``allowed[s, x]``: the encoder knows the history ``(x^i, y^i)``
but not a hidden state, so an input may follow a history only if it is allowed
in every state the channel can be in after it (for the max-min program: from
every initial state).  For a unifilar channel with known ``s0`` this is the
constraint itself.  The proofs of the bounds carry over because every n-block of
an admissible code is admissible from the state it starts in.

Examples
--------
>>> import numpy as np
>>> from dicert.verify.capacity.nletter import nletter_value
>>> bsc = np.array([[0.9, 0.1], [0.1, 0.9]])
>>> round(nletter_value(bsc, 2).value, 5)      # feedback does not help a DMC
0.531
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from dicert.verify._numeric import check_int, entropy_nats
from dicert.verify.capacity.fsc_blocks import (  # re-exported: the channel side of this module
    SOLVER_COPIES,
    _forward,
    _live_inputs,
    causal_channel_levels,
    check_nletter_size,
    fsc_allowed,
    fsc_law,
)
from dicert.verify.capacity.results import RecordMixin, ValueEstimates
from dicert.verify.errors import InvalidChannel, InvalidInput, SolverFailed

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import ChannelOrLaw


class InfeasibleConstraint(InvalidChannel):
    """No input of the given block length satisfies the channel's input constraint."""

__all__ = [
    "InfeasibleConstraint",
    "fsc_law",
    "fsc_allowed",
    "policy_directed_information",
    "dual_nletter_upper",
    "causal_channel_levels",
    "check_nletter_size",
    "NLetterValue",
    "NLetterBounds",
    "nletter_value",
    "nletter_maxmin_value",
    "nletter_bounds",
]

# ---------------------------------------------------------------------------
# The convex program
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NLetterValue(ValueEstimates, RecordMixin):
    """``(1/n) max I(X^n -> Y^n)`` in bits and its witness.

    Attributes
    ----------
    value:
        The optimal value in bits per channel use (a solver estimate).
    n:
        Block length.
    initial_state:
        The state index or pmf, or ``"min"`` for the max-min over initial states.
    input_policy:
        ``input_policy[i]`` has shape ``(M_i, X)``: ``r(x_{i+1} | x^i, y^i)`` on the
        interleaved histories of :func:`causal_channel_levels` (uniform where the
        history has probability 0).
    status:
        The cvxpy status (always ``"optimal"``; anything else raised).
    seconds:
        Wall time of the solve.
    lower:
        ``(1/n) I(X^n -> Y^n | s0)`` re-evaluated at ``input_policy`` (for the
        max-min program: the minimum over the initial states): a lower bound on
        the n-letter value up to floating-point rounding, since the policy is
        feasible (it respects the input constraint).
    upper:
        The duality bound of :func:`dual_nletter_upper` with the solver's output
        pmf as test distribution: an upper bound on the n-letter value up to
        floating-point rounding (``None`` for the max-min program).
    """

    value: float
    n: int
    initial_state: Any
    input_policy: list[np.ndarray] = field(repr=False)
    status: str
    seconds: float
    lower: float | None = None
    upper: float | None = None

    @property
    def lower_witness(self) -> list[np.ndarray] | None:
        """The feasible input ``input_policy`` that ``lower`` is evaluated at."""
        return None if self.lower is None else self.input_policy

    @property
    def upper_witness(self) -> str | None:
        """The duality bound's test distribution: the output pmf of the solver's point (not stored)."""
        return None if self.upper is None else "output pmf of input_policy (dual_nletter_upper)"


def _history_y_index(i: int, nx: int, ny: int) -> np.ndarray:
    """For each interleaved history ``h_i`` (lexicographic), the index of ``y^i``."""
    idx = np.zeros(1, dtype=np.int64)
    for _ in range(i):
        idx = (idx[:, None, None] * ny + np.arange(ny)[None, None, :]) + np.zeros((1, nx, 1), dtype=np.int64)
        idx = idx.reshape(-1)
    return idx


class _CausalProgram:
    """Variables and constraints of a causally conditioned input on reachable histories.

    Level ``i`` (``i = 1..n``) has one variable per (reachable history ``h_{i-1}``,
    input letter ``x_i``) holding ``k r(x^i || y^{i-1})`` with ``k = |Y|^n``: the scaling
    keeps the output pmf entries entering the exponential cones of order one
    (unscaled, Clarabel stalls from n = 6 on).  Histories of probability 0 under
    the channel for every initial state considered are pruned, which removes the
    free (degenerate) directions from the program.
    """

    def __init__(
        self,
        level_sets: list[list[np.ndarray]],
        nx: int,
        ny: int,
        alpha_sets: list[list[np.ndarray]] | None = None,
        allowed: np.ndarray | None = None,
    ) -> None:
        import cvxpy as cp
        import scipy.sparse as sp

        self.n = n = len(level_sets[0])
        self.nx, self.ny = nx, ny
        self.scale = float(ny) ** n
        # reachable histories h_0 .. h_{n-1}
        self.reach: list[np.ndarray] = [np.zeros(1, dtype=np.int64)]
        for i in range(1, n):
            mask = np.zeros((nx * ny) ** i, dtype=bool)
            for levels in level_sets:
                mask |= levels[i - 1].reshape(-1) > 0
            self.reach.append(np.flatnonzero(mask))
        self.vars = [cp.Variable(len(r) * nx, nonneg=True, name=f"u{i + 1}") for i, r in enumerate(self.reach)]
        self.constraints: list[Any] = [cp.sum(self.vars[0]) == self.scale]
        self.live: list[np.ndarray] | None = None
        if allowed is not None and alpha_sets is not None:
            self.live = _live_inputs(level_sets, alpha_sets, allowed, self.reach)
            if not self.live[0].any():
                raise InfeasibleConstraint(
                    f"allowed: no input sequence of length {n} satisfies the input constraint "
                    "in every state the channel can be in"
                )
            for var, live in zip(self.vars, self.live, strict=True):
                dead = np.flatnonzero(~live.reshape(-1))
                if dead.size:
                    self.constraints.append(var[dead] == 0)
        for i in range(1, n):
            hist = self.reach[i]  # reachable h_i = (h_{i-1}, x_i, y_i)
            parent = hist // (nx * ny)
            x_prev = (hist // ny) % nx
            position = np.full((nx * ny) ** (i - 1), -1, dtype=np.int64)
            position[self.reach[i - 1]] = np.arange(len(self.reach[i - 1]))
            cols = position[parent] * nx + x_prev
            rows = np.arange(len(hist))
            rep = sp.csr_matrix((np.ones(len(hist)), (rows, cols)), shape=(len(hist), len(self.reach[i - 1]) * nx))
            summ = sp.kron(sp.identity(len(hist), format="csr"), np.ones((1, nx)), format="csr")
            self.constraints.append(summ @ self.vars[i] == rep @ self.vars[i - 1])

    def di_nats(self, levels: list[np.ndarray]) -> Any:
        """``I(X^n -> Y^n)`` in nats (cvxpy expression) for the channel ``levels``.

        ``I = sum P(x^n,y^n) log P(y^n||x^n) + H(Y^n)`` with ``P(y^n) = A u_n``; in
        the scaled variable ``v = k u``: ``sum entr(A v) = k H(Y^n) - k log k``.
        """
        import cvxpy as cp
        import scipy.sparse as sp

        nx, ny, n = self.nx, self.ny, self.n
        hist = self.reach[-1]
        last = levels[-1][hist]  # (R, X, Y)
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(last > 0, last * np.log(np.where(last > 0, last, 1.0)), 0.0).sum(axis=2).reshape(-1)
        hist_y = _history_y_index(n - 1, nx, ny)[hist]
        m = len(hist)
        rows = (hist_y[:, None, None] * ny + np.arange(ny)[None, None, :]) + np.zeros((1, nx, 1), dtype=np.int64)
        cols = np.broadcast_to((np.arange(m)[:, None] * nx + np.arange(nx)[None, :])[:, :, None], (m, nx, ny))
        a = sp.csr_matrix((last.reshape(-1), (rows.reshape(-1), cols.reshape(-1))), shape=(ny**n, m * nx))
        # outputs impossible under every input contribute entr(0) = 0: drop their rows
        a = a[np.flatnonzero(a.getnnz(axis=1) > 0)]
        v = self.vars[-1]
        return (c @ v + cp.sum(cp.entr(a @ v))) / self.scale + math.log(self.scale)

    def policy(self) -> list[np.ndarray]:
        """``r(x_i | h_{i-1})`` on all histories (uniform where unreachable or of mass 0)."""
        nx, ny = self.nx, self.ny
        out = []
        for i, (u, hist) in enumerate(zip(self.vars, self.reach, strict=True)):
            full = np.full(((nx * ny) ** i, nx), 1.0 / nx)
            val = np.maximum(np.asarray(u.value, dtype=float), 0.0).reshape(-1, nx)
            fallback = np.full(val.shape, 1.0 / nx)
            if self.live is not None:
                live = self.live[i]
                val = np.where(live, val, 0.0)
                count = live.sum(axis=1, keepdims=True)
                fallback = np.where(live, 1.0 / np.maximum(count, 1), 0.0)
                fallback[count[:, 0] == 0] = 1.0 / nx  # a dead history is never reached
            tot = val.sum(axis=1, keepdims=True)
            full[hist] = np.where(tot > 1e-12 * self.scale, val / np.where(tot > 0, tot, 1.0), fallback)
            out.append(full)
        return out


def _input_weights(policy: list[np.ndarray], ny: int) -> np.ndarray:
    """``r(x^n || y^{n-1})`` on (interleaved history ``h_{n-1}``, ``x_n``) from per-step policies."""
    r = np.asarray(policy[0], dtype=float)  # (1, X)
    for step in policy[1:]:
        step = np.asarray(step, dtype=float)
        parent = np.arange(step.shape[0]) // ny  # index of (h_{i-2}, x_{i-1})
        r = r.reshape(-1)[parent][:, None] * step
    return r


def policy_directed_information(levels: list[np.ndarray], policy: list[np.ndarray]) -> float:
    """``(1/n) I(X^n -> Y^n)`` in bits of a causally conditioned input on the channel ``levels``.

    ``I = sum P(x^n, y^n) log P(y^n || x^n) + H(Y^n)`` (eq. (2.11)) with
    ``P(x^n, y^n) = r(x^n || y^{n-1}) P(y^n || x^n)`` evaluated directly, so it
    is the value of this (feasible) input, a lower bound on the n-letter value.

    Examples
    --------
    >>> import numpy as np
    >>> levels = causal_channel_levels(fsc_law(np.eye(2)), 2)
    >>> policy = [np.full((1, 2), 0.5), np.full((4, 2), 0.5)]
    >>> policy_directed_information(levels, policy)
    1.0
    """
    n = len(levels)
    last = levels[-1]
    _, nx, ny = last.shape
    joint = _input_weights(policy, ny)[:, :, None] * last  # (M, X, Y)
    with np.errstate(divide="ignore", invalid="ignore"):
        cond = np.where(joint > 0, joint * np.log(np.where(last > 0, last, 1.0)), 0.0).sum()
        y_index = (_history_y_index(n - 1, nx, ny)[:, None, None] * ny + np.arange(ny)[None, None, :]) + np.zeros(
            (1, nx, 1), dtype=np.int64
        )
        py = np.bincount(y_index.reshape(-1), weights=joint.reshape(-1), minlength=ny**n)
    return float(cond + entropy_nats(py)) / (n * math.log(2))


def dual_nletter_upper(
    levels: list[np.ndarray],
    test_pmf: np.ndarray,
    live: list[np.ndarray] | None = None,
    reach: list[np.ndarray] | None = None,
    *,
    mix: float = 1e-9,
) -> float:
    """Duality upper bound on ``(1/n) max_r I(X^n -> Y^n)`` in bits for any test pmf ``q(y^n)``.

    For every causally conditioned input, ``I(X^n -> Y^n) = E log P(Y^n||X^n)/P(Y^n)
    <= E log P(Y^n||X^n)/q(Y^n)`` (the gap is ``D(P_{Y^n} || q) >= 0``), and the
    maximum of the right side over inputs is a backward dynamic program over the
    histories, ``V(h) = max_x sum_y P(y|h,x) [log P(y|h,x)/q(y|y^{i-1}) + V(h,x,y)]``
    (the n-letter form of the duality bound (4.47), Thm 4.5.2).  ``q`` is mixed
    with the uniform pmf (weight ``mix``) so every ratio is finite.  With
    ``live`` (per level, on the histories ``reach``) the maximum runs over the
    admissible inputs only.

    Examples
    --------
    >>> import numpy as np
    >>> levels = causal_channel_levels(fsc_law(np.eye(2)), 2)
    >>> round(dual_nletter_upper(levels, np.full(4, 0.25)), 9)
    1.0
    """
    n = len(levels)
    _, nx, ny = levels[-1].shape
    q = np.asarray(test_pmf, dtype=float).reshape(-1)
    if q.shape != (ny**n,) or np.any(q < 0) or not math.isfinite(q.sum()) or q.sum() <= 0:
        raise InvalidInput(f"test_pmf: expected a pmf over y^n of length {ny ** n}")
    q = (1.0 - mix) * q / q.sum() + mix / ny**n
    marginals = [q.reshape((ny,) * n).sum(axis=tuple(range(i, n))).reshape(-1) for i in range(n + 1)]
    value = np.zeros((nx * ny) ** n)
    for i in range(n, 0, -1):
        lv = levels[i - 1]  # (M_{i-1}, X, Y): P(y^i || x^i)
        mass = lv.sum(axis=2, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            cond = np.where(mass > 0, lv / np.where(mass > 0, mass, 1.0), 0.0)
            y_prev = _history_y_index(i - 1, nx, ny)
            q_cond = marginals[i][(y_prev[:, None] * ny + np.arange(ny)[None, :])] / marginals[i - 1][y_prev][:, None]
            term = np.where(cond > 0, cond * (np.log(np.where(cond > 0, cond, 1.0)) - np.log(q_cond)[:, None, :]), 0.0)
        term = term.sum(axis=2) + (cond * value.reshape(cond.shape)).sum(axis=2)  # (M_{i-1}, X)
        if live is not None and reach is not None:
            mask = np.ones(term.shape, dtype=bool)
            mask[reach[i - 1]] = live[i - 1]
            term = np.where(mask, term, -np.inf)
        best = term.max(axis=1)
        value = np.where(np.isfinite(best), best, 0.0)
    return float(value[0]) / (n * math.log(2))


def _output_pmf(program: _CausalProgram, levels: list[np.ndarray]) -> np.ndarray:
    """``P(y^n)`` of the solver's input (the natural test distribution of the duality bound)."""
    n = len(levels)
    last = levels[-1]
    _, nx, ny = last.shape
    joint = _input_weights(program.policy(), ny)[:, :, None] * last
    y_index = (_history_y_index(n - 1, nx, ny)[:, None, None] * ny + np.arange(ny)[None, None, :]) + np.zeros(
        (1, nx, 1), dtype=np.int64
    )
    return np.bincount(y_index.reshape(-1), weights=joint.reshape(-1), minlength=ny**n)


def _solve(problem: Any, what: str) -> None:
    """Solve with Clarabel at tolerance 1e-10, falling back to its default 1e-8.

    Anything but status ``optimal`` at both tolerances raises :class:`SolverFailed`.
    """
    import warnings

    import cvxpy as cp

    status = "not solved"
    for tol in (1e-10, 1e-8):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                problem.solve(solver=cp.CLARABEL, tol_gap_abs=tol, tol_gap_rel=tol, tol_feas=tol)
        except cp.error.SolverError as exc:
            status = f"error ({exc})"
            continue
        status = str(problem.status)
        if problem.status == cp.OPTIMAL:
            return
    raise SolverFailed(f"{what}: Clarabel status {status!r}, expected 'optimal'")


def nletter_value(channel: ChannelOrLaw, n: int, initial_state: int | np.ndarray = 0) -> NLetterValue:
    """``C_n(s0) = (1/n) max_{r(x^n||y^{n-1})} I(X^n -> Y^n | s0)`` in bits (eq. (4.11)).

    Parameters
    ----------
    channel:
        Anything :func:`fsc_law` accepts (DMC, FSC incl. non-unifilar, unifilar FSC).
    n:
        Block length (``>= 1``); memory grows like ``(|X||Y|)^n``.
    initial_state:
        A state index (known to encoder and decoder) or a pmf on the states.

    Examples
    --------
    >>> import numpy as np
    >>> round(nletter_value(np.array([[1.0, 0.0], [0.5, 0.5]]), 1).value, 5)
    0.32193
    """
    import time

    import cvxpy as cp

    law = fsc_law(channel)
    ns, nx, ny, _ = law.shape
    allowed = fsc_allowed(channel, (ns, nx))
    check_int(n, "n")
    check_nletter_size((1, nx, ny), n, copies=SOLVER_COPIES)
    t0 = time.perf_counter()
    levels, alphas = _forward(law, n, initial_state)
    program = _CausalProgram([levels], nx, ny, [alphas], allowed)
    problem = cp.Problem(cp.Maximize(program.di_nats(levels)), program.constraints)
    _solve(problem, f"n-letter program (n={n})")
    value = float(problem.value) / (n * math.log(2))
    state = initial_state if isinstance(initial_state, (int, np.integer)) else np.asarray(initial_state).tolist()
    policy = program.policy()
    return NLetterValue(
        value=value,
        n=n,
        initial_state=state,
        input_policy=policy,
        status=str(problem.status),
        seconds=time.perf_counter() - t0,
        lower=policy_directed_information(levels, policy),
        upper=dual_nletter_upper(levels, _output_pmf(program, levels), program.live, program.reach),
    )


def nletter_maxmin_value(channel: ChannelOrLaw, n: int) -> NLetterValue:
    """``(1/n) max_r min_{s0} I(X^n -> Y^n | s0)`` in bits: one input for all initial states.

    The inner minimum of concave functions is concave, so this is the convex program
    ``max t`` subject to ``t <= I_{s0}(r)`` for every state ``s0``.

    Examples
    --------
    >>> import numpy as np
    >>> round(nletter_maxmin_value(np.eye(2), 1).value, 6)
    1.0
    """
    import time

    import cvxpy as cp

    law = fsc_law(channel)
    ns, nx, ny, _ = law.shape
    allowed = fsc_allowed(channel, (ns, nx))
    check_int(n, "n")
    check_nletter_size((ns, nx, ny), n, copies=SOLVER_COPIES)
    t0 = time.perf_counter()
    forward = [_forward(law, n, s0) for s0 in range(ns)]
    level_sets = [f[0] for f in forward]
    program = _CausalProgram(level_sets, nx, ny, [f[1] for f in forward], allowed)
    t = cp.Variable(name="t")
    cons = program.constraints + [t <= program.di_nats(levels) for levels in level_sets]
    problem = cp.Problem(cp.Maximize(t), cons)
    _solve(problem, f"n-letter max-min program (n={n})")
    policy = program.policy()
    return NLetterValue(
        value=float(problem.value) / (n * math.log(2)),
        n=n,
        initial_state="min",
        input_policy=policy,
        status=str(problem.status),
        seconds=time.perf_counter() - t0,
        lower=min(policy_directed_information(levels, policy) for levels in level_sets),
    )


#: Names in :mod:`dicert.verify.capacity.nletter_sequences` (the bound sequences), still importable from here.
_SEQUENCE_NAMES = ("NLetterBounds", "nletter_bounds")


def __getattr__(name: str) -> Any:
    if name in _SEQUENCE_NAMES:
        from dicert.verify.capacity import nletter_sequences

        return getattr(nletter_sequences, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

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
the raw sequences need not be monotone; :func:`nletter_bounds` therefore also
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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from dicert.verify._numeric import check_conditional_rows, check_int
from dicert.verify.capacity.results import RecordMixin
from dicert.verify.errors import InvalidChannel, InvalidInput, SolverFailed
from dicert.verify.memory import check_allocation


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
# Channel normalisation and the causally conditioned channel P(y^n || x^n, s0)
# ---------------------------------------------------------------------------


def fsc_law(channel: Any) -> np.ndarray:
    """The FSC law ``law[s, x, y, s2] = P(y, s2 | x, s)`` of any supported channel.

    Accepts a DMC matrix ``[x, y]`` (2-d array, one state), an FSC law (4-d array),
    or an object with the dicert channel attributes: ``matrix`` (DMC),
    ``law`` + ``next_state`` (unifilar FSC, (4.18)) or a 4-d ``law`` (FSC).
    An input constraint ``allowed[s, x]`` is not part of the law; read it with
    :func:`fsc_allowed`.

    Examples
    --------
    >>> import numpy as np
    >>> fsc_law(np.eye(2)).shape
    (1, 2, 2, 1)
    """
    if isinstance(channel, np.ndarray) or isinstance(channel, (list, tuple)):
        arr = np.asarray(channel, dtype=float)
        if arr.ndim == 2:
            law = arr[None, :, :, None]
        elif arr.ndim == 4:
            law = arr
        else:
            raise InvalidChannel(
                f"channel: expected matrix[x, y] (2-d) or law[s, x, y, s2] (4-d), got shape {arr.shape}"
            )
    elif hasattr(channel, "next_state"):
        py = np.asarray(channel.law, dtype=float)
        nxt = np.asarray(channel.next_state, dtype=np.int64)
        ns = py.shape[0]
        law = np.zeros(py.shape + (ns,))
        s_idx, x_idx, y_idx = np.indices(py.shape)
        law[s_idx, x_idx, y_idx, nxt] = py
    elif hasattr(channel, "matrix"):
        law = np.asarray(channel.matrix, dtype=float)[None, :, :, None]
    elif hasattr(channel, "law"):
        law = np.asarray(channel.law, dtype=float)
        if law.ndim != 4:
            raise InvalidChannel(f"channel.law: expected law[s, x, y, s2] (4-d), got shape {law.shape}")
    else:
        raise InvalidChannel(f"channel: expected an array or a dicert channel, got {type(channel).__name__}")
    check_conditional_rows(law, "channel.law", ("s", "x"), InvalidChannel)
    return law


def fsc_allowed(channel: Any, shape: tuple[int, int] | None = None) -> np.ndarray | None:
    """The input constraint ``allowed[s, x]`` of a channel (``None`` when unconstrained).

    Arrays carry no constraint; a dicert channel's ``allowed`` attribute is
    returned as a boolean array, checked against ``shape = (S, X)`` if given.

    Examples
    --------
    >>> from dicert.verify.channels import bec_noc_channel
    >>> fsc_allowed(bec_noc_channel()).tolist()
    [[True, True], [True, False]]
    """
    allowed = getattr(channel, "allowed", None)
    if allowed is None:
        return None
    arr = np.asarray(allowed, dtype=bool)
    if shape is not None and arr.shape != tuple(shape):
        raise InvalidChannel(f"channel.allowed: expected shape (S, X) = {tuple(shape)}, got {arr.shape}")
    if not arr.any(axis=1).all():
        raise InvalidChannel("channel.allowed: every state needs at least one allowed input")
    return None if arr.all() else arr


def _initial_pmf(initial_state: int | Sequence[float] | np.ndarray, ns: int) -> np.ndarray:
    if isinstance(initial_state, (int, np.integer)):
        if not 0 <= int(initial_state) < ns:
            raise InvalidInput(f"initial_state: expected an integer in [0, {ns}), got {initial_state}")
        p0 = np.zeros(ns)
        p0[int(initial_state)] = 1.0
        return p0
    p0 = np.asarray(initial_state, dtype=float)
    if p0.shape != (ns,) or np.any(p0 < 0) or abs(p0.sum() - 1) > 1e-9:
        raise InvalidInput(f"initial_state: expected a state index or a pmf of length {ns}")
    return p0


#: Bytes per history cell of the convex program, in units of float64 (cvxpy's canonical form and
#: Clarabel's factorisation hold about 1.3 kB per variable: measured 320 MB peak for n = 8 on the
#: Gilbert-Elliott channel, 131072 cells).
SOLVER_COPIES = 200


def check_nletter_size(shape: tuple[int, int, int], n: int, *, copies: int = 6) -> int:
    """Estimated bytes of an n-letter computation; raise :class:`TooLarge` above the limit.

    The dominant arrays hold ``(|X| |Y|)^n |S|`` float64 entries and ``copies`` of
    them are assumed alive at once (:data:`SOLVER_COPIES` for the convex
    programs, which build a solver model per cell); the limit is the one of
    :func:`dicert.verify.memory.check_allocation` (``DICERT_MEMORY_LIMIT``).

    Examples
    --------
    >>> check_nletter_size((2, 2, 2), 3)
    6144
    """
    ns, nx, ny = shape
    if n < 1:
        raise InvalidInput(f"n: expected an integer >= 1, got {n}")
    cells = (nx * ny) ** n * max(ns, 1) * copies
    what = f"n: n-letter arrays for n={n} (|S|={ns}, |X|={nx}, |Y|={ny})"
    return check_allocation(cells, 8, what)


def causal_channel_levels(law: np.ndarray, n: int, initial_state: int | np.ndarray = 0) -> list[np.ndarray]:
    """Causally conditioned channel ``P(y^i || x^i, s0)`` for ``i = 1..n`` (eq. (2.2)).

    Level ``i`` is an array of shape ``(M_{i-1}, X, Y)`` where the row index encodes
    the interleaved history ``h_{i-1} = (x_1, y_1, ..., x_{i-1}, y_{i-1})`` in
    lexicographic order (``h_i = (h_{i-1} X + x_i) Y + y_i``).  It is computed by the
    forward recursion over the hidden state, so non-unifilar channels are exact.

    Examples
    --------
    >>> import numpy as np
    >>> levels = causal_channel_levels(fsc_law(np.eye(2)), 2)
    >>> [lv.shape for lv in levels]
    [(1, 2, 2), (4, 2, 2)]
    """
    return _forward(law, n, initial_state)[0]


def _forward(law: np.ndarray, n: int, initial_state: int | np.ndarray = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Levels of :func:`causal_channel_levels` and the joint state weights ``P(y^i, s_i || x^i, s0)``.

    The second list holds, for ``i = 0..n-1``, an array of shape ``(M_i, S)``
    indexed by the interleaved history ``h_i``: its support is the set of states
    the channel can be in after ``h_i`` (what an input constraint is checked on).
    """
    law = np.asarray(law, dtype=float)
    ns, nx, ny, _ = law.shape
    check_nletter_size((ns, nx, ny), n)
    alpha = _initial_pmf(initial_state, ns)[None, :]  # (M_0 = 1, S)
    levels: list[np.ndarray] = []
    alphas: list[np.ndarray] = []
    for _ in range(n):
        alphas.append(alpha)
        nxt = np.einsum("ms,sxyt->mxyt", alpha, law)  # (M, X, Y, S)
        levels.append(nxt.sum(axis=3))
        alpha = nxt.reshape(-1, ns)
    return levels, alphas


def _live_inputs(
    level_sets: list[list[np.ndarray]],
    alpha_sets: list[list[np.ndarray]],
    allowed: np.ndarray,
    reach: list[np.ndarray],
) -> list[np.ndarray]:
    """Which (reachable history, next input) pairs an admissible input may use.

    Input ``x`` is admissible after history ``h_i`` when it is allowed in every
    state the channel can be in after ``h_i`` for some initial state considered
    (the encoder knows ``h_i`` but not the hidden state).  A pair is *live* when it
    is admissible and every output it can produce leads to a history that still
    has a live input (backward pass); only live pairs may carry probability.
    """
    n = len(reach)
    nx, ny = allowed.shape[1], level_sets[0][0].shape[2]
    admissible = []
    for i in range(n):
        possible = np.zeros((len(reach[i]), allowed.shape[0]), dtype=bool)
        for alphas in alpha_sets:
            possible |= alphas[i][reach[i]] > 0
        # forbidden if some possible state forbids x
        admissible.append(~(possible.astype(np.int64) @ (~allowed).astype(np.int64) > 0))
    live = [a.copy() for a in admissible]
    for i in range(n - 2, -1, -1):
        position = np.full((nx * ny) ** (i + 1), -1, dtype=np.int64)
        position[reach[i + 1]] = np.arange(len(reach[i + 1]))
        child_ok = live[i + 1].any(axis=1)
        children = (reach[i][:, None, None] * nx + np.arange(nx)[None, :, None]) * ny + np.arange(ny)[None, None, :]
        pos = position[children]  # -1 where the child is unreachable
        ok = np.where(pos >= 0, child_ok[np.maximum(pos, 0)], True).all(axis=2)
        live[i] &= ok
    return live


# ---------------------------------------------------------------------------
# The convex program
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NLetterValue(RecordMixin):
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
    def lower_estimate(self) -> float:
        """``value``, the solver's optimum."""
        return self.value

    @property
    def upper_estimate(self) -> float:
        """``value``, the solver's optimum."""
        return self.value

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
        entropy = -np.where(py > 0, py * np.log(np.where(py > 0, py, 1.0)), 0.0).sum()
    return float(cond + entropy) / (n * math.log(2))


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


def nletter_value(channel: Any, n: int, initial_state: int | np.ndarray = 0) -> NLetterValue:
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


def nletter_maxmin_value(channel: Any, n: int) -> NLetterValue:
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


class _SequenceRecord(RecordMixin):
    """The :class:`~dicert.verify.capacity.results.BoundRecord` contract for bound *sequences*.

    ``lower`` / ``upper`` are arrays with one valid bound per block length (``nan`` where
    there is none; ``None`` in ``to_dict``); ``lower_monotone`` / ``upper_monotone`` their
    running best.  Shared by :class:`NLetterBounds` and the no-feedback record.
    """

    lower: np.ndarray
    upper: np.ndarray

    @property
    def status(self) -> str:
        """``"optimal"`` when every n has both bounds, ``"partial"`` when some n has none."""
        both = np.isfinite(np.asarray(self.lower)) & np.isfinite(np.asarray(self.upper))
        return "optimal" if bool(both.all()) else "partial"

    @property
    def lower_witness(self) -> str:
        """The inputs are re-evaluated per n, not stored: the evaluation that proves ``lower``."""
        return "min over s0 of I(X^n -> Y^n | s0) at the max-min program's input, minus log2|S|/n"

    @property
    def upper_witness(self) -> str:
        """The test distributions are the solver's output pmfs, not stored: what proves ``upper``."""
        return "max over s0 of the n-letter duality bound at the solver's output pmf, plus log2|S|/n"


@dataclass(frozen=True)
class NLetterBounds(_SequenceRecord):
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

    ns: np.ndarray
    maxmin: np.ndarray
    maxmax: np.ndarray
    per_state: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    lower_monotone: np.ndarray
    upper_monotone: np.ndarray
    seconds: np.ndarray

    @property
    def lower_estimate(self) -> np.ndarray:
        """``maxmin``: the solver's max-min values per n (before the ``log2|S|/n`` slack)."""
        return self.maxmin

    @property
    def upper_estimate(self) -> np.ndarray:
        """``maxmax``: the solver's max-max values per n (before the slack)."""
        return self.maxmax


def _running(values: np.ndarray, better: Callable[[Any, Any], Any]) -> np.ndarray:
    """Running best of ``values`` ignoring ``nan`` (``nan`` until the first number)."""
    out = np.full(values.shape, math.nan)
    best = math.nan
    for k, v in enumerate(values):
        if not math.isnan(v):
            best = v if math.isnan(best) else better(best, v)
        out[k] = best
    return out


def nletter_bounds(
    channel: Any,
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
    law = fsc_law(channel)
    ns_states, nx = law.shape[0], law.shape[1]
    allowed = fsc_allowed(channel, (ns_states, nx))
    check_int(n_max, "n")
    check_nletter_size(law.shape[:3], n_max, copies=SOLVER_COPIES)
    import time
    from types import SimpleNamespace

    target = law if allowed is None else SimpleNamespace(law=law, allowed=allowed)
    ns = np.arange(1, n_max + 1)
    maxmin = np.full(n_max, math.nan)
    maxmin_lower = np.full(n_max, math.nan)
    per_state = np.full((n_max, ns_states), math.nan)
    per_state_upper = np.full((n_max, ns_states), math.nan)
    seconds = np.zeros(n_max)
    for k, n in enumerate(ns):
        t0 = time.perf_counter()
        policies = []
        incomplete = False
        for s0 in range(ns_states):
            try:
                value = nletter_value(target, int(n), s0)
            except InfeasibleConstraint:
                continue  # no admissible input from s0: no code exists from this state
            except SolverFailed:
                incomplete = True  # no witness for this s0: no upper bound at this n (the max needs every s0)
                continue
            per_state[k, s0], per_state_upper[k, s0] = value.value, value.upper
            policies.append(value.input_policy)
        if incomplete:
            per_state_upper[k, :] = math.nan
        if ns_states == 1:
            if policies:
                maxmin[k], maxmin_lower[k] = per_state[k, 0], value.lower
        else:
            try:
                value = nletter_maxmin_value(target, int(n))
                maxmin[k], maxmin_lower[k] = value.value, value.lower
            except InfeasibleConstraint:
                pass  # no input is admissible for every initial state: no lower bound at this n
            except SolverFailed:
                if allowed is None and policies:  # keep a valid, weaker lower bound: the best per-state input
                    level_sets = [causal_channel_levels(law, int(n), s0) for s0 in range(ns_states)]
                    maxmin_lower[k] = max(
                        min(policy_directed_information(lv, pol) for lv in level_sets) for pol in policies
                    )
        seconds[k] = time.perf_counter() - t0
        if progress is not None:
            progress(int(n), n_max)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            maxmax = np.nanmax(per_state, axis=1)
            best_upper = np.nanmax(per_state_upper, axis=1)
    slack = math.log2(ns_states) / ns
    lower = maxmin_lower - slack
    upper = best_upper + slack
    return NLetterBounds(
        ns=ns,
        maxmin=maxmin,
        maxmax=maxmax,
        per_state=per_state,
        lower=lower,
        upper=upper,
        lower_monotone=_running(lower, max),
        upper_monotone=_running(upper, min),
        seconds=seconds,
    )

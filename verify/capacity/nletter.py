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
from dicert.verify.errors import InvalidChannel, InvalidInput, SolverFailed
from dicert.verify.memory import check_allocation

__all__ = [
    "fsc_law",
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
    Input constraints (``allowed``) are not representable here and are refused.

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
        allowed = getattr(channel, "allowed", None)
        if allowed is not None and not np.all(np.asarray(allowed, dtype=bool)):
            raise InvalidChannel("channel.allowed: input constraints are not supported by the n-letter program")
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


def check_nletter_size(shape: tuple[int, int, int], n: int, *, copies: int = 6) -> int:
    """Estimated bytes of an n-letter computation; raise :class:`TooLarge` above the limit.

    The dominant arrays hold ``(|X| |Y|)^n |S|`` float64 entries and ``copies`` of
    them are assumed alive at once; the limit is the one of
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
    law = np.asarray(law, dtype=float)
    ns, nx, ny, _ = law.shape
    check_nletter_size((ns, nx, ny), n)
    alpha = _initial_pmf(initial_state, ns)[None, :]  # (M_0 = 1, S)
    levels: list[np.ndarray] = []
    for _ in range(n):
        nxt = np.einsum("ms,sxyt->mxyt", alpha, law)  # (M, X, Y, S)
        levels.append(nxt.sum(axis=3))
        alpha = nxt.reshape(-1, ns)
    return levels


# ---------------------------------------------------------------------------
# The convex program
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NLetterValue:
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
    """

    value: float
    n: int
    initial_state: Any
    input_policy: list[np.ndarray] = field(repr=False)
    status: str
    seconds: float


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

    def __init__(self, level_sets: list[list[np.ndarray]], nx: int, ny: int) -> None:
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
            tot = val.sum(axis=1, keepdims=True)
            full[hist] = np.where(tot > 1e-12 * self.scale, val / np.where(tot > 0, tot, 1.0), 1.0 / nx)
            out.append(full)
        return out


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
    check_int(n, "n")
    t0 = time.perf_counter()
    levels = causal_channel_levels(law, n, initial_state)
    program = _CausalProgram([levels], nx, ny)
    problem = cp.Problem(cp.Maximize(program.di_nats(levels)), program.constraints)
    _solve(problem, f"n-letter program (n={n})")
    value = float(problem.value) / (n * math.log(2))
    state = initial_state if isinstance(initial_state, (int, np.integer)) else np.asarray(initial_state).tolist()
    return NLetterValue(
        value=value,
        n=n,
        initial_state=state,
        input_policy=program.policy(),
        status=str(problem.status),
        seconds=time.perf_counter() - t0,
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
    check_int(n, "n")
    t0 = time.perf_counter()
    level_sets = [causal_channel_levels(law, n, s0) for s0 in range(ns)]
    program = _CausalProgram(level_sets, nx, ny)
    t = cp.Variable(name="t")
    cons = program.constraints + [t <= program.di_nats(levels) for levels in level_sets]
    problem = cp.Problem(cp.Maximize(t), cons)
    _solve(problem, f"n-letter max-min program (n={n})")
    return NLetterValue(
        value=float(problem.value) / (n * math.log(2)),
        n=n,
        initial_state="min",
        input_policy=program.policy(),
        status=str(problem.status),
        seconds=time.perf_counter() - t0,
    )


@dataclass(frozen=True)
class NLetterBounds:
    """The classic n-letter bound sequences on the feedback capacity, in bits.

    Attributes
    ----------
    ns:
        Block lengths ``1..n_max``.
    maxmin, maxmax:
        ``(1/n) max_r min_{s0} I`` and ``(1/n) max_{s0} max_r I`` per n.
    per_state:
        ``per_state[k, s0] = C_n(s0)`` for ``n = ns[k]``.
    lower, upper:
        ``maxmin - log2|S|/n`` and ``maxmax + log2|S|/n`` (valid bounds for every n).
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

    def to_dict(self) -> dict[str, list[float]]:
        """JSON-ready dictionary of all sequences."""
        return {k: np.asarray(getattr(self, k)).tolist() for k in self.__dataclass_fields__}


def nletter_bounds(
    channel: Any,
    n_max: int,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> NLetterBounds:
    """Lower and upper n-letter bounds on the feedback capacity for ``n = 1..n_max``.

    ``lower_n = (1/n) max_r min_{s0} I(X^n->Y^n|s0) - log2|S|/n`` and
    ``upper_n = (1/n) max_{s0} max_r I(X^n->Y^n|s0) + log2|S|/n`` (see the module
    docstring); ``progress(n, n_max)`` is called after each block length.

    Examples
    --------
    >>> import numpy as np
    >>> b = nletter_bounds(np.array([[0.9, 0.1], [0.1, 0.9]]), 2)
    >>> bool(np.allclose(b.lower, b.upper, atol=1e-6))   # one state: no log|S| slack
    True
    """
    law = fsc_law(channel)
    ns_states = law.shape[0]
    check_int(n_max, "n")
    check_nletter_size(law.shape[:3], n_max)
    import time

    ns = np.arange(1, n_max + 1)
    maxmin = np.zeros(n_max)
    per_state = np.zeros((n_max, ns_states))
    seconds = np.zeros(n_max)
    for k, n in enumerate(ns):
        t0 = time.perf_counter()
        for s0 in range(ns_states):
            per_state[k, s0] = nletter_value(law, int(n), s0).value
        maxmin[k] = nletter_maxmin_value(law, int(n)).value if ns_states > 1 else per_state[k, 0]
        seconds[k] = time.perf_counter() - t0
        if progress is not None:
            progress(int(n), n_max)
    maxmax = per_state.max(axis=1)
    slack = math.log2(ns_states) / ns
    lower = maxmin - slack
    upper = maxmax + slack
    return NLetterBounds(
        ns=ns,
        maxmin=maxmin,
        maxmax=maxmax,
        per_state=per_state,
        lower=lower,
        upper=upper,
        lower_monotone=np.maximum.accumulate(lower),
        upper_monotone=np.minimum.accumulate(upper),
        seconds=seconds,
    )

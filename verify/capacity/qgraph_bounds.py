"""Q-graph upper bound (Thm 4.4.2/4.4.3) and BCJR-invariant lower bound (Thm 4.4.4, Cor 4.4.5).

For a unifilar finite-state channel ``P(y|x,s)``, ``s' = f(s,x,y)`` (Def. 4.2.3) and a
Q-graph ``q' = Phi(q,y)`` (sec. 4.4.1), Theorem 4.4.2 bounds the feedback capacity by

    C_fb <= sup_{P(x|s,q)} I(X,S;Y|Q),   P(s,q,x,y) = pi(s,q) P(x|s,q) P(y|x,s),

with ``pi`` stationary for the chain (4.36).  Theorem 4.4.3 makes this the convex
program (4.40) in the joint ``P(s,q,x)``: the channel-law constraint
``Lambda_ch = 0`` holds by construction (``P(s,q,x,y) = P(s,q,x) P(y|x,s)``),
the objective ``H(Y|Q) - H(Y|X,S)`` is concave (relative-entropy cone), and the
stationarity constraint ``Lambda_st = 0`` of (4.39) is linear in ``P`` with the
graph entering through a 0/1 tensor ``G[(q,y), q'] = 1{Phi(q,y) = q'}``.

:class:`QGraphBoundProgram` builds that program ONCE per (channel, number of nodes)
and re-solves it per graph: ``backend="cvxpy"`` is the DPP problem with ``G`` a
cvxpy ``Parameter`` (canonicalised once, re-solved with new parameter values);
the default ``backend="clarabel"`` assembles the same conic form once and
only rewrites the stationarity block, updating one Clarabel solver in place
(about 1 ms per 4- or 5-node graph; ``benchmarks/bench_qgraph_bound.py``).

If the maximiser is BCJR-invariant (4.43) -- equivalently ``S+ - Q+ - (Q,Y)``
is a Markov chain -- its rate is achievable (Thm 4.4.4) and upper = lower is
the capacity (Cor 4.4.5).  The maximiser need not be unique, so vertices of the
optimal face are searched for an invariant one as well.  :func:`evaluate_policy`
computes the rate of any input on any Q-graph from the exact stationary
distribution (a linear solve) together with the invariance residual.

Examples
--------
>>> import numpy as np
>>> from types import SimpleNamespace
>>> from dicert.graphs.debruijn import debruijn_qgraph
>>> from dicert.verify.capacity.qgraph_bounds import qgraph_upper_bound
>>> bsc = SimpleNamespace(name="bsc", matrix=np.array([[0.9, 0.1], [0.1, 0.9]]))
>>> bound = qgraph_upper_bound(bsc, debruijn_qgraph(1, 2))
>>> round(bound.upper, 6), round(bound.lower, 6)   # 1 - H2(0.1), feedback does not help
(0.531004, 0.531004)
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np
from scipy.sparse.csgraph import connected_components

from dicert.graphs.qgraph import QGraph, require_strongly_connected
from dicert.verify._numeric import check_conditional_rows, entropy_bits
from dicert.verify.capacity.results import DEFAULT_BCJR_TOL, PolicyRate, QGraphBound
from dicert.verify.errors import InvalidChannel, InvalidGraph, InvalidInput, SolverFailed
from dicert.verify.memory import guard_bytes
from dicert.verify.sizes import qgraph_program_bytes

__all__ = [
    "UnifilarArrays",
    "unifilar_arrays",
    "as_qgraph",
    "QGraphBoundProgram",
    "qgraph_upper_bound",
    "evaluate_policy",
    "rate_of_joint",
    "bcjr_residual",
    "transition_kernel",
    "stationary_distribution",
]

_LN2 = math.log(2.0)
#: Clarabel settings for every solve (either backend): tolerances 1e-10 instead of the default
#: 1e-8 bring the optimum to ~1e-11 of the published capacities for ~10% more time.
DEFAULT_SOLVER_OPTIONS: dict[str, Any] = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
#: ``"cvxpy"``: the DPP problem re-solved through cvxpy; ``"clarabel"``: the same conic form
#: handed to Clarabel directly, only the stationarity block rewritten per graph (faster).
BACKENDS = ("clarabel", "cvxpy")
#: Settings tried, in order, when a direct Clarabel solve ends in any status but "Solved"
#: (e.g. "AlmostSolved" on a few of the 21291 five-node graphs); the status is still checked.
CLARABEL_FALLBACKS: tuple[dict[str, Any], ...] = (
    {"direct_solve_method": "faer"},
    {"static_regularization_constant": 1e-7},
    {"tol_gap_abs": 1e-8, "tol_gap_rel": 1e-8, "tol_feas": 1e-8},
)
#: A candidate input counts as a maximiser of (4.40) when its exact rate is this close to the optimum.
MAXIMISER_RATE_TOL = 1e-6
#: Relaxation of the optimal face in the vertex search: ``|P(q,y) - T(y|q) P(q)| <= FACE_MATCH_TOL``
#: around the solver's output law ``T`` and objective ``>= upper - FACE_VALUE_TOL``.
FACE_MATCH_TOL = 1e-6
FACE_VALUE_TOL = 1e-8


class UnifilarArrays(NamedTuple):
    """Plain arrays of a unifilar FSC: ``law[s,x,y]``, ``next_state[s,x,y]``, ``allowed[s,x]``, ``name``."""

    law: np.ndarray
    next_state: np.ndarray
    allowed: np.ndarray
    name: str


def _channel_name(channel: Any) -> str:
    name = getattr(channel, "name", None)
    return str(name) if name else type(channel).__name__


def unifilar_arrays(channel: Any) -> UnifilarArrays:
    """The arrays of a unifilar FSC (Def. 4.2.3) from a channel object.

    Accepts a unifilar FSC (attributes ``law[s,x,y]``, ``next_state[s,x,y]``,
    optional ``allowed[s,x]``), a DMC (attribute ``matrix[x,y]``; one state), or
    a finite-state channel ``law[s,x,y,s']`` whose next state is a function of
    ``(s,x,y)`` wherever ``P(y|x,s) > 0``.

    Raises
    ------
    InvalidChannel
        If the channel is of none of these forms, rows do not sum to one, a next
        state is out of range, or an FSC's state update is not deterministic.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> arrays = unifilar_arrays(SimpleNamespace(matrix=np.eye(2)))
    >>> arrays.law.shape, arrays.next_state.shape, bool(arrays.allowed.all())
    ((1, 2, 2), (1, 2, 2), True)
    """
    name = _channel_name(channel)
    law_attr = getattr(channel, "law", None)
    if law_attr is None and getattr(channel, "matrix", None) is not None:
        matrix = np.asarray(channel.matrix, dtype=float)
        if matrix.ndim != 2:
            raise InvalidChannel(f"matrix: expected a 2-d array matrix[x, y], got shape {matrix.shape}")
        check_conditional_rows(matrix, "matrix", ("x",), InvalidChannel)
        law = matrix[None, :, :]
        return UnifilarArrays(law, np.zeros(law.shape, dtype=np.int64), np.ones(law.shape[:2], dtype=bool), name)
    if law_attr is None:
        raise InvalidChannel(
            f"channel: expected a unifilar FSC (law, next_state) or a DMC (matrix), got {type(channel).__name__}"
        )
    law = np.asarray(law_attr, dtype=float)
    if law.ndim == 4 and getattr(channel, "next_state", None) is None:
        law, next_state = _fsc_to_unifilar(law)
    else:
        if law.ndim != 3:
            raise InvalidChannel(f"law: expected shape (S, X, Y) for a unifilar FSC, got {law.shape}")
        next_state = np.asarray(getattr(channel, "next_state", None), dtype=np.int64)
        if next_state.shape != law.shape:
            raise InvalidChannel(f"next_state: expected shape {law.shape} like law[s, x, y], got {next_state.shape}")
    check_conditional_rows(law, "law", ("s", "x"), InvalidChannel)
    n_states = law.shape[0]
    if np.any((next_state < 0) | (next_state >= n_states)):
        raise InvalidChannel(f"next_state: entries must lie in 0..{n_states - 1}")
    allowed_attr = getattr(channel, "allowed", None)
    if allowed_attr is None:
        allowed = np.ones(law.shape[:2], dtype=bool)
    else:
        allowed = np.asarray(allowed_attr, dtype=bool)
        if allowed.shape != law.shape[:2]:
            raise InvalidChannel(f"allowed: expected shape {law.shape[:2]} (s, x), got {allowed.shape}")
        if not np.all(allowed.any(axis=1)):
            s = int(np.flatnonzero(~allowed.any(axis=1))[0])
            raise InvalidChannel(f"allowed: state s={s} allows no input, expected at least one")
    return UnifilarArrays(law, next_state, allowed, name)


def _fsc_to_unifilar(law4: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    marginal = law4.sum(axis=3)
    support = law4 > 0
    if np.any(support.sum(axis=3) > 1):
        s, x, y = (int(v) for v in np.argwhere(support.sum(axis=3) > 1)[0])
        raise InvalidChannel(f"law: next state of (s={s}, x={x}, y={y}) is random, expected a unifilar FSC (Def. 4.2.3)")
    return marginal, np.argmax(law4, axis=3).astype(np.int64)


def as_qgraph(graph: Any, outputs: int | None = None) -> QGraph:
    """A strongly connected :class:`QGraph` from a QGraph or a ``phi`` array, checking ``r``.

    Raises
    ------
    InvalidGraph
        If ``phi`` is malformed, not strongly connected, or has ``r != outputs``.

    Examples
    --------
    >>> as_qgraph([[0, 1], [0, 1]], outputs=2)
    QGraph(m=2, r=2, phi=[[0, 1], [0, 1]])
    >>> as_qgraph([[0, 0, 0]], outputs=2)
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidGraph: phi: graph has r=3 output labels, expected 2 (the channel's output alphabet)
    """
    g = graph if isinstance(graph, QGraph) else QGraph(graph)
    if outputs is not None and g.r != outputs:
        raise InvalidGraph(f"phi: graph has r={g.r} output labels, expected {outputs} (the channel's output alphabet)")
    return require_strongly_connected(g)


def rate_of_joint(law: np.ndarray, joint: np.ndarray) -> float:
    """``I(X,S;Y|Q) = H(Y|Q) - H(Y|X,S)`` in bits for ``P(s,q,x) P(y|x,s)`` (objective of (4.40)).

    Examples
    --------
    >>> import numpy as np
    >>> rate_of_joint(np.eye(2)[None], np.full((1, 1, 2), 0.5))
    1.0
    """
    joint = np.asarray(joint, dtype=float)
    p_qy = np.einsum("sqx,sxy->qy", joint, law)
    p_q = p_qy.sum(axis=1)
    h_y_given_q = float(p_q @ entropy_bits(np.divide(p_qy, p_q[:, None], out=np.zeros_like(p_qy), where=p_q[:, None] > 0)))
    h_y_given_xs = float(np.einsum("sqx,sx->", joint, entropy_bits(law)))
    return h_y_given_q - h_y_given_xs


def _one_hot_next(next_state: np.ndarray, n_states: int) -> np.ndarray:
    return (next_state[..., None] == np.arange(n_states)).astype(float)


def bcjr_residual(arrays: UnifilarArrays, graph: QGraph, joint: np.ndarray) -> float:
    """Weighted residual of BCJR invariance (4.43) for a stationary joint ``P(s,q,x)``.

    Returns ``sum_{q,y,s'} |P(q,y,s') - P(q,y) pi(s'|Phi(q,y))|``, which is zero
    exactly when ``Fbar(pi_{S|Q=q}, y) = pi_{S|Q=Phi(q,y)}`` for every edge
    ``(q, y)`` of positive probability (the Markov chain ``S+ - Q+ - (Q,Y)``).

    Examples
    --------
    >>> import numpy as np
    >>> arrays = unifilar_arrays(__import__("types").SimpleNamespace(matrix=np.eye(2)))
    >>> bcjr_residual(arrays, QGraph([[0, 0]]), np.full((1, 1, 2), 0.5))
    0.0
    """
    law, next_state = arrays.law, arrays.next_state
    n_states = law.shape[0]
    joint = np.asarray(joint, dtype=float)
    p_qys = np.einsum("sqx,sxy,sxyt->qyt", joint, law, _one_hot_next(next_state, n_states))
    p_qy = p_qys.sum(axis=2)
    pi_sq = joint.sum(axis=2)
    pi_q = pi_sq.sum(axis=0)
    cond = np.divide(pi_sq, pi_q[None, :], out=np.zeros_like(pi_sq), where=pi_q[None, :] > 0)  # pi(s|q)
    target = p_qy[:, :, None] * cond.T[graph.phi]  # (q, y, s')
    return float(np.abs(p_qys - target).sum())


def transition_kernel(arrays: UnifilarArrays, graph: QGraph, policy: np.ndarray) -> np.ndarray:
    """Kernel (4.36) of the chain on ``(s,q)`` (flattened ``s * Q + q``) under ``P(x|s,q)``.

    Examples
    --------
    >>> import numpy as np
    >>> arrays = unifilar_arrays(__import__("types").SimpleNamespace(matrix=np.eye(2)))
    >>> transition_kernel(arrays, QGraph([[0, 1], [0, 1]]), np.full((1, 2, 2), 0.5))
    array([[0.5, 0.5],
           [0.5, 0.5]])
    """
    law, next_state = arrays.law, arrays.next_state
    n_states = law.shape[0]
    m = graph.m
    weights = np.einsum("sqx,sxy->sqxy", policy, law)
    s_next = np.broadcast_to(next_state[:, None, :, :], weights.shape)
    q_next = np.broadcast_to(graph.phi[None, :, None, :], weights.shape)
    rows = np.broadcast_to((np.arange(n_states)[:, None] * m + np.arange(m)[None, :])[:, :, None, None], weights.shape)
    kernel = np.zeros((n_states * m, n_states * m))
    np.add.at(kernel, (rows.ravel(), (s_next * m + q_next).ravel()), weights.ravel())
    return kernel


def stationary_distribution(kernel: np.ndarray) -> np.ndarray:
    """The unique stationary distribution of a row-stochastic ``kernel`` (a linear solve).

    Raises
    ------
    InvalidInput
        If the chain has more than one recurrent class (no unique stationary law).

    Examples
    --------
    >>> import numpy as np
    >>> stationary_distribution(np.array([[0.5, 0.5], [1.0, 0.0]])).round(6)
    array([0.666667, 0.333333])
    """
    n = kernel.shape[0]
    n_classes, labels = connected_components(kernel > 0, directed=True, connection="strong")
    leaving = np.zeros(n_classes, dtype=bool)
    src, dst = np.nonzero(kernel > 0)
    np.logical_or.at(leaving, labels[src], labels[src] != labels[dst])
    closed = int(np.count_nonzero(~leaving))
    if closed != 1:
        raise InvalidInput(f"policy: the chain (4.36) on (s, q) has {closed} recurrent classes, expected exactly 1")
    system = np.vstack([kernel.T - np.eye(n), np.ones((1, n))])
    rhs = np.zeros(n + 1)
    rhs[-1] = 1.0
    pi, *_ = np.linalg.lstsq(system, rhs, rcond=None)
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()


def _check_policy(arrays: UnifilarArrays, graph: QGraph, policy: Any) -> np.ndarray:
    n_states, n_inputs, _ = arrays.law.shape
    pol = np.asarray(policy, dtype=float)
    shape = (n_states, graph.m, n_inputs)
    if pol.shape != shape:
        raise InvalidInput(f"policy: expected P(x|s,q) of shape {shape} (S, Q, X), got {pol.shape}")
    check_conditional_rows(pol, "policy", ("s", "q"))
    forbidden = np.argwhere((pol > 0) & ~arrays.allowed[:, None, :])
    if forbidden.size:
        s, q, x = (int(v) for v in forbidden[0])
        raise InvalidInput(f"policy: P(x={x}|s={s},q={q}) > 0 but input x={x} is not allowed in state s={s}")
    return pol


def evaluate_policy(channel: Any, graph: Any, policy: Any) -> PolicyRate:
    """Rate ``I(X,S;Y|Q)`` of the input ``P(x|s,q)`` on a Q-graph and its BCJR residual (Thm 4.4.4).

    The stationary distribution ``pi(s,q)`` of (4.36) is obtained by a linear
    solve; the rate is an achievable rate (a lower bound on the feedback
    capacity) when ``bcjr_residual`` is zero (input BCJR-invariant, (4.43)).

    Parameters
    ----------
    channel:
        A unifilar FSC or a DMC (see :func:`unifilar_arrays`).
    graph:
        A strongly connected :class:`QGraph` (or its ``phi`` array).
    policy:
        ``P(x|s,q)`` of shape ``(S, Q, X)``; rows sum to one, zero on disallowed inputs.

    Raises
    ------
    InvalidInput
        On a malformed policy or a chain with several recurrent classes.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> z = SimpleNamespace(name="z", matrix=np.array([[1.0, 0.0], [0.5, 0.5]]))
    >>> r = evaluate_policy(z, [[0, 0]], np.array([[[0.6, 0.4]]]))
    >>> round(r.rate, 6), r.bcjr_invariant()
    (0.321928, True)
    """
    arrays = unifilar_arrays(channel)
    g = as_qgraph(graph, arrays.law.shape[2])
    pol = _check_policy(arrays, g, policy)
    pi = stationary_distribution(transition_kernel(arrays, g, pol)).reshape(arrays.law.shape[0], g.m)
    joint = pi[:, :, None] * pol
    return PolicyRate(
        rate=rate_of_joint(arrays.law, joint),
        policy=pol,
        stationary=pi,
        output_law=_output_law(arrays.law, joint),
        bcjr_residual=bcjr_residual(arrays, g, joint),
    )


def _output_law(law: np.ndarray, joint: np.ndarray) -> np.ndarray:
    p_qy = np.einsum("sqx,sxy->qy", joint, law)
    p_q = p_qy.sum(axis=1, keepdims=True)
    uniform = np.full_like(p_qy, 1.0 / p_qy.shape[1])
    return np.where(p_q > 0, p_qy / np.where(p_q > 0, p_q, 1.0), uniform)


def _policy_of_joint(joint: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    pi = joint.sum(axis=2, keepdims=True)
    uniform = np.broadcast_to((allowed / allowed.sum(axis=1, keepdims=True))[:, None, :], joint.shape)
    return np.where(pi > 0, joint / np.where(pi > 0, pi, 1.0), uniform)


class _ConeForm:
    """Program (4.40) in Clarabel's standard form ``min c'z, A z + s = b, s in K``.

    ``z = (P(s,q,x), t)``; ``t_k >= rel_entr(P(q,y), P(q))`` is the exponential cone
    ``(-t_k, P(q,y), P(q)) in K_exp``; the cones are: zero (normalisation and
    ``Q*S - 1`` stationarity rows, the only graph-dependent block; the last row is
    dropped because the rows of (4.39) always sum to zero, and a redundant equality
    makes Clarabel stall at "AlmostSolved" on some graphs), nonnegative
    (``P >= 0``) and one exponential cone per ``(q, y)``.  Objective
    ``sum_k t_k / ln 2 + H(Y|X,S)``, whose negative is ``I(X,S;Y|Q)``.
    """

    def __init__(self, out_qy: np.ndarray, out_q: np.ndarray, cond_entropy: np.ndarray, n_stationarity: int) -> None:
        import clarabel

        self._clarabel = clarabel
        n_exp, n_vars = out_qy.shape
        self.n_vars = n_vars
        n_cols = n_vars + n_exp
        self.n_zero = n_stationarity  # 1 normalisation row + (n_stationarity - 1) independent rows
        n_rows = self.n_zero + n_vars + 3 * n_exp
        a = np.zeros((n_rows, n_cols))
        a[0, :n_vars] = 1.0
        a[self.n_zero : self.n_zero + n_vars, :n_vars] = -np.eye(n_vars)
        base = self.n_zero + n_vars
        for k in range(n_exp):
            a[base + 3 * k, n_vars + k] = 1.0
            a[base + 3 * k + 1, :n_vars] = -out_qy[k]
            a[base + 3 * k + 2, :n_vars] = -out_q[k]
        self.a = a
        self.b = np.zeros(n_rows)
        self.b[0] = 1.0
        self.c = np.concatenate([cond_entropy, np.full(n_exp, 1.0 / _LN2)])
        self.cones = [clarabel.ZeroConeT(self.n_zero), clarabel.NonnegativeConeT(n_vars)]
        self.cones += [clarabel.ExponentialConeT() for _ in range(n_exp)]
        from scipy.sparse import csc_matrix

        # Fixed sparsity pattern: the stationarity block is stored densely (explicit zeros), so
        # every graph only changes the values of A and the solver is updated in place,
        # without a new symbolic factorisation.
        structure = a.copy()
        structure[1 : self.n_zero, :n_vars] = 1.0
        pattern = csc_matrix(structure)
        pattern.sort_indices()
        self._indices, self._indptr = pattern.indices, pattern.indptr
        self._columns = np.repeat(np.arange(n_cols), np.diff(pattern.indptr))
        self._shape = structure.shape
        self._csc = csc_matrix
        self._p = csc_matrix((n_cols, n_cols))
        self._solver: Any = None
        self._block_slots: tuple[np.ndarray, np.ndarray] | None = None
        self.last_dual: Any = None
        self._base_values: np.ndarray | None = None

    def _values(self, stationarity: np.ndarray) -> np.ndarray:
        if self._block_slots is None:
            a = self.a.copy()
            a[1 : self.n_zero, : self.n_vars] = np.arange(1, (self.n_zero - 1) * self.n_vars + 1).reshape(-1, self.n_vars)
            a[: 1, :] = 0.0
            a[self.n_zero :, :] = 0.0
            marks = a[self._indices, self._columns]
            slots = np.flatnonzero(marks)  # positions of the stationarity block in the CSC values
            self._block_slots = (slots, marks[slots].astype(np.int64) - 1)
            self._base_values = self.a[self._indices, self._columns]
            self._base_values[slots] = 0.0
        slots, entries = self._block_slots
        values = self._base_values.copy()
        values[slots] = stationarity[:-1].ravel()[entries]
        return values

    def _new_solver(self, values: np.ndarray, options: Mapping[str, Any]) -> Any:
        settings = self._clarabel.DefaultSettings()
        settings.verbose = False
        for key, value in options.items():
            if not hasattr(settings, key):
                raise InvalidInput(f"solver_options: unknown Clarabel setting {key!r}")
            setattr(settings, key, value)
        a = self._csc((values, self._indices, self._indptr), shape=self._shape)
        return self._clarabel.DefaultSolver(self._p, self.c, a, self.b, self.cones, settings)

    def solve(
        self, stationarity: np.ndarray, options: Mapping[str, Any], fallbacks: tuple[dict[str, Any], ...] = CLARABEL_FALLBACKS
    ) -> tuple[np.ndarray, str]:
        """Solve with the given stationarity block; returns ``(P(s,q,x) over allowed triples, status)``.

        A solve that does not reach ``Solved`` is repeated from scratch with each of
        ``fallbacks`` added to the settings (another factorisation, more
        regularisation); the first ``Solved`` result is returned, else the last status.
        """
        values = self._values(stationarity)
        if self._solver is None:
            solver = self._new_solver(values, options)
            if solver.is_data_update_allowed():
                self._solver = solver
        else:
            solver = self._solver
            solver.update(A=values)
        solution = solver.solve()
        for fallback in fallbacks:
            if str(solution.status) == "Solved":
                break
            solution = self._new_solver(values, {**options, **fallback}).solve()
        self.last_dual = solution.z  # dual variables (V and T of Thm 4.5.2), read by qgraph_rank
        return np.asarray(solution.x, dtype=float)[: self.n_vars], str(solution.status)


class QGraphBoundProgram:
    """The convex program (4.40) of Thm 4.4.3, built once and re-solved per Q-graph (DPP).

    Variables: the joint ``P(s,q,x)`` over allowed ``(s,x)`` only (disallowed
    inputs, ``allowed[s,x] = False``, are absent, so ``P(x|s,q) = 0``).  The
    Q-graph enters only through the stationarity constraint (4.39): in the
    cvxpy backend as the parameter ``G[(q,y), q'] = 1{Phi(q,y)=q'}`` (cvxpy
    canonicalises once, :meth:`solve` substitutes new parameter values); in
    the default backend as the only rewritten block of the assembled conic form.
    The reported ``upper`` is the objective re-evaluated at the returned point.

    Parameters
    ----------
    channel:
        A unifilar FSC or a DMC (see :func:`unifilar_arrays`).
    m:
        Number of Q-graph nodes.
    r:
        Output alphabet size of the graphs (must equal the channel's; default: the channel's).
    backend:
        ``"clarabel"`` (default): the conic form of the same program, assembled once, with
        only the stationarity block rewritten per graph and handed to Clarabel directly
        (skips cvxpy's per-solve parameter application and unpacking, see
        ``benchmarks/bench_qgraph_bound.py``); ``"cvxpy"``: the DPP problem re-solved through
        cvxpy.  Both give the same numbers (tested).
    solver_options:
        Clarabel settings for either backend (default ``DEFAULT_SOLVER_OPTIONS``).

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> bec = SimpleNamespace(name="bec", matrix=np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]]))
    >>> program = QGraphBoundProgram(bec, 1)
    >>> round(program.solve([[0, 0, 0]]).upper, 6)
    0.5
    >>> round(QGraphBoundProgram(bec, 1, backend="cvxpy").solve([[0, 0, 0]]).upper, 6)
    0.5
    """

    def __init__(
        self,
        channel: Any,
        m: int,
        r: int | None = None,
        *,
        backend: str = "clarabel",
        solver_options: Mapping[str, Any] | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise InvalidInput(f"backend: expected one of {', '.join(BACKENDS)}, got {backend!r}")
        self.backend = backend
        self.arrays = unifilar_arrays(channel)
        n_states, n_inputs, n_outputs = self.arrays.law.shape
        if not isinstance(m, (int, np.integer)) or isinstance(m, bool) or m < 1:
            raise InvalidInput(f"m: expected an integer >= 1 (number of Q-graph nodes), got {m!r}")
        if r is not None and r != n_outputs:
            raise InvalidInput(f"r: graphs over {r} outputs do not fit the channel's {n_outputs} outputs")
        self.m = int(m)
        self.r = n_outputs
        self.solver_options = dict(DEFAULT_SOLVER_OPTIONS if solver_options is None else solver_options)
        law, next_state, allowed = self.arrays.law, self.arrays.next_state, self.arrays.allowed
        guard_bytes(qgraph_program_bytes(n_states, self.m, n_inputs, n_outputs, n_allowed=int(allowed.sum()), lower=False),
                    f"m={self.m} on {n_states} states", "the Q-graph bound program (4.40)")
        triples = [(s, q, x) for s in range(n_states) for q in range(self.m) for x in range(n_inputs) if allowed[s, x]]
        self._triples = np.array(triples, dtype=np.int64)
        n_vars = len(triples)
        n_q, n_y = self.m, n_outputs
        out_qy = np.zeros((n_q * n_y, n_vars))  # P(q, y)
        out_q = np.zeros((n_q * n_y, n_vars))  # P(q), repeated for every y
        flow = np.zeros((n_q * n_y * n_states, n_vars))  # P(q, y, s')
        marginal = np.zeros((n_q * n_states, n_vars))  # pi(q, s)
        cond_entropy = np.zeros(n_vars)  # H(Y | X=x, S=s)
        h_rows = entropy_bits(law)
        for i, (s, q, x) in enumerate(triples):
            marginal[q * n_states + s, i] = 1.0
            cond_entropy[i] = h_rows[s, x]
            for y in range(n_y):
                out_qy[q * n_y + y, i] = law[s, x, y]
                out_q[q * n_y + y, i] = 1.0
                flow[(q * n_y + y) * n_states + next_state[s, x, y], i] += law[s, x, y]
        self._out_qy, self._out_q, self._cond_entropy = out_qy, out_q, cond_entropy
        self._flow = flow.reshape(n_q * n_y, n_states, n_vars)
        self._marginal = marginal.reshape(n_q, n_states, n_vars)
        self._flow_2d = flow.reshape(n_q * n_y, n_states * n_vars)
        self._marginal_2d = marginal.reshape(n_q, n_states * n_vars)
        if backend == "cvxpy":
            self._build_cvxpy(flow, marginal)
        else:
            self._cone = _ConeForm(out_qy, out_q, cond_entropy, n_states * n_q)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by the constructor arguments (solver objects are rebuilt, e.g. in joblib workers)."""
        return (_rebuild_program, (self.arrays, self.m, self.backend, self.solver_options))

    def _build_cvxpy(self, flow: np.ndarray, marginal: np.ndarray) -> None:
        """The DPP problem: the graph enters only through the 0/1 parameter ``G``."""
        import cvxpy as cp

        self._cp = cp
        n_q, n_y, n_states = self.m, self.r, self.arrays.law.shape[0]
        p = self._joint = cp.Variable(flow.shape[1], nonneg=True, name="P_sqx")
        self._edges = cp.Parameter((n_q * n_y, n_q), nonneg=True, name="G")
        objective = -cp.sum(cp.rel_entr(self._out_qy @ p, self._out_q @ p)) / _LN2 - self._cond_entropy @ p
        next_marginal = self._edges.T @ cp.reshape(flow @ p, (n_q * n_y, n_states), order="C")
        constraints = [
            cp.sum(p) == 1,
            next_marginal == cp.reshape(marginal @ p, (n_q, n_states), order="C"),
        ]
        self.problem = cp.Problem(cp.Maximize(objective), constraints)

    def _stationarity(self, g: QGraph) -> np.ndarray:
        """Rows ``P_{S+,Q+}(s',q') - pi(s',q')`` of (4.39) as a ``(Q*S, n)`` matrix for graph ``g``."""
        return self._stationarity_of_phi(g.phi)

    def _stationarity_of_phi(self, phi: np.ndarray) -> np.ndarray:
        """:meth:`_stationarity` from a raw ``phi`` array (no graph object; one small matrix product)."""
        edges = np.zeros((self.m, self.m * self.r))
        edges[np.ravel(phi), np.arange(self.m * self.r)] = 1.0
        block = edges @ self._flow_2d - self._marginal_2d
        return block.reshape(self.m * self.arrays.law.shape[0], -1)

    def _solve_cvxpy(self, g: QGraph) -> tuple[np.ndarray, str]:
        cp = self._cp
        self._set_graph(g)
        status = "not solved"
        for fallback in ({}, *CLARABEL_FALLBACKS):  # as in the direct backend
            try:
                with warnings.catch_warnings():  # "may be inaccurate": the status check below raises instead
                    warnings.simplefilter("ignore", UserWarning)
                    self.problem.solve(solver=cp.CLARABEL, **{**self.solver_options, **fallback})
            except cp.error.SolverError as exc:
                raise SolverFailed(f"status: Clarabel failed on graph {g.phi.tolist()} ({exc})") from None
            status = self.problem.status
            if status == cp.OPTIMAL:
                break
        if status != cp.OPTIMAL:
            raise SolverFailed(f"status: cvxpy returned {status!r} on graph {g.phi.tolist()}, expected 'optimal'")
        return np.asarray(self._joint.value, dtype=float), status

    def _solve_clarabel(self, g: QGraph) -> tuple[np.ndarray, str]:
        x, status = self._cone.solve(self._stationarity(g), self.solver_options)
        if status != "Solved":
            raise SolverFailed(f"status: Clarabel returned {status!r} on graph {g.phi.tolist()}, expected 'Solved'")
        return x, "optimal"

    def _set_graph(self, g: QGraph) -> None:
        edges = np.zeros((self.m * self.r, self.m))
        edges[np.arange(self.m * self.r), g.phi.ravel()] = 1.0
        self._edges.value = edges

    def solve(
        self,
        graph: Any,
        *,
        lower: bool = True,
        bcjr_tol: float = DEFAULT_BCJR_TOL,
        vertex_trials: int = 32,
        rng: np.random.Generator | int | None = 0,
    ) -> QGraphBound:
        """Upper bound (4.40) on one Q-graph with ``m`` nodes, and the BCJR lower bound if ``lower``.

        Parameters
        ----------
        graph:
            A strongly connected :class:`QGraph` (or ``phi`` array) with ``m`` nodes over ``r`` outputs.
        lower:
            Also test BCJR invariance of the maximiser and, when invariant
            (residual <= ``bcjr_tol``), report its achievable rate as ``lower``.
            The maximiser need not be unique, and the interior-point solver
            returns a point in the relative interior of the optimal face, which
            may not be invariant even when an invariant maximiser exists (the
            Ising channel on the graph of Fig. 4.4).  Then up to ``vertex_trials``
            vertices of the optimal face are visited (linear programs with random
            objectives, HiGHS simplex) and the first invariant one is used.
        bcjr_tol:
            Threshold on the invariance residual (see :func:`bcjr_residual`).
        vertex_trials:
            Number of random vertices of the optimal face to try (0: none).
        rng:
            Seed or generator for the random objectives (deterministic by default).

        Raises
        ------
        InvalidGraph
            If the graph is malformed, not strongly connected or of the wrong size.
        SolverFailed
            If the solver status is anything but ``optimal``.
        """
        start = time.perf_counter()
        g = as_qgraph(graph, self.r)
        if g.m != self.m:
            raise InvalidGraph(f"phi: graph has {g.m} nodes, this program was built for m={self.m}")
        solution, status = self._solve_clarabel(g) if self.backend == "clarabel" else self._solve_cvxpy(g)
        n_states, n_inputs, _ = self.arrays.law.shape
        joint = np.zeros((n_states, self.m, n_inputs))
        s, q, x = self._triples.T
        joint[s, q, x] = np.clip(solution, 0.0, None)
        joint /= joint.sum()
        # The objective re-evaluated at the returned point (as cvxpy's Problem.value does); the
        # solver's own objective carries the slack of the epigraph variables t_k.
        upper = rate_of_joint(self.arrays.law, joint)
        policy = _policy_of_joint(joint, self.arrays.allowed)
        lower_value: float | None = None
        invariant: bool | None = None
        residual: float | None = None
        output_law = _output_law(self.arrays.law, joint)
        if lower:
            evaluation = self._evaluate(g, policy)
            residual = bcjr_residual(self.arrays, g, joint) if evaluation is None else evaluation.bcjr_residual
            invariant = self._is_invariant_maximiser(evaluation, upper, bcjr_tol)
            if not invariant:
                for vertex in self._face_vertices(g, upper, output_law, vertex_trials, rng):
                    candidate = self._evaluate(g, _policy_of_joint(vertex, self.arrays.allowed))
                    if self._is_invariant_maximiser(candidate, upper, bcjr_tol):
                        evaluation, invariant = candidate, True
                        break
            if invariant and evaluation is not None:
                lower_value, residual = evaluation.rate, evaluation.bcjr_residual
        from dicert.verify.capacity.duality import qgraph_duality_upper  # a valid bound beside the estimate

        valid_upper, upper_witness = qgraph_duality_upper(self, g, output_law)
        return QGraphBound(
            channel=self.arrays.name,
            graph=g,
            upper_estimate=upper,
            upper=valid_upper,
            upper_witness=upper_witness,
            lower=lower_value,
            lower_witness=evaluation if lower_value is not None else None,
            policy=policy,
            stationary=joint.sum(axis=2),
            output_law=output_law,
            status=status,
            bcjr_invariant=invariant,
            bcjr_residual=residual,
            seconds=time.perf_counter() - start,
        )

    @staticmethod
    def _is_invariant_maximiser(evaluation: PolicyRate | None, upper: float, bcjr_tol: float) -> bool:
        """A BCJR-invariant input whose exact rate is the optimum (so Cor 4.4.5 applies)."""
        return (
            evaluation is not None
            and evaluation.bcjr_invariant(bcjr_tol)
            and abs(evaluation.rate - upper) <= MAXIMISER_RATE_TOL
        )

    def _evaluate(self, g: QGraph, policy: np.ndarray) -> PolicyRate | None:
        """:func:`evaluate_policy`, or ``None`` when the chain has several recurrent classes."""
        try:
            return evaluate_policy(self.arrays, g, policy)
        except InvalidInput:
            return None

    def _face_vertices(
        self, g: QGraph, upper: float, output_law: np.ndarray, trials: int, rng: np.random.Generator | int | None
    ) -> Iterator[np.ndarray]:
        """Vertices of the (slightly relaxed) optimal face of (4.40), by LPs with random objectives.

        With the optimal output law ``T(y|q)`` held fixed (``|P(q,y) - T(y|q) P(q)| <= eps``),
        the objective ``sum_q P(q) H(T(.|q)) - H(Y|X,S)`` is linear, so the optimal face is a
        polytope: stationary joints with objective ``>= upper - delta``.
        """
        from scipy.optimize import linprog

        if trials <= 0:
            return
        eps, delta = FACE_MATCH_TOL, FACE_VALUE_TOL
        n_states, n_inputs, n_outputs = self.arrays.law.shape
        stationarity = self._stationarity(g)
        n_vars = stationarity.shape[1]
        a_eq = np.vstack([stationarity, np.ones((1, n_vars))])
        b_eq = np.zeros(a_eq.shape[0])
        b_eq[-1] = 1.0
        match = self._out_qy - output_law.reshape(-1)[:, None] * self._out_q
        entropy_q = np.repeat(entropy_bits(output_law), n_outputs) / n_outputs
        value = entropy_q @ self._out_q - self._cond_entropy
        a_ub = np.vstack([match, -match, -value[None, :]])
        b_ub = np.concatenate([np.full(2 * match.shape[0], eps), [-(upper - delta)]])
        generator = np.random.default_rng(rng)
        s, q, x = self._triples.T
        for _ in range(trials):
            result = linprog(
                generator.standard_normal(n_vars), A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs"
            )
            if result.status != 0:
                continue
            vertex = np.zeros((n_states, self.m, n_inputs))
            vertex[s, q, x] = np.clip(result.x, 0.0, None)
            yield vertex / vertex.sum()


def _rebuild_program(arrays: UnifilarArrays, m: int, backend: str, options: dict[str, Any]) -> QGraphBoundProgram:
    return QGraphBoundProgram(arrays, m, backend=backend, solver_options=options)


def qgraph_upper_bound(channel: Any, graph: Any, *, lower: bool = True, bcjr_tol: float = DEFAULT_BCJR_TOL) -> QGraphBound:
    """Q-graph upper bound (Thm 4.4.2) on one graph, with the BCJR lower bound (Thm 4.4.4).

    Builds a :class:`QGraphBoundProgram` for this graph's size and solves it once;
    to bound many graphs of one size, build the program once and call ``solve``.

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> z = SimpleNamespace(name="z", matrix=np.array([[1.0, 0.0], [0.5, 0.5]]))
    >>> round(qgraph_upper_bound(z, [[0, 1], [0, 1]]).upper, 6)   # log2(5/4)
    0.321928
    """
    arrays = unifilar_arrays(channel)
    g = as_qgraph(graph, arrays.law.shape[2])
    return QGraphBoundProgram(arrays, g.m).solve(g, lower=lower, bcjr_tol=bcjr_tol)

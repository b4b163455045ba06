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

This module is the program; the channel arrays and chain primitives live in
:mod:`~dicert.verify.capacity.unifilar` and the assembled conic form in
:mod:`~dicert.verify.capacity.conic_form` (both re-exported here under their old names).

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
from typing import TYPE_CHECKING, Any

import numpy as np

from dicert.graphs.qgraph import QGraph
from dicert.verify._numeric import entropy_bits
from dicert.verify.capacity.conic_form import CLARABEL_FALLBACKS, ConeForm
from dicert.verify.capacity.results import DEFAULT_BCJR_TOL, PolicyRate, QGraphBound
from dicert.verify.capacity.unifilar import (  # noqa: F401 (re-exported: the primitives lived here)
    UnifilarArrays,
    _output_law,
    _policy_of_joint,
    as_qgraph,
    bcjr_residual,
    evaluate_policy,
    rate_of_joint,
    transition_kernel,
    unifilar_arrays,
    unique_stationary_law,
)
from dicert.verify.errors import InvalidGraph, InvalidInput, SolverFailed
from dicert.verify.memory import guard_bytes
from dicert.verify.sizes import qgraph_program_bytes

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import UnifilarSource

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
    "unique_stationary_law",
    "CLARABEL_FALLBACKS",
    "DEFAULT_SOLVER_OPTIONS",
]

_LN2 = math.log(2.0)
#: Clarabel settings for every solve (either backend): tolerances 1e-10 instead of the default
#: 1e-8 bring the optimum to ~1e-11 of the published capacities for ~10% more time.
DEFAULT_SOLVER_OPTIONS: dict[str, Any] = {"tol_gap_abs": 1e-10, "tol_gap_rel": 1e-10, "tol_feas": 1e-10}
#: ``"cvxpy"``: the DPP problem re-solved through cvxpy; ``"clarabel"``: the same conic form
#: handed to Clarabel directly, only the stationarity block rewritten per graph (faster).
BACKENDS = ("clarabel", "cvxpy")
#: A candidate input counts as a maximiser of (4.40) when its exact rate is this close to the optimum.
MAXIMISER_RATE_TOL = 1e-6
#: Relaxation of the optimal face in the vertex search: ``|P(q,y) - T(y|q) P(q)| <= FACE_MATCH_TOL``
#: around the solver's output law ``T`` and objective ``>= upper - FACE_VALUE_TOL``.
FACE_MATCH_TOL = 1e-6
FACE_VALUE_TOL = 1e-8

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
        channel: UnifilarSource,
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
            self._cone = ConeForm(out_qy, out_q, cond_entropy, n_states * n_q)

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
        joint = self._joint_of_solution(solution)
        # The objective re-evaluated at the returned point (as cvxpy's Problem.value does); the
        # solver's own objective carries the slack of the epigraph variables t_k.
        upper = rate_of_joint(self.arrays.law, joint)
        policy = _policy_of_joint(joint, self.arrays.allowed)
        output_law = _output_law(self.arrays.law, joint)
        lower_value: float | None = None
        invariant: bool | None = None
        residual: float | None = None
        if lower:
            lower_value, invariant, residual, evaluation = self._invariant_lower(
                g, joint, policy, upper, output_law, bcjr_tol, vertex_trials, rng
            )
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

    def _joint_of_solution(self, solution: np.ndarray) -> np.ndarray:
        """``P(s,q,x)`` from the solver's values on the allowed triples (clipped at 0, renormalised)."""
        n_states, n_inputs, _ = self.arrays.law.shape
        joint = np.zeros((n_states, self.m, n_inputs))
        s, q, x = self._triples.T
        joint[s, q, x] = np.clip(solution, 0.0, None)
        return joint / joint.sum()

    def _invariant_lower(
        self,
        g: QGraph,
        joint: np.ndarray,
        policy: np.ndarray,
        upper: float,
        output_law: np.ndarray,
        bcjr_tol: float,
        vertex_trials: int,
        rng: np.random.Generator | int | None,
    ) -> tuple[float | None, bool, float, PolicyRate | None]:
        """``(lower, invariant, residual, evaluation)``: the rate of the maximiser, or of a vertex of the optimal face,
        when it is invariant, with the evaluated input behind it (the lower witness)."""
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
            return evaluation.rate, True, evaluation.bcjr_residual, evaluation
        return None, invariant, residual, None

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


def qgraph_upper_bound(channel: UnifilarSource, graph: Any, *, lower: bool = True, bcjr_tol: float = DEFAULT_BCJR_TOL) -> QGraphBound:
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

"""Program (4.40) of Thm 4.4.3 in Clarabel's standard conic form, built once and updated in place per Q-graph.

Only the stationarity block (4.39) depends on the graph; the sparsity pattern is
fixed, so each graph only rewrites values of ``A`` and the Clarabel solver is
updated without a new symbolic factorisation (cvxpy's DPP idea without its
overhead). Used by :class:`~dicert.verify.capacity.qgraph_bounds.QGraphBoundProgram`.

Examples
--------
>>> import numpy as np
>>> from dicert.verify.capacity.conic_form import ConeForm
>>> # BSC(0) with one node: P(x), objective H(Y) - 0; rel_entr rows read P(q=0, y) and P(q=0)
>>> form = ConeForm(np.eye(2), np.ones((2, 2)), np.zeros(2), 1)
>>> p, status = form.solve(np.ones((1, 2)), {})
>>> status, np.round(p, 4).tolist()
('Solved', [0.5, 0.5])
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, cast

import numpy as np

from dicert.verify.errors import InvalidInput

__all__ = ["ConeForm", "CLARABEL_FALLBACKS"]

_LN2 = math.log(2.0)
#: Settings tried, in order, when a direct Clarabel solve ends in any status but "Solved"
#: (e.g. "AlmostSolved" on a few of the 21291 five-node graphs); the status is still checked.
CLARABEL_FALLBACKS: tuple[dict[str, Any], ...] = (
    {"direct_solve_method": "faer"},
    {"static_regularization_constant": 1e-7},
    {"tol_gap_abs": 1e-8, "tol_gap_rel": 1e-8, "tol_feas": 1e-8},
)


class ConeForm:
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
        values = cast(np.ndarray, self._base_values).copy()  # set together with _block_slots above
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


"""The belief MDP of a unifilar FSC and relative value iteration (sec. 4.3, Table 4.1).

For a unifilar FSC ``P(y|x,s)``, ``s' = f(s,x,y)`` (Def. 4.2.3) the feedback capacity
is the optimal average reward of the MDP of Table 4.1:

* state ``beta`` -- the decoder's belief ``P(s | y^t)``, a point of the simplex on ``S``;
* action ``Pi`` -- an ``|S| x |X|`` stochastic matrix ``P(x | s)`` (respecting ``allowed``);
* disturbance ``y`` drawn from ``P(y | beta, Pi)`` (4.23);
* belief update ``beta' = F(beta, Pi, y)`` (4.24), the BCJR forward equation;
* reward ``g(beta, Pi) = I(X, S; Y | beta, Pi) = H(Y) - H(Y | X, S)``.

The Bellman operator (4.26)/(4.29) ``(T h)(beta) = max_Pi [g + sum_y P(y) h(F(beta, Pi, y))]``
is evaluated on a *discretised* problem: beliefs on the regular simplex grid
``{beta : K beta integer}`` with values between grid points interpolated linearly on
the Freudenthal (Kuhn) triangulation, and actions from a finite grid of stochastic
matrices.  All (belief, action, output) transitions are precomputed once, so an
application of ``T`` is one vectorised gather.  Relative value iteration
``h_{k+1} = T h_k - (T h_k)(beta_ref)`` brackets ``rho*`` of the discretised MDP by
``min (T h - h) <= rho <= max (T h - h)`` (the span bounds); they estimate the
feedback capacity up to the discretisation error and are *estimates*, not bounds on
``C_fb`` (the Q-graph bounds of sec. 4.4 give those).

For the binary Ising channel, ``z = beta(0)`` and the action parameters of (4.30)-(4.31)
are ``delta = z Pi(0,0)`` and ``gamma = (1-z) Pi(1,1)`` (:func:`ising_parameters`).

Examples
--------
>>> from dicert.verify.channels import parse_channel
>>> from dicert.verify.capacity.belief_mdp import BeliefMDP
>>> mdp = BeliefMDP(parse_channel("ising"), belief_resolution=20, action_resolution=10)
>>> vi = mdp.value_iteration(max_iter=200, tol=1e-6)
>>> 0.55 < vi.rho_lower <= vi.rho_upper < 0.6
True
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from dicert.verify._numeric import check_int, entropy_bits
from dicert.verify.errors import InvalidInput
from dicert.verify.memory import check_allocation, guard_bytes
from dicert.verify.sizes import belief_mdp_bytes, simplex_grid_points

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import UnifilarSource

__all__ = [
    "simplex_grid",
    "kuhn_interpolation",
    "belief_update",
    "reward_bits",
    "BeliefMDP",
    "ValueIteration",
    "ising_parameters",
]


# ---------------------------------------------------------------------------
# Simplex grid and Freudenthal interpolation
# ---------------------------------------------------------------------------


def simplex_grid(dim: int, resolution: int) -> np.ndarray:
    """All points ``k / resolution`` (``k`` integer, ``sum k = resolution``) of the simplex on ``dim`` letters.

    Rows are ordered so that ``kuhn_interpolation`` can index them; shape
    ``(C(resolution + dim - 1, dim - 1), dim)``.

    Examples
    --------
    >>> simplex_grid(2, 2)
    array([[0. , 1. ],
           [0.5, 0.5],
           [1. , 0. ]])
    """
    if dim < 1 or resolution < 1:
        raise InvalidInput(f"resolution: expected dim >= 1 and resolution >= 1, got ({dim}, {resolution})")
    if dim == 1:
        return np.ones((1, 1))
    guard_bytes(simplex_grid_points(dim, resolution) * (120 + 48 * dim), f"resolution={resolution}", f"the simplex grid on {dim} letters")
    # cumulative coordinates 0 <= u_1 <= ... <= u_{dim-1} <= K
    cums = np.array(list(itertools.combinations_with_replacement(range(resolution + 1), dim - 1)), dtype=np.int64)
    full = np.concatenate([cums, np.full((len(cums), 1), resolution)], axis=1)
    counts = np.diff(np.concatenate([np.zeros((len(cums), 1), dtype=np.int64), full], axis=1), axis=1)
    return counts / resolution


def _cum_index_table(dim: int, resolution: int) -> np.ndarray:
    """Dense lookup ``table[u_1, ..., u_{dim-1}] -> row of simplex_grid`` (-1 off the grid)."""
    table = np.full((resolution + 1,) * (dim - 1), -1, dtype=np.int64)
    cums = np.array(list(itertools.combinations_with_replacement(range(resolution + 1), dim - 1)), dtype=np.int64)
    table[tuple(cums.T)] = np.arange(len(cums))
    return table


def kuhn_interpolation(beliefs: np.ndarray, resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """Grid vertices and barycentric weights of ``beliefs`` on the Freudenthal triangulation.

    Parameters
    ----------
    beliefs:
        Array ``(..., dim)`` of points of the simplex.
    resolution:
        Grid resolution ``K`` of :func:`simplex_grid`.

    Returns
    -------
    (indices, weights):
        Both of shape ``(..., dim)``: ``f(beta) ~ sum_v weights[v] f(grid[indices[v]])``,
        exact for functions affine on each grid simplex.

    Examples
    --------
    >>> import numpy as np
    >>> idx, w = kuhn_interpolation(np.array([0.25, 0.75]), 2)
    >>> idx.tolist(), w.tolist()
    ([0, 1], [0.5, 0.5])
    """
    beliefs = np.asarray(beliefs, dtype=float)
    dim = beliefs.shape[-1]
    lead = beliefs.shape[:-1]
    if dim == 1:
        return np.zeros(lead + (1,), dtype=np.int64), np.ones(lead + (1,))
    flat = beliefs.reshape(-1, dim)
    u = np.clip(np.cumsum(flat[:, :-1], axis=1) * resolution, 0.0, float(resolution))
    base = np.minimum(np.floor(u), resolution - 1).astype(np.int64)
    base = np.maximum.accumulate(base, axis=1)  # keep the base vertex ordered
    frac = np.clip(u - base, 0.0, 1.0)
    order = np.argsort(-frac, axis=1, kind="stable")
    sorted_frac = np.take_along_axis(frac, order, axis=1)
    npts = flat.shape[0]
    vertices = np.empty((npts, dim, dim - 1), dtype=np.int64)
    vertices[:, 0, :] = base
    for k in range(1, dim):
        vertices[:, k, :] = vertices[:, k - 1, :]
        vertices[np.arange(npts), k, order[:, k - 1]] += 1
    weights = np.empty((npts, dim))
    weights[:, 0] = 1.0 - sorted_frac[:, 0]
    for k in range(1, dim - 1):
        weights[:, k] = sorted_frac[:, k - 1] - sorted_frac[:, k]
    weights[:, dim - 1] = sorted_frac[:, dim - 2]
    # vertices may leave the ordered region only with weight 0; clamp them onto it
    vertices = np.minimum(np.maximum.accumulate(np.clip(vertices, 0, resolution), axis=2), resolution)
    table = _cum_index_table(dim, resolution)
    indices = table[tuple(np.moveaxis(vertices, 2, 0))]
    return indices.reshape(lead + (dim,)), weights.reshape(lead + (dim,))


# ---------------------------------------------------------------------------
# The MDP of Table 4.1
# ---------------------------------------------------------------------------


def belief_update(
    law: np.ndarray, next_state: np.ndarray, beliefs: np.ndarray, actions: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Output pmf (4.23) and updated beliefs (4.24) for every output letter.

    Parameters
    ----------
    law, next_state:
        ``P(y|x,s)`` and ``f(s,x,y)``, shape ``(S, X, Y)``.
    beliefs:
        ``(..., S)`` beliefs.
    actions:
        ``(..., S, X)`` stochastic matrices ``Pi(s, x)`` (broadcast against ``beliefs``).

    Returns
    -------
    (p_y, next_beliefs):
        ``p_y[..., y] = P(y | beta, Pi)`` and ``next_beliefs[..., y, s'] = F_{s'}(beta, Pi, y)``
        (the prior ``beta`` pushed through ``f`` where ``P(y) = 0``; never used with weight).

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify.channels import parse_channel
    >>> ch = parse_channel("ising")
    >>> p, nb = belief_update(ch.law, ch.next_state, np.array([1.0, 0.0]), np.array([[0.5, 0.5], [0.5, 0.5]]))
    >>> p.tolist(), nb.tolist()
    ([0.75, 0.25], [[0.6666666666666666, 0.3333333333333333], [0.0, 1.0]])
    """
    law = np.asarray(law, dtype=float)
    ns = law.shape[0]
    onehot = np.eye(ns)[np.asarray(next_state)]  # (S, X, Y, S')
    joint = np.asarray(beliefs)[..., :, None, None] * np.asarray(actions)[..., :, :, None] * law  # (..., S, X, Y)
    p_y = joint.sum(axis=(-3, -2))
    unnorm = np.einsum("...sxy,sxyt->...yt", joint, onehot)
    safe = np.where(p_y > 0, p_y, 1.0)[..., None]
    nb = np.where(p_y[..., None] > 1e-300, unnorm / safe, np.nan)
    fallback = np.einsum("...s,st->...t", np.asarray(beliefs), onehot.sum(axis=(1, 2)) > 0)
    fallback = fallback / np.maximum(fallback.sum(axis=-1, keepdims=True), 1e-300)
    nb = np.where(np.isnan(nb), fallback[..., None, :], nb)
    return p_y, nb


def reward_bits(law: np.ndarray, beliefs: np.ndarray, actions: np.ndarray) -> np.ndarray:
    """``g(beta, Pi) = I(X, S; Y | beta, Pi) = H(Y) - H(Y|X,S)`` in bits (Table 4.1).

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify.channels import parse_channel
    >>> ch = parse_channel("ising")
    >>> round(float(reward_bits(ch.law, np.array([0.5, 0.5]), np.full((2, 2), 0.5))), 6)
    0.5
    """
    law = np.asarray(law, dtype=float)
    weight = np.asarray(beliefs)[..., :, None] * np.asarray(actions)  # (..., S, X)
    p_y = np.einsum("...sx,sxy->...y", weight, law)
    h_cond = (weight * entropy_bits(law)).sum(axis=(-2, -1))
    return entropy_bits(p_y) - h_cond


def _action_grid(allowed: np.ndarray, resolution: int) -> np.ndarray:
    """All stochastic matrices whose rows are grid points of the simplex on the allowed inputs."""
    ns, nx = allowed.shape
    rows_per_state = []
    for s in range(ns):
        ok = np.flatnonzero(allowed[s])
        pts = simplex_grid(len(ok), resolution) if len(ok) > 1 else np.ones((1, 1))
        rows = np.zeros((len(pts), nx))
        rows[:, ok] = pts
        rows_per_state.append(rows)
    sizes = [len(r) for r in rows_per_state]
    count = math.prod(sizes)
    check_allocation((count, ns, nx), 8, "action_resolution: action grid")
    grid = np.empty((count, ns, nx))
    for k, combo in enumerate(itertools.product(*[range(n) for n in sizes])):
        for s, j in enumerate(combo):
            grid[k, s] = rows_per_state[s][j]
    return grid


@dataclass(frozen=True)
class ValueIteration:
    """Result of :meth:`BeliefMDP.value_iteration` (all values in bits).

    Attributes
    ----------
    h:
        Relative value function on the belief grid (``h(beta_ref) = 0``), or the raw
        ``h_k`` when ``relative=False``.
    policy:
        Index into :attr:`BeliefMDP.actions` of the greedy action per grid belief.
    rho_lower, rho_upper:
        ``min`` and ``max`` of ``T h_{k} - h_{k}`` at the last iteration (span bounds of the
        discretised MDP's optimal average reward).
    iterations:
        Number of Bellman applications.
    history:
        ``(rho_lower, rho_upper)`` per iteration.
    seconds:
        Wall time.
    """

    h: np.ndarray
    policy: np.ndarray
    rho_lower: float
    rho_upper: float
    iterations: int
    history: np.ndarray = field(repr=False)
    seconds: float

    @property
    def rho(self) -> float:
        """Midpoint of the span bracket."""
        return 0.5 * (self.rho_lower + self.rho_upper)


class BeliefMDP:
    """The belief MDP of a unifilar FSC (Table 4.1) on a discretised simplex.

    Parameters
    ----------
    channel:
        A unifilar FSC (or anything :func:`~dicert.verify.capacity.qgraph_bounds.unifilar_arrays` accepts).
    belief_resolution:
        ``K``: beliefs on the grid ``{beta : K beta integer}``.
    action_resolution:
        Each row ``Pi(s, .)`` on the simplex grid of this resolution over the allowed inputs.

    Attributes
    ----------
    beliefs:
        Grid beliefs, shape ``(N, S)``.
    actions:
        Action grid, shape ``(A, S, X)``.
    reward:
        ``g(beta, Pi)`` in bits, shape ``(N, A)``.
    p_y:
        ``P(y | beta, Pi)``, shape ``(N, A, Y)``.

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> mdp = BeliefMDP(parse_channel("trapdoor"), belief_resolution=10, action_resolution=4)
    >>> mdp.beliefs.shape, mdp.actions.shape
    ((11, 2), (25, 2, 2))
    """

    def __init__(self, channel: UnifilarSource, *, belief_resolution: int = 200, action_resolution: int = 50) -> None:
        from dicert.verify.capacity.qgraph_bounds import unifilar_arrays

        arrays = unifilar_arrays(channel)
        check_int(belief_resolution, "belief_resolution")
        check_int(action_resolution, "action_resolution")
        self.channel = channel
        self.law = arrays.law
        self.next_state = arrays.next_state
        self.allowed = arrays.allowed
        self.name = arrays.name
        ns, nx, ny = self.law.shape
        self.belief_resolution = int(belief_resolution)
        self.action_resolution = int(action_resolution)
        guard_bytes(belief_mdp_bytes(ns, ny, self.allowed.sum(axis=1).tolist(), self.belief_resolution, self.action_resolution),
                    f"belief_resolution={self.belief_resolution}, action_resolution={self.action_resolution} on {ns} states",
                    "the belief MDP (Table 4.1)")
        self.beliefs = simplex_grid(ns, self.belief_resolution)
        self.actions = _action_grid(self.allowed, self.action_resolution)
        n_b, n_a = len(self.beliefs), len(self.actions)
        check_allocation((n_b, n_a, ny, max(ns, 1), 3), 8, "belief_resolution/action_resolution: transition tables")
        self.reward = np.empty((n_b, n_a))
        self.p_y = np.empty((n_b, n_a, ny))
        self._idx = np.empty((n_b, n_a, ny, ns), dtype=np.int32)
        self._w = np.empty((n_b, n_a, ny, ns))
        chunk = max(1, 2_000_000 // max(1, n_a * ns * nx * ny))
        for start in range(0, n_b, chunk):
            b = self.beliefs[start : start + chunk][:, None, :]
            a = self.actions[None, :, :, :]
            self.reward[start : start + chunk] = reward_bits(self.law, b, a)
            p_y, nb = belief_update(self.law, self.next_state, b, a)
            self.p_y[start : start + chunk] = p_y
            idx, w = kuhn_interpolation(nb, self.belief_resolution)
            self._idx[start : start + chunk] = idx
            self._w[start : start + chunk] = w
        # P(y) * interpolation weight, folded once
        self._pw = self.p_y[..., None] * self._w

    # -- Bellman operator ---------------------------------------------------

    def interpolate(self, h: np.ndarray, beliefs: np.ndarray) -> np.ndarray:
        """``h`` (values on the grid) interpolated at arbitrary ``beliefs`` ``(..., S)``.

        Examples
        --------
        >>> import numpy as np
        >>> from dicert.verify.channels import parse_channel
        >>> mdp = BeliefMDP(parse_channel("ising"), belief_resolution=4, action_resolution=2)
        >>> float(mdp.interpolate(mdp.beliefs[:, 0], np.array([0.3, 0.7])))
        0.3
        """
        idx, w = kuhn_interpolation(beliefs, self.belief_resolution)
        return (np.asarray(h)[idx] * w).sum(axis=-1)

    def q_values(self, h: np.ndarray) -> np.ndarray:
        """``g(beta, Pi) + sum_y P(y) h(F(beta, Pi, y))`` on the grid, shape ``(N, A)`` (4.29).

        Examples
        --------
        >>> import numpy as np
        >>> from dicert.verify.channels import parse_channel
        >>> mdp = BeliefMDP(parse_channel("ising"), belief_resolution=4, action_resolution=2)
        >>> bool(np.allclose(mdp.q_values(np.zeros(5)), mdp.reward))
        True
        """
        return self.reward + (self._pw * np.asarray(h)[self._idx]).sum(axis=(2, 3))

    def bellman(self, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(T h, greedy action index)`` on the belief grid (4.26)/(4.29).

        Examples
        --------
        >>> import numpy as np
        >>> from dicert.verify.channels import parse_channel
        >>> mdp = BeliefMDP(parse_channel("ising"), belief_resolution=4, action_resolution=2)
        >>> th, act = mdp.bellman(np.zeros(5))
        >>> th.shape, act.shape
        ((5,), (5,))
        """
        q = self.q_values(h)
        act = q.argmax(axis=1)
        return q[np.arange(len(q)), act], act

    def value_iteration(
        self,
        *,
        max_iter: int = 2000,
        tol: float = 1e-9,
        relative: bool = True,
        h0: np.ndarray | None = None,
        progress: Callable[[int, float, float], None] | None = None,
    ) -> ValueIteration:
        """(Relative) value iteration ``h_{k+1} = T h_k`` (4.28) from ``h_0`` (default 0).

        Stops after ``max_iter`` iterations or when the span ``max(Th - h) - min(Th - h)``
        is below ``tol``.  With ``relative=True`` each iterate is shifted so that
        ``h(beta_ref) = 0`` at the first grid belief (this does not change the greedy
        policy or the span); ``relative=False`` returns the raw ``h_k`` as in Fig. 4.2.

        Examples
        --------
        >>> from dicert.verify.channels import parse_channel
        >>> mdp = BeliefMDP(parse_channel("ising"), belief_resolution=10, action_resolution=5)
        >>> vi = mdp.value_iteration(max_iter=20, relative=False)
        >>> vi.iterations, round(float(vi.h.max()) / 20, 1)
        (20, 0.6)
        """
        if not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
            raise InvalidInput(f"max_iter: expected an integer >= 1, got {max_iter!r}")
        start = time.perf_counter()
        h = np.zeros(len(self.beliefs)) if h0 is None else np.asarray(h0, dtype=float).copy()
        if h.shape != (len(self.beliefs),):
            raise InvalidInput(f"h0: expected shape ({len(self.beliefs)},), got {h.shape}")
        history = []
        act = np.zeros(len(self.beliefs), dtype=np.int64)
        lo = hi = 0.0
        k = 0
        for k in range(1, max_iter + 1):
            th, act = self.bellman(h)
            diff = th - h
            lo, hi = float(diff.min()), float(diff.max())
            history.append((lo, hi))
            h = th - th[0] if relative else th
            if progress is not None:
                progress(k, lo, hi)
            if hi - lo <= tol:
                break
        return ValueIteration(
            h=h,
            policy=act,
            rho_lower=lo,
            rho_upper=hi,
            iterations=k,
            history=np.array(history),
            seconds=time.perf_counter() - start,
        )

    # -- acting at arbitrary beliefs --------------------------------------------

    def greedy_action(self, h: np.ndarray, belief: np.ndarray) -> np.ndarray:
        """The action of the grid maximising ``g + E h(F)`` at an arbitrary ``belief`` (one-step lookahead).

        Examples
        --------
        >>> import numpy as np
        >>> from dicert.verify.channels import parse_channel
        >>> mdp = BeliefMDP(parse_channel("ising"), belief_resolution=4, action_resolution=2)
        >>> mdp.greedy_action(np.zeros(5), np.array([0.5, 0.5])).shape
        (2, 2)
        """
        belief = np.asarray(belief, dtype=float)
        g = reward_bits(self.law, belief[None, :], self.actions)
        p_y, nb = belief_update(self.law, self.next_state, belief[None, :], self.actions)
        q = g + (p_y * self.interpolate(h, nb)).sum(axis=1)
        return self.actions[int(np.argmax(q))]


def ising_parameters(beliefs: np.ndarray, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(delta, gamma) = (z Pi(0,0), (1-z) Pi(1,1))`` with ``z = beta(0)`` (sec. 4.3.4, before (4.30)).

    Examples
    --------
    >>> import numpy as np
    >>> d, g = ising_parameters(np.array([[0.4, 0.6]]), np.array([[[0.5, 0.5], [0.5, 0.5]]]))
    >>> d.tolist(), g.tolist()
    ([0.2], [0.3])
    """
    beliefs = np.asarray(beliefs, dtype=float)
    actions = np.asarray(actions, dtype=float)
    z = beliefs[..., 0]
    return z * actions[..., 0, 0], (1.0 - z) * actions[..., 1, 1]

"""Unifilar-channel primitives shared by the Q-graph modules: channel arrays, chain (4.36), rates, BCJR residual.

For a unifilar finite-state channel ``P(y|x,s)``, ``s' = f(s,x,y)`` (Def. 4.2.3) on a
Q-graph ``q' = Phi(q,y)`` (sec. 4.4.1): :func:`unifilar_arrays` reads the channel,
:func:`transition_kernel` builds the chain (4.36) on ``(s, q)`` under an input
``P(x|s,q)``, :func:`unique_stationary_law` solves it, :func:`rate_of_joint` is
the objective ``I(X,S;Y|Q)`` of (4.40), :func:`bcjr_residual` the invariance
(4.43), and :func:`evaluate_policy` all of them for one input (Thm 4.4.4).
Used by the upper-bound program (:mod:`~dicert.verify.capacity.qgraph_bounds`),
the duality bound, the invariant lower bound, the discovery and posterior matching.

Examples
--------
>>> import numpy as np
>>> from types import SimpleNamespace
>>> from dicert.verify.capacity.unifilar import evaluate_policy
>>> z = SimpleNamespace(name="z", matrix=np.array([[1.0, 0.0], [0.5, 0.5]]))
>>> round(evaluate_policy(z, [[0, 0]], np.array([[[0.6, 0.4]]])).rate, 6)
0.321928
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, cast

import numpy as np

from dicert.graphs.qgraph import QGraph, require_strongly_connected
from dicert.verify._numeric import check_conditional_rows, closed_classes, entropy_bits, stationary_law
from dicert.verify.capacity.results import PolicyRate
from dicert.verify.errors import InvalidChannel, InvalidGraph, InvalidInput

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import DiscreteMemorylessChannel, UnifilarSource

__all__ = [
    "UnifilarArrays",
    "unifilar_arrays",
    "as_qgraph",
    "evaluate_policy",
    "rate_of_joint",
    "bcjr_residual",
    "transition_kernel",
    "unique_stationary_law",
]


class UnifilarArrays(NamedTuple):
    """Plain arrays of a unifilar FSC: ``law[s,x,y]``, ``next_state[s,x,y]``, ``allowed[s,x]``, ``name``."""

    law: np.ndarray
    next_state: np.ndarray
    allowed: np.ndarray
    name: str


def _channel_name(channel: object) -> str:
    name = getattr(channel, "name", None)
    return str(name) if name else type(channel).__name__


def unifilar_arrays(channel: UnifilarSource) -> UnifilarArrays:
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
        matrix = np.asarray(cast("DiscreteMemorylessChannel", channel).matrix, dtype=float)  # has a matrix: a DMC
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


def unique_stationary_law(kernel: np.ndarray) -> np.ndarray:
    """The unique stationary distribution of a row-stochastic ``kernel`` (a linear solve).

    Was ``stationary_distribution`` (renamed: the exact solver of the
    certificate checker, :func:`dicert.verify.certify.rate_check.stationary_distribution`,
    has that name; the old name stays an alias).

    Raises
    ------
    InvalidInput
        If the chain has more than one recurrent class (no unique stationary law).

    Examples
    --------
    >>> import numpy as np
    >>> unique_stationary_law(np.array([[0.5, 0.5], [1.0, 0.0]])).round(6)
    array([0.666667, 0.333333])
    """
    closed = closed_classes(kernel)
    if closed != 1:
        raise InvalidInput(f"policy: the chain (4.36) on (s, q) has {closed} recurrent classes, expected exactly 1")
    return stationary_law(kernel)




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


def evaluate_policy(channel: UnifilarSource, graph: Any, policy: Any) -> PolicyRate:
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
    pi = unique_stationary_law(transition_kernel(arrays, g, pol)).reshape(arrays.law.shape[0], g.m)
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


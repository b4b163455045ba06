"""Feedback capacity of Markov (POST) channels: the convex program of Thm 4.2.2.

For a channel whose state is the previous output, ``P(y | x, y-)`` (Example
4.1.5, (4.13)), Theorem 4.2.2 gives

    C_fb = max_{P(x|y-)} I(X;Y|Y-)                                   (4.14)

with ``pi(y-)`` stationary for ``P(y|y-) = sum_x P(y|x,y-) P(x|y-)`` (4.15).
As a function of ``P(x|y-)`` this is not concave, but in the joint
``P(y-, x)`` it is a convex program: the objective
``H(Y|Y-) - H(Y|X,Y-)`` is concave (relative-entropy cone) and stationarity
``sum_{y-,x} P(y-,x) P(y|x,y-) = sum_x P(y,x)`` is linear (the limit of (4.17)).

It is the Q-graph program (4.40) on the order-1 de Bruijn graph with the
channel state equal to the graph node; :mod:`dicert.verify.capacity.qgraph_bounds`
gives the same number on ``debruijn_qgraph(1, |Y|)``.

Examples
--------
>>> import numpy as np
>>> from dicert.verify.capacity.markov import markov_feedback_capacity
>>> bsc = np.array([[0.9, 0.1], [0.1, 0.9]])
>>> law = np.stack([bsc, bsc])              # P(y|x, y-) that ignores y-
>>> round(markov_feedback_capacity(law).value, 6)   # 1 - H2(0.1)
0.531004
"""

from __future__ import annotations

import math
import time
import warnings
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from dicert.verify._numeric import entropy_bits
from dicert.verify.capacity.qgraph_bounds import CLARABEL_FALLBACKS, DEFAULT_SOLVER_OPTIONS, unifilar_arrays
from dicert.verify.capacity.results import MarkovCapacity
from dicert.verify.errors import InvalidChannel, SolverFailed

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import ChannelOrLaw

__all__ = ["post_law", "markov_feedback_capacity"]


def post_law(channel: ChannelOrLaw) -> tuple[np.ndarray, np.ndarray, str]:
    """``(law[y-, x, y], allowed[y-, x], name)`` of a Markov (POST) channel.

    ``channel`` is either an array ``law[y-, x, y] = P(y|x,y-)`` of shape
    ``(Y, X, Y)`` or a unifilar FSC whose next state is the output,
    ``next_state[s, x, y] == y``, with ``S == Y`` (a POST channel).

    Raises
    ------
    InvalidChannel
        If the channel's state is not its previous output.

    Examples
    --------
    >>> import numpy as np
    >>> law, allowed, name = post_law(np.stack([np.eye(2), np.eye(2)]))
    >>> law.shape, bool(allowed.all()), name
    ((2, 2, 2), True, 'ndarray')
    """
    if isinstance(channel, np.ndarray):
        law = np.asarray(channel, dtype=float)
        if law.ndim != 3 or law.shape[0] != law.shape[2]:
            raise InvalidChannel(f"law: expected P(y|x,y-) of shape (Y, X, Y), got {law.shape}")
        next_state = np.broadcast_to(np.arange(law.shape[2]), law.shape)
        arrays = unifilar_arrays(SimpleNamespace(law=law, next_state=next_state, name="ndarray"))
    else:
        arrays = unifilar_arrays(channel)
    law = arrays.law
    n_states, _, n_outputs = law.shape
    if n_states != n_outputs or np.any(arrays.next_state != np.arange(n_outputs)[None, None, :]):
        raise InvalidChannel(
            "next_state: Thm 4.2.2 needs a Markov (POST) channel, next_state[s, x, y] == y with S == Y"
        )
    return law, arrays.allowed, arrays.name


def markov_feedback_capacity(channel: ChannelOrLaw, **solver_options: Any) -> MarkovCapacity:
    """Feedback capacity ``max_{P(x|y-)} I(X;Y|Y-)`` of a Markov (POST) channel (Thm 4.2.2).

    Parameters
    ----------
    channel:
        ``law[y-, x, y]`` array or a POST unifilar FSC (see :func:`post_law`); an input
        constraint ``allowed[y-, x] = False`` forces ``P(x|y-) = 0``.
    **solver_options:
        Clarabel settings passed to ``cvxpy.Problem.solve``, over ``DEFAULT_SOLVER_OPTIONS``.

    Raises
    ------
    SolverFailed
        If the solver status is anything but ``optimal``.

    Examples
    --------
    >>> import numpy as np
    >>> z = np.array([[1.0, 0.0], [0.5, 0.5]])
    >>> result = markov_feedback_capacity(np.stack([z, z]))
    >>> round(result.value, 6), result.status   # the Z-channel, log2(5/4)
    (0.321928, 'optimal')
    """
    import cvxpy as cp

    start = time.perf_counter()
    law, allowed, name = post_law(channel)
    n_outputs, n_inputs, _ = law.shape
    pairs = [(prev, x) for prev in range(n_outputs) for x in range(n_inputs) if allowed[prev, x]]
    n_vars = len(pairs)
    out_joint = np.zeros((n_outputs * n_outputs, n_vars))  # P(y-, y)
    out_prev = np.zeros((n_outputs * n_outputs, n_vars))  # P(y-), repeated for every y
    arrive = np.zeros((n_outputs, n_vars))  # P(Y = y)
    leave = np.zeros((n_outputs, n_vars))  # P(Y- = y)
    cond_entropy_rows = entropy_bits(law, axis=2)
    cond_entropy = np.zeros(n_vars)
    for i, (prev, x) in enumerate(pairs):
        leave[prev, i] = 1.0
        cond_entropy[i] = cond_entropy_rows[prev, x]
        for y in range(n_outputs):
            out_joint[prev * n_outputs + y, i] = law[prev, x, y]
            out_prev[prev * n_outputs + y, i] = 1.0
            arrive[y, i] += law[prev, x, y]
    p = cp.Variable(n_vars, nonneg=True)
    objective = -cp.sum(cp.rel_entr(out_joint @ p, out_prev @ p)) / math.log(2.0) - cond_entropy @ p
    problem = cp.Problem(cp.Maximize(objective), [cp.sum(p) == 1, arrive @ p == leave @ p])
    for fallback in ({}, *CLARABEL_FALLBACKS):  # as for the Q-graph program
        try:
            with warnings.catch_warnings():  # "may be inaccurate": the status check below raises instead
                warnings.simplefilter("ignore", UserWarning)
                problem.solve(solver=cp.CLARABEL, **{**DEFAULT_SOLVER_OPTIONS, **solver_options, **fallback})
        except cp.error.SolverError as exc:
            raise SolverFailed(f"status: Clarabel failed on the POST program of {name} ({exc})") from None
        if problem.status == cp.OPTIMAL:
            break
    if problem.status != cp.OPTIMAL:
        raise SolverFailed(f"status: cvxpy returned {problem.status!r} for {name}, expected 'optimal'")
    joint = np.zeros((n_outputs, n_inputs))
    idx = np.array(pairs)
    joint[idx[:, 0], idx[:, 1]] = np.clip(cast(np.ndarray, p.value), 0.0, None)  # status optimal: p has a value
    joint /= joint.sum()
    pi = joint.sum(axis=1)
    uniform_x = allowed / allowed.sum(axis=1, keepdims=True)
    policy = np.where(pi[:, None] > 0, joint / np.where(pi > 0, pi, 1.0)[:, None], uniform_x)
    next_output = np.einsum("px,pxy->py", policy, law)
    lower, upper, witness = _valid_bounds(law, allowed, name, policy, next_output)
    return MarkovCapacity(
        channel=name,
        value=float(problem.value),
        policy=policy,
        stationary=pi,
        output_law=next_output,
        status=problem.status,
        seconds=time.perf_counter() - start,
        lower=lower,
        upper=upper,
        upper_witness=witness,
    )


def _valid_bounds(
    law: np.ndarray, allowed: np.ndarray, name: str, policy: np.ndarray, output_law: np.ndarray
) -> tuple[float | None, float | None, Any]:
    """``(lower, upper, duality record)`` at the solver's point, valid whatever its accuracy.

    The channel is the unifilar FSC with state ``y-`` on the order-1 de Bruijn Q-graph
    (node ``q = y-``).  ``lower``: the rate of ``P(x|y-)`` at its exact stationary law
    (:func:`~dicert.verify.capacity.qgraph_bounds.evaluate_policy`, achievable by
    Thm 4.2.2); ``upper``: the duality bound of Thm 4.5.2 with ``T(y|q) = P(y|y-)``.
    Either is ``None`` when it does not exist (several recurrent classes; a zero of
    ``T`` where the channel can emit).
    """
    from dicert.graphs.debruijn import debruijn_qgraph
    from dicert.verify.capacity.duality import duality_upper_bound
    from dicert.verify.capacity.qgraph_bounds import evaluate_policy
    from dicert.verify.errors import InvalidInput

    n_outputs = law.shape[0]
    channel = SimpleNamespace(law=law, next_state=np.broadcast_to(np.arange(n_outputs), law.shape), allowed=allowed, name=name)
    graph = debruijn_qgraph(1, n_outputs)
    joint_policy = np.broadcast_to(policy[:, None, :], (n_outputs, n_outputs, policy.shape[1]))
    try:
        lower: float | None = evaluate_policy(channel, graph, joint_policy).rate
    except InvalidInput:
        lower = None
    try:
        duality = duality_upper_bound(channel, graph, output_law)
    except InvalidInput:
        return lower, None, None
    return lower, duality.upper, duality

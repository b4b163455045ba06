"""Result records of the feedback-capacity bounds (monograph sec. 4.2, 4.4, 4.5).

Each record is a small frozen dataclass that carries the number *and the
witness that proves it*: the optimal input ``P(x|s,q)``, the stationary
distribution ``pi(s,q)``, the output law ``P(y|q)``, the Q-graph, the value
function of the duality MDP.  Arrays are stored read-only.  Solver floats are
*estimates*; ``dicert.verify.certify`` re-checks the witnesses with interval
arithmetic before anything is called certified.

Examples
--------
>>> import numpy as np
>>> from dicert.verify.capacity.results import PolicyRate
>>> r = PolicyRate(rate=0.5, policy=np.ones((1, 1, 2)) / 2, stationary=np.ones((1, 1)),
...                output_law=np.array([[0.5, 0.5]]), bcjr_residual=0.0)
>>> r.bcjr_invariant(1e-9)
True
>>> r.policy.flags.writeable
False
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from dicert.graphs.qgraph import QGraph

__all__ = ["QGraphBound", "PolicyRate", "DualityBound", "MarkovCapacity", "DEFAULT_BCJR_TOL"]

#: Weighted residual (4.43) below which an input is called BCJR-invariant.
DEFAULT_BCJR_TOL = 1e-6


class _Bracket:
    """``value`` (midpoint) and ``gap`` of a result carrying bounds ``lower <= upper``."""

    lower: float
    upper: float

    @property
    def value(self) -> float:
        """Midpoint of ``[lower, upper]`` (an estimate, not a certified number)."""
        return 0.5 * (self.lower + self.upper)

    @property
    def gap(self) -> float:
        """``upper - lower``."""
        return self.upper - self.lower


def _freeze(obj: Any) -> None:
    """Store every ndarray field of a frozen dataclass as a read-only float/int copy."""
    for field in fields(obj):
        value = getattr(obj, field.name)
        if isinstance(value, np.ndarray):
            arr = np.array(value, copy=True)
            arr.flags.writeable = False
            object.__setattr__(obj, field.name, arr)


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, QGraph):
        return value.to_dict()
    if isinstance(value, np.generic):
        return value.item()
    return value


@dataclass(frozen=True, eq=False)
class PolicyRate:
    """The rate ``I(X,S;Y|Q)`` achieved by a fixed input ``P(x|s,q)`` on a Q-graph (Thm 4.4.4).

    Attributes
    ----------
    rate:
        ``I(X,S;Y|Q)`` in bits under ``pi(s,q) P(x|s,q) P(y|x,s)``.
    policy:
        ``P(x|s,q)``, shape ``(S, Q, X)``.
    stationary:
        ``pi(s,q)``, the unique stationary distribution of the chain (4.36), shape ``(S, Q)``.
    output_law:
        ``P(y|q)``, shape ``(Q, Y)`` (rows of nodes with ``pi(q) = 0`` are uniform).
    bcjr_residual:
        ``sum_{q,y,s'} |P(q,y,s') - P(q,y) pi(s'|Phi(q,y))|``: zero exactly when the input is
        BCJR-invariant (4.43) on the support, i.e. ``S+ - Q+ - (Q,Y)`` is a Markov chain.
    """

    rate: float
    policy: np.ndarray
    stationary: np.ndarray
    output_law: np.ndarray
    bcjr_residual: float

    def __post_init__(self) -> None:
        _freeze(self)

    def bcjr_invariant(self, tol: float = DEFAULT_BCJR_TOL) -> bool:
        """True when the invariance residual (4.43) is at most ``tol``."""
        return bool(self.bcjr_residual <= tol)


@dataclass(frozen=True, eq=False)
class QGraphBound:
    """Q-graph upper bound (Thm 4.4.2/4.4.3) and BCJR-invariant lower bound (Thm 4.4.4, Cor 4.4.5).

    Attributes
    ----------
    channel:
        Name of the channel.
    graph:
        The Q-graph.
    upper:
        ``max I(X,S;Y|Q)`` of program (4.40), in bits (a solver estimate).
    lower:
        Achievable rate ``I(X,S;Y|Q)`` (Thm 4.4.4) of a BCJR-invariant maximiser (Cor 4.4.5),
        evaluated at its exact stationary distribution: the returned maximiser, or a
        vertex of the optimal face found by :meth:`QGraphBoundProgram.solve`, whose
        rate must be within ``MAXIMISER_RATE_TOL`` of ``upper``; ``None`` when not
        computed or when no invariant maximiser was found.
    policy:
        Maximising input ``P(x|s,q)`` returned by the solver, shape ``(S, Q, X)``; rows of
        states it never visits are uniform over the allowed inputs.
    stationary:
        Joint ``pi(s,q)`` of the maximiser, shape ``(S, Q)``.
    output_law:
        ``P(y|q)`` of the maximiser, shape ``(Q, Y)``: the natural test distribution for
        the duality bound (sec. 4.5).
    status:
        The cvxpy status (always ``"optimal"``; anything else raises ``SolverFailed``).
    bcjr_invariant:
        Whether a BCJR-invariant maximiser was found (``None`` when not checked).
    bcjr_residual:
        Invariance residual (see :class:`PolicyRate`) of that maximiser, or of the
        returned maximiser when none was found (``None`` when not checked).
    seconds:
        Wall time of the solve (and of the check).
    """

    channel: str
    graph: QGraph
    upper: float
    lower: float | None
    policy: np.ndarray
    stationary: np.ndarray
    output_law: np.ndarray
    status: str
    bcjr_invariant: bool | None
    bcjr_residual: float | None
    seconds: float

    def __post_init__(self) -> None:
        _freeze(self)

    @property
    def gap(self) -> float | None:
        """``upper - lower``, or ``None`` without a lower bound."""
        return None if self.lower is None else self.upper - self.lower

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dictionary (arrays as nested lists, the graph as ``QGraph.to_dict()``)."""
        return {field.name: _jsonable(getattr(self, field.name)) for field in fields(self)}


@dataclass(frozen=True, eq=False)
class DualityBound:
    """Duality upper bound of Thm 4.5.2 as the average reward of the MDP of Table 4.2.

    Attributes
    ----------
    channel, graph:
        The unifilar channel's name and the Q-graph.
    test_distribution:
        ``T(y|q)``, shape ``(Q, Y)``.
    upper:
        ``max_{s,q} [max_x (g + P V)(s,q,x) - V(s,q)]``: an upper bound on the optimal
        average reward for *any* ``V`` (monotonicity of the Bellman operator), hence on
        the feedback capacity.  Equals ``rho`` when the Bellman equation (4.55) holds.
    rho:
        Average reward of the final stationary policy by exact policy evaluation (4.54);
        when that policy's chain has several recurrent classes ((4.54) has no solution),
        the median of ``max_x(g + P V) - V`` for the relative-value-iteration ``V``.
    value:
        ``V(s,q)`` of (4.54), shape ``(S, Q)``, normalised to ``V[reference] = 0``.
    policy:
        The maximising action ``x*(s,q)``, int array of shape ``(S, Q)``.
    reward:
        ``g(s,q,x) = D(P(.|x,s) || T(.|q))`` in bits (4.52), shape ``(S, Q, X)``; ``-inf``
        marks disallowed inputs.
    bellman_residual:
        Span ``max - min`` over ``(s,q)`` of ``max_x(g + P V) - V``; zero exactly when
        ``(rho, V)`` solves the Bellman equation (4.55).
    iterations:
        Relative value iterations plus policy-iteration steps used.
    seconds:
        Wall time.
    """

    channel: str
    graph: QGraph
    test_distribution: np.ndarray
    upper: float
    rho: float
    value: np.ndarray
    policy: np.ndarray
    reward: np.ndarray
    bellman_residual: float
    iterations: int
    seconds: float

    def __post_init__(self) -> None:
        _freeze(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dictionary (``-inf`` rewards become ``None``)."""
        out = {field.name: _jsonable(getattr(self, field.name)) for field in fields(self)}
        out["reward"] = [
            [[v if np.isfinite(v) else None for v in row] for row in plane] for plane in self.reward.tolist()
        ]
        return out


@dataclass(frozen=True, eq=False)
class MarkovCapacity:
    """Feedback capacity of a Markov (POST) channel by the convex program of Thm 4.2.2.

    Attributes
    ----------
    channel:
        Name of the channel.
    value:
        ``max_{P(x|y-)} I(X;Y|Y-)`` (4.14) in bits (a solver estimate).
    policy:
        Maximising ``P(x|y-)``, shape ``(Y, X)``.
    stationary:
        ``pi(y-)`` of (4.15), shape ``(Y,)``.
    output_law:
        ``P(y|y-)`` of (4.15), shape ``(Y, Y)``.
    status:
        The cvxpy status (always ``"optimal"``).
    seconds:
        Wall time of the solve.
    """

    channel: str
    value: float
    policy: np.ndarray
    stationary: np.ndarray
    output_law: np.ndarray
    status: str
    seconds: float

    def __post_init__(self) -> None:
        _freeze(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able dictionary."""
        return {field.name: _jsonable(getattr(self, field.name)) for field in fields(self)}

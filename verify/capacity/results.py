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

import dataclasses
from collections.abc import Callable
import math
from dataclasses import dataclass, fields
from typing import Any, Protocol, runtime_checkable

import numpy as np

from dicert.graphs.qgraph import QGraph
from dicert.verify.display import ReprMixin

__all__ = [
    "BoundRecord",
    "RecordMixin",
    "strict_json",
    "SequenceRecord",
    "ValueEstimates",
    "running_best",
    "QGraphBound",
    "PolicyRate",
    "DualityBound",
    "MarkovCapacity",
    "DEFAULT_BCJR_TOL",
]

#: Weighted residual (4.43) below which an input is called BCJR-invariant.
DEFAULT_BCJR_TOL = 1e-6


@runtime_checkable
class BoundRecord(Protocol):
    """The one result contract of every bound record (issue 12 item 7).

    ``lower`` / ``upper`` hold *valid* bounds only (a number the theorem cited in the
    record's docstring proves, evaluated at the record's witness up to float64 rounding),
    else ``None``; records of a bound *sequence* (n-letter bounds) hold one valid bound per
    block length (``nan`` where there is none).  Solver floats are ``lower_estimate`` /
    ``upper_estimate`` and are never printed as bounds.  ``lower_witness`` /
    ``upper_witness`` is the object that proves each side (an input law, a test
    distribution with its value function, ...).  ``certified`` is True only when the
    independent checker (:mod:`dicert.verify.certify`) proved the number; no record
    built by a solver sets it.  ``to_dict()`` is strict JSON (no NaN/Infinity).

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify.capacity.blahut_arimoto import blahut_arimoto
    >>> r = blahut_arimoto(np.array([[0.9, 0.1], [0.1, 0.9]]))
    >>> isinstance(r, BoundRecord), r.certified, r.lower <= r.upper
    (True, False, True)
    """

    lower: Any
    upper: Any

    @property
    def lower_estimate(self) -> Any: ...

    @property
    def upper_estimate(self) -> Any: ...

    @property
    def status(self) -> str: ...

    @property
    def lower_witness(self) -> Any: ...

    @property
    def upper_witness(self) -> Any: ...

    @property
    def certified(self) -> bool: ...

    def to_dict(self) -> dict[str, Any]: ...


def strict_json(value: Any) -> Any:
    """``value`` with arrays as lists, records as dicts and non-finite floats as ``None``.

    The result passes ``json.dumps(..., allow_nan=False)``.

    Examples
    --------
    >>> import numpy as np
    >>> strict_json({"a": np.array([1.0, np.nan, -np.inf]), "b": (np.int64(2),)})
    {'a': [1.0, None, None], 'b': [2]}
    """
    if isinstance(value, np.ndarray):
        return strict_json(value.tolist())
    if isinstance(value, QGraph):
        return value.to_dict()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): strict_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict_json(v) for v in value]
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return strict_json(value.to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: strict_json(getattr(value, f.name)) for f in fields(value)}
    return value


#: Contract names a record may leave out, and what they mean then (see :class:`RecordMixin`).
CONTRACT_DEFAULTS: dict[str, Any] = {
    "lower_estimate": None,
    "upper_estimate": None,
    "lower_witness": None,
    "upper_witness": None,
    "certified": False,
    "status": "optimal",
}


class RecordMixin(ReprMixin):
    """Defaults of the :class:`BoundRecord` contract for a frozen dataclass record.

    A record defines what it has (as a field or a property); a contract name it lacks
    reads as its default in ``CONTRACT_DEFAULTS``: no estimate, no witness, not
    certified (a solver's record is re-checked by :mod:`dicert.verify.certify`, never
    certified by itself).  The defaults are served by ``__getattr__`` rather than class
    attributes so that a dataclass field of the same name never sees them as its default.
    ``to_dict`` serialises every dataclass field plus the contract's names, strictly.
    """

    def __getattr__(self, name: str) -> Any:
        if name in CONTRACT_DEFAULTS:
            return CONTRACT_DEFAULTS[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def to_dict(self) -> dict[str, Any]:
        """Strict-JSON dictionary: every field, then the contract's names (non-finite floats -> ``None``)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]
        for name in ("lower", "upper", "lower_estimate", "upper_estimate", "status", "certified"):
            out.setdefault(name, getattr(self, name))
        for name in ("lower_witness", "upper_witness"):
            witness = getattr(self, name)
            if not (witness is None or isinstance(witness, (dict, str, np.ndarray, list))) and not hasattr(witness, "to_dict"):
                witness = type(witness).__name__
            out.setdefault(name, witness)
        return strict_json(out)


class ValueEstimates:
    """``lower_estimate`` and ``upper_estimate`` of a record whose solver returns one optimum, ``value``."""

    value: float

    @property
    def lower_estimate(self) -> float:
        """``value``: the solver's optimum."""
        return self.value

    @property
    def upper_estimate(self) -> float:
        """``value``: the solver's optimum."""
        return self.value


@dataclass(frozen=True)
class SequenceRecord(RecordMixin):
    """The :class:`~dicert.verify.capacity.results.BoundRecord` contract for bound *sequences*.

    ``lower`` / ``upper`` are arrays with one valid bound per block length (``nan`` where
    there is none; ``None`` in ``to_dict``); ``lower_monotone`` / ``upper_monotone`` their
    running best (:func:`running_best`); ``ns`` the block lengths, ``seconds`` the wall time per n.  Shared by ``NLetterBounds`` and ``NoFeedbackBounds``.
    """

    ns: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    lower_monotone: np.ndarray
    upper_monotone: np.ndarray
    seconds: np.ndarray

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


def running_best(values: np.ndarray, better: Callable[[Any, Any], Any]) -> np.ndarray:
    """Running best of ``values`` ignoring ``nan`` (``nan`` until the first number)."""
    out = np.full(values.shape, math.nan)
    best = math.nan
    for k, v in enumerate(values):
        if not math.isnan(v):
            best = v if math.isnan(best) else better(best, v)
        out[k] = best
    return out



class _Bracket(RecordMixin):
    """``value`` (midpoint) and ``gap`` of a result carrying bounds ``lower <= upper``.

    Used by the Blahut-Arimoto records (``BACapacity``, ``DirectedBAResult``,
    ``DelayedFeedbackBAResult``): their ``lower`` and ``upper`` are the two sides of the
    alternating-maximisation bracket, each evaluated at the final iterate (valid bounds
    up to float64 rounding), witnessed by the input law (and, for the DMC, the output law
    that is the test distribution of (4.47)).
    """

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

    @property
    def status(self) -> str:
        """``"converged"`` when ``upper - lower <= tol`` was reached, else ``"not_converged"``."""
        return "converged" if getattr(self, "converged", False) else "not_converged"

    @property
    def lower_witness(self) -> Any:
        """The final input law (``input_pmf`` or ``input_policy``)."""
        return getattr(self, "input_pmf", getattr(self, "input_policy", None))

    @property
    def upper_witness(self) -> Any:
        """The test distribution ``p W`` (DMC), else the final input law the upper side is evaluated at."""
        return getattr(self, "output_pmf", getattr(self, "input_policy", None))


def _freeze(obj: Any) -> None:
    """Store every ndarray field of a frozen dataclass as a read-only float/int copy."""
    for field in fields(obj):
        value = getattr(obj, field.name)
        if isinstance(value, np.ndarray):
            arr = np.array(value, copy=True)
            arr.flags.writeable = False
            object.__setattr__(obj, field.name, arr)


@dataclass(frozen=True, eq=False)
class PolicyRate(RecordMixin):
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

    @property
    def lower(self) -> float | None:
        """``rate`` when the input is BCJR-invariant (``DEFAULT_BCJR_TOL``): achievable by Thm 4.4.4; else ``None``."""
        return self.rate if self.bcjr_invariant() else None

    @property
    def upper(self) -> None:
        """A policy's rate bounds nothing from above: ``None``."""
        return None

    @property
    def lower_estimate(self) -> float:
        """``rate`` (exact evaluation of the input in float64, whether invariant or not)."""
        return self.rate

    @property
    def lower_witness(self) -> dict[str, Any] | None:
        """The input ``P(x|s,q)`` and its stationary ``pi(s,q)`` (when ``lower`` is set)."""
        return None if self.lower is None else {"policy": self.policy, "stationary": self.stationary}


@dataclass(frozen=True, eq=False)
class QGraphBound(RecordMixin):
    """Q-graph upper bound (Thm 4.4.2/4.4.3) and BCJR-invariant lower bound (Thm 4.4.4, Cor 4.4.5).

    Attributes
    ----------
    channel:
        Name of the channel.
    graph:
        The Q-graph.
    upper_estimate:
        ``max I(X,S;Y|Q)`` of program (4.40) re-evaluated at the solver's point, in bits
        (a solver estimate: it may lie below the graph's bound and below the capacity).
    lower:
        Achievable rate ``I(X,S;Y|Q)`` (Thm 4.4.4) of a BCJR-invariant maximiser (Cor 4.4.5),
        evaluated at its exact stationary distribution: the returned maximiser, or a
        vertex of the optimal face found by :meth:`QGraphBoundProgram.solve`, whose
        rate must be within ``MAXIMISER_RATE_TOL`` of ``upper_estimate``; ``None`` when not
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
    upper:
        A *valid* upper bound on the feedback capacity: the duality bound of Thm 4.5.2
        ``max_{s,q}[max_x (g + P V)(s,q,x) - V(s,q)]`` at a test distribution ``T(y|q)`` and
        value function ``V`` read from the solver (:func:`~dicert.verify.capacity.duality.qgraph_duality_upper`),
        valid for any ``(T, V)`` up to float64 rounding; ``None`` when it was not computed.
        It is at least the graph's bound (4.40), so ``upper >= upper_estimate`` up to the
        solver tolerance.
    upper_witness:
        ``{"test_distribution": T, "value": V}`` behind ``upper`` (``None`` with it).
    lower_witness:
        The :class:`PolicyRate` of the BCJR-invariant input behind ``lower`` (the returned
        maximiser or a vertex of the optimal face; ``None`` without ``lower``).
    """

    channel: str
    graph: QGraph
    upper_estimate: float
    lower: float | None
    policy: np.ndarray
    stationary: np.ndarray
    output_law: np.ndarray
    status: str
    bcjr_invariant: bool | None
    bcjr_residual: float | None
    seconds: float
    upper: float | None = None
    upper_witness: dict[str, Any] | None = None
    lower_witness: PolicyRate | None = None

    def __post_init__(self) -> None:
        _freeze(self)

    @property
    def gap(self) -> float | None:
        """``upper - lower`` (valid bounds), or ``None`` without both."""
        return None if self.lower is None or self.upper is None else self.upper - self.lower

    @property
    def lower_estimate(self) -> float | None:
        """``lower`` itself: the exact rate of an invariant input (no solver float stands behind it)."""
        return self.lower


@dataclass(frozen=True, eq=False)
class DualityBound(RecordMixin):
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

    @property
    def lower(self) -> None:
        """The duality MDP bounds capacity from above only: ``None``."""
        return None

    @property
    def upper_estimate(self) -> float:
        """``rho``: the average reward of the final policy (equals ``upper`` when (4.55) holds)."""
        return self.rho

    @property
    def upper_witness(self) -> dict[str, Any]:
        """``{"test_distribution": T, "value": V}``: any pair proves ``upper`` (module docstring)."""
        return {"test_distribution": self.test_distribution, "value": self.value}


@dataclass(frozen=True, eq=False)
class MarkovCapacity(ValueEstimates, RecordMixin):
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
    lower:
        ``I(X;Y|Y-)`` (4.14) of ``policy`` at its own stationary ``pi(y-)``, re-evaluated
        in float64: achievable (Thm 4.2.2), a valid lower bound; ``None`` when the
        policy's output chain has no unique stationary law.
    upper:
        The duality bound (Thm 4.5.2) on the order-1 de Bruijn graph with test
        distribution ``output_law``; ``None`` when not computed.
    upper_witness:
        The :class:`DualityBound` behind ``upper``.
    """

    channel: str
    value: float
    policy: np.ndarray
    stationary: np.ndarray
    output_law: np.ndarray
    status: str
    seconds: float
    lower: float | None = None
    upper: float | None = None
    upper_witness: Any = None

    def __post_init__(self) -> None:
        _freeze(self)

    @property
    def lower_witness(self) -> dict[str, Any] | None:
        """``P(x|y-)`` and ``pi(y-)`` behind ``lower``."""
        return None if self.lower is None else {"policy": self.policy, "stationary": self.stationary}

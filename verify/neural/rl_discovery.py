"""Q-graphs read off the paths of a trained RL policy, and their bounds (sec. 4.6.4, end of sec. 4.5).

The actor of :func:`~dicert.verify.neural.rl.train_pou` is simulated on the belief
MDP (:func:`simulate_policy`, float64 (4.23)-(4.24)); the visited beliefs are
clustered into Q-graphs (:func:`~dicert.verify.capacity.discover.extract_qgraph`,
with the actor in place of the greedy policy) and each is bounded by
:func:`~dicert.verify.capacity.discover.bracket_candidates`, the same choice as
value-iteration discovery.  Split from :mod:`dicert.verify.neural.rl` (training);
the names stay importable there.

Examples
--------
>>> from dicert.verify.channels import parse_channel
>>> from dicert.verify.neural.rl_discovery import rl_discover
>>> d = rl_discover(parse_channel("bsc:p=0.1"), steps=60, burn_in=10, updates=20, seeds=1,
...                 evaluation_steps=100)
>>> d.graph.m, round(d.upper, 6)
(1, 0.531004)
>>> from dicert.verify.capacity.results import BoundRecord
>>> isinstance(d, BoundRecord), d.certified
(True, False)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from dicert.verify.capacity.results import RecordMixin
from dicert.verify.estimators.protocol import check_int_param
from dicert.verify.neural.rl import PolicyNetwork, RLResult, train_pou

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import Channel, UnifilarSource

__all__ = ["RLDiscovery", "rl_discover", "simulate_policy"]


class _PolicyMDP:
    """What :func:`~dicert.verify.capacity.discover.extract_qgraph` reads of an MDP, with the actor as policy."""

    def __init__(self, law: np.ndarray, next_state: np.ndarray, policy: PolicyNetwork) -> None:
        self.law, self.next_state, self._policy = law, next_state, policy

    def greedy_action(self, h: Any, belief: np.ndarray) -> np.ndarray:  # noqa: ARG002 - h unused: the actor decides
        return self._policy(belief)


def simulate_policy(
    channel: UnifilarSource, policy: PolicyNetwork, steps: int, *, rng: np.random.Generator | int | None = None,
    initial_belief: np.ndarray | None = None,
) -> Any:
    """One path of the belief MDP under the actor, in float64 (4.23)-(4.24): a ``BeliefTrajectory``.

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> from dicert.verify.neural.rl import BeliefEnvironment
    >>> ch = parse_channel("ising")
    >>> policy = PolicyNetwork.initial(BeliefEnvironment.from_channel(ch), hidden=8, layers=1)
    >>> simulate_policy(ch, policy, 20, rng=0).beliefs.shape
    (21, 2)
    """
    from dicert.verify.capacity.belief_mdp import belief_update, reward_bits
    from dicert.verify.capacity.discover import BeliefTrajectory
    from dicert.verify.capacity.qgraph_bounds import unifilar_arrays

    steps = check_int_param("steps", steps, 1)
    arrays = unifilar_arrays(channel)
    ns = arrays.law.shape[0]
    gen = np.random.default_rng(rng)
    belief = np.full(ns, 1.0 / ns) if initial_belief is None else np.asarray(initial_belief, dtype=float)
    beliefs, outputs, rewards = np.empty((steps + 1, ns)), np.empty(steps, dtype=np.int64), np.empty(steps)
    beliefs[0] = belief
    for t in range(steps):
        action = policy(belief)
        p_y, nb = belief_update(arrays.law, arrays.next_state, belief, action)
        rewards[t] = float(reward_bits(arrays.law, belief, action))
        y = int(gen.choice(len(p_y), p=p_y / p_y.sum()))
        outputs[t] = y
        belief = nb[y]
        beliefs[t + 1] = belief
    return BeliefTrajectory(beliefs=beliefs, outputs=outputs, rewards=rewards)


@dataclass(frozen=True)
class RLDiscovery(RecordMixin):
    """An RL run turned into a Q-graph and its bracket (the fields ``dicert discover`` prints).

    A :class:`~dicert.verify.capacity.results.BoundRecord`: ``upper`` is the valid Q-graph
    bound (``QGraphBound.upper``, Thm 4.4.3 by the duality bound of Thm 4.5.2) and ``lower``
    the rate of a BCJR-invariant input (Thm 4.4.4), both in float64 on the extracted graph;
    certify them (``dicert discover CH --method rl --certify``).  ``rl.rho_mc`` is the RL
    estimate, a cross-check only.  ``to_dict`` keeps the JSON of ``discover --method rl``.
    """

    channel: str
    graph: Any
    lower: float | None
    upper: float
    lower_policy: np.ndarray | None = field(repr=False)
    lower_source: str
    output_law: np.ndarray = field(repr=False)
    node_beliefs: np.ndarray
    node_masses: np.ndarray
    trajectory: Any = field(repr=False)
    candidates: list[tuple[float, int, float, float | None]] = field(repr=False)
    rl: RLResult = field(repr=False)
    timings: dict[str, float] = field(repr=False)

    @property
    def gap(self) -> float | None:
        """``upper - lower`` (``None`` without a lower bound)."""
        return None if self.lower is None else self.upper - self.lower

    @property
    def lower_witness(self) -> np.ndarray | None:
        """The invariant input ``P(x|s,q)`` behind ``lower``."""
        return self.lower_policy

    @property
    def upper_witness(self) -> Any:
        """The extracted Q-graph whose duality bound is ``upper``."""
        return self.graph

    @property
    def lower_estimate(self) -> float:
        """``rl.rho_mc``: the Monte Carlo average reward of the trained policy (an estimate)."""
        return self.rl.rho_mc

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "channel": self.channel,
            "method": "rl",
            "graph": self.graph.to_dict(),
            "nodes": int(self.graph.m),
            "node_beliefs": self.node_beliefs.tolist(),
            "node_masses": self.node_masses.tolist(),
            "lower_estimate": self.lower,
            "upper_estimate": self.upper,
            "gap_estimate": self.gap,
            "lower_source": self.lower_source,
            "rl": self.rl.to_dict(),
            "candidates": [{"radius": r, "nodes": m, "upper_estimate": u, "lower_estimate": lo}
                           for r, m, u, lo in self.candidates],
            "seconds": self.timings,
        }


def _refined_from_bound(channel: UnifilarSource, bound: Any, extracted: Any) -> Any:
    """Invariant input refined from the Q-graph upper bound's maximiser (a second start for SLSQP).

    The actor's actions at the node beliefs are only approximately optimal; the
    bound's maximiser is often a better start for
    :func:`~dicert.verify.capacity.discover.refine_invariant_input`.
    """
    from dicert.verify.capacity.discover import refine_invariant_input
    from dicert.verify.capacity.results import DEFAULT_BCJR_TOL
    from dicert.verify.errors import DicertError

    if bound.policy is None:
        return None
    try:
        refined = refine_invariant_input(channel, extracted.graph, extracted.beliefs,
                                         np.transpose(np.asarray(bound.policy), (1, 0, 2)))
    except (DicertError, np.linalg.LinAlgError, ValueError):
        return None
    return refined if refined.bcjr_residual <= DEFAULT_BCJR_TOL else None


def rl_discover(
    channel: Channel,
    *,
    result: RLResult | None = None,
    steps: int = 3000,
    burn_in: int = 300,
    radii: tuple[float, ...] | None = None,
    max_nodes: int = 12,
    gap_tol: float = 1e-8,
    rng: int = 0,
    **training: Any,
) -> RLDiscovery:
    """Train (or take) a POU policy, simulate it, read off a Q-graph and bound it (sec. 4.6.4, end of 4.5).

    The visited beliefs after ``burn_in`` are clustered at each radius
    (:func:`~dicert.verify.capacity.discover.extract_qgraph`, with the actor in
    place of the greedy policy); each distinct graph gets the Q-graph upper bound
    and a BCJR-invariant lower bound (the best of: the upper bound's maximiser when
    invariant, :func:`~dicert.verify.capacity.discover.refine_invariant_input` from
    the actor's actions at the node beliefs, and from the maximiser), smallest
    graphs first, as in
    :func:`~dicert.verify.capacity.discover.discover_qgraph`.

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> d = rl_discover(parse_channel("bsc:p=0.1"), steps=60, burn_in=10, updates=20, seeds=1,
    ...                 evaluation_steps=100)
    >>> d.graph.m, round(d.upper, 6)
    (1, 0.531004)
    """
    from dicert.verify.capacity.discover import (
        DEFAULT_RADII,
        bracket_candidates,
        extract_candidates,
        refined_invariant_lower,
    )
    from dicert.verify.capacity.qgraph_bounds import unifilar_arrays

    start = time.perf_counter()
    if result is None:
        result = train_pou(channel, rng=rng, **training)
    t_train = time.perf_counter()
    arrays = unifilar_arrays(channel)
    path = simulate_policy(channel, result.policy, steps, rng=rng)
    t_sim = time.perf_counter()
    mdp = _PolicyMDP(arrays.law, arrays.next_state, result.policy)
    seen = extract_candidates(mdp, None, path, radii=tuple(radii or DEFAULT_RADII), burn_in=min(burn_in, steps - 2))
    choice = bracket_candidates(
        channel, seen,
        lambda extracted, bound: (refined_invariant_lower(channel, mdp, None, extracted),
                                  _refined_from_bound(channel, bound, extracted)),
        max_nodes=max_nodes, gap_tol=gap_tol,
    )
    done = time.perf_counter()
    return RLDiscovery(
        channel=arrays.name,
        **choice.record_fields(),
        trajectory=path,
        rl=result,
        timings={"training": t_train - start, "simulation": t_sim - t_train, "bounds": done - t_sim,
                 "total": done - start},
    )

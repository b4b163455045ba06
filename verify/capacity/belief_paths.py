"""Belief paths of the belief MDP (sec. 4.3): simulation under a greedy policy and clustering of the visited beliefs.

Steps 2 and 3 of the Q-graph discovery (:mod:`dicert.verify.capacity.discover`):
the MDP (4.23)-(4.24) is simulated under the one-step lookahead policy of an
estimated value function, and the beliefs it visits (which concentrate on a
few points, Fig. 4.2) are clustered by single linkage at a radius.

Examples
--------
>>> from dicert.verify.capacity.belief_paths import cluster_beliefs
>>> import numpy as np
>>> labels, centres, masses = cluster_beliefs(np.array([[0.1, 0.9], [0.11, 0.89], [0.7, 0.3]]), radius=0.05)
>>> labels.tolist(), masses.round(3).tolist()
([0, 0, 1], [0.667, 0.333])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dicert.verify.capacity.belief_mdp import BeliefMDP, belief_update, reward_bits
from dicert.verify.errors import InvalidInput

__all__ = ["BeliefTrajectory", "simulate_beliefs", "cluster_beliefs"]


@dataclass(frozen=True)
class BeliefTrajectory:
    """A simulated path of the belief MDP.

    Attributes
    ----------
    beliefs:
        ``beliefs[t]`` is ``beta_t`` (``t = 0..T``), shape ``(T + 1, S)``.
    outputs:
        ``outputs[t]`` is ``y_{t+1}``, the output that moved ``beta_t`` to ``beta_{t+1}``.
    rewards:
        ``g(beta_t, Pi_{t+1})`` in bits; their mean estimates the average reward (4.22).
    """

    beliefs: np.ndarray
    outputs: np.ndarray
    rewards: np.ndarray

    @property
    def average_reward(self) -> float:
        """Mean reward along the path (bits per channel use)."""
        return float(self.rewards.mean())


def simulate_beliefs(
    mdp: BeliefMDP,
    h: np.ndarray,
    steps: int,
    *,
    rng: np.random.Generator | int | None = None,
    initial_belief: np.ndarray | None = None,
) -> BeliefTrajectory:
    """Simulate the MDP (4.23)-(4.24) under the greedy policy of ``h`` for ``steps`` steps.

    The action at each visited belief is the one-step lookahead maximiser over the
    action grid (:meth:`BeliefMDP.greedy_action`), cached per belief (the path
    typically returns to a few beliefs).

    Examples
    --------
    >>> from dicert.verify.channels import parse_channel
    >>> mdp = BeliefMDP(parse_channel("ising"), belief_resolution=20, action_resolution=10)
    >>> vi = mdp.value_iteration(max_iter=50)
    >>> path = simulate_beliefs(mdp, vi.h, 50, rng=0)
    >>> path.beliefs.shape, path.outputs.shape
    ((51, 2), (50,))
    """
    if not isinstance(steps, (int, np.integer)) or steps < 1:
        raise InvalidInput(f"steps: expected an integer >= 1, got {steps!r}")
    gen = np.random.default_rng(rng)
    ns = mdp.law.shape[0]
    belief = np.full(ns, 1.0 / ns) if initial_belief is None else np.asarray(initial_belief, dtype=float)
    if belief.shape != (ns,) or np.any(belief < 0) or abs(belief.sum() - 1) > 1e-9:
        raise InvalidInput(f"initial_belief: expected a pmf of length {ns}")
    cache: dict[bytes, tuple[np.ndarray, np.ndarray, float]] = {}
    beliefs = np.empty((steps + 1, ns))
    outputs = np.empty(steps, dtype=np.int64)
    rewards = np.empty(steps)
    beliefs[0] = belief
    for t in range(steps):
        key = np.round(belief, 12).tobytes()
        hit = cache.get(key)
        if hit is None:
            action = mdp.greedy_action(h, belief)
            p_y, nb = belief_update(mdp.law, mdp.next_state, belief, action)
            hit = (p_y / p_y.sum(), nb, float(reward_bits(mdp.law, belief, action)))
            cache[key] = hit
        p_y, nb, reward = hit
        y = int(gen.choice(len(p_y), p=p_y))
        outputs[t] = y
        rewards[t] = reward
        belief = nb[y]
        beliefs[t + 1] = belief
    return BeliefTrajectory(beliefs=beliefs, outputs=outputs, rewards=rewards)


def cluster_beliefs(beliefs: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Single-linkage clusters of beliefs at max-norm ``radius``.

    Returns ``(labels, centres, masses)``: clusters are numbered by decreasing
    frequency, ``centres`` are the mean beliefs and ``masses`` the visit fractions.

    Examples
    --------
    >>> import numpy as np
    >>> labels, centres, masses = cluster_beliefs(np.array([[0.0, 1.0], [0.5, 0.5]]), radius=0.1)
    >>> labels.tolist(), centres.tolist()
    ([0, 1], [[0.0, 1.0], [0.5, 0.5]])
    """
    from scipy.cluster.hierarchy import fcluster, linkage

    beliefs = np.asarray(beliefs, dtype=float)
    if beliefs.ndim != 2 or len(beliefs) == 0:
        raise InvalidInput(f"beliefs: expected a non-empty (T, S) array, got shape {beliefs.shape}")
    if not radius > 0:
        raise InvalidInput(f"radius: expected a positive number, got {radius!r}")
    unique, inverse, counts = np.unique(np.round(beliefs, 12), axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    if len(unique) == 1:
        raw = np.zeros(1, dtype=np.int64)
    else:
        raw = fcluster(linkage(unique, method="single", metric="chebyshev"), t=radius, criterion="distance") - 1
    n_clusters = int(raw.max()) + 1
    weight = np.bincount(raw, weights=counts, minlength=n_clusters)
    order = np.argsort(-weight, kind="stable")
    rank = np.empty(n_clusters, dtype=np.int64)
    rank[order] = np.arange(n_clusters)
    unique_labels = rank[raw]
    labels = unique_labels[inverse]
    centres = np.array([(unique[unique_labels == c] * counts[unique_labels == c, None]).sum(axis=0) / weight[order[c]]
                        for c in range(n_clusters)])
    return labels, centres, weight[order] / weight.sum()

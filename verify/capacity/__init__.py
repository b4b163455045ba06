"""Capacity computations: Blahut-Arimoto, Q-graph bounds, duality bound, belief MDP (monograph ch. 4)."""

from dicert.verify.capacity.duality import DualityMDP, duality_upper_bound
from dicert.verify.capacity.markov import markov_feedback_capacity
from dicert.verify.capacity.qgraph_bounds import QGraphBoundProgram, evaluate_policy, qgraph_upper_bound
from dicert.verify.capacity.results import DualityBound, MarkovCapacity, PolicyRate, QGraphBound

__all__ = [
    "QGraphBoundProgram",
    "qgraph_upper_bound",
    "evaluate_policy",
    "duality_upper_bound",
    "DualityMDP",
    "markov_feedback_capacity",
    "QGraphBound",
    "PolicyRate",
    "DualityBound",
    "MarkovCapacity",
]

# Blahut-Arimoto, extended BA, n-letter DI, belief MDP and discovery (issue 6)
from dicert.verify.capacity.belief_mdp import BeliefMDP, ValueIteration  # noqa: E402
from dicert.verify.capacity.blahut_arimoto import BACapacity, blahut_arimoto  # noqa: E402
from dicert.verify.capacity.directed_ba import DirectedBAResult, directed_blahut_arimoto  # noqa: E402
from dicert.verify.capacity.discover import Discovery, discover_qgraph  # noqa: E402
from dicert.verify.capacity.nletter import NLetterBounds, NLetterValue, nletter_bounds, nletter_value  # noqa: E402

__all__ += [
    "blahut_arimoto",
    "BACapacity",
    "directed_blahut_arimoto",
    "DirectedBAResult",
    "nletter_value",
    "nletter_bounds",
    "NLetterValue",
    "NLetterBounds",
    "BeliefMDP",
    "ValueIteration",
    "discover_qgraph",
    "Discovery",
]

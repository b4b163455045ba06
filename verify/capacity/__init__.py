"""Capacity computations: Blahut-Arimoto, Q-graph bounds, duality bound, belief MDP (monograph ch. 4)."""

from dicert.graphs._lazy import lazy_exports

_EXPORTS = {
    "QGraphBoundProgram": "dicert.verify.capacity.qgraph_bounds",
    "qgraph_upper_bound": "dicert.verify.capacity.qgraph_bounds",
    "evaluate_policy": "dicert.verify.capacity.qgraph_bounds",
    "duality_upper_bound": "dicert.verify.capacity.duality",
    "DualityMDP": "dicert.verify.capacity.duality",
    "markov_feedback_capacity": "dicert.verify.capacity.markov",
    "QGraphBound": "dicert.verify.capacity.results",
    "PolicyRate": "dicert.verify.capacity.results",
    "DualityBound": "dicert.verify.capacity.results",
    "MarkovCapacity": "dicert.verify.capacity.results",
    "blahut_arimoto": "dicert.verify.capacity.blahut_arimoto",
    "BACapacity": "dicert.verify.capacity.blahut_arimoto",
    "directed_blahut_arimoto": "dicert.verify.capacity.directed_ba",
    "DirectedBAResult": "dicert.verify.capacity.directed_ba",
    "nletter_value": "dicert.verify.capacity.nletter",
    "nletter_bounds": "dicert.verify.capacity.nletter_sequences",
    "NLetterValue": "dicert.verify.capacity.nletter",
    "NLetterBounds": "dicert.verify.capacity.nletter_sequences",
    "BeliefMDP": "dicert.verify.capacity.belief_mdp",
    "ValueIteration": "dicert.verify.capacity.belief_mdp",
    "discover_qgraph": "dicert.verify.capacity.discover",
    "Discovery": "dicert.verify.capacity.discover",
}

__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

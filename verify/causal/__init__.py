"""Pearl's causality and directed information (monograph sec. 2.6, (2.33)-(2.43), Thm 2.6.1, Fig. 2.2).

* :class:`CausalModel` -- a causal DAG (networkx ``DiGraph``) over named
  variables with mechanisms ``P(a_i | pa(a_i))`` whose product is the joint
  law (2.33); :meth:`CausalModel.do` is the intervention (2.34);
  :meth:`CausalModel.time_ordered` the interleaved two-process model (2.35).
* :func:`interventional_law`, :func:`observational_law` -- ``P(a^T | do(a^S), a^Z)``
  (2.36 for the two-process model) and ``P(a^T | a^S, a^Z)``.
* :func:`observation_intervention_divergence` (2.37),
  :func:`setwise_directed_information` (2.38), (2.39), (2.41),
  :func:`setwise_di_chain_rule` (2.40), :func:`laws_agree` (2.42).
* :func:`is_backdoor_set`, :func:`adjustment_formula` -- the back-door
  criterion and the adjustment formula (2.43) of Thm 2.6.1.
* :func:`figure_2_2` -- draws Fig. 2.2 (the confounder before and after ``do(X = x)``).

Examples
--------
>>> import networkx as nx
>>> from dicert.verify.causal import CausalModel, setwise_directed_information
>>> m = CausalModel.random(nx.DiGraph([("Z", "X"), ("Z", "Y"), ("X", "Y")]), {"Z": 2, "X": 2, "Y": 2}, rng=0)
>>> round(setwise_directed_information(m, "Y", "X", given="Z"), 12)
0.0
"""

from dicert.graphs._lazy import lazy_exports

_EXPORTS = {
    "CausalModel": "dicert.verify.causal.model",
    "names_of": "dicert.verify.causal.model",
    "interventional_law": "dicert.verify.causal.setwise",
    "observational_law": "dicert.verify.causal.setwise",
    "observation_intervention_divergence": "dicert.verify.causal.setwise",
    "setwise_directed_information": "dicert.verify.causal.setwise",
    "setwise_di_chain_rule": "dicert.verify.causal.setwise",
    "laws_agree": "dicert.verify.causal.setwise",
    "is_backdoor_set": "dicert.verify.causal.backdoor",
    "backdoor_paths_blocked": "dicert.verify.causal.backdoor",
    "adjustment_formula": "dicert.verify.causal.backdoor",
    "figure_2_2": "dicert.verify.causal.figure",
}

__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

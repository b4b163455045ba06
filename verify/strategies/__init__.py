"""Public Hypothesis strategies: build valid dicert objects directly (Dirichlet draws, not filters).

Use them to property-test your own code with the generators dicert's own suite
uses. They need Hypothesis (``pip install "dicert[test]"``); the names below are
imported lazily, so ``import dicert.verify.strategies`` itself needs nothing.

* pmfs -- random pmfs, n-letter sequence pmfs (with and without feedback),
  Markov chains, rational (exact) pmfs, backends;
* qgraphs -- Q-graphs and strongly connected Q-graphs, node permutations;
* channels -- DMCs, unifilar FSCs (optionally input-constrained), general FSCs;
* processes -- discrete and Gaussian processes with known DI rates.

Examples
--------
>>> from hypothesis import given
>>> from dicert.verify.strategies import pmfs
>>> from dicert.verify.measures import entropy
>>> @given(pmfs(names=["X"]))
... def test_entropy_is_nonnegative(p):
...     assert entropy(p, ["X"]) >= 0
>>> test_entropy_is_nonnegative()
"""

from dicert.graphs._lazy import lazy_exports

_EXPORTS = {
    "SequencePmf": "dicert.verify.strategies.pmfs",
    "backends": "dicert.verify.strategies.pmfs",
    "markov_chains": "dicert.verify.strategies.pmfs",
    "markov_sequence_pmfs": "dicert.verify.strategies.pmfs",
    "no_feedback_sequence_pmfs": "dicert.verify.strategies.pmfs",
    "pmfs": "dicert.verify.strategies.pmfs",
    "rational_pmfs": "dicert.verify.strategies.pmfs",
    "sequence_pmfs": "dicert.verify.strategies.pmfs",
    "qgraphs": "dicert.verify.strategies.qgraphs",
    "strongly_connected_qgraphs": "dicert.verify.strategies.qgraphs",
    "node_permutations": "dicert.verify.strategies.qgraphs",
    "random_rows": "dicert.verify.strategies.channels",
    "dmcs": "dicert.verify.strategies.channels",
    "unifilar_fscs": "dicert.verify.strategies.channels",
    "finite_state_channels": "dicert.verify.strategies.channels",
    "discrete_processes": "dicert.verify.strategies.processes",
    "continuous_processes": "dicert.verify.strategies.processes",
    "gaussian_var1_parameters": "dicert.verify.strategies.processes",
    "processes": "dicert.verify.strategies.processes",
}

__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

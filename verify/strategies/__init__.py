"""Public Hypothesis strategies: build valid dicert objects directly (Dirichlet draws, not filters).

Use them to property-test your own code with the generators dicert's own suite
uses. They need Hypothesis (``pip install "dicert[test]"``).

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

from dicert.verify.strategies.channels import dmcs, finite_state_channels, random_rows, unifilar_fscs
from dicert.verify.strategies.pmfs import (
    SequencePmf,
    backends,
    markov_chains,
    markov_sequence_pmfs,
    no_feedback_sequence_pmfs,
    pmfs,
    rational_pmfs,
    sequence_pmfs,
)
from dicert.verify.strategies.processes import continuous_processes, discrete_processes, gaussian_var1_parameters, processes
from dicert.verify.strategies.qgraphs import node_permutations, qgraphs, strongly_connected_qgraphs

__all__ = [
    "SequencePmf",
    "backends",
    "markov_chains",
    "markov_sequence_pmfs",
    "no_feedback_sequence_pmfs",
    "pmfs",
    "rational_pmfs",
    "sequence_pmfs",
    "qgraphs",
    "strongly_connected_qgraphs",
    "node_permutations",
    "random_rows",
    "dmcs",
    "unifilar_fscs",
    "finite_state_channels",
    "discrete_processes",
    "continuous_processes",
    "gaussian_var1_parameters",
    "processes",
]

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

import sys

from dicert.verify.strategies.channels import *  # noqa: F403 - each submodule's __all__
from dicert.verify.strategies.pmfs import *  # noqa: F403
from dicert.verify.strategies.processes import *  # noqa: F403
from dicert.verify.strategies.qgraphs import *  # noqa: F403

# The submodules ``pmfs``, ``qgraphs`` and ``processes`` share their names with a
# strategy, which the star imports bind here; read each __all__ through sys.modules.
__all__ = [
    name
    for submodule in ("pmfs", "qgraphs", "channels", "processes")
    for name in sys.modules[f"{__name__}.{submodule}"].__all__
]

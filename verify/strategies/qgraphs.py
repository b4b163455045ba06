"""Q-graph strategies, re-exported from :mod:`dicert.graphs.strategies`.

Q-graphs are pure combinatorics, so their strategies live in the ``graphs``
layer (tests of ``graphs`` need nothing from ``verify``); this module keeps the
``dicert.verify.strategies`` namespace complete.

Examples
--------
>>> from dicert.verify.strategies.qgraphs import qgraphs
>>> from dicert.graphs.strategies import qgraphs as same
>>> qgraphs is same
True
"""

from dicert.graphs.strategies import node_permutations, qgraphs, strongly_connected_qgraphs

__all__ = ["qgraphs", "strongly_connected_qgraphs", "node_permutations"]

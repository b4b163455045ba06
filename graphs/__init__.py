"""dicert.graphs: pure combinatorics of Q-graphs (no probability).

Q-graphs (monograph sec. 4.4), de Bruijn Q-graphs, orderly enumeration of
non-isomorphic strongly connected Q-graphs, and JSON/DOT input/output.

Examples
--------
>>> from dicert.graphs import QGraph, debruijn_qgraph
>>> debruijn_qgraph(1, 2) == QGraph([[0, 1], [0, 1]])
True
"""

from dicert.graphs._lazy import lazy_exports

_EXPORTS = {
    "ClaimRefuted": "dicert.graphs.errors",
    "DicertError": "dicert.graphs.errors",
    "InvalidChannel": "dicert.graphs.errors",
    "InvalidGraph": "dicert.graphs.errors",
    "InvalidInput": "dicert.graphs.errors",
    "InvalidPmf": "dicert.graphs.errors",
    "SolverFailed": "dicert.graphs.errors",
    "TooLarge": "dicert.graphs.errors",
    "QGraph": "dicert.graphs.qgraph",
    "require_strongly_connected": "dicert.graphs.qgraph",
    "debruijn_qgraph": "dicert.graphs.debruijn",
    "QGraphBatch": "dicert.graphs.enumerate",
    "canonical_forms": "dicert.graphs.enumerate",
    "count_accessible_automata": "dicert.graphs.enumerate",
    "count_qgraphs": "dicert.graphs.enumerate",
    "enumerate_qgraphs": "dicert.graphs.enumerate",
    "is_canonical_batch": "dicert.graphs.enumerate",
    "qgraph_batches": "dicert.graphs.enumerate",
    "load_qgraph": "dicert.graphs.io",
    "save_qgraph": "dicert.graphs.io",
    "save_graphml": "dicert.graphs.io",
    "to_dot": "dicert.graphs.io",
    "draw_qgraph": "dicert.graphs.draw",
}

__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

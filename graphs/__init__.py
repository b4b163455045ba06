"""dicert.graphs: pure combinatorics of Q-graphs (no probability).

Q-graphs (monograph sec. 4.4), de Bruijn Q-graphs, orderly enumeration of
non-isomorphic strongly connected Q-graphs, and JSON/DOT input/output.

Examples
--------
>>> from dicert.graphs import QGraph, debruijn_qgraph
>>> debruijn_qgraph(1, 2) == QGraph([[0, 1], [0, 1]])
True
"""

from dicert.graphs.debruijn import debruijn_qgraph
from dicert.graphs.draw import draw_qgraph
from dicert.graphs.enumerate import (
    QGraphBatch,
    canonical_forms,
    count_accessible_automata,
    count_qgraphs,
    enumerate_qgraphs,
    is_canonical_batch,
    qgraph_batches,
)
from dicert.graphs.errors import (
    ClaimRefuted,
    DicertError,
    InvalidChannel,
    InvalidGraph,
    InvalidInput,
    InvalidPmf,
    SolverFailed,
    TooLarge,
)
from dicert.graphs.io import load_qgraph, save_graphml, save_qgraph, to_dot
from dicert.graphs.qgraph import QGraph, require_strongly_connected

__all__ = [
    "ClaimRefuted",
    "DicertError",
    "InvalidChannel",
    "InvalidGraph",
    "InvalidInput",
    "InvalidPmf",
    "SolverFailed",
    "TooLarge",
    "QGraph",
    "require_strongly_connected",
    "debruijn_qgraph",
    "QGraphBatch",
    "canonical_forms",
    "count_accessible_automata",
    "count_qgraphs",
    "enumerate_qgraphs",
    "is_canonical_batch",
    "qgraph_batches",
    "load_qgraph",
    "save_qgraph",
    "save_graphml",
    "to_dot",
    "draw_qgraph",
]

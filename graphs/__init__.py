"""dicert.graphs: pure combinatorics of Q-graphs (no probability).

Q-graphs (monograph sec. 4.4), de Bruijn Q-graphs, orderly enumeration of
non-isomorphic strongly connected Q-graphs, and JSON/DOT input/output.
"""

from dicert.graphs.errors import (  # noqa: F401
    ClaimRefuted,
    DicertError,
    InvalidChannel,
    InvalidGraph,
    InvalidInput,
    InvalidPmf,
    SolverFailed,
    TooLarge,
)

"""Re-export of the dicert exception tree (defined in :mod:`dicert.graphs.errors`).

>>> from dicert.verify.errors import InvalidPmf, DicertError
>>> issubclass(InvalidPmf, DicertError)
True
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

__all__ = [
    "DicertError",
    "InvalidInput",
    "InvalidPmf",
    "InvalidChannel",
    "InvalidGraph",
    "SolverFailed",
    "ClaimRefuted",
    "TooLarge",
]

"""The dicert exception tree.

Every error dicert raises on purpose is a :class:`DicertError`.  The tree lives
in the lowest layer (``dicert.graphs``) so that every layer can raise it; it is
re-exported as :mod:`dicert.verify.errors`.

Messages name the offending field and the expected form, on one line, e.g.
``InvalidPmf("pmf: entries must be >= 0, found -0.1 at index (0, 1)")``.

Examples
--------
>>> from dicert.graphs.errors import DicertError, InvalidGraph
>>> issubclass(InvalidGraph, DicertError) and issubclass(InvalidGraph, ValueError)
True
"""

from __future__ import annotations

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


class DicertError(Exception):
    """Root of every error dicert raises deliberately."""


class InvalidInput(DicertError, ValueError):
    """A user-supplied value is malformed; the message names the field."""


class InvalidPmf(InvalidInput):
    """A probability mass function is malformed (negative mass, bad sum, bad names)."""


class InvalidChannel(InvalidInput):
    """A channel law, state update or input constraint is malformed."""


class InvalidGraph(InvalidInput):
    """A Q-graph is malformed (edge out of range, not strongly connected, ...)."""


class SolverFailed(DicertError, RuntimeError):
    """A numerical solver did not return status ``optimal``; no number is returned."""


class ClaimRefuted(DicertError):
    """A certified interval proves a claimed value wrong."""


class TooLarge(DicertError, MemoryError):
    """A requested object would exceed the configured memory limit."""

"""Re-export of the dicert exception tree (defined in :mod:`dicert.graphs.errors`).

>>> from dicert.verify.errors import InvalidPmf, DicertError
>>> issubclass(InvalidPmf, DicertError)
True
"""

from dicert.graphs import errors as _errors
from dicert.graphs.errors import *  # noqa: F401,F403  (every name of dicert.graphs.errors.__all__)

__all__ = list(_errors.__all__)

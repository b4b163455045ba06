"""dicert: certified directed information and feedback capacity of finite-state channels.

Three layers, imported one way only (``graphs <- verify <- proofs``):

* :mod:`dicert.graphs` -- Q-graphs, de Bruijn graphs, orderly enumeration (no probability);
* :mod:`dicert.verify` -- pmfs, DI measures, channels, capacity bounds, certificates,
  estimators, Hypothesis strategies;
* :mod:`dicert.proofs` -- one module per certified result, the registry and the ``dicert`` CLI.

The layers live in the repository's top-level folders ``graphs/``, ``verify/`` and
``proofs/`` (``pyproject.toml`` maps them); this small package only names the
distribution, its version and its layers. They are imported on first use, so
``import dicert`` costs nothing.

Examples
--------
>>> import dicert
>>> dicert.__version__ == __import__("importlib.metadata").metadata.version("dicert")
True
>>> dicert.graphs.QGraph([[0, 1], [0, 1]]).m
2
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from types import ModuleType

try:
    __version__: str = version("dicert")
except PackageNotFoundError:  # pragma: no cover - running from an uninstalled checkout
    __version__ = "0+unknown"

__all__ = ["__version__", "graphs", "verify", "proofs"]
_LAYERS = ("graphs", "verify", "proofs")


def __getattr__(name: str) -> ModuleType:
    if name in _LAYERS:
        module = importlib.import_module(f"dicert.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'dicert' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAYERS))

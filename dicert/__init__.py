"""dicert: certified directed information and feedback capacity of finite-state channels.

Three layers, imported one way only (``graphs <- verify <- proofs``):

* :mod:`dicert.graphs` -- Q-graphs, de Bruijn graphs, orderly enumeration (no probability);
* :mod:`dicert.verify` -- pmfs, DI measures, channels, capacity bounds, certificates,
  estimators, Hypothesis strategies;
* :mod:`dicert.proofs` -- one module per certified result, the registry and the ``dicert`` CLI.

The layers live in the repository's top-level folders ``graphs/``, ``verify/`` and
``proofs/`` (``pyproject.toml`` maps them); this small package only names the
distribution, its version and its layers. The layer packages are imported
eagerly (so their types are the modules themselves, for mypy and ``pydoc``):
each exports its names lazily (PEP 562, typed by its ``__init__.pyi``), so
together they add about 1 ms to ``import dicert`` (``python -X importtime -c
"import dicert"``: ~0.4 + 0.2 + 0.1 ms for graphs, verify, proofs).

Examples
--------
>>> import dicert
>>> dicert.__version__ == __import__("importlib.metadata").metadata.version("dicert")
True
>>> dicert.graphs.QGraph([[0, 1], [0, 1]]).m
2
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__: str = version("dicert")
except PackageNotFoundError:  # pragma: no cover - running from an uninstalled checkout
    __version__ = "0+unknown"

del PackageNotFoundError, version

from dicert import graphs, proofs, verify  # noqa: E402  (cheap: each exports its names lazily)

__all__ = ["__version__", "graphs", "verify", "proofs"]

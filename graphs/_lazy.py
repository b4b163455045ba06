"""Lazy package exports (PEP 562), so that ``import dicert.graphs`` stays cheap.

A package lists ``name -> module`` and gets a module ``__getattr__`` that imports
the defining module on first access. The CLI relies on this: ``dicert certify``
must not pay for numpy, cvxpy or matplotlib unless the command uses them.

Examples
--------
>>> getattr_, dir_ = lazy_exports("demo", {"sqrt": "math"})
>>> getattr_("sqrt")(9.0)
3.0
>>> "sqrt" in dir_()
True
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``(__getattr__, __dir__)`` for ``package`` exporting ``name`` from ``exports[name]``."""

    def __getattr__(name: str) -> Any:
        module_name = exports.get(name)
        if module_name is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module_name), name)
        module = sys.modules.get(package)
        if module is not None:
            setattr(module, name, value)
        return value

    def __dir__() -> list[str]:
        module = sys.modules.get(package)
        present = list(vars(module)) if module is not None else []
        return sorted(set(present) | set(exports))

    return __getattr__, __dir__

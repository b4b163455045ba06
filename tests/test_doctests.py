"""Run the docstring examples of every module of the three packages.

Doctests are strict: a documented error must match the raised exception's
type *and* its one-line message (no ``IGNORE_EXCEPTION_DETAIL``), so the
messages the docs promise are the messages users get.

The modules are imported under their installed names (``dicert.graphs.qgraph``
and so on) and their doctests run with :mod:`doctest`; a module whose optional
dependency is missing (the ``neural`` extra) is skipped with the reason.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import warnings

import pytest

PACKAGES = ["dicert", "dicert.graphs", "dicert.verify", "dicert.proofs"]
OPTIONAL = {"dicert.verify.neural": "jax"}
#: Modules whose examples fork plain-Python children: JAX (loaded by earlier tests) warns at any fork.
FORKING = {"dicert.verify.ranking.fork_team"}


def _module_names() -> list[str]:
    names: list[str] = []
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        names.append(package_name)
        if package_name == "dicert":
            continue
        for info in pkgutil.walk_packages(package.__path__, prefix=package_name + "."):
            names.append(info.name)
    return sorted(set(names))


@pytest.mark.parametrize("module_name", _module_names())
def test_docstring_examples_run(module_name: str) -> None:
    for prefix, requirement in OPTIONAL.items():
        if module_name.startswith(prefix):
            pytest.importorskip(requirement, reason=f"{module_name} needs the optional '{requirement}' extra")
    module = importlib.import_module(module_name)
    with warnings.catch_warnings():
        if module_name in FORKING:
            warnings.filterwarnings("ignore", r"os\.fork\(\) was called", RuntimeWarning)
        result = doctest.testmod(
            module,
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
            verbose=False,
            report=True,
        )
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {module_name}"

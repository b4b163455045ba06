"""Layering, read from the import statements themselves (AST), not by string search.

The three layers import in one direction only: ``graphs <- verify <- proofs``
(ARCHITECTURE.md). Every ``import`` and ``from ... import`` of every module is
parsed, relative imports are resolved against the module's own package, and
imports inside functions count too (a lazy import is still a dependency). The
test suite follows the same rule: ``tests/graphs`` needs nothing from
``verify`` or ``proofs``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"graphs": 0, "verify": 1, "proofs": 2}


def _module_name(path: Path) -> tuple[str, bool]:
    """Dotted name of a source file under its installed package, and whether it is a package."""
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    is_package = parts[-1] == "__init__"
    if is_package:
        parts = parts[:-1]
    return ".".join(["dicert", *parts]), is_package


def imported_modules(source: str, module: str, is_package: bool) -> set[str]:
    """Absolute names of every module a source imports (relative imports resolved).

    Examples
    --------
    >>> sorted(imported_modules("from . import x\\nimport dicert.graphs.qgraph", "dicert.verify.pmf", False))
    ['dicert.graphs.qgraph', 'dicert.verify']
    """
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
    return found


def _layer_of(name: str) -> int | None:
    parts = name.split(".")
    if len(parts) >= 2 and parts[0] == "dicert":
        return LAYERS.get(parts[1])
    return None


def _sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", sorted(LAYERS))
def test_layers_import_in_one_direction_only_by_ast(folder: str) -> None:
    offenders = []
    for path in _sources(folder):
        module, is_package = _module_name(path)
        for name in imported_modules(path.read_text(), module, is_package):
            layer = _layer_of(name)
            if layer is not None and layer > LAYERS[folder]:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders


def test_tests_of_graphs_import_nothing_above_graphs() -> None:
    offenders = []
    for path in _sources("tests/graphs"):
        for name in imported_modules(path.read_text(), "tests.graphs.x", False):
            layer = _layer_of(name)
            if layer is not None and layer > LAYERS["graphs"]:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, offenders


def test_the_ast_reader_sees_lazy_and_relative_imports() -> None:
    source = "def f():\n    from dicert.proofs import registry\nfrom ..capacity import x\n"
    names = imported_modules(source, "dicert.verify.certify.checks", False)
    assert "dicert.proofs" in names and "dicert.verify.capacity" in names

"""The checker imports no solver, capacity or proof module (AST walk over its transitive imports)."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import dicert.verify.certify.checker as checker_pkg

#: Imports the checker may make outside its own package.
ALLOWED_EXTERNAL = {"flint", "dicert.graphs.errors"}
STDLIB_OK = {"__future__", "ast", "copy", "contextlib", "dataclasses", "fractions", "hashlib", "json", "math", "re",
             "time", "typing", "platform", "importlib", "importlib.metadata", "collections", "functools", "itertools"}


def _imports(path: Path, package: str) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                out.add(f"{base}.{node.module}" if node.module else base)
            else:
                out.add(node.module)
    return out


def _closure() -> dict[str, set[str]]:
    root = "dicert.verify.certify.checker"
    todo, seen = [root], {}
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        spec = importlib.util.find_spec(name)
        path = Path(spec.origin)
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        seen[name] = _imports(path, package)
        for imp in seen[name]:
            if imp.startswith(root) or imp == "dicert.graphs.errors":
                todo.append(imp)
        if path.name == "__init__.py":
            todo.extend(f"{name}.{p.stem}" for p in path.parent.glob("*.py") if p.stem != "__init__")
    return seen


def test_checker_transitive_imports_are_only_stdlib_flint_and_errors() -> None:
    closure = _closure()
    assert "dicert.verify.certify.checker.core" in closure and "dicert.verify.certify.checker.kinds" in closure
    bad = {}
    for module, imports in closure.items():
        for imp in imports:
            top = imp.split(".")[0]
            if imp.startswith("dicert.verify.certify.checker") or imp in ALLOWED_EXTERNAL or top == "flint":
                continue
            if imp in STDLIB_OK or top in STDLIB_OK:
                continue
            bad.setdefault(module, []).append(imp)
    assert not bad, f"checker modules import outside the allow-list: {bad}"


def test_errors_module_imports_nothing_from_dicert() -> None:
    spec = importlib.util.find_spec("dicert.graphs.errors")
    imports = _imports(Path(spec.origin), "dicert.graphs")
    assert not [i for i in imports if i and i.startswith("dicert")], imports


def test_the_walk_would_catch_a_solver_import(tmp_path: Path) -> None:
    fake = tmp_path / "m.py"
    fake.write_text("from dicert.verify.capacity.qgraph_bounds import qgraph_upper_bound\nimport numpy\n")
    found = _imports(fake, "dicert.verify.certify.checker")
    assert "dicert.verify.capacity.qgraph_bounds" in found and "numpy" in found
    assert Path(checker_pkg.__file__).name == "__init__.py"

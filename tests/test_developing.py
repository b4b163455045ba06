"""DEVELOPING.md's layout matches the tree: every module it lists exists, and every module is listed.

The layout block (the first fenced block after ``## Layout``) names the three
layer folders, then, indented, their modules (``qgraph.py`` or ``io.py, draw.py``)
and subpackages (``capacity/``); ``tests/`` and ``benchmarks/`` lines are free text.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("graphs", "verify", "proofs")


def _layout_entries() -> dict[str, set[str]]:
    text = (ROOT / "DEVELOPING.md").read_text()
    block = text.split("## Layout", 1)[1].split("```", 2)[1]
    entries: dict[str, set[str]] = {}
    current: str | None = None
    for line in block.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" "):
            head = line.split()[0].rstrip("/")
            current = head if head in LAYERS else None
            if current:
                entries[current] = set()
            continue
        if current is None:
            continue
        names = line.strip().split("  ")[0]
        for name in re.split(r",\s*", names):
            if name.endswith(".py") or name.endswith("/"):
                entries[current].add(name)
    return entries


def _tree(layer: str) -> set[str]:
    folder = ROOT / layer
    found = {p.name for p in folder.glob("*.py") if p.name != "__init__.py"}
    found |= {p.name + "/" for p in folder.iterdir() if (p / "__init__.py").is_file()}
    return found


def test_developing_lists_every_module_of_each_layer() -> None:
    entries = _layout_entries()
    assert set(entries) == set(LAYERS)
    for layer in LAYERS:
        missing = _tree(layer) - entries[layer]
        assert not missing, f"DEVELOPING.md: add to the {layer}/ layout: {sorted(missing)}"


def test_developing_lists_no_module_that_does_not_exist() -> None:
    entries = _layout_entries()
    for layer in LAYERS:
        nested = {e for e in entries[layer] if "/" in e.rstrip("/")}  # e.g. capacity/qgraph_rank.py
        stale = (entries[layer] - nested) - _tree(layer)
        stale |= {e for e in nested if not (ROOT / layer / e).exists()}
        assert not stale, f"DEVELOPING.md: {layer}/ lists modules that do not exist: {sorted(stale)}"

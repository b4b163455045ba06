"""The certify registry is derived from the proof modules, each following one protocol (issue 18 item 3)."""

from __future__ import annotations

import types

import pytest

from dicert.proofs import registry
from dicert.proofs.registry import REGISTRY, ProofModule, entry_of, proof_modules


def test_every_result_module_follows_the_proof_module_protocol() -> None:
    modules = proof_modules()
    assert [m.NAME for m in modules] == sorted(REGISTRY)
    for module in modules:
        assert isinstance(module, ProofModule), module.__name__
        assert set(module.DEFAULTS) == set().union(*module.INSTANCES), module.NAME  # every instance sets every parameter
        assert REGISTRY[module.NAME] == entry_of(module)


def test_a_module_missing_a_protocol_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    broken = types.ModuleType("dicert.proofs.broken")
    broken.NAME = "broken"
    real_import = registry.importlib.import_module
    monkeypatch.setattr(registry.pkgutil, "iter_modules", lambda path: [types.SimpleNamespace(name="broken")])
    monkeypatch.setattr(registry.importlib, "import_module", lambda name: broken if name.endswith("broken") else real_import(name))
    with pytest.raises(TypeError, match="must define CHECK_KINDS, DEFAULTS, DESCRIPTION, INSTANCES, SOURCE, TITLE, build"):
        proof_modules()

"""Packaging: every subpackage ships, and a built wheel runs outside the source tree."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"graphs": "dicert.graphs", "verify": "dicert.verify", "proofs": "dicert.proofs"}


def _declared_packages() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return set(data["tool"]["setuptools"]["packages"])


def _source_packages() -> set[str]:
    found: set[str] = set()
    for folder, dotted in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder)
            parts = [p for p in relative.parts if p]
            found.add(".".join([dotted, *parts]))
    return found


def test_every_subpackage_is_declared_in_pyproject() -> None:
    missing = (_source_packages() | {"dicert"}) - _declared_packages()
    assert not missing, f"add to [tool.setuptools] packages: {sorted(missing)}"


def test_package_dir_maps_the_three_layers() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert data["tool"]["setuptools"]["package-dir"] == {"dicert": "dicert", **{v: k for k, v in FOLDERS.items()}}


def test_the_dicert_package_only_names_the_distribution() -> None:
    """``dicert/`` holds the version, the layer names and ``py.typed``; no code of a layer."""
    assert sorted(p.name for p in (ROOT / "dicert").iterdir() if p.name != "__pycache__") == ["__init__.py", "py.typed"]
    import dicert

    assert dicert.__version__ == __import__("importlib.metadata").metadata.version("dicert")
    assert dicert.proofs.__name__ == "dicert.proofs"


@pytest.mark.slow
def test_wheel_builds_and_runs_dicert_version_outside_the_source_tree(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        text=True,
    )
    wheels = list(dist.glob("dicert-*.whl"))
    assert len(wheels) == 1, wheels
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    # Reuse this environment's dependencies (not its editable dicert: a .pth line adds the
    # directory to sys.path without running the .pth files inside it).
    new_site = subprocess.run(
        [str(bindir / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(new_site, "_dicert_test_deps.pth").write_text("\n".join(p for p in sys.path if p.endswith("site-packages")) + "\n")
    subprocess.run(
        [str(bindir / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheels[0])],
        check=True,
        capture_output=True,
        text=True,
    )
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    where = subprocess.run(
        [str(bindir / "python"), "-c", "import dicert.graphs, dicert.verify, dicert.proofs.cli; print(dicert.graphs.__file__)"],
        cwd=outside,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert str(env_dir) in where, f"imported {where}, not the wheel"
    version = subprocess.run(
        [str(bindir / "dicert"), "--version"], cwd=outside, check=True, capture_output=True, text=True
    ).stdout
    assert version.startswith("dicert ")

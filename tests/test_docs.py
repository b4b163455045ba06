"""The documentation site builds with warnings as errors, and its gallery runs.

Needs the ``docs`` extra (Sphinx, numpydoc, sphinx-gallery); CI installs it. The
build imports every module for the API reference and runs every gallery script
(the monograph's figures), so a broken docstring or figure fails here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["index", "getting_started", "theory", "api", "cli", "tasks/certify", "tasks/bracket", "tasks/rank", "tasks/estimator"]


@pytest.mark.slow
def test_docs_build_without_warnings_and_the_gallery_runs(tmp_path: Path) -> None:
    pytest.importorskip("sphinx", reason="the docs build needs the 'docs' extra")
    pytest.importorskip("numpydoc", reason="the docs build needs the 'docs' extra")
    pytest.importorskip("sphinx_gallery", reason="the docs build needs the 'docs' extra")
    out = tmp_path / "html"
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-E", "-q", "-W", "--keep-going", "-b", "html", str(ROOT / "docs"), str(out)],
        capture_output=True,
        text=True,
        env={"MPLBACKEND": "Agg", **__import__("os").environ},
    )
    assert result.returncode == 0, result.stderr[-4000:]
    for page in PAGES:
        assert (out / f"{page}.html").is_file(), page
    figures = sorted((out / "_images").glob("sphx_glr_plot_*_001.png"))
    scripts = sorted((ROOT / "docs" / "gallery").glob("plot_*.py"))
    assert len(figures) == len(scripts) > 0, (figures, scripts)


def test_every_gallery_script_names_its_monograph_source() -> None:
    for script in sorted((ROOT / "docs" / "gallery").glob("plot_*.py")):
        text = script.read_text()
        assert text.startswith('"""'), script.name
        header = text.split('"""')[1]
        assert any(key in header for key in ("Fig.", "Thm", "(3.", "(4.")), script.name

"""Q-graph drawings: files are written in the requested format with every edge label."""

from __future__ import annotations

from pathlib import Path

import pytest

from dicert.graphs import InvalidInput, QGraph, debruijn_qgraph, draw_qgraph


def test_png_drawing_is_a_non_empty_png(tmp_path: Path) -> None:
    out = draw_qgraph(QGraph([[0, 1], [2, 0], [2, 1]]), tmp_path / "g.png", title="three nodes")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000


def test_svg_drawing_labels_every_edge_including_loops_and_parallel_edges(tmp_path: Path) -> None:
    # node 0: self loop on y=0 and y=1 (two loops); node 1: two parallel edges to 0; r = 3
    g = QGraph([[0, 0, 1], [0, 0, 0]])
    out = draw_qgraph(g, tmp_path / "g.svg", title="loops")
    svg = out.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    # matplotlib writes each text as a comment with its content
    assert svg.count("<!-- y=0 -->") == 3 and svg.count("<!-- y=1 -->") == 3 and svg.count("<!-- y=2 -->") == 3  # 2 edges + legend
    assert "<!-- loops -->" in svg


def test_larger_graph_and_pdf_output(tmp_path: Path) -> None:
    out = draw_qgraph(debruijn_qgraph(3, 2), tmp_path / "db3.pdf")
    assert out.read_bytes()[:5] == b"%PDF-"


def test_unknown_format_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"^path: expected a file ending in \.png, \.svg or \.pdf"):
        draw_qgraph(QGraph([[0]]), tmp_path / "g.jpg")

"""Q-graph files: JSON round trip and field-naming errors, DOT and GraphML export."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings

from dicert.graphs import InvalidGraph, QGraph, debruijn_qgraph, load_qgraph, save_graphml, save_qgraph, to_dot
from dicert.graphs.strategies import qgraphs, strongly_connected_qgraphs


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(g=strongly_connected_qgraphs())
def test_json_round_trip_returns_an_equal_graph(tmp_path: Path, g: QGraph) -> None:
    path = tmp_path / "g.json"
    save_qgraph(g, path)
    assert load_qgraph(path) == g
    assert json.loads(path.read_text()) == g.to_dict()


def test_non_strongly_connected_graph_loads_only_when_allowed(tmp_path: Path) -> None:
    g = QGraph([[0, 1], [1, 1]])
    path = tmp_path / "g.json"
    save_qgraph(g, path)
    with pytest.raises(InvalidGraph, match=r"^phi: not strongly connected, node 1 cannot reach node 0$"):
        load_qgraph(path)
    assert load_qgraph(path, strongly_connected=False) == g


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"nodes": 3, "outputs": 2, "phi": [[0, 1], [2, 0]]}', "phi: expected a list of 3 rows of 2 ints"),
        ('{"nodes": 2, "outputs": 2, "phi": [[0, 1], [2, 0]]}', "phi[1, 0]: next node 2 out of range 0..1"),
        ('{"nodes": 2, "outputs": 2, "phi": [[0, 1], [1.0, 0]]}', "phi: expected a list of 2 rows of 2 ints"),
        ('{"nodes": 2, "phi": [[0, 1], [1, 0]]}', "outputs: missing; expected keys nodes, outputs, phi"),
        ('{"nodes": 1, "outputs": 1, "phi": [[0]], "edges": []}', "graph: unknown key(s) edges; expected nodes, outputs, phi"),
        ('{"nodes": "2", "outputs": 2, "phi": []}', "nodes: expected an integer >= 1, got '2'"),
        ("[[0, 1], [1, 0]]", "graph: expected an object with keys nodes, outputs, phi; got list"),
        ('{"nodes": 1, "outputs": 1, "phi": [[0]]', "bad.json: not valid JSON (line 1, column 40: Expecting ',' delimiter)"),
    ],
)
def test_malformed_file_error_names_the_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(InvalidGraph) as info:
        load_qgraph(path)
    assert str(info.value).removeprefix(str(tmp_path) + "/") == message


def test_missing_file_error_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(InvalidGraph, match=r"nowhere\.json: cannot read Q-graph file \(No such file"):
        load_qgraph(tmp_path / "nowhere.json")


def test_dot_lists_every_labelled_edge() -> None:
    g = debruijn_qgraph(2, 2)
    dot = to_dot(g, name="DB2")
    assert dot.startswith("digraph DB2 {") and dot.endswith("}")
    for q in range(4):
        for y in range(2):
            assert f'  {q} -> {g.phi[q, y]} [label="y={y}"];' in dot
    assert dot.count("->") == 8
    with pytest.raises(InvalidGraph, match=r"^name: expected a DOT identifier"):
        to_dot(g, name="two words")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=30)
@given(g=qgraphs())
def test_graphml_export_reads_back_as_the_same_labelled_multigraph(tmp_path: Path, g: QGraph) -> None:
    path = tmp_path / "g.graphml"
    save_graphml(g, path)
    back = nx.read_graphml(path, node_type=int)
    assert sorted(back.nodes) == list(range(g.m))
    assert sorted(back.edges(data="y")) == sorted((q, int(g.phi[q, y]), y) for q in range(g.m) for y in range(g.r))


def test_writers_reject_non_graphs(tmp_path: Path) -> None:
    with pytest.raises(InvalidGraph, match=r"^graph: expected a QGraph, got list"):
        save_qgraph([[0]], tmp_path / "x.json")  # type: ignore[arg-type]

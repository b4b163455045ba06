"""Q-graph files: JSON (read and write), Graphviz DOT and GraphML (write).

The JSON form is ``{"nodes": m, "outputs": r, "phi": [[...], ...]}`` where
``phi[q][y]`` is the node reached from node ``q`` on output ``y`` (monograph
sec. 4.4.1, the map ``Phi: Q x Y -> Q``).  Example file (the 2-node graph
``Phi(q, y) = y`` that remembers the last output)::

    {"nodes": 2, "outputs": 2, "phi": [[0, 1], [0, 1]]}

Examples
--------
>>> import tempfile, pathlib
>>> from dicert.graphs.qgraph import QGraph
>>> path = pathlib.Path(tempfile.mkdtemp()) / "g.json"
>>> save_qgraph(QGraph([[0, 1], [0, 1]]), path)
>>> load_qgraph(path)
QGraph(m=2, r=2, phi=[[0, 1], [0, 1]])
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from dicert.graphs.errors import InvalidGraph
from dicert.graphs.memory import guard_bytes, json_file_bytes
from dicert.graphs.qgraph import QGraph, require_strongly_connected

__all__ = ["load_qgraph", "save_qgraph", "to_dot", "save_graphml"]


def save_qgraph(g: QGraph, path: str | os.PathLike[str]) -> None:
    """Write ``g`` as JSON ``{"nodes": m, "outputs": r, "phi": [...]}`` (one row per line).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "one.json"
    >>> save_qgraph(QGraph([[0, 0]]), path)
    >>> print(path.read_text(), end="")
    {"nodes": 1, "outputs": 2, "phi": [
      [0, 0]
    ]}
    """
    if not isinstance(g, QGraph):
        raise InvalidGraph(f"graph: expected a QGraph, got {type(g).__name__}")
    rows = ",\n".join("  " + json.dumps(row) for row in g.phi.tolist())
    text = f'{{"nodes": {g.m}, "outputs": {g.r}, "phi": [\n{rows}\n]}}\n'
    Path(path).write_text(text, encoding="utf-8")


def load_qgraph(path: str | os.PathLike[str], *, strongly_connected: bool = True) -> QGraph:
    """Read a Q-graph JSON file written by :func:`save_qgraph` (or by hand), validating every field.

    Parameters
    ----------
    path : str or path-like
        The JSON file.
    strongly_connected : bool, optional
        Require the graph to be strongly connected, as a Q-graph must be
        (sec. 4.4.1).  Default True.

    Raises
    ------
    InvalidGraph
        If the file cannot be read, is not JSON, has unknown or missing keys,
        or ``phi`` is malformed; the message starts with the offending field.
    TooLarge
        If parsing the file would exceed the memory limit (checked from its size
        before it is read, :func:`dicert.graphs.memory.guard_bytes`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "bad.json"
    >>> _ = path.write_text('{"nodes": 3, "outputs": 2, "phi": [[0, 1], [2, 0]]}')
    >>> load_qgraph(path)
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidGraph: phi: expected a list of 3 rows of 2 ints
    """
    p = Path(path)
    if p.is_dir():
        raise InvalidGraph(f"{p}: is a directory, expected a Q-graph .json file")
    try:
        guard_bytes(json_file_bytes(p.stat().st_size), str(p), "parsing the Q-graph file")
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidGraph(f"{p}: cannot read Q-graph file ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise InvalidGraph(f"{p}: Q-graph file is not UTF-8 text") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidGraph(f"{p}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise InvalidGraph(f"{p}: JSON nested too deeply") from None
    g = QGraph.from_dict(data)
    if strongly_connected:
        require_strongly_connected(g)
    return g


def to_dot(g: QGraph, name: str = "Q") -> str:
    """Graphviz DOT source: one edge per ``(q, y)``, labelled ``y=<y>``.

    Examples
    --------
    >>> print(to_dot(QGraph([[0, 1], [0, 0]])))
    digraph Q {
      rankdir=LR;
      node [shape=circle];
      0;
      1;
      0 -> 0 [label="y=0"];
      0 -> 1 [label="y=1"];
      1 -> 0 [label="y=0"];
      1 -> 0 [label="y=1"];
    }
    """
    if not isinstance(g, QGraph):
        raise InvalidGraph(f"graph: expected a QGraph, got {type(g).__name__}")
    if not name.isidentifier():
        raise InvalidGraph(f"name: expected a DOT identifier (letters, digits, underscore), got {name!r}")
    lines = [f"digraph {name} {{", "  rankdir=LR;", "  node [shape=circle];"]
    lines += [f"  {q};" for q in range(g.m)]
    for q, row in enumerate(g.phi.tolist()):
        for y, nxt in enumerate(row):
            lines.append(f'  {q} -> {nxt} [label="y={y}"];')
    lines.append("}")
    return "\n".join(lines)


def save_graphml(g: QGraph, path: str | os.PathLike[str]) -> None:
    """Write ``g`` as GraphML (via :meth:`QGraph.to_networkx`; edge attribute ``y``).

    Examples
    --------
    >>> import tempfile, pathlib, networkx as nx
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "g.graphml"
    >>> save_graphml(QGraph([[0, 1], [0, 0]]), path)
    >>> sorted(nx.read_graphml(path, node_type=int).edges(data="y"))
    [(0, 0, 0), (0, 1, 1), (1, 0, 0), (1, 0, 1)]
    """
    if not isinstance(g, QGraph):
        raise InvalidGraph(f"graph: expected a QGraph, got {type(g).__name__}")
    import networkx as nx

    nx.write_graphml(g.to_networkx(), str(path))

"""Drawings of Q-graphs (PNG, SVG or PDF) with matplotlib, in the style of the monograph's Fig. 4.3-4.4.

Nodes sit on a circle (node 0 on top, then clockwise); every edge
``q --y--> phi[q, y]`` is drawn separately and labelled ``y=<y>``, parallel
edges bend by different amounts and self loops point away from the centre,
so that every one of the ``m * r`` edges stays visible.  Colours distinguish
the output symbols (colour-blind safe palette).  No pyplot state is used.

Examples
--------
>>> import tempfile, pathlib
>>> from dicert.graphs.qgraph import QGraph
>>> out = draw_qgraph(QGraph([[0, 1], [0, 0]]), pathlib.Path(tempfile.mkdtemp()) / "g.svg")
>>> out.suffix, out.stat().st_size > 0
('.svg', True)
"""

from __future__ import annotations

import math
import os
from typing import Any
from pathlib import Path
from typing import Any

import numpy as np

from dicert.graphs.errors import InvalidGraph, InvalidInput
from dicert.graphs.qgraph import QGraph

__all__ = ["draw_qgraph"]

#: Okabe-Ito colours, one per output symbol (cycled when ``r`` is larger).
_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")
_FORMATS = {".png", ".svg", ".pdf"}
_NODE_RADIUS = 0.13
#: Where along an edge (0 = source, 1 = target) its label sits; off-centre so
#: that the labels of opposite edges and of crossing chords do not collide.
_LABEL_AT = 0.33
#: Other positions tried, in order, when a label would cover another label or a node.
_LABEL_TRIES = (0.0, 0.1, -0.1, 0.2, -0.13, 0.3)
_LABEL_CLEARANCE = 0.3


def _layout(m: int) -> np.ndarray:
    if m == 1:
        return np.zeros((1, 2))
    angles = math.pi / 2 - 2 * math.pi * np.arange(m) / m
    radius = max(1.0, 0.25 * m)  # keeps neighbouring nodes about 1.5 units apart
    return radius * np.column_stack([np.cos(angles), np.sin(angles)])


def _rotate(v: np.ndarray, degrees: float) -> np.ndarray:
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    return np.array([c * v[0] - s * v[1], s * v[0] + c * v[1]])


def _free_spot(a: np.ndarray, control: np.ndarray, b: np.ndarray, t0: float, placed: list[np.ndarray], nodes: np.ndarray) -> np.ndarray:
    """A point on the quadratic Bezier ``a, control, b`` near ``t0`` away from other labels and nodes."""

    def point(t: float) -> np.ndarray:
        return (1 - t) ** 2 * a + 2 * t * (1 - t) * control + t**2 * b

    for shift in _LABEL_TRIES:
        spot = point(t0 + shift)
        near_label = any(np.hypot(*(spot - other)) < _LABEL_CLEARANCE for other in placed)
        near_node = bool(np.min(np.hypot(*(nodes - spot).T)) < _NODE_RADIUS + 0.12)
        if not (near_label or near_node):
            return spot
    return point(t0)


def draw_qgraph(g: QGraph, path: str | os.PathLike[str], title: str | None = None, *, dpi: int = 200) -> Path:
    """Draw a Q-graph to ``path``; the format (PNG, SVG, PDF) follows the file suffix.

    Parameters
    ----------
    g : QGraph
        The graph (sec. 4.4.1); any ``m``, ``r``.
    path : str or path-like
        Output file ending in ``.png``, ``.svg`` or ``.pdf``.
    title : str, optional
        Title above the drawing.
    dpi : int, optional
        Resolution of PNG output.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    InvalidInput
        If the suffix is not one of ``.png``, ``.svg``, ``.pdf``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from dicert.graphs.debruijn import debruijn_qgraph
    >>> out = draw_qgraph(debruijn_qgraph(2, 2), pathlib.Path(tempfile.mkdtemp()) / "db2.png", title="de Bruijn, k=2")
    >>> out.read_bytes()[:4] == b"\\x89PNG"
    True
    """
    out = _checked_path(g, path, dpi)
    from matplotlib.figure import Figure

    size = 3.2 + 0.5 * max(g.m - 3, 0)
    fig = Figure(figsize=(size, size), layout="constrained")
    canvas = _Canvas(fig.add_subplot(), _layout(g.m))
    phi = g.phi.tolist()
    for q in range(g.m):
        for j, y in enumerate(y for y in range(g.r) if phi[q][y] == q):
            canvas.self_loop(q, y, j)
        for target in sorted({t for t in phi[q] if t != q}):
            for j, y in enumerate(y for y in range(g.r) if phi[q][y] == target):
                canvas.edge(q, target, y, j)
    canvas.finish(fig, g.r, title)
    fig.savefig(out, dpi=dpi, bbox_inches="tight")
    return out


def _checked_path(g: QGraph, path: str | os.PathLike[str], dpi: int) -> Path:
    if not isinstance(g, QGraph):
        raise InvalidGraph(f"graph: expected a QGraph, got {type(g).__name__}")
    out = Path(path)
    if out.suffix.lower() not in _FORMATS:
        raise InvalidInput(f"path: expected a file ending in .png, .svg or .pdf, got {str(out)!r}")
    if not isinstance(dpi, int) or dpi < 10:
        raise InvalidInput(f"dpi: expected an integer >= 10, got {dpi!r}")
    return out


class _Canvas:
    """One drawing: the nodes on their circle, the label spots used so far and the extent to show."""

    def __init__(self, ax: Any, pos: np.ndarray) -> None:
        from matplotlib.patches import Circle

        self.ax, self.pos, self.centre = ax, pos, pos.mean(axis=0)
        ax.set_aspect("equal")
        ax.axis("off")
        self.label_box: dict[str, Any] = {"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.9}
        self.arrow: dict[str, Any] = {"arrowstyle": "-|>", "mutation_scale": 11, "linewidth": 1.3, "zorder": 1}
        self.placed: list[np.ndarray] = []  # label centres so far
        self.extent = [pos.min(axis=0) - 0.3, pos.max(axis=0) + 0.3]
        centres: list[Any] = list(pos)
        self.circles = [Circle(centres[q], _NODE_RADIUS, facecolor="#F2F2F2", edgecolor="#333333", linewidth=1.4, zorder=2)
                        for q in range(len(pos))]
        for circle in self.circles:
            ax.add_patch(circle)

    def _label(self, spot: np.ndarray, y: int, low: np.ndarray, high: np.ndarray) -> None:
        self.placed.append(spot)
        self.extent[0] = np.minimum(self.extent[0], low - 0.2)
        self.extent[1] = np.maximum(self.extent[1], high + 0.2)
        self.ax.text(*spot, f"y={y}", color=_COLOURS[y % len(_COLOURS)], fontsize=8, ha="center", va="center",
                     bbox=self.label_box, zorder=3)

    def self_loop(self, q: int, y: int, j: int) -> None:
        """The ``j``-th self loop at ``q`` (label ``y``), pointing away from the centre."""
        from matplotlib.patches import FancyArrowPatch
        from matplotlib.path import Path as MplPath

        outward = self.pos[q] - self.centre
        norm = float(np.hypot(*outward))
        outward = outward / norm if norm > 1e-9 else np.array([0.0, 1.0])
        reach, spread = 0.5 + 0.36 * j, 38 + 5 * j
        p0 = self.pos[q] + _NODE_RADIUS * _rotate(outward, spread)
        p3 = self.pos[q] + _NODE_RADIUS * _rotate(outward, -spread)
        c1 = self.pos[q] + reach * _rotate(outward, spread - 6)
        c2 = self.pos[q] + reach * _rotate(outward, -spread + 6)
        loop = MplPath([p0, c1, c2, p3], [MplPath.MOVETO, MplPath.CURVE4, MplPath.CURVE4, MplPath.CURVE4])
        self.ax.add_patch(FancyArrowPatch(path=loop, color=_COLOURS[y % len(_COLOURS)], **self.arrow))
        apex = (p0 + 3 * c1 + 3 * c2 + p3) / 8 + 0.1 * outward
        self._label(apex, y, apex, apex)

    def edge(self, q: int, target: int, y: int, j: int) -> None:
        """The ``j``-th edge ``q -> target`` (label ``y``), bent by ``j`` so parallel edges stay apart."""
        from matplotlib.patches import FancyArrowPatch

        rad = 0.16 + 0.3 * j
        a, b = self.pos[q], self.pos[target]
        ends: tuple[Any, Any] = (a, b)
        self.ax.add_patch(FancyArrowPatch(*ends, connectionstyle=f"arc3,rad={rad}", color=_COLOURS[y % len(_COLOURS)],
                                          patchA=self.circles[q], patchB=self.circles[target], shrinkA=1, shrinkB=1,
                                          **self.arrow))
        dx, dy = b - a
        control = (a + b) / 2 + rad * np.array([dy, -dx])  # the arc3 control point
        spot = _free_spot(a, control, b, _LABEL_AT + 0.08 * j, self.placed, self.pos)
        bend = 0.5 * (a + b) / 2 + 0.5 * control  # the curve's farthest point
        self._label(spot, y, np.minimum(bend, spot), np.maximum(bend, spot))

    def finish(self, fig: Any, r: int, title: str | None) -> None:
        """Node numbers, limits, the legend of output colours, the title."""
        from matplotlib.lines import Line2D

        for q, xy in enumerate(self.pos):
            self.ax.text(*xy, str(q), fontsize=11, ha="center", va="center", zorder=4)
        self.ax.set_xlim(self.extent[0][0], self.extent[1][0])
        self.ax.set_ylim(self.extent[0][1], self.extent[1][1])
        handles = [Line2D([], [], color=_COLOURS[y % len(_COLOURS)], lw=1.6, label=f"y={y}") for y in range(r)]
        fig.legend(handles=handles, loc="outside lower center", ncols=min(r, 6), fontsize=8, frameon=False,
                   handlelength=1.6)
        if title:
            self.ax.set_title(title, fontsize=10)

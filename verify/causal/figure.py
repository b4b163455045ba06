"""Fig. 2.2 of the monograph: a confounder before and after the intervention ``do(X = x)`` (sec. 2.6).

Panel (a) draws the DAG of a :class:`~dicert.verify.causal.CausalModel`,
panel (b) the DAG of ``model.do({X: x})`` (the arrows into ``X`` cut, ``X``
marked as set by the intervention). The graphs drawn are the models' own
graphs, so the figure shows what :meth:`CausalModel.do` computes. Writes
``<stem>.png`` and ``<stem>.svg``.

Examples
--------
>>> sorted(confounder_model().do({"X": 1}).graph.edges)     # panel (b): the arrow Z -> X is cut
[('Z', 'Y')]
"""

from __future__ import annotations

import os
from collections.abc import Hashable
from pathlib import Path
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from dicert.verify.causal.model import CausalModel
from dicert.verify.plots import _figure, _save

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["figure_2_2", "confounder_model"]


def confounder_model(strength: float = 0.9) -> CausalModel:
    """The SCM of Fig. 2.2: ``Z ~ Bern(1/2)``, ``X`` and ``Y`` noisy copies of ``Z``, no arrow ``X -> Y``.

    Examples
    --------
    >>> sorted(confounder_model().graph.edges)
    [('Z', 'X'), ('Z', 'Y')]
    """
    copy = np.array([[strength, 1 - strength], [1 - strength, strength]])
    graph = nx.DiGraph([("Z", "X"), ("Z", "Y")])
    return CausalModel.from_mechanisms(graph, {"Z": [0.5, 0.5], "X": copy, "Y": copy})


def _draw(ax: Axes, graph: nx.DiGraph, fixed: set[str], title: str) -> None:
    positions = {"Z": (0.5, 1.0), "X": (0.0, 0.0), "Y": (1.0, 0.0)}
    extra = [n for n in graph.nodes if n not in positions]
    for k, name in enumerate(extra):
        positions[name] = (0.5, -0.6 - 0.4 * k)
    colours = ["#D55E00" if n in fixed else "#0072B2" for n in graph.nodes]
    nx.draw_networkx_nodes(graph, positions, ax=ax, node_color=colours, node_size=900)
    nx.draw_networkx_labels(graph, positions, ax=ax, font_color="white", font_weight="bold")
    nx.draw_networkx_edges(graph, positions, ax=ax, arrows=True, arrowsize=18, node_size=900)
    ax.set_title(title, fontsize=10)
    ax.set_axis_off()
    ax.margins(0.25)


def figure_2_2(
    stem: str | os.PathLike[str], model: CausalModel | None = None, variable: str = "X", value: Hashable = 1
) -> list[Path]:
    """Draw Fig. 2.2: (a) the model's DAG, (b) the DAG after ``do(variable = value)``; returns the paths.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> len(figure_2_2(pathlib.Path(tempfile.mkdtemp()) / "f"))
    2
    """
    model = confounder_model() if model is None else model
    intervened = model.do({variable: value})
    fig = _figure(6.0, 2.8)
    left, right = fig.subplots(1, 2)
    _draw(left, model.graph, set(), "(a) Original DAG")
    _draw(right, intervened.graph, {variable}, f"(b) do({variable} = {value})")
    return _save(fig, stem)

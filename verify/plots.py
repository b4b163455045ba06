"""Publication figures for the feedback-capacity tools (matplotlib, Agg, no pyplot state).

* :func:`plot_value_iteration` -- Fig. 4.2 of the monograph for a two-state channel:
  the value function ``h_k`` after ``k`` iterations of (4.29) from ``h_0 = 0``, the
  histogram of the beliefs visited by the MDP (4.30) under the greedy policy, and
  the maximising actions (``delta*`` and ``gamma*`` for the Ising channel,
  ``P(X = 0 | S = s)`` otherwise);
* :func:`plot_value_function`, :func:`plot_policy`, :func:`plot_belief_histogram` --
  the panels on their own;
* :func:`plot_qgraph` -- a discovered Q-graph (drawn by :func:`dicert.graphs.draw.draw_qgraph`);
* :func:`plot_nletter_bounds` -- the n-letter lower/upper bound sequences.

Every function writes ``<stem>.png`` and ``<stem>.svg`` and returns both paths.
Rates and values are in bits.

Examples
--------
>>> import tempfile, pathlib
>>> import numpy as np
>>> from dicert.verify.plots import plot_belief_histogram
>>> paths = plot_belief_histogram(np.array([[0.2, 0.8], [0.7, 0.3]]), pathlib.Path(tempfile.mkdtemp()) / "h")
>>> [p.suffix for p in paths]
['.png', '.svg']
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from dicert.verify.errors import InvalidInput

__all__ = [
    "FIGURE_FORMATS",
    "plot_value_function",
    "plot_policy",
    "plot_belief_histogram",
    "plot_value_iteration",
    "plot_qgraph",
    "plot_nletter_bounds",
]

#: Every figure is written in these formats.
FIGURE_FORMATS = (".png", ".svg")
_BLUE, _ORANGE, _GREEN, _PURPLE = "#0072B2", "#D55E00", "#009E73", "#CC79A7"


def _figure(width: float, height: float) -> Any:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig


def _style(ax: Any) -> None:
    ax.grid(True, color="0.9", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _save(fig: Any, stem: str | os.PathLike[str]) -> list[Path]:
    stem = Path(stem)
    if stem.suffix.lower() in FIGURE_FORMATS:
        stem = stem.with_suffix("")
    stem.parent.mkdir(parents=True, exist_ok=True)
    out = []
    for suffix in FIGURE_FORMATS:
        path = stem.with_name(stem.name + suffix)
        fig.savefig(path, dpi=200)
        out.append(path)
    return out


def _two_state(beliefs: np.ndarray) -> np.ndarray:
    beliefs = np.asarray(beliefs, dtype=float)
    if beliefs.ndim != 2 or beliefs.shape[1] != 2:
        raise InvalidInput(f"beliefs: expected shape (N, 2) (a two-state channel), got {beliefs.shape}")
    return beliefs[:, 0]


def _draw_value(ax: Any, z: np.ndarray, h: np.ndarray, label: str) -> None:
    ax.plot(z, h, color=_BLUE, linewidth=1.6, label=label)
    ax.set_xlabel(r"belief $z = P(S = 0 \mid y^t)$")
    ax.set_ylabel("value (bits)")
    ax.set_xlim(0, 1)
    ax.legend(frameon=False, loc="lower center")
    _style(ax)


def _policy_curves(mdp: Any, policy: np.ndarray, ising: bool) -> list[tuple[str, str, np.ndarray, str]]:
    """``(panel title, legend label, values, colour)`` of each plotted action parameter."""
    actions = mdp.actions[np.asarray(policy)]
    z = mdp.beliefs[:, 0]
    if ising:
        from dicert.verify.capacity.belief_mdp import ising_parameters

        delta, gamma = ising_parameters(mdp.beliefs, actions)
        return [
            (r"$\delta^*(z)$", r"$\delta^*(z) = z\,\Pi(0,0)$", delta, _BLUE),
            (r"$\gamma^*(z)$", r"$\gamma^*(z) = (1-z)\,\Pi(1,1)$", gamma, _ORANGE),
        ]
    colours = (_BLUE, _ORANGE, _GREEN, _PURPLE)
    curves = []
    for s in range(actions.shape[1]):
        label = rf"$P(X=0 \mid S={s})$"
        curves.append((label, label, actions[:, s, 0], colours[s % 4]))
    del z
    return curves


def _is_ising(mdp: Any) -> bool:
    return "ising" in str(getattr(mdp, "name", "")).lower() and mdp.law.shape == (2, 2, 2)


def plot_value_function(
    z: np.ndarray, h: np.ndarray, stem: str | os.PathLike[str], *, label: str = r"$h(z)$"
) -> list[Path]:
    """Plot a value function ``h(z)`` of a two-state belief MDP (bits).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> z = np.linspace(0, 1, 11)
    >>> len(plot_value_function(z, z * (1 - z), pathlib.Path(tempfile.mkdtemp()) / "h"))
    2
    """
    z = np.asarray(z, dtype=float)
    h = np.asarray(h, dtype=float)
    if z.shape != h.shape or z.ndim != 1:
        raise InvalidInput(f"h: expected the shape of z {z.shape}, got {h.shape}")
    fig = _figure(4.2, 3.0)
    ax = fig.add_subplot()
    _draw_value(ax, z, h, label)
    ax.set_title("Value function")
    return _save(fig, stem)


def plot_policy(mdp: Any, policy: np.ndarray, stem: str | os.PathLike[str]) -> list[Path]:
    """Plot the greedy action against the belief (two-state channels).

    For the binary Ising channel the action parameters ``delta*`` and ``gamma*`` of
    (4.30)-(4.31); otherwise ``P(X = 0 | S = s)`` per state.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from dicert.verify.channels import parse_channel
    >>> from dicert.verify.capacity.belief_mdp import BeliefMDP
    >>> mdp = BeliefMDP(parse_channel("ising"), belief_resolution=10, action_resolution=4)
    >>> _, act = mdp.bellman(mdp.beliefs[:, 0] * 0)
    >>> len(plot_policy(mdp, act, pathlib.Path(tempfile.mkdtemp()) / "p"))
    2
    """
    z = _two_state(mdp.beliefs)
    fig = _figure(4.2, 3.0)
    ax = fig.add_subplot()
    for _, label, values, colour in _policy_curves(mdp, policy, _is_ising(mdp)):
        ax.plot(z, values, color=colour, linewidth=1.6, label=label)
    ax.set_xlabel(r"belief $z = P(S = 0 \mid y^t)$")
    ax.set_ylabel("action parameter (probability)")
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("Greedy policy")
    ax.legend(frameon=False)
    _style(ax)
    return _save(fig, stem)


def _draw_histogram(ax: Any, z: np.ndarray, bins: int) -> None:
    weights = np.full(len(z), 1.0 / len(z))
    ax.hist(z, bins=bins, range=(0, 1), weights=weights, color=_GREEN, edgecolor=_GREEN,
            label=f"visit frequency\n(bin width {1 / bins:g})")
    ax.set_xlabel(r"belief $z = P(S = 0 \mid y^t)$")
    ax.set_ylabel("relative frequency")
    ax.set_xlim(0, 1)
    ax.set_ylim(0.0, 1.3 * float(ax.get_ylim()[1]))
    ax.legend(frameon=False, loc="upper center")
    _style(ax)


def plot_belief_histogram(beliefs: np.ndarray, stem: str | os.PathLike[str], *, bins: int = 50) -> list[Path]:
    """Histogram of visited beliefs: ``z = beta(0)`` for two states, a simplex scatter for three.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> b = np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    >>> len(plot_belief_histogram(b, pathlib.Path(tempfile.mkdtemp()) / "h3"))
    2
    """
    beliefs = np.asarray(beliefs, dtype=float)
    if beliefs.ndim != 2 or beliefs.shape[0] == 0 or beliefs.shape[1] < 2:
        raise InvalidInput(f"beliefs: expected a non-empty (T, S) array with S >= 2, got shape {beliefs.shape}")
    fig = _figure(4.2, 3.2)
    ax = fig.add_subplot()
    if beliefs.shape[1] == 2:
        _draw_histogram(ax, beliefs[:, 0], bins)
        ax.set_title("Visited beliefs (after burn-in)")
    else:
        # barycentric coordinates of the first three states on an equilateral triangle
        corners = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])
        b3 = beliefs[:, :3] / np.maximum(beliefs[:, :3].sum(axis=1, keepdims=True), 1e-300)
        xy = b3 @ corners
        unique, counts = np.unique(np.round(xy, 3), axis=0, return_counts=True)
        ax.plot(*np.vstack([corners, corners[:1]]).T, color="0.5", linewidth=0.8)
        for k, name in enumerate(("S=0", "S=1", "S=2")):
            ax.annotate(name, corners[k], textcoords="offset points", xytext=(0, -12 if k < 2 else 6), ha="center")
        sc = ax.scatter(unique[:, 0], unique[:, 1], s=8 + 200 * counts / counts.max(), c=counts / counts.sum(),
                        cmap="viridis", label="visited belief")
        fig.colorbar(sc, ax=ax, label="relative frequency")
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.legend(frameon=False, loc="upper right")
        ax.set_title("Visited beliefs (simplex)")
    return _save(fig, stem)


def plot_value_iteration(
    mdp: Any,
    stem: str | os.PathLike[str],
    *,
    iterations: int = 20,
    steps: int = 3000,
    burn_in: int = 200,
    rng: np.random.Generator | int | None = 0,
) -> tuple[list[Path], dict[str, Any]]:
    """Reproduce Fig. 4.2: ``h_k``, the belief histogram and the maximising actions.

    Runs ``iterations`` applications of the Bellman operator (4.29) from ``h_0 = 0``
    (raw, not relative), takes the maximisers of ``h_k = T h_{k-1}`` and simulates
    the MDP under them (greedy one-step lookahead on ``h_{k-1}``).

    Returns
    -------
    (paths, data):
        The written files and the plotted data: ``z``, ``h`` (``h_k``), ``policy``
        (action indices), ``visited`` (beliefs after the burn-in).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from dicert.verify.channels import parse_channel
    >>> from dicert.verify.capacity.belief_mdp import BeliefMDP
    >>> mdp = BeliefMDP(parse_channel("ising"), belief_resolution=20, action_resolution=8)
    >>> paths, data = plot_value_iteration(mdp, pathlib.Path(tempfile.mkdtemp()) / "f", iterations=5, steps=300)
    >>> len(paths), data["h"].shape
    (2, (21,))
    """
    from dicert.verify.capacity.discover import simulate_beliefs

    z = _two_state(mdp.beliefs)
    if iterations < 1:
        raise InvalidInput(f"iterations: expected an integer >= 1, got {iterations}")
    h_prev = np.zeros(len(z))
    if iterations > 1:
        h_prev = mdp.value_iteration(max_iter=iterations - 1, tol=0.0, relative=False).h
    h_k, policy = mdp.bellman(h_prev)
    path = simulate_beliefs(mdp, h_prev, steps, rng=rng)
    visited = path.beliefs[burn_in:]
    fig = _figure(8.4, 6.0)
    axes = fig.subplots(2, 2)
    _draw_value(axes[0, 0], z, h_k, rf"$h_{{{iterations}}}(z)$")
    axes[0, 0].set_title(rf"Value function after {iterations} iterations of (4.29)")
    _draw_histogram(axes[0, 1], visited[:, 0], bins=50)
    axes[0, 1].set_title("Histogram of visited MDP states")
    curves = _policy_curves(mdp, policy, _is_ising(mdp))
    for ax, (title, label, values, colour) in zip(axes[1], curves[:2], strict=False):
        ax.plot(z, values, color=colour, linewidth=1.6, label=label)
        ax.set_xlabel(r"belief $z = P(S = 0 \mid y^t)$")
        ax.set_ylabel("probability")
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.02, 1.02)
        ax.set_title("Maximising action: " + title)
        ax.legend(frameon=False, loc="best")
        _style(ax)
    fig.suptitle(f"Belief MDP of the {mdp.name} channel (cf. monograph Fig. 4.2)")
    data = {"z": z, "h": h_k, "policy": policy, "visited": visited}
    return _save(fig, stem), data


def plot_qgraph(graph: Any, stem: str | os.PathLike[str], *, title: str | None = None) -> list[Path]:
    """Draw a Q-graph with labelled edges (PNG + SVG) via :func:`dicert.graphs.draw.draw_qgraph`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from dicert.graphs.qgraph import QGraph
    >>> len(plot_qgraph(QGraph([[0, 1], [0, 0]]), pathlib.Path(tempfile.mkdtemp()) / "g"))
    2
    """
    from dicert.graphs.draw import draw_qgraph

    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    return [Path(draw_qgraph(graph, stem.with_name(stem.name + suffix), title)) for suffix in FIGURE_FORMATS]


def plot_nletter_bounds(
    bounds: Any,
    stem: str | os.PathLike[str],
    *,
    known: float | None = None,
    channel: str = "",
) -> list[Path]:
    """Plot the n-letter bound sequences of :func:`~dicert.verify.capacity.nletter.nletter_bounds`.

    Shows ``C_n(s0)`` per initial state, the raw bounds ``maxmin - log2|S|/n`` and
    ``maxmax + log2|S|/n`` (markers) with their monotone envelopes (lines), and
    the known capacity when given.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> ns = np.arange(1, 4)
    >>> b = SimpleNamespace(ns=ns, per_state=np.full((3, 1), 0.5), lower=np.full(3, 0.5), upper=np.full(3, 0.5),
    ...                     lower_monotone=np.full(3, 0.5), upper_monotone=np.full(3, 0.5))
    >>> len(plot_nletter_bounds(b, pathlib.Path(tempfile.mkdtemp()) / "n", known=0.5))
    2
    """
    ns = np.asarray(bounds.ns)
    fig = _figure(7.6, 3.8)
    ax = fig.add_subplot()
    upper_label = r"upper$_n$ = max$_{s_0}$ $C_n(s_0)$ + log$_2|S|/n$"
    ax.plot(ns, bounds.upper, "v", color=_ORANGE, markersize=5, label=upper_label)
    ax.plot(ns, bounds.upper_monotone, "-", color=_ORANGE, linewidth=1.4, label="upper, running min")
    ax.plot(ns, bounds.lower, "^", color=_BLUE, markersize=5, label=r"lower$_n$ = max-min$_{s_0}$ $-$ log$_2|S|/n$")
    ax.plot(ns, bounds.lower_monotone, "-", color=_BLUE, linewidth=1.4, label="lower, running max")
    per_state = np.asarray(bounds.per_state)
    markers = ("o", "s", "D", "x", "+")
    for s in range(per_state.shape[1]):
        ax.plot(ns, per_state[:, s], ":", color="0.4", marker=markers[s % 5], markersize=7 - 2 * (s % 3),
                fillstyle="none", linewidth=1.0,
                label=r"$C_n(s_0)$, $s_0$ = " + str(s) if per_state.shape[1] > 1 else r"$C_n$")
    if known is not None:
        ax.axhline(known, color=_GREEN, linestyle="--", linewidth=1.2, label=f"known capacity {known:.6f}")
    ax.set_xlabel("block length n")
    ax.set_ylabel("rate (bits per channel use)")
    ax.set_xticks(ns)
    ax.set_title(f"n-letter feedback-capacity bounds{': ' + channel if channel else ''}")
    top = float(np.max(bounds.upper))
    ax.set_ylim(0.0, top + 0.05 * max(top, 0.1))  # capacity >= 0: negative lower bounds are off-scale
    ax.legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    _style(ax)
    return _save(fig, stem)

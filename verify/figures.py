"""Figures 2.1 and 3.1 of the monograph, recomputed from the library and drawn with matplotlib.

* :func:`figure_2_1` -- the InfoMat (2.18) of the binary Ising channel (sec. 4.3.4) under
  (a) a channel-oblivious scheme (i.i.d. uniform inputs, no feedback) and (b) the
  capacity-achieving feedback scheme (the BCJR-invariant maximiser of the
  Q-graph program on the 4-node Q-graph :data:`ISING_QGRAPH`). Entry ``[i, j]`` is
  ``I(X_i; Y_j | X^{i-1}, Y^{j-1})``; DI is the sum of the upper triangle with
  the diagonal, the strict lower triangle is ``I(DY^n -> X^n)`` and the whole
  sum is ``I(X^n; Y^n)`` (the conservation law (2.13)), printed in the titles.
  :func:`ising_infomats` returns the matrices.
* :func:`figure_3_1` -- (a) the CTW context tree of depth 3 for the sequence
  ``(x_{-2}, ..., x_8)`` of [jiao2013universal] (see :data:`FIG_3_1_SEQUENCE` for how the
  monograph's string is read): every node
  shows its counts ``(a, b)`` of zeros and ones and its weighted probability
  ``P_w`` (KT estimates weighted with prior 1/2; the root's ``P_w`` is the CTW
  probability of ``x_1..x_8``, cross-checked against
  :func:`dicert.verify.estimators.ctw.ctw_predictive`); (b) the CTW DI
  estimates (3.3)-(3.6) converging to the true rate as ``n`` grows on a
  process with a known DI rate. :func:`context_tree` returns the tree.

* Fig. 4.3 versus Example 4.4.1: the caption of Fig. 4.3 puts the self-loop
  at vertex 1 on the labels ``0`` and ``?`` (so ``1`` leads to vertex 2), while
  the text of Example 4.4.1 says ``0`` and ``1`` (so ``?`` leads to vertex 2).
  The example's own walk, ``y^10 = (0,1,?,?,1,?,0,1,1,1)`` from vertex 1
  ending at vertex 2, holds only for the caption's graph, so the code follows
  the caption: :data:`FIG_4_3_PHI` (outputs ``0, 1, ?`` as ``0, 1, 2``; vertex
  ``k`` is node ``k - 1``) is the graph of ``dicert.proofs.bec_noc.PHI``, and
  :data:`EXAMPLE_4_4_1_TEXT_PHI` is the other reading. :func:`qgraph_walk` is
  the map ``Phi_t`` of (4.34); a test checks all of this.

Each figure is written as ``<stem>.png`` and ``<stem>.svg``; the paths are returned.

Examples
--------
>>> context_tree()[()]["a"], qgraph_walk(FIG_4_3_PHI, [1])
(4, 1)
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from dicert.verify.errors import InvalidInput
from dicert.verify.plots import _figure, _save, _style

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import Channel

__all__ = [
    "ISING_QGRAPH",
    "FIG_4_3_PHI",
    "EXAMPLE_4_4_1_TEXT_PHI",
    "qgraph_walk",
    "figure_2_1",
    "figure_3_1",
    "ising_infomats",
    "feedback_scheme_pmf",
    "context_tree",
    "FIG_3_1_SEQUENCE",
]

#: The sequence (x_{-2}, x_{-1}, x_0, x_1, ..., x_8) of Fig. 3.1 (the first three symbols are context).
#: The monograph prints 12 symbols ``000110100010`` for these 11 indices; its root count (4, 4) fits the
#: first 11 (eight predicted symbols, four of each), which are used here. The children's counts printed in
#: the figure, (3, 1) and (1, 3), fit neither reading; the tree drawn here is computed, not copied.
FIG_3_1_SEQUENCE = (0, 0, 0, 1, 1, 0, 1, 0, 0, 0, 1)


#: Fig. 4.3 as its caption draws it: ``phi[q][y]``, outputs ``0, 1, ?`` = ``0, 1, 2``, vertices 1, 2 = nodes 0, 1.
FIG_4_3_PHI = ((0, 1, 0), (0, 0, 0))
#: The graph as the sentence of Example 4.4.1 describes it (self-loop at vertex 1 on ``0`` and ``1``).
EXAMPLE_4_4_1_TEXT_PHI = ((0, 0, 1), (0, 0, 0))


def qgraph_walk(phi: Any, outputs: Sequence[int], start: int = 0) -> int:
    """``Phi_t(y^t)`` of (4.34): the node reached from ``start`` by the walk labelled ``outputs``.

    Examples
    --------
    Example 4.4.1's walk (``?`` is output 2) on the graph of the Fig. 4.3 caption ends at vertex 2 (node 1):

    >>> qgraph_walk(FIG_4_3_PHI, [0, 1, 2, 2, 1, 2, 0, 1, 1, 1])
    1
    >>> qgraph_walk(EXAMPLE_4_4_1_TEXT_PHI, [0, 1, 2, 2, 1, 2, 0, 1, 1, 1])   # the sentence's reading: vertex 1
    0
    """
    table = np.asarray(phi, dtype=np.int64)
    if table.ndim != 2:
        raise InvalidInput(f"phi: expected a 2-d table phi[q][y], got shape {table.shape}")
    q = int(start)
    if not 0 <= q < table.shape[0]:
        raise InvalidInput(f"start: expected a node 0..{table.shape[0] - 1}, got {start!r}")
    for y in outputs:
        if not 0 <= int(y) < table.shape[1]:
            raise InvalidInput(f"outputs: symbol {y!r} is not an output 0..{table.shape[1] - 1}")
        q = int(table[q, int(y)])
    return q


def feedback_scheme_pmf(channel: Channel, phi: Any, policy: Any, n: int) -> Any:
    """The joint pmf of ``(X^n, Y^n)`` when the input ``P(x | s, q)`` on a Q-graph drives a unifilar channel.

    ``(s_0, q_0)`` is drawn from the stationary law of (4.36); ``s`` follows the
    channel's state update and ``q`` the Q-graph on the fed-back outputs. With a
    one-node graph and a state-independent policy this is a scheme without feedback.

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify.channels import parse_channel
    >>> p = feedback_scheme_pmf(parse_channel("ising"), [[0, 0]], np.full((2, 1, 2), 0.5), 2)
    >>> p.names, round(float(p.array.sum()), 12)
    (('X1', 'X2', 'Y1', 'Y2'), 1.0)
    """
    from dicert.verify.capacity.qgraph_bounds import as_qgraph, evaluate_policy, unifilar_arrays
    from dicert.verify.memory import check_allocation
    from dicert.verify.pmf import Pmf

    arrays = unifilar_arrays(channel)
    n_states, n_inputs, n_outputs = arrays.law.shape
    graph = as_qgraph(phi, n_outputs)
    evaluation = evaluate_policy(channel, graph, np.asarray(policy, dtype=float))
    check_allocation((n_inputs * n_outputs) ** n * n_states * graph.m, 8, "feedback scheme pmf")
    # cells: (x-path index, y-path index, s, q) with probabilities
    paths: dict[tuple[tuple[int, ...], tuple[int, ...], int, int], float] = {}
    for s in range(n_states):
        for q in range(graph.m):
            if evaluation.stationary[s, q] > 0:
                paths[((), (), s, q)] = float(evaluation.stationary[s, q])
    for _ in range(n):
        grown: dict[tuple[tuple[int, ...], tuple[int, ...], int, int], float] = {}
        for (xs, ys, s, q), p in paths.items():
            for x in range(n_inputs):
                px = evaluation.policy[s, q, x]
                if px == 0:
                    continue
                for y in range(n_outputs):
                    py = arrays.law[s, x, y]
                    if py == 0:
                        continue
                    key = (xs + (x,), ys + (y,), int(arrays.next_state[s, x, y]), int(graph.phi[q, y]))
                    grown[key] = grown.get(key, 0.0) + p * px * py
        paths = grown
    joint = np.zeros((n_inputs,) * n + (n_outputs,) * n)
    for (xs, ys, _, _), p in paths.items():
        joint[xs + ys] += p
    names = [f"X{i}" for i in range(1, n + 1)] + [f"Y{i}" for i in range(1, n + 1)]
    return Pmf(joint, names)


#: The 4-node Q-graph on which the Ising feedback capacity is attained (sec. 4.4, Fig. 4.4).
ISING_QGRAPH = ((3, 1), (3, 0), (3, 0), (2, 0))


def ising_infomats(n: int = 6, phi: Any = None, policy: Any = None) -> dict[str, np.ndarray]:
    """InfoMats of the Ising channel: ``"oblivious"`` (i.i.d. uniform inputs) and ``"capacity"`` (feedback scheme).

    The capacity-achieving scheme is the input ``policy`` on the Q-graph ``phi``;
    by default the maximiser of the Q-graph program (Thm 4.4.3) on
    :data:`ISING_QGRAPH`, which is BCJR-invariant there (Cor. 4.4.5). Pass a
    stored witness (``phi``, ``policy``) to skip the solver.

    Examples
    --------
    >>> mats = ising_infomats(3)
    >>> sorted(mats), mats["capacity"].shape
    (['capacity', 'oblivious'], (3, 3))
    """
    from dicert.verify.channels import parse_channel
    from dicert.verify.coding.posterior_matching import _as_float_policy
    from dicert.verify.errors import SolverFailed
    from dicert.verify.measures import info_mat

    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 7:
        raise InvalidInput(f"n: expected an integer block length in 1..7, got {n!r}")
    channel = parse_channel("ising")
    if (phi is None) != (policy is None):
        raise InvalidInput("phi, policy: give both (a witness) or neither (solve the Q-graph program)")
    if phi is None:
        from dicert.verify.capacity.qgraph_bounds import qgraph_upper_bound

        bound = qgraph_upper_bound(channel, [list(row) for row in ISING_QGRAPH])
        if not bound.bcjr_invariant:
            raise SolverFailed(f"ising: the Q-graph maximiser is not BCJR-invariant (residual {bound.bcjr_residual:.1e})")
        phi, policy = [list(row) for row in ISING_QGRAPH], bound.policy
    xs = [f"X{i}" for i in range(1, n + 1)]
    ys = [f"Y{i}" for i in range(1, n + 1)]
    oblivious = feedback_scheme_pmf(channel, [[0, 0]], np.full((2, 1, 2), 0.5), n)
    capacity = feedback_scheme_pmf(channel, phi, _as_float_policy(policy), n)
    return {"oblivious": info_mat(oblivious, xs, ys), "capacity": info_mat(capacity, xs, ys)}


def _decomposition(matrix: np.ndarray) -> tuple[float, float, float]:
    di = float(np.triu(matrix).sum())
    reverse = float(np.tril(matrix, -1).sum())
    return di, reverse, float(matrix.sum())


def figure_2_1(stem: str | os.PathLike[str], n: int = 6, phi: Any = None, policy: Any = None) -> list[Path]:
    """Draw Fig. 2.1 (InfoMat on the Ising channel, oblivious vs capacity-achieving); returns the paths.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> len(figure_2_1(pathlib.Path(tempfile.mkdtemp()) / "f", n=2))
    2
    """
    mats = ising_infomats(n, phi, policy)
    fig = _figure(9.0, 4.2)
    axes = fig.subplots(1, 2)
    top = max(float(m.max()) for m in mats.values())
    image = None
    for ax, (key, title) in zip(axes, [("oblivious", "(a) channel-oblivious"), ("capacity", "(b) capacity-achieving")], strict=True):
        matrix = mats[key]
        image = ax.imshow(matrix, cmap="viridis", vmin=0.0, vmax=top)
        di, reverse, mi = _decomposition(matrix)
        ax.set_title(f"{title}\nDI {di:.3f} + I(DY->X) {reverse:.3f} = MI {mi:.3f} bits", fontsize=9)
        ax.set_xlabel("j (output Y_j)")
        ax.set_ylabel("i (input X_i)")
        ax.set_xticks(range(n), [str(j + 1) for j in range(n)])
        ax.set_yticks(range(n), [str(i + 1) for i in range(n)])
        for i in range(n):
            for j in range(n):
                value = 0.0 if abs(matrix[i, j]) < 5e-3 else float(matrix[i, j])
                ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=6,
                        color="white" if matrix[i, j] < 0.6 * top else "black")
    fig.colorbar(image, ax=list(axes), shrink=0.8, label="I(X_i; Y_j | X^{i-1}, Y^{j-1}) [bits]")
    return _save(fig, stem)


def _kt(a: int, b: int) -> float:
    """Krichevsky-Trofimov probability of ``a`` zeros and ``b`` ones."""
    return math.exp(math.lgamma(a + 0.5) + math.lgamma(b + 0.5) - math.lgamma(a + b + 1) - math.log(math.pi))


def context_tree(sequence: Sequence[int] = FIG_3_1_SEQUENCE, depth: int = 3) -> dict[tuple[int, ...], dict[str, float]]:
    """The binary CTW context tree: for each context (most recent symbol first) its counts, ``P_e`` and ``P_w``.

    The first ``depth`` symbols are context only; the node of context ``c``
    counts the symbols that followed ``c``. ``P_e`` is the KT estimate and
    ``P_w = (P_e + P_w(c0) P_w(c1)) / 2`` (``P_w = P_e`` at depth ``D``).

    Examples
    --------
    >>> tree = context_tree()
    >>> tree[()]["a"], tree[()]["b"]                       # eight symbols: four zeros, four ones (root of Fig. 3.1)
    (4, 4)
    >>> tree[(1,)]["a"], tree[(1,)]["b"]                   # the symbols that followed a 1
    (2, 1)
    """
    symbols = [int(v) for v in sequence]
    if any(v not in (0, 1) for v in symbols) or len(symbols) <= depth:
        raise InvalidInput(f"sequence: expected more than depth={depth} binary symbols, got {list(sequence)!r}")
    counts: dict[tuple[int, ...], list[int]] = {}
    for t in range(depth, len(symbols)):
        for d in range(depth + 1):
            context = tuple(symbols[t - 1 - k] for k in range(d))
            counts.setdefault(context, [0, 0])[symbols[t]] += 1
    tree: dict[tuple[int, ...], dict[str, float]] = {}
    for context in sorted(counts, key=len, reverse=True):
        a, b = counts[context]
        pe = _kt(a, b)
        if len(context) == depth:
            pw = pe
        else:
            children = [tree.get(context + (s,), {"pw": 1.0})["pw"] for s in (0, 1)]
            pw = 0.5 * pe + 0.5 * children[0] * children[1]
        tree[context] = {"a": a, "b": b, "pe": pe, "pw": pw}
    return tree


def figure_3_1(
    stem: str | os.PathLike[str],
    lengths: Sequence[int] = (1000, 4000, 16000, 64000),
    seeds: int = 4,
    depth: int = 2,
) -> list[Path]:
    """Draw Fig. 3.1: (a) the depth-3 CTW tree of the monograph's sequence, (b) CTW estimates converging.

    Panel (b) fits :class:`~dicert.verify.estimators.CTW` (variants I1-I4,
    (3.3)-(3.6)) on :func:`~dicert.verify.processes.bsc_delay` samples
    (``p = 0.1``, delay 1) of each length and plots the mean estimate over
    ``seeds`` seeds (bars: one standard deviation) against the true DI rate.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> len(figure_3_1(pathlib.Path(tempfile.mkdtemp()) / "f", lengths=(200,), seeds=1))
    2
    """
    from dicert.verify.estimators import CTW
    from dicert.verify.processes import bsc_delay

    tree = context_tree()
    fig = _figure(10.0, 4.2)
    left, right = fig.subplots(1, 2, width_ratios=[1.4, 1.0])
    tree_depth = 3
    positions: dict[tuple[int, ...], tuple[float, float]] = {}
    for context in tree:
        # x position: binary fraction of the path (edge label = most recent symbol first)
        x = sum(s * 2.0 ** -(k + 1) for k, s in enumerate(context)) + 2.0 ** -(len(context) + 1)
        positions[context] = (x, -len(context))
    for context, (x, y) in positions.items():
        if context:
            px, py = positions[context[:-1]]
            left.plot([px, x], [py, y], color="0.6", linewidth=0.8, zorder=1)
            left.text((px + x) / 2, (py + y) / 2, str(context[-1]), fontsize=7, color="#D55E00")
        node = tree[context]
        left.scatter([x], [y], s=900, color="#0072B2", zorder=2)
        left.text(x, y, f"{node['pw']:.3g}", ha="center", va="center", fontsize=6, color="white", zorder=3)
        left.text(x, y - 0.32, f"({node['a']},{node['b']})", ha="center", va="top", fontsize=6)
    left.set_title(f"(a) CTW tree, D = {tree_depth}, sequence {''.join(map(str, FIG_3_1_SEQUENCE))}", fontsize=9)
    left.set_axis_off()
    left.set_ylim(-tree_depth - 0.8, 0.5)
    true_rate = None
    for variant, colour in zip(("I1", "I2", "I3", "I4"), ("#0072B2", "#D55E00", "#009E73", "#CC79A7"), strict=True):
        means, spreads = [], []
        for n in lengths:
            values = []
            for seed in range(seeds):
                sample = bsc_delay(int(n), p=0.1, delay=1, rng=seed)
                true_rate = sample.di_rate
                values.append(CTW(depth=depth, variant=variant).fit(sample.x, sample.y).di_rate_)
            means.append(float(np.mean(values)))
            spreads.append(float(np.std(values)))
        right.errorbar(list(lengths), means, yerr=spreads, marker="o", color=colour, label=variant, capsize=3)
    right.axhline(true_rate, color="black", linestyle="--", linewidth=1, label=f"true rate {true_rate:.4f}")
    right.set_xscale("log")
    right.set_xlabel("n")
    right.set_ylabel("DI rate estimate [bits]")
    right.set_title(f"(b) CTW estimates (3.3)-(3.6), depth {depth}, BSC(0.1) with delay", fontsize=9)
    right.legend(fontsize=7)
    _style(right)
    return _save(fig, stem)

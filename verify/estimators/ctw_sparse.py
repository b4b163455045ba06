"""Sparse context-tree weighting: the probability of the observed symbol only, for large alphabets.

The dense CTW of :mod:`dicert.verify.estimators.ctw` stores, for every node
of the tree, a count vector over the whole alphabet and computes the full
predictive law at every step: ``O(n * depth * r)`` time and memory. For the
pair process of two 1000-symbol series (``r = 10^6``) that is a tebibyte.
The AEP estimator :math:`\\hat I_1` (3.3) needs much less: the CTW
*block* probabilities :math:`\\hat P(y^n)`, :math:`\\hat P(x^n)`,
:math:`\\hat P(x^n, y^n)` and the causally conditioned
:math:`\\hat P(x^n \\| y^{n-1})`, i.e. at every step the probability of the
observed symbol (and, for the pair process, of the observed ``x_t`` under
the ``x``-marginal of the joint law), never the whole law.

Along the context path ``s_0`` (root) .. ``s_D`` (leaf) of time ``t`` the
CTW predictive probability of the observed symbol ``a`` is built from the
leaf up (Willems-Shtarkov-Tjalkens; the assignment behind (3.3)-(3.6))::

    p_D = KT_D(a),     p_d = w_d KT_d(a) + (1 - w_d) p_{d+1},
    KT_d(a) = (c_d(a) + 1/2) / (N_d + r/2),
    w_d = sigmoid(log P_e(s_d) - log prod_children P_w),

and each of these four per-node quantities *before* time ``t`` is a
grouped, exclusive running count or sum over the earlier visits of the same
node: ``N_d`` counts earlier visits of ``s_d``, ``c_d(a)`` earlier visits
of ``s_d`` with the same symbol, ``log P_e`` sums ``log KT_d`` of earlier
visits and ``log prod P_w`` sums ``log p_{d+1}`` of earlier visits (only the
child on the path changes its weighted probability, by the factor
``p_{d+1}``). So only *visited* contexts and *observed* (context, symbol)
pairs exist, found by one stable sort per depth: memory ``O(n * depth)``
whatever the alphabet, time ``O(n * depth * log n)``, no Python loop per
step. The mixture is linear in the KT laws, so the ``x``-marginal of the
joint law at the observed ``x_t`` is the same mixture of the marginal KT
terms ``(c_d(x_t, .) + |Y|/2) / (N_d + r/2)``.

The numbers equal the dense tree's (``tests/verify/estimators/test_ctw_sparse.py``
checks 1e-12 on random small alphabets); :class:`~dicert.verify.estimators.ctw.CTW`
switches to this path by itself when the dense tree exceeds the memory limit
and the variant is ``I1``.

Examples
--------
>>> import numpy as np
>>> from dicert.verify.estimators.ctw import ctw_predictive
>>> s = np.array([0, 2, 1, 0, 2, 1, 0, 2, 2, 1])
>>> dense = ctw_predictive(s, 3, 2)
>>> sparse = np.exp(ctw_observed_log_prob(s, 3, 2)[0])
>>> bool(np.allclose(sparse, dense[np.arange(s.size - 2), s[2:]], rtol=1e-12))
True
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from dicert.verify.errors import InvalidInput
from dicert.verify.memory import guard_bytes

__all__ = [
    "ctw_observed_log_prob",
    "ctw_sparse_fit_bytes",
    "check_sample_supports_alphabet",
    "sparse_i1_increments",
    "SPARSE_VARIANTS",
]

#: The CTW variants that the sparse tree computes exactly (the others need the whole predictive law per step).
SPARSE_VARIANTS = ("I1",)

_MAX_ID = 2**62


class _Groups(NamedTuple):
    """One stable sort of a key over time: positions in sorted order, and the sorted start of each group."""

    order: NDArray[np.intp]
    first: NDArray[np.intp]  # for each sorted position, the sorted position where its group starts


def _groups(key: NDArray[np.int64]) -> _Groups:
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    new = np.empty(key.size, dtype=bool)
    if key.size:
        new[0] = True
        np.not_equal(sorted_key[1:], sorted_key[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    first = starts[np.cumsum(new) - 1]
    return _Groups(order, first)


def _rank_before(groups: _Groups) -> NDArray[np.float64]:
    """How many earlier time steps (in time order) share the key of each step."""
    rank = np.empty(groups.order.size, dtype=np.float64)
    rank[groups.order] = np.arange(groups.order.size) - groups.first
    return rank


def _sum_before(groups: _Groups, values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Exclusive running sum of ``values`` over the earlier steps with the same key, in time order."""
    sorted_values = values[groups.order]
    total = np.cumsum(sorted_values)
    total -= sorted_values
    total -= total[groups.first]
    out = np.empty_like(total)
    out[groups.order] = total
    return out


def _renumber(key: NDArray[np.int64]) -> tuple[NDArray[np.int64], int]:
    _, dense = np.unique(key, return_inverse=True)
    dense = dense.astype(np.int64).reshape(-1)
    return dense, int(dense.max()) + 1 if dense.size else 1


def _renumber_rows(first: NDArray[np.int64], second: NDArray[np.int64]) -> tuple[NDArray[np.int64], int]:
    """Dense ids of the pairs ``(first[t], second[t])`` (when ``first * radix + second`` would overflow)."""
    _, dense = np.unique(np.stack([first, second], axis=1), axis=0, return_inverse=True)
    dense = dense.astype(np.int64).reshape(-1)
    return dense, int(dense.max()) + 1 if dense.size else 1


def _path_contexts(context: NDArray[np.int64], alphabet: int, depth: int, start: int) -> list[NDArray[np.int64]]:
    """Context id of every step ``t >= start`` at depths 0..depth (``context[t-1] .. context[t-d]``)."""
    n = context.size
    ids = [np.zeros(n - start, dtype=np.int64)]
    bound = 1
    for d in range(1, depth + 1):
        previous, symbol = ids[-1], context[start - d : n - d]
        if bound * alphabet >= _MAX_ID:
            previous, bound = _renumber(previous)
        if bound * alphabet >= _MAX_ID:  # even dense ids overflow: number the (context, symbol) rows
            ids.append(_renumber_rows(previous, symbol)[0])
            bound = n
            continue
        ids.append(previous * alphabet + symbol)
        bound *= alphabet
    return ids


def side_context(
    codes: NDArray[np.int64], r: int, side: tuple[NDArray[np.int64], int] | None
) -> tuple[NDArray[np.int64], int] | None:
    """The context stream of ``codes`` (``r`` symbols) with side information ``side = (z codes, |Z|)``, or ``None``.

    ``context[t] = (z[t+1], codes[t])``, so the depth-``d`` context of time ``t``
    starts with :math:`Z_t` (the causal conditioning of :math:`I(X \\to Y \\| Z)`).
    """
    if side is None:
        return None
    z_codes, rz = side
    ahead = np.empty_like(z_codes)
    ahead[:-1], ahead[-1] = z_codes[1:], 0
    return ahead * r + codes, rz * r


def checked_stream(symbols: ArrayLike, alphabet_size: int, depth: int, start: int | None) -> tuple[NDArray[np.int64], int, int]:
    """``(codes, r, start)`` of a CTW call; ``start`` defaults to ``depth`` and must not be smaller."""
    s = np.asarray(symbols, dtype=np.int64)
    start = depth if start is None else int(start)
    if start < depth:
        raise InvalidInput(f"start: expected >= depth={depth}, got {start}")
    return s, int(alphabet_size), start


def _pair_key(node: NDArray[np.int64], symbol: NDArray[np.int64], radix: int) -> NDArray[np.int64]:
    """A key equal for two steps iff both node and symbol are equal (renumbering the node if needed)."""
    if node.size and int(node.max()) + 1 >= _MAX_ID // max(radix, 1):
        node, top = _renumber(node)
        if top >= _MAX_ID // max(radix, 1):
            return _renumber_rows(node, symbol)[0]
    return node * radix + symbol


def ctw_observed_log_prob(
    symbols: ArrayLike,
    alphabet_size: int,
    depth: int,
    start: int | None = None,
    context: tuple[NDArray[np.int64], int] | None = None,
    marginal: int | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """Log CTW probability (nats) of each observed symbol given its past, from a sparse context tree.

    Parameters
    ----------
    symbols : array of int
        The sequence, codes ``0 .. alphabet_size - 1``.
    alphabet_size : int
        Size ``r`` of the alphabet (KT with Dirichlet(1/2) prior at each node).
    depth : int
        Maximal context depth ``D`` (prior 1/2 on splitting each inner node).
    start : int, optional
        First predicted step (default ``depth``).
    context : (codes, size), optional
        Stream the contexts are read from instead of ``symbols`` (side
        information, as in :func:`dicert.verify.estimators.ctw._ctw_predictive_by_symbol`).
    marginal : int, optional
        For a pair alphabet ``symbol = u * marginal + v``: also return the log
        probability of the observed ``u`` under the ``u``-marginal of the
        predictive law (``marginal`` = number of ``v`` values).

    Returns
    -------
    (ndarray, ndarray or None)
        ``log P(s_t | past)`` for ``t = start .. n-1`` (their sum is the log CTW
        block probability of ``symbols[start:]``, the codelength of (3.3)), and
        with ``marginal`` the log marginal probabilities of ``u_t``.

    Examples
    --------
    >>> import numpy as np
    >>> logp, _ = ctw_observed_log_prob(np.array([1, 1, 1, 1]), 2, 0)
    >>> np.exp(logp).round(4).tolist()    # KT: (c + 1/2) / (N + 1)
    [0.5, 0.75, 0.8333, 0.875]
    """
    s, r, start = checked_stream(symbols, alphabet_size, depth, start)
    if s.size <= start:
        return np.zeros(0), (None if marginal is None else np.zeros(0))
    observed = s[start:]
    stream, stream_size = (s, r) if context is None else context
    ids = _path_contexts(np.asarray(stream, dtype=np.int64), int(stream_size), depth, start)
    half_r = 0.5 * r
    u_observed = None if marginal is None else observed // int(marginal)
    p_child = pm_child = None
    for d in range(depth, -1, -1):
        node = ids[d]
        by_node = _groups(node)
        scale = 1.0 / (_rank_before(by_node) + half_r)
        kt = (_rank_before(_groups(_pair_key(node, observed, r))) + 0.5) * scale
        log_pe = _sum_before(by_node, np.log(kt))
        kt_m = None
        if u_observed is not None:
            kt_m = (_rank_before(_groups(_pair_key(node, u_observed, r))) + 0.5 * int(marginal or 1)) * scale
        if p_child is None:
            p, pm = kt, kt_m
        else:
            weight = expit(log_pe - _sum_before(by_node, np.log(p_child)))
            p = p_child + weight * (kt - p_child)
            pm = None if kt_m is None or pm_child is None else pm_child + weight * (kt_m - pm_child)
        p_child, pm_child = p, pm
        ids[d] = np.empty(0, dtype=np.int64)  # free this depth's ids
    assert p_child is not None
    return np.log(p_child), (None if pm_child is None else np.log(pm_child))


def ctw_sparse_fit_bytes(n: int, depth: int) -> int:
    """Peak bytes of the sparse I1 fit on ``n`` samples at context depth ``depth`` (independent of the alphabets).

    Per tree: ``depth + 1`` int64 context-id arrays of ``n`` steps, and at one
    depth about twelve ``n``-step temporaries (sort orders, group starts,
    ranks, KT terms, logs, running sums, the child's law); three trees run one
    after the other, their outputs (four ``n``-step logs) stay.

    Examples
    --------
    >>> from dicert.verify.memory import format_size
    >>> format_size(ctw_sparse_fit_bytes(20_000, 2))
    '3.8 MiB'
    """
    steps = max(int(n) - int(depth), 0)
    return 8 * (int(n) * (int(depth) + 1) + 12 * steps + 4 * steps + 6 * steps)


def _kt_learning_bits(pair_alphabet: int, steps: int) -> float:
    """Per-step redundancy ``(r - 1)/2 log2(m) / m`` (bits) of a KT code over ``r`` symbols after ``m`` steps."""
    return (pair_alphabet - 1) / 2.0 * math.log2(max(steps, 2)) / max(steps, 1)


def check_sample_supports_alphabet(rx: int, ry: int, steps: int) -> None:
    """Refuse a CTW I1 fit whose pair alphabet is too large for the sample to say anything.

    Every node of the joint CTW tree codes the pair symbol with a KT estimator
    over ``r = |X||Y|`` symbols; even at the root its learning cost (the
    redundancy of a memoryless KT code, about ``(r - 1)/2 log2(m)`` bits over
    ``m`` steps, Rissanen's lower bound for almost every memoryless source) is
    paid by the joint codelength of (3.3) and not by the marginal one. When
    that cost per step exceeds ``log2 |Y|`` -- the largest DI rate there is --
    the I1 number measures the prior, not the data (on a 1000-symbol copy
    channel at ``n = 20000``, dense and sparse trees alike give 0.005 bits for
    the true 9.97), so the fit refuses with the sample size that would be needed.

    Examples
    --------
    >>> check_sample_supports_alphabet(1000, 2, 50_000)
    >>> check_sample_supports_alphabet(1000, 1000, 20_000)
    Traceback (most recent call last):
        ...
    dicert.graphs.errors.InvalidInput: x, y: too few samples for CTW on alphabets of 1000 and 1000 symbols: the joint KT learning cost (|X||Y| - 1)/2 log2(m)/m is 357.2 bits per step at m = 20000 steps, above log2|Y| = 9.97 bits, the largest DI rate (about 1.0e+06 steps needed); use PlugIn, fewer symbols or more samples
    """
    cost = _kt_learning_bits(rx * ry, steps)
    ceiling = max(math.log2(max(ry, 1)), 1.0)
    if cost <= ceiling:
        return
    needed = max(steps, 2)
    while _kt_learning_bits(rx * ry, needed) > ceiling:
        needed *= 2
    low = needed // 2
    while needed - low > max(needed // 100, 1):  # bisect to about 1%
        mid = (low + needed) // 2
        low, needed = (mid, needed) if _kt_learning_bits(rx * ry, mid) > ceiling else (low, mid)
    raise InvalidInput(
        f"x, y: too few samples for CTW on alphabets of {rx} and {ry} symbols: the joint KT learning cost "
        f"(|X||Y| - 1)/2 log2(m)/m is {cost:.1f} bits per step at m = {steps} steps, above log2|Y| = "
        f"{ceiling:.2f} bits, the largest DI rate (about {needed:.1e} steps needed); use PlugIn, fewer symbols "
        "or more samples"
    )


def sparse_i1_increments(
    x_codes: NDArray[np.int64],
    y_codes: NDArray[np.int64],
    rx: int,
    ry: int,
    depth: int,
    side: tuple[NDArray[np.int64], int] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per-step I1 increments (nats), DI and reverse, from three sparse CTW assignments (3.3).

    ``di_t = log P(y_t | y^{t-1}, x^t) - log P(y_t | y^{t-1})`` with
    ``P(y_t | y^{t-1}, x^t) = P(x_t, y_t | past) / P(x_t | past)`` (joint law and
    its ``x``-marginal), and ``reverse_t = log P(x_t | past) - log P(x_t | x^{t-1})``,
    exactly as the dense :class:`~dicert.verify.estimators.ctw.CTW` with ``variant="I1"``.
    ``side`` = (z codes, size) reads every context with side information (see the CTW Notes).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(0).integers(0, 3, 400)
    >>> di, reverse = sparse_i1_increments(x, np.roll(x, 1), 3, 3, 1)
    >>> round(float(di.mean() / np.log(3)), 1), abs(float(reverse.mean())) < 0.05
    (0.8, True)
    """
    guard_bytes(ctw_sparse_fit_bytes(x_codes.size, depth), "x, y",
                f"the sparse CTW tree (depth {depth}, n = {x_codes.size})")
    joint = x_codes * ry + y_codes
    log_y = ctw_observed_log_prob(y_codes, ry, depth, depth, side_context(y_codes, ry, side))[0]
    log_x = ctw_observed_log_prob(x_codes, rx, depth, depth, side_context(x_codes, rx, side))[0]
    log_joint, log_x_joint = ctw_observed_log_prob(
        joint, rx * ry, depth, depth, side_context(joint, rx * ry, side), marginal=ry
    )
    assert log_x_joint is not None
    di = log_joint - log_x_joint - log_y
    reverse = log_x_joint - log_x
    return di, reverse

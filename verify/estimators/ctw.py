"""Universal DI estimators I1-I4 built on context-tree weighting (monograph 3.1.5, (3.3)-(3.6)).

Three CTW probability assignments are run over the data (as in Jiao et al.,
the construction behind (3.3)-(3.6)):

* on ``y`` alone (contexts: the last ``depth`` symbols of ``y``), giving
  :math:`\\hat P(y_t \\mid y^{t-1})`;
* on ``x`` alone, giving :math:`\\hat P(x_t \\mid x^{t-1})`;
* on the pair process ``z_t = (x_t, y_t)`` with contexts from the pasts of both
  ``x`` and ``y``, giving :math:`\\hat P(x_t, y_t \\mid x^{t-1}, y^{t-1})`, from
  which :math:`\\hat P(x_t \\mid x^{t-1}, y^{t-1})` (marginal) and the causally
  conditioned :math:`\\hat P(y_t \\mid y^{t-1}, x^t)` (ratio) follow.

Implementation: the sequential CTW predictive distributions are computed in
cache-sized blocks of time steps (state carried per node from block to block:
linear to 10^7 samples), and inside a block depth by depth, from the leaves
to the root, with numpy arrays over all its steps at once. For a node ``s`` the weighted probability is
``P_w = (P_e + prod_children P_w) / 2``; the product over the children only
changes, at each visit of ``s``, by the predictive probability of the child on
the current path, so ``log P_e`` and ``log prod_children P_w`` before each visit
are grouped exclusive cumulative sums over the visits of ``s``. The predictive
distribution at ``s`` is ``w * KT + (1 - w) * P_child`` with
``w = sigmoid(log P_e - log prod_children P_w)``. Cost ``O(n * depth * r)``
time, no per-symbol Python loop. The three assignments of a fit run in step,
block by block, and each block's predictive laws become per-step increments
at once: memory is the trees' per-node state, a few ``(r, block)`` buffers and
the increments, never an ``(r, n)`` table (:func:`dicert.verify.sizes.ctw_fit_bytes`).

Examples
--------
>>> import numpy as np
>>> from dicert.verify.estimators.ctw import ctw_predictive
>>> probs = ctw_predictive(np.array([0, 1, 0, 1, 0, 1, 0, 1]), alphabet_size=2, depth=1)
>>> probs.shape, bool(np.allclose(probs.sum(axis=1), 1.0))
((7, 2), True)
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import expit

from dicert.verify._numeric import entropy_nats_positive
from dicert.verify.errors import InvalidInput
from dicert.verify.estimators.intervals import (
    batch_means_se,
    richardson_estimate,
    richardson_weights,
    span_interval,
)
from dicert.verify.memory import current_memory_limit, format_size, guard_bytes
from dicert.verify.sizes import CTW_BLOCK_STEPS, ctw_fit_bytes, ctw_tree_bytes, ctw_tree_indexed_directly
from dicert.verify.estimators.protocol import (
    BaseDIEstimator,
    check_int_param,
    encode_symbols,
    log_base,
    validate_pair,
)
from dicert.verify.memory import check_allocation
from dicert.verify.estimators.ctw_sparse import (
    SPARSE_VARIANTS,
    _path_contexts,
    _renumber,
    check_sample_supports_alphabet,
    checked_stream,
    ctw_sparse_fit_bytes,
    side_context,
    sparse_i1_increments,
)

__all__ = ["CTW", "ctw_predictive", "CTW_VARIANTS"]

#: The four universal estimators of the monograph, (3.3)-(3.6).
CTW_VARIANTS = ("I1", "I2", "I3", "I4")

_CHUNK = CTW_BLOCK_STEPS  # time steps per block of the streamed trees and of the per-step functionals


def _dense(node: NDArray[np.int64]) -> tuple[NDArray[np.int64], int]:
    """Node indices as small dense integers (re-numbered only when they are sparse)."""
    top = int(node.max()) + 1 if node.size else 1
    if top <= max(4 * node.size, 1 << 16):
        return node, top
    return _renumber(node)


class _ContextNodes:
    """The tree node of every step's context at each depth, per block of steps.

    When the full tree of depth ``D`` is small (``r^D`` nodes at most
    ``max(4 m, 2^16)``) a node is the context's code ``sum_j s[t-j] r^(d-j)``,
    computed block by block from the stream (no ``O(m D)`` arrays); otherwise
    the visited contexts are numbered once over the whole stream (``_dense``).
    """

    def __init__(self, stream: NDArray[np.int64], alphabet: int, depth: int, start: int) -> None:
        self.stream, self.alphabet, self.depth, self.start = stream, alphabet, depth, start
        m = stream.size - start
        self.direct = ctw_tree_indexed_directly(alphabet, depth, m)
        if self.direct:
            self.sizes = [alphabet**d for d in range(depth + 1)]
            self.ids: list[NDArray[np.int64]] = []
        else:
            nodes = [_dense(ids) for ids in _path_contexts(stream, alphabet, depth, start)]
            self.ids = [ids for ids, _ in nodes]
            self.sizes = [size for _, size in nodes]

    def block(self, lo: int, hi: int) -> list[NDArray[np.int64]]:
        """Node indices of steps ``lo .. hi - 1`` (times ``start + lo ..``) at depths ``0 .. D``."""
        if not self.direct:
            return [ids[lo:hi] for ids in self.ids]
        t0, t1 = self.start + lo, self.start + hi
        code = np.zeros(hi - lo, dtype=np.int64)
        out = [code]
        for d in range(1, self.depth + 1):
            code = code * self.alphabet + self.stream[t0 - d : t1 - d]
            out.append(code)
        return out


def _ctw_blocks(
    s: NDArray[np.int64],
    r: int,
    depth: int,
    start: int,
    context: tuple[NDArray[np.int64], int] | None = None,
    chunk: int = _CHUNK,
) -> Iterator[tuple[int, int, NDArray[np.float64]]]:
    """Core of :func:`ctw_predictive`: yields ``(lo, hi, law)``, ``law[a, j]`` the CTW probability of symbol ``a`` at step ``lo + j``.

    ``law`` has shape ``(r, hi - lo)`` and is a buffer reused by the next
    block: use it before advancing.  ``context`` (codes, alphabet size)
    replaces ``s`` as the stream the contexts are read from: the depth-``d``
    context of time ``t`` is ``context[t-1 .. t-d]`` (side information:
    ``context[t] = (z[t+1], s[t])`` puts :math:`Z_t` first).

    The time steps are processed in blocks of ``chunk`` (cache-sized: the cost
    per sample does not grow with ``n``, and nothing of size ``n`` is
    allocated). Each node of the tree carries, from block to block, its
    symbol counts, its visits, and the running sums of ``log P_e`` and
    ``log prod_children P_w`` over its past visits; inside a block, the steps
    are grouped by node and the within-block parts are exclusive cumulative
    sums. The predictive law at a node is ``w * KT + (1 - w) * P_child`` with
    ``w = sigmoid(log P_e - log prod P_w)``, from the deepest level to the root.

    One function on purpose: the per-depth steps share the block's sort
    order, its buffers and the carried per-node state; split into helpers
    they would pass a dozen arrays each (the body is about 80 lines).
    """
    m = s.size - start
    observed = s[start:]
    tree = _ContextNodes(s, r, depth, start) if context is None else _ContextNodes(context[0], context[1], depth, start)
    check_allocation((r + 3) * sum(tree.sizes) + 3 * r * min(chunk, m), 8, f"CTW tree for alphabet {r}, {m} steps")
    counts = [np.zeros((n, r)) for n in tree.sizes]
    visits = [np.zeros(n) for n in tree.sizes]
    sum_pe = [np.zeros(n) for n in tree.sizes]
    sum_split = [np.zeros(n) for n in tree.sizes]
    buffers = [np.empty(r * min(chunk, m)) for _ in range(3)]  # KT, mixed law, child law: reused by every block
    for lo in range(0, m, chunk):
        hi = min(lo + chunk, m)
        c = hi - lo
        obs = observed[lo:hi]
        steps = np.arange(c)
        k, mixed_buffer, child_buffer = (b[: r * c].reshape(r, c) for b in buffers)
        carry_in, carry_out = lo > 0, hi < m  # state from earlier blocks / for later blocks
        child: NDArray[np.float64] | None = None  # law one level deeper, time order
        block_nodes = tree.block(lo, hi)
        for d in range(depth, -1, -1):
            n_nodes = tree.sizes[d]
            node = block_nodes[d]
            order = np.argsort(node.astype(np.uint16) if n_nodes <= 1 << 16 else node, kind="stable")
            inverse = np.empty(c, dtype=np.intp)
            inverse[order] = steps
            node_s = node[order]
            obs_s = obs[order]
            new_block = np.empty(c, dtype=bool)
            new_block[0] = True
            np.not_equal(node_s[1:], node_s[:-1], out=new_block[1:])
            block_starts = np.flatnonzero(new_block)
            block = np.cumsum(new_block) - 1
            first = block_starts[block]
            present = node_s[block_starts]

            def exclusive(values: NDArray[Any]) -> NDArray[np.float64]:
                total = np.cumsum(values, dtype=np.float64)
                total -= values
                total -= total[first]
                return total

            for a in range(r):
                k[a] = exclusive(obs_s == a)
            seen = (steps - first).astype(np.float64)
            if carry_in:
                k += counts[d][present][block].T  # counts before this block
                seen += visits[d][present][block]
            k += 0.5
            k *= 1.0 / (seen + 0.5 * r)
            flat = obs_s * c + steps  # the observed symbol's entry in the raveled (r, c) table
            log_kt = np.log(k.ravel().take(flat))
            log_pe = exclusive(log_kt)
            if carry_in:
                log_pe += sum_pe[d][present][block]
            if carry_out:
                sum_pe[d][present] += np.add.reduceat(log_kt, block_starts)
                if n_nodes <= c:
                    counts[d] += np.bincount(node_s * r + obs_s, minlength=n_nodes * r).reshape(n_nodes, r)
                else:  # many nodes (sparse tree): touch only the visited ones
                    np.add.at(counts[d], (node_s, obs_s), 1.0)
                visits[d][present] += np.diff(np.append(block_starts, c))
            if child is None:
                mixed = k
            else:
                mixed = np.take(child, order, axis=1, out=mixed_buffer)
                log_child = np.log(mixed.ravel().take(flat))
                log_split = exclusive(log_child)
                if carry_in:
                    log_split += sum_split[d][present][block]
                if carry_out:
                    sum_split[d][present] += np.add.reduceat(log_child, block_starts)
                weight = expit(log_pe - log_split)
                k -= mixed
                k *= weight
                mixed += k
            child = np.take(mixed, inverse, axis=1, out=child_buffer)
        assert child is not None
        yield lo, hi, child


def _ctw_predictive_by_symbol(
    s: NDArray[np.int64], r: int, depth: int, start: int, context: tuple[NDArray[np.int64], int] | None = None
) -> NDArray[np.float64]:
    """The CTW predictive laws of every step, shape ``(r, n - start)`` (time on the last axis; see :func:`_ctw_blocks`)."""
    m = s.size - start
    check_allocation((r, m), 8, f"CTW predictive table for alphabet {r}, {m} steps")
    out = np.empty((r, m))
    for lo, hi, law in _ctw_blocks(s, r, depth, start, context):
        out[:, lo:hi] = law
    return out


def ctw_predictive(
    symbols: ArrayLike, alphabet_size: int, depth: int, start: int | None = None
) -> NDArray[np.float64]:
    """Sequential CTW predictive distributions :math:`\\hat P(\\cdot \\mid s_{t-D}^{t-1})`.

    Parameters
    ----------
    symbols : array of int
        The sequence, codes ``0 .. alphabet_size - 1``.
    alphabet_size : int
        Size ``r`` of the alphabet (KT estimator with Dirichlet(1/2) prior at each node).
    depth : int
        Maximal context depth ``D`` of the tree (prior 1/2 on splitting each inner node).
    start : int, optional
        First predicted time step (default ``depth``: the first ``D`` symbols are context).

    Returns
    -------
    ndarray of shape (n - start, r)
        Row ``t - start`` is the CTW probability of each symbol at time ``t``
        given ``symbols[:t]`` (only the last ``D`` symbols matter). The product
        of the observed entries is the CTW block probability of ``symbols[start:]``.

    Examples
    --------
    >>> import numpy as np
    >>> p = ctw_predictive(np.array([1, 1, 1, 1]), alphabet_size=2, depth=0)
    >>> p[:, 1].round(4).tolist()   # KT: (c + 1/2) / (N + 1)
    [0.5, 0.75, 0.8333, 0.875]
    """
    s, r, start = checked_stream(symbols, alphabet_size, depth, start)
    if s.size <= start:
        return np.zeros((0, r))
    return _ctw_predictive_by_symbol(s, r, depth, start).T


_entropy = entropy_nats_positive  # KT mixtures are strictly positive: no 0 log 0 guard on the hot path


def _kl(p: NDArray[np.float64], q: NDArray[np.float64], axis: int = -1) -> NDArray[np.float64]:
    return np.sum(p * (np.log(p) - np.log(q)), axis=axis)


class CTW(BaseDIEstimator):
    """Universal CTW-based DI estimators :math:`\\hat I_1 .. \\hat I_4` of (3.3)-(3.6).

    Parameters
    ----------
    depth : int, default 3
        Maximal CTW context depth ``D`` (the joint tree has ``(|X||Y|)^D`` leaves).
    variant : {"I1", "I2", "I3", "I4"}, default "I4"
        ``I1`` (3.3): difference of the two AEP codelengths;
        ``I2`` (3.4): difference of the entropy functionals of the predictive laws;
        ``I3`` (3.5): average KL divergence between :math:`\\hat P(y_t|y^{t-1},x^t)`
        (at the observed :math:`x_t`) and :math:`\\hat P(y_t|y^{t-1})`;
        ``I4`` (3.6): average KL divergence between the joint predictive law and
        :math:`\\hat P(y_t|y^{t-1})\\hat P(x_t|x^{t-1},y^{t-1})` (non-negative per step).
    alphabet_size : int, pair of int, or None
        Declared alphabet sizes of ``x`` and ``y`` (an int applies to both);
        symbols must then be ``0 .. size-1``. ``None``: the observed symbols.
    base : float or "e", default 2
        Logarithm base of the reported rates (2: bits).
    bias_correction : {None, "richardson"}, default None
        ``"richardson"``: report twice the mean of the last half of the
        increments minus the mean of the second quarter, which cancels a
        learning bias decaying like ``c / t``. Large alphabets need it: with 5
        symbols, Y_t = X_{t-1}, n = 5000 (true 2.3219 bits), I1 gives 2.04 and
        I1 with this correction 2.32. The increments are reweighted so that
        their mean is the corrected value.

    Notes
    -----
    Side information: ``fit(x, y, z=...)`` reads every context from the
    stream :math:`(Z_t, S_{t-1}), (Z_{t-1}, S_{t-2}), \\dots` (``S`` the coded
    process), so the three assignments condition on :math:`Z^t` and the rates
    become the causally conditioned :math:`I(\\mathbb X\\to\\mathbb Y\\|\\mathbb Z)`
    and :math:`I(D\\mathbb Y\\to\\mathbb X\\|\\mathbb Z)`; the depth then counts
    (z, past symbol) pairs.

    Large alphabets: the dense tree holds a count vector over the pair
    alphabet at every node and the full predictive law over a block of steps
    (:func:`dicert.verify.sizes.ctw_fit_bytes`). When that exceeds the memory
    limit and ``variant="I1"``, the fit uses the sparse context tree of
    :mod:`dicert.verify.estimators.ctw_sparse` by itself (``tree_ ==
    "sparse"``): only visited contexts and observed symbols, memory
    ``O(n * depth)`` for any alphabet, the same I1 increments as the dense tree
    (to 1e-12, tested); its interval is the hull of I1 and its Richardson
    extrapolation (I4 is not computed). It refuses by name when the pair
    alphabet is too large for the sample (the joint KT learning cost per step
    above ``log2 |Y|``, see :func:`~dicert.verify.estimators.ctw_sparse.check_sample_supports_alphabet`).
    ``I2``-``I4`` need the whole law over the pair alphabet at every step; past the
    limit they are refused with a hint naming ``variant='I1'``.

    Intervals (``di_rate_ci_``, ``reverse_di_rate_ci_``): the hull of the variant,
    I1, I4 and the Richardson-extrapolated I1 and I4, each +- 1.96 sqrt(2) x the
    batch-means se of the I1 increments (coverage measured in
    ``benchmarks/bench_estimators_coverage.py``).

    The reverse rate ``reverse_di_rate_`` estimates :math:`I(D\\mathbb Y\\to\\mathbb X)`
    with the same construction applied to :math:`\\hat P(x_t|x^{t-1})` versus
    :math:`\\hat P(x_t|x^{t-1},y^{t-1})` (for ``I3`` and ``I4`` both reduce to
    the average KL divergence between these two laws). ``mi_rate_`` is
    ``di_rate_ + reverse_di_rate_`` (conservation (2.13)); for ``I1``, ``I2``
    and ``I4`` it coincides with the corresponding MI estimate built from the
    joint and marginal assignments. The first ``depth`` samples serve as context.

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify.processes import bsc_delay
    >>> sample = bsc_delay(20_000, p=0.1, rng=0)
    >>> est = CTW(depth=2, variant="I4").fit(sample.x, sample.y)
    >>> abs(est.di_rate_ - sample.di_rate) < 0.02, abs(est.reverse_di_rate_) < 0.02
    (True, True)
    """

    input_kind: ClassVar[str] = "discrete"
    _param_names = ("depth", "variant", "alphabet_size", "base", "bias_correction")

    def __init__(
        self,
        depth: int = 3,
        variant: str = "I4",
        alphabet_size: int | tuple[int, int] | None = None,
        base: float | str = 2,
        bias_correction: str | None = None,
    ) -> None:
        self.depth = check_int_param("depth", depth, 0, 32)
        if bias_correction not in (None, "richardson"):
            raise InvalidInput(f"bias_correction: expected None or 'richardson', got {bias_correction!r}")
        self.bias_correction = bias_correction
        if variant not in CTW_VARIANTS:
            raise InvalidInput(f"variant: expected one of {', '.join(CTW_VARIANTS)}, got {variant!r}")
        self.variant = variant
        self.alphabet_size = _check_alphabet_size(alphabet_size)
        log_base(base)
        self.base = base

    def fit(self, x: ArrayLike, y: ArrayLike, z: ArrayLike | None = None) -> Self:
        """Run the three CTW assignments on ``(x, y)`` (contexts with side information ``z``); return ``self``."""
        xa, ya = validate_pair(x, y, min_length=self.depth + 2)
        sizes = self.alphabet_size
        x_codes, rx = encode_symbols(xa, "x", None if sizes is None else sizes[0])
        y_codes, ry = encode_symbols(ya, "y", None if sizes is None else sizes[1])
        za = None
        D = self.depth
        if z is not None:
            za = validate_pair(xa, z)[1]
            z_codes, rz = encode_symbols(za, "z", None)
        side = None if za is None else (z_codes, rz)
        dense_bytes = ctw_fit_bytes(rx, ry, xa.size, D)
        sparse = dense_bytes > current_memory_limit() and self.variant in SPARSE_VARIANTS
        if sparse:  # only the observed symbols' probabilities: memory O(n depth), any alphabet
            check_sample_supports_alphabet(rx, ry, xa.size - D)
            di_1, reverse_1 = sparse_i1_increments(x_codes, y_codes, rx, ry, D, side)
            di, reverse, di_4, reverse_4 = di_1, reverse_1, di_1, reverse_1
        else:
            di, reverse, di_1, reverse_1, di_4, reverse_4 = self._dense_increments(
                x_codes, y_codes, (rx, ry), side, dense_bytes
            )
        di_ci = _interval(di, di_1, di_4)
        reverse_ci = _interval(reverse, reverse_1, reverse_4)
        if self.bias_correction == "richardson":
            weights = richardson_weights(di.size) * di.size
            di, reverse = di * weights, reverse * weights
        self._data = (xa, ya, za)
        self.alphabet_sizes_ = (rx, ry)
        self.tree_ = "sparse" if sparse else "dense"
        self._store(
            di, reverse, self.base, di_ci, reverse_ci, _CI_METHOD_SPARSE if sparse else _CI_METHOD
        )
        return self

    def _dense_increments(
        self,
        x_codes: NDArray[np.int64],
        y_codes: NDArray[np.int64],
        sizes: tuple[int, int],
        side: tuple[NDArray[np.int64], int] | None,
        dense_bytes: int,
    ) -> tuple[NDArray[np.float64], ...]:
        """The dense-tree path: the three assignments streamed block by block, every variant (:class:`_Increments`)."""
        (rx, ry), D, n = sizes, self.depth, x_codes.size
        hint = None
        if self.variant not in SPARSE_VARIANTS:
            hint = (f"use variant='I1' (--variant I1): the sparse context tree computes (3.3) in "
                    f"{format_size(ctw_sparse_fit_bytes(n, D))}; variant {self.variant} needs the whole "
                    f"predictive law over {rx * ry} pair symbols at every step")
        guard_bytes(dense_bytes, "x, y", f"CTW (depth {D}) on alphabets of {rx} and {ry} symbols (n = {n})",
                    hint=hint)
        check_sample_supports_alphabet(rx, ry, n - D)  # as on the sparse path: else the rates measure the prior
        m = n - D
        # size everything first: the three trees' state and buffers, and the per-step increments
        check_allocation(
            sum(ctw_tree_bytes(size, D, m, None if side is None else side[1] * size) for size in (rx, ry, rx * ry)) // 8
            + 6 * max(m, 0), 8,
            f"CTW (depth {D}) trees for alphabets {rx}, {ry} and {rx * ry}, {m} steps",
        )
        joint_codes = x_codes * ry + y_codes
        # the three assignments run block by block in step: the predictive laws of a block are
        # turned into increments at once, and no (r, n) table exists
        laws = zip(
            _ctw_blocks(y_codes, ry, D, D, side_context(y_codes, ry, side)),  # P(y_t | y^{t-1}[, z^t])
            _ctw_blocks(x_codes, rx, D, D, side_context(x_codes, rx, side)),  # P(x_t | x^{t-1}[, z^t])
            _ctw_blocks(joint_codes, rx * ry, D, D, side_context(joint_codes, rx * ry, side)),
        )
        increments = _Increments(m, self.variant)
        for (lo, hi, p_y), (_, _, p_x), (_, _, p_joint) in laws:
            increments.add_block(lo, hi, p_y, p_x, p_joint.reshape(rx, ry, -1), x_codes[D + lo : D + hi],
                                 y_codes[D + lo : D + hi])
        return increments.result()


class _Increments:
    """Per-step increments (nats) of the chosen variant, of I1 (3.3) and of I4 (3.6), DI and reverse.

    Filled block by block from the three predictive laws of each block
    (:meth:`add_block`); :meth:`result` returns
    ``(di, reverse, di_1, reverse_1, di_4, reverse_4)``.
    """

    def __init__(self, m: int, variant: str) -> None:
        self.variant = variant
        self.di_1, self.reverse_1, self.di_4, self.reverse_4 = (np.empty(m) for _ in range(4))
        self.di = self.di_1 if variant == "I1" else self.di_4 if variant == "I4" else np.empty(m)
        self.reverse = self.reverse_1 if variant == "I1" else self.reverse_4 if variant in ("I3", "I4") else np.empty(m)

    def add_block(
        self,
        lo: int,
        hi: int,
        py: NDArray[np.float64],
        px: NDArray[np.float64],
        pj: NDArray[np.float64],
        x_now: NDArray[np.int64],
        y_now: NDArray[np.int64],
    ) -> None:
        """The increments of steps ``lo .. hi - 1`` from ``P(y_t|.)`` ``(ry, c)``, ``P(x_t|.)`` ``(rx, c)`` and the joint ``(rx, ry, c)``."""
        steps = np.arange(hi - lo)
        p_x_joint = pj.sum(axis=1)  # P(x_t | x^{t-1}, y^{t-1})
        p_y_given_x = pj / p_x_joint[:, None, :]  # P(y_t | y^{t-1}, x^t)
        # I1 (3.3): codelength differences -- sample-based, they carry the sampling spread
        self.di_1[lo:hi] = np.log(p_y_given_x[x_now, y_now, steps]) - np.log(py[y_now, steps])
        self.reverse_1[lo:hi] = np.log(p_x_joint[x_now, steps]) - np.log(px[x_now, steps])
        # I4 (3.6): divergences between the predictive laws
        log_ratio = np.log(pj) - np.log(p_x_joint)[:, None, :] - np.log(py)[None, :, :]
        self.di_4[lo:hi] = np.sum(pj * log_ratio, axis=(0, 1))
        self.reverse_4[lo:hi] = _kl(p_x_joint, px, axis=0)
        if self.variant == "I2":
            h_causal = -np.sum(pj * np.log(p_y_given_x), axis=(0, 1))
            self.di[lo:hi] = _entropy(py, axis=0) - h_causal
            self.reverse[lo:hi] = _entropy(px, axis=0) - _entropy(p_x_joint, axis=0)
        elif self.variant == "I3":
            self.di[lo:hi] = _kl(p_y_given_x[x_now, :, steps].T, py, axis=0)

    def result(self) -> tuple[NDArray[np.float64], ...]:
        return self.di, self.reverse, self.di_1, self.reverse_1, self.di_4, self.reverse_4


_CI_METHOD = (
    "hull of the variant, I1, I4 and their Richardson extrapolations, each +- 1.96 sqrt(2) batch-means se of I1"
)
_CI_METHOD_SPARSE = (
    "sparse context tree (I1 only): hull of I1 and its Richardson extrapolation, each +- 1.96 sqrt(2) "
    "batch-means se of I1"
)


def _interval(
    chosen: NDArray[np.float64], codelength: NDArray[np.float64], divergence: NDArray[np.float64]
) -> tuple[float, float]:
    """95% interval (nats) for a CTW rate, see the class Notes.

    I1 (sample-based codelength differences) carries the sampling spread; a
    sequential estimator averages running estimates, whose variance is about
    twice the plug-in's, hence ``sqrt(2)``. I1 and I4 have learning biases of
    opposite sign at small rates; the Richardson extrapolations (bias ~ c/t)
    remove most of the large-alphabet learning bias.
    """
    se = math.sqrt(2.0) * batch_means_se(codelength)
    lo, hi = span_interval([float(chosen.mean()), float(codelength.mean()), float(divergence.mean())], se)
    extrapolated = [richardson_estimate(increments)[0] for increments in (codelength, divergence)]
    extra = span_interval(extrapolated, se)
    return (min(lo, extra[0]), max(hi, extra[1]))


def _check_alphabet_size(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    pair = (value, value) if not isinstance(value, (tuple, list)) else tuple(value)
    if len(pair) != 2:
        raise InvalidInput(f"alphabet_size: expected None, an integer >= 1 or a pair of them, got {value!r}")
    for item in pair:
        if isinstance(item, bool) or not isinstance(item, (int, np.integer)) or item < 1:
            raise InvalidInput(f"alphabet_size: expected None, an integer >= 1 or a pair of them, got {value!r}")
    return (int(pair[0]), int(pair[1]))

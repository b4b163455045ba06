"""Orderly generation of all non-isomorphic strongly connected Q-graphs.

A Q-graph (monograph sec. 4.4.1) with ``m`` nodes over ``r`` outputs is a
complete deterministic automaton ``phi[q, y] -> q'`` without initial state;
isomorphism relabels nodes only (``y`` is a channel output).  For ``r = 2``
the counts are OEIS A027835 (strongly connected binary automata up to
isomorphism): 1, 6, 52, 892, 21291, 658885 for ``m = 1..6``.

Canonical form
    Write ``phi`` row-major as the word ``t[q*r + y] = phi[q, y]``.  Numbering
    the nodes breadth-first from a start node ``s``, following the edges of a
    node in the order ``y = 0..r-1``, is unique; in a strongly connected graph
    it reaches every node.  The canonical form is the least (lexicographic)
    of the ``m`` relabelled words, the same as
    :meth:`dicert.graphs.qgraph.QGraph.canonical`.

Orderly generation (canonical construction path, Read/Faradzev style)
    A word is in *BFS normal form* when numbering from node 0 leaves it
    unchanged: new nodes appear in the order 1, 2, ... and node ``u + 1``
    appears before row ``u + 1`` starts.  These words are exactly the
    accessible automata with initial node 0, one per isomorphism class of
    initially connected automata, and they are generated directly, position
    by position, never duplicated.  A word is kept when the graph is strongly
    connected and the word is least among its ``m`` BFS relabellings, i.e. is
    its own canonical form.  Each isomorphism class is therefore produced
    exactly once, with no table of graphs seen so far; the test of all ``m``
    starts is vectorised with numpy over many words at once, costing
    ``O(m^2 r)`` per word.

Order
    Graphs come in increasing lexicographic order of the word
    ``phi.ravel()`` of their canonical form.  The order does not depend on
    the block size, the number of jobs or the numpy version, so index ``i``
    names the same graph in every run; ``start``/``stop`` select the
    half-open range of indices ``[start, stop)``.  Skipping costs the
    canonicity test on the skipped words but builds no graph objects.

Examples
--------
>>> from dicert.graphs.enumerate import count_qgraphs, enumerate_qgraphs
>>> [count_qgraphs(m, 2) for m in range(1, 5)]
[1, 6, 52, 892]
>>> next(enumerate_qgraphs(2, 2))
QGraph(m=2, r=2, phi=[[0, 1], [0, 0]])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import NamedTuple, TypeVar

import numpy as np

from dicert.graphs.errors import InvalidGraph, InvalidInput
from dicert.graphs.qgraph import QGraph

__all__ = [
    "QGraphBatch",
    "BLOCK_CANDIDATES",
    "count_accessible_automata",
    "count_qgraphs",
    "enumerate_qgraphs",
    "qgraph_batches",
    "canonical_forms",
    "is_canonical_batch",
    "count_blocks",
    "block_qgraphs",
]

T = TypeVar("T")

#: Target number of BFS-normal-form words tested together in one block.
BLOCK_CANDIDATES = 1 << 17


class QGraphBatch(NamedTuple):
    """A run of consecutive enumerated Q-graphs.

    Attributes
    ----------
    start : int
        Index (in the enumeration order) of ``phi[0]``.
    phi : numpy.ndarray
        int64 array of shape ``(N, m, r)``; ``phi[i]`` is graph number ``start + i``,
        in canonical form.

    Examples
    --------
    >>> batch = next(qgraph_batches(2, 2))
    >>> batch.start, batch.phi.shape
    (0, (6, 2, 2))
    """

    start: int
    phi: np.ndarray


# ---------------------------------------------------------------------------
# argument checks
def _check_size(name: str, value: object, low: int) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
        raise InvalidInput(f"{name}: expected an integer >= {low}, got {value!r}")
    return int(value)


def _check_args(m: object, r: object, start: object = 0, stop: object = None, jobs: object = 1) -> tuple[int, int, int, int | None, int]:
    m_ = _check_size("m", m, 1)
    r_ = _check_size("r", r, 1)
    if m_ > 127:
        raise InvalidInput(f"m: at most 127 nodes can be enumerated, got {m_}")
    start_ = _check_size("start", start, 0)
    stop_ = None if stop is None else _check_size("stop", stop, 0)
    jobs_ = _check_size("jobs", jobs, 1)
    return m_, r_, start_, stop_, jobs_


# ---------------------------------------------------------------------------
# BFS normal forms (accessible automata with initial node 0)
@lru_cache(maxsize=None)
def _completions(m: int, r: int, i: int, d: int) -> int:
    """Number of BFS-normal-form words extending a prefix of length ``i`` with ``d`` nodes discovered."""
    n = m * r
    if i == n:
        return 1
    u, last = divmod(i, r)[0], i % r == r - 1
    if last and d == u + 1 and d < m:
        return _completions(m, r, i + 1, d + 1)
    total = d * _completions(m, r, i + 1, d)
    if d < m:
        total += _completions(m, r, i + 1, d + 1)
    return total


def count_accessible_automata(m: int, r: int) -> int:
    """Number of words in BFS normal form: complete accessible automata with ``m`` states, ``r`` letters, up to isomorphism.

    These are the candidates that :func:`enumerate_qgraphs` tests (OEIS A006689
    for ``r = 2``: 1, 12, 216, 5248, 160675, 5931540).

    Examples
    --------
    >>> [count_accessible_automata(m, 2) for m in range(1, 5)]
    [1, 12, 216, 5248]
    """
    m_, r_, *_ = _check_args(m, r)
    return _completions(m_, r_, 0, 1)


def _expand(words: np.ndarray, disc: np.ndarray, i: int, m: int, r: int) -> tuple[np.ndarray, np.ndarray]:
    """All one-position extensions at position ``i``, in lexicographic order."""
    u = i // r
    if i % r == r - 1:
        forced = (disc == u + 1) & (disc < m)  # node u+1 must appear before row u+1
    else:
        forced = np.zeros(disc.shape[0], dtype=bool)
    counts = np.where(forced, 1, disc.astype(np.int64) + (disc < m))
    low = np.where(forced, disc, 0).astype(np.int8)
    parent = np.repeat(np.arange(disc.shape[0]), counts)
    first = np.cumsum(counts) - counts
    value = (low[parent] + (np.arange(parent.shape[0]) - first[parent])).astype(np.int8)
    out = words[parent]
    out[:, i] = value
    new_disc = disc[parent] + (value == disc[parent]).astype(np.int8)
    return out, new_disc


def _words_from(prefixes: np.ndarray, disc: np.ndarray, depth: int, stop: int, m: int, r: int) -> tuple[np.ndarray, np.ndarray]:
    for i in range(depth, stop):
        prefixes, disc = _expand(prefixes, disc, i, m, r)
    return prefixes, disc


@lru_cache(maxsize=64)
def _blocks(m: int, r: int) -> tuple[int, np.ndarray, np.ndarray, tuple[tuple[int, int], ...]]:
    """Split the words into contiguous lexicographic blocks of about ``BLOCK_CANDIDATES`` words.

    Returns the prefix depth, the prefixes (lexicographic order), their
    discovered-node counts, and blocks as half-open ranges of prefix indices.
    """
    n = m * r
    words = np.zeros((1, n), dtype=np.int8)
    disc = np.ones(1, dtype=np.int8)
    depth = 0
    while depth < n:
        sizes = [_completions(m, r, depth, int(d)) for d in disc]
        if max(sizes) <= BLOCK_CANDIDATES:
            break
        words, disc = _expand(words, disc, depth, m, r)
        depth += 1
    sizes = [_completions(m, r, depth, int(d)) for d in disc]
    blocks: list[tuple[int, int]] = []
    lo, acc = 0, 0
    for j, size in enumerate(sizes):
        if acc and acc + size > BLOCK_CANDIDATES:
            blocks.append((lo, j))
            lo, acc = j, 0
        acc += size
    blocks.append((lo, len(sizes)))
    words.flags.writeable = False
    disc.flags.writeable = False
    return depth, words, disc, tuple(blocks)


# ---------------------------------------------------------------------------
# vectorised breadth-first numbering
def _bfs_steps(flat: np.ndarray, count: int, m: int, r: int, start: int) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Number nodes breadth-first from ``start`` in ``count`` graphs at once.

    ``flat`` is the row-major concatenation of the words (``count * m * r``
    entries).  Yields ``(j, label, exhausted)`` for ``j = k*r + y`` in order,
    where ``label`` is the new number of ``phi[order[k], y]`` (the relabelled
    word's entry ``j``) and ``exhausted`` marks graphs whose search ran out
    of nodes before reaching all ``m`` (then ``label`` is meaningless).
    """
    n = m * r
    rows = np.arange(count, dtype=np.int64)
    base_word = rows * n
    base_pos = rows * m
    base_order = rows * (m + 1)
    pos = np.full(count * m, -1, dtype=np.int8)
    pos[base_pos + start] = 0
    order = np.zeros(count * (m + 1), dtype=np.int8)
    order[base_order] = start
    found = np.ones(count, dtype=np.int8)
    exhausted = np.zeros(count, dtype=bool)
    for k in range(m):
        if k:
            exhausted |= found <= k
        row_start = base_word + order[base_order + k].astype(np.int64) * r
        for y in range(r):
            target = flat[row_start + y]
            slot = base_pos + target
            label = pos[slot]
            new = label < 0
            label = np.where(new, found, label)
            pos[slot] = label
            tail = base_order + found
            order[tail] = np.where(new, target, order[tail])
            found += new
            yield k * r + y, label, exhausted


def _canonical_mask(words: np.ndarray, m: int, r: int) -> np.ndarray:
    """Indices of the BFS-normal-form ``words`` (shape ``(N, m*r)``) that are strongly connected canonical forms."""
    keep = np.arange(words.shape[0])
    for start in range(1, m):
        sub = np.ascontiguousarray(words[keep])
        verdict = np.zeros(sub.shape[0], dtype=np.int8)  # 0 undecided, -1 smaller word found, +1 larger
        exhausted = np.zeros(sub.shape[0], dtype=bool)
        for j, label, exhausted in _bfs_steps(sub.ravel(), sub.shape[0], m, r, start):
            open_ = verdict == 0
            verdict[open_] = np.sign(label[open_] - sub[open_, j])
        keep = keep[(verdict >= 0) & ~exhausted]
    return keep


def _block_words(m: int, r: int, block: int) -> np.ndarray:
    depth, prefixes, disc, blocks = _blocks(m, r)
    lo, hi = blocks[block]
    words, _ = _words_from(prefixes[lo:hi].copy(), disc[lo:hi].copy(), depth, m * r, m, r)
    return words


def _block_graphs(m: int, r: int, block: int) -> np.ndarray:
    words = _block_words(m, r, block)
    return words[_canonical_mask(words, m, r)]


def _block_count(m: int, r: int, block: int) -> int:
    words = _block_words(m, r, block)
    return int(_canonical_mask(words, m, r).shape[0])


def _map_blocks(func: Callable[[int, int, int], T], m: int, r: int, blocks: range, jobs: int) -> Iterator[T]:
    """``func(m, r, block)`` for each block, in order; with ``jobs > 1`` in joblib worker processes.

    Blocks go to the workers in windows of ``2 * jobs``, so a caller that stops
    early leaves no queued work behind.
    """
    if jobs == 1 or len(blocks) <= 1:
        yield from (func(m, r, b) for b in blocks)
        return
    from joblib import Parallel, delayed

    with Parallel(n_jobs=jobs) as parallel:
        window = 2 * jobs
        for lo in range(0, len(blocks), window):
            yield from parallel(delayed(func)(m, r, b) for b in blocks[lo : lo + window])


# ---------------------------------------------------------------------------
# public API
def qgraph_batches(m: int, r: int, *, start: int = 0, stop: int | None = None, jobs: int = 1) -> Iterator[QGraphBatch]:
    """Enumerated Q-graphs with indices in ``[start, stop)``, in batches of canonical ``phi`` arrays.

    Parameters
    ----------
    m, r : int
        Number of nodes (``1 <= m <= 127``) and output alphabet size (``r >= 1``).
    start, stop : int, optional
        Half-open index range in the enumeration order (module docstring);
        ``stop=None`` runs to the end.  Resume an interrupted job with
        ``start`` = number of graphs already handled.
    jobs : int, optional
        Worker processes (joblib) testing blocks in parallel; the output and
        its order do not depend on it.

    Yields
    ------
    QGraphBatch
        ``(start, phi)`` with ``phi`` of shape ``(N, m, r)``, int64; batches
        are consecutive and non-empty.

    Raises
    ------
    InvalidInput
        When an argument is not an integer in range (raised at the call,
        before iteration).

    Examples
    --------
    >>> [(b.start, b.phi.shape) for b in qgraph_batches(3, 2, start=50)]
    [(50, (2, 3, 2))]
    >>> qgraph_batches(0, 2)
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidInput: m: expected an integer >= 1, got 0
    """
    m_, r_, start_, stop_, jobs_ = _check_args(m, r, start, stop, jobs)
    return _batches(m_, r_, start_, stop_, jobs_)


def _batches(m: int, r: int, start: int, stop: int | None, jobs: int) -> Iterator[QGraphBatch]:
    if stop is not None and stop <= start:
        return
    n_blocks = len(_blocks(m, r)[3])
    index = 0
    block = 0
    # Skip whole blocks by counting only (no arrays kept) until ``start`` falls inside one.
    if start > 0:
        for count in _map_blocks(_block_count, m, r, range(n_blocks), jobs):
            if index + count > start:
                break
            index += count
            block += 1
        else:
            return
    for graphs in _map_blocks(_block_graphs, m, r, range(block, n_blocks), jobs):
        lo = max(start - index, 0)
        hi = graphs.shape[0] if stop is None else min(graphs.shape[0], stop - index)
        if hi > lo:
            phi = graphs[lo:hi].astype(np.int64).reshape(hi - lo, m, r)
            yield QGraphBatch(index + lo, phi)
        index += graphs.shape[0]
        if stop is not None and index >= stop:
            return


# ---------------------------------------------------------------------------
# partition for distributed work: blocks of the orderly generation tree
def count_blocks(m: int, r: int) -> int:
    """Number of blocks of the enumeration: subtrees of the orderly generation tree below a common prefix depth.

    Block ``b`` holds the graphs whose BFS-normal-form words extend the prefixes
    of block ``b`` (about ``BLOCK_CANDIDATES`` candidate words each); the blocks
    in order concatenate to the enumeration order, so a worker can generate and
    process block ``b`` alone (:func:`block_qgraphs`) with no graph sent to it.

    Examples
    --------
    >>> count_blocks(3, 2), count_blocks(7, 2)
    (1, 2343)
    """
    m_, r_, *_ = _check_args(m, r)
    return len(_blocks(m_, r_)[3])


def block_qgraphs(m: int, r: int, block: int) -> np.ndarray:
    """The canonical ``phi`` arrays of block ``block`` (int8, shape ``(N, m, r)``), in enumeration order.

    Examples
    --------
    >>> import numpy as np
    >>> all_graphs = np.concatenate([block_qgraphs(4, 2, b) for b in range(count_blocks(4, 2))])
    >>> len(all_graphs), all_graphs[0].tolist() == next(enumerate_qgraphs(4, 2)).phi.tolist()
    (892, True)
    """
    m_, r_, *_ = _check_args(m, r)
    n_blocks = len(_blocks(m_, r_)[3])
    if not isinstance(block, (int, np.integer)) or isinstance(block, bool) or not 0 <= block < n_blocks:
        raise InvalidInput(f"block: expected an integer in 0..{n_blocks - 1}, got {block!r}")
    return _block_graphs(m_, r_, int(block)).reshape(-1, m_, r_)


def enumerate_qgraphs(m: int, r: int, *, start: int = 0, stop: int | None = None, jobs: int = 1) -> Iterator[QGraph]:
    """All non-isomorphic strongly connected Q-graphs with ``m`` nodes over ``r`` outputs, each in canonical form.

    Orderly generation (module docstring): BFS normal forms are generated
    directly and the canonical ones kept, so every isomorphism class appears
    exactly once, in increasing lexicographic order of ``phi.ravel()``.
    Arguments are as in :func:`qgraph_batches` and are checked at the call.

    Examples
    --------
    >>> [g.phi.tolist() for g in enumerate_qgraphs(2, 2, stop=3)]
    [[[0, 1], [0, 0]], [[0, 1], [0, 1]], [[0, 1], [1, 0]]]
    >>> len(list(enumerate_qgraphs(3, 2)))
    52
    """
    m_, r_, start_, stop_, jobs_ = _check_args(m, r, start, stop, jobs)
    return (QGraph._trusted(phi) for batch in _batches(m_, r_, start_, stop_, jobs_) for phi in batch.phi)


def count_qgraphs(m: int, r: int, *, jobs: int = 1, progress: Callable[[int, int], None] | None = None) -> int:
    """Number of non-isomorphic strongly connected Q-graphs with ``m`` nodes over ``r`` outputs.

    For ``r = 2`` this is OEIS A027835 (1, 6, 52, 892, 21291, 658885, ...).
    Counts block by block without building graph objects; ``progress(done,
    total)`` is called after each block of candidates (for a progress bar).

    Examples
    --------
    >>> count_qgraphs(5, 2)
    21291
    >>> count_qgraphs(3, 3)
    2301
    """
    m_, r_, _, _, jobs_ = _check_args(m, r, 0, None, jobs)
    n_blocks = len(_blocks(m_, r_)[3])
    total = 0
    for done, count in enumerate(_map_blocks(_block_count, m_, r_, range(n_blocks), jobs_), start=1):
        total += count
        if progress is not None:
            progress(done, n_blocks)
    return total


def _as_phis(phis: np.ndarray) -> np.ndarray:
    arr = np.asarray(phis)
    if arr.ndim != 3 or arr.dtype.kind not in "iu" or arr.shape[1] < 1 or arr.shape[2] < 1:
        raise InvalidGraph(f"phis: expected an int array of shape (N, m, r) with m, r >= 1, got {arr.dtype} array of shape {arr.shape}")
    m = arr.shape[1]
    if arr.size and (arr.min() < 0 or arr.max() >= m):
        i, q, y = (int(v) for v in np.argwhere((arr < 0) | (arr >= m))[0])
        raise InvalidGraph(f"phis[{i}, {q}, {y}]: next node {int(arr[i, q, y])} out of range 0..{m - 1}")
    if m > 127:
        raise InvalidGraph(f"phis: at most 127 nodes supported, got m={m}")
    return np.ascontiguousarray(arr, dtype=np.int8)


def canonical_forms(phis: np.ndarray) -> np.ndarray:
    """Canonical forms of many Q-graphs at once (vectorised :meth:`QGraph.canonical`).

    Parameters
    ----------
    phis : array_like of int, shape (N, m, r)
        ``phis[i]`` is a ``phi`` array.  A graph in which no node reaches all
        others falls back to :meth:`QGraph.canonical` (brute force, small ``m``).

    Returns
    -------
    numpy.ndarray
        int64 array of shape ``(N, m, r)``; ``out[i]`` equals
        ``QGraph(phis[i]).canonical().phi``.

    Examples
    --------
    >>> canonical_forms([[[1, 1], [1, 0]], [[0, 1], [0, 0]]]).tolist()
    [[[0, 1], [0, 0]], [[0, 1], [0, 0]]]
    """
    arr = _as_phis(phis)
    count, m, r = arr.shape
    n = m * r
    flat = arr.reshape(-1)
    words = arr.reshape(count, n)
    best = np.full((count, n), m, dtype=np.int8)  # larger than any word
    rooted = np.zeros(count, dtype=bool)
    for start in range(m):
        cand = np.empty((count, n), dtype=np.int8)
        exhausted = np.zeros(count, dtype=bool)
        for j, label, exhausted in _bfs_steps(flat, count, m, r, start):
            cand[:, j] = label
        ok = ~exhausted
        rooted |= ok
        differ = cand != best
        first = differ.argmax(axis=1)
        rows = np.arange(count)
        smaller = ok & differ[rows, first] & (cand[rows, first] < best[rows, first])
        best[smaller] = cand[smaller]
    out = best.astype(np.int64).reshape(count, m, r)
    for i in np.flatnonzero(~rooted):
        out[i] = QGraph(words[i].reshape(m, r).astype(np.int64)).canonical().phi
    return out


def is_canonical_batch(phis: np.ndarray) -> np.ndarray:
    """Boolean mask: which graphs are strongly connected and equal to their canonical form.

    Exactly the graphs that :func:`enumerate_qgraphs` can yield.

    Examples
    --------
    >>> is_canonical_batch([[[0, 1], [0, 0]], [[1, 1], [1, 0]], [[0, 1], [1, 1]]]).tolist()
    [True, False, False]
    """
    arr = _as_phis(phis)
    count, m, r = arr.shape
    words = arr.reshape(count, m * r)
    in_normal_form = np.ones(count, dtype=bool)
    exhausted = np.zeros(count, dtype=bool)
    for j, label, exhausted in _bfs_steps(words.ravel(), count, m, r, 0):
        in_normal_form &= label == words[:, j]
    mask = np.zeros(count, dtype=bool)
    candidates = np.flatnonzero(in_normal_form & ~exhausted)
    mask[candidates[_canonical_mask(np.ascontiguousarray(words[candidates]), m, r)]] = True
    return mask

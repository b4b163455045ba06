"""Successive marginalisation: the entropy engine behind the causally conditioned measures (2.3).

The joint is summed over its variables in reverse time order and the entropy of
every prefix is taken once, so the directed information of an ``n``-letter pmf
costs about two passes of ``x log x`` over the joint and never more than one
temporary array of its size (joints of at most :data:`SMALL_CELLS` cells take
all prefix entropies in one batched pass).

Examples
--------
>>> from dicert.verify import Pmf
>>> from dicert.verify.measures._engine import SMALL_CELLS, _marginal_array
>>> p = Pmf.random((2, 3), ["X", "Y"], rng=0)
>>> _marginal_array(p, ["Y"])[0].shape, SMALL_CELLS
((3,), 4096)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from dicert.verify.backends import Backend
from dicert.verify.errors import InvalidInput
from dicert.verify.pmf import Pmf

from dicert.verify.measures._names import Group, _as_sequence, _as_set, _check_disjoint, _flat, _same_length, delayed

# --------------------------------------------------------------------------- core
def _sum_out(array: np.ndarray, axis: int, backend: Backend) -> np.ndarray:
    """Sum one axis out, as a new C-contiguous array (slice additions for small float axes)."""
    shape = array.shape
    if backend.name == "float64" and shape[axis] <= 16:
        size = shape[axis]
        view = array.reshape(math.prod(shape[:axis]), size, -1)  # arrays here are C-contiguous: a view
        out = np.add(view[:, 0, :], view[:, 1, :]) if size > 1 else view[:, 0, :].copy()
        for k in range(2, size):
            out += view[:, k, :]
        return out.reshape(shape[:axis] + shape[axis + 1 :])
    return np.asarray(backend.sum(array, axis=axis), dtype=array.dtype)


def _marginal_array(pmf: Pmf, names: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Marginal of ``names`` with axes kept in the pmf's order (no transpose, no copy when nothing is dropped)."""
    axes = set(pmf.axes(names, "variables"))
    dropped = tuple(axis for axis in range(len(pmf.names)) if axis not in axes)
    kept = [pmf.names[axis] for axis in range(len(pmf.names)) if axis in axes]
    if not dropped:
        return pmf.array, kept
    backend = pmf.number_backend
    array = pmf.array
    if backend.name == "float64":
        # One run of adjacent dropped axes at a time, FIRST run first: each step reduces the middle
        # axis of a 3-d view whose inner block (all later axes) is long while the array is still
        # large, so every pass streams contiguous memory.  A single np.sum over many interleaved
        # axes (time-ordered layouts X1, Y1, ..., Xn, Yn) walks the array with short strided inner
        # loops and was 3.5-5.7x slower than the X-first layout (benchmarks/bench_di_layout.py).
        runs: list[list[int]] = []
        for axis in dropped:
            if runs and runs[-1][-1] == axis - 1:
                runs[-1].append(axis)
            else:
                runs.append([axis])
        removed = 0
        for run in runs:
            shape = array.shape
            lo, hi = run[0] - removed, run[-1] + 1 - removed
            view = array.reshape(math.prod(shape[:lo]), math.prod(shape[lo:hi]), -1)
            array = _sum_out(view, 1, backend).reshape(shape[:lo] + shape[hi:])
            removed += len(run)
        return np.ascontiguousarray(array), kept
    return np.asarray(backend.sum(array, axis=dropped), dtype=array.dtype), kept


def _time_ordered_marginal(pmf: Pmf, variables: Sequence[str]) -> np.ndarray:
    array, current = _marginal_array(pmf, variables)
    permutation = [current.index(name) for name in variables]
    return np.ascontiguousarray(np.transpose(array, permutation))


def _entropy_nats(array: np.ndarray, backend: Backend) -> Any:
    return -backend.weighted_log_sum(array, array)


_TINY = np.finfo(np.float64).tiny

SMALL_CELLS: int = 1 << 12
"""float64 joints up to this many cells take the few-call path of :func:`_small_prefix_entropies`."""


def _small_prefix_entropies(pmf: Pmf, variables: list[str], needed: set[int]) -> dict[int, float]:
    """Entropies (nats) of the prefixes ``variables[:L]``, ``L in needed``, for a small float64 joint.

    The joint is put in time order once, prefix marginals are successive row
    sums, and all their ``x log x`` terms are evaluated in one vectorised pass
    (``numpy.add.reduceat``): a handful of numpy calls instead of several per
    prefix, which is what matters when the joint has only thousands of cells.
    """
    ordered = _time_ordered_marginal(pmf, variables)
    sizes = ordered.shape
    current = ordered.reshape(-1)
    lowest = min(needed)
    pieces: list[np.ndarray] = []
    lengths: list[int] = []
    length = len(variables)
    while True:
        if length in needed:
            pieces.append(current)
            lengths.append(length)
        if length <= lowest:
            break
        rows = current.reshape(-1, sizes[length - 1])
        if rows.shape[1] == 1:
            current = rows[:, 0]
        elif rows.shape[1] <= 16:  # column additions: numpy's reduce is slow on a short last axis
            current = rows[:, 0] + rows[:, 1]
            for column in range(2, rows.shape[1]):
                current += rows[:, column]
        else:
            current = rows.sum(axis=1)
        length -= 1
    values = np.concatenate(pieces) if len(pieces) > 1 else pieces[0]
    offsets = [0]
    for piece in pieces[:-1]:
        offsets.append(offsets[-1] + piece.size)
    terms = np.maximum(values, _TINY)
    np.log(terms, out=terms)
    terms *= values
    sums = np.add.reduceat(terms, offsets)
    return {length: -float(total) for length, total in zip(lengths, sums, strict=True)}



def _chain_entropy(pmf: Pmf, order: Sequence[Group], counted: Sequence[int]) -> Any:
    """``sum_{k in counted} H(order[k] | order[0], ..., order[k-1])`` in nats.

    The groups are revealed in ``order``; every needed prefix entropy is taken
    while the joint of all groups is marginalised from the last variable back.
    """
    backend = pmf.number_backend
    variables = list(_flat(order))
    ends: list[int] = []
    position = 0
    for group in order:
        position += len(group)
        ends.append(position)
    needed: set[int] = set()
    for k in counted:
        start = ends[k - 1] if k > 0 else 0
        if ends[k] > start:
            needed.update((ends[k], start))
    needed.discard(0)
    prefix_entropy: dict[int, Any] = {0: 0}
    if needed == {len(variables)}:  # a single joint entropy, e.g. H(Y^n): no prefixes to walk through
        array, _ = _marginal_array(pmf, variables)
        prefix_entropy[len(variables)] = _entropy_nats(array, backend)
        needed = set()
    if needed and backend.name == "float64":
        shape = pmf.shape
        small = math.prod(shape[axis] for axis in pmf.axes(variables, "variables")) <= SMALL_CELLS
    else:
        small = False
    if small:
        prefix_entropy.update(_small_prefix_entropies(pmf, variables, needed))
    elif needed:
        array, current = _marginal_array(pmf, variables)
        length = len(variables)
        lowest = min(needed)
        while True:
            if length in needed:
                prefix_entropy[length] = _entropy_nats(array, backend)
            if length <= lowest:
                break
            axis = current.index(variables[length - 1])
            array = _sum_out(array, axis, backend)
            del current[axis]
            length -= 1
    total: Any = 0
    for k in counted:
        start = ends[k - 1] if k > 0 else 0
        if ends[k] > start:
            total = total + (prefix_entropy[ends[k]] - prefix_entropy[start])
    return total


def _causal_order(
    ys: Sequence[Group], conditioners: Sequence[Group], given: Group
) -> tuple[list[Group], list[int]]:
    """Reveal order ``W, C_1, Y_1, C_2, Y_2, ...`` for ``sum_i H(Y_i | Y^{i-1}, C_1..C_i, W)`` (2.3).

    ``conditioners[i]`` lists what is known causally at time ``i`` (cumulative:
    variables already revealed are skipped). Returns the order and the
    positions of the ``Y_i`` groups.
    """
    order: list[Group] = [given]
    counted: list[int] = []
    revealed = set(given)
    for y_group, c_group in zip(ys, conditioners, strict=True):
        new = tuple(dict.fromkeys(name for name in c_group if name not in revealed))
        revealed.update(new)
        order.append(new)
        order.append(y_group)
        counted.append(len(order) - 1)
        revealed.update(y_group)
    return order, counted


def _cc_entropy_nats(pmf: Pmf, ys: Sequence[Group], conditioners: Sequence[Group], given: Group) -> Any:
    """``H(Y^n || C^n | W) = sum_i H(Y_i | Y^{i-1}, C^i, W)`` in nats (C cumulative)."""
    order, counted = _causal_order(ys, conditioners, given)
    return _chain_entropy(pmf, order, counted)


def _directed_nats(
    pmf: Pmf,
    xs: Sequence[Group],
    ys: Sequence[Group],
    causal_given: Sequence[Group],
    given: Group,
    delay: int,
) -> Any:
    """``I(D^d X^n -> Y^n || Z^n | W) = H(Y^n || Z^n | W) - H(Y^n || D^d X^n, Z^n | W)`` (2.5), (2.9)."""
    n = len(ys)
    shifted = delayed(list(xs), delay) if n else []
    with_x = [tuple(x) + tuple(z) for x, z in zip(shifted, causal_given, strict=True)]
    return _cc_entropy_nats(pmf, ys, causal_given, given) - _cc_entropy_nats(pmf, ys, with_x, given)


def _is_empty(sequence: Any) -> bool:
    return sequence is None or (isinstance(sequence, tuple | list) and len(sequence) == 0)


def _prepare_pair(
    pmf: Pmf, xs: Any, ys: Any, given: Any, causal_given: Any = ()
) -> tuple[tuple[Group, ...], tuple[Group, ...], tuple[Group, ...], Group]:
    if not isinstance(pmf, Pmf):
        raise InvalidInput(f"pmf: expected a Pmf, got {type(pmf).__name__}")
    x_groups = _as_sequence(xs, "xs")
    y_groups = _as_sequence(ys, "ys")
    _same_length("xs", x_groups, len(y_groups))
    z_groups = tuple(() for _ in y_groups) if _is_empty(causal_given) else _as_sequence(causal_given, "causal_given")
    _same_length("causal_given", z_groups, len(y_groups))
    w = _as_set(given, "given")
    # conditioning arguments may share variables (e.g. I(X^n -> Y^n || DX^n)); the outputs may not
    conditioning = tuple(dict.fromkeys(_flat(x_groups) + _flat(z_groups) + w))
    _check_disjoint(**{"xs, causal_given or given": conditioning}, ys=_flat(y_groups))
    pmf.axes(conditioning + _flat(y_groups), "variables")
    return x_groups, y_groups, z_groups, w


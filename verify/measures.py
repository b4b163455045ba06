"""Information measures of chapter 2: entropy to directed information, InfoMat and DI rates.

Every measure takes a :class:`~dicert.verify.pmf.Pmf` and variable names, in
the order ``(pmf, xs, ys, given=(), base=2)``:

* a *set* argument (``xs`` of :func:`entropy`, :func:`mutual_information`,
  ``given`` everywhere) is a variable name or a sequence of names;
* a *sequence* argument (``xs``, ``ys`` of :func:`directed_information` and
  friends) lists the variables of times ``1..n``: each entry is a name or a
  tuple of names (a vector symbol at that time) or ``()`` (the null symbol of
  the monograph's delay operator ``D``). :func:`delayed` and :func:`joint`
  build shifted and paired sequences, e.g. ``DX^n = delayed(xs)`` and
  ``(X^n, Z^n) = joint(xs, zs)``.

Results are in bits by default (``base=2``; ``base="e"`` for nats) and in the
pmf's number type: a Python float (float64), an ``mpmath.mpf`` (mpmath) or an
exact sympy expression (sympy; rational pmfs give closed forms
``a + sum_q c_q log(q)/log(2)``).

Causally conditioned entropies (2.3) are computed by *successive
marginalisation*: the joint is summed over its variables in reverse time order
and the entropy of every prefix is taken once, so the directed information of
an ``n``-letter pmf costs about two passes of ``x log x`` over the joint and
never more than one temporary array of its size (joints of at most
:data:`SMALL_CELLS` cells instead take all prefix entropies in one batched
pass, trading a few times their tiny size for fewer numpy calls).

Equation numbers refer to the monograph (``seeds/004_...txt``, chapter 2).

Examples
--------
>>> import numpy as np
>>> from dicert.verify import Pmf
>>> from dicert.verify.measures import directed_information, mutual_information
>>> p = Pmf.random((2, 2, 2, 2), ["X1", "X2", "Y1", "Y2"], rng=0)
>>> di = directed_information(p, ["X1", "X2"], ["Y1", "Y2"])
>>> 0 <= di <= mutual_information(p, ["X1", "X2"], ["Y1", "Y2"])
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from dicert.verify._numeric import check_conditional_rows
from dicert.verify.backends import Backend
from dicert.verify.errors import InvalidInput
from dicert.verify.memory import check_allocation
from dicert.verify.pmf import Pmf

__all__ = [
    "InformationRate",
    "causal_kernel",
    "causally_conditioned_directed_information",
    "causally_conditioned_entropy",
    "conditional_entropy",
    "conditional_mutual_information",
    "delayed",
    "directed_information",
    "directed_information_kl",
    "directed_information_rate",
    "entropy",
    "info_mat",
    "instantaneous_information",
    "instantaneous_information_rate",
    "joint",
    "markov_pair_pmf",
    "mutual_information",
    "reverse_directed_information",
    "transfer_entropy",
    "transfer_entropy_rate",
]

Group = tuple[str, ...]
NameSet = str | Sequence[str]
NameSequence = Sequence[str | Sequence[str]]


# --------------------------------------------------------------------------- arguments
def _as_set(names: Any, field: str) -> Group:
    """A variable name or a sequence of names (nested groups are flattened)."""
    if isinstance(names, str):
        return (names,)
    try:
        items = list(names)
    except TypeError:
        raise InvalidInput(f"{field}: expected a variable name or a sequence of names, got {names!r}") from None
    out: list[str] = []
    for item in items:
        out.extend(_as_group(item, field))
    if len(set(out)) != len(out):
        repeated = next(name for name in out if out.count(name) > 1)
        raise InvalidInput(f"{field}: variable {repeated!r} is listed twice")
    return tuple(out)


def _as_group(item: Any, field: str) -> Group:
    if isinstance(item, str):
        return (item,)
    try:
        group = tuple(item)
    except TypeError:
        raise InvalidInput(f"{field}: expected variable names (str) or tuples of names, got {item!r}") from None
    for name in group:
        if not isinstance(name, str):
            raise InvalidInput(f"{field}: expected variable names (str), got {name!r}")
    return group


def _as_sequence(sequence: Any, field: str) -> tuple[Group, ...]:
    """Time-indexed groups: each entry a name, a tuple of names, or () for the null symbol."""
    if isinstance(sequence, str):
        return ((sequence,),)
    try:
        items = list(sequence)
    except TypeError:
        raise InvalidInput(f"{field}: expected a sequence of variable names, got {sequence!r}") from None
    groups = tuple(_as_group(item, field) for item in items)
    flat = [name for group in groups for name in group]
    if len(set(flat)) != len(flat):
        repeated = next(name for name in flat if flat.count(name) > 1)
        raise InvalidInput(f"{field}: variable {repeated!r} appears at two times")
    return groups


def _check_disjoint(**fields: Sequence[str]) -> None:
    seen: dict[str, str] = {}
    for field, names in fields.items():
        for name in names:
            if name in seen:
                raise InvalidInput(
                    f"{field}: variable {name!r} also appears in {seen[name]}; the arguments must be disjoint"
                )
            seen[name] = field


def _flat(groups: Sequence[Group]) -> Group:
    return tuple(name for group in groups for name in group)


def _check_base(base: Any) -> int | float | str:
    if base == "e":
        return "e"
    if isinstance(base, bool) or not isinstance(base, int | float) or not math.isfinite(base) or base <= 0 or base == 1:
        raise InvalidInput(f"base: expected 2, 'e' or a positive number other than 1, got {base!r}")
    return base


def _same_length(field: str, groups: Sequence[Group], n: int) -> None:
    if len(groups) != n:
        raise InvalidInput(f"{field}: has {len(groups)} time steps, expected {n} (as many as ys)")


def delayed(sequence: NameSequence, delay: int = 1) -> list[Group]:
    """The delayed sequence ``D^d X^n = (null, ..., null, X_1, ..., X_{n-d})``.

    The delay operator of the monograph (``DX^n = (∅, X^{n-1})``, (2.13)):
    entry ``i`` of the result is the group of ``sequence[i - delay]`` and the
    first ``delay`` entries are the null symbol ``()``.

    Examples
    --------
    >>> delayed(["X1", "X2", "X3"])
    [(), ('X1',), ('X2',)]
    >>> delayed(["X1", "X2", "X3"], 2)
    [(), (), ('X1',)]
    """
    if isinstance(delay, bool) or not isinstance(delay, int | np.integer) or delay < 0:
        raise InvalidInput(f"delay: expected a non-negative integer, got {delay!r}")
    groups = list(_as_sequence(sequence, "sequence"))
    delay = int(delay)
    if delay == 0:
        return groups
    return [() for _ in range(min(delay, len(groups)))] + groups[: max(len(groups) - delay, 0)]


def joint(*sequences: NameSequence) -> list[Group]:
    """Pair sequences time by time: ``joint(xs, zs)[i] = xs[i] + zs[i]`` (the process (X, Z)).

    Examples
    --------
    >>> joint(["X1", "X2"], ["Z1", "Z2"])
    [('X1', 'Z1'), ('X2', 'Z2')]
    >>> joint(delayed(["X1", "X2"]), ["Z1", "Z2"])
    [('Z1',), ('X1', 'Z2')]
    """
    groups = [_as_sequence(sequence, f"sequences[{k}]") for k, sequence in enumerate(sequences)]
    lengths = {len(g) for g in groups}
    if len(lengths) > 1:
        raise InvalidInput(f"sequences: lengths {[len(g) for g in groups]} differ, expected equal lengths")
    return [tuple(name for g in step for name in g) for step in zip(*groups, strict=True)]


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


# --------------------------------------------------------------------------- Shannon measures
def entropy(pmf: Pmf, xs: NameSet, given: NameSet = (), base: int | float | str = 2) -> Any:
    """Entropy ``H(X | W) = -E[log P(X | W)]`` (section 2.1); ``given=()`` gives ``H(X)``.

    Parameters
    ----------
    pmf
        Joint pmf containing the variables.
    xs
        Variable name or names of ``X``.
    given
        Names of the conditioning variables ``W``.
    base
        Logarithm base: 2 (bits, default), ``"e"`` (nats) or any number > 0, != 1.

    Returns
    -------
    float | mpmath.mpf | sympy.Expr
        In the number type of the pmf's backend.

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify import Pmf
    >>> p = Pmf(np.array([[0.25, 0.25], [0.5, 0.0]]), ["X", "Y"])
    >>> entropy(p, "X")
    1.0
    >>> round(entropy(p, ["X", "Y"]), 6)
    1.5
    >>> from fractions import Fraction
    >>> q = Pmf(np.array([Fraction(1, 3), Fraction(2, 3)], dtype=object), ["X"])
    >>> entropy(q, "X")
    -2/3 + log(3)/log(2)
    """
    base = _check_base(base)
    if not isinstance(pmf, Pmf):
        raise InvalidInput(f"pmf: expected a Pmf, got {type(pmf).__name__}")
    x = _as_set(xs, "xs")
    w = _as_set(given, "given")
    _check_disjoint(xs=x, given=w)
    pmf.axes(x + w, "variables")
    return pmf.number_backend.finish(_chain_entropy(pmf, [w, x], [1]), base)


def conditional_entropy(pmf: Pmf, xs: NameSet, given: NameSet, base: int | float | str = 2) -> Any:
    """Conditional entropy ``H(X | W) = H(X, W) - H(W)`` (section 2.1).

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify import Pmf
    >>> p = Pmf(np.array([[0.5, 0.0], [0.25, 0.25]]), ["X", "Y"])
    >>> round(conditional_entropy(p, "Y", "X"), 12)
    0.5
    """
    return entropy(pmf, xs, given, base)


def mutual_information(
    pmf: Pmf, xs: NameSet, ys: NameSet, given: NameSet = (), base: int | float | str = 2
) -> Any:
    """Mutual information ``I(X; Y | W) = H(X | W) - H(X | Y, W)`` (section 2.1, (2.6)).

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify import Pmf
    >>> p = Pmf(np.array([[0.5, 0.0], [0.0, 0.5]]), ["X", "Y"])
    >>> mutual_information(p, "X", "Y")
    1.0
    >>> import math
    >>> round(mutual_information(p, "X", "Y", base="e"), 12) == round(math.log(2), 12)
    True
    """
    base = _check_base(base)
    if not isinstance(pmf, Pmf):
        raise InvalidInput(f"pmf: expected a Pmf, got {type(pmf).__name__}")
    x = _as_set(xs, "xs")
    y = _as_set(ys, "ys")
    w = _as_set(given, "given")
    _check_disjoint(xs=x, ys=y, given=w)
    pmf.axes(x + y + w, "variables")
    nats = _chain_entropy(pmf, [w, x], [1]) - _chain_entropy(pmf, [w, y, x], [2])
    return pmf.number_backend.finish(nats, base)


def conditional_mutual_information(
    pmf: Pmf, xs: NameSet, ys: NameSet, given: NameSet, base: int | float | str = 2
) -> Any:
    """Conditional mutual information ``I(X; Y | Z)`` (section 2.1).

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify import Pmf
    >>> xor = Pmf.from_function(lambda x, y, z: 0.25 * (z == x ^ y), ["X", "Y", "Z"], [2, 2, 2])
    >>> mutual_information(xor, "X", "Y"), conditional_mutual_information(xor, "X", "Y", "Z")
    (0.0, 1.0)
    """
    return mutual_information(pmf, xs, ys, given, base)


# --------------------------------------------------------------------------- causal conditioning
def causally_conditioned_entropy(
    pmf: Pmf,
    ys: NameSequence,
    xs: NameSequence,
    given: NameSet = (),
    base: int | float | str = 2,
    *,
    delay: int = 0,
) -> Any:
    """Causally conditioned entropy ``H(Y^n || X^{n-d} | W) = sum_i H(Y_i | Y^{i-1}, X^{i-d}, W)`` (2.3).

    With ``delay=0`` this is ``H(Y^n || X^n)`` of section 2.2.2; with
    ``delay=1`` it is ``H(Y^n || X^{n-1})``, the entropy of the causally
    conditioned law ``P(y^n || x^{n-1})``. ``xs`` may be ``()`` (no causal
    conditioning: ``H(Y^n | W)``).

    Parameters
    ----------
    pmf
        Joint pmf of the sequences.
    ys, xs
        Time-indexed variable names (entries may be tuples of names).
    given
        Names conditioned on non-causally (all times), as in (2.10).
    delay
        Non-negative delay ``d`` of the conditioning sequence.
    base
        Logarithm base.

    Examples
    --------
    Two uses of a noiseless channel ``Y_i = X_i`` with i.i.d. uniform inputs:

    >>> import numpy as np
    >>> from dicert.verify import Pmf
    >>> p = Pmf.from_function(lambda x1, x2, y1, y2: 0.25 * (y1 == x1) * (y2 == x2),
    ...                       ["X1", "X2", "Y1", "Y2"], [2, 2, 2, 2])
    >>> causally_conditioned_entropy(p, ["Y1", "Y2"], ["X1", "X2"])
    0.0
    >>> causally_conditioned_entropy(p, ["Y1", "Y2"], ["X1", "X2"], delay=1)
    2.0
    """
    base = _check_base(base)
    y_groups = _as_sequence(ys, "ys")
    if _is_empty(xs):
        xs = [() for _ in y_groups]
    x_groups, y_groups, _, w = _prepare_pair(pmf, xs, y_groups, given)
    conditioners = delayed(list(x_groups), _check_delay(delay))
    return pmf.number_backend.finish(_cc_entropy_nats(pmf, y_groups, conditioners, w), base)


def directed_information(
    pmf: Pmf,
    xs: NameSequence,
    ys: NameSequence,
    given: NameSet = (),
    base: int | float | str = 2,
    *,
    causal_given: NameSequence = (),
    delay: int = 0,
) -> Any:
    """Directed information ``I(X^n -> Y^n) = sum_i I(X^i; Y_i | Y^{i-1})`` (2.1).

    Computed as ``H(Y^n) - H(Y^n || X^n)`` (2.5) by successive
    marginalisation of the joint. Options give the variants of chapter 2:

    * ``causal_given=zs``: causally conditioned DI
      ``I(X^n -> Y^n || Z^n) = sum_i I(X^i; Y_i | Y^{i-1}, Z^i)`` (2.9);
    * ``given=ws``: conditional DI ``sum_i I(X^i; Y_i | Y^{i-1}, W)`` (2.10)
      (pass all of ``Z^n`` as ``given`` for ``I(X^n -> Y^n | Z^n)``);
    * ``delay=d``: ``I(D^d X^n -> Y^n) = sum_i I(X^{i-d}; Y_i | Y^{i-1})``
      (e.g. ``I(DX^n -> Y^n)`` in (2.16)).

    Parameters
    ----------
    pmf
        Joint pmf of the sequences.
    xs, ys
        Time-indexed names of ``X^n`` and ``Y^n`` (same length; entries may be
        tuples of names or ``()``).
    given
        Names conditioned on at every time.
    causal_given
        Time-indexed names of ``Z^n`` for causal conditioning.
    delay
        Delay of ``X``.
    base
        Logarithm base.

    Examples
    --------
    Inputs i.i.d. uniform, ``Y_1 = X_2`` and ``Y_2 = 0`` (Example 2.3.2: the
    information flows from ``Y`` to ``X``):

    >>> import numpy as np
    >>> from dicert.verify import Pmf
    >>> p = Pmf.from_function(lambda x1, x2, y1, y2: 0.25 * (y1 == x2) * (y2 == 0),
    ...                       ["X1", "X2", "Y1", "Y2"], [2, 2, 2, 2])
    >>> directed_information(p, ["X1", "X2"], ["Y1", "Y2"])
    0.0
    >>> reverse_directed_information(p, ["X1", "X2"], ["Y1", "Y2"])
    1.0

    Exact arithmetic with a rational pmf:

    >>> import sympy
    >>> q = Pmf(np.array([[[[sympy.Rational(k + 1, 136)]] for k in range(16)]], dtype=object).reshape(2, 2, 2, 2),
    ...         ["X1", "X2", "Y1", "Y2"])
    >>> di = directed_information(q, ["X1", "X2"], ["Y1", "Y2"])
    >>> di.free_symbols, float(di) > 0
    (set(), True)
    """
    base = _check_base(base)
    x, y, z, w = _prepare_pair(pmf, xs, ys, given, causal_given)
    return pmf.number_backend.finish(_directed_nats(pmf, x, y, z, w, _check_delay(delay)), base)


def _check_delay(delay: Any) -> int:
    if isinstance(delay, bool) or not isinstance(delay, int | np.integer) or delay < 0:
        raise InvalidInput(f"delay: expected a non-negative integer, got {delay!r}")
    return int(delay)


def causally_conditioned_directed_information(
    pmf: Pmf,
    xs: NameSequence,
    ys: NameSequence,
    zs: NameSequence,
    given: NameSet = (),
    base: int | float | str = 2,
) -> Any:
    """Causally conditioned DI ``I(X^n -> Y^n || Z^n) = H(Y^n || Z^n) - H(Y^n || X^n, Z^n)`` (2.9).

    Equal to ``sum_i I(X^i; Y_i | Y^{i-1}, Z^i)``. Same as
    ``directed_information(pmf, xs, ys, given, causal_given=zs)``.

    Examples
    --------
    ``Y_i = X_i XOR Z_i`` with i.i.d. uniform ``X_i, Z_i``: ``X`` alone says
    nothing about ``Y``, but knowing ``Z`` causally it determines it.

    >>> from dicert.verify import Pmf
    >>> p = Pmf.from_function(lambda x, z, y: 0.25 * (y == x ^ z), ["X1", "Z1", "Y1"], [2, 2, 2])
    >>> directed_information(p, ["X1"], ["Y1"])
    0.0
    >>> causally_conditioned_directed_information(p, ["X1"], ["Y1"], ["Z1"])
    1.0
    """
    return directed_information(pmf, xs, ys, given, causal_given=zs, base=base)


def reverse_directed_information(
    pmf: Pmf, xs: NameSequence, ys: NameSequence, given: NameSet = (), base: int | float | str = 2
) -> Any:
    """Delayed reverse DI ``I(DY^n -> X^n) = sum_i I(Y^{i-1}; X_i | X^{i-1})`` (2.13).

    The feedback information; Massey's conservation law (2.13) reads
    ``I(X^n; Y^n) = I(X^n -> Y^n) + I(DY^n -> X^n)``. Note the argument order:
    ``xs`` then ``ys``, as in the forward DI.

    Examples
    --------
    >>> from dicert.verify import Pmf
    >>> p = Pmf.random((2, 2, 2, 2), ["X1", "X2", "Y1", "Y2"], rng=3)
    >>> xs, ys = ["X1", "X2"], ["Y1", "Y2"]
    >>> total = directed_information(p, xs, ys) + reverse_directed_information(p, xs, ys)
    >>> abs(total - mutual_information(p, xs, ys)) < 1e-12
    True
    """
    base = _check_base(base)
    x, y, z, w = _prepare_pair(pmf, xs, ys, given)
    return pmf.number_backend.finish(_directed_nats(pmf, y, x, z, w, 1), base)


def instantaneous_information(
    pmf: Pmf,
    xs: NameSequence,
    ys: NameSequence,
    given: NameSet = (),
    base: int | float | str = 2,
    *,
    causal_given: NameSequence = (),
) -> Any:
    """Instantaneous information ``I(X^n -> Y^n || DX^n) = sum_i I(X_i; Y_i | X^{i-1}, Y^{i-1})`` (2.15).

    With ``causal_given=zs`` it is ``I(X^n -> Y^n || DX^n, Z^n)``, the last
    term of (2.17). It is symmetric in ``X`` and ``Y``.

    Examples
    --------
    >>> from dicert.verify import Pmf
    >>> p = Pmf.from_function(lambda x, y: 0.5 * (x == y), ["X1", "Y1"], [2, 2])
    >>> instantaneous_information(p, ["X1"], ["Y1"])
    1.0
    """
    base = _check_base(base)
    x, y, z, w = _prepare_pair(pmf, xs, ys, given, causal_given)
    past_x_and_z = [tuple(d) + tuple(g) for d, g in zip(delayed(list(x), 1), z, strict=True)]
    with_x = [tuple(a) + tuple(b) for a, b in zip(x, past_x_and_z, strict=True)]
    nats = _cc_entropy_nats(pmf, y, past_x_and_z, w) - _cc_entropy_nats(pmf, y, with_x, w)
    return pmf.number_backend.finish(nats, base)


def transfer_entropy(
    pmf: Pmf,
    xs: NameSequence,
    ys: NameSequence,
    given: NameSet = (),
    base: int | float | str = 2,
    *,
    k: int | None = None,
    l: int | None = None,  # noqa: E741 (the monograph's name)
) -> Any:
    """Transfer entropy ``T_n^{X->Y}(k, l) = I(X_{n-k}^{n-1}; Y_n | Y_{n-l}^{n-1})`` (2.28)-(2.29).

    ``n = len(ys)`` is the time at which it is measured; ``k`` and ``l``
    (default ``n - 1``, the whole past) are the horizons of ``X`` and ``Y``.
    With ``k = l = i - 1`` on the first ``i`` letters it is the
    past-to-present part of the DI increment: relation (2.30)
    ``I(X^n -> Y^n) = sum_i [T_i(i-1, i-1) + I(X_i; Y_i | X^{i-1}, Y^{i-1})]``.

    Examples
    --------
    ``Y_2 = X_1`` with everything else uniform:

    >>> from dicert.verify import Pmf
    >>> p = Pmf.from_function(lambda x1, x2, y1, y2: 0.125 * (y2 == x1), ["X1", "X2", "Y1", "Y2"], [2, 2, 2, 2])
    >>> transfer_entropy(p, ["X1", "X2"], ["Y1", "Y2"])
    1.0
    >>> transfer_entropy(p, ["X1", "X2"], ["Y1", "Y2"], k=0)
    0.0
    """
    base = _check_base(base)
    x, y, _, w = _prepare_pair(pmf, xs, ys, given)
    n = len(y)
    if n == 0:
        raise InvalidInput("ys: expected at least one time step")
    k = n - 1 if k is None else k
    l = n - 1 if l is None else l  # noqa: E741
    for field, value in (("k", k), ("l", l)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or not 0 <= value <= max(n - 1, 0):
            raise InvalidInput(f"{field}: expected an integer in [0, {max(n - 1, 0)}] (n = {n}), got {value!r}")
    x_past = _flat(x[n - 1 - k : n - 1])
    y_past = _flat(y[n - 1 - l : n - 1])
    nats = _chain_entropy(pmf, [w + y_past, y[n - 1]], [1]) - _chain_entropy(pmf, [w + y_past + x_past, y[n - 1]], [1])
    return pmf.number_backend.finish(nats, base)


# --------------------------------------------------------------------------- materialised laws
def _divide_or_fill(numerator: np.ndarray, denominator: np.ndarray, fill: Any, backend: Backend) -> np.ndarray:
    """``numerator / denominator`` elementwise, ``fill`` where the denominator is zero."""
    zero = backend.is_zero_mask(denominator)
    if backend.name == "float64":
        out = np.empty(np.broadcast_shapes(numerator.shape, denominator.shape), dtype=np.float64)
        out[...] = fill
        safe = np.where(zero, 1.0, denominator)
        np.divide(numerator, safe, out=out, where=np.broadcast_to(~zero, out.shape))
        return out
    numerator_b, denominator_b, zero_b = np.broadcast_arrays(numerator, denominator, zero)
    out = np.empty(numerator_b.shape, dtype=object)
    for index in np.ndindex(*out.shape):
        out[index] = fill if zero_b[index] else numerator_b[index] / denominator_b[index]
    return out


def _time_ordered_marginal(pmf: Pmf, variables: Sequence[str]) -> np.ndarray:
    array, current = _marginal_array(pmf, variables)
    permutation = [current.index(name) for name in variables]
    return np.ascontiguousarray(np.transpose(array, permutation))


def causal_kernel(pmf: Pmf, ys: NameSequence, xs: NameSequence, delay: int = 0) -> np.ndarray:
    """The causally conditioned law ``P(y^n || x^{n-d}) = prod_i P(y_i | y^{i-1}, x^{i-d})`` (2.2).

    Returns a dense array over the variables of ``xs`` and ``ys``, with axes
    in the order these variables have in ``pmf.names``. Conditional laws on
    zero-probability pasts are taken uniform (any choice leaves
    ``P(x^n, y^n) = P(x^n || y^{n-1}) P(y^n || x^n)`` true).

    Examples
    --------
    For every ``x^n``, ``P(. || x^n)`` is a pmf over ``y^n``, and the joint
    factorises causally (section 2.2.1):

    >>> import numpy as np
    >>> from dicert.verify import Pmf
    >>> p = Pmf.random((2, 2, 2, 2), ["X1", "X2", "Y1", "Y2"], rng=5)
    >>> forward = causal_kernel(p, ["Y1", "Y2"], ["X1", "X2"])
    >>> np.allclose(forward.sum(axis=(2, 3)), 1)
    True
    >>> feedback = causal_kernel(p, ["X1", "X2"], ["Y1", "Y2"], delay=1)
    >>> np.allclose(feedback * forward, p.array)
    True
    """
    x, y, _, w = _prepare_pair(pmf, xs, ys, ())
    backend = pmf.number_backend
    conditioners = delayed(list(x), _check_delay(delay))
    order, counted = _causal_order(y, conditioners, w)
    variables = list(_flat(order))
    target = [name for name in pmf.names if name in set(_flat(x) + _flat(y))]
    shape_of = dict(zip(pmf.names, pmf.shape, strict=True))
    check_allocation([shape_of[name] for name in target], backend.itemsize, "causal kernel")
    full = _time_ordered_marginal(pmf, variables)
    prefixes: dict[int, np.ndarray] = {len(variables): full}
    array = full
    for length in range(len(variables), 0, -1):
        array = _sum_out(array, length - 1, backend)
        prefixes[length - 1] = array
    kernel: np.ndarray = np.asarray(backend.scalar(1), dtype=full.dtype).reshape((1,) * len(variables))
    end = 0
    for k, group in enumerate(order):
        start = end
        end = start + len(group)
        if k not in counted or end == start:
            continue
        numerator = prefixes[end]
        denominator = prefixes[start].reshape(prefixes[start].shape + (1,) * (end - start))
        cells = math.prod(numerator.shape[start:end])
        ratio = _divide_or_fill(numerator, denominator, backend.scalar(1) / cells, backend)
        ratio = ratio.reshape(ratio.shape + (1,) * (len(variables) - end))
        kernel = kernel * ratio
    kernel = np.broadcast_to(kernel, tuple(shape_of[name] for name in variables))
    missing = [name for name in target if name not in variables]
    expanded = kernel.reshape(kernel.shape + (1,) * len(missing))
    axis_names = variables + missing
    permuted = np.transpose(expanded, [axis_names.index(name) for name in target])
    return np.array(np.broadcast_to(permuted, tuple(shape_of[name] for name in target)), dtype=full.dtype, copy=True)


def directed_information_kl(pmf: Pmf, xs: NameSequence, ys: NameSequence, base: int | float | str = 2) -> Any:
    """DI as a KL divergence, ``I(X^n -> Y^n) = D(P_{X^n,Y^n} || P_{X^n||Y^{n-1}} P_{Y^n})`` (2.11).

    Materialises the causally conditioned law ``P(x^n || y^{n-1})`` and the
    output marginal; an independent route to the value of
    :func:`directed_information` (which uses (2.5)).

    Examples
    --------
    >>> from dicert.verify import Pmf
    >>> p = Pmf.random((2, 2, 2, 2), ["X1", "X2", "Y1", "Y2"], rng=11)
    >>> abs(directed_information_kl(p, ["X1", "X2"], ["Y1", "Y2"])
    ...     - directed_information(p, ["X1", "X2"], ["Y1", "Y2"])) < 1e-12
    True
    """
    base = _check_base(base)
    x, y, _, _ = _prepare_pair(pmf, xs, ys, ())
    backend = pmf.number_backend
    target = [name for name in pmf.names if name in set(_flat(x) + _flat(y))]
    joint_array = pmf.marginal(target).array
    feedback = causal_kernel(pmf, x, y, delay=1)
    output, current = _marginal_array(pmf, _flat(y))  # axes in pmf order, as in target
    output = output.reshape(tuple(output.shape[current.index(name)] if name in current else 1 for name in target))
    reference = feedback * output
    ratio = _divide_or_fill(joint_array, reference, backend.scalar(1), backend)
    return backend.finish(backend.weighted_log_sum(joint_array, ratio), base)


def info_mat(
    pmf: Pmf, xs: NameSequence, ys: NameSequence, given: NameSet = (), base: int | float | str = 2
) -> np.ndarray:
    """The InfoMat ``I[i, j] = I(X_i; Y_j | X^{i-1}, Y^{j-1})`` (section 2.3, (2.18)).

    An ``n x n`` matrix (0-based indices ``[i-1, j-1]``) whose sums give the
    decompositions (2.18)-(2.20):

    * all entries: ``I(X^n; Y^n)``;
    * upper triangle with the diagonal (``i <= j``): ``I(X^n -> Y^n)``;
    * strict lower triangle (``i > j``): ``I(DY^n -> X^n)``;
    * diagonal: the instantaneous information (2.15);
    * row ``i``: ``I(X_i; Y^n | X^{i-1})``; column ``j``: ``I(X^n; Y_j | Y^{j-1})``;
      the part of column ``j`` above the diagonal: ``T_j(j-1, j-1)`` (2.29).

    Returns a float64 array for float64 pmfs and an object array otherwise.

    Examples
    --------
    Example 2.3.2 with ``n = 3``: ``Y_i = X_{i+1}``; the only nonzero entries
    lie on the sub-diagonal (information flows from ``Y_{i-1}`` to ``X_i``):

    >>> import numpy as np
    >>> from dicert.verify import Pmf
    >>> p = Pmf.from_function(lambda x1, x2, x3, y1, y2, y3: 0.125 * (y1 == x2) * (y2 == x3) * (y3 == 0),
    ...                       ["X1", "X2", "X3", "Y1", "Y2", "Y3"], [2] * 6)
    >>> np.round(info_mat(p, ["X1", "X2", "X3"], ["Y1", "Y2", "Y3"]), 12) + 0.0
    array([[0., 0., 0.],
           [1., 0., 0.],
           [0., 1., 0.]])
    """
    base = _check_base(base)
    x, y, _, w = _prepare_pair(pmf, xs, ys, given)
    backend = pmf.number_backend
    n = len(y)
    grid: dict[tuple[int, int], Any] = {}
    array, current = _marginal_array(pmf, w + _flat(x) + _flat(y))
    for a in range(n, -1, -1):
        inner, inner_names = array, list(current)
        for b in range(n, -1, -1):
            grid[a, b] = _entropy_nats(inner, backend) if inner.ndim else 0
            if b > 0:
                for name in reversed(y[b - 1]):
                    axis = inner_names.index(name)
                    inner = _sum_out(inner, axis, backend)
                    del inner_names[axis]
        if a > 0:
            for name in reversed(x[a - 1]):
                axis = current.index(name)
                array = _sum_out(array, axis, backend)
                del current[axis]
    matrix = np.empty((n, n), dtype=np.float64 if backend.name == "float64" else object)
    for i in range(1, n + 1):
        for j in range(1, n + 1):
            nats = grid[i - 1, j] + grid[i, j - 1] - grid[i, j] - grid[i - 1, j - 1]
            matrix[i - 1, j - 1] = backend.finish(nats, base)
    return matrix


# --------------------------------------------------------------------------- stationary Markov processes
@dataclass(frozen=True)
class InformationRate:
    """An information rate bracketed by ``lower <= rate <= upper``.

    Attributes
    ----------
    lower, upper
        Bounds (bits unless another base was asked).
    horizon
        Number of letters ``n`` used for the bounds.
    converged
        Whether ``upper - lower <= tol`` was reached within ``max_horizon``.

    Examples
    --------
    >>> rate = InformationRate(lower=0.25, upper=0.75, horizon=3, converged=False)
    >>> rate.value, rate.width
    (0.5, 0.5)
    """

    lower: float
    upper: float
    horizon: int
    converged: bool

    @property
    def value(self) -> float:
        """Midpoint of the bracket."""
        return 0.5 * (self.lower + self.upper)

    @property
    def width(self) -> float:
        """``upper - lower``."""
        return self.upper - self.lower


def _check_transition(transition: Any) -> np.ndarray:
    array = np.asarray(transition, dtype=np.float64)
    if array.ndim != 4 or array.shape[:2] != array.shape[2:]:
        raise InvalidInput(
            f"transition: expected shape (|X|, |Y|, |X|, |Y|) with transition[x, y, x2, y2] = "
            f"P(X_(i+1)=x2, Y_(i+1)=y2 | X_i=x, Y_i=y), got shape {array.shape}"
        )
    check_conditional_rows(array, "transition", ("x", "y"))
    return array


def _stationary(transition: np.ndarray, stationary: Any) -> np.ndarray:
    states = transition.shape[0] * transition.shape[1]
    matrix = transition.reshape(states, states)
    if stationary is not None:
        pi = np.asarray(stationary, dtype=np.float64).reshape(-1)
        if pi.size != states or (pi < 0).any() or abs(pi.sum() - 1) > 1e-9:
            raise InvalidInput(f"stationary: expected a pmf over the {states} pairs (x, y), got {stationary!r}")
        if np.abs(pi @ matrix - pi).max() > 1e-9:
            raise InvalidInput("stationary: not invariant under the transition matrix (pi T != pi)")
        return pi
    system = np.vstack([matrix.T - np.eye(states), np.ones((1, states))])
    if np.linalg.matrix_rank(system[:-1], tol=1e-10) < states - 1:
        raise InvalidInput(
            "transition: the chain has more than one stationary distribution; pass `stationary` explicitly"
        )
    rhs = np.zeros(states + 1)
    rhs[-1] = 1.0
    pi = np.linalg.lstsq(system, rhs, rcond=None)[0]
    pi = np.clip(pi, 0.0, None)
    return pi / pi.sum()


def markov_pair_pmf(
    transition: Any,
    n: int,
    stationary: Any = None,
    x_name: str = "X",
    y_name: str = "Y",
) -> Pmf:
    """The ``n``-letter pmf ``P(x^n, y^n)`` of a stationary first-order Markov chain on pairs ``(X_i, Y_i)``.

    ``transition[x, y, x2, y2] = P(X_{i+1} = x2, Y_{i+1} = y2 | X_i = x, Y_i = y)``;
    the chain starts in its stationary law (computed, or given as
    ``stationary[x, y]``). Variables are named ``X1, Y1, X2, Y2, ...``
    (interleaved, in time order).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.full((2, 2, 2, 2), 0.25)
    >>> markov_pair_pmf(t, 3).names
    ('X1', 'Y1', 'X2', 'Y2', 'X3', 'Y3')
    """
    array = _check_transition(transition)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise InvalidInput(f"n: expected a positive integer, got {n!r}")
    pi = _stationary(array, stationary).reshape(array.shape[:2])
    check_allocation(array.shape[:2] * int(n), 8, f"markov_pair_pmf (n={n})")
    joint_array = pi
    for _ in range(int(n) - 1):
        joint_array = joint_array[..., None, None] * array.reshape((1,) * (joint_array.ndim - 2) + array.shape)
    names = tuple(f"{prefix}{i}" for i in range(1, int(n) + 1) for prefix in (x_name, y_name))
    alphabets = tuple(tuple(range(size)) for size in joint_array.shape)
    return Pmf(joint_array, names, alphabets)


def _plain_entropy(probabilities: np.ndarray) -> float:
    positive = probabilities[probabilities > 0]
    return float(-np.dot(positive, np.log(positive)))


def _one_step_entropies(transition: np.ndarray, pi: np.ndarray) -> tuple[float, float, float]:
    """``H(Y_2 | S_1)``, ``H(Y_2 | X_2, S_1)`` and ``H(X_2 | S_1)`` of the stationary pair chain (nats)."""
    joint2 = pi.reshape(pi.shape + (1, 1)) * transition  # P(x1, y1, x2, y2)
    h_s = _plain_entropy(joint2.sum(axis=(2, 3)).ravel())
    h_s_y = _plain_entropy(joint2.sum(axis=2).ravel())
    h_s_x = _plain_entropy(joint2.sum(axis=3).ravel())
    h_all = _plain_entropy(joint2.ravel())
    return h_s_y - h_s, h_all - h_s_x, h_s_x - h_s


def _output_entropy_rate_bounds(
    transition: np.ndarray, pi: np.ndarray, tol: float, max_horizon: int
) -> tuple[float, float, int, bool]:
    """Bracket ``H(Y)`` of the hidden output process: ``H(Y_n | Y^{n-1}, S_1) <= H(Y) <= H(Y_n | Y^{n-1})``.

    Cover & Thomas, Theorem 4.5.1: both bounds are monotone in ``n`` and meet
    in the limit. Forward recursion over the output sequences with positive
    probability, conditioned on the first pair state ``S_1``.
    """
    nx, ny = transition.shape[:2]
    states = nx * ny
    matrix = transition.reshape(states, states)
    y_of_state = np.tile(np.arange(ny), nx)
    emit = np.zeros((ny, states))
    emit[y_of_state, np.arange(states)] = 1.0
    # alpha[s1, m, s] = P(Y^n = sequence m, S_n = s | S_1 = s1)
    alpha = np.zeros((states, ny, states))
    for s in range(states):
        alpha[s, y_of_state[s], s] = 1.0
    weights = pi.reshape(-1)
    previous_joint = 0.0
    previous_conditional = 0.0
    best_upper = math.inf
    best_lower = -math.inf
    horizon = 0
    converged = False
    for n in range(1, max_horizon + 1):
        if n > 1:
            check_allocation((states, alpha.shape[1] * ny, states), 8, f"output-entropy forward table (n={n})")
            stepped = alpha @ matrix  # (s1, m, s')
            alpha = (stepped[:, :, None, :] * emit[None, None, :, :]).reshape(states, -1, states)
        given_s1 = alpha.sum(axis=2)  # P(y^n | s1)
        marginal = weights @ given_s1  # P(y^n)
        alive = marginal > 0
        if not alive.all():
            alpha = alpha[:, alive, :]
            given_s1 = given_s1[:, alive]
            marginal = marginal[alive]
        joint_entropy = _plain_entropy(marginal)
        conditional_entropy_s1 = float(
            sum(w * _plain_entropy(row) for w, row in zip(weights, given_s1, strict=True) if w > 0)
        )
        upper = joint_entropy - previous_joint
        lower = conditional_entropy_s1 - previous_conditional
        previous_joint, previous_conditional = joint_entropy, conditional_entropy_s1
        best_upper = min(best_upper, upper)
        best_lower = max(best_lower, lower)
        horizon = n
        if best_upper - best_lower <= tol:
            converged = True
            break
    return best_lower, best_upper, horizon, converged


def _rate_setup(
    transition: Any, stationary: Any, tol: float, max_horizon: int, base: Any
) -> tuple[np.ndarray, np.ndarray, float]:
    array = _check_transition(transition)
    pi = _stationary(array, stationary).reshape(array.shape[:2])
    if not (isinstance(tol, int | float) and tol >= 0):
        raise InvalidInput(f"tol: expected a number >= 0, got {tol!r}")
    if isinstance(max_horizon, bool) or not isinstance(max_horizon, int | np.integer) or max_horizon < 1:
        raise InvalidInput(f"max_horizon: expected a positive integer, got {max_horizon!r}")
    base = _check_base(base)
    scale = 1.0 if base == "e" else math.log(base)
    return array, pi, scale


def directed_information_rate(
    transition: Any,
    *,
    stationary: Any = None,
    tol: float = 1e-9,
    max_horizon: int = 24,
    base: int | float | str = 2,
) -> InformationRate:
    """DI rate ``I(X -> Y) = H(Y) - H(Y || X)`` (2.24)-(2.26) of a stationary Markov chain on pairs.

    ``transition[x, y, x2, y2] = P(X_{i+1}=x2, Y_{i+1}=y2 | X_i=x, Y_i=y)``.
    The causally conditioned entropy rate (2.22) is exact for such a chain,
    ``H(Y || X) = H(Y_2 | X_2, X_1, Y_1)``; the output entropy rate ``H(Y)``
    of the hidden process ``Y`` is bracketed by
    ``H(Y_n | Y^{n-1}, X_1, Y_1) <= H(Y) <= H(Y_n | Y^{n-1})`` with ``n``
    increased until the bracket is narrower than ``tol`` (or ``max_horizon``).
    For ``n >= 2`` the upper bound at horizon ``n`` equals the DI increment
    ``I(X^n; Y_n | Y^{n-1})`` of (2.27). The bounds are not clipped at 0.

    Examples
    --------
    ``X`` i.i.d. uniform, ``Y_{i+1} = X_i`` (a unit delay): one bit per step.

    >>> import numpy as np
    >>> t = np.zeros((2, 2, 2, 2))
    >>> for x in range(2):
    ...     for y in range(2):
    ...         for x2 in range(2):
    ...             t[x, y, x2, x] = 0.5
    >>> rate = directed_information_rate(t)
    >>> round(rate.lower, 9), round(rate.upper, 9), rate.converged
    (1.0, 1.0, True)
    """
    array, pi, scale = _rate_setup(transition, stationary, tol, max_horizon, base)
    _, h_y_given_xs, _ = _one_step_entropies(array, pi)
    lower, upper, horizon, converged = _output_entropy_rate_bounds(array, pi, tol * scale, int(max_horizon))
    return InformationRate((lower - h_y_given_xs) / scale, (upper - h_y_given_xs) / scale, horizon, converged)


def transfer_entropy_rate(
    transition: Any,
    *,
    stationary: Any = None,
    tol: float = 1e-9,
    max_horizon: int = 24,
    base: int | float | str = 2,
) -> InformationRate:
    """TE rate ``T_inf = lim T_n(n-1, n-1) = H(Y) - H(Y_2 | X_1, Y_1)`` of a stationary pair chain (section 2.5.1).

    With :func:`instantaneous_information_rate` it satisfies
    ``I(X -> Y) = T_inf + I_inf`` (the rate form of (2.30)).

    Examples
    --------
    >>> import numpy as np
    >>> t = np.zeros((2, 2, 2, 2))
    >>> for x in range(2):
    ...     for y in range(2):
    ...         for x2 in range(2):
    ...             t[x, y, x2, x] = 0.5
    >>> round(transfer_entropy_rate(t).value, 9)
    1.0
    """
    array, pi, scale = _rate_setup(transition, stationary, tol, max_horizon, base)
    h_y_given_s, _, _ = _one_step_entropies(array, pi)
    lower, upper, horizon, converged = _output_entropy_rate_bounds(array, pi, tol * scale, int(max_horizon))
    return InformationRate((lower - h_y_given_s) / scale, (upper - h_y_given_s) / scale, horizon, converged)


def instantaneous_information_rate(
    transition: Any, *, stationary: Any = None, base: int | float | str = 2
) -> float:
    """Instantaneous information rate ``I_inf = I(X_2; Y_2 | X_1, Y_1)`` of a stationary pair chain (section 2.5.1).

    Exact for a first-order chain on pairs (``lim I(X_n; Y_n | X^{n-1}, Y^{n-1})``).

    Examples
    --------
    ``(X_i, Y_i)`` i.i.d. with ``Y_i = X_i`` uniform:

    >>> import numpy as np
    >>> t = np.zeros((2, 2, 2, 2))
    >>> t[:, :, 0, 0] = t[:, :, 1, 1] = 0.5
    >>> round(instantaneous_information_rate(t), 12)
    1.0
    """
    array, pi, scale = _rate_setup(transition, stationary, 0.0, 1, base)
    h_y_given_s, h_y_given_xs, _ = _one_step_entropies(array, pi)
    return (h_y_given_s - h_y_given_xs) / scale


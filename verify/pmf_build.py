"""Constructors of :class:`~dicert.verify.pmf.Pmf`: from a table, a function, a channel, chain-rule kernels, at random.

Each is also a class method of ``Pmf`` (``Pmf.from_dict`` is :func:`pmf_from_dict`,
``Pmf.random`` is :func:`random_pmf`, ...); the examples call them that way.

Examples
--------
>>> from dicert.verify.pmf import Pmf
>>> Pmf.from_dict({(0, 0): 0.5, (1, 1): 0.5}, names=["X", "Y"]).shape
(2, 2)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from dicert.verify.backends import Backend, backend_named, backend_of
from dicert.verify.errors import InvalidChannel, InvalidInput, InvalidPmf
from dicert.verify.memory import check_allocation
from dicert.verify.pmf import Alphabet, Pmf, _alphabet_sizes, _check_alphabets, _check_names

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

__all__ = ["mix_pmfs", "pmf_from_dict", "pmf_from_function", "pmf_from_channel", "pmf_from_kernels", "random_pmf"]


def pmf_from_dict(table: Mapping[tuple[Hashable, ...], Any], names: Sequence[str], alphabets: Any = None) -> Pmf:
    """Pmf from ``{(x, y, ...): probability}``; missing outcomes have probability zero.

    Without ``alphabets`` each variable's alphabet is the sorted set of its
    symbols in the keys (insertion order if they cannot be sorted).

    Examples
    --------
    >>> p = Pmf.from_dict({("a", 0): 0.5, ("b", 1): 0.5}, names=["X", "Y"])
    >>> p.alphabets
    (('a', 'b'), (0, 1))
    >>> p.array
    array([[0.5, 0. ],
           [0. , 0.5]])
    """
    names = _check_names(names, None)
    keys = []
    for key in table:
        key = key if isinstance(key, tuple) else (key,)
        if len(key) != len(names):
            raise InvalidPmf(f"table: key {key!r} has {len(key)} symbols, expected {len(names)} (one per name)")
        keys.append(key)
    if alphabets is None:
        alphabet_list: list[Alphabet] = []
        for position in range(len(names)):
            symbols: list[Any] = list(dict.fromkeys(key[position] for key in keys))  # any hashables; sorted if comparable
            try:
                symbols = sorted(symbols)
            except TypeError:
                pass  # symbols of mixed, unorderable types keep their order of first appearance
            alphabet_list.append(tuple(symbols))
    else:
        if isinstance(alphabets, Mapping):
            alphabets = [alphabets.get(name, ()) for name in names]
        alphabet_list = _alphabet_sizes(list(alphabets), "alphabets")
        if len(alphabet_list) != len(names):
            raise InvalidPmf(
                f"alphabets: {len(alphabet_list)} alphabets for {len(names)} names, expected one per name"
            )
    shape = tuple(len(a) for a in alphabet_list)
    check_allocation(shape, 128, "table")
    values = list(table.values())
    probe = backend_of(np.asarray(values if values else [0.0], dtype=object), "table")
    array = np.zeros(shape, dtype=np.float64) if probe.name == "float64" else np.full(shape, 0, dtype=object)
    for key, value in zip(keys, values, strict=True):
        try:
            index = tuple(alphabet.index(symbol) for alphabet, symbol in zip(alphabet_list, key, strict=True))
        except ValueError:
            raise InvalidPmf(
                f"table: key {key!r} has a symbol outside the alphabets {tuple(alphabet_list)!r}"
            ) from None
        array[index] = array[index] + value
    return Pmf(array, names, alphabet_list)


def pmf_from_function(function: Callable[..., Any], names: Sequence[str], alphabets: Sequence[Any]) -> Pmf:
    """Pmf with ``P(x, y, ...) = function(x, y, ...)`` over the given alphabets.

    ``alphabets`` has one entry per variable: a size ``k`` (symbols
    ``0..k-1``) or a sequence of symbols.

    Examples
    --------
    >>> from fractions import Fraction
    >>> p = Pmf.from_function(lambda x, y: Fraction(1, 4), ["X", "Y"], [2, 2])
    >>> p.backend, p.array[0, 0]
    ('sympy', 1/4)
    """
    names = _check_names(names, None)
    alphabet_list = _alphabet_sizes(list(alphabets), "alphabets")
    if len(alphabet_list) != len(names):
        raise InvalidPmf(f"alphabets: {len(alphabet_list)} alphabets for {len(names)} names, expected one per name")
    shape = tuple(len(a) for a in alphabet_list)
    check_allocation(shape, 128, "function table")
    array = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        array[index] = function(*(alphabet[i] for alphabet, i in zip(alphabet_list, index, strict=True)))
    if backend_of(array, "function").name == "float64":
        array = array.astype(np.float64)
    return Pmf(array, names, alphabet_list)


def pmf_from_channel(input_pmf: Pmf,
    channel: ArrayLike,
    output_names: Sequence[str],
    output_alphabets: Any = None,
) -> Pmf:
    """Joint pmf ``P(x, y) = P(x) W(y | x)`` of an input pmf and a channel.

    Parameters
    ----------
    input_pmf
        Pmf of the inputs ``x`` (any number of variables).
    channel
        Array of shape ``input_pmf.shape + output_shape`` with
        ``channel[x..., y...] = W(y... | x...)``; every row must sum to one.
        For the causal (feedback) case use :meth:`from_kernels`.
    output_names
        Names of the output variables.
    output_alphabets
        Optional symbols of the outputs.

    Raises
    ------
    InvalidChannel
        If the channel has the wrong shape, negative entries or rows not summing to one.

    Examples
    --------
    >>> import numpy as np
    >>> x = Pmf(np.array([0.5, 0.5]), ["X"])
    >>> bsc = np.array([[0.9, 0.1], [0.1, 0.9]])
    >>> Pmf.from_channel(x, bsc, ["Y"]).array
    array([[0.45, 0.05],
           [0.05, 0.45]])
    """
    if not isinstance(input_pmf, Pmf):
        raise InvalidInput(f"input_pmf: expected a Pmf, got {type(input_pmf).__name__}")
    raw = channel if isinstance(channel, np.ndarray) else np.asarray(channel, dtype=None)
    n_in = len(input_pmf.shape)
    if raw.shape[:n_in] != input_pmf.shape or raw.ndim == n_in:
        raise InvalidChannel(
            f"channel: shape {raw.shape} must start with the input shape {input_pmf.shape} "
            "followed by the output shape"
        )
    backend = backend_of(raw, "channel")
    if backend.name != input_pmf.backend:
        raise InvalidChannel(
            f"channel: backend {backend.name!r} differs from the input pmf's backend {input_pmf.backend!r}; "
            "build both with the same kind of numbers"
        )
    check_allocation(raw.shape, backend.itemsize, "from_channel")
    kernel = backend.coerce(raw, "channel")
    _check_kernel(kernel, backend, n_in, "channel")
    output_names = _check_names(output_names, raw.ndim - n_in, "output_names")
    joint = input_pmf.array.reshape(input_pmf.shape + (1,) * (raw.ndim - n_in)) * kernel
    names = _check_names(input_pmf.names + output_names, raw.ndim)
    out_alphabets = _check_alphabets(output_alphabets, raw.shape[n_in:], output_names)
    return Pmf._trusted(np.asarray(joint, dtype=kernel.dtype), names, input_pmf.alphabets + out_alphabets, backend)


def pmf_from_kernels(names: Sequence[str], kernels: Sequence[Any], alphabets: Any = None) -> Pmf:
    """Joint pmf from the chain rule ``P(a^m) = prod_k P(a_k | a^{k-1})``.

    ``kernels[k]`` has ``k + 1`` axes ``(A_1, ..., A_{k+1})`` and gives
    ``P(a_{k+1} | a^k)``; it sums to one over its last axis. Prefix axes of
    length 1 broadcast (a kernel that ignores some of the past). With
    interleaved names ``[X1, Y1, X2, Y2, ...]`` and kernels alternating
    between an encoder ``P(x_i | x^{i-1}, y^{i-1})`` and a channel
    ``P(y_i | x^i, y^{i-1})`` this is the causal factorisation
    ``P(x^n, y^n) = P(x^n || y^{n-1}) P(y^n || x^n)`` (section 2.2.1, (2.2)).

    Raises
    ------
    InvalidPmf
        If a kernel has the wrong number of axes, a mismatched prefix shape,
        negative entries or rows not summing to one.

    Examples
    --------
    A binary symmetric channel used twice with an encoder that repeats the
    fed-back output:

    >>> import numpy as np
    >>> bsc = np.array([[0.9, 0.1], [0.1, 0.9]])
    >>> p = Pmf.from_kernels(
    ...     ["X1", "Y1", "X2", "Y2"],
    ...     [np.array([0.5, 0.5]),                    # P(x1)
    ...      bsc,                                     # P(y1 | x1)
    ...      np.eye(2)[None, :, :],                   # P(x2 | x1, y1): x2 = y1
    ...      bsc[None, None, :, :]])                  # P(y2 | x2)
    >>> round(p.probability({"X2": 0, "Y1": 1}), 12)
    0.0
    """
    names = _check_names(names, None)
    kernels = list(kernels)
    if len(kernels) != len(names):
        raise InvalidPmf(f"kernels: {len(kernels)} kernels for {len(names)} variables, expected one per variable")
    raws = [k if isinstance(k, np.ndarray) else np.asarray(k, dtype=None) for k in kernels]
    if all(r.dtype != object for r in raws):
        backend = backend_named("float64")
    else:
        backend = backend_of(np.concatenate([r.reshape(-1).astype(object) for r in raws]), "kernels")
    sizes: list[int] = []
    joint: np.ndarray | None = None
    for k, raw in enumerate(raws):
        field = f"kernels[{k}]"
        if raw.ndim != k + 1:
            raise InvalidPmf(f"{field}: has {raw.ndim} axes, expected {k + 1} (the past variables and {names[k]})")
        for axis, size in enumerate(raw.shape[:-1]):
            if size not in (1, sizes[axis]):
                raise InvalidPmf(
                    f"{field}: axis {axis} ({names[axis]}) has length {size}, expected {sizes[axis]} or 1"
                )
        sizes.append(raw.shape[-1])
        check_allocation(sizes, backend.itemsize, "from_kernels")
        kernel = backend.coerce(raw, field)
        _check_kernel(kernel, backend, k, field)
        joint = kernel if joint is None else joint[..., None] * kernel
    if joint is None:
        raise InvalidPmf("kernels: expected at least one kernel")
    joint = np.broadcast_to(joint, tuple(sizes))
    alphabet_list = _check_alphabets(alphabets, tuple(sizes), names)
    return Pmf._trusted(np.array(joint, dtype=joint.dtype, copy=True), names, alphabet_list, backend)


def random_pmf(shape: Sequence[int],
    names: Sequence[str],
    rng: np.random.Generator | int | None = None,
    concentration: float = 1.0,
    alphabets: Any = None,
) -> Pmf:
    """Random float64 pmf: a symmetric Dirichlet draw over all cells.

    Parameters
    ----------
    shape
        Alphabet sizes.
    names
        Variable names.
    rng
        Generator, seed or ``None``.
    concentration
        Dirichlet parameter (> 0): 1 is uniform on the simplex, small values
        give sparse pmfs, large values near-uniform pmfs.
    alphabets
        Optional symbols per variable.

    Examples
    --------
    >>> p = Pmf.random((2, 2, 3), ["X", "Y", "Z"], rng=7)
    >>> p.shape, round(float(p.array.sum()), 12)
    ((2, 2, 3), 1.0)
    """
    shape = tuple(int(s) for s in shape)
    if any(s < 1 for s in shape):
        raise InvalidInput(f"shape: alphabet sizes must be >= 1, got {shape}")
    if not (isinstance(concentration, int | float) and math.isfinite(concentration) and concentration > 0):
        raise InvalidInput(f"concentration: expected a positive number, got {concentration!r}")
    check_allocation(shape, 8, "random pmf")
    generator = np.random.default_rng(rng)
    cells = math.prod(shape)
    draw = generator.gamma(concentration, size=cells)
    total = draw.sum()
    if total == 0:
        draw = np.zeros(cells)
        draw[generator.integers(cells)] = 1.0
    else:
        draw /= total
    names_checked = _check_names(names, len(shape))
    alphabets_checked = _check_alphabets(alphabets, shape, names_checked)
    return Pmf._trusted(draw.reshape(shape), names_checked, alphabets_checked, backend_named("float64"))


def mix_pmfs(components: Sequence[Pmf], weights: Sequence[Any]) -> Pmf:
    """Mixture ``sum_k weights[k] * components[k]`` of pmfs over the same variables.

    Examples
    --------
    >>> import numpy as np
    >>> a = Pmf(np.array([1.0, 0.0]), ["X"])
    >>> b = Pmf(np.array([0.0, 1.0]), ["X"])
    >>> Pmf.mix([a, b], [0.25, 0.75]).array
    array([0.25, 0.75])
    """
    components = list(components)
    weights = list(weights)
    if not components:
        raise InvalidInput("components: expected at least one pmf")
    if len(weights) != len(components):
        raise InvalidInput(f"weights: {len(weights)} weights for {len(components)} components, expected one each")
    first = components[0]
    for k, component in enumerate(components):
        if not isinstance(component, Pmf):
            raise InvalidInput(f"components[{k}]: expected a Pmf, got {type(component).__name__}")
        if component.names != first.names or component.alphabets != first.alphabets:
            raise InvalidPmf(
                f"components[{k}]: names/alphabets {component.names} differ from {first.names}; "
                "reorder the components first"
            )
        if component.backend != first.backend:
            raise InvalidInput(f"components[{k}]: backend {component.backend!r} differs from {first.backend!r}")
    weight_array = first._backend.coerce(np.asarray(weights, dtype=None), "weights")
    first._backend.check_entries(weight_array, "weights")
    if not first._backend.sum_is_one(first._backend.sum(weight_array), len(weights)):
        raise InvalidInput(f"weights: sum to {first._backend.sum(weight_array)}, expected 1")
    total = sum((w * c.array for w, c in zip(weight_array, components, strict=True)), start=0 * first.array)
    return Pmf._trusted(np.asarray(total, dtype=first.array.dtype), first.names, first.alphabets, first._backend)


def _check_kernel(kernel: np.ndarray, backend: Backend, n_leading: int, field: str) -> None:
    """Entries >= 0 and every row (all axes after the first ``n_leading``) sums to one."""
    error = InvalidChannel if field == "channel" else InvalidPmf
    try:
        backend.check_entries(kernel, field)
    except InvalidPmf as exc:
        raise error(str(exc)) from None
    rows = backend.sum(kernel, axis=tuple(range(n_leading, kernel.ndim))) if kernel.ndim > n_leading else kernel
    rows = np.asarray(rows, dtype=kernel.dtype)
    row_cells = math.prod(kernel.shape[n_leading:])
    for index in np.ndindex(*rows.shape):
        if not backend.sum_is_one(rows[index], row_cells):
            raise error(f"{field}: row {index} sums to {rows[index]}, expected 1")

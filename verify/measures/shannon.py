"""Shannon measures of a finite pmf (chapter 2): entropy to directed information, transfer entropy, InfoMat.

Every measure takes a :class:`~dicert.verify.pmf.Pmf` and variable names, in
the order ``(pmf, xs, ys, given=(), base=2)`` (see :mod:`dicert.verify.measures`).

Examples
--------
>>> from dicert.verify import Pmf
>>> from dicert.verify.measures.shannon import directed_information, mutual_information
>>> p = Pmf.random((2, 2, 2, 2), ["X1", "X2", "Y1", "Y2"], rng=0)
>>> 0 <= directed_information(p, ["X1", "X2"], ["Y1", "Y2"]) <= mutual_information(p, ["X1", "X2"], ["Y1", "Y2"])
True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dicert.verify.backends import Backend
from dicert.verify.errors import InvalidInput
from dicert.verify.memory import check_allocation
from dicert.verify.pmf import Pmf

from dicert.verify.measures._engine import (
    _cc_entropy_nats,
    _causal_order,
    _chain_entropy,
    _directed_nats,
    _entropy_nats,
    _marginal_array,
    _prepare_pair,
    _is_empty,
    _sum_out,
    _time_ordered_marginal,
)
from dicert.verify.measures._names import (
    NameSequence,
    NameSet,
    _as_sequence,
    _as_set,
    _check_base,
    _check_delay,
    _check_disjoint,
    _flat,
    delayed,
)

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


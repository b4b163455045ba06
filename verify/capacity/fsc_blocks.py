"""Finite-state channels as n-letter blocks: the law, the input constraint, ``P(y^n || x^n, s0)`` (eq. (2.2)).

The channel side of :mod:`dicert.verify.capacity.nletter` (and of the extended
Blahut-Arimoto algorithms and the no-feedback bounds): any supported channel as
the FSC law ``law[s, x, y, s2] = P(y, s2 | x, s)`` (:func:`fsc_law`), its input
constraint (:func:`fsc_allowed`), the size guard of the ``(|X||Y|)^n |S|`` arrays
(:func:`check_nletter_size`), and the causally conditioned channel by the forward
recursion over the hidden state (:func:`causal_channel_levels`).  Split from
``nletter.py``; every name stays importable there.

Examples
--------
>>> import numpy as np
>>> from dicert.verify.capacity.fsc_blocks import causal_channel_levels, fsc_law
>>> [lv.shape for lv in causal_channel_levels(fsc_law(np.eye(2)), 2)]
[(1, 2, 2), (4, 2, 2)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from dicert.verify._numeric import check_conditional_rows
from dicert.verify.errors import InvalidChannel, InvalidInput
from dicert.verify.memory import check_allocation

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import ChannelOrLaw, UnifilarChannel

__all__ = ["fsc_law", "fsc_allowed", "check_nletter_size", "causal_channel_levels", "SOLVER_COPIES"]


def fsc_law(channel: ChannelOrLaw) -> np.ndarray:
    """The FSC law ``law[s, x, y, s2] = P(y, s2 | x, s)`` of any supported channel.

    Accepts a DMC matrix ``[x, y]`` (2-d array, one state), an FSC law (4-d array),
    or an object with the dicert channel attributes: ``matrix`` (DMC),
    ``law`` + ``next_state`` (unifilar FSC, (4.18)) or a 4-d ``law`` (FSC).
    An input constraint ``allowed[s, x]`` is not part of the law; read it with
    :func:`fsc_allowed`.

    Examples
    --------
    >>> import numpy as np
    >>> fsc_law(np.eye(2)).shape
    (1, 2, 2, 1)
    """
    if isinstance(channel, np.ndarray) or isinstance(channel, (list, tuple)):
        arr = np.asarray(channel, dtype=float)
        if arr.ndim == 2:
            law = arr[None, :, :, None]
        elif arr.ndim == 4:
            law = arr
        else:
            raise InvalidChannel(
                f"channel: expected matrix[x, y] (2-d) or law[s, x, y, s2] (4-d), got shape {arr.shape}"
            )
    elif hasattr(channel, "next_state"):
        unifilar = cast("UnifilarChannel", channel)  # an object with a next_state: a unifilar channel
        py = np.asarray(unifilar.law, dtype=float)
        nxt = np.asarray(unifilar.next_state, dtype=np.int64)
        ns = py.shape[0]
        law = np.zeros(py.shape + (ns,))
        s_idx, x_idx, y_idx = np.indices(py.shape)
        law[s_idx, x_idx, y_idx, nxt] = py
    elif hasattr(channel, "matrix"):
        law = np.asarray(channel.matrix, dtype=float)[None, :, :, None]
    elif hasattr(channel, "law"):
        law = np.asarray(channel.law, dtype=float)
        if law.ndim != 4:
            raise InvalidChannel(f"channel.law: expected law[s, x, y, s2] (4-d), got shape {law.shape}")
    else:
        raise InvalidChannel(f"channel: expected an array or a dicert channel, got {type(channel).__name__}")
    check_conditional_rows(law, "channel.law", ("s", "x"), InvalidChannel)
    return law


def fsc_allowed(channel: ChannelOrLaw, shape: tuple[int, int] | None = None) -> np.ndarray | None:
    """The input constraint ``allowed[s, x]`` of a channel (``None`` when unconstrained).

    Arrays carry no constraint; a dicert channel's ``allowed`` attribute is
    returned as a boolean array, checked against ``shape = (S, X)`` if given.

    Examples
    --------
    >>> from dicert.verify.channels import bec_noc_channel
    >>> fsc_allowed(bec_noc_channel()).tolist()
    [[True, True], [True, False]]
    """
    allowed = getattr(channel, "allowed", None)
    if allowed is None:
        return None
    arr = np.asarray(allowed, dtype=bool)
    if shape is not None and arr.shape != tuple(shape):
        raise InvalidChannel(f"channel.allowed: expected shape (S, X) = {tuple(shape)}, got {arr.shape}")
    if not arr.any(axis=1).all():
        raise InvalidChannel("channel.allowed: every state needs at least one allowed input")
    return None if arr.all() else arr


def _initial_pmf(initial_state: int | Sequence[float] | np.ndarray, ns: int) -> np.ndarray:
    if isinstance(initial_state, (int, np.integer)):
        if not 0 <= int(initial_state) < ns:
            raise InvalidInput(f"initial_state: expected an integer in [0, {ns}), got {initial_state}")
        p0 = np.zeros(ns)
        p0[int(initial_state)] = 1.0
        return p0
    p0 = np.asarray(initial_state, dtype=float)
    if p0.shape != (ns,) or np.any(p0 < 0) or abs(p0.sum() - 1) > 1e-9:
        raise InvalidInput(f"initial_state: expected a state index or a pmf of length {ns}")
    return p0


#: Bytes per history cell of the convex program, in units of float64 (cvxpy's canonical form and
#: Clarabel's factorisation hold about 1.3 kB per variable: measured 320 MB peak for n = 8 on the
#: Gilbert-Elliott channel, 131072 cells).
SOLVER_COPIES = 200


def check_nletter_size(shape: tuple[int, int, int], n: int, *, copies: int = 6) -> int:
    """Estimated bytes of an n-letter computation; raise :class:`TooLarge` above the limit.

    The dominant arrays hold ``(|X| |Y|)^n |S|`` float64 entries and ``copies`` of
    them are assumed alive at once (:data:`SOLVER_COPIES` for the convex
    programs, which build a solver model per cell); the limit is the one of
    :func:`dicert.verify.memory.check_allocation` (``DICERT_MEMORY_LIMIT``).

    Examples
    --------
    >>> check_nletter_size((2, 2, 2), 3)
    6144
    """
    ns, nx, ny = shape
    if n < 1:
        raise InvalidInput(f"n: expected an integer >= 1, got {n}")
    cells = (nx * ny) ** n * max(ns, 1) * copies
    what = f"n: n-letter arrays for n={n} (|S|={ns}, |X|={nx}, |Y|={ny})"
    return check_allocation(cells, 8, what)


def causal_channel_levels(law: np.ndarray, n: int, initial_state: int | np.ndarray = 0) -> list[np.ndarray]:
    """Causally conditioned channel ``P(y^i || x^i, s0)`` for ``i = 1..n`` (eq. (2.2)).

    Level ``i`` is an array of shape ``(M_{i-1}, X, Y)`` where the row index encodes
    the interleaved history ``h_{i-1} = (x_1, y_1, ..., x_{i-1}, y_{i-1})`` in
    lexicographic order (``h_i = (h_{i-1} X + x_i) Y + y_i``).  It is computed by the
    forward recursion over the hidden state, so non-unifilar channels are exact.

    Examples
    --------
    >>> import numpy as np
    >>> levels = causal_channel_levels(fsc_law(np.eye(2)), 2)
    >>> [lv.shape for lv in levels]
    [(1, 2, 2), (4, 2, 2)]
    """
    return _forward(law, n, initial_state)[0]


def _forward(law: np.ndarray, n: int, initial_state: int | np.ndarray = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Levels of :func:`causal_channel_levels` and the joint state weights ``P(y^i, s_i || x^i, s0)``.

    The second list holds, for ``i = 0..n-1``, an array of shape ``(M_i, S)``
    indexed by the interleaved history ``h_i``: its support is the set of states
    the channel can be in after ``h_i`` (what an input constraint is checked on).
    """
    law = np.asarray(law, dtype=float)
    ns, nx, ny, _ = law.shape
    check_nletter_size((ns, nx, ny), n)
    alpha = _initial_pmf(initial_state, ns)[None, :]  # (M_0 = 1, S)
    levels: list[np.ndarray] = []
    alphas: list[np.ndarray] = []
    for _ in range(n):
        alphas.append(alpha)
        nxt = np.einsum("ms,sxyt->mxyt", alpha, law)  # (M, X, Y, S)
        levels.append(nxt.sum(axis=3))
        alpha = nxt.reshape(-1, ns)
    return levels, alphas


def _live_inputs(
    level_sets: list[list[np.ndarray]],
    alpha_sets: list[list[np.ndarray]],
    allowed: np.ndarray,
    reach: list[np.ndarray],
) -> list[np.ndarray]:
    """Which (reachable history, next input) pairs an admissible input may use.

    Input ``x`` is admissible after history ``h_i`` when it is allowed in every
    state the channel can be in after ``h_i`` for some initial state considered
    (the encoder knows ``h_i`` but not the hidden state).  A pair is *live* when it
    is admissible and every output it can produce leads to a history that still
    has a live input (backward pass); only live pairs may carry probability.
    """
    n = len(reach)
    nx, ny = allowed.shape[1], level_sets[0][0].shape[2]
    admissible = []
    for i in range(n):
        possible = np.zeros((len(reach[i]), allowed.shape[0]), dtype=bool)
        for alphas in alpha_sets:
            possible |= alphas[i][reach[i]] > 0
        # forbidden if some possible state forbids x
        admissible.append(~(possible.astype(np.int64) @ (~allowed).astype(np.int64) > 0))
    live = [a.copy() for a in admissible]
    for i in range(n - 2, -1, -1):
        position = np.full((nx * ny) ** (i + 1), -1, dtype=np.int64)
        position[reach[i + 1]] = np.arange(len(reach[i + 1]))
        child_ok = cast(np.ndarray, live[i + 1].any(axis=1))  # any over axis 1 of a 2-d array: an array
        children = (reach[i][:, None, None] * nx + np.arange(nx)[None, :, None]) * ny + np.arange(ny)[None, None, :]
        pos = position[children]  # -1 where the child is unreachable
        ok = np.where(pos >= 0, child_ok[np.maximum(pos, 0)], True).all(axis=2)
        live[i] &= ok
    return live



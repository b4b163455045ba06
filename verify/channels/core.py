"""Channel types: memoryless DMC, finite-state channel (FSC) and unifilar FSC.

Array conventions (``DEVELOPING.md``, monograph sec. 4.1):

* :class:`DMC` -- ``matrix[x, y] = P(y | x)`` (eq. (4.1)).
* :class:`FiniteStateChannel` -- ``law[s, x, y, s2] = P(y, s2 | x, s)``, the
  time-invariant kernel ``P_{S+,Y|X,S}`` of eq. (4.4).
* :class:`UnifilarFSC` -- ``law[s, x, y] = P(y | x, s)`` and a deterministic
  state update ``next_state[s, x, y] = f(s, x, y)`` (Definition 4.2.3, eq. (4.18)),
  with an optional input constraint ``allowed[s, x]`` (``False`` = input ``x``
  may not be sent in state ``s``; ``None`` = unconstrained).

Every channel is an immutable (frozen) dataclass that validates its arrays in
the constructor and carries a ``name``, its ``params`` and a ``source``
(citation).  Arrays are stored as read-only numpy arrays.  Bad input raises
:class:`~dicert.verify.errors.InvalidChannel` with a one-line message that
names the field, e.g. ``law[s=0, x=1]: sums to 0.9, expected 1``.

Examples
--------
>>> from dicert.verify.channels.core import DMC, UnifilarFSC
>>> bsc = DMC([[0.9, 0.1], [0.1, 0.9]], name="bsc")
>>> bsc.n_inputs, bsc.n_outputs
(2, 2)
>>> u = bsc.to_unifilar()
>>> u.n_states, u.next_state.tolist()
(1, [[[0, 0], [0, 0]]])
>>> UnifilarFSC([[[0.9, 0.0]]], [[[0, 0]]])
Traceback (most recent call last):
...
dicert.graphs.errors.InvalidChannel: law[s=0, x=0]: sums to 0.9, expected 1
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from dicert.verify._numeric import ROW_SUM_TOLERANCE
from dicert.verify.errors import InvalidChannel

__all__ = [
    "ROW_SUM_TOLERANCE",
    "Channel",
    "DMC",
    "FiniteStateChannel",
    "StateLawSizes",
    "UnifilarFSC",
    "as_unifilar",
]


# ---------------------------------------------------------------------------
# validation helpers (one-line messages naming the field)
# ---------------------------------------------------------------------------


def _index_label(axes: tuple[str, ...], index: tuple[int, ...]) -> str:
    return ", ".join(f"{a}={i}" for a, i in zip(axes, index))


def _probability_array(value: Any, field_name: str, axes: tuple[str, ...]) -> np.ndarray:
    """A read-only float64 array of shape ``len(axes)``-d, entries finite and >= 0."""
    try:
        arr = np.array(value, dtype=float)
    except (TypeError, ValueError):
        raise InvalidChannel(
            f"{field_name}: expected a {len(axes)}-d array of probabilities indexed [{', '.join(axes)}], "
            "got ragged or non-numeric data"
        ) from None
    if arr.ndim != len(axes):
        raise InvalidChannel(
            f"{field_name}: expected a {len(axes)}-d array indexed [{', '.join(axes)}], got shape {arr.shape}"
        )
    if 0 in arr.shape:
        raise InvalidChannel(f"{field_name}: every axis [{', '.join(axes)}] needs at least one entry, got shape {arr.shape}")
    bad = np.argwhere(~np.isfinite(arr))
    if bad.size:
        idx = tuple(int(v) for v in bad[0])
        raise InvalidChannel(f"{field_name}[{_index_label(axes, idx)}]: entry {arr[idx]} is not finite, expected a probability")
    bad = np.argwhere(arr < 0)
    if bad.size:
        idx = tuple(int(v) for v in bad[0])
        raise InvalidChannel(f"{field_name}[{_index_label(axes, idx)}]: entry {arr[idx]:.12g} is negative, expected >= 0")
    arr = np.ascontiguousarray(arr)
    arr.flags.writeable = False
    return arr


def _check_rows_sum_to_one(arr: np.ndarray, field_name: str, axes: tuple[str, ...], n_conditioning: int) -> None:
    """Each conditional pmf ``arr[c_1, ..., c_k, :, ...]`` (k = n_conditioning) sums to 1."""
    sums = arr.reshape(arr.shape[:n_conditioning] + (-1,)).sum(axis=-1)
    bad = np.argwhere(np.abs(sums - 1.0) > ROW_SUM_TOLERANCE)
    if bad.size:
        idx = tuple(int(v) for v in bad[0])
        raise InvalidChannel(
            f"{field_name}[{_index_label(axes[:n_conditioning], idx)}]: sums to {sums[idx]:.12g}, expected 1"
        )


def _allowed_array(value: Any, n_states: int, n_inputs: int) -> np.ndarray | None:
    """Validate the input constraint ``allowed[s, x]``; ``None`` means unconstrained."""
    if value is None:
        return None
    arr = np.array(value)
    if arr.dtype != bool:
        if arr.dtype.kind not in "iu" or not np.isin(arr, (0, 1)).all():
            raise InvalidChannel(f"allowed: expected a boolean array indexed [s, x], got dtype {arr.dtype}")
        arr = arr.astype(bool)
    if arr.shape != (n_states, n_inputs):
        raise InvalidChannel(f"allowed: expected shape (states, inputs) = ({n_states}, {n_inputs}), got {arr.shape}")
    empty = np.flatnonzero(~arr.any(axis=1))
    if empty.size:
        raise InvalidChannel(f"allowed[s={int(empty[0])}]: no input is allowed, expected at least one True")
    if arr.all():
        return None
    arr = np.ascontiguousarray(arr)
    arr.flags.writeable = False
    return arr


def _next_state_array(value: Any, shape: tuple[int, int, int]) -> np.ndarray:
    try:
        raw = np.array(value)
    except (TypeError, ValueError):
        raise InvalidChannel("next_state: expected a 3-d integer array indexed [s, x, y], got ragged data") from None
    if raw.dtype.kind == "f" and np.all(np.isfinite(raw)) and np.all(raw == np.round(raw)):
        raw = raw.astype(np.int64)
    if raw.dtype.kind not in "iu":
        raise InvalidChannel(f"next_state: expected integer states indexed [s, x, y], got dtype {raw.dtype}")
    if raw.shape != shape:
        raise InvalidChannel(f"next_state: expected shape (states, inputs, outputs) = {shape}, got {raw.shape}")
    n_states = shape[0]
    bad = np.argwhere((raw < 0) | (raw >= n_states))
    if bad.size:
        idx = tuple(int(v) for v in bad[0])
        raise InvalidChannel(
            f"next_state[{_index_label(('s', 'x', 'y'), idx)}]: state {int(raw[idx])} out of range 0..{n_states - 1}"
        )
    arr = np.ascontiguousarray(raw, dtype=np.int64)
    arr.flags.writeable = False
    return arr


def _check_metadata(name: Any, params: Any, source: Any) -> dict[str, Any]:
    if not isinstance(name, str) or not name:
        raise InvalidChannel(f"name: expected a non-empty string, got {name!r}")
    if not isinstance(params, Mapping):
        raise InvalidChannel(f"params: expected a mapping of parameter names to values, got {type(params).__name__}")
    if not isinstance(source, str):
        raise InvalidChannel(f"source: expected a citation string, got {type(source).__name__}")
    return dict(params)


def _fingerprint(kind: str, *arrays: np.ndarray | None) -> str:
    digest = hashlib.sha256(kind.encode())
    for arr in arrays:
        if arr is None:
            digest.update(b"none")
        else:
            digest.update(json.dumps([arr.dtype.str, list(arr.shape)]).encode())
            digest.update(arr.tobytes())
    return digest.hexdigest()[:16]


def _same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and bool(np.array_equal(a, b))


# ---------------------------------------------------------------------------
# the three channel types
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class DMC:
    """Discrete memoryless channel ``matrix[x, y] = P(y | x)`` (monograph eq. (4.1)).

    Parameters
    ----------
    matrix : array_like, shape (X, Y)
        Row ``x`` is the output pmf given input ``x``.
    name, params, source
        Display name, the parameters it was built from, and a citation.

    Examples
    --------
    >>> z = DMC([[1.0, 0.0], [0.5, 0.5]], name="z")
    >>> z.n_states, z.n_inputs, z.n_outputs
    (1, 2, 2)
    >>> z.to_fsc().law.shape
    (1, 2, 2, 1)
    """

    matrix: np.ndarray
    name: str = "dmc"
    params: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _check_metadata(self.name, self.params, self.source))
        arr = _probability_array(self.matrix, "matrix", ("x", "y"))
        _check_rows_sum_to_one(arr, "matrix", ("x", "y"), 1)
        object.__setattr__(self, "matrix", arr)

    @property
    def n_states(self) -> int:
        """Number of channel states (always 1)."""
        return 1

    @property
    def n_inputs(self) -> int:
        """Size of the input alphabet ``X``."""
        return int(self.matrix.shape[0])

    @property
    def n_outputs(self) -> int:
        """Size of the output alphabet ``Y``."""
        return int(self.matrix.shape[1])

    @property
    def fingerprint(self) -> str:
        """Short hash of the arrays (identifies the channel law, not its name)."""
        return _fingerprint("dmc", self.matrix)

    def to_unifilar(self) -> UnifilarFSC:
        """The same channel as a 1-state unifilar FSC (Example 4.1.1)."""
        law = self.matrix[None, :, :]
        next_state = np.zeros(law.shape, dtype=np.int64)
        return UnifilarFSC(law, next_state, None, name=self.name, params=self.params, source=self.source)

    def to_fsc(self) -> FiniteStateChannel:
        """The same channel as a 1-state FSC ``law[0, x, y, 0] = matrix[x, y]``."""
        return self.to_unifilar().to_fsc()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DMC):
            return NotImplemented
        return (self.name, self.params, self.source) == (other.name, other.params, other.source) and _same(
            self.matrix, other.matrix
        )

    def __hash__(self) -> int:
        return hash(("dmc", self.name, self.fingerprint))


class _Shaped(Protocol):
    """An array of any library (NumPy, JAX): what :class:`StateLawSizes` reads of ``law``."""

    @property
    def shape(self) -> tuple[int, ...]: ...


class StateLawSizes:
    """``n_states``, ``n_inputs``, ``n_outputs`` of a channel whose ``law`` is indexed ``[s, x, y, ...]``.

    A mixin for any class with a ``law`` array (the FSC types here; the belief
    environment of :mod:`dicert.verify.neural.rl` has the same three properties).

    Examples
    --------
    >>> import numpy as np
    >>> class Law(StateLawSizes):
    ...     law = np.zeros((3, 2, 4))
    >>> Law().n_states, Law().n_inputs, Law().n_outputs
    (3, 2, 4)
    """

    law: _Shaped  # np.ndarray in the channel classes, jax.Array in the belief environment

    @property
    def n_states(self) -> int:
        """Number of channel states ``|S|``."""
        return int(self.law.shape[0])

    @property
    def n_inputs(self) -> int:
        """Size of the input alphabet ``X``."""
        return int(self.law.shape[1])

    @property
    def n_outputs(self) -> int:
        """Size of the output alphabet ``Y``."""
        return int(self.law.shape[2])


_StateLawSizes = StateLawSizes  # the name before issue 18


@dataclass(frozen=True, eq=False)
class FiniteStateChannel(StateLawSizes):
    """Finite-state channel ``law[s, x, y, s2] = P(y, s2 | x, s)`` (monograph eq. (4.4)).

    General (possibly non-unifilar) channels such as the Gilbert-Elliott
    channel, whose state is hidden from both ends (Example 4.1.4).

    Parameters
    ----------
    law : array_like, shape (S, X, Y, S)
        ``law[s, x]`` is a joint pmf over (output, next state).
    allowed : array_like of bool, shape (S, X), optional
        Input constraint; ``None`` (default) means every input is allowed.
    name, params, source
        Display name, parameters and citation.

    Examples
    --------
    >>> import numpy as np
    >>> law = np.zeros((2, 2, 2, 2))
    >>> law[:, :, :, :] = 0.25            # output and next state uniform
    >>> FiniteStateChannel(law).is_unifilar()
    False
    """

    law: np.ndarray
    allowed: np.ndarray | None = None
    name: str = "fsc"
    params: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _check_metadata(self.name, self.params, self.source))
        axes = ("s", "x", "y", "s2")
        arr = _probability_array(self.law, "law", axes)
        if arr.shape[3] != arr.shape[0]:
            raise InvalidChannel(
                f"law: expected shape (S, X, Y, S) with the same number of states on axes s and s2, got {arr.shape}"
            )
        _check_rows_sum_to_one(arr, "law", axes, 2)
        object.__setattr__(self, "law", arr)
        object.__setattr__(self, "allowed", _allowed_array(self.allowed, arr.shape[0], arr.shape[1]))

    @property
    def fingerprint(self) -> str:
        """Short hash of the arrays (identifies the channel law, not its name)."""
        return _fingerprint("fsc", self.law, self.allowed)

    def output_law(self) -> np.ndarray:
        """``P(y | x, s)`` of shape (S, X, Y): the law summed over the next state.

        Examples
        --------
        >>> from dicert.verify.channels import gilbert_elliott_channel
        >>> gilbert_elliott_channel().output_law().shape
        (2, 2, 2)
        """
        return self.law.sum(axis=3)

    def is_unifilar(self) -> bool:
        """True when the next state is a function of ``(s, x, y)`` wherever ``P(y|x,s) > 0`` (eq. (4.18)).

        Examples
        --------
        >>> from dicert.verify.channels import trapdoor_channel
        >>> trapdoor_channel().to_fsc().is_unifilar()
        True
        """
        return bool(np.all(np.count_nonzero(self.law > 0, axis=3) <= 1))

    def to_unifilar(self) -> UnifilarFSC:
        """The same channel as a :class:`UnifilarFSC`, if it is unifilar.

        Where ``P(y | x, s) = 0`` the next state is irrelevant and set to ``s``.

        Raises
        ------
        InvalidChannel
            If some ``(s, x, y)`` with positive probability has two possible next states.

        Examples
        --------
        >>> from dicert.verify.channels import ising_channel
        >>> ising = ising_channel()
        >>> ising.to_fsc().to_unifilar() == ising
        True
        """
        support = np.count_nonzero(self.law > 0, axis=3)
        bad = np.argwhere(support > 1)
        if bad.size:
            s, x, y = (int(v) for v in bad[0])
            raise InvalidChannel(
                f"law[s={s}, x={x}, y={y}]: {int(support[s, x, y])} possible next states, "
                "expected one (the channel is not unifilar)"
            )
        py = self.output_law()
        states = np.broadcast_to(np.arange(self.n_states)[:, None, None], py.shape)
        next_state = np.where(support == 1, self.law.argmax(axis=3), states)
        return UnifilarFSC(py, next_state, self.allowed, name=self.name, params=self.params, source=self.source)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FiniteStateChannel):
            return NotImplemented
        return (
            (self.name, self.params, self.source) == (other.name, other.params, other.source)
            and _same(self.law, other.law)
            and _same(self.allowed, other.allowed)
        )

    def __hash__(self) -> int:
        return hash(("fsc", self.name, self.fingerprint))


@dataclass(frozen=True, eq=False)
class UnifilarFSC(StateLawSizes):
    """Unifilar finite-state channel (Definition 4.2.3).

    ``law[s, x, y] = P(y | x, s)`` and ``s' = next_state[s, x, y]`` (eq. (4.18)).

    Parameters
    ----------
    law : array_like, shape (S, X, Y)
        Output pmf given (state, input).
    next_state : array_like of int, shape (S, X, Y)
        Deterministic state update ``f(s, x, y)`` with values in ``0..S-1``.
    allowed : array_like of bool, shape (S, X), optional
        Input constraint (``allowed[s, x] = False`` forbids input ``x`` in
        state ``s``); every state must allow at least one input.  ``None``
        (default) means unconstrained; an all-True array is stored as ``None``.
    name, params, source
        Display name, parameters and citation.

    Examples
    --------
    >>> import numpy as np
    >>> law = np.array([[[1.0, 0.0], [0.5, 0.5]], [[0.5, 0.5], [0.0, 1.0]]])
    >>> nxt = np.array([[[0, 0], [1, 1]], [[0, 0], [1, 1]]])     # s' = x
    >>> ch = UnifilarFSC(law, nxt, name="ising")
    >>> ch.n_states, ch.n_inputs, ch.n_outputs
    (2, 2, 2)
    >>> UnifilarFSC(law, nxt + 1)
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidChannel: next_state[s=0, x=1, y=0]: state 2 out of range 0..1
    """

    law: np.ndarray
    next_state: np.ndarray
    allowed: np.ndarray | None = None
    name: str = "unifilar"
    params: dict[str, Any] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _check_metadata(self.name, self.params, self.source))
        axes = ("s", "x", "y")
        arr = _probability_array(self.law, "law", axes)
        _check_rows_sum_to_one(arr, "law", axes, 2)
        object.__setattr__(self, "law", arr)
        object.__setattr__(self, "next_state", _next_state_array(self.next_state, arr.shape))
        object.__setattr__(self, "allowed", _allowed_array(self.allowed, arr.shape[0], arr.shape[1]))

    @property
    def allowed_mask(self) -> np.ndarray:
        """``allowed[s, x]`` as a boolean array (all True when unconstrained).

        Examples
        --------
        >>> from dicert.verify.channels import bec_noc_channel
        >>> bec_noc_channel().allowed_mask.tolist()
        [[True, True], [True, False]]
        """
        if self.allowed is None:
            return np.ones((self.n_states, self.n_inputs), dtype=bool)
        return self.allowed

    @property
    def fingerprint(self) -> str:
        """Short hash of the arrays (identifies the channel law, not its name)."""
        return _fingerprint("unifilar", self.law, self.next_state, self.allowed)

    def to_fsc(self) -> FiniteStateChannel:
        """The same channel as an FSC: ``law4[s, x, y, f(s, x, y)] = P(y | x, s)`` (eq. (4.4)).

        Examples
        --------
        >>> from dicert.verify.channels import trapdoor_channel
        >>> fsc = trapdoor_channel().to_fsc()
        >>> float(fsc.law[0, 1, 0, 1])       # ball 0 leaves, ball 1 stays
        0.5
        """
        law4 = np.zeros(self.law.shape + (self.n_states,))
        s, x, y = np.indices(self.law.shape)
        law4[s, x, y, self.next_state] = self.law
        return FiniteStateChannel(law4, self.allowed, name=self.name, params=self.params, source=self.source)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, UnifilarFSC):
            return NotImplemented
        return (
            (self.name, self.params, self.source) == (other.name, other.params, other.source)
            and _same(self.law, other.law)
            and _same(self.next_state, other.next_state)
            and _same(self.allowed, other.allowed)
        )

    def __hash__(self) -> int:
        return hash(("unifilar", self.name, self.fingerprint))


#: Any of the three channel types.
Channel = DMC | FiniteStateChannel | UnifilarFSC


def as_unifilar(channel: Channel) -> UnifilarFSC:
    """View any channel as a :class:`UnifilarFSC` (what the Q-graph bounds of sec. 4.4 need).

    A DMC becomes a 1-state channel; an FSC is converted when it is unifilar.

    Raises
    ------
    InvalidChannel
        If ``channel`` is an FSC that is not unifilar, or not a channel at all.

    Examples
    --------
    >>> from dicert.verify.channels import bsc, gilbert_elliott_channel
    >>> as_unifilar(bsc(0.1)).n_states
    1
    >>> as_unifilar(gilbert_elliott_channel())
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidChannel: law[s=0, x=0, y=0]: 2 possible next states, expected one (the channel is not unifilar)
    """
    if isinstance(channel, UnifilarFSC):
        return channel
    if isinstance(channel, DMC):
        return channel.to_unifilar()
    if isinstance(channel, FiniteStateChannel):
        return channel.to_unifilar()
    raise InvalidChannel(f"channel: expected a DMC, FiniteStateChannel or UnifilarFSC, got {type(channel).__name__}")

"""Typed channel interfaces: what an algorithm may ask of a channel (monograph sec. 4.1).

Every algorithm that takes a channel is annotated with one of these structural
types (PEP 544 protocols), never with ``Any``:

* :class:`Channel` -- every channel: the sizes ``n_states``, ``n_inputs``,
  ``n_outputs``, a ``name``, its ``params``, a ``source`` (citation) and a
  ``fingerprint`` of its law.
* :class:`DiscreteMemorylessChannel` -- ``matrix[x, y] = P(y | x)`` (eq. (4.1)).
* :class:`FiniteStateChannel` -- ``law[s, x, y, s2] = P(y, s2 | x, s)`` (eq. (4.4))
  with an optional input constraint ``allowed[s, x]``.
* :class:`UnifilarChannel` -- ``law[s, x, y] = P(y | x, s)`` and the state update
  ``next_state[s, x, y] = f(s, x, y)`` (Definition 4.2.3, eq. (4.18)).

The frozen dataclasses of :mod:`dicert.verify.channels.core` satisfy them
(``DMC``, ``FiniteStateChannel``, ``UnifilarFSC``; mypy checks it), and so does
a user's own class with the same members.  The protocols are
``runtime_checkable``, so ``isinstance(ch, UnifilarChannel)`` tests for the
members (not their shapes).

Two views of one channel, from one source:

* :func:`float_view` -- the float64 unifilar arrays the solvers read
  (a validated :class:`~dicert.verify.channels.core.UnifilarFSC`);
* :func:`exact_view` -- the exact rational law a certificate re-checks
  (:class:`~dicert.verify.certify.exact_inputs.ExactUnifilar`): read from the
  channel file's own text when the channel came from one (``"4/13"`` is 4/13,
  ``0.1`` is 1/10), else each float's exact binary value; ``origin`` says which.

:func:`views` returns both; the exact view is built on first use.

Examples
--------
>>> from dicert.verify.channels import parse_channel
>>> from dicert.verify.channels.protocol import Channel, UnifilarChannel, exact_view, float_view
>>> bsc = parse_channel("bsc:p=0.25")
>>> isinstance(bsc, Channel), isinstance(bsc, UnifilarChannel)
(True, False)
>>> u = float_view(bsc)
>>> isinstance(u, UnifilarChannel), u.law.shape
(True, (1, 2, 2))
>>> exact_view(bsc).law
(((3/4, 1/4), (1/4, 3/4)),)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, runtime_checkable

import numpy as np

from dicert.verify.channels import core as _core
from dicert.verify.errors import InvalidChannel

if TYPE_CHECKING:  # the exact view lives in certify, imported on first use (certify imports channels)
    import jax

    from dicert.verify.capacity.unifilar import UnifilarArrays
    from dicert.verify.certify.exact_inputs import ExactUnifilar

__all__ = [
    "Channel",
    "DiscreteMemorylessChannel",
    "FiniteStateChannel",
    "UnifilarChannel",
    "ExactChannelSource",
    "ChannelOrLaw",
    "UnifilarSource",
    "SamplingChannel",
    "ChannelViews",
    "float_view",
    "exact_view",
    "views",
]


@runtime_checkable
class Channel(Protocol):
    """What every channel exposes: its alphabet and state sizes, name, parameters, citation, fingerprint.

    Examples
    --------
    >>> from dicert.verify.channels import trapdoor_channel
    >>> ch: Channel = trapdoor_channel()
    >>> ch.n_states, ch.n_inputs, ch.n_outputs, isinstance(ch, Channel)
    (2, 2, 2, True)
    """

    @property
    def n_states(self) -> int:
        """Number of channel states ``|S|`` (1 for a DMC)."""
        ...

    @property
    def n_inputs(self) -> int:
        """Size of the input alphabet ``X``."""
        ...

    @property
    def n_outputs(self) -> int:
        """Size of the output alphabet ``Y``."""
        ...

    @property
    def name(self) -> str:
        """Display name (``"trapdoor"``, ``"ising"``, ...)."""
        ...

    @property
    def params(self) -> Mapping[str, Any]:
        """The parameters the channel was built from."""
        ...

    @property
    def source(self) -> str:
        """Citation (paper, theorem, example number)."""
        ...

    @property
    def fingerprint(self) -> str:
        """Short hash of the law (identifies the channel, not its name)."""
        ...


@runtime_checkable
class DiscreteMemorylessChannel(Channel, Protocol):
    """A DMC ``matrix[x, y] = P(y | x)`` (eq. (4.1)); one state.

    Examples
    --------
    >>> from dicert.verify.channels import bsc
    >>> isinstance(bsc(0.1), DiscreteMemorylessChannel)
    True
    """

    @property
    def matrix(self) -> np.ndarray:
        """``matrix[x, y] = P(y | x)``, rows summing to one."""
        ...


@runtime_checkable
class FiniteStateChannel(Channel, Protocol):
    """A finite-state channel ``law[s, x, y, s2] = P(y, s2 | x, s)`` (eq. (4.4)).

    Examples
    --------
    >>> from dicert.verify.channels import gilbert_elliott_channel, trapdoor_channel
    >>> isinstance(gilbert_elliott_channel(), FiniteStateChannel), isinstance(trapdoor_channel(), FiniteStateChannel)
    (True, False)
    """

    @property
    def law(self) -> np.ndarray:
        """``law[s, x, y, s2] = P(y, s2 | x, s)``, shape ``(S, X, Y, S)``."""
        ...

    @property
    def allowed(self) -> np.ndarray | None:
        """Input constraint ``allowed[s, x]`` (``None``: unconstrained)."""
        ...

    def output_law(self) -> np.ndarray:
        """``P(y | x, s)``, shape ``(S, X, Y)``."""
        ...

    def is_unifilar(self) -> bool:
        """Whether the next state is a function of ``(s, x, y)`` on the support (eq. (4.18))."""
        ...


@runtime_checkable
class UnifilarChannel(Channel, Protocol):
    """A unifilar FSC (Def. 4.2.3): ``law[s, x, y] = P(y | x, s)``, ``s' = next_state[s, x, y]``.

    Examples
    --------
    >>> from dicert.verify.channels import ising_channel
    >>> ch: UnifilarChannel = ising_channel()
    >>> ch.next_state.shape, bool(ch.allowed_mask.all())
    ((2, 2, 2), True)
    """

    @property
    def law(self) -> np.ndarray:
        """``law[s, x, y] = P(y | x, s)``, shape ``(S, X, Y)``."""
        ...

    @property
    def next_state(self) -> np.ndarray:
        """``next_state[s, x, y] = f(s, x, y)`` in ``0..S-1`` (eq. (4.18))."""
        ...

    @property
    def allowed(self) -> np.ndarray | None:
        """Input constraint ``allowed[s, x]`` (``None``: unconstrained)."""
        ...

    @property
    def allowed_mask(self) -> np.ndarray:
        """``allowed[s, x]`` as a boolean array, all True when unconstrained."""
        ...


if TYPE_CHECKING:
    #: What the certifying functions accept as a channel: a channel object, an exact one, or its JSON
    #: form, a ``dict`` ``{"law", "next_state", "allowed"?}`` (exact strings such as ``"1/3"``).
    ExactChannelSource: TypeAlias = Channel | ExactUnifilar | dict[str, Any]
else:
    ExactChannelSource = Any  # the runtime alias cannot name ExactUnifilar without importing certify


if TYPE_CHECKING:  # checked by mypy (tests/test_typing.py): the concrete classes satisfy the protocols

    def _concrete_classes_conform(dmc: _core.DMC, fsc: _core.FiniteStateChannel, uni: _core.UnifilarFSC) -> None:
        channels: list[Channel] = [dmc, fsc, uni]
        memoryless: DiscreteMemorylessChannel = dmc
        finite_state: FiniteStateChannel = fsc
        unifilar: UnifilarChannel = uni
        del channels, memoryless, finite_state, unifilar


#: What the n-letter and Blahut-Arimoto programs accept (``capacity.nletter.fsc_law``): a channel object,
#: or its law as an array, ``matrix[x, y]`` (a DMC) or ``law[s, x, y, s2]`` (an FSC).
ChannelOrLaw: TypeAlias = Channel | np.ndarray


if TYPE_CHECKING:
    #: What the float unifilar programs accept (``capacity.unifilar.unifilar_arrays``): a channel object or
    #: the plain arrays already read from one (``UnifilarArrays``, passed on between the Q-graph modules).
    #: An exact channel is read through its ``float()`` entries.
    UnifilarSource: TypeAlias = Channel | UnifilarArrays | ExactUnifilar
else:
    UnifilarSource = Any  # the runtime alias cannot name UnifilarArrays without importing capacity


class SamplingChannel(Protocol):
    """A continuous-alphabet channel given by a sampler (JAX), as the neural estimators read it (sec. 3.5).

    ``init(key, batch)`` draws the initial states of ``batch`` independent uses and
    ``step(state, x, key)`` returns ``(next_state, y)`` for inputs ``x`` of shape ``(batch,)``.
    """

    def init(self, key: jax.Array, batch: int) -> jax.Array: ...

    def step(self, state: jax.Array, x: jax.Array, key: jax.Array) -> tuple[jax.Array, jax.Array]: ...

    def __hash__(self) -> int: ...  # the jitted trainer is cached per channel (functools.lru_cache)


def _metadata(channel: Channel) -> dict[str, Any]:
    return {"name": str(channel.name), "params": dict(channel.params), "source": str(channel.source)}


def float_view(channel: Channel) -> _core.UnifilarFSC:
    """The float64 unifilar view of a channel (what the Q-graph bounds and the belief MDP read).

    A ``UnifilarFSC`` is returned as it is, a DMC becomes a 1-state channel, a
    unifilar FSC is converted (:func:`~dicert.verify.channels.core.as_unifilar`);
    a user's class that satisfies one of the protocols is validated through the
    matching constructor of :mod:`~dicert.verify.channels.core`.

    Raises
    ------
    InvalidChannel
        If the channel is a finite-state channel that is not unifilar, or satisfies none of the protocols.

    Examples
    --------
    >>> from dicert.verify.channels import bsc
    >>> float_view(bsc(0.1)).next_state.tolist()
    [[[0, 0], [0, 0]]]
    >>> float_view("bsc")
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidChannel: channel: expected a DMC, finite-state or unifilar channel object, got str
    """
    if isinstance(channel, (_core.DMC, _core.FiniteStateChannel, _core.UnifilarFSC)):
        return _core.as_unifilar(channel)
    if isinstance(channel, UnifilarChannel):
        return _core.UnifilarFSC(channel.law, channel.next_state, channel.allowed, **_metadata(channel))
    if isinstance(channel, FiniteStateChannel):
        return _core.FiniteStateChannel(channel.law, channel.allowed, **_metadata(channel)).to_unifilar()
    if isinstance(channel, DiscreteMemorylessChannel):
        return _core.DMC(channel.matrix, **_metadata(channel)).to_unifilar()
    raise InvalidChannel(
        f"channel: expected a DMC, finite-state or unifilar channel object, got {type(channel).__name__}"
    )


def exact_view(channel: Channel | ExactUnifilar) -> ExactUnifilar:
    """The exact rational view of a channel (what a certificate stores and re-checks).

    From the channel file's own text when the channel was read from one, else
    each float's exact binary value (``origin`` says which; see
    :meth:`~dicert.verify.certify.exact_inputs.ExactUnifilar.from_channel`).

    Raises
    ------
    InvalidChannel
        As :func:`float_view`, or when the float law does not sum exactly to one in any exact reading.

    Examples
    --------
    >>> from dicert.verify.channels import channel_from_json
    >>> ch = channel_from_json({"type": "dmc", "inputs": 2, "outputs": 2, "matrix": [["2/3", "1/3"], ["1/3", "2/3"]]})
    >>> view = exact_view(ch)
    >>> view.law, view.origin
    ((((2/3, 1/3), (1/3, 2/3)),), 'text')
    """
    from dicert.verify.certify.exact_inputs import ExactUnifilar

    if isinstance(channel, ExactUnifilar):
        return channel
    if isinstance(channel, (_core.DMC, _core.UnifilarFSC)):  # these carry a channel file's exact text law
        return ExactUnifilar.from_channel(channel)
    return ExactUnifilar.from_channel(float_view(channel))


@dataclass(frozen=True)
class ChannelViews:
    """The float and the exact view of one channel, both derived from ``channel``.

    Examples
    --------
    >>> from dicert.verify.channels import trapdoor_channel
    >>> v = views(trapdoor_channel())
    >>> v.floats.law.shape, v.exact.shape
    ((2, 2, 2), (2, 2, 2))
    """

    channel: Channel
    floats: _core.UnifilarFSC
    _exact: list[ExactUnifilar] = field(default_factory=list, repr=False, compare=False)

    @property
    def exact(self) -> ExactUnifilar:
        """The exact view (built on first use: it needs python-flint)."""
        if not self._exact:
            self._exact.append(exact_view(self.channel))
        return self._exact[0]


def views(channel: Channel) -> ChannelViews:
    """Both views of ``channel``: :func:`float_view` now, :func:`exact_view` on first use.

    Examples
    --------
    >>> from dicert.verify.channels import bsc
    >>> views(bsc(0.5)).exact.origin
    'binary-float'
    """
    return ChannelViews(channel, float_view(channel))

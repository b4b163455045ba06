"""Registry entries of the built-in channels, declared once by the :func:`builtin_channel` decorator.

A builder function states its parameters and their defaults in its signature;
:func:`builtin_channel` adds what the registry needs (name, kind, a one-line
description, the short reference and the full citation) once, next to the
builder, and stamps the built channel with that name and citation.  The
registry :data:`~dicert.verify.channels.library.BUILTIN_CHANNELS` lists the
decorated builders in order (no hidden global state).

Examples
--------
>>> import numpy as np
>>> from dicert.verify.channels.core import DMC
>>> @builtin_channel("flip", "dmc", "always flips", "folklore", "a textbook", p="ignored parameter")
... def flip(p: float = 0.0) -> DMC:
...     return DMC(np.array([[0.0, 1.0], [1.0, 0.0]]), params={"p": float(p)})
>>> flip.builtin.defaults, flip().name, flip().source
({'p': 0.0}, 'flip', 'a textbook')
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from dicert.verify.channels.core import Channel
from dicert.verify.errors import InvalidChannel

__all__ = ["ParamSpec", "BuiltinChannel", "builtin_channel", "builtin_of", "check_probability"]

F = TypeVar("F", bound=Callable[..., Any])


def check_probability(value: Any, field_name: str) -> float:
    """``value`` as a float in ``[0, 1]``, else :class:`InvalidChannel` naming ``field_name`` (a builder parameter).

    Examples
    --------
    >>> check_probability("0.25", "bsc:p")
    0.25
    >>> check_probability(1.5, "bsc:p")
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidChannel: bsc:p: expected a probability in [0, 1], got 1.5
    """
    try:
        p = float(value)
    except (TypeError, ValueError):
        raise InvalidChannel(f"{field_name}: expected a probability in [0, 1], got {value!r}") from None
    if isinstance(value, bool) or math.isnan(p) or not 0.0 <= p <= 1.0:
        raise InvalidChannel(f"{field_name}: expected a probability in [0, 1], got {value!r}")
    return p


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a built-in channel: name, default value and meaning.

    Examples
    --------
    >>> ParamSpec("q", 2, "alphabet size").kind
    'int'
    """

    name: str
    default: int | float
    description: str

    @property
    def kind(self) -> str:
        """``'int'`` or ``'float'``, from the type of the default."""
        return "int" if isinstance(self.default, int) else "float"


@dataclass(frozen=True)
class BuiltinChannel:
    """A registry entry: how to build a built-in channel and what it is.

    Examples
    --------
    >>> from dicert.verify.channels.library import BUILTIN_CHANNELS
    >>> entry = BUILTIN_CHANNELS["post"]
    >>> entry.defaults, entry.build(a=0.2).params
    ({'a': 0.5}, {'a': 0.2})
    """

    name: str
    constructor: Callable[..., Channel]
    params: tuple[ParamSpec, ...]
    kind: str
    description: str
    reference: str
    citation: str = ""

    @property
    def defaults(self) -> dict[str, int | float]:
        """Parameter name -> default value."""
        return {p.name: p.default for p in self.params}

    def build(self, **params: Any) -> Channel:
        """The channel with the given parameters (the defaults for those left out)."""
        unknown = sorted(set(params) - set(self.defaults))
        if unknown:
            allowed = ", ".join(self.defaults) or "none"
            raise InvalidChannel(f"{self.name}: unknown parameter {unknown[0]!r}; allowed: {allowed}")
        return self.constructor(**{**self.defaults, **params})

    @property
    def source(self) -> str:
        """The citation of the channel (of the channel built with its default parameters)."""
        return self.citation or self.build().source


def builtin_channel(name: str, kind: str, description: str, reference: str, citation: str, **meanings: str) -> Callable[[F], F]:
    """Declare a builder as the built-in channel ``name``: defaults from its signature, citation given once.

    Parameters
    ----------
    name : str
        Registry name (``dicert channels``, channel specs).
    kind : {"unifilar", "fsc", "dmc"}
        Channel type shown in the listing.
    description, reference : str
        One-line model description and short reference of the listing.
    citation : str
        Full citation, stored as the ``source`` of every channel the builder returns.
    **meanings : str
        One description per parameter of the builder, in signature order; every
        parameter needs a default (its value in the registry).

    Returns
    -------
    callable
        A decorator; the decorated builder returns its channel with ``name`` and
        ``citation`` set, and carries the registry entry as ``.builtin``.

    Examples
    --------
    >>> from dicert.verify.channels.library import ising_channel
    >>> ising_channel.builtin.params[0]
    ParamSpec(name='q', default=2, description='alphabet size of inputs, outputs and states')
    """

    def decorate(builder: F) -> F:
        signature = inspect.signature(builder)
        if set(meanings) != set(signature.parameters) or any(
            p.default is inspect.Parameter.empty for p in signature.parameters.values()
        ):
            raise TypeError(f"builtin_channel({name!r}): describe every parameter of {builder.__name__} and give each a default")
        specs = tuple(ParamSpec(p.name, p.default, meanings[p.name]) for p in signature.parameters.values())

        @functools.wraps(builder)
        def build(*args: Any, **kwargs: Any) -> Channel:
            channel = builder(*args, **kwargs)
            return dataclasses.replace(channel, name=name, source=citation)

        build.builtin = BuiltinChannel(name, build, specs, kind, description, reference, citation)  # type: ignore[attr-defined]
        return build  # type: ignore[return-value]

    return decorate


def builtin_of(builder: Callable[..., Any]) -> BuiltinChannel:
    """The :class:`BuiltinChannel` that :func:`builtin_channel` declared on ``builder`` (its ``builtin`` attribute).

    Examples
    --------
    >>> from dicert.verify.channels.library import bsc
    >>> builtin_of(bsc).name
    'bsc'
    """
    entry = getattr(builder, "builtin", None)
    if not isinstance(entry, BuiltinChannel):
        raise TypeError(f"{getattr(builder, '__name__', builder)!r} is not declared with @builtin_channel")
    return entry

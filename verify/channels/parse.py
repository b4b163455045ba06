"""Channel specs: ``NAME``, ``NAME:key=value[,key=value...]`` or a JSON path, to a channel and back.

:func:`split_spec` is the one parser of the ``NAME:key=value`` syntax (the
channel specs here and the result names of :mod:`dicert.proofs.registry`);
:func:`parse_channel` builds the channel of a spec from
:data:`~dicert.verify.channels.library.BUILTIN_CHANNELS` and
:func:`channel_spec` is its inverse.

Examples
--------
>>> from dicert.verify.channels.parse import parse_channel, split_spec
>>> split_spec("ising:q=4, delay=2")
('ising', [('q', '4'), ('delay', '2')])
>>> parse_channel("ising:q=4").n_inputs
4
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path
from typing import cast

from dicert.verify.channels.builtin import BuiltinChannel
from dicert.verify.channels.core import Channel, UnifilarFSC
from dicert.verify.errors import DicertError, InvalidChannel

__all__ = ["split_spec", "parse_channel", "channel_spec", "require_unifilar"]


def _builtins() -> Mapping[str, BuiltinChannel]:
    from dicert.verify.channels.library import BUILTIN_CHANNELS  # the registry imports this module's names

    return BUILTIN_CHANNELS


def split_spec(text: str, error: type[DicertError] = InvalidChannel, field: str | None = None) -> tuple[str, list[tuple[str, str]]]:
    """Split ``NAME[:key=value,...]`` into the stripped name and its ``(key, value)`` pairs, in order.

    Empty items (``a:,q=2``) are skipped; an item without ``=``, key or value
    raises ``error`` naming ``field`` (default: the name).

    Examples
    --------
    >>> split_spec("post:a=1/3")
    ('post', [('a', '1/3')])
    >>> split_spec("post:a")
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidChannel: post: expected parameters as key=value, got 'a'
    """
    name, _, arguments = text.partition(":")
    pairs: list[tuple[str, str]] = []
    for item in filter(None, (part.strip() for part in arguments.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip() or not value.strip():
            raise error(f"{field or name.strip()}: expected parameters as key=value, got {item!r}")
        pairs.append((key.strip(), value.strip()))
    return name.strip(), pairs


def _parse_value(entry: BuiltinChannel, key: str, text: str) -> int | float:
    spec = {p.name: p for p in entry.params}.get(key)
    if spec is None:
        allowed = ", ".join(entry.defaults) or "none"
        raise InvalidChannel(f"{entry.name}: unknown parameter {key!r}; allowed: {allowed}")
    try:
        if spec.kind == "int":
            return int(text)
        try:
            return float(text)
        except ValueError:
            return float(Fraction(text))  # exact fractions such as 1/3
    except (ValueError, ZeroDivisionError):
        expected = "an integer" if spec.kind == "int" else "a number"
        raise InvalidChannel(f"{entry.name}:{key}: expected {expected}, got {text!r}") from None


def _looks_like_path(spec: str) -> bool:
    if spec.partition(":")[0].strip().lower().replace("_", "-") in _builtins() and not Path(spec).exists():
        return False  # a built-in with parameters such as bsc:p=1/3, not a file
    return spec.lower().endswith(".json") or "/" in spec or "\\" in spec


def parse_channel(spec: str | Path) -> Channel:
    """Build a channel from a spec: ``name``, ``name:key=value[,key=value...]`` or a JSON file path.

    Parameters
    ----------
    spec : str or Path
        A built-in name from :data:`~dicert.verify.channels.library.BUILTIN_CHANNELS` (hyphens or underscores),
        optionally with parameters, or a path to a JSON channel file
        (:func:`dicert.verify.channels.spec.load_channel`).

    Raises
    ------
    InvalidChannel
        Unknown name or parameter, malformed value, or an invalid channel file.

    Examples
    --------
    >>> parse_channel("bec-noc:eps=0.25").params
    {'eps': 0.25}
    >>> parse_channel("ising:q=two")
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidChannel: ising:q: expected an integer, got 'two'
    """
    if isinstance(spec, Path) or (isinstance(spec, str) and _looks_like_path(spec)):
        from dicert.verify.channels.spec import load_channel

        return load_channel(spec)
    if not isinstance(spec, str) or not spec.strip():
        raise InvalidChannel(f"channel: expected a built-in name or a .json path, got {spec!r}")
    name = spec.strip().partition(":")[0]
    name = name.strip().lower().replace("_", "-")
    entry = _builtins().get(name)
    if entry is None:
        if Path(spec).exists():
            from dicert.verify.channels.spec import load_channel

            return load_channel(spec)
        names = ", ".join(sorted(_builtins()))
        raise InvalidChannel(f"channel: unknown built-in {name!r}; expected one of {names}, or a path to a .json channel file")
    params: dict[str, int | float] = {}
    delay: int | None = None
    for key, value in split_spec(spec.strip(), InvalidChannel, entry.name)[1]:
        if key in params or (key == "delay" and delay is not None):
            raise InvalidChannel(f"{entry.name}:{key}: given twice")
        if key == "delay":  # feedback delay, an option of every unifilar channel (Remark 4.2.6)
            delay = _parse_delay(entry.name, value.strip())
            continue
        params[key] = _parse_value(entry, key, value.strip())
    channel = entry.build(**params)
    if delay is None:
        return channel
    from dicert.verify.channels.delay import delayed_feedback

    return delayed_feedback(channel, delay)


def _parse_delay(name: str, text: str) -> int:
    from dicert.verify.channels.delay import check_delay

    try:
        value = int(text)
    except ValueError:
        raise InvalidChannel(f"{name}:delay: expected an integer >= 1 (1 = instantaneous feedback), got {text!r}") from None
    return check_delay(value, f"{name}:delay")


def require_unifilar(channel: Channel, method: str) -> UnifilarFSC:
    """``channel`` as a unifilar FSC, or a one-line refusal naming the method and Def. 4.2.3.

    The Q-graph bounds (Thm 4.4.3, 4.4.4), the belief MDP behind ``discover``
    (sec. 4.3) and the ranking of Q-graphs all need the state update
    ``s' = f(s, x, y)`` of a unifilar channel (Def. 4.2.3); a general FSC gets the
    n-letter bounds of Thm 4.2.1 instead (``dicert bounds CH --nletter N``).

    Raises
    ------
    InvalidChannel
        If the channel is an FSC whose next state is random given ``(s, x, y)``.

    Examples
    --------
    >>> from dicert.verify.channels.library import bsc, gilbert_elliott_channel
    >>> require_unifilar(bsc(0.1), "the Q-graph bound").n_states
    1
    >>> require_unifilar(gilbert_elliott_channel(), "the Q-graph bound (Thm 4.4.3)")
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidChannel: channel: 'gilbert-elliott': the channel is not unifilar (law[s=0, x=0, y=0]: 2 possible next states); the Q-graph bound (Thm 4.4.3) needs a unifilar channel (Def. 4.2.3); use `dicert bounds CHANNEL --nletter N` for the n-letter bounds of Thm 4.2.1
    """
    from dicert.verify.channels.core import as_unifilar

    try:
        return as_unifilar(channel)
    except InvalidChannel as exc:
        detail = str(exc).split(", expected one")[0]
        raise InvalidChannel(
            f"channel: {channel.name!r}: the channel is not unifilar ({detail}); "
            f"{method} needs a unifilar channel (Def. 4.2.3); use `dicert bounds CHANNEL --nletter N` "
            "for the n-letter bounds of Thm 4.2.1"
        ) from None


def channel_spec(channel: Channel) -> str:
    """The spec string ``name:key=value,...`` of a built-in channel (inverse of :func:`parse_channel`).

    Raises
    ------
    InvalidChannel
        If ``channel`` is not a built-in channel with its recorded parameters.

    Examples
    --------
    >>> from dicert.verify.channels.library import ising_channel, trapdoor_channel
    >>> channel_spec(ising_channel(4))
    'ising:q=4'
    >>> channel_spec(trapdoor_channel())
    'trapdoor'
    """
    entry = _builtins().get(channel.name)
    base_params = {k: v for k, v in channel.params.items() if k != "delay"}
    delay = channel.params.get("delay")

    def rebuilt() -> Channel:
        built = cast("BuiltinChannel", entry).build(**base_params)  # called only after the `entry is None` test
        if delay is None:
            return built
        from dicert.verify.channels.delay import delayed_feedback

        return delayed_feedback(built, delay)

    if entry is None or set(base_params) != set(entry.defaults) or rebuilt() != channel:
        raise InvalidChannel(f"channel: {channel.name!r} is not a built-in channel with its recorded parameters")
    args = ",".join(f"{key}={value!r}" for key, value in channel.params.items())
    return channel.name if not args else f"{channel.name}:{args}"

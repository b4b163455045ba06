"""JSON channel files: bring your own channel.

A channel file holds one JSON object.  ``type`` selects the channel kind and
the keys that go with it (unknown keys are refused).  The trapdoor channel
(``examples/trapdoor.json``)::

    {
      "type": "unifilar",
      "name": "trapdoor",
      "source": "Permuter, Cuff, Van Roy, Weissman, IEEE Trans. IT 2008",
      "states": 2, "inputs": 2, "outputs": 2,
      "law":        [[[1, 0], ["1/2", "1/2"]], [["1/2", "1/2"], [0, 1]]],
      "next_state": [[[0, 1], [1, 0]],         [[1, 0], [0, 1]]]
    }

Keys common to every type: ``type`` (``"unifilar"``, ``"fsc"`` or ``"dmc"``),
optional ``name`` (default: the type), ``description`` (free text, not
kept), ``source`` (citation), ``params`` (an object, kept as-is) and
``delay`` (an integer >= 1: feedback delayed by that many uses, Remark 4.2.6;
the channel is replaced by its state augmentation,
:func:`dicert.verify.channels.delay.delayed_feedback`; unifilar channels only).

* ``unifilar`` (Definition 4.2.3): ``law[s][x][y] = P(y | x, s)``,
  ``next_state[s][x][y]`` in ``0..states-1``, optional ``allowed[s][x]``.
* ``fsc`` (eq. (4.4)): ``law[s][x][y][s2] = P(y, s2 | x, s)``, optional ``allowed``.
* ``dmc`` (eq. (4.1)): ``matrix[x][y] = P(y | x)`` with ``inputs`` and ``outputs``;
  optional ``rll`` = ``{"d": D, "k": K}`` (``K`` an integer or ``"inf"``) adds a
  (d,k)-RLL input constraint to a binary-input channel (the state counts the
  zeros since the last one, :func:`dicert.verify.channels.families.rll_constrained`).
* ``builtin``: ``{"type": "builtin", "builtin": "chemical", "params": {"k": 3}}``
  names a built-in channel or family (``dicert channels``) with its parameters
  (numbers, or strings such as ``"inf"``); ``name``/``source`` are those of the built-in.

Probabilities are JSON numbers or exact fraction strings such as ``"1/3"``.
The sizes ``states``/``inputs``/``outputs`` are checked against the arrays,
so a mis-shaped array is reported where it happens.  Every error names the
file and the field: ``trapdoor.json: law[s=0, x=1]: sums to 0.9, expected 1``.
Example files: ``examples/trapdoor.json`` (unifilar), ``examples/skewed_ising.json`` (unifilar
with an input constraint), ``examples/gilbert_elliott.json`` (fsc), ``examples/z_channel.json`` (dmc).

Examples
--------
>>> from dicert.verify.channels import channel_from_json, channel_to_json, trapdoor_channel
>>> data = channel_to_json(trapdoor_channel())
>>> sorted(data)
['inputs', 'law', 'name', 'next_state', 'outputs', 'params', 'source', 'states', 'type']
>>> channel_from_json(data) == trapdoor_channel()
True
>>> channel_from_json({"type": "dmc", "inputs": 1, "outputs": 1, "matrix": [[1]], "colour": "red"})
Traceback (most recent call last):
...
dicert.graphs.errors.InvalidChannel: colour: unknown key for a 'dmc' channel; allowed: delay, description, inputs, matrix, name, outputs, params, rll, source, type
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any, cast

import numpy as np

from dicert.verify.channels.core import DMC, Channel, FiniteStateChannel, UnifilarFSC
from dicert.verify.errors import InvalidChannel

__all__ = ["CHANNEL_TYPES", "channel_from_json", "channel_to_json", "load_channel", "save_channel"]

_COMMON = {"type", "name", "description", "source", "params", "delay"}

#: Allowed keys of a channel file by ``type``; the rest are required unless marked optional.
CHANNEL_TYPES: dict[str, dict[str, bool]] = {
    "unifilar": {"states": True, "inputs": True, "outputs": True, "law": True, "next_state": True, "allowed": False},
    "fsc": {"states": True, "inputs": True, "outputs": True, "law": True, "allowed": False},
    "dmc": {"inputs": True, "outputs": True, "matrix": True, "rll": False},
    "builtin": {"builtin": True},
}


def _size(data: dict[str, Any], key: str) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidChannel(f"{key}: expected a positive integer, got {value!r}")
    return value


class _TextFloat(float):
    """A JSON number that remembers its own text (so ``0.1`` is read exactly as 1/10)."""

    text: str

    def __new__(cls, text: str) -> "_TextFloat":
        obj = super().__new__(cls, text)
        obj.text = text
        return obj


def _exact_number(value: Any, where: str) -> Fraction:
    """The exact rational a file entry denotes: ints, fraction/decimal strings and JSON number text exactly;
    a Python float (no text) by its exact binary value."""
    if isinstance(value, bool):
        raise InvalidChannel(f"{where}: expected a number or a fraction string like '1/3', got {value!r}")
    if isinstance(value, _TextFloat):
        return Fraction(value.text)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not np.isfinite(value):
            raise InvalidChannel(f"{where}: expected a finite probability, got {value!r}")
        return Fraction(value)
    if isinstance(value, str) and value.strip().isascii():
        try:
            return Fraction(value.strip())
        except (ValueError, ZeroDivisionError):
            pass
    raise InvalidChannel(f"{where}: expected a number or a fraction string like '1/3', got {value!r}")


def _number(value: Any, where: str) -> float:
    return float(_exact_number(value, where))


def _origin(value: Any) -> str:
    """``"text"`` when every leaf has exact text (int, string, JSON number text), else ``"binary-float"``."""
    if isinstance(value, list):
        return "text" if all(_origin(v) == "text" for v in value) else "binary-float"
    return "binary-float" if isinstance(value, float) and not isinstance(value, _TextFloat) else "text"


def _attach_exact(channel: Channel, key: str, exact: Any, raw: Any) -> Channel:
    """Keep the exact law next to the float view (read by :mod:`dicert.verify.certify`)."""
    object.__setattr__(channel, "exact_view", {key: exact, "origin": _origin(raw)})
    return channel


def _nested(value: Any, shape: tuple[int, ...], key: str, axes: tuple[str, ...], convert: Any, prefix: tuple = ()) -> Any:
    """Walk a nested list, checking its length on each axis; convert the leaves."""
    depth = len(prefix)
    where = f"{key}[{', '.join(f'{a}={i}' for a, i in zip(axes, prefix))}]" if prefix else key
    if depth == len(shape):
        return convert(value, where)
    if not isinstance(value, list):
        raise InvalidChannel(f"{where}: expected a list over {axes[depth]} of length {shape[depth]}, got {type(value).__name__}")
    if len(value) != shape[depth]:
        raise InvalidChannel(f"{where}: expected {shape[depth]} entries (one per {axes[depth]}), got {len(value)}")
    return [_nested(item, shape, key, axes, convert, prefix + (i,)) for i, item in enumerate(value)]


def _state(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidChannel(f"{where}: expected an integer state, got {value!r}")
    return value


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidChannel(f"{where}: expected true or false, got {value!r}")
    return value


def _rll(channel: DMC, value: Any) -> Channel:
    """The ``"rll": {"d": D, "k": K}`` key of a ``dmc`` file: a (d,k)-RLL input constraint (``K`` may be ``"inf"``)."""
    from dicert.verify.channels.families import rll_constrained

    if not isinstance(value, dict) or not set(value) <= {"d", "k"} or "d" not in value:
        raise InvalidChannel(f"rll: expected an object {{\"d\": D, \"k\": K}} with 0 <= D < K <= \"inf\", got {value!r}")
    k = value.get("k", "inf")
    if k in ("inf", None):
        k = float("inf")
    elif isinstance(k, str) or isinstance(k, bool):
        raise InvalidChannel(f"rll:k: expected an integer or \"inf\", got {k!r}")
    return rll_constrained(channel.matrix, value["d"], k, name=channel.name, params=channel.params,
                           source=channel.source, field="rll")


def _builtin(data: dict[str, Any]) -> Channel:
    """``{"type": "builtin", "builtin": NAME, "params": {...}}``: a built-in channel or family by name."""
    from dicert.verify.channels.library import BUILTIN_CHANNELS, _parse_value

    name = data["builtin"]
    if not isinstance(name, str) or name.strip().lower().replace("_", "-") not in BUILTIN_CHANNELS:
        names = ", ".join(sorted(BUILTIN_CHANNELS))
        raise InvalidChannel(f"builtin: expected one of {names}, got {name!r}")
    entry = BUILTIN_CHANNELS[name.strip().lower().replace("_", "-")]
    params = data.get("params", {})
    if not isinstance(params, dict):
        raise InvalidChannel(f"params: expected a JSON object, got {type(params).__name__}")
    values = {}
    for key, value in params.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise InvalidChannel(f"params.{key}: expected a number or a string such as \"inf\", got {value!r}")
        values[key] = _parse_value(entry, key, str(value))
    return entry.build(**values)


def _family_keys(data: dict[str, Any]) -> Channel:
    """A channel file with ``"type": "builtin"``, ``"rll"`` (dmc) or ``"delay"``: build the base, then apply them."""
    from dicert.verify.channels.delay import check_delay, delayed_feedback

    rest = {k: v for k, v in data.items() if k != "delay" and not (k == "rll" and data.get("type") == "dmc")}
    if rest.get("type") == "builtin":
        for key in rest:
            if key not in _COMMON | set(CHANNEL_TYPES["builtin"]):
                allowed = ", ".join(sorted(_COMMON | set(CHANNEL_TYPES["builtin"])))
                raise InvalidChannel(f"{key}: unknown key for a 'builtin' channel; allowed: {allowed}")
        if "builtin" not in rest:
            raise InvalidChannel("builtin: missing; a 'builtin' channel needs builtin (a name from `dicert channels`)")
        channel = _builtin(rest)
    else:
        channel = channel_from_json(rest)
    if "rll" in data and data.get("type") == "dmc":
        channel = _rll(cast(DMC, channel), data["rll"])  # type "dmc": channel_from_json built a DMC
    if "delay" in data:
        channel = delayed_feedback(channel, check_delay(data["delay"], "delay"))
    return channel


def channel_from_json(data: Any) -> Channel:
    """Build a channel from the parsed JSON object of a channel file (format in the module docstring).

    Raises
    ------
    InvalidChannel
        Unknown ``type`` or key, missing key, wrong sizes, or an invalid channel.

    Examples
    --------
    >>> ch = channel_from_json({"type": "dmc", "inputs": 2, "outputs": 2, "matrix": [[1, 0], ["1/2", "1/2"]]})
    >>> ch.matrix.tolist()
    [[1.0, 0.0], [0.5, 0.5]]
    """
    if not isinstance(data, dict):
        raise InvalidChannel(f"channel file: expected a JSON object, got {type(data).__name__}")
    if data.get("type") == "builtin" or "delay" in data or ("rll" in data and data.get("type") == "dmc"):
        return _family_keys(data)  # families, RLL constraints, delayed feedback (issue 13)
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in CHANNEL_TYPES:
        raise InvalidChannel(f"type: expected one of {', '.join(CHANNEL_TYPES)}, got {kind!r}")
    fields = CHANNEL_TYPES[kind]
    allowed_keys = _COMMON | set(fields)
    for key in data:
        if key not in allowed_keys:
            raise InvalidChannel(f"{key}: unknown key for a {kind!r} channel; allowed: {', '.join(sorted(allowed_keys))}")
    for key, required in fields.items():
        if required and key not in data:
            raise InvalidChannel(f"{key}: missing; a {kind!r} channel needs {', '.join(k for k, r in fields.items() if r)}")
    meta = {
        "name": data.get("name", kind),
        "params": data.get("params", {}),
        "source": data.get("source", ""),
    }
    if not isinstance(meta["params"], dict):
        raise InvalidChannel(f"params: expected a JSON object, got {type(meta['params']).__name__}")
    x_size, y_size = _size(data, "inputs"), _size(data, "outputs")
    if kind == "dmc":
        matrix = _nested(data["matrix"], (x_size, y_size), "matrix", ("x", "y"), _exact_number)
        dmc = DMC(np.array([[float(v) for v in row] for row in matrix], dtype=float), **meta)
        return _attach_exact(dmc, "matrix", matrix, data["matrix"])
    s_size = _size(data, "states")
    allowed = data.get("allowed")
    if allowed is not None:
        allowed = np.array(_nested(allowed, (s_size, x_size), "allowed", ("s", "x"), _flag), dtype=bool)
    if kind == "fsc":
        shape4 = (s_size, x_size, y_size, s_size)
        law = _nested(data["law"], shape4, "law", ("s", "x", "y", "s2"), _number)
        return FiniteStateChannel(np.array(law, dtype=float), allowed, **meta)
    shape3 = (s_size, x_size, y_size)
    law = _nested(data["law"], shape3, "law", ("s", "x", "y"), _exact_number)
    next_state = _nested(data["next_state"], shape3, "next_state", ("s", "x", "y"), _state)
    floats = np.array([[[float(v) for v in row] for row in block] for block in law], dtype=float)
    channel = UnifilarFSC(floats, np.array(next_state, dtype=np.int64), allowed, **meta)
    return _attach_exact(channel, "law", law, data["law"])


def channel_to_json(channel: Channel) -> dict[str, Any]:
    """The JSON object of a channel file (inverse of :func:`channel_from_json`; floats round-trip exactly).

    Examples
    --------
    >>> from dicert.verify.channels import bec_noc_channel
    >>> data = channel_to_json(bec_noc_channel(0.5))
    >>> data["type"], data["allowed"]
    ('unifilar', [[True, True], [True, False]])
    """
    head: dict[str, Any] = {"name": channel.name}
    if isinstance(channel, DMC):
        body = {"type": "dmc", "inputs": channel.n_inputs, "outputs": channel.n_outputs, "matrix": channel.matrix.tolist()}
    elif isinstance(channel, (UnifilarFSC, FiniteStateChannel)):
        body = {
            "type": "unifilar" if isinstance(channel, UnifilarFSC) else "fsc",
            "states": channel.n_states,
            "inputs": channel.n_inputs,
            "outputs": channel.n_outputs,
            "law": channel.law.tolist(),
        }
        if isinstance(channel, UnifilarFSC):
            body["next_state"] = channel.next_state.tolist()
        if channel.allowed is not None:
            body["allowed"] = channel.allowed.tolist()
    else:
        raise InvalidChannel(f"channel: expected a DMC, FiniteStateChannel or UnifilarFSC, got {type(channel).__name__}")
    tail = {"params": dict(channel.params), "source": channel.source}
    return {"type": body.pop("type"), **head, **body, **tail}


def load_channel(path: str | Path) -> Channel:
    """Read a JSON channel file; errors name the file and the field.

    Raises
    ------
    InvalidChannel
        Missing or unreadable file, invalid JSON, or an invalid channel.

    Examples
    --------
    >>> import json, tempfile, os
    >>> from dicert.verify.channels import ising_channel
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = os.path.join(tmp, "ising.json")
    ...     save_channel(ising_channel(), path)
    ...     load_channel(path) == ising_channel()
    True
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidChannel(f"{path}: channel file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidChannel(f"{path}: cannot read channel file ({exc.__class__.__name__})") from None
    try:
        data = json.loads(text, parse_float=_TextFloat)  # numbers keep their text: "0.1" is exactly 1/10
    except json.JSONDecodeError as exc:
        raise InvalidChannel(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    try:
        return channel_from_json(data)
    except InvalidChannel as exc:
        raise InvalidChannel(f"{path.name}: {exc}") from None


def save_channel(channel: Channel, path: str | Path) -> None:
    """Write ``channel`` as a JSON channel file (readable by :func:`load_channel`).

    Examples
    --------
    >>> import tempfile, os
    >>> from dicert.verify.channels import bsc
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     save_channel(bsc(0.1), os.path.join(tmp, "bsc.json"))
    ...     sorted(os.listdir(tmp))
    ['bsc.json']
    """
    Path(path).write_text(json.dumps(channel_to_json(channel), indent=2) + "\n", encoding="utf-8")

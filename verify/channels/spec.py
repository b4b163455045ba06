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
kept), ``source`` (citation) and ``params`` (an object, kept as-is).

* ``unifilar`` (Definition 4.2.3): ``law[s][x][y] = P(y | x, s)``,
  ``next_state[s][x][y]`` in ``0..states-1``, optional ``allowed[s][x]``.
* ``fsc`` (eq. (4.4)): ``law[s][x][y][s2] = P(y, s2 | x, s)``, optional ``allowed``.
* ``dmc`` (eq. (4.1)): ``matrix[x][y] = P(y | x)`` with ``inputs`` and ``outputs``.

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
dicert.graphs.errors.InvalidChannel: colour: unknown key for a 'dmc' channel; allowed: description, inputs, matrix, name, outputs, params, source, type
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from dicert.verify.channels.core import DMC, Channel, FiniteStateChannel, UnifilarFSC
from dicert.verify.errors import InvalidChannel

__all__ = ["CHANNEL_TYPES", "channel_from_json", "channel_to_json", "load_channel", "save_channel"]

_COMMON = {"type", "name", "description", "source", "params"}

#: Allowed keys of a channel file by ``type``; the rest are required unless marked optional.
CHANNEL_TYPES: dict[str, dict[str, bool]] = {
    "unifilar": {"states": True, "inputs": True, "outputs": True, "law": True, "next_state": True, "allowed": False},
    "fsc": {"states": True, "inputs": True, "outputs": True, "law": True, "allowed": False},
    "dmc": {"inputs": True, "outputs": True, "matrix": True},
}


def _size(data: dict[str, Any], key: str) -> int:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidChannel(f"{key}: expected a positive integer, got {value!r}")
    return value


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool):
        raise InvalidChannel(f"{where}: expected a number or a fraction string like '1/3', got {value!r}")
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(Fraction(value.strip()))
        except (ValueError, ZeroDivisionError):
            pass
    raise InvalidChannel(f"{where}: expected a number or a fraction string like '1/3', got {value!r}")


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
        matrix = _nested(data["matrix"], (x_size, y_size), "matrix", ("x", "y"), _number)
        return DMC(np.array(matrix, dtype=float), **meta)
    s_size = _size(data, "states")
    allowed = data.get("allowed")
    if allowed is not None:
        allowed = np.array(_nested(allowed, (s_size, x_size), "allowed", ("s", "x"), _flag), dtype=bool)
    if kind == "fsc":
        shape4 = (s_size, x_size, y_size, s_size)
        law = _nested(data["law"], shape4, "law", ("s", "x", "y", "s2"), _number)
        return FiniteStateChannel(np.array(law, dtype=float), allowed, **meta)
    shape3 = (s_size, x_size, y_size)
    law = _nested(data["law"], shape3, "law", ("s", "x", "y"), _number)
    next_state = _nested(data["next_state"], shape3, "next_state", ("s", "x", "y"), _state)
    return UnifilarFSC(np.array(law, dtype=float), np.array(next_state, dtype=np.int64), allowed, **meta)


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
        data = json.loads(text)
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

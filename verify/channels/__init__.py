"""Channels of chapter 4: types, the built-in library, and JSON channel files.

* :mod:`~dicert.verify.channels.core` -- :class:`DMC` (``matrix[x, y]``),
  :class:`FiniteStateChannel` (``law[s, x, y, s2]``), :class:`UnifilarFSC`
  (``law[s, x, y]``, ``next_state[s, x, y]``, ``allowed[s, x]``), validated on
  construction, and :func:`as_unifilar`.
* :mod:`~dicert.verify.channels.library` -- trapdoor, Ising (binary and q-ary),
  POST(a), BEC/BSC with a no-consecutive-ones constraint, dicode erasure,
  Gilbert-Elliott, BSC/BEC/Z; :data:`BUILTIN_CHANNELS` and
  :func:`parse_channel` (``"ising:q=4"``, ``"post:a=0.3"`` or a ``.json`` path).
* :mod:`~dicert.verify.channels.spec` -- the JSON channel file format,
  :func:`load_channel`, :func:`save_channel`, :func:`channel_to_json`.

Examples
--------
>>> from dicert.verify.channels import parse_channel, as_unifilar
>>> ch = parse_channel("trapdoor")
>>> ch.n_states, ch.n_inputs, ch.n_outputs
(2, 2, 2)
>>> as_unifilar(parse_channel("bsc:p=0.1")).n_states
1
"""

from dicert.verify.channels.core import (
    DMC,
    ROW_SUM_TOLERANCE,
    Channel,
    FiniteStateChannel,
    UnifilarFSC,
    as_unifilar,
)
from dicert.verify.channels.library import (
    BUILTIN_CHANNELS,
    BuiltinChannel,
    ParamSpec,
    bec,
    bec_noc_channel,
    bsc,
    bsc_noc_channel,
    channel_spec,
    dicode_erasure_channel,
    gilbert_elliott_channel,
    ising_channel,
    parse_channel,
    post_channel,
    require_unifilar,
    trapdoor_channel,
    z_channel,
)
from dicert.verify.channels.protocol import UnifilarChannel, exact_view, float_view  # noqa: F401  typed views
from dicert.verify.channels.spec import (
    CHANNEL_TYPES,
    channel_from_json,
    channel_to_json,
    load_channel,
    save_channel,
)

__all__ = [
    "DMC",
    "ROW_SUM_TOLERANCE",
    "Channel",
    "FiniteStateChannel",
    "UnifilarFSC",
    "as_unifilar",
    "BUILTIN_CHANNELS",
    "BuiltinChannel",
    "ParamSpec",
    "bec",
    "bec_noc_channel",
    "bsc",
    "bsc_noc_channel",
    "channel_spec",
    "dicode_erasure_channel",
    "gilbert_elliott_channel",
    "ising_channel",
    "parse_channel",
    "post_channel",
    "require_unifilar",
    "trapdoor_channel",
    "z_channel",
    "CHANNEL_TYPES",
    "channel_from_json",
    "channel_to_json",
    "load_channel",
    "save_channel",
]

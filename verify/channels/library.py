"""Built-in channels of chapter 4, parametrised, each citing its paper, and the spec parser.

Unifilar channels with memory (Definition 4.2.3):

========================  ======================================================
``trapdoor``              Permuter, Cuff, Van Roy, Weissman (2008)
``ising`` (``q``)         Berger-Bonomi (1990); feedback capacity Elishco-Permuter
                          (2014); q-ary (4.19), Thm 4.6.1
``post`` (``a``)          Permuter, Asnani, Weissman (2014), Example 4.1.5
``bec-noc`` (``eps``)     Sabag, Permuter, Kashyap (2016)
``bsc-noc`` (``p``)       Sabag, Permuter, Kashyap (2018)
``dicode-erasure``        Sabag, Permuter, Pfister (2017)
========================  ======================================================

plus the non-unifilar ``gilbert-elliott`` channel (Example 4.1.4) and the
memoryless ``bsc``, ``bec`` and ``z`` channels (Example 4.1.1), and the families
of :mod:`dicert.verify.channels.families`: ``bec-rll``/``bsc-rll`` ((d,k)-RLL
inputs), ``chemical`` (k balls), ``trapdoor-q``, ``isi`` (Example 4.1.2),
``iid-state`` (Example 4.1.3) and ``nost`` (Example 4.1.6).  Every unifilar
channel also takes ``delay=d``: feedback delayed by ``d`` uses (Remark 4.2.6,
:mod:`dicert.verify.channels.delay`).

A *channel spec* is a built-in name with optional ``key=value`` parameters
separated by commas (``ising``, ``ising:q=4``, ``post:a=0.3``,
``gilbert-elliott:g=0.1,b=0.3``) or the path of a JSON channel file (see
:mod:`dicert.verify.channels.spec`); :func:`parse_channel` turns it into a
channel.

Output symbols are integers ``0..Y-1``; where the paper uses other symbols the
builder's docstring gives the map (e.g. the erasure ``?`` is the last symbol).

Examples
--------
>>> from dicert.verify.channels.library import parse_channel
>>> parse_channel("ising:q=4").n_inputs
4
>>> parse_channel("post:a=0.3").params
{'a': 0.3}
>>> parse_channel("isnig")
Traceback (most recent call last):
...
dicert.graphs.errors.InvalidChannel: channel: unknown built-in 'isnig'; expected one of bec, bec-noc, bec-rll, bsc, bsc-noc, bsc-rll, chemical, dicode-erasure, gilbert-elliott, iid-state, isi, ising, nost, post, trapdoor, trapdoor-q, z, or a path to a .json channel file
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from dicert.verify.channels import families as _families
from dicert.verify.channels.builtin import BuiltinChannel, ParamSpec, builtin_channel, builtin_of
from dicert.verify.channels.builtin import check_probability as _probability
from dicert.verify.channels.core import DMC, FiniteStateChannel, UnifilarFSC
from dicert.verify.errors import InvalidChannel
from dicert.verify.memory import guard_bytes

__all__ = [
    "BuiltinChannel",
    "ParamSpec",
    "BUILTIN_CHANNELS",
    "parse_channel",
    "channel_spec",
    "require_unifilar",
    "trapdoor_channel",
    "ising_channel",
    "post_channel",
    "bec_noc_channel",
    "bsc_noc_channel",
    "dicode_erasure_channel",
    "gilbert_elliott_channel",
    "bsc",
    "bec",
    "z_channel",
]


# ---------------------------------------------------------------------------
# parameter checks
# ---------------------------------------------------------------------------


def _alphabet_size(value: Any, field_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < 2:
        raise InvalidChannel(f"{field_name}: expected an integer alphabet size >= 2, got {value!r}")
    guard_bytes(16 * int(value) ** 3, f"{field_name}={int(value)}", "building the channel arrays law[s, x, y] and next_state[s, x, y]")
    return int(value)


_NO_CONSECUTIVE_ONES = np.array([[True, True], [True, False]])


# ---------------------------------------------------------------------------
# unifilar channels with memory
# ---------------------------------------------------------------------------


@builtin_channel(
    "trapdoor",
    "unifilar",
    "ball in the channel is the state; s' = s xor x xor y",
    "Permuter et al. 2008",
    "Permuter, Cuff, Van Roy, Weissman, 'Capacity of the trapdoor channel with feedback', "
    "IEEE Trans. IT 54(7), 2008 [Permuter2008Trapdoor]; monograph sec. 4.4",
)
def trapdoor_channel() -> UnifilarFSC:
    """The trapdoor channel (Blackwell 1961; feedback capacity by Permuter et al. 2008).

    The state ``s`` is the ball in the channel.  The sender adds ball ``x``;
    one of the two balls leaves uniformly at random as the output ``y`` and
    the other stays: ``y = x`` when ``x == s``, else ``y`` is 0 or 1 with
    probability 1/2 each, and ``s' = s xor x xor y``.  Its feedback capacity
    is ``log2`` of the golden ratio (monograph sec. 4.4, [Permuter2008Trapdoor]).

    Examples
    --------
    >>> ch = trapdoor_channel()
    >>> ch.law[0, 1].tolist(), ch.next_state[0, 1].tolist()
    ([0.5, 0.5], [1, 0])
    """
    law = _families.ising_output_law(2)  # y = x or s w.p. 1/2 each: y = x when x == s, else uniform
    s, x, y = np.meshgrid(np.arange(2), np.arange(2), np.arange(2), indexing="ij")
    next_state = (s ^ x ^ y).astype(np.int64)
    return UnifilarFSC(
        law,
        next_state,
    )


@builtin_channel(
    "ising",
    "unifilar",
    "y = x or previous input w.p. 1/2 each; s' = x (eq. 4.19)",
    "Elishco-Permuter 2014; Thm 4.6.1",
    "Berger and Bonomi, 'Capacity and zero-error capacity of Ising channels', IEEE Trans. IT 1990; "
    "Elishco and Permuter, 'Capacity and coding for the Ising channel with feedback', IEEE Trans. IT 2014 "
    "[ElishcoPermuter2014Ising]; monograph eq. (4.19), Example 4.2.4, Thm 4.6.1",
    q="alphabet size of inputs, outputs and states",
)
def ising_channel(q: int = 2) -> UnifilarFSC:
    """The (q-ary) Ising channel, eq. (4.19) (Berger-Bonomi 1990; Example 4.2.4).

    The state is the previous input.  ``Y = X`` with probability 1/2 and
    ``Y = S`` with probability 1/2 (so the output is clean when ``X == S``);
    the new state is ``S' = X``.  Binary feedback capacity: Elishco and
    Permuter (2014); ``q <= 8``: Thm 4.6.1.

    Parameters
    ----------
    q : int, default 2
        Alphabet size of inputs, outputs and states.

    Examples
    --------
    >>> ch = ising_channel(3)
    >>> ch.law[0, 2].tolist(), ch.next_state[0, 2].tolist()
    ([0.5, 0.0, 0.5], [2, 2, 2])
    """
    q = _alphabet_size(q, "ising:q")
    law = _families.ising_output_law(q)
    next_state = np.broadcast_to(np.arange(q)[None, :, None], (q, q, q)).astype(np.int64)  # s' = x
    return UnifilarFSC(
        law,
        next_state,
        params={"q": q},
    )


@builtin_channel(
    "post",
    "unifilar",
    "previous output is the state; Z channel in state 0, S channel in state 1",
    "Permuter-Asnani-Weissman 2014",
    "Permuter, Asnani, Weissman, 'Capacity of a POST channel with and without feedback', "
    "IEEE Trans. IT 60(10), 2014 [permuter2014capacity]; monograph Example 4.1.5, Thm 4.2.2",
    a="probability that a mismatched input is received as the state",
)
def post_channel(a: float = 0.5) -> UnifilarFSC:
    """The POST(a) channel: the Previous Output is the STate (Example 4.1.5, eq. (4.7)).

    The state is the previous output.  In state 0 the channel is a Z channel
    with parameter ``a`` and in state 1 an S channel: an input equal to the
    state passes unchanged; otherwise the output equals the state with
    probability ``a`` and the input with probability ``1 - a``.  ``s' = y``.
    Feedback does not increase its capacity (Permuter, Asnani, Weissman 2014).

    Parameters
    ----------
    a : float in [0, 1], default 0.5

    Examples
    --------
    >>> ch = post_channel(0.3)
    >>> ch.law[0, 1].tolist(), ch.law[1, 0].tolist()
    ([0.3, 0.7], [0.7, 0.3])
    """
    a = _probability(a, "post:a")
    law = np.zeros((2, 2, 2))
    next_state = np.zeros((2, 2, 2), dtype=np.int64)
    for s in range(2):
        for x in range(2):
            if x == s:
                law[s, x, x] = 1.0
            else:
                law[s, x, s] = a
                law[s, x, x] = 1.0 - a
            next_state[s, x, :] = [0, 1]
    return UnifilarFSC(
        law,
        next_state,
        params={"a": a},
    )


@builtin_channel(
    "bec-noc",
    "unifilar",
    "BEC with no two consecutive ones; outputs 0, 1, ? (= 2)",
    "Sabag-Permuter-Kashyap 2016",
    "Sabag, Permuter, Kashyap, 'The feedback capacity of the binary erasure channel with a "
    "no-consecutive-ones input constraint', IEEE Trans. IT 62(1), 2016 [SabagPermuterKashyap2016BEC]; "
    "monograph sec. 4.4",
    eps="erasure probability",
)
def bec_noc_channel(eps: float = 0.5) -> UnifilarFSC:
    """Binary erasure channel with a no-consecutive-ones input constraint (Sabag et al. 2016).

    The state is the previous input (``s' = x``) and ``allowed[1, 1] = False``
    forbids two ones in a row.  Outputs ``0, 1, 2`` stand for ``0, 1, ?``:
    the input is erased with probability ``eps``.

    Parameters
    ----------
    eps : float in [0, 1], default 0.5
        Erasure probability.

    Examples
    --------
    >>> ch = bec_noc_channel(0.25)
    >>> ch.law[0, 1].tolist(), ch.allowed.tolist()
    ([0.0, 0.75, 0.25], [[True, True], [True, False]])
    """
    eps = _probability(eps, "bec-noc:eps")
    row = np.array([[1.0 - eps, 0.0, eps], [0.0, 1.0 - eps, eps]])
    law = np.stack([row, row])
    next_state = np.broadcast_to(np.arange(2)[None, :, None], (2, 2, 3)).copy()
    return UnifilarFSC(
        law,
        next_state,
        _NO_CONSECUTIVE_ONES,
        params={"eps": eps},
    )


@builtin_channel(
    "bsc-noc",
    "unifilar",
    "BSC with no two consecutive ones; state = previous input",
    "Sabag-Permuter-Kashyap 2018",
    "Sabag, Permuter, Kashyap, 'Feedback capacity and coding for the BIBO channel with a "
    "no-repeated-ones input constraint', IEEE Trans. IT 64(7), 2018 [Sabag_BIBO_IT]; monograph sec. 4.4",
    p="crossover probability",
)
def bsc_noc_channel(p: float = 0.1) -> UnifilarFSC:
    """Binary symmetric channel with a no-consecutive-ones input constraint (Sabag et al.).

    The state is the previous input (``s' = x``), ``allowed[1, 1] = False``,
    and the output is the input flipped with probability ``p``.

    Parameters
    ----------
    p : float in [0, 1], default 0.1
        Crossover probability.

    Examples
    --------
    >>> bsc_noc_channel(0.2).law[1, 0].tolist()
    [0.8, 0.2]
    """
    p = _probability(p, "bsc-noc:p")
    row = np.array([[1.0 - p, p], [p, 1.0 - p]])
    law = np.stack([row, row])
    next_state = np.broadcast_to(np.arange(2)[None, :, None], (2, 2, 2)).copy()
    return UnifilarFSC(
        law,
        next_state,
        _NO_CONSECUTIVE_ONES,
        params={"p": p},
    )


@builtin_channel(
    "dicode-erasure",
    "unifilar",
    "output x - previous x in {-1, 0, 1} or erased; outputs -1, 0, 1, ? = 0..3",
    "Sabag-Permuter-Pfister 2017",
    "Sabag, Permuter, Pfister, 'A single-letter upper bound on the feedback capacity of unifilar "
    "finite-state channels', IEEE Trans. IT 63(3), 2017 [sabag2017single]; monograph sec. 4.4",
    eps="erasure probability",
)
def dicode_erasure_channel(eps: float = 0.5) -> UnifilarFSC:
    """The dicode erasure channel (DEC) of Sabag, Permuter and Pfister (2017).

    Binary input; the noiseless output ``x - s`` (``s`` = previous input,
    ``s' = x``) is erased with probability ``eps``.  Outputs ``0, 1, 2, 3``
    stand for ``-1, 0, +1, ?``.

    Parameters
    ----------
    eps : float in [0, 1], default 0.5
        Erasure probability.

    Examples
    --------
    >>> dicode_erasure_channel(0.5).law[0, 1].tolist()    # 1 - 0 = +1 or erased
    [0.0, 0.0, 0.5, 0.5]
    """
    eps = _probability(eps, "dicode-erasure:eps")
    law = np.zeros((2, 2, 4))
    next_state = np.zeros((2, 2, 4), dtype=np.int64)
    for s in range(2):
        for x in range(2):
            law[s, x, (x - s) + 1] = 1.0 - eps
            law[s, x, 3] += eps
            next_state[s, x, :] = x
    return UnifilarFSC(
        law,
        next_state,
        params={"eps": eps},
    )


# ---------------------------------------------------------------------------
# a non-unifilar finite-state channel
# ---------------------------------------------------------------------------


@builtin_channel(
    "gilbert-elliott",
    "fsc",
    "BSC with a hidden two-state Markov crossover (not unifilar)",
    "Mushkin-Bar-David 1989; Ex. 4.1.4",
    "Gilbert, Bell Syst. Tech. J. 1960; Elliott, Bell Syst. Tech. J. 1963; Mushkin and Bar-David, "
    "'Capacity and coding for the Gilbert-Elliott channels', IEEE Trans. IT 1989; monograph Example 4.1.4",
    g="P(good -> bad)",
    b="P(bad -> good)",
    pg="crossover probability in the good state",
    pb="crossover probability in the bad state",
)
def gilbert_elliott_channel(g: float = 0.1, b: float = 0.3, pg: float = 0.01, pb: float = 0.3) -> FiniteStateChannel:
    """The Gilbert-Elliott channel: a BSC whose crossover follows a hidden Markov state.

    State 0 is *good* (crossover ``pg``), state 1 is *bad* (crossover ``pb``);
    the state moves good -> bad with probability ``g`` and bad -> good with
    probability ``b``, independently of the input:
    ``law[s, x, y, s2] = P(y | x, s) P(s2 | s)`` (Markovian states, Example 4.1.4).
    The state is never observed, so the channel is not unifilar.

    Parameters
    ----------
    g, b : float in [0, 1]
        Transition probabilities good -> bad and bad -> good.
    pg, pb : float in [0, 1]
        Crossover probabilities in the good and the bad state.

    Examples
    --------
    >>> ch = gilbert_elliott_channel(g=0.1, b=0.3, pg=0.0, pb=0.5)
    >>> ch.law[0, 0].round(3).tolist()
    [[0.9, 0.1], [0.0, 0.0]]
    """
    g = _probability(g, "gilbert-elliott:g")
    b = _probability(b, "gilbert-elliott:b")
    pg = _probability(pg, "gilbert-elliott:pg")
    pb = _probability(pb, "gilbert-elliott:pb")
    state_move = np.array([[1.0 - g, g], [b, 1.0 - b]])
    output = np.array([[[1.0 - c, c], [c, 1.0 - c]] for c in (pg, pb)])
    law = output[:, :, :, None] * state_move[:, None, None, :]
    return FiniteStateChannel(
        law,
        params={"g": g, "b": b, "pg": pg, "pb": pb},
    )


# ---------------------------------------------------------------------------
# memoryless channels
# ---------------------------------------------------------------------------


@builtin_channel(
    "bsc",
    "dmc",
    "binary symmetric channel",
    "Shannon 1948",
    "Shannon 1948; monograph eqs. (4.1)-(4.3), Example 4.1.1",
    p="crossover probability",
)
def bsc(p: float = 0.1) -> DMC:
    """Binary symmetric channel with crossover ``p`` (memoryless, eq. (4.1)).

    Capacity ``1 - H2(p)``, with or without feedback (eq. (4.3)).

    Examples
    --------
    >>> bsc(0.25).matrix.tolist()
    [[0.75, 0.25], [0.25, 0.75]]
    """
    p = _probability(p, "bsc:p")
    return DMC(
        np.array([[1.0 - p, p], [p, 1.0 - p]]),
        params={"p": p},
    )


@builtin_channel(
    "bec",
    "dmc",
    "binary erasure channel; outputs 0, 1, ? (= 2)",
    "Elias 1955",
    "Elias 1955; monograph eqs. (4.1)-(4.3), Example 4.1.1",
    eps="erasure probability",
)
def bec(eps: float = 0.5) -> DMC:
    """Binary erasure channel with erasure probability ``eps``; outputs ``0, 1, 2`` = ``0, 1, ?``.

    Capacity ``1 - eps`` (eq. (4.3)).

    Examples
    --------
    >>> bec(0.5).matrix.tolist()
    [[0.5, 0.0, 0.5], [0.0, 0.5, 0.5]]
    """
    eps = _probability(eps, "bec:eps")
    return DMC(
        np.array([[1.0 - eps, 0.0, eps], [0.0, 1.0 - eps, eps]]),
        params={"eps": eps},
    )


@builtin_channel(
    "z",
    "dmc",
    "Z channel; input 0 is noiseless",
    "Golomb 1980",
    "Golomb, 'The limiting behavior of the Z-channel', IEEE Trans. IT 1980; monograph eq. (4.3)",
    p="P(y = 0 | x = 1)",
)
def z_channel(p: float = 0.5) -> DMC:
    """Z channel: input 0 is received correctly, input 1 is received as 0 with probability ``p``.

    Capacity ``log2(1 + (1 - p) p^(p / (1 - p)))`` for ``p < 1`` (eq. (4.3)).

    Examples
    --------
    >>> z_channel(0.5).matrix.tolist()
    [[1.0, 0.0], [0.5, 0.5]]
    """
    p = _probability(p, "z:p")
    return DMC(
        np.array([[1.0, 0.0], [p, 1.0 - p]]),
        params={"p": p},
    )


# ---------------------------------------------------------------------------
# registry and spec parsing
# ---------------------------------------------------------------------------


#: The decorated builders, in listing order.
_BUILDERS: tuple[Callable[..., Any], ...] = (
    trapdoor_channel,
    ising_channel,
    post_channel,
    bec_noc_channel,
    bsc_noc_channel,
    dicode_erasure_channel,
    gilbert_elliott_channel,
    bsc,
    bec,
    z_channel,
    _families.bec_rll_channel,
    _families.bsc_rll_channel,
    _families.chemical_channel,
    _families.trapdoor_q_channel,
    _families.isi_channel,
    _families.iid_state_channel,
    _families.nost_channel,
)

#: Built-in channels by name, in listing order (``dicert channels`` lists them); each entry is
#: declared once by :func:`~dicert.verify.channels.builtin.builtin_channel` on its builder.
BUILTIN_CHANNELS: Mapping[str, BuiltinChannel] = {
    entry.name: entry
    for entry in map(builtin_of, _BUILDERS)
}


# the spec parser moved to verify/channels/parse.py; these names stay importable from here
from dicert.verify.channels.parse import _parse_value, channel_spec, parse_channel, require_unifilar  # noqa: E402, F401

"""Channel families around the monograph's examples, each with its source.

================  ==========================================================  =====================
built-in          model                                                       kind
================  ==========================================================  =====================
``bec-rll``       BEC with a (d, k)-RLL input constraint                      unifilar (constrained)
``bsc-rll``       BSC with a (d, k)-RLL input constraint                      unifilar (constrained)
``chemical``      k-ball trapdoor ("chemical") channel                        unifilar
``trapdoor-q``    q-ary trapdoor channel                                      unifilar
``isi``           binary intersymbol interference + erasures, Example 4.1.2    unifilar
``iid-state``     Z/S channel with an i.i.d. state, Example 4.1.3              FSC (not unifilar)
``nost``          Noisy Output is the STate, Example 4.1.6                    FSC (unifilar iff r=0)
================  ==========================================================  =====================

(d, k)-RLL constraint: between two ones there are at least ``d`` and at most
``k`` zeros (``0 <= d < k <= inf``).  The state is the number ``z`` of zeros
since the last one, capped at ``k`` (finite ``k``) or at ``d`` (``k = inf``, where
"at least d" is all that matters): ``x = 1`` is allowed iff ``z >= d``, ``x = 0``
iff ``z < k``, and ``z' = 0`` after a one, ``min(z + 1, cap)`` after a zero.  The
no-consecutive-ones channels ``bec-noc``/``bsc-noc`` (state = previous input) are
the case ``(d, k) = (1, inf)`` with the two states swapped.

Examples
--------
>>> from dicert.verify.channels.families import rll_channel
>>> ch = rll_channel("bec", 2, math.inf, 0.5)
>>> ch.n_states, ch.allowed.tolist()          # z = 0, 1, >=2 zeros since the last one
(3, [[True, False], [True, False], [True, True]])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dicert.verify.channels.builtin import builtin_channel, check_probability as _probability
from dicert.verify.channels.core import FiniteStateChannel, UnifilarFSC
from dicert.verify.errors import InvalidChannel

__all__ = [
    "rll_constrained",
    "rll_channel",
    "bec_rll_channel",
    "bsc_rll_channel",
    "chemical_channel",
    "trapdoor_q_channel",
    "isi_channel",
    "iid_state_channel",
    "nost_channel",
    "RLL_SOURCE",
    "ising_output_law",
]

#: Largest state count a family builder creates (run lengths, balls, alphabet).
MAX_FAMILY_STATES = 256

RLL_SOURCE = (
    "(d,k)-RLL input constraints: Sabag, Permuter, Kashyap, 'The feedback capacity of the binary erasure "
    "channel with a no-consecutive-ones input constraint', IEEE Trans. IT 62(1), 2016 "
    "[SabagPermuterKashyap2016BEC] (the case (1, inf)); Peled, Sabag, Permuter, 'Feedback capacity and coding "
    "for the (0,k)-RLL input-constrained BEC', IEEE Trans. IT, 2019; monograph sec. 4.4"
)


def ising_output_law(q: int) -> np.ndarray:
    """``law[s, x, y]`` of the q-ary Ising output (4.19): ``y = x`` or ``y = s`` with probability 1/2 each.

    Shared by ``ising`` (``s' = x``) and ``trapdoor-q`` (the ball left behind).

    Examples
    --------
    >>> ising_output_law(2)[0].tolist()
    [[1.0, 0.0], [0.5, 0.5]]
    """
    law = np.zeros((q, q, q))
    s, x = np.meshgrid(np.arange(q), np.arange(q), indexing="ij")
    np.add.at(law, (s, x, x), 0.5)
    np.add.at(law, (s, x, s), 0.5)
    return law


def _count(value: Any, field_name: str, low: int, high: int = MAX_FAMILY_STATES) -> int:
    ok = not isinstance(value, bool) and isinstance(value, (int, float, np.integer, np.floating))
    if not ok or not math.isfinite(float(value)) or float(value) != int(value) or not low <= int(value) <= high:
        raise InvalidChannel(f"{field_name}: expected an integer in [{low}, {high}], got {value!r}")
    return int(value)


def _finite_law(law: np.ndarray, base: np.ndarray) -> None:
    """Where an output is impossible the next state is irrelevant: keep it in range (the state itself)."""
    s = np.broadcast_to(np.arange(base.shape[0])[:, None, None], base.shape)
    base[law == 0] = s[law == 0]


# ---------------------------------------------------------------------------
# (d, k)-RLL input constraints on the BEC and BSC
# ---------------------------------------------------------------------------


def _rll_limits(d: Any, k: Any, name: str) -> tuple[int, float | int, int]:
    d = _count(d, f"{name}:d", 0, MAX_FAMILY_STATES - 1)
    if isinstance(k, (float, np.floating)) and math.isinf(k) and k > 0:
        return d, math.inf, d
    k_value = _count(k, f"{name}:k", 1, MAX_FAMILY_STATES - 1)
    if k_value <= d:
        raise InvalidChannel(f"{name}:k: expected k > d (0 <= d < k <= inf), got d={d}, k={k_value}")
    return d, k_value, k_value


def rll_constrained(
    matrix: Any,
    d: Any,
    k: Any,
    *,
    name: str = "rll",
    params: dict[str, Any] | None = None,
    source: str = "",
    field: str | None = None,
) -> UnifilarFSC:
    """A binary-input memoryless channel ``matrix[x, y]`` with a (d, k)-RLL input constraint.

    The state is the number of zeros since the last one (module docstring);
    the output law does not depend on it.  Used for ``bec-rll``/``bsc-rll`` and
    for the ``"rll"`` key of a ``dmc`` channel file.

    Examples
    --------
    >>> ch = rll_constrained([[1.0, 0.0], [0.5, 0.5]], 1, math.inf)   # Z channel, no two ones in a row
    >>> ch.n_states, ch.allowed.tolist(), ch.params
    (2, [[True, False], [True, True]], {'d': 1, 'k': inf})
    """
    row = np.asarray(matrix, dtype=float)
    if row.ndim != 2 or row.shape[0] != 2:
        raise InvalidChannel(f"rll: a (d,k)-RLL constraint needs a binary-input channel, got matrix of shape {row.shape}")
    d, k_value, cap = _rll_limits(d, k, field or name)
    ns, ny = cap + 1, row.shape[1]
    law = np.broadcast_to(row[None], (ns, 2, ny)).copy()
    next_state = np.zeros((ns, 2, ny), dtype=np.int64)
    allowed = np.zeros((ns, 2), dtype=bool)
    for z in range(ns):
        next_state[z, 0, :] = min(z + 1, cap)
        next_state[z, 1, :] = 0
        allowed[z, 1] = z >= d
        allowed[z, 0] = z < k_value
    full_params = {"d": d, "k": float(k_value) if math.isinf(k_value) else k_value, **(params or {})}
    return UnifilarFSC(law, next_state, allowed, name=name, params=full_params, source=source or RLL_SOURCE)


def rll_channel(noise: str, d: Any, k: Any, p: Any) -> UnifilarFSC:
    """A binary memoryless channel with a (d, k)-RLL input constraint (module docstring).

    Parameters
    ----------
    noise : ``"bec"`` or ``"bsc"``
        Erasure channel (outputs ``0, 1, ?`` = ``0, 1, 2``) with erasure
        probability ``p``, or symmetric channel with crossover ``p``.
    d, k :
        At least ``d`` and at most ``k`` zeros between ones, ``0 <= d < k``;
        ``k = math.inf`` for no upper limit.
    p : float in [0, 1]

    Examples
    --------
    >>> rll_channel("bsc", 0, 2, 0.1).allowed.tolist()     # (0, 2): at most two zeros in a row
    [[True, True], [True, True], [False, True]]
    """
    name = f"{noise}-rll"
    _rll_limits(d, k, name)  # parameter errors name the built-in
    param = "eps" if noise == "bec" else "p"
    p = _probability(p, f"{name}:{param}")
    if noise == "bec":
        row = np.array([[1.0 - p, 0.0, p], [0.0, 1.0 - p, p]])
    elif noise == "bsc":
        row = np.array([[1.0 - p, p], [p, 1.0 - p]])
    else:
        raise InvalidChannel(f"noise: expected 'bec' or 'bsc', got {noise!r}")
    return rll_constrained(row, d, k, name=name, params={param: p})


@builtin_channel(
    "bec-rll",
    "unifilar",
    "BEC with a (d,k)-RLL input constraint; state = zeros since the last one; (1,inf) = bec-noc",
    "Sabag-Permuter-Kashyap 2016; Peled-Sabag-Permuter 2019",
    RLL_SOURCE,
    d="at least d zeros between ones",
    k="at most k zeros in a row (inf: no limit); 0 <= d < k",
    eps="erasure probability",
)
def bec_rll_channel(d: Any = 1, k: Any = math.inf, eps: Any = 0.5) -> UnifilarFSC:
    """BEC(eps) with a (d, k)-RLL input constraint; ``(1, inf)`` is ``bec-noc`` (states swapped).

    Examples
    --------
    >>> bec_rll_channel(2, math.inf, 0.5).n_states
    3
    """
    return rll_channel("bec", d, k, eps)


@builtin_channel(
    "bsc-rll",
    "unifilar",
    "BSC with a (d,k)-RLL input constraint; state = zeros since the last one; (1,inf) = bsc-noc",
    "Sabag-Permuter-Kashyap 2018",
    RLL_SOURCE,
    d="at least d zeros between ones",
    k="at most k zeros in a row (inf: no limit); 0 <= d < k",
    p="crossover probability",
)
def bsc_rll_channel(d: Any = 1, k: Any = math.inf, p: Any = 0.1) -> UnifilarFSC:
    """BSC(p) with a (d, k)-RLL input constraint; ``(1, inf)`` is ``bsc-noc`` (states swapped).

    Examples
    --------
    >>> bsc_rll_channel(1, 3, 0.1).n_states
    4
    """
    return rll_channel("bsc", d, k, p)


# ---------------------------------------------------------------------------
# ball channels: chemical (k balls) and q-ary trapdoor
# ---------------------------------------------------------------------------


@builtin_channel(
    "chemical",
    "unifilar",
    "k-ball trapdoor; state = ones among the k balls; P(y=1) = (s+x)/(k+1), s' = s+x-y",
    "Permuter-Cuff-Van Roy-Weissman 2007",
    "Permuter, Cuff, Van Roy, Weissman, 'Capacity and zero-error capacity of the chemical channel with "
    "feedback', ISIT 2007; the case k = 1 is the trapdoor channel [Permuter2008Trapdoor], monograph sec. 4.4",
    k="number of balls in the channel (1: trapdoor)",
)
def chemical_channel(k: Any = 2) -> UnifilarFSC:
    """The chemical channel: a trapdoor channel holding ``k`` balls (Permuter, Cuff, Van Roy, Weissman 2007).

    The channel holds ``k`` balls labelled 0 or 1; the state ``s`` is the number
    of ones among them.  The sender inserts ball ``x`` and one of the ``k + 1``
    balls leaves uniformly at random as the output: ``P(y = 1 | x, s) =
    (s + x) / (k + 1)`` and ``s' = s + x - y``.  ``k = 1`` is the trapdoor channel.

    Examples
    --------
    >>> ch = chemical_channel(2)
    >>> ch.law[1, 1].round(4).tolist(), ch.next_state[1, 1].tolist()     # one 1 inside, a 1 added
    ([0.3333, 0.6667], [2, 1])
    """
    k = _count(k, "chemical:k", 1, MAX_FAMILY_STATES - 1)
    ns = k + 1
    law = np.zeros((ns, 2, 2))
    next_state = np.zeros((ns, 2, 2), dtype=np.int64)
    for s in range(ns):
        for x in range(2):
            ones = (s + x) / (k + 1)
            law[s, x] = [1.0 - ones, ones]
            for y in range(2):
                next_state[s, x, y] = min(max(s + x - y, 0), k)
    _finite_law(law, next_state)
    return UnifilarFSC(
        law,
        next_state,
        params={"k": k},
    )


@builtin_channel(
    "trapdoor-q",
    "unifilar",
    "q-ary trapdoor; y = x or s w.p. 1/2, the other ball stays",
    "Permuter et al. 2008 (q = 2)",
    "q-ary trapdoor (ball) channel: Blackwell 1961; Permuter, Cuff, Van Roy, Weissman, 'Capacity of the "
    "trapdoor channel with feedback', IEEE Trans. IT 54(7), 2008 [Permuter2008Trapdoor] (q = 2); monograph sec. 4.4",
    q="number of ball colours (2: trapdoor)",
)
def trapdoor_q_channel(q: Any = 3) -> UnifilarFSC:
    """The q-ary trapdoor channel: balls of ``q`` colours, one ball inside.

    The state ``s`` is the colour of the ball in the channel; the sender adds a
    ball of colour ``x`` and one of the two leaves uniformly at random: ``y = x``
    or ``y = s`` with probability 1/2 each (the output law of the q-ary Ising
    channel (4.19)), and the ball left behind is the new state: ``s' = s`` if
    ``y = x`` was drawn from the new ball, else ``s' = x``.  ``q = 2`` is the
    trapdoor channel of Blackwell (1961) and Permuter et al. (2008).

    Examples
    --------
    >>> ch = trapdoor_q_channel(3)
    >>> ch.law[0, 2].tolist(), ch.next_state[0, 2].tolist()
    ([0.5, 0.0, 0.5], [2, 0, 0])
    """
    q = _count(q, "trapdoor-q:q", 2, 64)
    law = ising_output_law(q)
    next_state = np.zeros((q, q, q), dtype=np.int64)
    for s in range(q):
        for x in range(q):
            next_state[s, x, :] = s
            if x != s:
                next_state[s, x, s] = x  # the old ball left: the new one stays
    _finite_law(law, next_state)
    return UnifilarFSC(
        law,
        next_state,
        params={"q": q},
    )


# ---------------------------------------------------------------------------
# Examples 4.1.2, 4.1.3, 4.1.6 of the monograph
# ---------------------------------------------------------------------------


@builtin_channel(
    "isi",
    "unifilar",
    "y = x_i + h1 x_{i-1} + h2 x_{i-2}, erased w.p. eps; state = past inputs (Ex. 4.1.2)",
    "Ex. 4.1.2; Sabag-Permuter-Pfister 2017 (h1 = -1)",
    "intersymbol interference channel, monograph Example 4.1.2, eq. (4.5); with h1 = -1 the dicode "
    "erasure channel of Sabag, Permuter, Pfister, IEEE Trans. IT 63(3), 2017 [sabag2017single]",
    h1="tap on x_{i-1}",
    h2="tap on x_{i-2}",
    eps="erasure probability",
)
def isi_channel(h1: Any = -1.0, h2: Any = 0.0, eps: Any = 0.5) -> UnifilarFSC:
    """Binary intersymbol interference with erasures (Example 4.1.2, eq. (4.5)).

    The noiseless output is ``x_i + h1 x_{i-1} + h2 x_{i-2}`` (binary inputs); it
    is erased with probability ``eps``.  The state is the last ``T`` inputs,
    ``T = 2`` if ``h2 != 0``, else ``1`` if ``h1 != 0``, else ``0`` (then it is the
    BEC); the state is ``x_{i-1}`` (``T = 1``) or ``2 x_{i-1} + x_{i-2}`` (``T = 2``).
    Outputs are the distinct noiseless values in increasing order, then the
    erasure.  ``h1 = -1, h2 = 0`` is the dicode erasure channel (Sabag, Permuter,
    Pfister 2017).

    Examples
    --------
    >>> ch = isi_channel(1.0, 0.0, 0.0)         # y = x_i + x_{i-1} in {0, 1, 2}
    >>> ch.n_states, ch.n_outputs, ch.law[1, 1].tolist()
    (2, 4, [0.0, 0.0, 1.0, 0.0])
    """
    try:
        taps = [1.0, float(h1), float(h2)]
    except (TypeError, ValueError):
        raise InvalidChannel(f"isi: expected numbers h1, h2, got {h1!r}, {h2!r}") from None
    for name, value in (("h1", taps[1]), ("h2", taps[2])):
        if not math.isfinite(value):
            raise InvalidChannel(f"isi:{name}: expected a finite number, got {value!r}")
    eps = _probability(eps, "isi:eps")
    memory = 2 if taps[2] != 0 else (1 if taps[1] != 0 else 0)
    ns = 2**memory
    # state bits: (x_{i-1}, x_{i-2}) as s = 2 x_{i-1} + x_{i-2} (memory 2) or s = x_{i-1} (memory 1)
    past = [((s >> 1) & 1, s & 1) if memory == 2 else (s, 0) for s in range(ns)]
    values = sorted({round(x + taps[1] * a + taps[2] * b, 12) for (a, b) in past for x in (0, 1)})
    ny = len(values) + 1
    law = np.zeros((ns, 2, ny))
    next_state = np.zeros((ns, 2, ny), dtype=np.int64)
    for s, (a, _) in enumerate(past):
        for x in (0, 1):
            clean = values.index(round(x + taps[1] * past[s][0] + taps[2] * past[s][1], 12))
            law[s, x, clean] = 1.0 - eps
            law[s, x, ny - 1] += eps
            next_state[s, x, :] = (2 * x + a) if memory == 2 else (x if memory == 1 else 0)
    return UnifilarFSC(
        law,
        next_state,
        params={"h1": taps[1], "h2": taps[2], "eps": eps},
    )


def _z_s_law(a: float) -> np.ndarray:
    """``P(y | x, s)``: a Z channel with parameter ``a`` in state 0, an S channel in state 1 (eq. (4.7))."""
    law = np.zeros((2, 2, 2))
    for s in range(2):
        for x in range(2):
            if x == s:
                law[s, x, x] = 1.0
            else:
                law[s, x, s] = a
                law[s, x, x] = 1.0 - a
    return law


@builtin_channel(
    "iid-state",
    "fsc",
    "Z channel in state 0, S channel in state 1, state i.i.d. and hidden (Ex. 4.1.3)",
    "Ex. 4.1.3",
    "channel with independent states, monograph Example 4.1.3, eq. (4.6); Z/S components of "
    "POST(a), Permuter, Asnani, Weissman, IEEE Trans. IT 60(10), 2014 [permuter2014capacity]",
    q="P(state = 1), i.i.d.",
    a="Z/S channel parameter",
)
def iid_state_channel(q: Any = 0.5, a: Any = 0.5) -> FiniteStateChannel:
    """A state-dependent channel whose state is i.i.d. (Example 4.1.3, eq. (4.6)).

    ``P(y, s' | x, s) = P(s') P(y | x, s)`` with ``P(s' = 1) = q``; in state 0 the
    channel is a Z channel with parameter ``a``, in state 1 an S channel (the
    component channels of POST(a), eq. (4.7)).  The state is never observed and
    independent of the past, so from the second use on the channel is the DMC
    ``sum_s P(s) P(y | x, s)`` and its capacity, with or without feedback, is that
    DMC's (eq. (4.3)).

    Examples
    --------
    >>> ch = iid_state_channel(0.5, 0.5)
    >>> ch.law[0, 1].round(3).tolist()       # state 0 (Z): x = 1 received as 0 w.p. a
    [[0.25, 0.25], [0.25, 0.25]]
    """
    q = _probability(q, "iid-state:q")
    a = _probability(a, "iid-state:a")
    ps = np.array([1.0 - q, q])
    law = _z_s_law(a)[:, :, :, None] * ps[None, None, None, :]
    return FiniteStateChannel(
        law,
        params={"q": q, "a": a},
    )


@builtin_channel(
    "nost",
    "fsc",
    "noisy output is the state: POST(a) law, s' = y flipped w.p. r (Ex. 4.1.6; r=0: POST)",
    "Shemuel-Sabag-Permuter 2022",
    "Shemuel, Sabag, Permuter, 'The feedback capacity of noisy output is the state (NOST) channels', "
    "IEEE Trans. IT, 2022 (arXiv:2107.07164) [Shemuel2022nost]; monograph Example 4.1.6",
    a="Z/S channel parameter",
    r="P(state != previous output)",
)
def nost_channel(a: Any = 0.5, r: Any = 0.1) -> FiniteStateChannel:
    """A Noisy Output is the STate (NOST) channel (Example 4.1.6; Shemuel, Sabag, Permuter 2022).

    ``P(y, s' | x, s) = P(y | x, s) P(s' | y)``: the output law is that of
    POST(a) (Z channel in state 0, S channel in state 1, eq. (4.7)) and the next
    state is the output flipped with probability ``r``.  ``r = 0`` is POST(a)
    (the state is the previous output); ``r = 1/2`` makes the state i.i.d.
    uniform (Example 4.1.3) -- the two special cases named in the source.

    Examples
    --------
    >>> nost_channel(0.5, 0.0).is_unifilar(), nost_channel(0.5, 0.1).is_unifilar()
    (True, False)
    """
    a = _probability(a, "nost:a")
    r = _probability(r, "nost:r")
    state_given_y = np.array([[1.0 - r, r], [r, 1.0 - r]])  # [y, s']
    law = _z_s_law(a)[:, :, :, None] * state_given_y[None, None, :, :]
    return FiniteStateChannel(
        law,
        params={"a": a, "r": r},
    )

"""Delayed feedback by state augmentation (monograph Remark 4.2.6).

With feedback delayed by ``d >= 1`` channel uses, the encoder at time ``i``
knows ``y^{i-d}`` only, and the maximisation of Thm 4.2.1 runs over
``P(x^n || y^{n-d})`` instead of ``P(x^n || y^{n-1})`` [permuter2009finite].  The
standard reduction (Huleihel, Sabag, Permuter, Kostina, *Capacity of
finite-state channels with delayed feedback*, 2023 [huleihel2023capacity],
cited in Remark 4.2.6) turns it into a unifilar channel with *instantaneous*
feedback by delaying the output by ``d - 1`` uses and remembering the inputs
not yet seen through it:

* augmented state ``s~_{i-1} = (s_{i-d}, x_{i-d+1}, ..., x_{i-1})``;
* augmented output ``y~_i = y_{i-d+1}``, distributed as
  ``P(y | x_{i-d+1}, s_{i-d})`` -- it does not depend on the current input;
* update ``s~_i = (f(s_{i-d}, x_{i-d+1}, y~_i), x_{i-d+2}, ..., x_{i-1}, x_i)``,
  a function of ``(s~_{i-1}, x_i, y~_i)``, so the new channel is unifilar.

Instantaneous feedback of ``y~`` is feedback of ``y`` delayed by ``d``, and the
``d - 1`` outputs lost at the end of a block do not change the rate, so the
feedback capacity with delay ``d`` is the (instantaneous) feedback capacity of
the augmented channel, to which every method for unifilar channels applies
(Q-graph bounds, ``discover``, ``enumerate --rank``).  ``d = 1`` returns the
channel itself.

Input constraints ``allowed[s, x]`` on the original channel: the encoder no
longer knows ``s_{i-1}``, so ``x_i`` is allowed in the augmented state only if it
is allowed in every state ``s_{i-1}`` reachable from ``s_{i-d}`` through the
stored inputs (over all outputs).  Only augmented states whose stored inputs
obey this rule are kept (the others never occur); a channel for which some
augmented state allows no input is refused.

Examples
--------
>>> from dicert.verify.channels import trapdoor_channel
>>> from dicert.verify.channels.delay import delayed_feedback
>>> ch = delayed_feedback(trapdoor_channel(), 2)
>>> ch.n_states, ch.params, ch.law[1].tolist()      # state (s=0, x=1): y ~ P(y | x=1, s=0)
(4, {'delay': 2}, [[0.5, 0.5], [0.5, 0.5]])
>>> delayed_feedback(trapdoor_channel(), 1) == trapdoor_channel()
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dicert.verify.channels.core import Channel, UnifilarFSC, as_unifilar
from dicert.verify.errors import InvalidChannel

__all__ = ["delayed_feedback", "check_delay", "DELAY_SOURCE"]

#: Citation attached to a channel with delayed feedback.
DELAY_SOURCE = (
    "delayed feedback by state augmentation: Huleihel, Sabag, Permuter, Kostina, 'Capacity of finite-state "
    "channels with delayed feedback', 2023 [huleihel2023capacity]; monograph Remark 4.2.6"
)

#: Largest number of augmented states built (``|S| |X|^(d-1)``).
MAX_AUGMENTED_STATES = 4096


def check_delay(value: Any, field_name: str = "delay") -> int:
    """``value`` as a feedback delay: an integer ``>= 1``.

    Examples
    --------
    >>> check_delay(2)
    2
    >>> check_delay(0)
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidChannel: delay: expected an integer >= 1 (1 = instantaneous feedback), got 0
    """
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < 1:
        raise InvalidChannel(f"{field_name}: expected an integer >= 1 (1 = instantaneous feedback), got {value!r}")
    return int(value)


def delayed_feedback(channel: Channel, delay: int) -> UnifilarFSC:
    """The unifilar channel whose instantaneous feedback capacity is ``channel``'s with feedback delay ``delay``.

    Parameters
    ----------
    channel:
        A unifilar FSC or a DMC (a non-unifilar FSC is refused: the augmented
        state must be computable from inputs and outputs).
    delay:
        Feedback delay ``d >= 1`` (Remark 4.2.6); ``1`` returns ``channel`` itself
        (as a unifilar FSC).

    Raises
    ------
    InvalidChannel
        Bad delay, a non-unifilar channel, too many augmented states, or an
        input constraint the encoder cannot satisfy without knowing the state.

    Examples
    --------
    >>> from dicert.verify.channels import bec_noc_channel
    >>> ch = delayed_feedback(bec_noc_channel(0.5), 3)
    >>> ch.n_states                   # (s, x1, x2) with no 11 among s, x1, x2: 5 of 8
    5
    """
    d = check_delay(delay)
    try:
        base = as_unifilar(channel)
    except InvalidChannel as exc:
        raise InvalidChannel(
            f"delay: delayed feedback by state augmentation (Remark 4.2.6) needs a unifilar channel ({exc})"
        ) from None
    if d == 1:
        return base
    ns, nx, ny = base.law.shape
    if ns * nx ** (d - 1) > MAX_AUGMENTED_STATES:
        raise InvalidChannel(
            f"delay: {ns} * {nx}^{d - 1} augmented states exceed the limit {MAX_AUGMENTED_STATES}; use a smaller delay"
        )
    allowed = base.allowed_mask
    possible = base.law > 0
    # reachable-state sets along stored inputs; keep only tuples whose inputs are admissible
    tuples: list[tuple[int, ...]] = []
    reach_of: dict[tuple[int, ...], frozenset[int]] = {}
    for s in range(ns):
        frontier: list[tuple[tuple[int, ...], frozenset[int]]] = [((s,), frozenset([s]))]
        for _ in range(d - 1):
            nxt: list[tuple[tuple[int, ...], frozenset[int]]] = []
            for t, reach in frontier:
                for x in range(nx):
                    if all(allowed[r, x] for r in reach):
                        new = frozenset(int(base.next_state[r, x, y]) for r in reach for y in range(ny) if possible[r, x, y])
                        nxt.append((t + (x,), new))
            frontier = nxt
        for t, reach in frontier:
            tuples.append(t)
            reach_of[t] = reach
    tuples.sort()
    index = {t: i for i, t in enumerate(tuples)}
    m = len(tuples)
    law = np.zeros((m, nx, ny))
    next_state = np.zeros((m, nx, ny), dtype=np.int64)
    aug_allowed = np.zeros((m, nx), dtype=bool)
    for i, t in enumerate(tuples):
        s, x1, rest = t[0], t[1], t[2:]
        law[i, :, :] = base.law[s, x1][None, :]
        for x in range(nx):
            aug_allowed[i, x] = all(allowed[r, x] for r in reach_of[t])
            for y in range(ny):
                target = (int(base.next_state[s, x1, y]),) + rest + (x,)
                next_state[i, x, y] = index.get(target, i) if aug_allowed[i, x] and possible[s, x1, y] else i
        if not aug_allowed[i].any():
            raise InvalidChannel(
                f"delay: with feedback delayed by {d} the encoder cannot satisfy the input constraint after "
                f"state {s} and inputs {list(t[1:])}: no input is allowed in every state the channel can be in"
            )
    params = {**base.params, "delay": d}
    source = f"{base.source}; {DELAY_SOURCE}" if base.source else DELAY_SOURCE
    return UnifilarFSC(law, next_state, aug_allowed, name=base.name, params=params, source=source)


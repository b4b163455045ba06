"""Hypothesis strategies for channels: random DMCs, unifilar FSCs and FSCs.

Every strategy builds a valid channel directly (rows are Dirichlet draws, next
states are uniform integers) instead of filtering random arrays.  The
Dirichlet draw is seeded from Hypothesis so examples shrink and replay.
``sparsity`` (a probability) zeroes entries before normalising, which yields
deterministic and partly deterministic rows like those of the trapdoor and
Ising channels; at least one entry of each row stays positive.

Examples
--------
>>> from hypothesis import given, settings
>>> from dicert.verify.strategies.channels import unifilar_fscs
>>> @settings(max_examples=5, database=None)
... @given(unifilar_fscs(max_states=2))
... def check(ch):
...     assert ch.law.sum(axis=2).round(9).min() == 1.0
>>> check()
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from dicert.verify.channels import DMC, FiniteStateChannel, UnifilarFSC

__all__ = ["random_rows", "dmcs", "unifilar_fscs", "finite_state_channels"]


def random_rows(rng: np.random.Generator, shape: tuple[int, ...], sparsity: float = 0.0) -> np.ndarray:
    """Conditional pmfs along the last axis: Dirichlet(1) rows, with entries zeroed w.p. ``sparsity``.

    Parameters
    ----------
    rng : numpy.random.Generator
    shape : tuple of int
        Output shape; every slice ``out[..., :]`` sums to one.
    sparsity : float in [0, 1)
        Probability of zeroing each entry (one entry per row always survives).

    Examples
    --------
    >>> rows = random_rows(np.random.default_rng(0), (3, 4), sparsity=0.5)
    >>> rows.shape, bool(np.allclose(rows.sum(axis=-1), 1))
    ((3, 4), True)
    """
    rng = np.random.default_rng(rng)
    draws = rng.dirichlet(np.ones(shape[-1]), size=shape[:-1])
    if sparsity > 0:
        keep = rng.random(shape) >= sparsity
        survivor = rng.integers(0, shape[-1], size=shape[:-1])
        np.put_along_axis(keep, survivor[..., None], True, axis=-1)
        draws = np.where(keep, draws, 0.0)
        draws /= draws.sum(axis=-1, keepdims=True)
    return draws


def _sizes(min_size: int, max_size: int) -> st.SearchStrategy[int]:
    return st.integers(min_value=min_size, max_value=max_size)


@st.composite
def dmcs(draw: st.DrawFn, max_inputs: int = 3, max_outputs: int = 3, sparsity: float = 0.3) -> DMC:
    """Random DMCs ``matrix[x, y]`` with 1..max_inputs inputs and 1..max_outputs outputs.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=3, database=None)
    ... @given(dmcs(max_inputs=2))
    ... def check(ch):
    ...     assert ch.n_inputs <= 2 and ch.matrix.ndim == 2
    >>> check()
    """
    x_size = draw(_sizes(1, max_inputs))
    y_size = draw(_sizes(1, max_outputs))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return DMC(random_rows(rng, (x_size, y_size), sparsity), name="random-dmc")


@st.composite
def unifilar_fscs(
    draw: st.DrawFn,
    max_states: int = 3,
    max_inputs: int = 2,
    max_outputs: int = 2,
    sparsity: float = 0.3,
    constrained: bool | None = None,
) -> UnifilarFSC:
    """Random unifilar FSCs (Definition 4.2.3): Dirichlet ``P(y|x,s)``, uniform next states.

    Parameters
    ----------
    max_states, max_inputs, max_outputs : int
        Largest alphabet sizes (the smallest is 1 state, 1 input, 2 outputs).
    sparsity : float
        Probability of zeroing an entry of ``P(y|x,s)`` (see :func:`random_rows`).
    constrained : bool or None
        ``True``: always draw an input constraint ``allowed[s, x]`` (each state
        keeps at least one input); ``False``: never; ``None``: either.

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=3, database=None)
    ... @given(unifilar_fscs(constrained=True, max_inputs=3))
    ... def check(ch):
    ...     assert ch.allowed_mask.any(axis=1).all()
    >>> check()
    """
    s_size = draw(_sizes(1, max_states))
    x_size = draw(_sizes(1, max_inputs))
    y_size = draw(_sizes(2, max(2, max_outputs)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    law = random_rows(rng, (s_size, x_size, y_size), sparsity)
    next_state = rng.integers(0, s_size, size=(s_size, x_size, y_size))
    use_constraint = draw(st.booleans()) if constrained is None else constrained
    allowed = None
    if use_constraint:
        allowed = rng.random((s_size, x_size)) < 0.7
        allowed[np.arange(s_size), rng.integers(0, x_size, size=s_size)] = True
    return UnifilarFSC(law, next_state, allowed, name="random-unifilar")


@st.composite
def finite_state_channels(
    draw: st.DrawFn, max_states: int = 3, max_inputs: int = 2, max_outputs: int = 2, sparsity: float = 0.3
) -> FiniteStateChannel:
    """Random (generally non-unifilar) FSCs: Dirichlet joint pmfs ``law[s, x] = P(y, s2 | x, s)`` (eq. (4.4)).

    Examples
    --------
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=3, database=None)
    ... @given(finite_state_channels())
    ... def check(ch):
    ...     assert ch.law.shape[0] == ch.law.shape[3]
    >>> check()
    """
    s_size = draw(_sizes(1, max_states))
    x_size = draw(_sizes(1, max_inputs))
    y_size = draw(_sizes(2, max(2, max_outputs)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    joint = random_rows(rng, (s_size, x_size, y_size * s_size), sparsity)
    return FiniteStateChannel(joint.reshape(s_size, x_size, y_size, s_size), name="random-fsc")

"""Rigorous lower bound for an input that is *not* BCJR-invariant (method (c) of issue 12), solver side.

``C_fb >= H(Y_k | Y^{k-1}, Z_0) - H(Y|X,S)`` for a rational input on a Q-graph
(Cover & Thomas Thm 4.5.1; achievability of the input's rate cited: Permuter,
Weissman & Goldsmith 2009, monograph Sec. 4.2).  The bound itself is computed
by the independent checker's ``block_entropy_lower_bound`` kind
(:mod:`dicert.verify.certify.checker.block_entropy`; one copy of the
primitive); this module only prepares its exact inputs from solver objects,
picks the block length and offers the witness section a ``qgraph_bracket``
certificate carries (:func:`block_witness`), so that the checker issues the
lower bound as part of the certificate.

Examples
--------
>>> from dicert.verify.certify.block_entropy import block_entropy_lower
>>> bsc = dict(law=[[["3/4", "1/4"], ["1/4", "3/4"]]], next_state=[[[0, 0], [0, 0]]])
>>> r = block_entropy_lower(bsc, [[0, 0]], [[["1/2", "1/2"]]], k=2)
>>> r.lower_decimal(8)          # memoryless: 1 - H2(1/4) already at k = 1
'0.18872187'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flint import arb

from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.checker.block_entropy import MAX_LEAVES, block_entropy_lower_bound, leaves
from dicert.verify.certify.checker.exact import ExactChannel
from dicert.verify.certify.duality_check import as_exact_channel
from dicert.verify.certify.exact_inputs import exact_graph, nested_to_str
from dicert.verify.certify.intervals import arb_lower_fmpq, decimal_floor, working_precision

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import ExactChannelSource

__all__ = ["BlockLower", "block_entropy_lower", "block_length", "block_witness", "MAX_LEAVES"]


@dataclass(frozen=True)
class BlockLower:
    """Result of :func:`block_entropy_lower`: ``lower`` is an exact ball below ``C_fb`` (given the cited theorem)."""

    lower: arb
    k: int
    leaves: int
    evidence: str

    def lower_decimal(self, digits: int) -> str:
        """The lower end of the ball, rounded down to ``digits`` places."""
        with working_precision(digits=digits + 20):
            return decimal_floor(arb_lower_fmpq(self.lower), digits)


def _inputs(channel: ExactChannelSource, phi: Any, policy: Any) -> tuple[ExactChannel, list, Any]:
    ch = as_exact_channel(channel)
    graph = [list(row) for row in exact_graph(phi, outputs=ch.shape[2])]
    exact = ExactChannel.from_json(ch.to_json())
    return exact, graph, policy if _is_str_nested(policy) else nested_to_str(policy)


def _is_str_nested(value: Any) -> bool:
    while isinstance(value, (list, tuple)) and value:
        value = value[0]
    return isinstance(value, str)


def block_entropy_lower(channel: ExactChannelSource, phi: Any, policy: Any, k: int, digits: int = 30) -> BlockLower:
    """``H(Y_k | Y^{k-1}, Z_0) - H(Y|X,S)`` for an exact input, proven by the checker's kind.

    ``digits`` is kept for the old signature; the kind works at its own precision.

    Raises
    ------
    InvalidInput
        Bad shapes, inputs used where not allowed, several stationary laws, ``k < 1``
        or more than :data:`MAX_LEAVES` leaves.
    """
    exact, graph, pol = _inputs(channel, phi, policy)
    ok, evidence, out = block_entropy_lower_bound({"phi": graph, "policy": pol, "k": k}, {"channel": exact})
    S, _, Y = exact.shape
    return BlockLower(arb(out["lower"]), k, leaves(S, len(graph), Y, k), evidence)


def block_length(S: int, Q: int, Y: int, max_leaves: int = 20000) -> int:
    """The largest ``k`` with at most ``max_leaves`` forward leaves ``S Q Y^(k-1)`` (at least 1)."""
    if max_leaves > MAX_LEAVES:
        raise InvalidInput(f"max_leaves: expected at most {MAX_LEAVES}, got {max_leaves}")
    return 1 + int(math.log(max(max_leaves / (S * Q), 1.0), max(Y, 2)))


def block_witness(channel: ExactChannelSource, phi: Any, policy: Any, max_leaves: int = 20000) -> dict:
    """The ``witness.lower`` section ``{"phi", "policy", "k"}`` of a ``qgraph_bracket`` certificate."""
    exact, graph, pol = _inputs(channel, phi, policy)
    S, _, Y = exact.shape
    return {"phi": graph, "policy": pol, "k": block_length(S, len(graph), Y, max_leaves)}

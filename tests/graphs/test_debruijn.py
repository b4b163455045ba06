"""de Bruijn Q-graphs: size, transitions, strong connectivity, argument checks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from dicert.graphs import InvalidGraph, TooLarge, debruijn_qgraph
from dicert.graphs.debruijn import MAX_DEBRUIJN_NODES

SIZES = [(k, r) for k in range(0, 5) for r in range(1, 5) if r**k <= 256]


@pytest.mark.parametrize(("k", "r"), SIZES)
def test_debruijn_graph_has_r_to_the_k_nodes_and_is_strongly_connected(k: int, r: int) -> None:
    g = debruijn_qgraph(k, r)
    assert (g.m, g.r) == (r**k, r)
    assert g.is_strongly_connected()


@pytest.mark.parametrize(("k", "r"), [(1, 2), (2, 2), (3, 2), (2, 3), (3, 3)])
def test_debruijn_node_is_the_last_k_outputs(k: int, r: int) -> None:
    """After any output word of length >= k, the node encodes its last k symbols in base r."""
    g = debruijn_qgraph(k, r)
    for word in itertools.product(range(r), repeat=k + 2):
        for start in range(g.m):
            q = start
            for y in word:
                q = int(g.phi[q, y])
            assert q == sum(y * r ** (k - 1 - i) for i, y in enumerate(word[-k:]))


def test_debruijn_graph_in_canonical_form_has_every_node_with_r_predecessors() -> None:
    g = debruijn_qgraph(3, 2)
    assert np.bincount(g.phi.ravel(), minlength=g.m).tolist() == [2] * 8
    assert g.canonical().canonical() == g.canonical()


def test_order_zero_is_the_single_node_graph() -> None:
    assert debruijn_qgraph(0, 4).phi.tolist() == [[0, 0, 0, 0]]


@pytest.mark.parametrize(
    ("k", "r", "message"),
    [(-1, 2, "k: expected an integer >= 0, got -1"), (2, 0, "r: expected an integer >= 1, got 0"), (1.5, 2, "k: expected an integer >= 0, got 1.5"), (True, 2, "k: expected an integer >= 0, got True")],
)
def test_bad_order_or_alphabet_is_rejected(k: object, r: object, message: str) -> None:
    with pytest.raises(InvalidGraph) as info:
        debruijn_qgraph(k, r)  # type: ignore[arg-type]
    assert str(info.value) == message


def test_too_many_nodes_is_refused_before_allocation() -> None:
    with pytest.raises(TooLarge, match=r"^k: de Bruijn graph with r\*\*k"):
        debruijn_qgraph(40, 2)
    assert MAX_DEBRUIJN_NODES < 2**40

"""The public Q-graph strategies (dicert.graphs.strategies) build what they promise."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import find, given
from hypothesis import strategies as st

from dicert.graphs import InvalidInput, QGraph
from dicert.graphs.strategies import node_permutations, qgraphs, strongly_connected_qgraphs


@given(strongly_connected_qgraphs(m=st.integers(1, 7), r=st.integers(1, 3)))
def test_strongly_connected_strategy_yields_only_strongly_connected_graphs(g: QGraph) -> None:
    assert g.is_strongly_connected()
    assert 1 <= g.m <= 7 and 1 <= g.r <= 3


@given(qgraphs(m=3, r=2))
def test_qgraph_strategy_respects_fixed_sizes(g: QGraph) -> None:
    assert g.phi.shape == (3, 2)


def test_qgraph_strategy_reaches_graphs_that_are_not_strongly_connected() -> None:
    g = find(qgraphs(m=3, r=2), lambda g: not g.is_strongly_connected())
    assert not g.is_strongly_connected()


def test_strongly_connected_strategy_reaches_graphs_without_a_hamiltonian_label() -> None:
    """The repair must not restrict the output to graphs with a label forming one cycle."""

    def no_label_is_a_cycle(g: QGraph) -> bool:
        return g.m == 3 and not any(sorted(g.phi[:, y].tolist()) == [0, 1, 2] for y in range(g.r))

    g = find(strongly_connected_qgraphs(m=3, r=2), no_label_is_a_cycle)
    assert g.is_strongly_connected() and no_label_is_a_cycle(g)


@given(node_permutations(6))
def test_node_permutations_are_permutations(p: np.ndarray) -> None:
    assert sorted(p.tolist()) == list(range(6))


def test_bad_sizes_are_rejected() -> None:
    with pytest.raises(InvalidInput, match=r"^m: expected an integer >= 1 or a strategy"):
        qgraphs(m=0)
    with pytest.raises(InvalidInput, match=r"^r: expected an integer >= 1 or a strategy"):
        strongly_connected_qgraphs(r=-1)
    with pytest.raises(InvalidInput, match=r"^m: expected an integer >= 1"):
        node_permutations(0)

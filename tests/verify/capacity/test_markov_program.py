"""Markov (POST) channel feedback capacity, the convex program of Thm 4.2.2."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dicert.graphs.debruijn import debruijn_qgraph
from dicert.verify.capacity.markov import markov_feedback_capacity, post_law
from dicert.verify.capacity.qgraph_bounds import evaluate_policy, qgraph_upper_bound
from dicert.verify.channels import UnifilarFSC, ising_channel, post_channel, trapdoor_channel
from dicert.verify.errors import InvalidChannel


@pytest.mark.parametrize("a", [0.1, 0.3, 0.5, 0.8])
def test_post_program_equals_qgraph_bound_on_order_one_debruijn_graph(a):
    channel = post_channel(a)
    markov = markov_feedback_capacity(channel)
    qbound = qgraph_upper_bound(channel, debruijn_qgraph(1, 2))
    assert markov.status == "optimal"
    assert abs(markov.value - qbound.upper) < 1e-7
    assert qbound.lower is not None and abs(qbound.lower - markov.value) < 1e-7
    # A finer graph cannot go below the capacity, which the order-1 graph already attains.
    assert abs(qgraph_upper_bound(channel, debruijn_qgraph(2, 2), lower=False).upper - markov.value) < 1e-7


@pytest.mark.parametrize("a", [0.1, 0.3, 0.5, 0.8])
def test_post_feedback_capacity_equals_the_z_channel_closed_form(a):
    # Permuter, Asnani, Weissman (2014): POST(a) has the capacity of the Z channel with parameter a,
    # with or without feedback.
    z_capacity = math.log2(1 + (1 - a) * a ** (a / (1 - a)))
    assert abs(markov_feedback_capacity(post_channel(a)).value - z_capacity) < 1e-8


def test_post_program_witness_is_stationary_and_achieves_the_value():
    channel = post_channel(0.3)
    result = markov_feedback_capacity(channel)
    np.testing.assert_allclose(result.stationary @ result.output_law, result.stationary, atol=1e-8)
    # The policy P(x|y-) on the order-1 de Bruijn graph (node = last output) achieves the value.
    policy = np.stack([result.policy, result.policy])  # (s, q, x): P(x|s=q) on the support s = q
    rate = evaluate_policy(channel, debruijn_qgraph(1, 2), policy)
    assert abs(rate.rate - result.value) < 1e-7


def test_post_extremes_are_noiseless_and_stuck():
    assert abs(markov_feedback_capacity(post_channel(0.0)).value - 1.0) < 1e-7
    assert abs(markov_feedback_capacity(post_channel(1.0)).value) < 1e-7


def test_memoryless_channel_as_post_channel_gives_closed_form_capacity():
    p = 0.5
    z = np.array([[1.0, 0.0], [p, 1 - p]])
    result = markov_feedback_capacity(np.stack([z, z]))
    assert abs(result.value - math.log2(1 + (1 - p) * p ** (p / (1 - p)))) < 1e-7


def test_input_constraint_is_respected():
    law = post_channel(0.2).law
    allowed = np.array([[True, True], [True, False]])
    constrained = UnifilarFSC(law, np.broadcast_to(np.arange(2), law.shape), allowed=allowed, name="post-noc")
    result = markov_feedback_capacity(constrained)
    assert result.policy[1, 1] == 0
    assert result.value < markov_feedback_capacity(post_channel(0.2)).value - 1e-3


def test_channels_whose_state_is_not_the_previous_output_are_rejected():
    with pytest.raises(InvalidChannel, match="next_state: Thm 4.2.2"):
        markov_feedback_capacity(trapdoor_channel())
    with pytest.raises(InvalidChannel, match="next_state"):
        post_law(ising_channel())
    with pytest.raises(InvalidChannel, match="shape"):
        post_law(np.ones((2, 2, 3)) / 3)

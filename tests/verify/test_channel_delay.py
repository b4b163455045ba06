"""Delayed feedback by state augmentation (Remark 4.2.6): channel option ``NAME:delay=d`` and JSON ``"delay"``."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dicert.proofs.cli import run
from dicert.graphs.debruijn import debruijn_qgraph
from dicert.verify.capacity.nofeedback import block_channel
from dicert.verify.capacity.qgraph_bounds import qgraph_upper_bound, unifilar_arrays
from dicert.verify.channels import channel_from_json, channel_spec, channel_to_json, parse_channel
from dicert.verify.channels.delay import delayed_feedback
from dicert.verify.errors import InvalidChannel
from dicert.verify.strategies.channels import unifilar_fscs

TRAPDOOR = math.log2((1 + math.sqrt(5)) / 2)


def _discover(spec: str, capsys) -> dict:
    assert run(["discover", spec, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.slow
def test_discover_trapdoor_delay_1_equals_trapdoor_and_delay_2_is_strictly_below(capsys):
    # delay=1 is the trapdoor itself, so discover is the same computation; today's result on main:
    # the 4-node graph below with lower = upper = log2(golden ratio) to solver precision
    assert parse_channel("trapdoor:delay=1") == parse_channel("trapdoor")
    one = _discover("trapdoor:delay=1", capsys)
    assert one["graph"]["phi"] == [[0, 1], [0, 2], [3, 2], [0, 2]]
    # solver estimates on both sides; `upper` is the valid (rounded-up duality) bound
    assert abs(one["lower_estimate"] - TRAPDOOR) < 1e-9 and abs(one["upper_estimate"] - TRAPDOOR) < 1e-9
    assert TRAPDOOR <= float(one["upper"]) < TRAPDOOR + 1e-4
    two = _discover("trapdoor:delay=2", capsys)
    assert two["lower_estimate"] is not None and two["lower_estimate"] <= two["upper_estimate"] + 1e-9
    assert float(two["upper"]) < TRAPDOOR - 0.05
    # delayed feedback is still feedback: at least the no-feedback n-letter lower bound of the trapdoor (n = 6)
    assert two["lower_estimate"] > 0.3673


def test_delay_1_is_the_channel_itself_for_every_builtin_unifilar_channel():
    from dicert.verify.channels import as_unifilar

    for name in ("trapdoor", "ising", "post", "bec-noc", "bsc-noc", "dicode-erasure", "bsc"):
        base = parse_channel(name)
        assert delayed_feedback(base, 1) == as_unifilar(base)
        assert parse_channel(f"{name}:delay=1") == as_unifilar(base)


def test_delay_2_augmented_channel_structure():
    ch = parse_channel("trapdoor:delay=2")
    base = parse_channel("trapdoor")
    assert ch.n_states == 4 and ch.params == {"delay": 2} and "Remark 4.2.6" in ch.source
    for i, (s, x1) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
        for x in range(2):
            assert np.array_equal(ch.law[i, x], base.law[s, x1])  # the output is y_{i-1}: the current x is unseen
            for y in range(2):
                if base.law[s, x1, y] > 0:
                    assert ch.next_state[i, x, y] == 2 * base.next_state[s, x1, y] + x
    assert channel_spec(ch) == "trapdoor:delay=2"


def test_feedback_does_not_help_post_so_no_delay_changes_its_qgraph_bound():
    """POST(a): feedback does not increase capacity (Permuter-Asnani-Weissman 2014), so neither does its delay."""
    base = qgraph_upper_bound(unifilar_arrays(parse_channel("post:a=0.3")), debruijn_qgraph(1, 2)).upper
    delayed = qgraph_upper_bound(unifilar_arrays(parse_channel("post:a=0.3,delay=2")), debruijn_qgraph(2, 2)).upper
    assert delayed <= base + 1e-7
    # and a memoryless channel keeps its capacity 1 - H2(0.11) under any delay
    bsc3 = qgraph_upper_bound(unifilar_arrays(parse_channel("bsc:p=0.11,delay=3")), debruijn_qgraph(0, 2)).upper
    h = -0.11 * math.log2(0.11) - 0.89 * math.log2(0.89)
    assert abs(bsc3 - (1 - h)) < 1e-6


def test_constraint_under_delay_is_checked_in_every_possible_state():
    ch = parse_channel("bec-noc:eps=0.5,delay=2")
    # states (s = x_{i-2}, x_{i-1}) without 11: (0,0), (0,1), (1,0); input 1 only where x_{i-1} = 0
    assert ch.n_states == 3 and ch.allowed.tolist() == [[True, True], [True, False], [True, True]]
    # state-dependent constraints that need the output are refused (the encoder does not see it in time)
    law = np.full((2, 2, 2), 0.5)
    nxt = np.array([[[0, 1], [0, 1]], [[0, 1], [0, 1]]])  # s' = y
    data = channel_to_json(parse_channel("bsc"))
    with pytest.raises(InvalidChannel, match="delay: with feedback delayed by 2 the encoder cannot satisfy"):
        from dicert.verify.channels import UnifilarFSC

        delayed_feedback(UnifilarFSC(law, nxt, [[True, False], [False, True]]), 2)
    assert channel_from_json({**data, "delay": 2}).n_states == 2


@pytest.mark.parametrize(
    "spec, message",
    [
        ("trapdoor:delay=0", "trapdoor:delay: expected an integer >= 1"),
        ("trapdoor:delay=two", "trapdoor:delay: expected an integer >= 1"),
        ("trapdoor:delay=2,delay=3", "trapdoor:delay: given twice"),
        ("gilbert-elliott:delay=2", "delay: delayed feedback by state augmentation (Remark 4.2.6) needs a unifilar"),
        ("ising:q=8,delay=6", "delay: 8 * 8^5 augmented states exceed the limit"),
    ],
)
def test_bad_delay_specs_name_the_field(spec, message):
    with pytest.raises(InvalidChannel, match=message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*").replace("^", r"\^")):
        parse_channel(spec)


def test_json_delay_field_and_its_errors(tmp_path):
    data = json.loads(open("examples/trapdoor.json").read())
    from_file, builtin = channel_from_json({**data, "delay": 2}), parse_channel("trapdoor:delay=2")
    assert from_file.fingerprint == builtin.fingerprint and from_file.params == {"delay": 2}
    for bad in (0, "2", True, 1.5):
        with pytest.raises(InvalidChannel, match="delay: expected an integer >= 1"):
            channel_from_json({**data, "delay": bad})
    ge = json.loads(open("examples/gilbert_elliott.json").read())
    with pytest.raises(InvalidChannel, match="needs a unifilar channel"):
        channel_from_json({**ge, "delay": 2})


@settings(max_examples=25, deadline=None)
@given(unifilar_fscs(max_states=3, max_inputs=2, max_outputs=3, constrained=False), st.integers(2, 3), st.data())
def test_delayed_channel_output_law_is_the_original_law_shifted_by_d_minus_1(channel, d, data):
    """P(y~^m | b^m, (s0, a)) = P(y^m | x^m = (a, b)_{1..m}, s0): the augmentation delays outputs by d-1."""
    aug = delayed_feedback(channel, d)
    ns, nx = channel.n_states, channel.n_inputs
    assert aug.n_states == ns * nx ** (d - 1)
    s0 = data.draw(st.integers(0, ns - 1))
    a = data.draw(st.lists(st.integers(0, nx - 1), min_size=d - 1, max_size=d - 1))
    start = s0 * nx ** (d - 1) + sum(v * nx ** (d - 2 - i) for i, v in enumerate(a))  # tuples in lexicographic order
    m = 3
    w_aug = block_channel(aug, m, start)
    w_orig = block_channel(channel, m, s0)
    for row, b in enumerate(np.ndindex(*(nx,) * m)):
        x = (list(a) + list(b))[:m]
        orig_row = sum(v * nx ** (m - 1 - i) for i, v in enumerate(x))
        assert np.allclose(w_aug[row], w_orig[orig_row], atol=1e-12)

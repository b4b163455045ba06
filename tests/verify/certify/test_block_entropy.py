"""Finite-block lower bound H(Y_k|Y^{k-1},Z_0) - H(Y|X,S) for non-invariant inputs (Cover-Thomas Thm 4.5.1)."""

from __future__ import annotations

import math

import pytest

from dicert.verify.certify.block_entropy import block_entropy_lower
from dicert.verify.errors import InvalidInput

BSC_NOC = dict(law=[[["9/10", "1/10"], ["1/10", "9/10"]], [["9/10", "1/10"], ["1/10", "9/10"]]],
               next_state=[[[0, 0], [1, 1]], [[0, 0], [1, 1]]], allowed=[[True, True], [True, False]])
PHI = [[0, 1], [2, 3], [0, 1], [2, 3]]  # de Bruijn order 2
POLICY = [[["7/10", "3/10"]] * 4, [["1", "0"]] * 4]


def test_block_bound_on_a_memoryless_channel_is_one_minus_h2_at_every_k():
    bsc = dict(law=[[["3/4", "1/4"], ["1/4", "3/4"]]], next_state=[[[0, 0], [0, 0]]])
    closed = 1 + 0.75 * math.log2(0.75) + 0.25 * math.log2(0.25)
    for k in (1, 3):
        r = block_entropy_lower(bsc, [[0, 0]], [[["1/2", "1/2"]]], k)
        assert abs(float(r.lower.mid()) - closed) < 1e-15


def test_block_bound_increases_with_k_and_stays_below_the_duality_upper_bound():
    values = [float(block_entropy_lower(BSC_NOC, PHI, POLICY, k).lower_decimal(15)) for k in (2, 4, 6)]
    assert values[0] < values[1] < values[2]
    # the certified duality upper bound of bsc-noc(0.1) on the discovered graph is 0.44438833994...
    assert values[-1] < 0.4443883399


@pytest.mark.parametrize(("kwargs", "field"), [({"k": 0}, "k:"), ({"k": 60}, "k:")])
def test_block_bound_rejects_bad_block_lengths(kwargs, field):
    with pytest.raises(InvalidInput, match="k"):
        block_entropy_lower(BSC_NOC, PHI, POLICY, **kwargs)


def test_block_bound_rejects_a_policy_using_a_forbidden_input():
    bad = [[["7/10", "3/10"]] * 4, [["1/2", "1/2"]] * 4]
    with pytest.raises(InvalidInput, match="not allowed"):
        block_entropy_lower(BSC_NOC, PHI, bad, 3)

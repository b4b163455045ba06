"""``dicert bounds CH --graph debruijn:K --lower``: certified invariant lower bounds (issue 12, item 2)."""

from __future__ import annotations

import json

import pytest

from dicert.proofs.cli import run

ISING_CAPACITY = 0.57552157416805778


@pytest.mark.slow
@pytest.mark.parametrize("order", [1, 2, 3])
def test_ising_debruijn_lower_is_certified_and_below_the_capacity(order, capsys):
    assert run(["bounds", "ising", "--graph", f"debruijn:{order}", "--lower", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["lower"] is not None and data["lower_method"].startswith("exactly BCJR-invariant")
    assert 0.45 < float(data["lower"]) <= ISING_CAPACITY <= float(data["upper"])
    # the certified bound is the invariant input's estimate rounded down, not more than 1e-12 below it
    assert 0 <= data["invariant_lower_estimate"] - float(data["lower"]) < 1e-12


def test_bounds_lower_on_memoryless_channel_equals_one_minus_h2(capsys):
    import math

    assert run(["bounds", "bsc:p=0.1", "--graph", "debruijn:0", "--lower", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    closed = 1 + 0.1 * math.log2(0.1) + 0.9 * math.log2(0.9)
    assert float(data["lower"]) <= closed <= float(data["upper"])
    assert closed - float(data["lower"]) < 1e-12

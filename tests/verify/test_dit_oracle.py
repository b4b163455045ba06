"""Independent oracle: entropy, MI and CMI of random pmfs agree with the `dit` library.

dit builds its own ``Distribution`` from the outcome list and computes with
its own code, so agreement here is a check against an independent
implementation (not a restatement of our formulas).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dicert.verify import Pmf
from dicert.verify.measures import conditional_entropy, entropy, mutual_information
from dicert.verify.strategies.pmfs import pmfs

dit = pytest.importorskip("dit", reason="the dit oracle needs the optional test dependency 'dit'")
from dit.multivariate import coinformation  # noqa: E402
from dit.shannon import conditional_entropy as dit_conditional_entropy  # noqa: E402
from dit.shannon import entropy as dit_entropy  # noqa: E402

NAMES = ("A", "B", "C", "D")


def to_dit(p: Pmf):
    """The same pmf as a dit Distribution with the same random-variable names."""
    outcomes, probabilities = [], []
    for index, value in zip(np.ndindex(*p.shape), p.array.reshape(-1), strict=True):
        if value > 0:
            outcomes.append(tuple(index))
            probabilities.append(float(value))
    distribution = dit.Distribution(outcomes, probabilities)
    distribution.set_rv_names(list(p.names))
    return distribution


def subsets(draw, names):
    chosen = draw(st.permutations(list(names)))
    cut1 = draw(st.integers(min_value=1, max_value=len(chosen)))
    return chosen[:cut1], chosen[cut1:]


@given(pmfs(names=NAMES, max_alphabet=3, max_cells=81), st.data())
def test_entropy_agrees_with_dit(p, data):
    xs, given_names = subsets(data.draw, p.names)
    d = to_dit(p)
    assert abs(entropy(p, xs) - dit_entropy(d, xs)) < 1e-9
    if given_names:
        assert abs(conditional_entropy(p, xs, given_names) - dit_conditional_entropy(d, xs, given_names)) < 1e-9


@given(pmfs(names=NAMES, max_alphabet=3, max_cells=81), st.data())
def test_mutual_and_conditional_mutual_information_agree_with_dit(p, data):
    order = data.draw(st.permutations(list(p.names)))
    cut1 = data.draw(st.integers(min_value=1, max_value=2))
    cut2 = data.draw(st.integers(min_value=cut1 + 1, max_value=len(order)))
    xs, ys, zs = order[:cut1], order[cut1:cut2], order[cut2:]
    d = to_dit(p)
    expected = coinformation(d, [xs, ys], zs)
    assert abs(mutual_information(p, xs, ys, zs) - expected) < 1e-9


def test_dit_oracle_agrees_on_a_hand_computed_example():
    # XOR: I(X;Y) = 0, I(X;Y|Z) = 1 bit, H(X,Y,Z) = 2 bits
    p = Pmf.from_function(lambda x, y, z: 0.25 * (z == x ^ y), ["A", "B", "C"], [2, 2, 2])
    d = to_dit(p)
    assert coinformation(d, [["A"], ["B"]]) == pytest.approx(0.0, abs=1e-12)
    assert coinformation(d, [["A"], ["B"]], ["C"]) == pytest.approx(1.0)
    assert mutual_information(p, "A", "B", "C") == pytest.approx(1.0)
    assert dit_entropy(d) == pytest.approx(entropy(p, ["A", "B", "C"]))

"""Thm 2.6.1 (back-door criterion via DI) and the adjustment formula (2.43) on random DAGs and pmfs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from dicert.verify.causal import (
    CausalModel,
    adjustment_formula,
    interventional_law,
    is_backdoor_set,
    setwise_directed_information,
)
from dicert.verify.causal.strategies import causal_models, disjoint_sets
from dicert.verify.errors import InvalidInput

TOL = 1e-9


@st.composite
def models_with_sets(draw):
    """A model and (S, T, Z); Z is half of the time pa(S) minus S and T, otherwise random."""
    model = draw(causal_models())
    s, t, z = draw(disjoint_sets(model))
    if draw(st.booleans()):
        z = sorted({p for v in s for p in model.parents(v)} - set(s) - set(t))
    return model, s, t, z


@given(models_with_sets())
def test_backdoor_theorem_2_6_1_zero_conditional_setwise_di_of_non_descendants_gives_adjustment_2_43(case):
    # Thm 2.6.1: Z non-descendants of S and I(A^T -> A^S | A^Z) = 0  ==>  P(a^T | do(a^S)) = sum_z P(a^T | a^S, z) P(z).
    # Pearl's graphical back-door criterion is a sufficient condition for the premise (do-calculus rule 2).
    model, s, t, z = case
    backdoor = is_backdoor_set(model.graph, s, t, z)
    non_descendants = not (set(z) & model.descendants(s))
    di = setwise_directed_information(model, t, s, z)
    event(f"back-door set: {backdoor}")
    if backdoor:
        assert di == pytest.approx(0.0, abs=TOL)
    if non_descendants and abs(di) <= 1e-12:
        assert np.allclose(adjustment_formula(model.pmf, t, s, z), interventional_law(model, t, s), atol=1e-7)


@settings(max_examples=100)  # cheap companion property; the Thm 2.6.1 tests keep the profile count
@given(causal_models(), st.data())
def test_parents_of_a_single_intervened_variable_are_a_backdoor_set(model, data):
    x = data.draw(st.sampled_from(model.names))
    parents = set(model.parents(x))
    others = [v for v in model.names if v != x and v not in parents]
    if not others:
        return
    t = data.draw(st.lists(st.sampled_from(others), min_size=1, unique=True))
    assert is_backdoor_set(model.graph, x, t, sorted(parents))
    assert np.allclose(adjustment_formula(model.pmf, t, x, sorted(parents)), interventional_law(model, t, x), atol=1e-7)


def test_a_confounder_left_out_breaks_the_adjustment():
    g = nx.DiGraph([("Z", "X"), ("Z", "Y"), ("X", "Y")])
    model = CausalModel.random(g, {"Z": 2, "X": 2, "Y": 2}, rng=3)
    assert not is_backdoor_set(g, "X", "Y", ())
    assert setwise_directed_information(model, "Y", "X") > 1e-3
    assert not np.allclose(adjustment_formula(model.pmf, "Y", "X", ()), interventional_law(model, "Y", "X"), atol=1e-3)
    # a mediator is a descendant: condition (i) of the criterion fails
    chain = nx.DiGraph([("X", "M"), ("M", "Y")])
    assert not is_backdoor_set(chain, "X", "Y", "M")
    assert is_backdoor_set(chain, "X", "Y", ())


def test_collider_conditioning_opens_a_backdoor_path():
    g = nx.DiGraph([("U", "X"), ("U", "C"), ("V", "C"), ("V", "Y"), ("X", "Y")])
    assert is_backdoor_set(g, "X", "Y", ())
    assert not is_backdoor_set(g, "X", "Y", "C")
    assert is_backdoor_set(g, "X", "Y", ["C", "U"])


def test_overlapping_sets_are_refused():
    with pytest.raises(InvalidInput, match="pairwise disjoint"):
        is_backdoor_set(nx.DiGraph([("X", "Y")]), "X", "Y", "X")

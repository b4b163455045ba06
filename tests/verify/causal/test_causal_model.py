"""CausalModel, do() (2.33)-(2.36) and setwise DI (2.37)-(2.42) as properties over random DAGs and pmfs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dicert.verify import Pmf
from dicert.verify.causal import (
    CausalModel,
    interventional_law,
    laws_agree,
    observation_intervention_divergence,
    observational_law,
    setwise_di_chain_rule,
    setwise_directed_information,
)
from dicert.verify.causal.strategies import causal_models, disjoint_sets
from dicert.verify.errors import InvalidGraph, InvalidInput, InvalidPmf
from dicert.verify.measures import causal_kernel, reverse_directed_information
from dicert.verify.strategies.pmfs import pmfs, sequence_pmfs

TOL = 1e-9


@settings(max_examples=100)  # cheap companion property; the Thm 2.6.1 tests keep the profile count
@given(causal_models())
def test_joint_law_is_the_product_of_the_mechanisms_and_refactorises_2_33(model):
    pmf = model.pmf
    assert abs(float(pmf.array.sum()) - 1.0) < TOL
    again = CausalModel.from_pmf(model.graph, pmf)          # the pmf factorises over its DAG
    assert np.allclose(again.joint(), model.joint(), atol=TOL)


@settings(max_examples=100)  # cheap companion property; the Thm 2.6.1 tests keep the profile count
@given(causal_models(), st.data())
def test_do_keeps_other_mechanisms_and_fixes_the_intervened_values_2_34(model, data):
    s, _, _ = data.draw(disjoint_sets(model, with_given=False))
    values = {v: data.draw(st.integers(0, model.shape[model.axis(v)] - 1)) for v in s}
    intervened = model.do(values)
    p = intervened.pmf
    # A^S = a^S surely, and P(A^{S^c} | do(a^S)) is the truncated factorisation at a^S
    for v, k in values.items():
        assert abs(float(p.marginal([v]).array[k]) - 1.0) < TOL
    kernel = model.interventional_kernel(s)
    index = tuple(values.get(name, slice(None)) for name in model.names)
    expected = kernel[index]
    rest = [n for n in model.names if n not in values]
    assert np.allclose(p.marginal(rest).array, expected, atol=TOL)
    # the arrows into S are cut, all others kept
    assert all(v not in s for _, v in intervened.graph.edges)
    assert set(intervened.graph.edges) == {(u, v) for u, v in model.graph.edges if v not in s}


@settings(max_examples=100)  # cheap companion property; the Thm 2.6.1 tests keep the profile count
@given(causal_models(), st.data())
def test_intervening_on_a_root_equals_conditioning_on_it(model, data):
    roots = [v for v in model.names if not model.parents(v)]
    root = data.draw(st.sampled_from(roots))
    rest = [v for v in model.names if v != root]
    if not rest:
        return
    assert np.allclose(interventional_law(model, rest, root), model.pmf.reorder([root, *rest]).array
                       / model.pmf.marginal([root]).array.reshape((-1,) + (1,) * len(rest)), atol=TOL)
    assert setwise_directed_information(model, rest, root) == pytest.approx(0.0, abs=TOL)


@settings(max_examples=100)  # cheap companion property; the Thm 2.6.1 tests keep the profile count
@given(sequence_pmfs())
def test_do_on_the_whole_input_gives_the_causally_conditioned_law_2_36(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    interleaved = [v for pair in zip(xs, ys, strict=True) for v in pair]
    model = CausalModel.time_ordered(p.reorder(interleaved))
    law = interventional_law(model, ys, xs)                  # axes [X^n, Y^n]
    kernel = causal_kernel(p, ys, xs)                        # axes in p.names order
    order = [v for v in p.names if v in set(xs) | set(ys)]
    assert np.allclose(law, np.transpose(kernel, [order.index(v) for v in xs + ys]), atol=TOL)


@settings(max_examples=100)  # cheap companion property; the Thm 2.6.1 tests keep the profile count
@given(sequence_pmfs())
def test_average_observation_intervention_gap_is_the_feedback_information_2_37_2_38(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    interleaved = [v for pair in zip(xs, ys, strict=True) for v in pair]
    model = CausalModel.time_ordered(p.reorder(interleaved))
    per_input = observation_intervention_divergence(model, ys, xs)          # (2.37) for every x^n
    weights = p.marginal(xs).array
    feedback = reverse_directed_information(p, xs, ys)
    assert (per_input >= -TOL).all()
    assert float(np.sum(weights * per_input)) == pytest.approx(feedback, abs=TOL)
    assert setwise_directed_information(model, ys, xs) == pytest.approx(feedback, abs=TOL)


@settings(max_examples=100)  # cheap companion property; the Thm 2.6.1 tests keep the profile count
@given(pmfs(max_variables=5, max_alphabet=3, max_cells=243), st.data())
def test_setwise_di_kl_form_equals_its_chain_rule_2_39_2_40(p, data):
    model = CausalModel.time_ordered(p)
    chosen = data.draw(st.lists(st.booleans(), min_size=len(p.names), max_size=len(p.names)))
    s = [v for v, c in zip(p.names, chosen, strict=True) if c]
    t = [v for v, c in zip(p.names, chosen, strict=True) if not c]
    if not s or not t:
        return
    assert setwise_directed_information(model, t, s) == pytest.approx(setwise_di_chain_rule(model, s), abs=TOL)


@settings(max_examples=100)  # cheap companion property; the Thm 2.6.1 tests keep the profile count
@given(causal_models(), st.data())
def test_conditional_setwise_di_is_nonnegative_and_zero_iff_laws_agree_2_41_2_42(model, data):
    # (2.41) is a conditional KL divergence: >= 0, and by Pinsker every (a^S, a^Z) cell with weight w and
    # total variation TV between observing and intervening costs at least 2 w TV^2 nats; (2.42) it is 0 iff the laws agree
    s, t, z = data.draw(disjoint_sets(model))
    value = setwise_directed_information(model, t, s, z)
    assert value >= -TOL
    observed = observational_law(model, t, s, z)
    intervened = interventional_law(model, t, s, z)
    lead = len(s) + len(z)
    weight = model.pmf.marginal([*s, *z]).array
    tv = 0.5 * np.abs(observed - intervened).sum(axis=tuple(range(lead, observed.ndim)))
    assert float(np.sum(2 * weight * tv**2)) <= value * np.log(2) + 1e-12
    if laws_agree(model, t, s, z, atol=1e-12):
        assert value <= TOL


def test_figure_2_2_confounder_observing_differs_from_intervening(tmp_path):
    from dicert.verify.causal import figure_2_2
    from dicert.verify.causal.figure import confounder_model

    model = confounder_model(0.9)
    observed = model.pmf.condition({"X": 1}).marginal(["Y"]).array
    assert observed[1] == pytest.approx(0.82)                 # 0.9^2 + 0.1^2
    assert np.allclose(interventional_law(model, "Y", "X")[1], [0.5, 0.5])
    assert setwise_directed_information(model, "Y", "X") > 0.3
    paths = figure_2_2(tmp_path / "fig")
    assert [p.suffix for p in paths] == [".png", ".svg"] and all(p.stat().st_size > 1000 for p in paths)
    assert "do(X = 1)" in paths[1].read_text()


def test_bad_inputs_are_refused_with_the_field_named():
    with pytest.raises(InvalidGraph, match="cycle"):
        CausalModel.from_mechanisms(nx.DiGraph([("X", "Y"), ("Y", "X")]), {})
    with pytest.raises(InvalidPmf, match=r"mechanisms\['Y'\]: has 1 axes, expected 2"):
        CausalModel.from_mechanisms(nx.DiGraph([("X", "Y")]), {"X": [0.5, 0.5], "Y": [0.5, 0.5]})
    with pytest.raises(InvalidPmf, match="rows must sum to 1"):
        CausalModel.from_mechanisms(nx.DiGraph([("X", "Y")]), {"X": [0.5, 0.6], "Y": np.eye(2)})
    p = Pmf.random((2, 2), ["X", "Y"], rng=0)
    model = CausalModel.time_ordered(p)
    with pytest.raises(InvalidInput, match="intervention\\['X'\\]: symbol 5"):
        model.do({"X": 5})
    with pytest.raises(InvalidInput, match="pairwise disjoint"):
        setwise_directed_information(model, "X", "X")
    with pytest.raises(InvalidInput, match="unknown name 'W'"):
        interventional_law(model, "W", "X")

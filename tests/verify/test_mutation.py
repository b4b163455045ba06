"""Mutation tests: perturb one formula of the engine and show that the identity suite fails.

Each mutation monkeypatches a private helper of :mod:`dicert.verify.measures`
(looked up at call time), then runs property tests of ``test_identities``
programmatically, without shrinking, and asserts they fail; the same tests
are first run unmutated and must pass. This shows the suite's checks can
fail, i.e. that it would catch an off-by-one in causal conditioning, a
missing delay or an axis-bookkeeping bug.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import Phase, given, settings

from dicert.verify import measures
from dicert.verify.measures import _engine, _names, shannon
from dicert.verify.strategies.pmfs import sequence_pmfs


def _load_identity_suite():
    """Import ``test_identities.py`` from this folder by path (works with any pytest import mode)."""
    spec = importlib.util.spec_from_file_location("identity_suite", Path(__file__).with_name("test_identities.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


suite = _load_identity_suite()

QUICK = settings(
    max_examples=60,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    deadline=None,
    print_blob=False,
)

_original_causal_order = measures._causal_order
_original_delayed = measures.delayed
_original_marginal_array = measures._marginal_array


def causal_conditioning_shifted_by_one_step(ys, conditioners, given):
    """H(Y_i | Y^{i-1}, X^{i-1}) instead of H(Y_i | Y^{i-1}, X^i): the classic off-by-one."""
    shifted = [()] + list(conditioners)[:-1]
    return _original_causal_order(ys, shifted, given)


def delay_operator_that_does_not_delay(sequence, delay=1):
    """DX^n = X^n: forgets the null symbol of the delay operator D."""
    return _original_delayed(sequence, 0)


def marginal_with_its_axes_misnamed(pmf, names):
    """Axis bookkeeping bug: the marginal's variables are reported in reverse order."""
    array, kept = _original_marginal_array(pmf, names)
    return array, kept[::-1]


def rerun(prop: Callable) -> None:
    """Run a property of the suite again: its original body, the same strategy, no shrinking."""
    QUICK(given(sequence_pmfs())(prop.hypothesis.inner_test))()


MUTATIONS: dict[str, tuple[str, Callable, list[Callable]]] = {
    "causal conditioning shifted by one step": (
        "_causal_order",
        causal_conditioning_shifted_by_one_step,
        [
            suite.test_conservation_law_holds_for_any_pmf,
            suite.test_di_equals_sum_of_conditional_mutual_informations_2_1,
            suite.test_causally_conditioned_entropy_is_sum_of_conditional_entropies_2_3,
        ],
    ),
    "delay operator without delay": (
        "delayed",
        delay_operator_that_does_not_delay,
        [
            suite.test_conservation_law_holds_for_any_pmf,
            # (2.16) alone would not notice: both of its sides lose the delay consistently
            suite.test_instantaneous_information_is_its_sum_form_and_symmetric_2_15,
            suite.test_reverse_di_is_di_of_delayed_outputs_2_13,
        ],
    ),
    "marginal with its axes misnamed": (
        "_marginal_array",
        marginal_with_its_axes_misnamed,
        [
            suite.test_conservation_law_holds_for_any_pmf,
            suite.test_di_lies_between_zero_and_mi_2_7,
        ],
    ),
}


@pytest.mark.parametrize("mutation", sorted(MUTATIONS))
def test_identity_suite_catches_the_mutation(mutation, monkeypatch):
    attribute, replacement, properties = MUTATIONS[mutation]
    for prop in properties:
        rerun(prop)  # the unmutated engine passes
    for module in (measures, _names, _engine, shannon):  # every module of the package that looks the name up
        if hasattr(module, attribute):
            monkeypatch.setattr(module, attribute, replacement)
    for prop in properties:
        with pytest.raises(Exception) as failure:  # noqa: PT011 - Hypothesis may raise a group of failures
            rerun(prop)
        assert isinstance(failure.value, AssertionError | ExceptionGroup), (
            f"{prop.__name__} failed under '{mutation}' with an unexpected error: {failure.value!r}"
        )

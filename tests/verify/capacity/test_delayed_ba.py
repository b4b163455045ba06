"""Extended BA with delayed feedback (sec. 2.7, Remark 4.2.6): cross-checks with d = 1, no feedback and DMCs."""

from __future__ import annotations

import numpy as np
import pytest

from dicert.verify.capacity.blahut_arimoto import blahut_arimoto
from dicert.verify.capacity.delayed_ba import delayed_feedback_blahut_arimoto, information_sets
from dicert.verify.capacity.directed_ba import directed_blahut_arimoto
from dicert.verify.capacity.nletter import causal_channel_levels, fsc_law
from dicert.verify.channels import parse_channel
from dicert.verify.errors import InvalidInput

TOL = 1e-8


def test_delay_one_is_the_extended_ba_of_2_44_2_47():
    trapdoor = parse_channel("trapdoor")
    ours = delayed_feedback_blahut_arimoto(trapdoor, 3, delay=1, tol=TOL)
    reference = directed_blahut_arimoto(trapdoor, 3, tol=TOL)
    assert ours.lower <= reference.upper + TOL and reference.lower <= ours.upper + TOL
    assert ours.value == pytest.approx(reference.value, abs=2 * TOL)


@pytest.mark.parametrize("name", ["trapdoor", "ising"])
def test_delay_n_is_the_n_letter_capacity_without_feedback(name):
    # no feedback: I(X^n -> Y^n) = I(X^n; Y^n); classic BA on the super-channel x^n -> y^n
    n = 3
    channel = parse_channel(name)
    levels = causal_channel_levels(fsc_law(channel), n, 0)
    _, nx, ny = levels[0].shape
    joint = levels[-1].reshape((nx, ny) * n)               # P(y^n || x^n) on (x1, y1, ..., xn, yn)
    order = [2 * k for k in range(n)] + [2 * k + 1 for k in range(n)]
    super_channel = np.transpose(joint, order).reshape(nx**n, ny**n)
    classic = blahut_arimoto(super_channel, tol=1e-10)
    ours = delayed_feedback_blahut_arimoto(channel, n, delay=n, tol=TOL)
    assert ours.value == pytest.approx(classic.value / n, abs=1e-7)


def test_less_feedback_never_helps_and_brackets_are_ordered():
    trapdoor = parse_channel("trapdoor")
    results = [delayed_feedback_blahut_arimoto(trapdoor, 3, delay=d, tol=TOL) for d in (1, 2, 3)]
    for r in results:
        assert r.lower <= r.upper + 1e-12 and r.converged
    for more, less in zip(results, results[1:]):
        assert less.lower <= more.upper + TOL                 # C^(d+1) <= C^(d)
    assert results[0].lower > results[1].upper                # feedback strictly helps on the trapdoor


def test_policy_is_constant_on_information_sets():
    r = delayed_feedback_blahut_arimoto(parse_channel("trapdoor"), 3, delay=2, tol=1e-6)
    for i, policy in enumerate(r.input_policy):
        groups = information_sets(i, 2, 2, 2)
        for g in np.unique(groups):
            rows = policy[groups == g]
            assert np.allclose(rows, rows[0])


def test_memoryless_channel_rate_does_not_depend_on_the_delay():
    z = np.array([[1.0, 0.0], [0.5, 0.5]])
    values = [delayed_feedback_blahut_arimoto(z, 3, delay=d, tol=1e-9).value for d in (1, 2, 3)]
    assert max(values) - min(values) < 1e-8
    assert values[0] == pytest.approx(np.log2(5 / 4), abs=1e-8)   # Z-channel capacity log2(5/4)


def test_bad_delay_is_refused():
    with pytest.raises(InvalidInput, match="delay"):
        delayed_feedback_blahut_arimoto(np.eye(2), 2, delay=0)

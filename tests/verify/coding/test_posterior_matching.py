"""The posterior-matching scheme of sec. 4.4.3 on the Ising and trapdoor channels (Thm 4.4.4, 4.4.6)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from dicert.proofs.closed_form import load_witness
from dicert.verify.certify.rate_check import bcjr_lower_bound
from dicert.verify.channels import parse_channel
from dicert.verify.coding import PosteriorMatchingScheme
from dicert.verify.errors import InvalidInput

CAPACITY = {"ising": 0.57552157416805778111, "trapdoor": math.log2((1 + 5**0.5) / 2)}  # published (ARCHITECTURE.md)


def _scheme(name: str, **kwargs) -> PosteriorMatchingScheme:
    witness = load_witness(name)["lower"]
    return PosteriorMatchingScheme.from_witness(parse_channel(name), witness["phi"], witness["policy"], **kwargs)


@pytest.mark.parametrize("name", ["ising", "trapdoor"])
def test_scheme_rate_is_the_certified_bcjr_lower_bound_thm_4_4_4(name):
    witness = load_witness(name)["lower"]
    from dicert.proofs import ising, trapdoor

    channel = {"ising": ising, "trapdoor": trapdoor}[name].CHANNEL
    certified = bcjr_lower_bound(channel, witness["phi"], witness["policy"], digits=30)
    assert certified.lower is not None and certified.invariant
    proven = float(certified.lower.lower())                 # left end of the certified interval
    assert 0 <= _scheme(name).rate - proven < 1e-9


@pytest.mark.parametrize("name", ["ising", "trapdoor"])
def test_messages_below_the_lower_bound_are_decoded_thm_4_4_6(name):
    scheme = _scheme(name)
    result = scheme.error_probability(60, 0.7 * scheme.rate, blocks=8, rng=11)
    assert result.error_probability == 0.0
    assert result.max_invariance_gap < 1e-6                    # the posterior of the state is pi(s | q) (4.43)


@pytest.mark.parametrize("name", ["ising", "trapdoor"])
def test_rates_above_capacity_fail_as_the_feedback_converse_demands(name):
    # Fano with feedback: P_e >= 1 - (n C + 1) / (n R); C from the published closed form
    scheme = _scheme(name)
    n, rate = 60, 1.3 * CAPACITY[name]
    result = scheme.error_probability(n, rate, blocks=8, rng=5)
    assert result.error_probability >= 1 - (n * CAPACITY[name] + 1) / (n * rate) - 0.05


@pytest.mark.parametrize("name", ["ising", "trapdoor"])
def test_information_accumulates_at_the_lower_bound_rate_above_capacity(name):
    # with R > C the true message's posterior never saturates, so the information density
    # (1/n) log2(lambda_n(m*) / lambda_0(m*)) is an average of log P(y|x,s)/P(y|q): about I(X,S;Y|Q)
    scheme = _scheme(name)
    result = scheme.error_probability(150, 1.5 * scheme.rate, blocks=6, rng=2)
    assert abs(result.mean_information_density - scheme.rate) < 0.06


def test_encoder_inputs_follow_the_bcjr_invariant_input_law():
    scheme = _scheme("trapdoor")
    counts = np.zeros(scheme.policy.shape)
    gen = np.random.default_rng(4)
    for _ in range(12):
        t = scheme.transmit(60, scheme.rate, gen)       # first 30 uses: the posterior is still diffuse
        np.add.at(counts, (t.states[:30], t.nodes[:30], t.inputs[:30]), 1)
    seen = counts.sum(axis=2)
    frequencies = counts / np.where(seen > 0, seen, 1)[:, :, None]
    busy = seen >= 40
    assert busy.sum() >= 2
    assert np.max(np.abs(frequencies - scheme.policy)[busy]) < 0.15


def test_without_dither_equal_posteriors_can_stay_tied():
    plain = _scheme("trapdoor", dither=False).error_probability(60, 0.5, blocks=10, rng=0)
    dithered = _scheme("trapdoor").error_probability(60, 0.5, blocks=10, rng=0)
    assert dithered.error_probability == 0.0
    assert plain.error_probability > 0.0


def test_bad_inputs_are_refused():
    channel = parse_channel("ising")
    with pytest.raises(InvalidInput, match="BCJR residual"):
        PosteriorMatchingScheme(channel, [[0, 0]], np.full((2, 1, 2), 0.5))
    scheme = _scheme("ising")
    with pytest.raises(InvalidInput, match="message bits"):
        scheme.transmit(2000, 0.6)
    with pytest.raises(InvalidInput, match="rate"):
        scheme.transmit(10, -1.0)
    with pytest.raises(InvalidInput, match="initial_node"):
        PosteriorMatchingScheme(channel, load_witness("ising")["lower"]["phi"], scheme.policy, initial_node=9)

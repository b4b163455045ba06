"""Channel families (verify/channels/families.py), each against its source or an independent computation."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.optimize import brentq, minimize_scalar

from dicert.graphs.debruijn import debruijn_qgraph
from dicert.proofs.cli import run
from dicert.verify.capacity.blahut_arimoto import blahut_arimoto
from dicert.verify.capacity.markov import markov_feedback_capacity
from dicert.verify.capacity.nletter import nletter_bounds
from dicert.verify.capacity.nofeedback import nofeedback_bounds
from dicert.verify.capacity.qgraph_bounds import qgraph_upper_bound, unifilar_arrays
from dicert.verify.channels import as_unifilar, parse_channel
from dicert.verify.errors import InvalidChannel

TRAPDOOR = math.log2((1 + math.sqrt(5)) / 2)


def _h2(p: float) -> float:
    return 0.0 if p in (0.0, 1.0) else -p * math.log2(p) - (1 - p) * math.log2(1 - p)


def bec_noc_capacity(eps: float) -> float:
    """Sabag-Permuter-Kashyap 2016, Thm 1: C = max_{p <= 1/2} H2(p) / (p + 1/(1-eps))."""
    res = minimize_scalar(lambda p: -_h2(p) / (p + 1 / (1 - eps)), bounds=(1e-12, 0.5), method="bounded",
                          options={"xatol": 1e-12})
    return -float(res.fun)


def rll_capacity(d: int, k: float) -> float:
    """Noiseless (d,k)-RLL capacity: log2 of the root > 1 of sum_{j=d}^{k} x^{-(j+1)} = 1 (Shannon 1948)."""
    if math.isinf(k):
        return math.log2(brentq(lambda x: x ** (d + 1) - x**d - 1, 1.0 + 1e-12, 2.0))
    return math.log2(brentq(lambda x: sum(x ** -(j + 1) for j in range(d, int(k) + 1)) - 1, 1.0 + 1e-12, 2.0))


def _qgraph_upper(spec: str, order: int) -> float:
    arrays = unifilar_arrays(parse_channel(spec))
    return qgraph_upper_bound(arrays, debruijn_qgraph(order, arrays.law.shape[2]), lower=False).upper


# --- (d, k)-RLL ------------------------------------------------------------


@pytest.mark.parametrize("eps", [0.1, 0.5, 0.8])
def test_bec_rll_d1_kinf_is_bec_noc_up_to_swapping_the_states(eps):
    rll, noc = parse_channel(f"bec-rll:d=1,k=inf,eps={eps}"), parse_channel(f"bec-noc:eps={eps}")
    swap = [1, 0]  # rll state z = zeros since the last one; noc state = previous input
    assert np.array_equal(rll.law[swap], noc.law)
    assert np.array_equal(np.array(swap)[rll.next_state[swap]], noc.next_state)
    assert np.array_equal(rll.allowed[swap], noc.allowed)
    # the same Q-graph bound (solver estimates, agreeing to the solver tolerance)
    assert abs(_qgraph_upper(f"bec-rll:d=1,k=inf,eps={eps}", 1) - _qgraph_upper(f"bec-noc:eps={eps}", 1)) < 1e-6
    # and both bound the closed-form feedback capacity of Sabag-Permuter-Kashyap from above
    assert _qgraph_upper(f"bec-rll:d=1,k=inf,eps={eps}", 1) >= bec_noc_capacity(eps) - 1e-8


@pytest.mark.parametrize("d, k", [(2, math.inf), (3, math.inf), (1, 3), (0, 2)])
def test_noiseless_rll_qgraph_bound_equals_the_constrained_capacity(d, k):
    """eps = 0: outputs are inputs, the last max(d, k) outputs give the state, and C = log2 lambda (Shannon)."""
    order = d if math.isinf(k) else int(k)
    kk = "inf" if math.isinf(k) else int(k)
    assert abs(_qgraph_upper(f"bsc-rll:d={d},k={kk},p=0", order) - rll_capacity(d, k)) < 1e-6
    if order <= 2:  # the BEC has three outputs: 3^order nodes
        assert abs(_qgraph_upper(f"bec-rll:d={d},k={kk},eps=0", order) - rll_capacity(d, k)) < 1e-6


def test_rll_bounds_decrease_with_d_and_stay_below_both_single_limits():
    uppers = [_qgraph_upper(f"bec-rll:d={d},k=inf,eps=0.5", 1) for d in (1, 2, 3)]
    assert uppers[0] > uppers[1] > uppers[2]
    for d, u in zip((1, 2, 3), uppers):
        assert u <= 0.5 + 1e-9 and u <= rll_capacity(d, math.inf)


@pytest.mark.slow
@pytest.mark.parametrize("d, certified_upper", [(2, 0.34548014), (3, 0.30095)])
def test_bec_rll_d2_d3_run_through_discover_certify(d, certified_upper, capsys):
    assert run(["discover", f"bec-rll:d={d},k=inf,eps=0.5", "--certify", "--json", "--steps", "600"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["certificate"]["verified"] is True
    hi = float(data["certificate"]["upper"])  # the proven upper end (schema v2)
    assert hi < certified_upper + 1e-5
    if data["certificate"]["lower"] is not None:
        assert float(data["certificate"]["lower"]) <= hi
    # a valid upper bound: above the feedback n-letter lower bound and below the unconstrained BEC
    assert hi <= 0.5 and hi >= nletter_bounds(parse_channel(f"bec-rll:d={d},k=inf,eps=0.5"), 3).lower_monotone[-1]


@pytest.mark.parametrize(
    "spec, message",
    [
        ("bec-rll:d=2,k=2", "bec-rll:k: expected k > d"),
        ("bec-rll:d=-1", r"bec-rll:d: expected an integer in \[0, 255\]"),
        ("bsc-rll:k=2.5", r"bsc-rll:k: expected an integer in \[1, 255\]"),
        ("bsc-rll:p=1.5", r"bsc-rll:p: expected a probability in \[0, 1\]"),
        ("chemical:k=0", r"chemical:k: expected an integer in \[1, 255\]"),
        ("trapdoor-q:q=1", r"trapdoor-q:q: expected an integer in \[2, 64\]"),
        ("isi:h1=inf", "isi:h1: expected a finite number"),
        ("nost:r=2", r"nost:r: expected a probability in \[0, 1\]"),
        ("iid-state:q=-0.1", r"iid-state:q: expected a probability in \[0, 1\]"),
        ("nost:rho=0.1", "nost: unknown parameter 'rho'; allowed: a, r"),
    ],
)
def test_family_parameter_errors_name_the_field(spec, message):
    with pytest.raises(InvalidChannel, match=message):
        parse_channel(spec)


# --- ball channels -----------------------------------------------------------


@pytest.mark.parametrize("spec", ["chemical:k=1", "trapdoor-q:q=2"])
def test_one_ball_and_binary_cases_are_the_trapdoor(spec):
    ch, trap = parse_channel(spec), parse_channel("trapdoor")
    assert np.array_equal(ch.law, trap.law)
    possible = trap.law > 0
    assert np.array_equal(ch.next_state[possible], trap.next_state[possible])
    assert abs(_qgraph_upper(spec, 2) - _qgraph_upper("trapdoor", 2)) < 1e-9


def test_chemical_channel_qgraph_and_nletter_brackets_agree():
    """Two independent methods (Q-graph upper bound, Thm 4.4.3; n-letter program, Thm 4.2.1) on k = 2."""
    upper = _qgraph_upper("chemical:k=2", 1)
    nl = nletter_bounds(parse_channel("chemical:k=2"), 3)
    assert nl.lower_monotone[-1] <= upper + 1e-9 and upper <= nl.upper_monotone[-1] + 1e-9
    # more balls mix the channel more: k = 2 is below the trapdoor capacity, above the no-feedback lower bound
    assert upper < TRAPDOOR and nofeedback_bounds(parse_channel("chemical:k=2"), 3).lower_monotone[-1] < upper


def test_q_ary_trapdoor_has_the_q_ary_ising_output_law_and_consistent_brackets():
    ch = parse_channel("trapdoor-q:q=3")
    assert np.array_equal(ch.law, parse_channel("ising:q=3").law)
    upper = _qgraph_upper("trapdoor-q:q=3", 1)
    nl = nletter_bounds(ch, 3)
    assert nl.lower_monotone[-1] <= upper + 1e-9 <= nl.upper_monotone[-1] + 2e-9
    assert TRAPDOOR < upper <= math.log2(3)  # more colours carry more than the binary trapdoor, at most log2 3


# --- Examples 4.1.2, 4.1.3, 4.1.6 ----------------------------------------------


def test_isi_with_h1_minus_one_is_the_dicode_erasure_channel():
    assert as_unifilar(parse_channel("isi:h1=-1,h2=0,eps=0.3")).law.tolist() == parse_channel(
        "dicode-erasure:eps=0.3").law.tolist()
    assert np.array_equal(parse_channel("isi:h1=-1,eps=0.3").next_state, parse_channel("dicode-erasure:eps=0.3").next_state)


def test_isi_without_taps_is_the_bec_and_memory_two_tracks_two_inputs():
    assert abs(_qgraph_upper("isi:h1=0,h2=0,eps=0.3", 0) - 0.7) < 1e-7  # BEC capacity 1 - eps (eq. (4.3))
    ch = parse_channel("isi:h1=1,h2=1,eps=0")  # y = x_i + x_{i-1} + x_{i-2}: 4 states, outputs 0..3 and ?
    assert ch.n_states == 4 and ch.n_outputs == 5
    s = 2 * 1 + 0  # x_{i-1} = 1, x_{i-2} = 0
    assert ch.law[s, 1].tolist() == [0, 0, 1, 0, 0] and ch.next_state[s, 1, 2] == 2 * 1 + 1


def test_iid_state_channel_capacity_is_the_averaged_dmc_with_and_without_feedback():
    ch = parse_channel("iid-state:q=0.3,a=0.4")
    averaged = np.einsum("s,sxy->xy", np.array([0.7, 0.3]), ch.output_law())
    cap = blahut_arimoto(averaged).value
    fb, nf = nletter_bounds(ch, 4), nofeedback_bounds(ch, 4)
    for b in (fb, nf):
        assert np.all(b.lower <= cap + 1e-9) and np.all(b.upper >= cap - 1e-9)
    # from the second use on the channel is the averaged DMC: (n-1) C <= n C_n(s0) <= (n-1) C + 1
    n = 4
    assert np.all(fb.per_state[-1] * n >= (n - 1) * cap - 1e-6)


def test_nost_special_cases_of_the_source_post_and_iid_states():
    """Shemuel-Sabag-Permuter 2022: r = 0 is POST(a) (Thm 4.2.2), r = 1/2 an i.i.d. uniform state."""
    post = parse_channel("post:a=0.3")
    nost0 = as_unifilar(parse_channel("nost:a=0.3,r=0"))
    possible = post.law > 0
    assert np.array_equal(nost0.law, post.law) and np.array_equal(nost0.next_state[possible], post.next_state[possible])
    cap_post = markov_feedback_capacity(post).value
    b = nletter_bounds(parse_channel("nost:a=0.3,r=0"), 4)
    assert b.lower_monotone[-1] <= cap_post <= b.upper_monotone[-1]
    assert np.allclose(parse_channel("nost:a=0.3,r=0.5").law, parse_channel("iid-state:q=0.5,a=0.3").law)
    # in between, the n-letter brackets of the three channels overlap consistently
    mid = nletter_bounds(parse_channel("nost:a=0.3,r=0.1"), 4)
    assert mid.lower_monotone[-1] < mid.upper_monotone[-1]

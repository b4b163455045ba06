"""The optimal-face linear program (verify/capacity/invariant_face.py) as a start of the invariant lower bound."""

import math

import numpy as np

from dicert.verify.capacity.invariant_face import face_invariant_input
from dicert.verify.capacity.qgraph_bounds import evaluate_policy, qgraph_upper_bound, unifilar_arrays
from dicert.verify.channels import parse_channel

# the 6-node run-length-parity graph that `discover ising:q=3` finds (canonical form of proofs.ising_q.qgraph(3))
TERNARY_ISING_GRAPH = [[1, 2, 3], [0, 2, 3], [0, 4, 3], [0, 2, 5], [0, 2, 3], [0, 2, 3]]


def _thm_4_6_1(q: int) -> float:
    """C = 1/2 log2(1/p*), p* the root in [0, 1] of the quartic (4.79) -- computed here, in the test only."""
    from dicert.proofs.ising_q import quartic

    roots = np.roots([float(c) for c in reversed(quartic(q))])
    p = [r.real for r in roots if abs(r.imag) < 1e-12 and 0.0 <= r.real <= 1.0]
    assert len(p) == 1
    return 0.5 * math.log2(1.0 / p[0])


def test_face_lp_input_on_the_ternary_ising_graph_satisfies_bcjr_invariance_at_the_program_value():
    arrays = unifilar_arrays(parse_channel("ising:q=3"))
    sol = qgraph_upper_bound(arrays, TERNARY_ISING_GRAPH)
    assert sol.bcjr_residual > 0.1  # the interior-point maximiser itself is far from invariant
    face = face_invariant_input(arrays, TERNARY_ISING_GRAPH, sol.output_law)
    ev = evaluate_policy(arrays, TERNARY_ISING_GRAPH, face.policy)
    assert ev.bcjr_residual < 1e-8
    assert abs(ev.rate - sol.upper) < 1e-8


def test_certified_invariant_lower_on_the_ternary_ising_graph_is_within_1e_9_of_thm_4_6_1():
    from dicert.verify.certify.invariant_lower_cert import certified_invariant_lower

    known = _thm_4_6_1(3)
    res = certified_invariant_lower(parse_channel("ising:q=3"), TERNARY_ISING_GRAPH, random_starts=0)
    assert res.lower is not None
    assert known - 1e-9 < float(res.lower) <= known  # a valid lower bound cannot exceed C_fb
    assert "face_lp" in res.evidence[-1]


def test_face_lp_refuses_an_output_law_of_the_wrong_shape():
    assert face_invariant_input(parse_channel("ising"), [[0, 1], [0, 1]], [[0.5, 0.5]]) is None

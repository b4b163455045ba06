"""The checker's ``block_entropy_lower_bound`` kind (issue 12, method (c)): value and mutations it must reject."""

from __future__ import annotations

import copy
import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from dicert.verify.certify.checker.block_entropy import block_entropy_lower_bound
from dicert.verify.certify.checker.core import check, issue
from dicert.verify.certify.checker.exact import ExactChannel

BSC_NOC = {"law": [[["9/10", "1/10"], ["1/10", "9/10"]], [["9/10", "1/10"], ["1/10", "9/10"]]],
           "next_state": [[[0, 0], [1, 1]], [[0, 0], [1, 1]]], "allowed": [[True, True], [True, False]]}
PHI = [[0, 1], [2, 3], [0, 1], [2, 3]]  # de Bruijn order 2
POLICY = [[["7/10", "3/10"]] * 4, [["1", "0"]] * 4]
# a valid duality witness: T uniform, V = 0 gives rho <= max_(s,x) sum_y P log2(P / (1/2)) = 1 - H2(1/10)
UPPER = {"phi": PHI, "test": [["1/2", "1/2"]] * 4, "value": [["0"] * 4, ["0"] * 4]}


def _cert(k: int = 4, policy=POLICY) -> dict:
    witness = {"upper": copy.deepcopy(UPPER), "lower": {"phi": PHI, "policy": copy.deepcopy(policy), "k": k}}
    return issue("qgraph_bracket", {}, 12, witness, channel=copy.deepcopy(BSC_NOC), exact_from="text")


def _brute_force(k: int) -> float:
    """H(Y_k|Y^{k-1},Z_0) - H(Y|X,S) in floats by enumerating every (z_0, x^k, y^k): independent of the kind."""
    law = np.array([[[float(Fraction(p)) for p in row] for row in block] for block in BSC_NOC["law"]])
    nxt = np.array(BSC_NOC["next_state"])
    P = np.array([[[float(Fraction(p)) for p in row] for row in node] for node in POLICY])
    S, Q = 2, 4
    M = np.zeros((S * Q, S * Q))
    for s, q, x, y in itertools.product(range(S), range(Q), range(2), range(2)):
        M[s * Q + q, nxt[s, x, y] * Q + PHI[q][y]] += P[s, q, x] * law[s, x, y]
    w, v = np.linalg.eig(M.T)
    pi = np.real(v[:, np.argmin(abs(w - 1))])
    pi /= pi.sum()

    def seq_probs(length: int, s0: int, q0: int) -> dict:
        out: dict = {(): {(s0, q0): 1.0}}
        for _ in range(length):
            new: dict = {}
            for ys, states in out.items():
                for (s, q), p in states.items():
                    for x, y in itertools.product(range(2), range(2)):
                        w_ = p * P[s, q, x] * law[s, x, y]
                        if w_ > 0:
                            d = new.setdefault(ys + (y,), {})
                            key = (int(nxt[s, x, y]), PHI[q][y])
                            d[key] = d.get(key, 0.0) + w_
            out = new
        return {ys: sum(st.values()) for ys, st in out.items()}

    def h(d: dict) -> float:
        return -sum(p * math.log2(p) for p in d.values() if p > 0)

    cond = 0.0
    for s0, q0 in itertools.product(range(S), range(Q)):
        if pi[s0 * Q + q0] > 1e-15:
            cond += pi[s0 * Q + q0] * (h(seq_probs(k, s0, q0)) - h(seq_probs(k - 1, s0, q0)))
    h_noise = -(0.9 * math.log2(0.9) + 0.1 * math.log2(0.1))
    return cond - h_noise  # every (s, x) used has the same output noise H2(1/10)


def test_block_kind_agrees_with_brute_force_enumeration_of_output_sequences():
    ch = ExactChannel.from_json(BSC_NOC)
    for k in (1, 3):
        ok, _, out = block_entropy_lower_bound({"phi": PHI, "policy": POLICY, "k": k}, {"channel": ch})
        assert ok and abs(float(out["lower"]) - _brute_force(k)) < 1e-12


def test_block_lower_is_certified_by_the_checker_and_states_what_is_cited():
    cert = _cert()
    assert cert["verified"] and check(cert).verified
    assert [c["kind"] for c in cert["checks"]] == ["duality_upper_bound", "block_entropy_lower_bound"]
    assert any("cited" in m and m.startswith("lower: block entropy") for m in cert["proven"]["methods"])
    assert 0.3 < float(cert["lower"]) < float(cert["upper"])


def _mutants():
    def policy(c):  # move 1e-6 of probability between two inputs at one node
        c["witness"]["lower"]["policy"][0][1] = ["699999/1000000", "300001/1000000"]

    def k(c):
        c["witness"]["lower"]["k"] = 3

    def law(c):  # another channel, fingerprint recomputed so only the numbers can catch it
        c["channel"]["law"][0][0] = ["89/100", "11/100"]
        c["channel"]["law"][1][0] = ["89/100", "11/100"]
        c["channel"]["fingerprint"] = ExactChannel.from_json(c["channel"]).fingerprint()

    def lower(c):
        c["lower"] = c["proven"]["lower"] = str(Fraction(c["lower"]) + Fraction(1, 10**12))

    def forbidden(c):  # input 1 is not allowed in state 1
        c["witness"]["lower"]["policy"][1][0] = ["1/2", "1/2"]

    def huge_k(c):
        c["witness"]["lower"]["k"] = 10**6

    return [policy, k, law, lower, forbidden, huge_k]


@pytest.mark.parametrize("mutate", _mutants(), ids=lambda f: f.__name__)
def test_checker_rejects_a_mutated_block_entropy_certificate(mutate):
    cert = _cert()
    mutate(cert)
    assert not check(cert).verified


def test_block_kind_refuses_a_non_integer_block_length_and_missing_keys():
    ch = ExactChannel.from_json(BSC_NOC)
    for data in ({"phi": PHI, "policy": POLICY, "k": 2.0}, {"phi": PHI, "policy": POLICY}):
        with pytest.raises(Exception, match="k"):
            block_entropy_lower_bound(data, {"channel": ch})


def test_a_stored_block_certificate_fails_when_an_entropy_term_is_off(monkeypatch):
    import dicert.verify.certify.checker.block_entropy as kind

    cert = _cert()
    real = kind.entropy
    # a mutated checker primitive (a constant shift would cancel between the two entropies)
    monkeypatch.setattr(kind, "entropy", lambda probs: real(probs) * (1 + 1e-12))
    assert not check(cert).verified

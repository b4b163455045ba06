"""Every identity and inequality of chapter 2, as a Hypothesis property over random pmfs (float64).

Names state the identity; the equation numbers are those of the monograph
(``seeds/004_...txt``). Pmfs come from :mod:`dicert.verify.strategies.pmfs`
(any small alphabets, ``n <= 4``, axes in random order, exact zeros
sometimes). Exact and multi-precision versions are in
``test_identities_backends.py``; ``test_mutation.py`` shows that these checks
fail when a formula is perturbed.
"""

from __future__ import annotations

import itertools
import math
from unittest.mock import patch

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from dicert.verify import Pmf, measures
from dicert.verify.measures import (
    causal_kernel,
    causally_conditioned_directed_information,
    causally_conditioned_entropy,
    conditional_entropy,
    delayed,
    directed_information,
    directed_information_kl,
    directed_information_rate,
    entropy,
    info_mat,
    instantaneous_information,
    instantaneous_information_rate,
    joint,
    mutual_information,
    reverse_directed_information,
    transfer_entropy,
    transfer_entropy_rate,
)
from dicert.verify.strategies.pmfs import (
    markov_chains,
    markov_sequence_pmfs,
    no_feedback_sequence_pmfs,
    pmfs,
    sequence_pmfs,
)

TOL = 1e-9


def close(a: float, b: float, tol: float = TOL) -> bool:
    return abs(a - b) <= tol


# ----------------------------------------------------------------- definitions and chain rules
@given(sequence_pmfs())
def test_di_equals_sum_of_conditional_mutual_informations_2_1(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    terms = [mutual_information(p, xs[: i + 1], ys[i], ys[:i]) for i in range(len(ys))]
    assert close(directed_information(p, xs, ys), sum(terms))


@given(sequence_pmfs())
def test_causally_conditioned_entropy_is_sum_of_conditional_entropies_2_3(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    terms = [conditional_entropy(p, ys[i], ys[:i] + xs[: i + 1]) for i in range(len(ys))]
    assert close(causally_conditioned_entropy(p, ys, xs), sum(terms))


@given(sequence_pmfs(), st.integers(min_value=1, max_value=3))
def test_delayed_causally_conditioned_entropy_is_sum_of_conditional_entropies(case, delay):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    terms = [conditional_entropy(p, ys[i], ys[:i] + xs[: max(i + 1 - delay, 0)]) for i in range(len(ys))]
    assert close(causally_conditioned_entropy(p, ys, xs, delay=delay), sum(terms))


@given(sequence_pmfs())
def test_causally_conditioned_entropy_is_at_least_conditional_entropy_2_4(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    assert causally_conditioned_entropy(p, ys, xs) >= conditional_entropy(p, ys, xs) - TOL
    assert causally_conditioned_entropy(p, ys, xs) <= entropy(p, ys) + TOL


@given(sequence_pmfs())
def test_di_is_output_entropy_minus_causally_conditioned_entropy_2_5(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    assert close(directed_information(p, xs, ys), entropy(p, ys) - causally_conditioned_entropy(p, ys, xs))


@given(sequence_pmfs())
def test_mi_is_output_entropy_minus_conditional_entropy_2_6(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    assert close(mutual_information(p, xs, ys), entropy(p, ys) - conditional_entropy(p, ys, xs))


@given(sequence_pmfs())
def test_di_lies_between_zero_and_mi_2_7(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    di = directed_information(p, xs, ys)
    assert -TOL <= di <= mutual_information(p, xs, ys) + TOL


@given(no_feedback_sequence_pmfs())
def test_di_equals_mi_when_the_input_ignores_past_outputs(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    assert close(directed_information(p, xs, ys), mutual_information(p, xs, ys))
    assert close(reverse_directed_information(p, xs, ys), 0.0)


@given(sequence_pmfs(side_alphabet=3))
def test_side_information_changes_di_by_at_most_its_entropy(case):
    # |I(X^n -> Y^n) - I(X^n -> Y^n | S)| <= H(S) <= log |S|  (section 2.2.2, [permuter2009finite, Lemma 4])
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    gap = abs(directed_information(p, xs, ys) - directed_information(p, xs, ys, given=["S"]))
    h_s = entropy(p, "S")
    assert gap <= h_s + TOL
    assert abs(mutual_information(p, xs, ys) - mutual_information(p, xs, ys, "S")) <= h_s + TOL
    assert h_s <= math.log2(p.shape[p.axis("S")]) + TOL


@given(sequence_pmfs(with_z=True))
def test_causally_conditioned_di_equals_its_sum_form_2_9(case):
    p, xs, ys, zs = case.pmf, list(case.xs), list(case.ys), list(case.zs)
    terms = [mutual_information(p, xs[: i + 1], ys[i], ys[:i] + zs[: i + 1]) for i in range(len(ys))]
    value = causally_conditioned_directed_information(p, xs, ys, zs)
    assert close(value, sum(terms))
    assert close(value, causally_conditioned_entropy(p, ys, zs) - causally_conditioned_entropy(p, ys, joint(xs, zs)))


@given(sequence_pmfs(with_z=True))
def test_conditional_di_equals_its_sum_form_2_10(case):
    p, xs, ys, zs = case.pmf, list(case.xs), list(case.ys), list(case.zs)
    terms = [mutual_information(p, xs[: i + 1], ys[i], ys[:i] + zs) for i in range(len(ys))]
    value = directed_information(p, xs, ys, given=zs)
    assert close(value, sum(terms))
    assert close(value, conditional_entropy(p, ys, zs) - causally_conditioned_entropy(p, ys, xs, given=zs))


@given(sequence_pmfs(with_z=True))
def test_di_chain_rule_for_a_pair_of_inputs(case):
    # I((X^n, Y^n) -> Z^n) = I(X^n -> Z^n) + I(Y^n -> Z^n || X^n)   [kramer1998directed, Property 3.3]
    p, xs, ys, zs = case.pmf, list(case.xs), list(case.ys), list(case.zs)
    left = directed_information(p, joint(xs, ys), zs)
    right = directed_information(p, xs, zs) + causally_conditioned_directed_information(p, ys, zs, xs)
    assert close(left, right)


@given(sequence_pmfs(with_z=True))
def test_di_chain_rule_for_a_pair_of_outputs(case):
    # I(X^n -> (Y^n, Z^n)) = I(X^n -> Y^n || DZ^n) + I(X^n -> Z^n || Y^n)   [kramer1998directed, Property 3.3]
    p, xs, ys, zs = case.pmf, list(case.xs), list(case.ys), list(case.zs)
    left = directed_information(p, xs, joint(ys, zs))
    right = causally_conditioned_directed_information(p, xs, ys, delayed(zs))
    right += causally_conditioned_directed_information(p, xs, zs, ys)
    assert close(left, right)


@given(sequence_pmfs(with_z=True))
def test_causally_conditioned_entropy_chain_rule(case):
    # H((Y^n, Z^n) || X^n) = H(Y^n || X^n, DZ^n) + H(Z^n || X^n, Y^n)
    p, xs, ys, zs = case.pmf, list(case.xs), list(case.ys), list(case.zs)
    left = causally_conditioned_entropy(p, joint(ys, zs), xs)
    right = causally_conditioned_entropy(p, ys, joint(xs, delayed(zs))) + causally_conditioned_entropy(
        p, zs, joint(xs, ys)
    )
    assert close(left, right)


# ----------------------------------------------------------------- causal conditioning as a law
@given(sequence_pmfs())
def test_causal_conditioning_factorises_the_joint_pmf(case):
    # P(x^n, y^n) = P(x^n || y^{n-1}) P(y^n || x^n)   (section 2.2.1)
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    forward = causal_kernel(p, ys, xs)
    feedback = causal_kernel(p, xs, ys, delay=1)
    assert np.allclose(feedback * forward, p.array, atol=1e-12)


@given(sequence_pmfs())
def test_causally_conditioned_law_is_a_pmf_for_every_input_sequence(case):
    # P(y^n || x^n) >= 0 and sum_{y^n} P(y^n || x^n) = 1 for every x^n  (section 2.2.1)
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    kernel = causal_kernel(p, ys, xs)
    y_axes = tuple(p.axis(name) for name in ys)
    assert (kernel >= 0).all()
    assert np.allclose(kernel.sum(axis=y_axes), 1.0)


@given(sequence_pmfs())
def test_causally_conditioned_entropy_is_the_entropy_of_the_causal_law(case):
    # H(Y^n || X^n) = -sum P(x^n, y^n) log P(y^n || x^n)   (section 2.2.2)
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    kernel = causal_kernel(p, ys, xs)
    mask = p.array > 0
    direct = -float(np.sum(p.array[mask] * np.log2(kernel[mask])))
    assert close(causally_conditioned_entropy(p, ys, xs), direct)


@given(sequence_pmfs())
def test_kl_form_2_11_equals_the_sum_form(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    assert close(directed_information_kl(p, xs, ys), directed_information(p, xs, ys))


@given(sequence_pmfs())
def test_feedback_information_is_the_gap_between_observing_and_intervening_2_38(case):
    # E[log P(Y^n | X^n) / P(Y^n || X^n)] = I(Y^{n-1} -> X^n) = I(DY^n -> X^n)   (2.36)-(2.38)
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    interventional = causal_kernel(p, ys, xs)
    x_axes = tuple(p.axis(name) for name in xs)
    marginal_x = p.array.sum(axis=tuple(a for a in range(p.array.ndim) if a not in x_axes), keepdims=True)
    mask = p.array > 0
    observational = p.array / np.where(marginal_x > 0, marginal_x, 1.0)
    gap = float(np.sum(p.array[mask] * np.log2(observational[mask] / interventional[mask])))
    assert close(gap, reverse_directed_information(p, xs, ys))


@given(pmfs(max_variables=5, max_alphabet=3, max_cells=243), st.data())
def test_setwise_di_kl_form_equals_its_chain_rule_2_39_2_40(p, data):
    # A^m in time order (the order of p.names); S a subset, T its complement.
    # D(P_{A^T | A^S} || P_{A^T | do(A^S)} | P_{A^S}) = sum_{i in S} I(A^{T_<i}; A_i | A^{S_<i})
    names = list(p.names)
    in_s = data.draw(st.lists(st.booleans(), min_size=len(names), max_size=len(names)))
    s_names = [name for name, chosen in zip(names, in_s, strict=True) if chosen]
    t_names = [name for name, chosen in zip(names, in_s, strict=True) if not chosen]
    # KL form, from prefix marginals: P(a^T | do(a^S)) = prod_{i in T} P(a_i | a^{i-1})   (2.34), (2.39)
    joint_array = p.array
    interventional = np.ones_like(joint_array)
    for i, name in enumerate(names):
        if name in t_names:
            upto = joint_array.sum(axis=tuple(range(i + 1, len(names))), keepdims=True)
            before = joint_array.sum(axis=tuple(range(i, len(names))), keepdims=True)
            interventional = interventional * np.divide(upto, before, out=np.zeros_like(upto), where=before > 0)
    s_axes = tuple(k for k, name in enumerate(names) if name in s_names)
    marginal_s = joint_array.sum(axis=tuple(k for k in range(len(names)) if k not in s_axes), keepdims=True)
    mask = joint_array > 0
    observational = joint_array / np.where(marginal_s > 0, marginal_s, 1.0)
    kl = float(np.sum(joint_array[mask] * np.log2(observational[mask] / interventional[mask])))
    # chain rule (2.40) as a DI with irregular time steps: step k reveals the T-variables before s_k, then s_k
    x_steps, y_steps, pending = [], [], []
    for name in names:
        if name in s_names:
            x_steps.append(tuple(pending))
            y_steps.append((name,))
            pending = []
        else:
            pending.append(name)
    def earlier(group: list[str], name: str) -> list[str]:
        return [v for v in group if names.index(v) < names.index(name)]

    chain = sum(mutual_information(p, earlier(t_names, s), s, earlier(s_names, s)) for s in s_names)
    assert close(kl, chain)
    assert close(directed_information(p, x_steps, y_steps), chain)


# ----------------------------------------------------------------- conservation laws
@given(sequence_pmfs())
def test_conservation_law_holds_for_any_pmf(case):
    # I(X^n; Y^n) = I(X^n -> Y^n) + I(DY^n -> X^n)   (2.13), Massey
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    total = directed_information(p, xs, ys) + reverse_directed_information(p, xs, ys)
    assert close(mutual_information(p, xs, ys), total)


@given(sequence_pmfs())
def test_reverse_di_is_di_of_delayed_outputs_2_13(case):
    # I(DY^n -> X^n) = sum_i I(Y^{i-1}; X_i | X^{i-1})
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    terms = [mutual_information(p, ys[:i], xs[i], xs[:i]) for i in range(1, len(xs))]
    assert close(reverse_directed_information(p, xs, ys), sum(terms))
    assert close(reverse_directed_information(p, xs, ys), directed_information(p, delayed(ys), xs))


@given(sequence_pmfs())
def test_conservation_law_with_instantaneous_information_2_14(case):
    # I(X^n -> Y^n) + I(Y^n -> X^n) = I(X^n; Y^n) + I(X^n -> Y^n || DX^n)
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    left = directed_information(p, xs, ys) + directed_information(p, ys, xs)
    right = mutual_information(p, xs, ys) + instantaneous_information(p, xs, ys)
    assert close(left, right)


@given(sequence_pmfs())
def test_instantaneous_information_is_its_sum_form_and_symmetric_2_15(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    terms = [mutual_information(p, xs[i], ys[i], xs[:i] + ys[:i]) for i in range(len(xs))]
    value = instantaneous_information(p, xs, ys)
    assert close(value, sum(terms))
    assert close(value, instantaneous_information(p, ys, xs))
    assert close(value, causally_conditioned_directed_information(p, xs, ys, delayed(xs)))


@given(sequence_pmfs())
def test_di_splits_into_delayed_di_and_instantaneous_information_2_16(case):
    # I(X^n -> Y^n) = I(DX^n -> Y^n) + I(X^n -> Y^n || DX^n)
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    right = directed_information(p, xs, ys, delay=1) + instantaneous_information(p, xs, ys)
    assert close(directed_information(p, xs, ys), right)


@given(sequence_pmfs(with_z=True))
def test_causally_conditioned_di_splits_into_delayed_and_instantaneous_parts_2_17(case):
    # I(X^n -> Y^n || Z^n) = I(DX^n -> Y^n || Z^n) + I(X^n -> Y^n || DX^n, Z^n)
    p, xs, ys, zs = case.pmf, list(case.xs), list(case.ys), list(case.zs)
    left = causally_conditioned_directed_information(p, xs, ys, zs)
    right = directed_information(p, xs, ys, causal_given=zs, delay=1) + instantaneous_information(
        p, xs, ys, causal_given=zs
    )
    assert close(left, right)
    # the delayed term is sum_i I(X^{i-1}; Y_i | Y^{i-1}, Z^i)
    terms = [mutual_information(p, xs[:i], ys[i], ys[:i] + zs[: i + 1]) for i in range(1, len(ys))]
    assert close(directed_information(p, xs, ys, causal_given=zs, delay=1), sum(terms))


# ----------------------------------------------------------------- InfoMat
@given(sequence_pmfs())
def test_infomat_sums_give_mi_di_and_reverse_di_2_18_2_19(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    matrix = info_mat(p, xs, ys)
    n = len(xs)
    assert close(matrix.sum(), mutual_information(p, xs, ys))
    assert close(matrix[np.triu_indices(n)].sum(), directed_information(p, xs, ys))
    assert close(matrix[np.tril_indices(n, -1)].sum(), reverse_directed_information(p, xs, ys))


@given(sequence_pmfs())
def test_infomat_splits_mi_into_two_delayed_dis_and_instantaneous_information_2_20(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    matrix = info_mat(p, xs, ys)
    n = len(xs)
    assert close(np.trace(matrix), instantaneous_information(p, xs, ys))
    assert close(matrix[np.triu_indices(n, 1)].sum(), directed_information(p, xs, ys, delay=1))
    assert close(matrix[np.tril_indices(n, -1)].sum(), directed_information(p, ys, xs, delay=1))


@given(sequence_pmfs())
def test_infomat_entries_are_conditional_mutual_informations_and_rows_columns_sum_right(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    matrix = info_mat(p, xs, ys)
    n = len(xs)
    for i, j in itertools.product(range(n), range(n)):
        assert close(matrix[i, j], mutual_information(p, xs[i], ys[j], xs[:i] + ys[:j]))
    for i in range(n):
        assert close(matrix[i, :].sum(), mutual_information(p, xs[i], ys, xs[:i]))
    for j in range(n):
        assert close(matrix[:, j].sum(), mutual_information(p, xs, ys[j], ys[:j]))
        assert close(matrix[:j, j].sum(), transfer_entropy(p, xs[: j + 1], ys[: j + 1]))


# ----------------------------------------------------------------- transfer entropy
@given(sequence_pmfs())
def test_transfer_entropy_relation_2_30(case):
    # I(X^n -> Y^n) = sum_i [T_i(i-1, i-1) + I(X_i; Y_i | X^{i-1}, Y^{i-1})]
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    total = sum(
        transfer_entropy(p, xs[: i + 1], ys[: i + 1], k=i, l=i)
        + mutual_information(p, xs[i], ys[i], xs[:i] + ys[:i])
        for i in range(len(xs))
    )
    assert close(directed_information(p, xs, ys), total)


@given(sequence_pmfs(), st.data())
def test_transfer_entropy_is_a_conditional_mutual_information_2_29(case, data):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    n = len(ys)
    k = data.draw(st.integers(min_value=0, max_value=n - 1))
    l = data.draw(st.integers(min_value=0, max_value=n - 1))  # noqa: E741
    expected = mutual_information(p, xs[n - 1 - k : n - 1], ys[n - 1], ys[n - 1 - l : n - 1])
    assert close(transfer_entropy(p, xs, ys, k=k, l=l), expected)
    assert transfer_entropy(p, xs, ys, k=k, l=l) >= -TOL


@given(st.data())
def test_granger_noncausality_is_zero_delayed_causally_conditioned_di_2_31_2_32(data):
    # If Y_i depends only on (Y^{i-1}, Z^{i-1}) then I(DX^n -> Y^n || DZ^n) = 0 whatever X does.
    n = data.draw(st.integers(min_value=1, max_value=3))
    rng = np.random.default_rng(data.draw(st.integers(min_value=0, max_value=2**32 - 1)))
    names, kernels, prefix = [], [], []
    for i in range(1, n + 1):
        for name in (f"Z{i}", f"X{i}", f"Y{i}"):
            if name.startswith("Y"):
                # ignore all X's and the current Z: only past Z and past Y matter
                shape = tuple(
                    size if (past.startswith("Y") or (past.startswith("Z") and past != f"Z{i}")) else 1
                    for past, size in zip(names, prefix, strict=True)
                ) + (2,)
            else:
                shape = tuple(prefix) + (2,)
            weights = rng.gamma(1.0, size=shape) + 1e-12
            kernels.append(weights / weights.sum(axis=-1, keepdims=True))
            names.append(name)
            prefix.append(2)
    p = Pmf.from_kernels(names, kernels)
    xs, ys, zs = ([f"{v}{i}" for i in range(1, n + 1)] for v in "XYZ")
    assert close(directed_information(p, xs, ys, causal_given=delayed(zs), delay=1), 0.0)


# ----------------------------------------------------------------- invariances
@given(sequence_pmfs(), st.data())
def test_measures_are_invariant_under_relabelling_symbols(case, data):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    array = p.array
    for axis, size in enumerate(p.shape):
        permutation = data.draw(st.permutations(range(size)))
        array = np.take(array, permutation, axis=axis)
    q = Pmf(array, p.names)
    for measure in (directed_information, reverse_directed_information, mutual_information, instantaneous_information):
        assert close(measure(p, xs, ys), measure(q, xs, ys))
    assert close(causally_conditioned_entropy(p, ys, xs), causally_conditioned_entropy(q, ys, xs))


@given(sequence_pmfs(shuffle_axes=False), st.data())
def test_measures_do_not_depend_on_the_axis_order(case, data):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    q = p.reorder(data.draw(st.permutations(list(p.names))))
    assert close(directed_information(p, xs, ys), directed_information(q, xs, ys))
    assert np.allclose(info_mat(p, xs, ys), info_mat(q, xs, ys), atol=TOL)


@given(sequence_pmfs())
def test_bits_and_nats_differ_by_log_2(case):
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    assert close(directed_information(p, xs, ys, base="e"), directed_information(p, xs, ys) * math.log(2))
    assert close(entropy(p, ys, base=3), entropy(p, ys) / math.log2(3))


@given(sequence_pmfs())
def test_batched_small_joint_path_agrees_with_the_successive_marginalisation_path(case):
    # joints of at most SMALL_CELLS cells take a batched path; forcing the general path must not change values
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    fast = (directed_information(p, xs, ys), mutual_information(p, xs, ys), instantaneous_information(p, xs, ys))
    with patch.object(measures, "SMALL_CELLS", 0):
        general = (directed_information(p, xs, ys), mutual_information(p, xs, ys), instantaneous_information(p, xs, ys))
    assert all(close(a, b, 1e-12) for a, b in zip(fast, general, strict=True))


# ----------------------------------------------------------------- Shannon basics used above
@given(pmfs(max_variables=3, max_alphabet=4))
def test_entropy_lies_between_zero_and_log_of_the_alphabet(p):
    h = entropy(p, p.names)
    assert -TOL <= h <= math.log2(math.prod(p.shape)) + TOL


@given(pmfs(names=("A", "B", "C"), max_alphabet=3))
def test_mutual_information_is_symmetric_and_nonnegative(p):
    assert close(mutual_information(p, "A", "B", "C"), mutual_information(p, "B", "A", "C"))
    assert mutual_information(p, "A", "B", "C") >= -TOL
    assert close(mutual_information(p, "A", "B"), entropy(p, "A") + entropy(p, "B") - entropy(p, ["A", "B"]))


# ----------------------------------------------------------------- rates of stationary Markov chains
@given(markov_sequence_pmfs(max_n=4, min_n=2))
def test_di_rate_upper_bound_is_the_n_letter_di_increment_2_27(arg):
    # for n >= 2: H(Y_n | Y^{n-1}) - H(Y || X) = I(X^n; Y_n | Y^{n-1}) = I(X^n -> Y^n) - I(X^{n-1} -> Y^{n-1})
    transition, case = arg
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    n = len(xs)
    increment = directed_information(p, xs, ys) - directed_information(p, xs[:-1], ys[:-1])
    rate = directed_information_rate(transition, tol=0.0, max_horizon=n)
    assert close(rate.upper, increment, 1e-8)
    assert rate.lower <= rate.upper + TOL


@given(markov_sequence_pmfs(max_n=4))
def test_causally_conditioned_entropy_rate_is_reached_after_one_step_2_22(arg):
    # for a first-order pair chain H(Y_n | X^n, Y^{n-1}) is the same for every n >= 2
    _, case = arg
    p, xs, ys = case.pmf, list(case.xs), list(case.ys)
    values = [conditional_entropy(p, ys[i], xs[: i + 1] + ys[:i]) for i in range(1, len(ys))]
    assert all(close(v, values[0], 1e-8) for v in values)


@given(markov_chains(max_x=2, max_y=2))
def test_di_rate_is_transfer_entropy_rate_plus_instantaneous_rate(transition):
    # I(X -> Y) = T_inf + I_inf   (after (2.30))
    di = directed_information_rate(transition, tol=1e-7, max_horizon=12)
    te = transfer_entropy_rate(transition, tol=1e-7, max_horizon=12)
    inst = instantaneous_information_rate(transition)
    assert close(di.lower, te.lower + inst, 1e-8)
    assert close(di.upper, te.upper + inst, 1e-8)

"""Belief MDP of a unifilar FSC (Table 4.1), belief update (4.24), value iteration (4.29), Fig. 4.2."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dicert.verify.capacity.belief_mdp import (
    BeliefMDP,
    belief_update,
    ising_parameters,
    kuhn_interpolation,
    reward_bits,
    simplex_grid,
)
from dicert.verify.capacity.discover import cluster_beliefs, simulate_beliefs
from dicert.verify.channels import parse_channel
from dicert.verify.errors import InvalidInput


def ising_a() -> float:
    """The root a in (0, 1) of a^3 = (1 - a)^4 (sec. 4.3.4)."""
    roots = np.roots([1.0, -5.0, 6.0, -4.0, 1.0])  # (1-a)^4 - a^3
    return float(next(r.real for r in roots if abs(r.imag) < 1e-12 and 0 < r.real < 1))


ISING_CAPACITY = -0.5 * math.log2(ising_a())
TRAPDOOR_CAPACITY = math.log2((1 + math.sqrt(5)) / 2)


@pytest.fixture(scope="module")
def ising_mdp() -> BeliefMDP:
    return BeliefMDP(parse_channel("ising"), belief_resolution=200, action_resolution=50)


@pytest.mark.parametrize(("dim", "k"), [(1, 3), (2, 7), (3, 5), (4, 3)])
def test_simplex_grid_has_binomial_size_and_lies_on_simplex(dim: int, k: int) -> None:
    grid = simplex_grid(dim, k)
    assert len(grid) == math.comb(k + dim - 1, dim - 1)
    assert np.allclose(grid.sum(axis=1), 1.0) and np.all(grid >= 0)
    assert len(np.unique(np.round(grid * k).astype(int), axis=0)) == len(grid)


@given(st.integers(2, 4), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_kuhn_interpolation_is_exact_for_affine_functions(dim: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    beliefs = rng.dirichlet(np.full(dim, 0.7), size=5)
    coef = rng.normal(size=dim)
    grid = simplex_grid(dim, k)
    idx, w = kuhn_interpolation(beliefs, k)
    assert np.all(w >= -1e-12) and np.allclose(w.sum(axis=1), 1.0)
    assert np.allclose((grid[idx] * w[..., None]).sum(axis=1), beliefs, atol=1e-12)
    assert np.allclose(((grid @ coef)[idx] * w).sum(axis=1), beliefs @ coef, atol=1e-12)


@given(st.sampled_from(["trapdoor", "ising", "dicode-erasure"]), st.integers(0, 2**32 - 1))
def test_belief_update_is_bayes_rule_on_the_joint(name: str, seed: int) -> None:
    ch = parse_channel(name)
    law, nxt = np.asarray(ch.law), np.asarray(ch.next_state)
    ns, nx, ny = law.shape
    rng = np.random.default_rng(seed)
    beta = rng.dirichlet(np.ones(ns))
    action = rng.dirichlet(np.ones(nx), size=ns)
    p_y, nb = belief_update(law, nxt, beta, action)
    joint = np.zeros((ny, ns))  # P(y, s') by brute force over (s, x)
    for s in range(ns):
        for x in range(nx):
            for y in range(ny):
                joint[y, nxt[s, x, y]] += beta[s] * action[s, x] * law[s, x, y]
    assert np.allclose(p_y, joint.sum(axis=1))
    for y in range(ny):
        if p_y[y] > 1e-12:
            assert np.allclose(nb[y], joint[y] / p_y[y])


@given(st.sampled_from(["trapdoor", "ising", "dicode-erasure"]), st.integers(0, 2**32 - 1))
def test_reward_is_mutual_information_between_input_state_and_output(name: str, seed: int) -> None:
    ch = parse_channel(name)
    law = np.asarray(ch.law)
    ns, nx, ny = law.shape
    rng = np.random.default_rng(seed)
    beta = rng.dirichlet(np.ones(ns))
    action = rng.dirichlet(np.ones(nx), size=ns)
    joint = (beta[:, None, None] * action[:, :, None] * law).reshape(ns * nx, ny)  # P((s,x), y)
    px, py = joint.sum(axis=1), joint.sum(axis=0)
    mask = joint > 0
    mi = float((joint[mask] * np.log2(joint[mask] / np.outer(px, py)[mask])).sum())
    g = float(reward_bits(law, beta, action))
    assert abs(g - mi) < 1e-10 and -1e-12 <= g <= math.log2(ny) + 1e-12


def test_value_iteration_span_brackets_ising_capacity_estimate(ising_mdp: BeliefMDP) -> None:
    vi = ising_mdp.value_iteration(max_iter=2000, tol=1e-8)
    assert vi.rho_lower <= vi.rho_upper and vi.rho_upper - vi.rho_lower <= 1e-8
    assert abs(vi.rho - ISING_CAPACITY) < 1e-4  # discretisation error only
    lo, hi = vi.history[:, 0], vi.history[:, 1]
    assert np.all(lo <= hi + 1e-15)


def test_value_iteration_estimates_trapdoor_capacity() -> None:
    mdp = BeliefMDP(parse_channel("trapdoor"), belief_resolution=100, action_resolution=40)
    vi = mdp.value_iteration(max_iter=1000, tol=1e-8)
    assert abs(vi.rho - TRAPDOOR_CAPACITY) < 1e-3


def test_three_state_channel_value_iteration_estimates_qary_ising_capacity() -> None:
    # Thm 4.6.1: C = 1/2 log2(1/p), p the root in (0,1) of x^4 - ((q-1)^4 + 4) x^3 + 6 x^2 - 4 x + 1
    q = 3
    roots = np.roots([1.0, -((q - 1) ** 4 + 4), 6.0, -4.0, 1.0])
    p = next(r.real for r in roots if abs(r.imag) < 1e-12 and 0 < r.real < 1)
    mdp = BeliefMDP(parse_channel("ising:q=3"), belief_resolution=10, action_resolution=4)
    assert mdp.beliefs.shape == (66, 3)
    vi = mdp.value_iteration(max_iter=300, tol=1e-7)
    assert abs(vi.rho - 0.5 * math.log2(1 / p)) < 0.05  # coarse grids: a rough estimate


def test_fig_4_2_h20_delta_gamma_and_four_state_histogram(ising_mdp: BeliefMDP) -> None:
    """Fig. 4.2: 20 iterations of (4.31) from h_0 = 0, maximisers, and 4 visited MDP states."""
    h19 = ising_mdp.value_iteration(max_iter=19, tol=0.0, relative=False).h
    h20, act = ising_mdp.bellman(h19)
    z = ising_mdp.beliefs[:, 0]
    # h_20 is symmetric and concave-looking, about 20 rho* high
    assert np.allclose(h20, h20[::-1], atol=1e-9)
    assert 19 * ISING_CAPACITY < h20.min() < h20.max() < 21 * ISING_CAPACITY
    delta, gamma = ising_parameters(ising_mdp.beliefs, ising_mdp.actions[act])
    # gamma*(z) = delta*(1 - z) (the symmetry used to guess the solution) and delta* = z for small z
    assert np.allclose(gamma, delta[::-1], atol=1e-9)
    small = z < 0.55
    assert np.allclose(delta[small], z[small], atol=1e-9)
    assert np.all((delta >= -1e-12) & (delta <= z + 1e-12))
    # Monte Carlo under the maximisers: the beliefs settle on 4 states
    path = simulate_beliefs(ising_mdp, h19, 4000, rng=3)
    _, centres, masses = cluster_beliefs(path.beliefs[200:], radius=0.03)
    assert masses[:4].sum() > 0.999 and len(masses) <= 5
    a = ising_a()
    expected = np.array([0.0, (1 - a) / (1 + a), 2 * a / (1 + a), 1.0])
    assert np.allclose(np.sort(centres[:4, 0]), expected, atol=0.02)
    assert abs(path.rewards[200:].mean() - ISING_CAPACITY) < 0.01


def test_invalid_resolutions_raise() -> None:
    with pytest.raises(InvalidInput, match="belief_resolution"):
        BeliefMDP(parse_channel("ising"), belief_resolution=0)
    with pytest.raises(InvalidInput, match="h0"):
        BeliefMDP(parse_channel("ising"), belief_resolution=4, action_resolution=2).value_iteration(h0=np.zeros(3))

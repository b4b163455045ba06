"""RL feedback capacity (monograph sec. 4.6): belief-MDP environment, POU, Q-graph from the policy."""

from __future__ import annotations

import json

import mpmath
import numpy as np
import pytest

pytest.importorskip("jax")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dicert.proofs.cli import run  # noqa: E402
from dicert.verify.capacity.belief_mdp import belief_update, reward_bits  # noqa: E402
from dicert.verify.channels import parse_channel  # noqa: E402
from dicert.verify.errors import InvalidInput  # noqa: E402
from dicert.verify.neural.rl import BeliefEnvironment, PolicyNetwork, simulate_policy, train_pou  # noqa: E402

# published constants: Elishco-Permuter (2014) -1/2 log2 a, a^3 = (1-a)^4; Permuter et al. (2008) log2 golden ratio
ISING = float(-0.5 * mpmath.log(mpmath.findroot(lambda a: a**3 - (1 - a) ** 4, 0.4), 2))
TRAPDOOR = float(np.log2((1 + np.sqrt(5)) / 2))


@settings(max_examples=25, deadline=None)
@given(
    name=st.sampled_from(["ising", "trapdoor", "ising:q=3", "bec-noc:eps=0.3", "post:a=0.2"]),
    seed=st.integers(0, 2**31 - 1),
)
def test_environment_step_equals_bcjr_update_4_24_and_reward_I_XS_Y(name: str, seed: int) -> None:
    ch = parse_channel(name)
    env = BeliefEnvironment.from_channel(ch)
    gen = np.random.default_rng(seed)
    beta = gen.dirichlet(np.ones(env.n_states))
    pi = gen.dirichlet(np.ones(env.n_inputs), size=env.n_states) * np.asarray(env.allowed)
    pi /= pi.sum(axis=1, keepdims=True)
    p_y, nb, r = env.step(beta, pi)
    p_ref, nb_ref = belief_update(ch.law, ch.next_state, beta, pi)
    np.testing.assert_allclose(np.asarray(p_y), p_ref, atol=1e-6)
    positive = p_ref > 1e-6
    np.testing.assert_allclose(np.asarray(nb)[positive], nb_ref[positive], atol=1e-5)
    assert float(r) == pytest.approx(float(reward_bits(ch.law, beta, pi)), abs=1e-5)


def test_training_is_deterministic_under_a_seed_and_seeds_are_vmapped() -> None:
    ch = parse_channel("ising")
    kwargs = dict(updates=30, seeds=2, batch=16, horizon=5, hidden=8, evaluation_chains=8, evaluation_steps=50)
    first, second = train_pou(ch, rng=3, **kwargs), train_pou(ch, rng=3, **kwargs)
    assert first.rho_mc == second.rho_mc and first.seed_values == second.seed_values
    assert len(first.seed_values) == 2 and first.seed_values[0] != first.seed_values[1]
    probe = np.array([0.3, 0.7])
    np.testing.assert_array_equal(first.policy(probe), second.policy(probe))
    other = train_pou(ch, rng=4, **kwargs)
    assert other.rho_mc != first.rho_mc


def test_policy_respects_input_constraints_and_simulation_uses_it() -> None:
    ch = parse_channel("bec-noc:eps=0.3")  # no consecutive ones: x = 1 forbidden after a one
    env = BeliefEnvironment.from_channel(ch)
    policy = PolicyNetwork.initial(env, hidden=8, layers=1, rng=0)
    pi = policy(np.full(env.n_states, 1.0 / env.n_states))
    assert np.all(pi[~np.asarray(env.allowed)] == 0) and np.allclose(pi.sum(axis=1), 1)
    path = simulate_policy(ch, policy, 50, rng=1)
    assert np.allclose(path.beliefs.sum(axis=1), 1) and path.rewards.min() >= -1e-12


def test_bad_training_options_raise_invalid_input_naming_the_field() -> None:
    ch = parse_channel("ising")
    for kwargs, field in (({"horizon": 0}, "horizon"), ({"seeds": 0}, "seeds"), ({"learning_rate": -1.0},
                          "learning_rate"), ({"batch": 1}, "batch")):
        with pytest.raises(InvalidInput, match=f"^{field}:"):
            train_pou(ch, **kwargs)


def test_rl_cli_bad_options_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["neural", "rl", "ising", "--updates", "0"]) == 2
    assert run(["discover", "ising", "--method", "dp"]) == 2
    err = capsys.readouterr().err
    assert "--updates" in err and "--method" in err


@pytest.mark.slow
def test_rl_value_is_within_1e3_of_the_trapdoor_capacity() -> None:
    result = train_pou(parse_channel("trapdoor"), updates=800, seeds=1, rng=0)
    assert abs(result.rho_mc - TRAPDOOR) < 1e-3, (result.rho_mc, TRAPDOOR)


@pytest.mark.slow
def test_discover_ising_method_rl_certify_matches_value_iteration_bracket(capsys: pytest.CaptureFixture[str]) -> None:
    """RL policy -> Q-graph -> certified bracket; the RL value is within 1e-3 of the capacity."""
    assert run(["discover", "ising", "--method", "rl", "--certify", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    lower, upper = float(out["certified_lower"]), float(out["certified_upper"])
    assert lower <= ISING <= upper and upper - lower < 1e-9, (lower, upper)
    assert out["graph"]["phi"] == [[1, 2], [0, 2], [0, 3], [0, 2]]  # the graph value iteration finds (Fig. 4.4)
    assert abs(out["rl"]["rho_mc_estimate"] - ISING) < 1e-3

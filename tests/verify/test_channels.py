"""Channel types, the built-in library, the spec parser and JSON channel files."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dicert.verify.channels import (
    BUILTIN_CHANNELS,
    DMC,
    FiniteStateChannel,
    UnifilarFSC,
    as_unifilar,
    bec,
    bec_noc_channel,
    bsc,
    bsc_noc_channel,
    channel_from_json,
    channel_spec,
    channel_to_json,
    dicode_erasure_channel,
    gilbert_elliott_channel,
    ising_channel,
    load_channel,
    parse_channel,
    post_channel,
    save_channel,
    trapdoor_channel,
    z_channel,
)
from dicert.verify.errors import InvalidChannel, InvalidInput
from dicert.verify.strategies.channels import dmcs, finite_state_channels, random_rows, unifilar_fscs

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _fsc_from_rule(n_states: int, n_inputs: int, n_outputs: int, rule) -> np.ndarray:
    """law[s, x, y, s2] from ``rule(s, x) -> [(probability, y, s2), ...]``."""
    law = np.zeros((n_states, n_inputs, n_outputs, n_states))
    for s in range(n_states):
        for x in range(n_inputs):
            for prob, y, s2 in rule(s, x):
                law[s, x, y, s2] += prob
    return law


# ---------------------------------------------------------------------------
# built-ins against independent descriptions of the papers' channels
# ---------------------------------------------------------------------------


def test_trapdoor_equals_the_two_balls_picked_uniformly() -> None:
    # one of the two balls {x, s} leaves as the output, the other one stays
    expected = _fsc_from_rule(2, 2, 2, lambda s, x: [(0.5, x, s), (0.5, s, x)])
    np.testing.assert_array_equal(trapdoor_channel().to_fsc().law, expected)


@pytest.mark.parametrize("q", [2, 3, 5])
def test_ising_is_output_input_or_state_with_half_and_next_state_input(q: int) -> None:
    expected = _fsc_from_rule(q, q, q, lambda s, x: [(0.5, x, x), (0.5, s, x)])
    ch = ising_channel(q)
    np.testing.assert_array_equal(ch.to_fsc().law, expected)
    assert ch.params == {"q": q} and ch.allowed is None


@pytest.mark.parametrize("a", [0.0, 0.3, 1.0])
def test_post_is_z_channel_in_state_0_and_s_channel_in_state_1(a: float) -> None:
    ch = post_channel(a)
    np.testing.assert_allclose(ch.law[0], [[1, 0], [a, 1 - a]])  # Z channel
    np.testing.assert_allclose(ch.law[1], [[1 - a, a], [0, 1]])  # S channel
    assert (ch.next_state == np.arange(2)[None, None, :]).all()  # previous output is the state


@pytest.mark.parametrize("builder, noise", [(bec_noc_channel, bec(0.2).matrix), (bsc_noc_channel, bsc(0.2).matrix)])
def test_no_consecutive_ones_channels_forbid_one_after_one_and_track_the_input(builder, noise) -> None:
    ch = builder(0.2)
    assert ch.allowed.tolist() == [[True, True], [True, False]]
    for s in range(2):
        np.testing.assert_allclose(ch.law[s], noise)
        assert (ch.next_state[s] == np.arange(2)[:, None]).all()


def test_dicode_erasure_outputs_input_difference_or_erasure() -> None:
    eps = 0.25
    symbol = {-1: 0, 0: 1, 1: 2}
    expected = _fsc_from_rule(2, 2, 4, lambda s, x: [(1 - eps, symbol[x - s], x), (eps, 3, x)])
    np.testing.assert_allclose(dicode_erasure_channel(eps).to_fsc().law, expected)


def test_gilbert_elliott_is_state_markov_chain_times_state_dependent_bsc() -> None:
    ch = gilbert_elliott_channel(g=0.2, b=0.4, pg=0.05, pb=0.45)
    moves = np.array([[0.8, 0.2], [0.4, 0.6]])
    for s, crossover in enumerate((0.05, 0.45)):
        for x in range(2):
            for y in range(2):
                flip = crossover if y != x else 1 - crossover
                np.testing.assert_allclose(ch.law[s, x, y], flip * moves[s])
    assert not ch.is_unifilar()
    with pytest.raises(InvalidChannel, match="not unifilar"):
        as_unifilar(ch)


def test_memoryless_channels_have_their_textbook_matrices() -> None:
    np.testing.assert_allclose(bsc(0.1).matrix, [[0.9, 0.1], [0.1, 0.9]])
    np.testing.assert_allclose(bec(0.3).matrix, [[0.7, 0, 0.3], [0, 0.7, 0.3]])
    np.testing.assert_allclose(z_channel(0.2).matrix, [[1, 0], [0.2, 0.8]])


@pytest.mark.parametrize("name", sorted(BUILTIN_CHANNELS))
def test_every_builtin_builds_with_defaults_cites_a_source_and_round_trips_its_spec(name: str) -> None:
    entry = BUILTIN_CHANNELS[name]
    ch = parse_channel(name)
    assert ch.name == name and ch.params == entry.defaults
    assert "monograph" in ch.source or "Shannon" in ch.source or "Elias" in ch.source or "Golomb" in ch.source
    assert len(ch.source) > 20 and entry.reference and entry.description
    assert parse_channel(channel_spec(ch)) == ch
    assert {"dmc": DMC, "fsc": FiniteStateChannel, "unifilar": UnifilarFSC}[entry.kind] is type(ch)


# ---------------------------------------------------------------------------
# spec parsing
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec, attribute, value",
    [
        ("ising:q=4", "n_inputs", 4),
        ("ISING : q=3", "n_inputs", 3),
        ("post:a=0.3", "params", {"a": 0.3}),
        ("bec-noc:eps=0.5", "params", {"eps": 0.5}),
        ("bec_noc:eps=0.25", "params", {"eps": 0.25}),
        ("bsc:p=0.1", "params", {"p": 0.1}),
        ("gilbert-elliott:g=0.2,pb=0.4", "params", {"g": 0.2, "b": 0.3, "pg": 0.01, "pb": 0.4}),
    ],
)
def test_parse_channel_reads_names_and_parameters(spec: str, attribute: str, value) -> None:
    assert getattr(parse_channel(spec), attribute) == value


@pytest.mark.parametrize(
    "spec, message",
    [
        ("isnig", r"channel: unknown built-in 'isnig'; expected one of bec, .*trapdoor, .*z, or a path"),
        ("ising:r=3", r"ising: unknown parameter 'r'; allowed: q"),
        ("trapdoor:q=3", r"trapdoor: unknown parameter 'q'; allowed: none"),
        ("ising:q=two", r"ising:q: expected an integer, got 'two'"),
        ("ising:q=1", r"ising:q: expected an integer alphabet size >= 2, got 1"),
        ("post:a=1.5", r"post:a: expected a probability in \[0, 1\]"),
        ("post:a", r"post: expected parameters as key=value, got 'a'"),
        ("post:a=0.1,a=0.2", r"post:a: given twice"),
        ("", r"channel: expected a built-in name"),
        ("missing/channel.json", r"channel.json: channel file not found"),
    ],
)
def test_parse_channel_rejects_bad_specs_naming_the_field(spec: str, message: str) -> None:
    with pytest.raises(InvalidChannel, match=message) as info:
        parse_channel(spec)
    assert isinstance(info.value, InvalidInput) and "\n" not in str(info.value)


def test_parse_channel_reads_a_json_path() -> None:
    assert parse_channel(EXAMPLES / "trapdoor.json").fingerprint == trapdoor_channel().fingerprint
    assert parse_channel(str(EXAMPLES / "z_channel.json")).fingerprint == z_channel(0.5).fingerprint


# ---------------------------------------------------------------------------
# validation in the constructors
# ---------------------------------------------------------------------------

_LAW2 = np.array([[[1.0, 0.0], [0.5, 0.5]], [[0.5, 0.5], [0.0, 1.0]]])
_NEXT2 = np.array([[[0, 0], [1, 1]], [[0, 0], [1, 1]]])


@pytest.mark.parametrize(
    "build, message",
    [
        (lambda: UnifilarFSC([[[0.9, 0.0]]], [[[0, 0]]]), r"^law\[s=0, x=0\]: sums to 0.9, expected 1$"),
        (lambda: UnifilarFSC([[[1.1, -0.1]]], [[[0, 0]]]), r"^law\[s=0, x=0, y=1\]: entry -0.1 is negative"),
        (lambda: UnifilarFSC([[[np.nan, 1.0]]], [[[0, 0]]]), r"^law\[s=0, x=0, y=0\]: entry nan is not finite"),
        (lambda: UnifilarFSC(_LAW2, _NEXT2 * 2), r"^next_state\[s=0, x=1, y=0\]: state 2 out of range 0..1$"),
        (lambda: UnifilarFSC(_LAW2, _NEXT2[:, :, :1]), r"^next_state: expected shape \(states, inputs, outputs\)"),
        (lambda: UnifilarFSC(_LAW2, _NEXT2 + 0.5), r"^next_state: expected integer states"),
        (lambda: UnifilarFSC(_LAW2[0], _NEXT2), r"^law: expected a 3-d array indexed \[s, x, y\]"),
        (lambda: UnifilarFSC(_LAW2, _NEXT2, [[True, True], [False, False]]), r"^allowed\[s=1\]: no input is allowed"),
        (lambda: UnifilarFSC(_LAW2, _NEXT2, [[True, True]]), r"^allowed: expected shape \(states, inputs\) = \(2, 2\)"),
        (lambda: UnifilarFSC(_LAW2, _NEXT2, name=""), r"^name: expected a non-empty string"),
        (lambda: UnifilarFSC(_LAW2, _NEXT2, params=[1]), r"^params: expected a mapping"),
        (lambda: DMC([[0.5, 0.6]]), r"^matrix\[x=0\]: sums to 1.1, expected 1$"),
        (lambda: DMC([[1.0], [1.0, 0.0]]), r"^matrix: expected a 2-d array of probabilities .*ragged"),
        (lambda: DMC(np.zeros((0, 2))), r"^matrix: every axis \[x, y\] needs at least one entry"),
        (lambda: FiniteStateChannel(np.full((2, 1, 1, 3), 1 / 3)), r"^law: expected shape \(S, X, Y, S\)"),
        (lambda: FiniteStateChannel(np.full((1, 1, 2, 1), 0.4)), r"^law\[s=0, x=0\]: sums to 0.8, expected 1$"),
    ],
)
def test_constructors_reject_malformed_channels_with_one_line_field_messages(build, message: str) -> None:
    with pytest.raises(InvalidChannel, match=message) as info:
        build()
    assert "\n" not in str(info.value)


def test_row_sums_within_tolerance_are_accepted() -> None:
    DMC([[0.5, 0.5 + 1e-12]])
    with pytest.raises(InvalidChannel):
        DMC([[0.5, 0.5 + 1e-6]])


def test_channels_are_frozen_with_read_only_arrays() -> None:
    ch = ising_channel()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ch.name = "other"  # type: ignore[misc]
    with pytest.raises(ValueError):
        ch.law[0, 0, 0] = 0.0
    with pytest.raises(ValueError):
        ch.next_state[0, 0, 0] = 1


def test_all_true_constraint_is_stored_as_unconstrained() -> None:
    ch = UnifilarFSC(_LAW2, _NEXT2, np.ones((2, 2), dtype=bool))
    assert ch.allowed is None and ch == UnifilarFSC(_LAW2, _NEXT2)
    assert ch.allowed_mask.all()


def test_equality_and_hash_follow_the_arrays_and_metadata() -> None:
    assert ising_channel() == ising_channel() and hash(ising_channel()) == hash(ising_channel())
    assert ising_channel() != post_channel(0.5)
    assert post_channel(0.3) != post_channel(0.4)
    assert len({bsc(0.1), bsc(0.1), bsc(0.2)}) == 2


# ---------------------------------------------------------------------------
# conversions (Hypothesis)
# ---------------------------------------------------------------------------


@given(unifilar_fscs())
def test_unifilar_to_fsc_and_back_is_identity_on_the_support(ch: UnifilarFSC) -> None:
    fsc = ch.to_fsc()
    assert fsc.is_unifilar()
    back = fsc.to_unifilar()
    np.testing.assert_array_equal(back.law, ch.law)
    support = ch.law > 0
    np.testing.assert_array_equal(back.next_state[support], ch.next_state[support])
    assert back.allowed_mask.tolist() == ch.allowed_mask.tolist()


@given(unifilar_fscs())
def test_fsc_law_of_unifilar_marginalises_to_output_law_and_puts_mass_on_next_state(ch: UnifilarFSC) -> None:
    law4 = ch.to_fsc().law
    np.testing.assert_array_equal(law4.sum(axis=3), ch.law)
    s, x, y = np.indices(ch.law.shape)
    np.testing.assert_array_equal(law4[s, x, y, ch.next_state], ch.law)


@given(dmcs())
def test_dmc_as_one_state_unifilar_has_the_same_law(ch: DMC) -> None:
    u = as_unifilar(ch)
    assert u.n_states == 1 and (u.next_state == 0).all()
    np.testing.assert_array_equal(u.law[0], ch.matrix)
    np.testing.assert_array_equal(ch.to_fsc().law[0, :, :, 0], ch.matrix)


@given(st.one_of(dmcs(), unifilar_fscs(), finite_state_channels()))
def test_json_round_trip_is_identity(ch) -> None:
    text = json.dumps(channel_to_json(ch))
    assert channel_from_json(json.loads(text)) == ch


@given(finite_state_channels(sparsity=0.0, max_states=3))
def test_dense_fsc_with_several_states_is_not_unifilar(ch: FiniteStateChannel) -> None:
    assert ch.is_unifilar() == (ch.n_states == 1)


def test_random_rows_is_deterministic_in_rng_and_keeps_one_entry_per_row() -> None:
    a = random_rows(np.random.default_rng(7), (50, 3), sparsity=0.99)
    b = random_rows(np.random.default_rng(7), (50, 3), sparsity=0.99)
    np.testing.assert_array_equal(a, b)
    assert np.allclose(a.sum(axis=1), 1) and (np.count_nonzero(a, axis=1) >= 1).all()


# ---------------------------------------------------------------------------
# JSON channel files
# ---------------------------------------------------------------------------


def test_example_files_equal_the_builtins() -> None:
    assert load_channel(EXAMPLES / "trapdoor.json").fingerprint == trapdoor_channel().fingerprint
    ge = load_channel(EXAMPLES / "gilbert_elliott.json")
    np.testing.assert_allclose(ge.law, gilbert_elliott_channel().law, atol=1e-15)
    assert load_channel(EXAMPLES / "z_channel.json").fingerprint == z_channel(0.5).fingerprint
    skewed = load_channel(EXAMPLES / "skewed_ising.json")
    assert skewed.allowed.tolist() == [[True, True], [True, False]] and skewed.params == {"p_state": 0.3}


def test_save_then_load_gives_the_same_channel(tmp_path: Path) -> None:
    for ch in (trapdoor_channel(), bec_noc_channel(0.3), gilbert_elliott_channel(), bsc(0.2)):
        path = tmp_path / f"{ch.name}.json"
        save_channel(ch, path)
        assert load_channel(path) == ch


def _unifilar_json(**changes) -> dict:
    data = channel_to_json(trapdoor_channel())
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "data, message",
    [
        ([1, 2], r"^channel file: expected a JSON object, got list$"),
        ({"type": "markov"}, r"^type: expected one of unifilar, fsc, dmc, builtin, got 'markov'$"),
        (_unifilar_json(colour="red"), r"^colour: unknown key for a 'unifilar' channel; allowed: allowed, "),
        ({k: v for k, v in _unifilar_json().items() if k != "next_state"}, r"^next_state: missing; a 'unifilar'"),
        (_unifilar_json(states=0), r"^states: expected a positive integer, got 0$"),
        (_unifilar_json(states=3), r"^law: expected 3 entries \(one per s\), got 2$"),
        (_unifilar_json(law=[[[1, 0], [0.5, 0.4]], [[0.5, 0.5], [0, 1]]]), r"^law\[s=0, x=1\]: sums to 0.9, expected 1$"),
        (_unifilar_json(law=[[[1, 0], [0.5, "half"]], [[0.5, 0.5], [0, 1]]]), r"^law\[s=0, x=1, y=1\]: expected a number"),
        (_unifilar_json(law=[[[1, 0], [0.5, True]], [[0.5, 0.5], [0, 1]]]), r"^law\[s=0, x=1, y=1\]: expected a number"),
        (_unifilar_json(next_state=[[[0, 0], [1, 2]], [[0, 0], [1, 1]]]), r"^next_state\[s=0, x=1, y=1\]: state 2 out of range"),
        (_unifilar_json(next_state=[[[0, 0], [1, 0.5]], [[0, 0], [1, 1]]]), r"^next_state\[s=0, x=1, y=1\]: expected an integer"),
        (_unifilar_json(allowed=[[True, 1], [True, True]]), r"^allowed\[s=0, x=1\]: expected true or false, got 1$"),
        (_unifilar_json(allowed=[[False, False], [True, True]]), r"^allowed\[s=0\]: no input is allowed"),
        (_unifilar_json(params=[1]), r"^params: expected a JSON object, got list$"),
        ({"type": "dmc", "inputs": 2, "outputs": 2, "matrix": [[1, 0]]}, r"^matrix: expected 2 entries \(one per x\)"),
        ({"type": "fsc", "states": 1, "inputs": 1, "outputs": 1, "law": [[[1]]]}, r"^law\[s=0, x=0, y=0\]: expected a list over s2"),
    ],
)
def test_channel_files_are_validated_with_field_naming_messages(data, message: str) -> None:
    with pytest.raises(InvalidChannel, match=message):
        channel_from_json(data)


def test_load_channel_prefixes_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(_unifilar_json(law=[[[1, 0], [0.5, 0.4]], [[0.5, 0.5], [0, 1]]])))
    with pytest.raises(InvalidChannel, match=r"^bad.json: law\[s=0, x=1\]: sums to 0.9, expected 1$"):
        load_channel(path)
    path.write_text("{not json")
    with pytest.raises(InvalidChannel, match=r"^.*bad.json: invalid JSON at line 1 column 2"):
        load_channel(path)


def test_fraction_strings_are_exact() -> None:
    ch = channel_from_json({"type": "dmc", "inputs": 1, "outputs": 3, "matrix": [["1/3", "1/3", "1/3"]]})
    assert ch.matrix[0, 0] == 1 / 3

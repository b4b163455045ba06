"""Channel-file keys added for delayed feedback, RLL constraints and families; the example files."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dicert.verify.channels import channel_from_json, load_channel, parse_channel
from dicert.verify.errors import InvalidChannel

BEC = {"type": "dmc", "inputs": 2, "outputs": 3, "matrix": [["1/2", 0, "1/2"], [0, "1/2", "1/2"]]}


@pytest.mark.parametrize(
    "path, builtin",
    [
        ("examples/trapdoor_delay2.json", "trapdoor:delay=2"),
        ("examples/bec_rll_d2.json", "bec-rll:d=2,k=inf,eps=0.5"),
        ("examples/chemical_k3.json", "chemical:k=3"),
        ("examples/nost.json", "nost:a=0.5,r=0.1"),
    ],
)
def test_example_files_are_the_builtin_channels(path, builtin):
    from_file, reference = load_channel(path), parse_channel(builtin)
    assert type(from_file) is type(reference)
    assert np.allclose(from_file.law, reference.law, atol=1e-12)
    for attr in ("next_state", "allowed"):
        a, b = getattr(from_file, attr, None), getattr(reference, attr, None)
        assert (a is None and b is None) or np.array_equal(a, b)


def test_rll_key_on_any_binary_input_dmc():
    z = {"type": "dmc", "inputs": 2, "outputs": 2, "matrix": [[1, 0], ["1/2", "1/2"]], "rll": {"d": 1, "k": 3}}
    ch = channel_from_json(z)
    assert ch.n_states == 4 and ch.allowed.tolist() == [[True, False], [True, True], [True, True], [False, True]]
    assert channel_from_json({**BEC, "rll": {"d": 2}}).n_states == 3  # k defaults to "inf"


def test_builtin_type_with_delay():
    ch = channel_from_json({"type": "builtin", "builtin": "bsc-rll", "params": {"d": 1, "k": "inf", "p": 0.1},
                            "delay": 2})
    assert ch.params == {"d": 1, "k": float("inf"), "p": 0.1, "delay": 2}


@pytest.mark.parametrize(
    "data, message",
    [
        ({**BEC, "rll": {"d": 2, "k": 1}}, r"rll:k: expected k > d"),
        ({**BEC, "rll": {"d": -1}}, r"rll:d: expected an integer in \[0, 255\]"),
        ({**BEC, "rll": {"d": 1, "k": "many"}}, r'rll:k: expected an integer or "inf"'),
        ({**BEC, "rll": [2]}, r'rll: expected an object \{"d": D, "k": K\}'),
        ({**BEC, "rll": {"d": 1, "max": 3}}, r'rll: expected an object'),
        ({"type": "dmc", "inputs": 3, "outputs": 1, "matrix": [[1], [1], [1]], "rll": {"d": 1}},
         "rll: a \\(d,k\\)-RLL constraint needs a binary-input channel"),
        ({**BEC, "delay": 0}, "delay: expected an integer >= 1"),
        ({"type": "unifilar", "states": 1, "inputs": 1, "outputs": 1, "law": [[[1]]], "next_state": [[[0]]],
          "rll": {"d": 1}}, "rll: unknown key for a 'unifilar' channel"),
        ({"type": "builtin", "builtin": "chem"}, "builtin: expected one of bec, "),
        ({"type": "builtin"}, "builtin: missing"),
        ({"type": "builtin", "builtin": "chemical", "params": {"k": [3]}}, "params.k: expected a number"),
        ({"type": "builtin", "builtin": "chemical", "params": {"balls": 3}}, "chemical: unknown parameter 'balls'"),
        ({"type": "builtin", "builtin": "chemical", "params": {"k": "three"}}, "chemical:k: expected an integer"),
        ({"type": "builtin", "builtin": "chemical", "matrix": []}, "matrix: unknown key for a 'builtin' channel"),
    ],
)
def test_new_channel_file_fields_have_errors_naming_the_field(data, message):
    with pytest.raises(InvalidChannel, match=message):
        channel_from_json(data)


def test_load_channel_prefixes_the_file_name(tmp_path):
    path = tmp_path / "bad_rll.json"
    path.write_text(json.dumps({**BEC, "rll": {"d": 3, "k": 2}}))
    with pytest.raises(InvalidChannel, match=r"^bad_rll.json: rll:k: expected k > d"):
        load_channel(path)

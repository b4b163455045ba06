"""``dicert certify`` and the registry: exit codes, JSON, --check, --latex, soundness of re-verification."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dicert.proofs import registry
from dicert.proofs.cli import run


@pytest.mark.parametrize(("claim", "code"), [("0.5756", 1), ("0.5755215", 1), ("0.57552", 0), ("0.5755216", 0)])
def test_ising_claims_exit_codes(claim: str, code: int, capsys) -> None:
    assert run(["certify", "ising", "--claim", claim]) == code
    err = capsys.readouterr().err
    assert ("refuted" in err) == (code == 1)


def test_undecided_claim_exits_1_and_says_so(capsys) -> None:
    assert run(["certify", "ising", "--digits", "5", "--claim", "0.5755215741680578"]) == 1
    assert "undecided" in capsys.readouterr().err


def test_json_output_has_the_documented_keys(capsys) -> None:
    assert run(["certify", "ising", "--digits", "1000", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("value", "interval", "verified", "checks", "seconds", "upper", "lower", "gap"):
        assert key in out
    assert out["verified"] and isinstance(out["value"], str) and len(out["interval"]) == 2
    assert float(out["gap"]) < 1e-9


@pytest.mark.parametrize("args", [["trapdoor"], ["ising_q", "--q", "3"], ["ising_q:q=5"], ["bec-noc", "--eps", "1/3"]])
def test_other_results_return_verified_intervals(args: list[str], capsys) -> None:
    assert run(["certify", *args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verified"] and out["cited"]["interval"][0] <= out["cited"]["interval"][1]
    if out["interval"] is None:                           # C_fb = closed form is cited, nothing proven about C_fb
        assert out["value"] is None and out["proven"]["upper"] is None
    else:
        # a string, or a JSON number when at most 15 digits are proven (first-principles brackets, issue 12)
        assert isinstance(out["value"], (str, float)) and out["interval"][0] <= out["interval"][1]


def test_short_values_are_json_numbers(capsys) -> None:
    assert run(["certify", "trapdoor", "--digits", "10", "--json"]) == 0
    assert isinstance(json.loads(capsys.readouterr().out)["value"], float)


def test_all_lists_every_registered_result_as_verified(capsys) -> None:
    assert run(["certify", "--all", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["verified"]
    assert {r["result"] for r in out["results"]} == set(registry.names())
    assert all(r["verified"] for r in out["results"])


@pytest.mark.parametrize(
    "args",
    [["certify", "nosuch"], ["certify", "ising_q", "--q", "9"], ["certify", "ising", "--claim", "abc"],
     ["certify"], ["certify", "ising", "--q", "3"], ["certify", "ising", "--digits", "0"]],
)
def test_bad_input_exits_2_with_one_line(args: list[str], capsys) -> None:
    assert run(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1


def test_out_then_check_reverifies_and_tampering_is_detected(tmp_path: Path, capsys) -> None:
    path = tmp_path / "ising.json"
    assert run(["certify", "ising", "--digits", "60", "--out", str(path)]) == 0
    capsys.readouterr()
    assert run(["certify", "--check", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verified"]
    original = json.loads(path.read_text())

    def tampered(mutate) -> int:
        data = json.loads(json.dumps(original))
        mutate(data)
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(data))
        return run(["certify", "--check", str(bad)])

    def shift_interval(d):
        d["interval"] = ["0.5755", "0.5756"]

    def forge_flag(d):
        d["witness"]["upper"]["value"][0][0] = "0"

    def other_closed_form(d):
        d["cited"]["value"] = "0.5"

    def drop_check(d):
        d["checks"] = [c for c in d["checks"] if c["name"] != "closed_form_identity"]

    def other_channel(d):
        d["channel"]["law"][0][1] = ["1/3", "2/3"]

    for mutate in (shift_interval, forge_flag, other_closed_form, drop_check, other_channel):
        assert tampered(mutate) == 1, mutate.__name__


def test_check_of_missing_or_invalid_file_is_bad_input(tmp_path: Path) -> None:
    assert run(["certify", "--check", str(tmp_path / "none.json")]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert run(["certify", "--check", str(bad)]) == 2


def test_latex_export_has_theorem_proof_and_table_row(tmp_path: Path) -> None:
    path = tmp_path / "ising.tex"
    assert run(["certify", "ising", "--latex", str(path)]) == 0
    text = path.read_text()
    assert "\\begin{theorem}" in text and "\\begin{proof}" in text and text.rstrip().endswith("\\end{document}")
    assert "\\begin{tabular}" in text  # the table row, inside a tabular: the file compiles by itself


def test_registry_entries_state_their_sources() -> None:
    for name in registry.names():
        entry = registry.get(name)
        assert entry.source and entry.description
        assert registry.build(name, digits=12, **entry.instances[0]).verified


@pytest.mark.parametrize(("name", "params"), [("ising", {}), ("trapdoor", {}), ("ising_q", {"q": 4}),
                                              ("bec_noc", {"eps": "1/3"})])
def test_every_certificate_rechecks_and_fails_on_a_perturbed_input(name: str, params: dict) -> None:
    stored = registry.build(name, digits=40, **params).to_json()
    assert registry.recheck(json.loads(json.dumps(stored)))[1] == []

    def perturbed(mutate) -> bool:
        data = json.loads(json.dumps(stored))
        mutate(data)
        return registry.recheck(data)[1] == []

    def wrong_value(d):  # the cited interval shifted by 1e-30: it does not contain the value
        from fractions import Fraction

        shift = Fraction(1, 10**30)
        d["cited"]["interval"] = [str(Fraction(v) + shift) for v in d["cited"]["interval"]]

    def other_params(d):
        d["params"] = {"q": 5} if name == "ising_q" else {"eps": "1/2"} if name == "bec_noc" else {"x": 1}

    def other_digits(d):
        d["digits"] = 39

    for mutate in (wrong_value, other_params, other_digits):
        assert not perturbed(mutate), (name, mutate.__name__)

"""Regression tests for the nine soundness findings of issue #11 (each failed on the old main)."""

from __future__ import annotations

import json
from pathlib import Path

import mpmath
import pytest

from dicert.proofs.cli import run
from dicert.verify.certify.checker.exact import ExactChannel


def _cert(tmp_path: Path, capsys, *args: str) -> Path:
    path = tmp_path / "cert.json"
    assert run(["certify", *args, "--out", str(path)]) == 0
    capsys.readouterr()
    return path


# 1. --claim with --check, and --all with --claim/--latex/--out
def test_1_claim_with_check_is_decided_on_the_rechecked_interval(tmp_path: Path, capsys) -> None:
    path = _cert(tmp_path, capsys, "ising", "--digits", "20")
    assert run(["certify", "--check", str(path), "--claim", "0.9"]) == 1
    assert "refuted" in capsys.readouterr().err
    assert run(["certify", "--check", str(path), "--claim", "0.57552"]) == 0
    assert "proven interval" in capsys.readouterr().err


@pytest.mark.parametrize("extra", [["--claim", "0.9"], ["--latex", "x.tex"], ["--out", "x.json"], ["--q", "3"],
                                   ["--eps", "1/2"], ["--trust-cited"]])
def test_1_all_refuses_options_it_does_not_honour(extra: list[str], capsys) -> None:
    assert run(["certify", "--all", *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot be used with --all" in err


# 2. claim text, value, inputs and checks of a stored certificate come from the checker
def test_2_edited_trapdoor_certificates_are_refuted(tmp_path: Path, capsys) -> None:
    path = _cert(tmp_path, capsys, "trapdoor", "--digits", "20")
    genuine = json.loads(path.read_text())

    def forged(edit) -> int:
        doc = json.loads(json.dumps(genuine))
        edit(doc)
        bad = tmp_path / "bad.json"
        bad.write_text(json.dumps(doc))
        code = run(["certify", "--check", str(bad)])
        capsys.readouterr()
        return code

    edits = {
        "log2 3": lambda d: d.update(claim="C = log2 3", value="1.58496", title="log2 3"),
        "value 0.7": lambda d: d.update(value="0.7"),
        "latex": lambda d: d.update(latex_claim="$C = \\log_2 3$"),
        "law edited": lambda d: d["channel"]["law"][0].__setitem__(1, ["1/3", "2/3"]),
        "channel deleted": lambda d: d.pop("channel"),
        "witness deleted": lambda d: d.update(witness={}),
        "checks emptied": lambda d: d.update(checks=[]),
        "trivial checks": lambda d: d.update(checks=[dict(c, kind="root_isolation", bound=None) for c in d["checks"]]),
    }
    for label, edit in edits.items():
        assert forged(edit) == 1, label


# 3. exact channel files
def _write(tmp_path: Path, name: str, obj: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(obj))
    return path


def test_3_bsc_4_13_file_gets_an_interval_containing_the_capacity_at_60_digits(tmp_path: Path, capsys) -> None:
    law = [["9/13", "4/13"], ["4/13", "9/13"]]
    channel = _write(tmp_path, "bsc413.json", {"type": "dmc", "inputs": 2, "outputs": 2, "matrix": law})
    out = tmp_path / "bsc413.cert.json"
    assert run(["bounds", str(channel), "--graph", "debruijn:0", "--certify", "--out", str(out)]) == 0
    capsys.readouterr()
    cert = json.loads(out.read_text())
    assert cert["verified"] and cert["channel"]["exact_from"] == "text"
    assert cert["channel"]["fingerprint"] == ExactChannel.from_json(
        {"law": [law], "next_state": [[[0, 0], [0, 0]]]}).fingerprint()
    with mpmath.workdps(60):
        p = mpmath.mpf(4) / 13
        capacity = 1 + p * mpmath.log(p, 2) + (1 - p) * mpmath.log(1 - p, 2)
        lo, hi = (mpmath.mpf(v) for v in cert["interval"])
        assert lo <= capacity <= hi
    assert run(["certify", "--check", str(out)]) == 0


def test_3_decimal_text_is_read_exactly_and_exact_rows_are_accepted(tmp_path: Path) -> None:
    from dicert.verify.certify.exact_inputs import ExactUnifilar
    from dicert.verify.channels import load_channel

    path = tmp_path / "third.json"
    path.write_text('{"type": "unifilar", "states": 1, "inputs": 2, "outputs": 2, '
                    '"law": [[["1/3", "2/3"], [0.1, 0.9]]], "next_state": [[[0, 0], [0, 0]]]}')
    exact = ExactUnifilar.from_channel(load_channel(path))
    assert [[str(p) for p in row] for row in exact.law[0]] == [["1/3", "2/3"], ["1/10", "9/10"]]
    assert exact.origin == "text"


def test_3_python_floats_are_converted_exactly_and_the_certificate_says_so() -> None:
    from dicert.verify.certify.exact_inputs import ExactUnifilar
    from dicert.verify.channels import parse_channel

    quarter = ExactUnifilar.from_channel(parse_channel("bsc:p=0.25"))
    assert quarter.origin == "binary-float" and str(quarter.law[0][0][1]) == "1/4"
    tenth = ExactUnifilar.from_channel(parse_channel("bsc:p=0.1"))    # binary 0.1 + 0.9 != 1 exactly
    assert tenth.origin == "float-shortest-decimal"


# 4. bec_noc --full in text mode, and its certificate re-checks
def test_4_bec_noc_full_text_mode_and_recheck(tmp_path: Path, capsys) -> None:
    path = tmp_path / "bec.json"
    assert run(["certify", "bec_noc", "--eps", "1/2", "--full", "--out", str(path)]) == 0
    assert "proven: C_fb in [0.405685231" in capsys.readouterr().err  # lower bound from the channel (issue 12)
    assert run(["certify", "--check", str(path)]) == 0


# 5. bounds --certify / discover --certify write certificates that --check verifies; one key
def test_5_bounds_and_discover_certificates_recheck(tmp_path: Path, capsys) -> None:
    b, d = tmp_path / "b.json", tmp_path / "d.json"
    assert run(["bounds", "bsc:p=0.1", "--graph", "debruijn:0", "--certify", "--out", str(b), "--json"]) == 0
    bounds_json = json.loads(capsys.readouterr().out)
    assert run(["discover", "bsc:p=0.1", "--steps", "60", "--certify", "--out", str(d), "--json"]) == 0
    discover_json = json.loads(capsys.readouterr().out)
    for payload in (bounds_json, discover_json):
        assert "certified" not in payload and payload["certificate"]["schema"] == "dicert-certificate"
    for path in (b, d):
        assert json.loads(path.read_text())["schema_version"] == 2
        assert run(["certify", "--check", str(path)]) == 0
    assert run(["bounds", "bsc:p=0.1", "--out", str(b)]) == 2          # --out needs --certify


# 6. solver floats are estimates; upper/lower are valid bounds; no inverted bracket
def test_6_bec_bounds_upper_is_valid_and_never_inverted(capsys) -> None:
    assert run(["bounds", "bec:eps=0.5", "--graph", "debruijn:1", "--lower", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert float(data["upper"]) >= 0.5                      # C = 1 - eps = 0.5; the solver's float is below it
    assert data["lower"] is None or float(data["lower"]) <= float(data["upper"])
    assert "upper_estimate" in data and "lower_estimate" in data


# 7. proven vs cited
def test_7_cited_closed_forms_do_not_decide_claims_without_trust_cited(capsys) -> None:
    # ising_q now has a bracket proven from the channel (issue 12); bec_noc at eps = 0 is cited only
    assert run(["certify", "bec_noc", "--eps", "0", "--claim", "0.6942"]) == 1
    assert "--trust-cited" in capsys.readouterr().err
    assert run(["certify", "bec_noc", "--eps", "0", "--claim", "0.6942", "--trust-cited"]) == 0
    assert "cited closed form" in capsys.readouterr().err


def test_7_trapdoor_54_digits_are_not_proven(capsys) -> None:
    assert run(["certify", "trapdoor", "--digits", "54", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["proven"]["digits"] < 54 and out["value_digits"] == out["proven"]["digits"]
    claim = out["cited"]["value"]
    assert len(claim.split(".")[1]) == 54
    assert run(["certify", "trapdoor", "--digits", "54", "--claim", claim]) == 1         # undecided on the proof
    assert "undecided" in capsys.readouterr().err
    assert run(["certify", "trapdoor", "--digits", "54", "--claim", claim, "--trust-cited"]) == 0


# 8. the two surviving mutants: channel comparison, Bellman residual tolerance
def test_8_a_certificate_about_another_channel_is_refuted(tmp_path: Path, capsys) -> None:
    path = _cert(tmp_path, capsys, "ising", "--digits", "12")
    doc = json.loads(path.read_text())
    zero = {"law": [[["1/2", "1/2"], ["1/2", "1/2"]], [["1/2", "1/2"], ["1/2", "1/2"]]],
            "next_state": doc["channel"]["next_state"], "allowed": doc["channel"]["allowed"]}
    doc["channel"] = {"fingerprint": ExactChannel.from_json(zero).fingerprint(), **zero, "exact_from": "registry"}
    path.write_text(json.dumps(doc))
    assert run(["certify", "--check", str(path)]) == 1
    assert "registered ising channel" in " ".join(capsys.readouterr().err.split())


def _small_positive_residual_data() -> dict:
    """A Bellman system in which one input attains rho exactly and the other has residual +1.8e-4 (> 0)."""
    return {
        "phi": [[0, 0]], "test_log": [[{"x": 1}, {"1-x": 1}]], "value": [[{}]], "rho": {"x": "-1"},
        "atoms": {"x": ["0", "1"], "1-x": ["1", "-1"], "2": ["2"], "5": ["5"], "4001": ["4001"]},
        "relation": {"x": 1, "1-x": -1, "4001": -1, "2": 3, "5": 3}, "eliminate": "1-x",
        "poly": ["-4001", "5001"], "bracket": ["0", "1"],
        "channel": {"law": [[["1/2", "1/2"], ["1", "0"]]], "next_state": [[[0, 0], [0, 0]]],
                    "allowed": [[True, True]]},
    }


def test_8_bellman_checks_refuse_a_small_positive_residual() -> None:
    from dicert.proofs.ising import check_log_bellman
    from dicert.verify.certify.checker.algebra import isolate
    from dicert.verify.certify.checker.kinds import KINDS

    data = _small_positive_residual_data()
    ok, evidence = check_log_bellman(data)
    assert not ok and "not <= 0" in evidence
    ctx = {"channel": ExactChannel.from_json(data["channel"]), "root": isolate(data["poly"], data["bracket"]),
           "closed_form": {"coefficient": "-1"}}
    ok, evidence, _ = KINDS["log_bellman_exact"](data, ctx)
    assert not ok and "not proven <= 0" in evidence
    data["rho"] = {"x": "-1"}
    data["value"] = [[{}]]
    data["channel"]["law"][0][0] = ["1", "0"]              # both inputs now attain: the system is exact
    ctx["channel"] = ExactChannel.from_json(data["channel"])
    assert KINDS["log_bellman_exact"](data, ctx)[0] and check_log_bellman(data)[0]


# 9. Unicode digits, unwritable outputs, unreadable --check files: exit 2 with one line
@pytest.mark.parametrize("claim", ["\u0660.\u0665", "０.５", "0.5\u0661"])
def test_9_unicode_digits_in_claim_exit_2(claim: str, capsys) -> None:
    assert run(["certify", "ising", "--claim", claim]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_9_io_errors_exit_2_with_one_line(tmp_path: Path, capsys) -> None:
    binary = tmp_path / "bin.json"
    binary.write_bytes(bytes(range(256)))
    for args in (["certify", "ising", "--out", str(tmp_path / "no" / "x.json")],
                 ["certify", "ising", "--latex", str(tmp_path / "no" / "x.tex")],
                 ["certify", "--check", str(tmp_path)],
                 ["certify", "--check", str(binary)]):
        assert run(args) == 2, args
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("dicert: error:"), err

"""Forgeries of ``channel.exact_from`` (issue 12 item 3): bound where the law decides it, labelled otherwise."""

from __future__ import annotations

import copy

import pytest

from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.checker.core import check, issue

_WITNESS = {"upper": {"phi": [[0, 0]], "test": [["1/2", "1/2"]], "value": [[0]]},
            "lower": {"phi": [[0, 0]], "policy": [[["1/2", "1/2"]]]}}
_BINARY = {"law": [[["3/4", "1/4"], ["1/4", "3/4"]]], "next_state": [[[0, 0], [0, 0]]]}
_THIRDS = {"law": [[["2/3", "1/3"], ["1/3", "2/3"]]], "next_state": [[[0, 0], [0, 0]]]}


def _cert(channel: dict, exact_from: str) -> dict:
    return issue("qgraph_bracket", {}, 10, copy.deepcopy(_WITNESS), channel=channel, exact_from=exact_from)


def test_issued_certificate_says_what_of_its_provenance_was_checked():
    assert _cert(_BINARY, "binary-float")["channel"]["exact_from_check"].startswith("verified")
    assert _cert(_THIRDS, "text")["channel"]["exact_from_check"].startswith("unverified")
    assert check(_cert(_BINARY, "binary-float")).verified


@pytest.mark.parametrize("forged", ["binary-float", "float-shortest-decimal"])
def test_check_rejects_a_provenance_the_exact_law_contradicts(forged):
    cert = _cert(_THIRDS, "text")
    cert["channel"]["exact_from"] = forged  # 1/3 is neither a double nor the shortest decimal of one
    report = check(cert)
    assert not report.verified and "exact_from" in " ".join(report.problems)


def test_check_rejects_an_edited_provenance_with_the_old_label():
    cert = _cert(_BINARY, "binary-float")
    cert["channel"]["exact_from"] = "text"  # consistent with the law, but the label no longer matches
    assert not check(cert).verified


def test_a_consistent_relabelling_is_reported_as_unverified_not_as_proven():
    cert = _cert(_BINARY, "binary-float")
    cert["channel"]["exact_from"] = "text"
    cert["channel"]["exact_from_check"] = _cert(_BINARY, "text")["channel"]["exact_from_check"]
    report = check(cert)
    # the bracket is about the stated exact law whatever its origin: it still checks, but the origin is unverified
    assert report.verified and cert["channel"]["exact_from_check"].startswith("unverified")
    assert "exact_from" not in cert["proven"]["statement"]


def test_issue_refuses_an_inconsistent_provenance_and_the_registry_for_a_qgraph_bracket():
    with pytest.raises(InvalidInput, match="exact_from"):
        _cert(_THIRDS, "binary-float")
    with pytest.raises(InvalidInput, match="exact_from"):
        _cert(_BINARY, "registry")

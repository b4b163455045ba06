"""Attack suite: every forgery of a genuine certificate's mathematical content is refuted by the checker.

:func:`forgeries` walks a genuine certificate and yields one mutated copy per
(field, mutation): every leaf (numbers, exact strings, texts, flags, nulls)
is changed, every list loses, duplicates and reorders an element, every object
loses each key and gains a foreign one; targeted forgeries add the classic
attacks (claim "C = log2 3" with a matching value, checks emptied / replaced
by trivial ones with the same names, pass flags forged, channel swapped with
a consistent fingerprint).  Fields without mathematical content are left out:
``seconds``, ``versions``, check ``evidence`` and the channel's ``exact_from``
provenance of a ``qgraph_bracket``.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Iterator

import pytest

from dicert.proofs.closed_form import issue_certificate, stored_witness
from dicert.verify.certify.checker.core import check, issue
from dicert.verify.certify.checker.exact import ExactChannel

NOT_MATHEMATICAL = {("seconds",), ("versions",)}


def _skip(path: tuple) -> bool:
    if path[:1] in {("seconds",), ("versions",)}:
        return True
    if len(path) == 3 and path[0] == "checks" and path[2] == "evidence":
        return True
    return False


def _mutate_leaf(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return [not value, int(value)]
    if isinstance(value, int):
        return [value + 1, str(value), float(value)]
    if value is None:
        return ["0", 0]
    if isinstance(value, float):
        return [value + 1e-9]
    if isinstance(value, str):
        numeric = value.replace("/", "").replace(".", "").lstrip("-").isdigit()
        out = [] if numeric else [value + " (forged)"]
        if value and value[-1].isdigit():
            last = value[-1]
            out.append(value[:-1] + ("1" if last != "1" else "2"))       # change the last digit
        if "/" in value:
            num, den = value.split("/", 1)
            out.append(f"{num}/{int(den) + 1}" if den.isdigit() else value + "1")
        return out
    return []


def _walk(node: Any, path: tuple = ()) -> Iterator[tuple[tuple, Any]]:
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, path + (i,))


def _set(doc: Any, path: tuple, value: Any) -> None:
    for key in path[:-1]:
        doc = doc[key]
    doc[path[-1]] = value


def _get(doc: Any, path: tuple) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def forgeries(genuine: dict) -> Iterator[tuple[str, dict]]:
    """Yield ``(description, forged copy)`` for every field and mutation (module docstring)."""
    generic = genuine["result"] == "qgraph_bracket"
    for path, node in list(_walk(genuine)):
        if not path or _skip(path) or (generic and path == ("channel", "exact_from")):
            continue
        for new in _mutate_leaf(node) if not isinstance(node, (dict, list)) else []:
            if new == node and type(new) is type(node):
                continue
            doc = copy.deepcopy(genuine)
            _set(doc, path, new)
            yield f"{path} := {new!r}", doc
        if isinstance(node, list) and node:
            for label, edit in (("delete first", lambda v: v[1:]), ("duplicate last", lambda v: v + v[-1:]),
                                ("reverse", lambda v: v[::-1]), ("empty", lambda v: [])):
                doc = copy.deepcopy(genuine)
                edited = edit(copy.deepcopy(node))
                if edited == node:
                    continue
                _set(doc, path, edited)
                yield f"{path}: {label}", doc
        if isinstance(node, dict):
            for key in list(node):
                if _skip(path + (key,)) or (generic and path + (key,) == ("channel", "exact_from")):
                    continue
                doc = copy.deepcopy(genuine)
                del _get(doc, path)[key]
                yield f"{path}: delete {key!r}", doc
            doc = copy.deepcopy(genuine)
            _get(doc, path)["forged"] = "1"
            yield f"{path}: add key", doc
    yield from _targeted(genuine)


def _targeted(genuine: dict) -> Iterator[tuple[str, dict]]:
    doc = copy.deepcopy(genuine)
    doc["claim"], doc["value"] = "C = log2 3", "1.58496"
    yield "claim log2 3 with its value", doc
    doc = copy.deepcopy(genuine)
    doc["value"] = "0.7"
    yield "value 0.7", doc
    doc = copy.deepcopy(genuine)
    doc["checks"] = [{"name": c["name"], "kind": "root_isolation", "passed": True, "bound": None, "evidence": "ok"}
                     for c in doc["checks"]]
    yield "checks replaced by trivial ones with the same names", doc
    doc = copy.deepcopy(genuine)
    doc["checks"] = []
    yield "checks emptied", doc
    doc = copy.deepcopy(genuine)
    doc["witness"] = {}
    yield "witness deleted", doc
    doc = copy.deepcopy(genuine)
    for c in doc["checks"]:
        c["name"] = c["name"] + "_v2"
    yield "checks renamed", doc
    doc = copy.deepcopy(genuine)
    law = doc["channel"]["law"]
    law[0][0] = law[0][0][::-1]
    exact = ExactChannel.from_json({k: doc["channel"][k] for k in ("law", "next_state", "allowed")})
    doc["channel"]["fingerprint"] = exact.fingerprint()
    yield "channel swapped with a consistent fingerprint", doc
    if genuine["interval"] is not None:
        doc = copy.deepcopy(genuine)
        lo, hi = doc["interval"]
        doc["interval"] = doc["proven"]["upper"] and [lo, lo]
        doc["lower"] = doc["upper"] = doc["proven"]["lower"] = doc["proven"]["upper"] = lo
        yield "proven interval collapsed consistently", doc


BSC_413 = {"law": [[["9/13", "4/13"], ["4/13", "9/13"]]], "next_state": [[[0, 0], [0, 0]]]}


def _genuine() -> dict[str, dict]:
    return {
        "ising": issue_certificate("ising", {}, 12, stored_witness("ising")).to_json(),
        "trapdoor": issue_certificate("trapdoor", {}, 12, stored_witness("trapdoor")).to_json(),
        "ising_q": issue_certificate("ising_q", {"q": 3}, 12).to_json(),
        "bec_noc": issue_certificate("bec_noc", {"eps": "1/3"}, 12).to_json(),
        "qgraph_bracket": issue("qgraph_bracket", {}, 12,
                                {"upper": {"phi": [[0, 0]], "test": [["1/2", "1/2"]], "value": [[0]]},
                                 "lower": {"phi": [[0, 0]], "policy": [[["1/2", "1/2"]]]}},
                                channel=BSC_413, exact_from="text"),
    }


GENUINE = _genuine()


def _true_value(name: str):
    """The capacity the certificate is about, computed independently (mpmath, 90 digits)."""
    import mpmath

    mpmath.mp.dps = 90
    if name == "ising":
        a = mpmath.findroot(lambda x: x**3 - (1 - x) ** 4, mpmath.mpf("0.45"))
        return -mpmath.log(a, 2) / 2
    if name == "trapdoor":
        return mpmath.log((1 + mpmath.sqrt(5)) / 2, 2)
    p = mpmath.mpf(4) / 13
    return 1 + p * mpmath.log(p, 2) + (1 - p) * mpmath.log(1 - p, 2)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(GENUINE))
def test_every_forgery_of_a_genuine_certificate_is_refuted(name: str) -> None:
    """Refuted, unless only the witness changed, the checker states *exactly* the same proven numbers from
    it, and that statement is true (a different valid proof of the same statement is not a forgery)."""
    import mpmath

    genuine = json.loads(json.dumps(GENUINE[name]))
    assert check(genuine).verified, check(genuine).problems
    tried = refuted = same_statement = 0
    survivors = []
    for label, doc in forgeries(genuine):
        if doc == genuine:
            continue
        tried += 1
        if not check(json.loads(json.dumps(doc))).verified:
            refuted += 1
            continue
        only_witness = all(doc[k] == genuine[k] for k in genuine if k != "witness")
        if only_witness and genuine["interval"] is not None:
            lo, hi = (mpmath.mpf(v) for v in doc["interval"])
            if lo <= _true_value(name) <= hi:
                same_statement += 1
                continue
        survivors.append(label)
    print(f"{name}: {tried} forgeries tried, {refuted} refuted, {same_statement} witness edits proving the same "
          "true statement accepted")
    assert tried > 60 and not survivors, survivors[:10]
    assert same_statement <= tried // 20


def test_harmless_edits_are_accepted() -> None:
    """Non-mathematical fields may change: the checker is not merely refusing everything."""
    doc = json.loads(json.dumps(GENUINE["trapdoor"]))
    doc["seconds"], doc["versions"] = 123.0, {"python": "0"}
    for c in doc["checks"]:
        c["evidence"] = "edited"
    assert check(doc).verified

"""Notebook display (issue 18 item 7): _repr_html_ / _repr_latex_ of certificates and any to_dict() record."""

from __future__ import annotations

import html.parser

from dicert.verify.certify.certificate import Certificate
from dicert.verify.certify.checker.core import issue
from dicert.verify.certify.evidence_latex import latex_syntax_problems
from dicert.verify.display import ReprMixin


class _Record(ReprMixin):
    _display_fields = ("upper", "lower", "status", "witness")

    def to_dict(self) -> dict:
        return {"upper": 0.70484, "lower": None, "upper_estimate": 0.70483, "status": "optimal & <done>",
                "witness": {"policy": [[0.5, 0.5]] * 20}}


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.ok = True
        self.cells: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.ok = self.ok and bool(self.stack) and self.stack.pop() == tag

    def handle_data(self, data: str) -> None:
        self.cells.append(data)


def _parse(text: str) -> _Tags:
    tags = _Tags()
    tags.feed(text)
    assert tags.ok and not tags.stack  # well-formed: every tag closed in order
    return tags


def test_record_html_shows_selected_fields_escaped_and_long_lists_summarised() -> None:
    tags = _parse(_Record()._repr_html_())
    assert tags.cells[:3] == ["_Record", "upper", "0.70484"]
    assert "upper_estimate" not in tags.cells  # not in _display_fields
    assert "optimal & <done>" in tags.cells and "[20 items]" in tags.cells


def test_record_latex_is_an_array_with_one_row_per_field() -> None:
    tex = _Record()._repr_latex_()
    assert tex.startswith("$$\\begin{array}{ll}") and tex.endswith("\\end{array}$$")
    assert "\\text{upper} & 0.70484 \\\\" in tex and "\\text{witness.policy} & \\text{[20 items]}" in tex
    assert latex_syntax_problems(tex) == []


def test_certificate_displays_verdict_proven_cited_and_checks_in_a_notebook() -> None:
    cert = Certificate(issue("ising_q", {"q": 3}, digits=10))
    tags = _parse(cert._repr_html_())
    cells = tags.cells
    assert cells[cells.index("verified") + 1] == "true"
    assert {"root_unique", "stationary_point"} <= set(cells)
    tex = cert._repr_latex_()
    assert "\\text{cited.source} & \\text{monograph Thm 4.6.1}" in tex and latex_syntax_problems(tex) == []
    assert cert.to_dict()["verified"] is True and cert.to_dict() == {**cert.to_json(), "verified": True}

"""LaTeX evidence typeset as math (issue 18 item 7): the certificate's .tex is balanced, uses known macros, compiles."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from dicert.verify.certify.certificate import Certificate
from dicert.verify.certify.checker.core import issue
from dicert.verify.certify.evidence_latex import evidence_to_latex, latex_syntax_problems


def test_formulas_in_evidence_become_math_and_words_stay_text() -> None:
    tex = evidence_to_latex("posterior = pi(s'|phi(q,y)) exactly on every edge; I(X,S;Y|Q) >= 6.9e-01 (Thm 4.4.4)")
    assert tex == ("posterior $= \\pi(s' \\mid \\phi(q,y))$ exactly on every edge; "
                   "$I(X,S;Y \\mid Q) \\ge 6.9 \\times 10^{-1}$ (Thm 4.4.4)")
    assert evidence_to_latex("rho = max_(s,q,x) residual") == "$\\rho = \\max_{(s,q,x)}$ residual"
    assert evidence_to_latex("square-free, 3-node Q-graph") == "square-free, 3-node Q-graph"


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("xyp= <>^*|_(){}[]$%&#~\\;,.e-+0123456789 abc'≤π")), max_size=60))
def test_evidence_to_latex_is_balanced_and_uses_known_macros_for_any_text(text: str) -> None:
    assert latex_syntax_problems(evidence_to_latex(text)) == []


def test_syntax_check_finds_what_an_engine_would_stop_on() -> None:
    assert latex_syntax_problems("\\begin{proof} $x$") == ["\\begin{proof} not closed"]
    assert latex_syntax_problems("$x^{2}") == ["unbalanced $ in line 1"]
    assert latex_syntax_problems("\\item \\foo") == ["unknown macro \\foo"]


def _certificates() -> list[Certificate]:
    from dicert.proofs import registry  # the certify command's registry: closed forms with Q-graph brackets

    certs = [Certificate(issue("ising_q", {"q": 3}, digits=10))]
    for name in ("trapdoor", "bec-noc"):
        certs.append(registry.build(name, digits=10, **registry.get(name).instances[0]))
    return certs


@pytest.fixture(scope="module")
def certificates() -> list[Certificate]:
    return _certificates()


def test_certificate_tex_has_math_evidence_and_passes_the_syntax_check(certificates: list[Certificate]) -> None:
    for cert in certificates:
        for tex in (cert.to_latex(), cert.to_latex(standalone=True)):
            assert latex_syntax_problems(tex) == [], cert.name
        assert "\\textless{}=" not in cert.to_latex() and "x\\^{}" not in cert.to_latex()  # not escaped plain text
        assert "$p = x^{" in cert.to_latex() or "\\le" in cert.to_latex()


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no LaTeX engine (apt: texlive-latex-base; none on PyPI)")
def test_certificate_tex_compiles_with_pdflatex(certificates: list[Certificate], tmp_path: Path) -> None:
    for i, cert in enumerate(certificates):
        path = tmp_path / f"c{i}.tex"
        path.write_text(cert.to_latex(standalone=True))
        done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", path.name], cwd=tmp_path,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout[-2000:]
        assert (tmp_path / f"c{i}.pdf").stat().st_size > 1000

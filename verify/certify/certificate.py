"""The ``Certificate`` view: a checker-issued certificate (schema v2) for display and export.

A certificate is the JSON object computed by the independent checker
(:func:`dicert.verify.certify.checker.core.issue`); this class only *reads*
it: title, claim, the proven interval (``proven``: machine-checked from the
channel), the cited statement (``cited``: the closed form and its source,
whose value enclosure is proven but whose equality with ``C_fb`` rests on the
cited theorem), the checks and the witness.  ``supplementary`` holds extra
checks run by a builder for display (``--full``); they are not part of the
file and not part of what ``certify --check`` verifies.

``verified`` is the checker's flag (and every supplementary check passed).
Exports: JSON (:meth:`Certificate.to_json`, exactly the checker's object) and
LaTeX (:meth:`Certificate.to_latex`: a theorem with what is proven and what is
cited, and a table row).

Examples
--------
>>> from dicert.verify.certify.checker.core import issue
>>> cert = Certificate(issue("ising_q", {"q": 3}, digits=12))
>>> cert.verified, cert.interval is None, cert.cited_interval.lo[:8]
(True, True, '0.961227')
>>> Certificate.from_json(cert.to_json()).claim == cert.claim
True
"""

from __future__ import annotations

import json
import platform
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.intervals import DecimalInterval, to_fmpq  # noqa: F401
from dicert.verify.display import ReprMixin

__all__ = ["Check", "Certificate", "software_versions", "timed_check", "FORMAT_VERSION"]

#: Version of the certificate JSON schema (``dicert-certificate``), see :mod:`.checker.core`.
FORMAT_VERSION = 2


@dataclass
class Check:
    """One named verification step of a certificate.

    Attributes
    ----------
    name : str
        Human name, e.g. ``"root_unique"``.
    kind : str
        Dispatch key used to run the check again from ``data``.
    passed : bool
    evidence : str
        One line: what was shown (or why it failed).
    seconds : float
    data : dict
        Exact, JSON-ready inputs of the check.
    """

    name: str
    kind: str
    passed: bool
    evidence: str
    seconds: float = 0.0
    data: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """JSON form."""
        return {
            "name": self.name,
            "kind": self.kind,
            "passed": bool(self.passed),
            "evidence": self.evidence,
            "seconds": round(float(self.seconds), 6),
            "data": self.data,
        }

    @classmethod
    def from_json(cls, data: dict) -> "Check":
        """Inverse of :meth:`to_json`."""
        for key in ("name", "kind", "passed"):
            if key not in data:
                raise InvalidInput(f"checks: entry is missing key '{key}'")
        return cls(
            str(data["name"]),
            str(data["kind"]),
            bool(data["passed"]),
            str(data.get("evidence", "")),
            float(data.get("seconds", 0.0)),
            dict(data.get("data", {})),
        )


@contextmanager
def timed_check(name: str, kind: str, data: dict | None = None) -> Iterator[Check]:
    """Context manager that times a check; exceptions from dicert turn into a failed check.

    Examples
    --------
    >>> with timed_check("positive", "demo") as chk:
    ...     chk.passed, chk.evidence = True, "2 > 0"
    >>> chk.passed and chk.seconds >= 0
    True
    >>> with timed_check("broken", "demo") as chk:
    ...     raise InvalidInput("bracket: contains 2 roots")
    >>> chk.passed, chk.evidence
    (False, 'bracket: contains 2 roots')
    """
    from dicert.graphs.errors import DicertError

    chk = Check(name, kind, False, "not run", 0.0, dict(data or {}))
    start = time.perf_counter()
    try:
        yield chk
    except DicertError as exc:
        chk.passed = False
        chk.evidence = " ".join(str(exc).split())
    except (ValueError, ZeroDivisionError, ArithmeticError) as exc:
        chk.passed = False
        chk.evidence = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    finally:
        chk.seconds = time.perf_counter() - start


def software_versions() -> dict[str, str]:
    """Versions of Python, python-flint and dicert used to produce a certificate.

    Examples
    --------
    >>> sorted(software_versions())
    ['dicert', 'python', 'python-flint']
    """
    import flint

    try:
        from importlib.metadata import version

        dicert_version = version("dicert")
    except Exception:  # pragma: no cover - uninstalled source tree
        dicert_version = "0+unknown"
    return {"python": platform.python_version(), "python-flint": flint.__version__, "dicert": dicert_version}


def _latex_escape(text: str) -> str:
    from dicert.verify.certify.evidence_latex import latex_text

    return latex_text(text)


@dataclass
class Certificate(ReprMixin):
    """Read-only view of a checker-issued certificate (see module docstring).

    In a notebook it shows as a table (``_repr_html_``, ``_repr_latex_`` from
    :class:`dicert.verify.display.ReprMixin`): title, verdict, what is proven, what
    is cited, the checks.

    Examples
    --------
    >>> from dicert.verify.certify.checker.core import issue
    >>> html = Certificate(issue("ising_q", {"q": 2}, 8))._repr_html_()
    >>> "<td>verified</td><td>true</td>" in html, "root_unique" in html
    (True, True)
    """

    data: dict
    supplementary: list = field(default_factory=list)

    _display_fields = ("title", "verified", "proven", "cited", "checks", "digits", "result", "params")

    name = property(lambda self: self.data["result"])
    title = property(lambda self: self.data["title"])
    claim = property(lambda self: self.data["claim"])
    latex_claim = property(lambda self: self.data["latex_claim"])
    source = property(lambda self: self.data["source"])
    digits = property(lambda self: self.data["digits"])
    params = property(lambda self: self.data["params"])
    proven = property(lambda self: self.data["proven"])
    cited = property(lambda self: self.data["cited"])
    upper = property(lambda self: self.data["upper"])
    lower = property(lambda self: self.data["lower"])
    gap = property(lambda self: self.data["gap"])
    seconds = property(lambda self: self.data.get("seconds", 0.0))

    @property
    def interval(self) -> DecimalInterval | None:
        """The machine-proven interval of ``C_fb`` (None when nothing about ``C_fb`` is proven)."""
        iv = self.data.get("interval")
        return None if iv is None else DecimalInterval(iv[0], iv[1])

    @property
    def cited_interval(self) -> DecimalInterval | None:
        """Proven enclosure of the cited closed form's value (None without a closed form)."""
        cited = self.data.get("cited")
        return None if cited is None else DecimalInterval(*cited["interval"])

    @property
    def value(self) -> str | None:
        """The proven value (``value_digits`` decimals), None when nothing is proven."""
        return self.data.get("value")

    @property
    def checks(self) -> list[Check]:
        """The checker's checks, then the supplementary ones."""
        return [Check(c["name"], c["kind"], c["passed"], c["evidence"]) for c in self.data["checks"]] + list(
            self.supplementary)

    @property
    def verified(self) -> bool:
        """The checker's verdict, and every supplementary check passed."""
        return bool(self.data.get("verified")) and all(c.passed for c in self.supplementary)

    def checks_passed(self) -> tuple[int, int]:
        """``(passed, total)``."""
        checks = self.checks
        return sum(1 for c in checks if c.passed), len(checks)

    def failed_checks(self) -> list[Check]:
        """Checks that did not pass."""
        return [c for c in self.checks if not c.passed]

    def to_json(self) -> dict:
        """The checker's JSON object (a deep copy)."""
        return json.loads(json.dumps(self.data))

    def to_dict(self) -> dict:
        """The checker's JSON object (a deep copy; strict JSON), with ``verified`` as :attr:`verified` says."""
        data = self.to_json()
        data["verified"] = self.verified
        return data

    def dumps(self) -> str:
        """The JSON text."""
        return json.dumps(self.data, indent=1)

    @classmethod
    def from_json(cls, data: dict) -> "Certificate":
        """Wrap a stored certificate for display (no trust: re-check it with the checker)."""
        if not isinstance(data, dict) or data.get("schema") != "dicert-certificate":
            raise InvalidInput("certificate: expected a dicert-certificate JSON object (schema version 2)")
        return cls(data)

    def table_row(self) -> str:
        """One LaTeX table row: title & proven interval & proven digits & checks passed."""
        ok, total = self.checks_passed()
        iv = self.interval
        if iv is None:
            shown = "no proven bound"
        else:
            keep = min(len(iv.lo), 24)
            shown = f"$[{iv.lo[:keep]}\\ldots,\\ {iv.hi[:keep]}\\ldots]$"
        return f"{_latex_escape(self.title)} & {shown} & {self.proven['digits']} & {ok}/{total} \\\\"

    def to_latex(self, *, standalone: bool = False) -> str:
        """A theorem (proven part) with a remark (cited part) and a proof sketch (LaTeX source).

        The checks' evidence is typeset as math where it is a formula
        (:func:`dicert.verify.certify.evidence_latex.evidence_to_latex`).  The fragment
        (default) can be ``\\input`` into a document that loads ``amsmath``,
        ``amssymb``, ``amsthm`` and defines ``theorem`` and ``remark``; its table row
        (:meth:`table_row`) is a comment.  ``standalone=True`` gives a whole document
        (``pdflatex`` compiles it) with the row in a ``tabular``.

        Examples
        --------
        >>> from dicert.verify.certify.checker.core import issue
        >>> tex = Certificate(issue("ising_q", {"q": 2}, 8)).to_latex()
        >>> "\\\\begin{theorem}" in tex, "$p = x^{4} + (-5) \\\\cdot x^{3}" in tex
        (True, True)
        >>> Certificate(issue("ising_q", {"q": 2}, 8)).to_latex(standalone=True).rstrip().endswith("\\\\end{document}")
        True
        """
        from dicert.verify.certify.evidence_latex import evidence_to_latex

        proven = self.proven
        lines = ["% generated by dicert certify " + self.name + " (certificate schema v2)",
                 "\\begin{theorem}[" + _latex_escape(self.title) + " (machine-proven)]"]
        if proven["upper"] is None:
            lines.append("No bound on the feedback capacity is machine-proven here; the closed form below is "
                         "evaluated rigorously.")
        else:
            lines.append(f"$C_{{\\mathrm{{fb}}}} \\in [{proven['lower']},\\ {proven['upper']}]$"
                         + (" (exact)." if proven["exact"] else "."))
        lines.append("\\end{theorem}")
        if self.cited is not None:
            lo, hi = self.cited["interval"]
            lines += ["\\begin{remark}[cited: " + _latex_escape(self.cited["source"]) + "]",
                      self.latex_claim or _latex_escape(self.claim),
                      f"The closed form's value lies in $[{lo},\\ {hi}]$ (proven); its equality with the capacity "
                      "is the cited theorem.",
                      "\\end{remark}"]
        lines += ["\\begin{proof}[Proof sketch (machine-checked)]", "Source: " + evidence_to_latex(self.source) + ".",
                  "\\begin{itemize}"]
        for chk in self.checks:
            mark = "passed" if chk.passed else "FAILED"
            lines.append(f"\\item \\texttt{{{_latex_escape(chk.name)}}} ({mark}): {evidence_to_latex(chk.evidence)}")
        lines += ["\\end{itemize}", "\\end{proof}", ""]
        if not standalone:
            lines += ["% table row: result & proven interval & digits & checks", "% " + self.table_row()]
            return "\n".join(lines) + "\n"
        head = ["\\documentclass{article}", "\\usepackage{amsmath,amssymb,amsthm}", "\\newtheorem{theorem}{Theorem}",
                "\\newtheorem{remark}{Remark}", "\\begin{document}"]
        table = ["\\begin{tabular}{llrr}", "result & proven interval & digits & checks \\\\", self.table_row(),
                 "\\end{tabular}", "\\end{document}"]
        return "\n".join(head + lines + table) + "\n"


def _sci(value: Any) -> str:
    from flint import arb

    q = to_fmpq(value)
    if q == 0:
        return "0"
    return f"{float(arb(q)):.3e}"

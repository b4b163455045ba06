"""The ``Certificate`` record: a certified number with its named checks and exact inputs.

A certificate states a *claim* (e.g. "the feedback capacity of the binary
Ising channel is ``-1/2 log2 a`` with ``a^3 = (1-a)^4``"), its *source*
(paper, theorem, equation), a certified interval ``[lo, hi]`` with exact
decimal end points, and a list of named :class:`Check` records.  Each check
carries pass/fail, one line of evidence, its run time and the exact inputs
(``data``) needed to run it again, so a stored JSON file can be re-verified
from its inputs alone (``dicert certify --check FILE.json``).

``verified`` is true only when there is at least one check and every check
passed.  Exports: JSON (:meth:`Certificate.to_json`, :meth:`Certificate.from_json`)
and LaTeX (:meth:`Certificate.to_latex`: a theorem with a proof sketch, and a
table row).

Examples
--------
>>> from dicert.verify.certify.certificate import Certificate, Check
>>> from dicert.verify.certify.intervals import DecimalInterval
>>> cert = Certificate(name="demo", title="Demo", claim="x = 1/3", source="arithmetic",
...                    digits=5, interval=DecimalInterval("0.33333", "0.33334"), value="0.33333",
...                    checks=[Check("exact", "demo", True, "1/3 lies in the interval")])
>>> cert.verified, Certificate.from_json(cert.to_json()).interval == cert.interval
(True, True)
"""

from __future__ import annotations

import json
import platform
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Iterator

from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.intervals import DecimalInterval, to_fmpq

__all__ = ["Check", "Certificate", "software_versions", "timed_check", "FORMAT_VERSION"]

#: Version of the JSON layout written by :meth:`Certificate.to_json`.
FORMAT_VERSION = 1


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
    repl = {
        "\\": r"\textbackslash{}", "_": r"\_", "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$",
        "{": r"\{", "}": r"\}", "^": r"\^{}", "~": r"\~{}", "<": r"\textless{}", ">": r"\textgreater{}",
    }
    return "".join(repl.get(ch, ch) for ch in text)


@dataclass
class Certificate:
    """A certified result: claim, source, interval, checks and exact inputs.

    Attributes
    ----------
    name : str
        Registry name (``"ising"``).
    title : str
        Short title for tables.
    claim : str
        The statement being certified.
    source : str
        Paper and theorem/equation.
    digits : int
        Requested number of correct decimal digits.
    interval : DecimalInterval
        Proven enclosure of the value.
    value : str
        Decimal approximation (``digits`` places) inside ``interval``.
    checks : list of Check
    params : dict
        Builder parameters (e.g. ``{"q": 3}``).
    upper, lower : str or None
        Rigorous Q-graph upper/lower bounds (decimal strings), when computed.
    latex_claim : str
        LaTeX form of the claim (used by :meth:`to_latex`).
    inputs : dict
        Shared exact inputs (channel, Q-graph, ...) for the record.
    versions : dict
    seconds : float
    """

    name: str
    title: str
    claim: str
    source: str
    digits: int
    interval: DecimalInterval
    value: str
    checks: list[Check]
    params: dict = field(default_factory=dict)
    upper: str | None = None
    lower: str | None = None
    latex_claim: str = ""
    inputs: dict = field(default_factory=dict)
    versions: dict = field(default_factory=software_versions)
    seconds: float = 0.0

    @property
    def verified(self) -> bool:
        """True when there is at least one check and all passed."""
        return bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def gap(self) -> str | None:
        """``upper - lower`` as an exact decimal string (None without both bounds)."""
        if self.upper is None or self.lower is None:
            return None
        diff = to_fmpq(self.upper) - to_fmpq(self.lower)
        return _sci(diff)

    def checks_passed(self) -> tuple[int, int]:
        """``(passed, total)``."""
        return sum(1 for c in self.checks if c.passed), len(self.checks)

    def failed_checks(self) -> list[Check]:
        """Checks that did not pass."""
        return [c for c in self.checks if not c.passed]

    def to_json(self, include_data: bool = True) -> dict:
        """JSON object (keys ``value``, ``interval``, ``verified``, ``checks``, ``seconds``, ``upper``, ``lower``, ``gap``).

        Examples
        --------
        >>> from dicert.verify.certify.intervals import DecimalInterval
        >>> c = Certificate("d", "D", "x", "s", 2, DecimalInterval("0.33", "0.34"), "0.33", [])
        >>> sorted(c.to_json())[:4]
        ['checks', 'claim', 'digits', 'format']
        """
        return {
            "format": FORMAT_VERSION,
            "name": self.name,
            "title": self.title,
            "claim": self.claim,
            "latex_claim": self.latex_claim,
            "source": self.source,
            "params": self.params,
            "digits": self.digits,
            "value": self.value,
            "interval": self.interval.to_list(),
            "verified": self.verified,
            "upper": self.upper,
            "lower": self.lower,
            "gap": self.gap,
            "checks": [c.to_json() if include_data else {**c.to_json(), "data": {}} for c in self.checks],
            "inputs": self.inputs,
            "versions": self.versions,
            "seconds": round(float(self.seconds), 6),
        }

    def dumps(self) -> str:
        """The JSON text."""
        return json.dumps(self.to_json(), indent=1)

    @classmethod
    def from_json(cls, data: dict) -> "Certificate":
        """Read a certificate written by :meth:`to_json` (checks keep their stored pass flags)."""
        if not isinstance(data, dict):
            raise InvalidInput("certificate: expected a JSON object")
        for key in ("name", "interval", "checks", "digits"):
            if key not in data:
                raise InvalidInput(f"certificate: missing key '{key}'")
        interval = data["interval"]
        if not (isinstance(interval, list) and len(interval) == 2):
            raise InvalidInput("interval: expected [lo, hi] as two decimal strings")
        return cls(
            name=str(data["name"]),
            title=str(data.get("title", data["name"])),
            claim=str(data.get("claim", "")),
            source=str(data.get("source", "")),
            digits=int(data["digits"]),
            interval=DecimalInterval(str(interval[0]), str(interval[1])),
            value=str(data.get("value", interval[0])),
            checks=[Check.from_json(c) for c in data["checks"]],
            params=dict(data.get("params", {})),
            upper=data.get("upper"),
            lower=data.get("lower"),
            latex_claim=str(data.get("latex_claim", "")),
            inputs=dict(data.get("inputs", {})),
            versions=dict(data.get("versions", {})),
            seconds=float(data.get("seconds", 0.0)),
        )

    def table_row(self) -> str:
        """One LaTeX table row: title & interval & digits & checks passed."""
        ok, total = self.checks_passed()
        lo, hi = self.interval.lo, self.interval.hi
        shown = min(len(lo), 24)
        return (
            f"{_latex_escape(self.title)} & $[{lo[:shown]}\\ldots,\\ {hi[:shown]}\\ldots]$ & {self.digits} & "
            f"{ok}/{total} \\\\"
        )

    def to_latex(self) -> str:
        """A theorem-and-proof-sketch snippet plus a table row (LaTeX source).

        Examples
        --------
        >>> from dicert.verify.certify.intervals import DecimalInterval
        >>> c = Certificate("d", "Demo", "x = 1/3", "arithmetic", 2, DecimalInterval("0.33", "0.34"), "0.33",
        ...                 [Check("exact", "demo", True, "1/3 in [0.33, 0.34]")])
        >>> "\\\\begin{theorem}" in c.to_latex()
        True
        """
        lines = [
            "% generated by dicert certify " + self.name,
            "\\begin{theorem}[" + _latex_escape(self.title) + "]",
            (self.latex_claim or _latex_escape(self.claim)),
            f"Numerically, the value lies in $[{self.interval.lo},\\ {self.interval.hi}]$.",
            "\\end{theorem}",
            "\\begin{proof}[Proof sketch (machine-checked)]",
            "Source: " + _latex_escape(self.source) + ".",
            "\\begin{itemize}",
        ]
        for chk in self.checks:
            mark = "passed" if chk.passed else "FAILED"
            lines.append(f"\\item \\texttt{{{_latex_escape(chk.name)}}} ({mark}): {_latex_escape(chk.evidence)}")
        lines += ["\\end{itemize}", "\\end{proof}", "", "% table row: result & interval & digits & checks", self.table_row()]
        return "\n".join(lines) + "\n"


def _sci(value: Any) -> str:
    from flint import arb

    q = to_fmpq(value)
    if q == 0:
        return "0"
    return f"{float(arb(q)):.3e}"

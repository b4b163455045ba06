"""``dicert certify``: certificates issued and re-checked by the independent checker.

``dicert certify NAME|--all [--digits D] [--claim VALUE] [--trust-cited] [--q Q] [--eps E] [--full]
[--json] [--latex FILE] [--out FILE.json] [--check FILE.json]``

- ``NAME`` is a registered result (``ising``, ``ising_q``, ``trapdoor``,
  ``bec_noc``), optionally with parameters ``NAME:key=value``.
- Every certificate states what is *proven* (``C_fb in [lower, upper]``,
  machine-checked from the channel: Q-graph duality bound, BCJR-invariant
  lower bound, exact Bellman identities) and what is *cited* (the closed form
  ``C_fb = ...`` of a paper; its value is proven to any number of digits).
- ``--claim`` decides a decimal claim against the **proven** interval (exit 0
  correct, 1 refuted or undecided); with ``--trust-cited`` against the cited
  closed form's enclosure instead.  The verdict says which.
- ``--check FILE.json`` re-verifies a stored certificate with the checker;
  with ``--claim`` the claim is decided on the re-checked interval.
  ``--check`` accepts ``--claim``, ``--trust-cited``, ``--json``, ``--latex``; other options are refused.
- ``--all`` certifies every registered instance; it accepts ``--digits``,
  ``--full``, ``--json`` and refuses every other option.
- ``--full`` adds display-only checks (sympy proof, interval cover of h*);
  they are not written to ``--out`` and not re-checked by ``--check``.

Exit codes: 0 verified (and claim correct), 1 a check failed or a claim is
refuted/undecided, 2 bad input (including unreadable/unwritable files).

Examples
--------
>>> from dicert.proofs.cli import run
>>> run(["certify", "trapdoor", "--digits", "12", "--claim", "0.6942"])
0.694241913631
0
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Optional

import typer

from dicert.proofs.cli.tables import print_table

__all__ = ["certify", "write_output", "read_certificate", "decide"]


def write_output(path: Path, text: str, option: str) -> None:
    """Write a file for ``option`` (e.g. ``--out``); any OS error becomes a one-line ``InvalidInput``.

    Examples
    --------
    >>> write_output(Path("/nonexistent-dir/x.json"), "{}", "--out")
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidInput: --out: cannot write '/nonexistent-dir/x.json' (FileNotFoundError: No such file or directory)
    """
    from dicert.graphs.errors import InvalidInput

    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"{option}: cannot write {str(path)!r} ({type(exc).__name__}: {exc.strerror or exc})") from None


def read_certificate(path: Path) -> Any:
    """Parse a certificate file; unreadable, binary or non-JSON files raise a one-line ``InvalidInput``."""
    import json

    from dicert.graphs.errors import InvalidInput

    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"--check: file {str(path)!r} does not exist") from None
    except IsADirectoryError:
        raise InvalidInput(f"--check: {str(path)!r} is a directory, expected a certificate .json file") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"--check: {str(path)!r} is not a UTF-8 text file (expected certificate JSON)") from None
    except OSError as exc:
        raise InvalidInput(f"--check: cannot read {str(path)!r} ({type(exc).__name__})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"--check: {str(path)!r} is not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise InvalidInput(f"--check: {str(path)!r} is nested too deeply") from None


def decide(claim: str, cert: Any, trust_cited: bool) -> Any:
    """Decide ``claim`` on the proven interval (or, with ``trust_cited``, on the cited closed form)."""
    from dicert.verify.certify.claims import ClaimDecision, decide_claim, parse_claim

    parse_claim(claim)  # validate first (exit 2 on bad text)
    if trust_cited:
        if cert.cited_interval is None:
            return ClaimDecision(claim, "undecided", "this certificate cites no closed form", 0), "cited"
        return decide_claim(claim, cert.cited_interval), "cited"
    if cert.interval is None:
        return ClaimDecision(claim, "undecided", "no interval of C_fb is machine-proven here (the closed form is "
                             "cited); pass --trust-cited to decide against the cited closed form", 0), "proven"
    return decide_claim(claim, cert.interval), "proven"


def _summary(cert: Any, decision: Any = None, basis: str = "proven", problems: Any = None) -> dict:
    out = cert.to_json()
    out.pop("witness", None)
    channel = out.get("channel") or {}
    out["channel"] = {k: channel.get(k) for k in ("fingerprint", "exact_from", "exact_from_check")}
    if out.get("value") is not None and out.get("value_digits", 0) <= 15:
        out["value"] = float(out["value"])
    out["checks"] = [{"name": c.name, "kind": c.kind, "passed": c.passed, "evidence": c.evidence} for c in cert.checks]
    out["verified"] = cert.verified and not problems
    if problems:
        out["problems"] = list(problems)
    if decision is not None:
        out["claim_decision"] = {"claim": decision.claim, "verdict": decision.verdict, "reason": decision.reason,
                                 "basis": basis}
    return out


def _short(text: str, keep: int = 22) -> str:
    return text if len(text) <= keep else text[:keep] + "…"


def _print_checks(cert: Any, problems: Any = None) -> None:
    from rich.markup import escape
    from rich.table import Table

    from dicert.proofs.cli.common import stderr_console

    ok = cert.verified and not problems
    table = Table(title=f"{escape(cert.title)}: {'verified' if ok else 'NOT verified'}", title_justify="left")
    for col in ("check", "result", "evidence"):
        table.add_column(col, overflow="fold")
    for chk in cert.checks:
        table.add_row(escape(chk.name), "[green]pass[/]" if chk.passed else "[red]FAIL[/]", escape(chk.evidence))
    console = stderr_console
    print_table(table, console)
    proven = cert.proven
    if proven["upper"] is not None:
        console.print(f"proven: C_fb in [{_short(proven['lower'], 60)}, {_short(proven['upper'], 60)}] "
                      f"(width {proven['width']}, {proven['digits']} digits{', exact' if proven['exact'] else ''})")
        for method in proven["methods"]:
            console.print(f"  {escape(method)}")
    else:
        console.print(f"proven: {escape(proven['statement'])}")
    if cert.cited is not None:
        console.print(f"cited: {escape(cert.cited['statement'])} ({escape(cert.cited['source'])}); "
                      f"closed form = {_short(cert.cited['value'], 60)} (value proven to {cert.digits} digits)")
    for problem in problems or []:
        console.print(f"[red]problem[/]: {escape(problem)}")


def _print_value(cert: Any) -> None:
    if cert.value is not None:
        typer.echo(cert.value)
    elif cert.cited is not None:
        typer.echo(cert.cited["value"])


def _finish(cert: Any, claim: Any, trust_cited: bool, as_json: bool, latex: Any, problems: Any = None) -> int:
    from dicert.graphs.errors import ClaimRefuted
    from dicert.proofs.cli.common import emit_json, stderr_console

    decision, basis = decide(claim, cert, trust_cited) if claim is not None else (None, "proven")
    if latex is not None:
        write_output(latex, cert.to_latex(standalone=True), "--latex")
    if as_json:
        emit_json(_summary(cert, decision, basis, problems))
    else:
        _print_checks(cert, problems)
        _print_value(cert)
    if not cert.verified or problems:
        stderr_console.print("[red]not verified[/]: " + "; ".join(
            [c.name for c in cert.failed_checks()] + list(problems or [])))
        return 1
    if decision is not None:
        label = "proven interval" if basis == "proven" else "cited closed form (--trust-cited)"
        if decision.verdict == "refuted":
            raise ClaimRefuted(f"claim {claim}: {decision.reason} (decided on the {label})")
        if decision.verdict == "undecided":
            hint = f" (try --digits {decision.digits_needed})" if decision.digits_needed else ""
            stderr_console.print(f"undecided: claim {claim}: {decision.reason}{hint} (decided on the {label})")
            return 1
        stderr_console.print(f"correct: claim {claim}: {decision.reason} (decided on the {label})")
    return 0


def _run_all(digits: int, full: bool, as_json: bool) -> int:
    from rich.table import Table

    from dicert.proofs import registry
    from dicert.proofs.cli.common import emit_json, stderr_console

    start = time.perf_counter()
    rows, results = [], []
    for name in registry.names():
        entry = registry.get(name)
        for params in entry.instances:
            t0 = time.perf_counter()
            cert = registry.build(name, digits=digits, extended=full, **params)
            elapsed = time.perf_counter() - t0
            label = name + ("" if not params else ":" + ",".join(f"{k}={v}" for k, v in params.items()))
            rows.append((label, cert, elapsed))
            results.append({**_summary(cert), "label": label})
    table = Table(title=f"dicert certify --all ({digits} digits)", title_justify="left")
    for col in ("result", "proven interval of C_fb", "proven digits", "checks", "cited closed form", "time (s)",
                "status"):
        table.add_column(col, justify="right" if col in ("proven digits", "time (s)") else "left")
    for label, cert, elapsed in rows:
        ok, total = cert.checks_passed()
        iv = cert.interval
        table.add_row(
            label,
            "-" if iv is None else f"[{_short(iv.lo, 18)}, {_short(iv.hi, 18)}]",
            str(cert.proven["digits"]),
            f"{ok}/{total}",
            "-" if cert.cited is None else _short(cert.cited["value"], 18),
            f"{elapsed:.2f}",
            ("[green]proven[/]" if iv is not None else "[yellow]verified, C_fb cited[/]") if cert.verified
            else "[red]FAILED[/]",
        )
    print_table(table)
    all_ok = all(r[1].verified for r in rows)
    if as_json:
        emit_json({"results": results, "verified": all_ok, "seconds": round(time.perf_counter() - start, 4)})
    return 0 if all_ok else 1


def _refuse(mode: str, given: dict) -> None:
    from dicert.graphs.errors import InvalidInput

    bad = [opt for opt, value in given.items() if value not in (None, False)]
    if bad:
        raise InvalidInput(f"{bad[0]}: cannot be used with {mode}")


def certify(
    name: Optional[str] = typer.Argument(None, help="Result to certify: ising, ising_q, trapdoor, bec_noc (NAME:key=value)."),  # noqa: UP007
    all_: bool = typer.Option(False, "--all", help="Certify every registered result and print a table."),
    digits: Optional[int] = typer.Option(None, "--digits", help="Correct decimal digits (default 30)."),  # noqa: UP007
    claim: Optional[str] = typer.Option(None, "--claim", help="Decimal claim to decide, e.g. 0.5755."),  # noqa: UP007
    trust_cited: bool = typer.Option(False, "--trust-cited", help="Decide --claim on the cited closed form."),
    q: Optional[int] = typer.Option(None, "--q", help="Alphabet size for ising_q (2..8)."),  # noqa: UP007
    eps: Optional[str] = typer.Option(None, "--eps", help="Erasure probability for bec_noc (rational, e.g. 1/2)."),  # noqa: UP007
    full: bool = typer.Option(False, "--full", help="Also run the display-only extended checks."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    latex: Optional[Path] = typer.Option(None, "--latex", help="Write a LaTeX theorem, proof sketch and table row."),  # noqa: UP007
    out: Optional[Path] = typer.Option(None, "--out", help="Write the full, re-checkable certificate JSON."),  # noqa: UP007
    check: Optional[Path] = typer.Option(None, "--check", help="Re-verify a stored certificate JSON."),  # noqa: UP007
) -> int:
    """Certify a feedback capacity: proven interval, cited closed form, re-checkable certificate."""
    from dicert.graphs.errors import InvalidInput
    from dicert.verify.certify.claims import parse_claim

    if claim is not None:
        parse_claim(claim)
    from dicert.proofs.cli.common import check_output_path

    for field, target in (("--out", out), ("--latex", latex)):
        if target is not None:
            check_output_path(target, field)  # refuse before the work, not after it
    if check is not None:
        _refuse("--check", {"NAME": name, "--all": all_, "--digits": digits, "--q": q, "--eps": eps, "--full": full,
                            "--out": out})
        return _check_file(check, as_json, claim, trust_cited, latex)
    if all_:
        _refuse("--all", {"NAME": name, "--claim": claim, "--trust-cited": trust_cited, "--q": q, "--eps": eps,
                          "--latex": latex, "--out": out})
        if digits is not None and digits < 1:
            raise InvalidInput(f"--digits: expected a positive integer, got {digits}")
        return _run_all(30 if digits is None else digits, full, as_json)
    if name is None:
        raise InvalidInput("name: expected a result name (ising, ising_q, trapdoor, bec_noc) or --all")
    from dicert.proofs import registry

    base, params = registry.parse_name(name)
    if q is not None:
        params["q"] = q
    if eps is not None:
        params["eps"] = eps
    if digits is None:
        digits = 30 if claim is None else max(30, parse_claim(claim)[1] + 5)
    if digits < 1:
        raise InvalidInput(f"--digits: expected a positive integer, got {digits}")
    cert = registry.build(base, digits=digits, extended=full, **params)
    if out is not None:
        write_output(out, cert.dumps() + "\n", "--out")
    return _finish(cert, claim, trust_cited, as_json, latex)


def _check_file(path: Path, as_json: bool, claim: Any, trust_cited: bool, latex: Any) -> int:
    from dicert.proofs import registry
    from dicert.verify.certify.certificate import Certificate

    data = read_certificate(path)
    fresh, problems = registry.recheck(data)
    if fresh is None:
        from dicert.proofs.cli.common import emit_json, stderr_console

        if as_json:
            emit_json({"verified": False, "problems": problems})
        else:
            stderr_console.print(f"[red]not verified[/]: {problems[0] if problems else 'unreadable certificate'}")
        return 1
    shown = fresh if problems else Certificate(data)
    return _finish(shown, claim, trust_cited, as_json, latex, problems)

"""``dicert certify``: certified closed forms and rigorous Q-graph bounds.

``dicert certify NAME|--all [--digits D] [--claim VALUE] [--q Q] [--eps E] [--full]
[--json] [--latex FILE] [--out FILE.json] [--check FILE.json]``

- ``NAME`` is a registered result (``ising``, ``ising_q``, ``trapdoor``,
  ``bec_noc``), optionally with parameters ``NAME:key=value``.
- ``--claim`` decides a decimal claim against the certified interval: exit 0
  when proven correct, 1 with ``refuted`` when proven wrong, 1 with
  ``undecided`` when more digits are needed.
- ``--check FILE.json`` re-verifies a stored certificate from its inputs.
- ``--full`` adds the slow extended checks (sympy proof, dense interval cover).

Exit codes: 0 verified (and claim correct), 1 a check failed or a claim is
refuted/undecided, 2 bad input.  ``--json`` prints one JSON object on stdout.

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

__all__ = ["certify"]


def _value_field(cert: Any) -> Any:
    return float(cert.value) if cert.digits <= 15 else cert.value


def _summary(cert: Any, claim: Any = None) -> dict:
    out = cert.to_json(include_data=False)
    out["value"] = _value_field(cert)
    out["checks"] = [
        {"name": c["name"], "passed": c["passed"], "evidence": c["evidence"], "seconds": c["seconds"]}
        for c in out["checks"]
    ]
    out.pop("inputs", None)
    if claim is not None:
        out["claim_decision"] = {"claim": claim.claim, "verdict": claim.verdict, "reason": claim.reason}
    return out


def _short(text: str, keep: int = 22) -> str:
    return text if len(text) <= keep else text[:keep] + "…"


def _print_checks(cert: Any) -> None:
    from rich.table import Table

    from dicert.proofs.cli.common import stderr_console

    table = Table(title=f"{cert.title}: {'verified' if cert.verified else 'NOT verified'}", title_justify="left")
    table.add_column("check")
    table.add_column("result")
    table.add_column("seconds", justify="right")
    table.add_column("evidence", overflow="fold")
    for chk in cert.checks:
        table.add_row(chk.name, "[green]pass[/]" if chk.passed else "[red]FAIL[/]", f"{chk.seconds:.3f}", chk.evidence)
    _wide_console(stderr_console).print(table)
    stderr_console.print(f"interval: [{_short(cert.interval.lo, 60)}, {_short(cert.interval.hi, 60)}]")
    if cert.upper is not None:
        stderr_console.print(f"Q-graph bounds: lower {_short(cert.lower, 24)}  upper {_short(cert.upper, 24)}  gap {cert.gap}")


def _wide_console(console: Any) -> Any:
    """The stderr console, widened to 120 columns when stderr is not a terminal (logs, CI)."""
    if console.is_terminal:
        return console
    from rich.console import Console

    return Console(stderr=True, width=120)


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
            ok, total = cert.checks_passed()
            label = name + ("" if not params else ":" + ",".join(f"{k}={v}" for k, v in params.items()))
            rows.append((label, cert, ok, total, elapsed))
            results.append({**_summary(cert), "label": label})
    table = Table(title=f"dicert certify --all ({digits} digits)", title_justify="left")
    for col in ("result", "certified interval", "digits", "checks", "Q-graph gap", "time (s)", "status"):
        table.add_column(col, justify="right" if col in ("digits", "time (s)") else "left")
    for label, cert, ok, total, elapsed in rows:
        table.add_row(
            label,
            f"[{_short(cert.interval.lo, 18)}, {_short(cert.interval.hi, 18)}]",
            str(cert.digits),
            f"{ok}/{total}",
            cert.gap or "-",
            f"{elapsed:.2f}",
            "[green]verified[/]" if cert.verified else "[red]FAILED[/]",
        )
    _wide_console(stderr_console).print(table)
    all_ok = all(r[1].verified for r in rows)
    if as_json:
        emit_json({"results": results, "verified": all_ok, "seconds": round(time.perf_counter() - start, 4)})
    return 0 if all_ok else 1


def certify(
    name: Optional[str] = typer.Argument(None, help="Result to certify: ising, ising_q, trapdoor, bec_noc (NAME:key=value)."),  # noqa: UP007
    all_: bool = typer.Option(False, "--all", help="Certify every registered result and print a table."),
    digits: Optional[int] = typer.Option(None, "--digits", help="Correct decimal digits (default 30)."),  # noqa: UP007
    claim: Optional[str] = typer.Option(None, "--claim", help="Decimal claim to decide, e.g. 0.5755."),  # noqa: UP007
    q: Optional[int] = typer.Option(None, "--q", help="Alphabet size for ising_q (2..8)."),  # noqa: UP007
    eps: Optional[str] = typer.Option(None, "--eps", help="Erasure probability for bec_noc (rational, e.g. 1/2)."),  # noqa: UP007
    full: bool = typer.Option(False, "--full", help="Also run the extended checks (sympy, interval cover of h*)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object on stdout."),
    latex: Optional[Path] = typer.Option(None, "--latex", help="Write a LaTeX theorem, proof sketch and table row."),  # noqa: UP007
    out: Optional[Path] = typer.Option(None, "--out", help="Write the full, re-checkable certificate JSON."),  # noqa: UP007
    check: Optional[Path] = typer.Option(None, "--check", help="Re-verify a stored certificate JSON from its inputs."),  # noqa: UP007
) -> int:
    """Certify a closed-form feedback capacity with rigorous interval arithmetic."""
    from dicert.graphs.errors import ClaimRefuted, InvalidInput
    from dicert.proofs.cli.common import emit_json, stderr_console

    from dicert.proofs.cli.common import check_output_path

    for field, target in (("--out", out), ("--latex", latex)):
        if target is not None:
            check_output_path(target, field)  # refuse before the work, not after it
    if check is not None:
        return _check_file(check, as_json)
    if all_:
        if name is not None:
            raise InvalidInput("name: give either a NAME or --all, not both")
        return _run_all(30 if digits is None else digits, full, as_json)
    if name is None:
        raise InvalidInput("name: expected a result name (ising, ising_q, trapdoor, bec_noc) or --all")
    from dicert.proofs import registry
    from dicert.verify.certify.claims import decide_claim, parse_claim

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
    decision = decide_claim(claim, cert.interval) if claim is not None else None
    if out is not None:
        out.write_text(cert.dumps() + "\n")
    if latex is not None:
        latex.write_text(cert.to_latex())
    if as_json:
        emit_json(_summary(cert, decision))
    else:
        _print_checks(cert)
        typer.echo(cert.value)
    if not cert.verified:
        stderr_console.print("[red]not verified[/]: " + "; ".join(c.name for c in cert.failed_checks()))
        return 1
    if decision is not None:
        if decision.verdict == "refuted":
            raise ClaimRefuted(f"claim {claim}: {decision.reason}")
        if decision.verdict == "undecided":
            stderr_console.print(f"undecided: claim {claim}: {decision.reason} (try --digits {decision.digits_needed})")
            return 1
        stderr_console.print(f"correct: claim {claim}: {decision.reason}")
    return 0


def _check_file(path: Path, as_json: bool) -> int:
    import json

    from dicert.graphs.errors import InvalidInput
    from dicert.proofs import registry
    from dicert.proofs.cli.common import emit_json
    from dicert.verify.certify.certificate import Certificate

    if path.is_dir():
        raise InvalidInput(f"--check {path}: is a directory, expected a certificate .json file")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"--check {path}: file does not exist") from None
    except OSError as exc:
        raise InvalidInput(f"--check {path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"--check {path}: not UTF-8 text, expected a certificate .json file") from None
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"--check {path}: not valid JSON ({exc.msg} at line {exc.lineno})") from None
    except RecursionError:
        raise InvalidInput(f"--check {path}: JSON nested too deeply") from None
    cert = registry.recheck(Certificate.from_json(data))
    if as_json:
        emit_json(_summary(cert))
    else:
        _print_checks(cert)
    return 0 if cert.verified else 1

"""``dicert bounds CHANNEL --nletter N [--no-feedback]``: the n-letter bound sequences of any FSC.

For every finite-state channel (unifilar or not, with or without an input
constraint) this prints, for ``n = 1..N``:

* with feedback, the lower and upper sequences of Thm 4.2.1
  (:func:`dicert.verify.capacity.nletter.nletter_bounds`): ``lower_n`` evaluated
  at the max-min program's input, ``upper_n`` the n-letter duality bound, each with
  Gallager's ``log2|S|/n`` slack; reported as running max / min, so ``lower`` is
  non-decreasing and ``upper`` non-increasing;
* without feedback, the same for ``max_{P(x^n)} I(X^n; Y^n)`` (eq. (4.12),
  :func:`dicert.verify.capacity.nofeedback.nofeedback_bounds`).

By default both are printed side by side (``gain_lower``: the feedback lower bound
minus the no-feedback upper bound, positive when feedback provably helps);
``--no-feedback`` prints only the feedback-free sequences.  ``dicert bounds`` hands
over to :func:`nletter_report` whenever ``--nletter`` (or ``--no-feedback``) is given.  The numbers are
floating-point evaluations of bounds at the solvers' witnesses (valid up to
rounding), not interval-certified values.

Examples
--------
>>> from dicert.proofs.cli import run
>>> run(["bounds", "bsc:p=0.1", "--nletter", "2", "--json"])  # doctest: +ELLIPSIS
{"channel": "bsc:p=0.1", "method": "n-letter bounds (Thm 4.2.1; eq. (4.12) without feedback)", ...}
0
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import typer

from dicert.proofs.cli.common import emit_json, stderr_console
from dicert.proofs.cli.tables import print_table

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import Channel

__all__ = ["nletter_report"]


def _sequences(bounds: Any, estimate_keys: dict[str, str]) -> dict[str, Any]:
    data = bounds.to_dict()
    out = {
        "ns": data["ns"],
        "lower": data["lower_monotone"],
        "upper": data["upper_monotone"],
        "lower_per_n": data["lower"],
        "upper_per_n": data["upper"],
    }
    for key, name in estimate_keys.items():
        out[name] = data[key]
    out["seconds"] = data["seconds"]
    return out


def nletter_report(channel_text: str, channel: Channel, n: int, *, no_feedback: bool, json_output: bool) -> None:
    """Compute and print the n-letter sequences (see the module docstring)."""
    from dicert.verify.errors import InvalidInput

    if no_feedback and not n:
        raise InvalidInput("--no-feedback: expected --nletter N as well (the no-feedback bounds are n-letter bounds)")
    if isinstance(n, bool) or n < 1:
        raise InvalidInput(f"--nletter: expected an integer >= 1, got {n!r}")
    from dicert.verify.capacity.nletter import SOLVER_COPIES, check_nletter_size, fsc_law
    from dicert.verify.capacity.nofeedback import nofeedback_bounds

    start = time.perf_counter()
    law = fsc_law(channel)
    ns_states, nx, ny, _ = law.shape
    if not no_feedback:
        check_nletter_size((ns_states, nx, ny), n, copies=SOLVER_COPIES)  # before any allocation
    check_nletter_size((ns_states, nx, ny), n)
    payload: dict[str, Any] = {
        "channel": channel_text,
        "method": "n-letter bounds (Thm 4.2.1; eq. (4.12) without feedback)",
        "n": n,
        "states": ns_states,
        "constrained": getattr(channel, "allowed", None) is not None,
    }
    feedback = None
    with stderr_console.status("n-letter programs ..."):
        if not no_feedback:
            from dicert.verify.capacity.nletter import nletter_bounds

            feedback = nletter_bounds(channel, n)
            payload["feedback"] = _sequences(
                feedback,
                {"maxmin": "maxmin_estimate", "maxmax": "maxmax_estimate", "per_state": "per_state_estimate"},
            )
        nofb = nofeedback_bounds(channel, n)
        payload["no_feedback"] = _sequences(
            nofb,
            {"maxmin_estimate": "maxmin_estimate", "per_state_lower": "per_state_lower",
             "per_state_upper": "per_state_upper"},
        )
    side = payload["no_feedback"] if feedback is None else payload["feedback"]
    payload["lower"], payload["upper"] = side["lower"][-1], side["upper"][-1]
    if feedback is not None:
        nf_upper = payload["no_feedback"]["upper"][-1]
        fb_lower = payload["feedback"]["lower"][-1]
        payload["gain_lower"] = None if fb_lower is None or nf_upper is None else fb_lower - nf_upper
    payload["note"] = "floating-point bounds evaluated at solver witnesses (valid up to rounding), not certified"
    payload["seconds"] = time.perf_counter() - start
    if json_output:
        emit_json(payload)
        return
    from rich.table import Table

    def fmt(v: Any) -> str:
        return "-" if v is None else f"{v:.6f}"

    table = Table(title=f"n-letter bounds on the capacity of {channel_text} (bits/use, |S|={ns_states})")
    table.add_column("n", justify="right")
    if feedback is not None:
        table.add_column("feedback lower", justify="right")
        table.add_column("feedback upper", justify="right")
    table.add_column("no-feedback lower", justify="right")
    table.add_column("no-feedback upper", justify="right")
    nf = payload["no_feedback"]
    for k, nn in enumerate(nf["ns"]):
        row = [str(nn)]
        if feedback is not None:
            row += [fmt(payload["feedback"]["lower"][k]), fmt(payload["feedback"]["upper"][k])]
        row += [fmt(nf["lower"][k]), fmt(nf["upper"][k])]
        table.add_row(*row)
    print_table(table)
    typer.echo(f"lower {fmt(payload['lower'])}")
    typer.echo(f"upper {fmt(payload['upper'])}")
    stderr_console.print(f"{payload['seconds']:.2f} s; {payload['note']}")

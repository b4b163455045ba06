"""Decide a claimed decimal value against a certified interval (``dicert certify --claim``).

A claim ``c`` written with ``k`` digits after the decimal point is *correct*
when the true value ``v`` satisfies ``|v - c| <= 0.5 * 10**-k`` (it is ``v``
rounded to ``k`` places, ties either way).  With a certified interval
``[lo, hi]`` containing ``v`` and the acceptance window ``W = [c - h, c + h]``,
``h = 0.5 * 10**-k``:

- ``[lo, hi]`` inside ``W``: every possible ``v`` is within ``h`` of ``c`` -> **correct**;
- ``[lo, hi]`` disjoint from ``W``: no possible ``v`` is -> **refuted**;
- otherwise more digits are needed -> **undecided**.

All comparisons are exact rational arithmetic.

Examples
--------
>>> from dicert.verify.certify.claims import decide_claim
>>> from dicert.verify.certify.intervals import DecimalInterval
>>> box = DecimalInterval("0.575521574168", "0.575521574169")
>>> [decide_claim(c, box).verdict for c in ["0.5756", "0.5755215", "0.57552", "0.5755216"]]
['refuted', 'refuted', 'correct', 'correct']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flint import fmpq

from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.intervals import DecimalInterval, decimal_ceil, decimal_floor, to_fmpq

__all__ = ["ClaimDecision", "parse_claim", "decide_claim"]

_DECIMAL = re.compile(r"^[+-]?([0-9]+)(\.([0-9]*))?$")


def parse_claim(text: str) -> tuple[fmpq, int]:
    """Exact value and number of digits after the point of a decimal claim.

    Examples
    --------
    >>> parse_claim("0.5756")
    (1439/2500, 4)
    >>> parse_claim("0.57e1")
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidInput: claim: expected a plain decimal such as 0.5755, got '0.57e1'
    """
    text = str(text).strip()
    match = _DECIMAL.match(text) if text.isascii() else None
    if not match:
        raise InvalidInput(f"claim: expected a plain decimal such as 0.5755, got {text!r}")
    decimals = len(match.group(3) or "")
    return to_fmpq(text), decimals


@dataclass(frozen=True)
class ClaimDecision:
    """Verdict on a claim: ``correct``, ``refuted`` or ``undecided``, with the reason."""

    claim: str
    verdict: str
    reason: str
    digits_needed: int

    @property
    def exit_code(self) -> int:
        """0 when proven correct, 1 otherwise."""
        return 0 if self.verdict == "correct" else 1


def decide_claim(claim: str, interval: DecimalInterval) -> ClaimDecision:
    """Compare a claimed decimal with a certified interval (see module docstring).

    Examples
    --------
    >>> decide_claim("0.5755216", DecimalInterval("0.57", "0.58")).verdict
    'undecided'
    """
    value, k = parse_claim(claim)
    half = fmpq(1, 2 * 10**k)
    lo, hi = interval.bounds()
    win_lo, win_hi = value - half, value + half
    window = f"[{decimal_floor(win_lo, k + 1)}, {decimal_ceil(win_hi, k + 1)}]"
    if win_lo <= lo and hi <= win_hi:
        return ClaimDecision(claim, "correct", f"certified interval lies inside {window} (|value - claim| <= 0.5e-{k})", k)
    if hi < win_lo or lo > win_hi:
        side = "above" if lo > win_hi else "below"
        return ClaimDecision(
            claim, "refuted", f"the value is proven to lie {side} the window {window}, so |value - claim| > 0.5e-{k}", k
        )
    return ClaimDecision(claim, "undecided", f"the certified interval overlaps the edge of {window}; more digits needed", k + 2)

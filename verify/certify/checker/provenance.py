"""What the checker can and cannot confirm about where a channel's rationals came from.

A ``qgraph_bracket`` certificate states, in ``channel.exact_from``, how its
exact law was obtained: ``"text"`` (the digits of a channel file),
``"binary-float"`` (the exact binary value of IEEE doubles) or
``"float-shortest-decimal"`` (the shortest decimal that reads back as the same
double).  The proof is about the stated exact law whatever its origin; the
provenance is metadata.  This module binds it as far as the exact data allows
and labels the rest:

- ``binary-float``: every probability must be an exact double (``Fraction(float(p)) == p``);
- ``float-shortest-decimal``: every probability must equal the shortest decimal of its double;
- ``text``: any rational can be written in a file, so nothing can be confirmed: *unverified*.

A stated origin that contradicts the law is an error (the certificate fails
closed); the result of the test is written into the certificate as
``channel.exact_from_check`` and recomputed on every check.

Examples
--------
>>> from dicert.verify.certify.checker.exact import ExactChannel
>>> from dicert.verify.certify.checker.provenance import exact_from_check
>>> ch = ExactChannel.from_json({"law": [[["1/4", "3/4"]]], "next_state": [[[0, 0]]]})
>>> exact_from_check(ch, "binary-float")
'verified: every probability is an exact binary double'
>>> exact_from_check(ch, "text")
'unverified: stated by the issuer (a file text cannot be recomputed from the law)'
>>> exact_from_check(ExactChannel.from_json({"law": [[["1/3", "2/3"]]], "next_state": [[[0, 0]]]}), "binary-float")
Traceback (most recent call last):
...
dicert.graphs.errors.InvalidInput: channel.exact_from: 'binary-float' but channel.law[0][0][0] = 1/3 is not an exact double
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from dicert.graphs.errors import InvalidInput

__all__ = ["exact_from_check", "EXACT_FROM_CHECKS"]

#: The label written for each origin the checker can confirm, and for the unconfirmable one.
EXACT_FROM_CHECKS = {
    "registry": "verified: the registered channel of this result",
    "binary-float": "verified: every probability is an exact binary double",
    "float-shortest-decimal": "verified: every probability is the shortest decimal of a double",
    "text": "unverified: stated by the issuer (a file text cannot be recomputed from the law)",
}


def _fraction(p: Any) -> Fraction:
    return Fraction(int(p.p), int(p.q))


def _is_double(f: Fraction) -> bool:
    try:
        return Fraction(float(f)) == f
    except OverflowError:  # pragma: no cover - probabilities are in [0, 1]
        return False


def _is_shortest_decimal(f: Fraction) -> bool:
    return Fraction(repr(float(f))) == f


def exact_from_check(exact: Any, exact_from: str) -> str:
    """The label of ``exact_from`` for the exact channel ``exact``; InvalidInput when the law contradicts it."""
    if exact_from not in EXACT_FROM_CHECKS:
        raise InvalidInput(f"channel.exact_from: expected one of {', '.join(EXACT_FROM_CHECKS)}")
    test = {"binary-float": (_is_double, "an exact double"),
            "float-shortest-decimal": (_is_shortest_decimal, "the shortest decimal of a double")}.get(exact_from)
    if test is not None:
        ok, what = test
        for s, block in enumerate(exact.law):
            for x, row in enumerate(block):
                for y, p in enumerate(row):
                    f = _fraction(p)
                    if not ok(f):
                        raise InvalidInput(f"channel.exact_from: {exact_from!r} but channel.law[{s}][{x}][{y}] = "
                                           f"{f} is not {what}")
    return EXACT_FROM_CHECKS[exact_from]

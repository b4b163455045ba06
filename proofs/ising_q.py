"""Feedback capacity of the q-ary Ising channel, ``|X| = q <= 8`` (monograph Thm 4.6.1).

Theorem 4.6.1 states (4.78) ``C = max_{p in [0,1]} 2 (H2(p) + (1-p) log2(q-1)) / (p+3)``
and, equivalently, (4.79) ``C = 1/2 log2(1/p*)`` with ``p*`` the unique root in
``[0, 1]`` of ``x^4 - ((q-1)^4 + 4) x^3 + 6 x^2 - 4 x + 1``.  (Aharoni, Sabag,
Permuter et al. [aharoni2024capacityrl]; monograph Sec. 4.6.4.)

Why (4.78) equals (4.79).  Write ``F(p)`` for the objective of (4.78) and
``L = ln(q-1)``.  In natural logarithms, the numerator of ``F'(p)`` is
``N(p) = (H'(p) - L)(p+3) - (H(p) + (1-p)L) = 4 ln(1-p) - 3 ln p - 4L``
(``H`` the binary entropy in nats).  ``N' = -4/(1-p) - 3/p < 0``, ``N -> +inf``
at 0 and ``N(1^-) = -inf``, so ``F`` increases then decreases and its unique
maximiser ``p*`` solves ``N = 0``, i.e. ``(1-p)^4 = (q-1)^4 p^3`` -- which is
exactly the quartic.  At ``p*``, ``ln(1-p) = L + 3/4 ln p`` turns
``F(p*)`` into ``-1/2 log2 p*``.  The checks prove each algebraic step exactly:

- ``root_unique``: Sturm count 1 on ``[0, 1]`` (the quartic has a unique root there);
- ``stationary_point``: ``N(p*) = 0`` from the quartic (log-linear prover);
- ``closed_form_identity``: ``F(p*) = -1/2 log2 p*`` (log-linear prover);
- ``reduces_to_binary`` (q = 2): the quartic is the Ising polynomial ``(1-a)^4 - a^3``;
- ``value_interval``: ``1/2 log2(1/p*)`` to any number of digits.

Examples
--------
>>> from dicert.proofs.ising_q import build
>>> cert = build(digits=20, q=3)
>>> cert.verified, cert.cited_interval.lo[:8]
(True, '0.961227')
"""

from __future__ import annotations

from dicert.graphs.errors import InvalidInput
from dicert.proofs.closed_form import issue_certificate
from dicert.verify.certify.certificate import Certificate, timed_check

__all__ = ["NAME", "quartic", "build"]

NAME = "ising_q"
SOURCE = "monograph Thm 4.6.1 (4.78)-(4.79), Sec. 4.6.4; Aharoni, Sabag & Permuter (q-ary Ising, |X| <= 8)"


def quartic(q: int) -> list[str]:
    """Coefficients (constant term first) of ``x^4 - ((q-1)^4 + 4) x^3 + 6 x^2 - 4 x + 1``.

    Examples
    --------
    >>> quartic(2)
    ['1', '-4', '6', '-5', '1']
    """
    return ["1", "-4", "6", str(-((q - 1) ** 4 + 4)), "1"]


def _check_q(q: int) -> int:
    if isinstance(q, bool) or not isinstance(q, int) or not 2 <= q <= 8:
        raise InvalidInput(f"q: expected an integer alphabet size in 2..8 (Thm 4.6.1), got {q!r}")
    return q


def build(digits: int = 30, q: int = 3, extended: bool = False) -> Certificate:
    """Certificate for ``C_fb`` of the ``q``-ary Ising channel (checks in the module docstring).

    Proven: the algebra of (4.79) and the closed form's value (any digits).
    Cited: ``C_fb`` equals it (Thm 4.6.1); no bound on ``C_fb`` is machine-proven,
    so ``--claim`` needs ``--trust-cited``.

    Examples
    --------
    >>> cert = build(digits=10, q=4)
    >>> cert.cited["value"], cert.interval is None
    ('1.2451361645', True)
    """
    q = _check_q(int(q) if isinstance(q, str) and q.isascii() and q.isdigit() else q)
    extra = []
    if q == 2:
        from dicert.proofs.ising import POLY

        with timed_check("reduces_to_binary", "polynomial_equality", {"poly": quartic(q), "binary": POLY}) as chk:
            chk.passed = [int(c) for c in quartic(q)] == [int(c) for c in POLY]
            chk.evidence = ("q = 2: the quartic equals (1-x)^4 - x^3, the binary Ising polynomial" if chk.passed
                            else "q = 2 quartic differs from the binary Ising polynomial")
        extra.append(chk)
    return issue_certificate(NAME, {"q": q}, digits, None, extra)


def polynomial_equality(data: dict) -> tuple[bool, str]:
    """Check kind ``polynomial_equality``: two coefficient lists are equal exactly.

    Examples
    --------
    >>> polynomial_equality({"poly": ["1", "2"], "binary": ["1", "2"]})[0]
    True
    """
    from dicert.verify.certify.intervals import to_fmpq

    same = [to_fmpq(c) for c in data["poly"]] == [to_fmpq(c) for c in data["binary"]]
    return same, "polynomials are identical" if same else "polynomials differ"


CHECK_KINDS = {"polynomial_equality": polynomial_equality}

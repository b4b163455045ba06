"""Registry of certified results: name -> builder, description, source, parameters.

Each entry builds a :class:`~dicert.verify.certify.certificate.Certificate`
with ``builder(digits, extended=False, **params)``; the certificate itself is
issued by the independent checker (:mod:`dicert.verify.certify.checker`),
whose own registry holds the claim texts, channels, closed forms and required
checks.  ``instances`` lists the parameter sets shown by ``dicert certify
--all``.  :func:`recheck` hands a stored certificate to the checker.

Examples
--------
>>> from dicert.proofs.registry import names, build
>>> names()
['bec_noc', 'ising', 'ising_q', 'trapdoor']
>>> build("ising_q", digits=15, q=2).verified
True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from dicert.graphs.errors import InvalidInput
from dicert.proofs import bec_noc, ising, ising_q, trapdoor
from dicert.verify.certify.certificate import Certificate

__all__ = ["ProofEntry", "REGISTRY", "names", "get", "build", "recheck", "parse_name"]


@dataclass(frozen=True)
class ProofEntry:
    """One registered result."""

    name: str
    title: str
    description: str
    source: str
    builder: Callable[..., Certificate]
    defaults: dict = field(default_factory=dict)
    instances: tuple = ({},)
    check_kinds: dict = field(default_factory=dict)


REGISTRY: dict[str, ProofEntry] = {
    entry.name: entry
    for entry in [
        ProofEntry("ising", ising.TITLE, "binary Ising channel: -1/2 log2 a, a^3 = (1-a)^4, with 4-node Q-graph bounds",
                   ising.SOURCE, ising.build, {}, ({},), ising.CHECK_KINDS),
        ProofEntry("ising_q", "q-ary Ising channel", "q-ary Ising channel, q = 2..8: 1/2 log2(1/p), quartic root (Thm 4.6.1)",
                   ising_q.SOURCE, ising_q.build, {"q": 3}, tuple({"q": q} for q in range(2, 9)), ising_q.CHECK_KINDS),
        ProofEntry("trapdoor", trapdoor.TITLE, "trapdoor channel: log2 of the golden ratio, with Q-graph bounds",
                   trapdoor.SOURCE, trapdoor.build, {}, ({},), {}),
        ProofEntry("bec_noc", "BEC, no consecutive ones", "BEC with a no-consecutive-ones input constraint: "
                   "max_p H2(p)/(p + 1/(1-eps))", bec_noc.SOURCE, bec_noc.build, {"eps": "1/2"},
                   ({"eps": "0"}, {"eps": "1/2"}, {"eps": "9/10"}), {}),
    ]
}

_ALIASES = {"bec-noc": "bec_noc", "ising-q": "ising_q", "ising_q2": "ising_q"}


def names() -> list[str]:
    """Registered result names (sorted).

    Examples
    --------
    >>> "ising" in names()
    True
    """
    return sorted(REGISTRY)


def parse_name(text: str) -> tuple[str, dict]:
    """Split ``NAME[:key=value,...]`` (the channel-spec syntax) into a name and parameters.

    Examples
    --------
    >>> parse_name("ising_q:q=4"), parse_name("bec-noc:eps=1/3")
    (('ising_q', {'q': '4'}), ('bec_noc', {'eps': '1/3'}))
    """
    base, _, rest = text.partition(":")
    params: dict[str, str] = {}
    if rest:
        for part in rest.split(","):
            key, sep, value = part.partition("=")
            if not sep or not key.strip():
                raise InvalidInput(f"name: expected NAME[:key=value,...], got {text!r}")
            params[key.strip()] = value.strip()
    return _ALIASES.get(base.strip(), base.strip()), params


def get(name: str) -> ProofEntry:
    """The entry of a registered result (accepts aliases such as ``bec-noc``).

    Examples
    --------
    >>> get("bec-noc").name
    'bec_noc'
    """
    key = _ALIASES.get(name, name)
    if key not in REGISTRY:
        raise InvalidInput(f"name: unknown result {name!r}, expected one of {', '.join(names())}")
    return REGISTRY[key]


def _coerce(entry: ProofEntry, params: dict) -> dict:
    out = {}
    for key, value in params.items():
        if key not in entry.defaults:
            allowed = ", ".join(sorted(entry.defaults)) or "none"
            raise InvalidInput(f"{key}: not a parameter of {entry.name!r} (parameters: {allowed})")
        default = entry.defaults[key]
        if isinstance(default, int):
            try:
                value = int(value)
            except (TypeError, ValueError):
                raise InvalidInput(f"{key}: expected an integer, got {value!r}") from None
        out[key] = value
    return out


def build(name: str, digits: int = 30, extended: bool = False, **params: Any) -> Certificate:
    """Build the certificate of a registered result.

    Examples
    --------
    >>> build("trapdoor", digits=12).gap
    '1.0e-15'
    """
    entry = get(name)
    return entry.builder(digits=digits, extended=extended, **_coerce(entry, params))


def recheck(data: dict) -> tuple[Certificate | None, list[str]]:
    """Re-verify a stored certificate JSON object with the independent checker.

    Returns the checker's recomputed certificate (None when the file could not
    be read as one) and the list of problems (empty exactly when verified).

    Examples
    --------
    >>> cert = build("trapdoor", digits=10).to_json()
    >>> recheck(cert)[1]
    []
    >>> cert["interval"] = ["0.6", "0.7"]                       # tampered proven interval
    >>> recheck(cert)[1]
    ['interval: the stored value is not the one the checker computes']
    """
    from dicert.verify.certify.checker.core import check

    report = check(data)
    fresh = None if report.certificate is None else Certificate(report.certificate)
    return fresh, list(report.problems)

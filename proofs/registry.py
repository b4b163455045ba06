"""Registry of certified results: name -> builder, description, source, parameters.

Each entry builds a :class:`~dicert.verify.certify.certificate.Certificate`
with ``builder(digits, extended=False, **params)``.  ``instances`` lists the
parameter sets shown by ``dicert certify --all``.  :func:`recheck` re-verifies
a stored certificate from its JSON inputs: every check is run again from its
own data (stored pass flags are ignored), the stored interval and bounds must
be the ones the checks prove, and the closed form and channel must be those
of the named result (so a file cannot certify a different number under a
known name).

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
from dicert.verify.certify.certificate import Certificate, Check
from dicert.verify.certify.checks import rerun_check

__all__ = ["ProofEntry", "REGISTRY", "names", "get", "build", "check_kinds", "recheck", "parse_name"]


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
    '2.000e-40'
    """
    entry = get(name)
    return entry.builder(digits=digits, extended=extended, **_coerce(entry, params))


def check_kinds() -> dict:
    """All proof-specific check kinds (merged over the registry).

    Examples
    --------
    >>> sorted(check_kinds())[:2]
    ['ising_hstar_cover', 'log_bellman_equation']
    """
    kinds: dict = {}
    for entry in REGISTRY.values():
        kinds.update(entry.check_kinds)
    return kinds


def _find(checks: list[Check], kind: str) -> Check | None:
    return next((c for c in checks if c.kind == kind), None)


def recheck(stored: Certificate) -> Certificate:
    """Re-verify a stored certificate from its inputs alone and return the re-checked copy.

    Examples
    --------
    >>> cert = build("trapdoor", digits=10)
    >>> cert.interval = type(cert.interval)("0.6", "0.7")        # tampered top-level interval
    >>> recheck(cert).verified
    False
    """
    entry = get(stored.name)
    kinds = check_kinds()
    rerun = [rerun_check(c, kinds) for c in stored.checks]
    problems: list[str] = []
    reference = entry.builder(digits=10, extended=False, **_coerce(entry, stored.params))
    value_check = _find(rerun, "value_enclosure")
    if value_check is None:
        problems.append("no value_enclosure check proves the interval")
    else:
        if list(value_check.data.get("interval", [])) != stored.interval.to_list():
            problems.append("the stored interval is not the one proven by value_enclosure")
        ref = reference.inputs.get("closed_form", {})
        mine = {k: value_check.data.get(k) for k in ("poly", "bracket", "coefficient")}
        if mine != ref:
            problems.append(f"the closed form checked is not the one of {entry.name!r} with {stored.params}")
    for name in {c.name for c in reference.checks}:
        if name not in {c.name for c in rerun}:
            problems.append(f"required check {name!r} is missing")
    for bound, kind in (("upper", "duality_upper_bound"), ("lower", "bcjr_lower_bound")):
        chk = _find(rerun, kind)
        value = getattr(stored, bound)
        if value is not None and (chk is None or chk.data.get(bound) != value):
            problems.append(f"the stored {bound} bound is not the one proven by {kind}")
        if chk is not None and chk.data.get("channel") != reference.inputs.get("channel"):
            problems.append(f"{kind} uses a channel other than the built-in {entry.name!r} channel")
    if problems:
        rerun.append(Check("certificate_consistency", "consistency", False, "; ".join(problems)))
    else:
        rerun.append(Check("certificate_consistency", "consistency", True,
                           "interval, bounds, closed form and channel match the re-run checks"))
    return Certificate(
        name=stored.name,
        title=stored.title,
        claim=stored.claim,
        source=stored.source,
        digits=stored.digits,
        interval=stored.interval,
        value=stored.value,
        checks=rerun,
        params=stored.params,
        upper=stored.upper,
        lower=stored.lower,
        latex_claim=stored.latex_claim,
        inputs=stored.inputs,
        versions=stored.versions,
        seconds=sum(c.seconds for c in rerun),
    )

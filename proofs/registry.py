"""Registry of certified results: name -> builder, description, source, parameters.

The registry is derived, not written: every module of :mod:`dicert.proofs` that
follows the :class:`ProofModule` protocol (``NAME``, ``TITLE``, ``DESCRIPTION``,
``SOURCE``, ``DEFAULTS``, ``INSTANCES``, ``CHECK_KINDS`` and ``build``) is one
entry (:func:`proof_modules`); a new result is a new module, nothing else.

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

import importlib
import pkgutil
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, Protocol, runtime_checkable

import dicert.proofs
from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.certificate import Certificate
from dicert.verify.channels.parse import split_spec

__all__ = ["ProofModule", "ProofEntry", "REGISTRY", "proof_modules", "entry_of", "names", "get", "build", "recheck", "parse_name"]

#: Modules of the package that are not results (the CLI, helpers, this registry).
NOT_RESULTS = frozenset({"cli", "registry", "closed_form", "ising_hstar"})


@runtime_checkable
class ProofModule(Protocol):
    """What a proof module exposes to be registered (module-level names).

    ``build(digits=..., extended=..., **DEFAULTS)`` returns the checker-issued
    :class:`Certificate`; ``INSTANCES`` are the parameter sets of ``certify --all``;
    ``CHECK_KINDS`` maps a check kind to the module's own checker function.
    """

    NAME: str
    TITLE: str
    DESCRIPTION: str
    SOURCE: str
    DEFAULTS: dict
    INSTANCES: tuple
    CHECK_KINDS: dict

    def build(self, *args: Any, **kwargs: Any) -> Certificate: ...


#: The names :class:`ProofModule` requires (for the error message).
PROTOCOL_NAMES = ("NAME", "TITLE", "DESCRIPTION", "SOURCE", "DEFAULTS", "INSTANCES", "CHECK_KINDS", "build")


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


def proof_modules() -> list[ModuleType]:
    """The result modules of :mod:`dicert.proofs` (every module but ``NOT_RESULTS``), by name.

    Raises
    ------
    TypeError
        If a result module does not follow :class:`ProofModule` (names the missing attributes).

    Examples
    --------
    >>> [m.NAME for m in proof_modules()]
    ['bec_noc', 'ising', 'ising_q', 'trapdoor']
    """
    modules = []
    for info in sorted(pkgutil.iter_modules(dicert.proofs.__path__), key=lambda i: i.name):
        if info.name in NOT_RESULTS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"dicert.proofs.{info.name}")
        if not isinstance(module, ProofModule):
            missing = [n for n in PROTOCOL_NAMES if not hasattr(module, n)]
            raise TypeError(f"dicert.proofs.{info.name}: a proof module must define {', '.join(sorted(missing))}")
        modules.append(module)
    return modules


def entry_of(module: ModuleType) -> ProofEntry:
    """The registry entry of a :class:`ProofModule`.

    Examples
    --------
    >>> from dicert.proofs import trapdoor
    >>> entry_of(trapdoor).name, entry_of(trapdoor).instances
    ('trapdoor', ({},))
    """
    return ProofEntry(module.NAME, module.TITLE, module.DESCRIPTION, module.SOURCE, module.build,
                      dict(module.DEFAULTS), tuple(module.INSTANCES), dict(module.CHECK_KINDS))


REGISTRY: dict[str, ProofEntry] = {module.NAME: entry_of(module) for module in proof_modules()}

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

    The one ``NAME:key=value`` parser is :func:`dicert.verify.channels.parse.split_spec`;
    this adds the result aliases (``bec-noc`` -> ``bec_noc``).

    Examples
    --------
    >>> parse_name("ising_q:q=4"), parse_name("bec-noc:eps=1/3")
    (('ising_q', {'q': '4'}), ('bec_noc', {'eps': '1/3'}))
    >>> parse_name("ising_q:q")
    Traceback (most recent call last):
    ...
    dicert.graphs.errors.InvalidInput: name: expected parameters as key=value, got 'q'
    """
    base, pairs = split_spec(text, InvalidInput, "name")
    return _ALIASES.get(base, base), dict(pairs)


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

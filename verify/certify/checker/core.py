"""Issue and check certificates (schema ``dicert-certificate`` version 2).

:func:`issue` computes a certificate from exact inputs only: the result name
and parameters (the registry, :mod:`dicert.verify.certify.checker.results`, supplies the claim texts, the
channel, the closed form and the required checks), the digits, the witness
and, for ``qgraph_bracket``, the exact channel.  Every stated number -- the
proven interval, the value, its digits, the cited closed form's enclosure --
is computed here from the checks' proven products.

:func:`check` re-verifies a stored certificate: it validates the layout
(unknown keys refused), takes the channel (must match its fingerprint and,
for a registered result, the registered channel), recomputes the certificate
with :func:`issue` from the stored witness, and refuses any difference in a
field with mathematical content.  Stored pass flags, evidence, numbers and
texts are never trusted.  Any error fails closed.

Examples
--------
>>> from dicert.verify.certify.checker.core import issue, check
>>> cert = issue("ising_q", {"q": 3}, digits=20)
>>> cert["verified"], cert["interval"], cert["cited"]["value"][:10]
(True, None, '0.96122719')
>>> check(cert).verified
True
>>> cert["cited"]["value"] = "0.97"
>>> check(cert).verified
False
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any, cast

from flint import arb, fmpq

from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.checker.arith import (
    ceil_dec,
    digits_justified,
    floor_dec,
    log2,
    lower_q,
    precision,
    sci,
    upper_q,
)
from dicert.verify.certify.checker.exact import ExactChannel, rational
from dicert.verify.certify.checker.kinds import KINDS, QGRAPH_DIGITS
from dicert.verify.certify.checker.provenance import exact_from_check
from dicert.verify.certify.checker.results import spec as result_spec

__all__ = ["SCHEMA", "SCHEMA_VERSION", "KEYS", "issue", "check", "CheckReport", "MAX_DIGITS"]

SCHEMA = "dicert-certificate"
SCHEMA_VERSION = 2
MAX_DIGITS = 1_000_000
#: Decimal places of the bound each Q-graph check proves (recorded in the check, compared on re-check).
BOUND_PLACES = 70
#: Top-level keys of a certificate; every one but ``seconds`` and ``versions`` is compared on re-check.
KEYS = ("schema", "schema_version", "result", "params", "digits", "title", "claim", "latex_claim", "source",
        "channel", "proven", "cited", "interval", "value", "value_digits", "lower", "upper", "gap", "checks",
        "witness", "verified", "versions", "seconds")
_NOT_COMPARED = {"seconds", "versions"}
#: ``proven.methods`` line of a lower bound by the ``block_entropy_lower_bound`` kind (issue 12, method (c)).
BLOCK_LOWER_METHOD = ("block entropy H(Y_k|Y^{k-1},Z_0) - H(Y|X,S) of a rational input (Cover-Thomas Thm 4.5.1), "
                      "exact + Arb; that the input's rate is achievable is cited (Permuter-Weissman-Goldsmith 2009)")
_EXACT_FROM = ("registry", "text", "binary-float", "float-shortest-decimal")


def _digits(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DIGITS:
        raise InvalidInput(f"digits: expected an integer in 1..{MAX_DIGITS}, got {value!r}")
    return value


def _channel_block(exact: ExactChannel, exact_from: str) -> dict:
    # exact_from is provenance metadata; exact_from_check says what of it the checker confirmed (issue 12)
    return {"fingerprint": exact.fingerprint(), **{k: v for k, v in exact.canonical().items() if k != "type"},
            "exact_from": exact_from, "exact_from_check": exact_from_check(exact, exact_from)}


def issue(result: str, params: dict | None = None, digits: int = 30, witness: dict | None = None,
          channel: dict[str, Any] | None = None, exact_from: str = "registry") -> dict:
    """Compute a certificate (module docstring).  ``channel`` only for ``qgraph_bracket``.

    About 90 lines: input validation, the check loop and the assembly of one
    certificate read top to bottom in the order of the layout; the bound and
    ``proven`` logic is in :func:`_bounds` and :func:`_proven`.

    Examples
    --------
    >>> c = issue("qgraph_bracket", {}, 10, {"upper": {"phi": [[0, 0]], "test": [["1/2", "1/2"]], "value": [[0]]},
    ...           "lower": {"phi": [[0, 0]], "policy": [[["1/2", "1/2"]]]}},
    ...           channel={"law": [[["3/4", "1/4"], ["1/4", "3/4"]]], "next_state": [[[0, 0], [0, 0]]]},
    ...           exact_from="text")
    >>> c["verified"], c["interval"]
    (True, ['0.1887218755408', '0.1887218755409'])
    """
    start = time.perf_counter()
    digits = _digits(digits)
    s = result_spec(result, params or {})
    witness = {} if witness is None else witness
    if not isinstance(witness, dict) or set(witness) - {"upper", "lower"}:
        raise InvalidInput("witness: expected an object with optional 'upper' and 'lower' sections")
    for section, allowed in (("upper", [{"phi", "test", "value"}]), ("lower", [{"phi", "policy"}, {"phi", "policy", "k"}])):
        if section in witness and (not isinstance(witness[section], dict) or set(witness[section]) not in allowed):
            raise InvalidInput(f"witness.{section}: expected exactly the keys "
                               + " or ".join(str(sorted(keys)) for keys in allowed))
    if exact_from not in _EXACT_FROM:
        raise InvalidInput(f"channel.exact_from: expected one of {', '.join(_EXACT_FROM)}")
    if s.channel is not None:
        if channel is not None:
            raise InvalidInput(f"channel: {result} is about its registered channel; do not pass another")
        exact = _registered_channel(s)
        exact_from = "registry"
    else:
        if channel is None:
            raise InvalidInput("channel: qgraph_bracket needs the exact channel")
        exact = ExactChannel.from_json(channel)
        if exact_from == "registry":
            raise InvalidInput("channel.exact_from: a qgraph_bracket channel does not come from the registry")
    ctx: dict = {"channel": exact, "closed_form": s.closed_form, "digits": digits}
    cited = None
    if s.closed_form is not None:
        cf_digits = max(digits, 2 * QGRAPH_DIGITS) + 30  # finer than any Q-graph bound's rounding
        with precision(cf_digits):
            root = KINDS["root_isolation"]({}, ctx)[2]["root"]
            fine = root.refine(cf_digits - 10)
            ball = arb(rational(s.closed_form["coefficient"])) * log2(fine.ball())
            cf_lo, cf_hi = lower_q(ball), upper_q(ball)
            ctx["closed_form_ball"] = ball
        lo_s, hi_s = floor_dec(cf_lo, digits + 3), ceil_dec(cf_hi, digits + 3)
        cited = {"statement": s.cited, "source": s.cited_source, "interval": [lo_s, hi_s],
                 "value": _round_mid(rational(lo_s), rational(hi_s), digits),
                 "evidence": "closed-form value proven inside the interval (Sturm + Arb); "
                             "C_fb = closed form rests on the cited theorem"}
    checks, uppers, lowers = [], [], []
    upper_exact = lower_exact = False
    for name, kind, source in s.required(witness):
        data: Any = s.registry_data.get(name, {}) if source == "registry" else witness.get(source.split(".")[1])
        try:
            passed, evidence, products = KINDS[kind](data, ctx)
        except Exception as exc:  # fail closed: any error is a failed check
            passed, evidence, products = False, f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}", {}
        passed = passed is True
        if passed:
            ctx.update({k: v for k, v in products.items() if k in ("root",)})
            if "upper" in products:
                uppers.append(products["upper"])
            if "lower" in products:
                lowers.append(products["lower"])
            upper_exact = upper_exact or bool(products.get("upper_exact"))
            lower_exact = lower_exact or bool(products.get("lower_exact"))
        ctx["upper"] = min(uppers) if uppers else None  # the best bounds proven so far (for later checks)
        ctx["lower"] = max(lowers) if lowers else None
        bound = None
        if passed and "upper" in products:
            bound = "<= " + ceil_dec(products["upper"], BOUND_PLACES)
        elif passed and "lower" in products:
            bound = ">= " + floor_dec(products["lower"], BOUND_PLACES)
        checks.append({"name": name, "kind": kind, "passed": passed, "bound": bound, "evidence": evidence})
    verified = bool(checks) and all(c["passed"] for c in checks)
    U, L, methods, trivial_lower = _bounds(s, checks, uppers, lowers, verified, upper_exact, lower_exact,
                                           cf_lo if cited else None, cf_hi if cited else None)
    is_exact = verified and upper_exact and lower_exact
    proven, interval, value, gap, k = _proven(U, L, methods, trivial_lower, is_exact, cited, digits)
    return {
        "schema": SCHEMA, "schema_version": SCHEMA_VERSION, "result": s.result, "params": s.params, "digits": digits,
        "title": s.title if s.result != "qgraph_bracket" else f"{s.title}, channel {exact.fingerprint()[7:19]}",
        "claim": s.claim, "latex_claim": s.latex_claim, "source": s.source,
        "channel": _channel_block(exact, exact_from), "proven": proven, "cited": cited,
        "interval": interval, "value": value, "value_digits": k,
        "lower": proven["lower"], "upper": proven["upper"], "gap": gap,
        "checks": checks, "witness": copy.deepcopy(witness), "verified": verified,
        "versions": _versions(), "seconds": round(time.perf_counter() - start, 6),
    }


_REGISTERED: dict = {}


def _bounds(s: Any, checks: list, uppers: list, lowers: list, verified: bool, upper_exact: bool, lower_exact: bool,
            cf_lo: Any, cf_hi: Any) -> tuple:
    """The proven ``(U, L)``, the ``proven.methods`` lines and whether the lower bound is the trivial 0."""
    methods: list[str] = []
    U = L = None
    trivial_lower = False
    if not verified:
        return U, L, methods, trivial_lower
    if uppers:
        U = min(uppers)
        methods.append("upper: " + s.upper_method)
    if lowers:
        L = max(lowers)
        block = any(c["kind"] == "block_entropy_lower_bound" for c in checks)
        methods.append("lower: " + (BLOCK_LOWER_METHOD if block else s.lower_method))
    if upper_exact:
        U = cf_hi if U is None else min(U, cf_hi)
        methods.append("upper: closed form = duality bound exactly (Bellman equation (4.55) proven exactly)")
    if lower_exact:
        L = cf_lo if L is None else max(L, cf_lo)
        methods.append("lower: closed form = lower bound exactly")
    trivial_lower = U is not None and L is None
    if trivial_lower:
        L = fmpq(0)
        methods.append("lower: trivial, C_fb >= 0")
    return U, L, methods, trivial_lower


def _proven(U: Any, L: Any, methods: list, trivial_lower: bool, is_exact: bool, cited: dict | None,
            digits: int) -> tuple:
    """The ``proven`` block and the ``interval``, ``value``, ``gap``, ``value_digits`` fields."""
    if U is None:
        proven = {"statement": "no machine-proven bound on C_fb" + (
            "; only the closed form's algebra and value are proven" if cited else ""),
            "lower": None, "upper": None, "width": None, "digits": 0, "exact": False, "methods": methods}
        return proven, None, None, None, 0
    if is_exact:
        if cited is None:  # an exact value comes from a cited closed form: fail closed without one
            raise InvalidInput("cited: an exact closed-form value needs its cited interval")
        lo_d, hi_d = cited["interval"]
    else:
        places = (digits if trivial_lower else min(digits, digits_justified(U - L))) + 3
        lo_d, hi_d = floor_dec(L, places), ceil_dec(U, places)
    width = rational(hi_d) - rational(lo_d)
    k = digits if is_exact else min(digits, digits_justified(width))
    proven = {"statement": f"C_fb in [{lo_d}, {hi_d}]" + (" (exact: closed form equals both bounds)" if is_exact else ""),
              "lower": lo_d, "upper": hi_d, "width": sci(width), "digits": k, "exact": is_exact, "methods": methods}
    value = _round_mid(rational(lo_d), rational(hi_d), k) if k > 0 else None
    return proven, [lo_d, hi_d], value, sci(width), k


def _registered_channel(s) -> ExactChannel:
    """The registry's channel for a result instance (parsed once; the registry is code, not input)."""
    key = (s.result, tuple(sorted(s.params.items())))
    if key not in _REGISTERED:
        _REGISTERED[key] = ExactChannel.from_json(s.channel)
    return _REGISTERED[key]


def _round_mid(lo: fmpq, hi: fmpq, k: int) -> str:
    return floor_dec((lo + hi) / 2 + fmpq(1, 2 * 10**k), k)


def _versions() -> dict:
    import platform

    import flint

    try:
        from importlib.metadata import version

        mine = version("dicert")
    except Exception:  # pragma: no cover - source tree without metadata
        mine = "0+unknown"
    return {"python": platform.python_version(), "python-flint": flint.__version__, "dicert": mine}


@dataclass
class CheckReport:
    """Outcome of :func:`check`: ``verified``, the problems found and the recomputed certificate (or None)."""

    verified: bool
    problems: list = field(default_factory=list)
    certificate: dict | None = None


def check(data: Any) -> CheckReport:
    """Re-verify a stored certificate (module docstring); never raises on bad content, fails closed.

    Examples
    --------
    >>> check({"schema": "dicert-certificate"}).problems[0][:40]
    'certificate: missing key(s) schema_versi'
    """
    try:
        return _check(data)
    except Exception as exc:  # fail closed
        return CheckReport(False, [" ".join(str(exc).split())[:400] or type(exc).__name__])


def _check(data: Any) -> CheckReport:
    if not isinstance(data, dict):
        raise InvalidInput("certificate: expected a JSON object")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise InvalidInput(f"certificate: unknown key(s) {unknown}")
    missing = [k for k in KEYS if k not in data and k not in _NOT_COMPARED]
    if missing:
        raise InvalidInput(f"certificate: missing key(s) {', '.join(missing)}")
    if data["schema"] != SCHEMA or data["schema_version"] != SCHEMA_VERSION or type(data["schema_version"]) is not int:
        raise InvalidInput(f"schema: expected {SCHEMA!r} version {SCHEMA_VERSION}")
    stored_channel = data["channel"]
    if not isinstance(stored_channel, dict):
        raise InvalidInput("channel: expected an object")
    if set(stored_channel) - {"fingerprint", "law", "next_state", "allowed", "exact_from", "exact_from_check"}:
        raise InvalidInput("channel: unknown key(s)")
    exact = ExactChannel.from_json(stored_channel)
    if stored_channel.get("fingerprint") != exact.fingerprint():
        raise InvalidInput("channel: the stated fingerprint is not the fingerprint of the stated channel")
    s = result_spec(data["result"], data["params"])
    for key, mine in (("params", s.params), ("claim", s.claim), ("latex_claim", s.latex_claim),
                      ("source", s.source)):
        if data[key] != mine:  # fail fast; everything is compared again after recomputation
            raise InvalidInput(f"{key}: not the registered {s.result} {key}")
    if s.channel is not None:
        registered = _registered_channel(s)
        if registered.fingerprint() != exact.fingerprint():
            raise InvalidInput(f"channel: the certificate's channel is not the registered {s.result} channel")
        fresh = issue(data["result"], data["params"], data["digits"], data["witness"])
    else:
        fresh = issue(data["result"], data["params"], data["digits"], data["witness"],
                      channel={k: stored_channel[k] for k in ("law", "next_state", "allowed") if k in stored_channel},
                      exact_from=stored_channel.get("exact_from", "text"))
    problems = []
    for key in KEYS:
        if key in _NOT_COMPARED:
            continue
        computed: Any = fresh[key]
        theirs = data[key]
        if key == "checks":
            theirs = _check_list(theirs)
            computed = [(c["name"], c["kind"], c["passed"], c["bound"]) for c in computed]
        if computed != theirs or _types(computed) != _types(theirs):
            problems.append(f"{key}: the stored value is not the one the checker computes")
    if not fresh["verified"]:
        failed = [c["name"] for c in fresh["checks"] if not c["passed"]]
        problems.insert(0, f"checks failed on recomputation: {', '.join(failed) or 'none required'}")
    return CheckReport(not problems, problems, fresh)


def _check_list(value: Any) -> list:
    if not isinstance(value, list):
        raise InvalidInput("checks: expected a list")
    out = []
    for c in value:
        if not isinstance(c, dict) or set(c) != {"name", "kind", "passed", "bound", "evidence"}:
            raise InvalidInput("checks: each entry is an object with name, kind, passed, bound, evidence")
        out.append((c.get("name"), c.get("kind"), c.get("passed"), c.get("bound")))
    return out


def _types(value: Any) -> Any:
    """Structure of JSON types (so that 1 and True, or "1" and 1, never compare equal)."""
    if isinstance(value, dict):
        return {k: _types(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_types(v) for v in value]
    return type(value).__name__

"""Generic, data-driven certificate checks (run at build time and again by ``--check``).

Every check kind maps exact JSON data to ``(passed, evidence)``.  Building a
certificate and re-verifying a stored one run the *same* function on the
same data, so a stored certificate is re-checked from its inputs alone.

Kinds
-----
``root_isolation``
    ``{"poly", "bracket"}``: exactly one real root in the bracket (Sturm), see :mod:`.roots`.
``value_enclosure``
    ``{"poly", "bracket", "coefficient", "interval", "digits"}``: the value
    ``coefficient * log2(root)`` lies inside the claimed interval (Arb).
``log_identity``
    A log-linear identity at the root (:func:`.symbolic.prove_log_linear_zero`).
``sympy_identity``
    The same kind of identity proven by sympy (:func:`.symbolic.sympy_log_identity`).
``duality_upper_bound``
    ``{"channel", "phi", "test", "value", "upper"}``: ``rho_cert <= upper`` (Thm 4.5.2).
``bcjr_lower_bound``
    ``{"channel", "phi", "policy", "lower"}``: exact BCJR invariance and ``I(X,S;Y|Q) >= lower`` (Thm 4.4.4).
``bounds_enclose_value``
    ``{"lower", "upper", "max_gap", "poly", "bracket", "coefficient"}``: the closed form
    ``coefficient * log2(root)`` is proven to lie in ``[lower, upper]`` and ``upper - lower <= max_gap``.
``value_below_upper``
    ``{"upper", "poly", "bracket", "coefficient"}``: the closed form is proven ``<= upper``.

Examples
--------
>>> from dicert.verify.certify.checks import make_check
>>> chk = make_check("golden_root", "root_isolation", {"poly": ["-1", "-1", "1"], "bracket": ["1", "2"]})
>>> chk.passed
True
>>> make_check("too_wide", "root_isolation", {"poly": ["-1", "0", "1"], "bracket": ["-2", "2"]}).passed
False
"""

from __future__ import annotations

from typing import Callable

from flint import arb

from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.certificate import Check, timed_check
from dicert.verify.certify.intervals import (
    DecimalInterval,
    log2,
    to_fmpq,
    working_precision,
)
from dicert.verify.certify.roots import isolate_root

__all__ = ["CHECK_KINDS", "run_kind", "make_check", "rerun_check", "log2_root_ball", "value_interval"]

CheckRunner = Callable[[dict], tuple[bool, str]]


def _need(data: dict, *keys: str) -> None:
    for key in keys:
        if key not in data:
            raise InvalidInput(f"data: check input is missing key '{key}'")


def log2_root_ball(poly: list, bracket: list, coefficient: str, digits: int) -> arb:
    """Ball containing ``coefficient * log2(r)``, ``r`` the unique root of ``poly`` in ``bracket``.

    Call inside a :func:`working_precision` block of at least ``digits`` digits.

    Examples
    --------
    >>> with working_precision(digits=40):
    ...     ball = log2_root_ball(["-1", "-1", "1"], ["1", "2"], "1", digits=30)
    >>> ball.rad() < arb(10) ** -30
    True
    """
    root = isolate_root(poly, bracket[0], bracket[1]).refine(digits + 10)
    ball = root.ball()
    if not ball > 0:
        raise InvalidInput("bracket: the root must be positive to take its logarithm")
    return arb(to_fmpq(coefficient)) * log2(ball)


def value_interval(poly: list, bracket: list, coefficient: str, digits: int) -> DecimalInterval:
    """Outward-rounded decimal interval (``digits + 3`` places) of ``coefficient * log2(root)``.

    Examples
    --------
    >>> value_interval(["-1", "-1", "1"], ["1", "2"], "1", 20).lo[:12]
    '0.6942419136'
    """
    with working_precision(digits=digits + 20):
        ball = log2_root_ball(poly, bracket, coefficient, digits + 10)
        return DecimalInterval.from_arb(ball, digits + 3)


def _root_isolation(data: dict) -> tuple[bool, str]:
    _need(data, "poly", "bracket")
    root = isolate_root(data["poly"], data["bracket"][0], data["bracket"][1])
    return True, root.evidence()


def _value_enclosure(data: dict) -> tuple[bool, str]:
    _need(data, "poly", "bracket", "coefficient", "interval", "digits")
    digits = int(data["digits"])
    claimed = DecimalInterval(*data["interval"])
    with working_precision(digits=digits + 20):
        ball = log2_root_ball(data["poly"], data["bracket"], data["coefficient"], digits + 10)
        inside = claimed.contains_arb(ball)
        radius = ball.rad()
    if not inside:
        return False, f"{data['coefficient']}*log2(root) = {ball.str(20)} is not inside the claimed interval"
    _, rad, exp = radius.mid_rad_10exp()
    return True, (
        f"{data['coefficient']}*log2(root) evaluated with Arb (ball radius < 1e{len(str(int(rad))) + int(exp)}) "
        f"lies inside the claimed interval of width {float(arb(claimed.width_fmpq())):.1e}"
    )


def _log_identity(data: dict) -> tuple[bool, str]:
    from dicert.verify.certify.symbolic import prove_log_linear_zero

    _need(data, "coefficients", "atoms", "relation", "eliminate", "poly", "bracket")
    root = isolate_root(data["poly"], data["bracket"][0], data["bracket"][1])
    proof = prove_log_linear_zero(
        data["coefficients"],
        data["atoms"],
        {k: int(v) for k, v in data["relation"].items()},
        root,
        data["eliminate"],
        data.get("constant", ["0"]),
    )
    return proof.holds, proof.evidence


def _sympy_identity(data: dict) -> tuple[bool, str]:
    from dicert.verify.certify.symbolic import sympy_log_identity

    _need(data, "expression", "symbol", "relation", "substitutions")
    proof = sympy_log_identity(
        data["expression"], data["symbol"], data["relation"], data["substitutions"], str(data.get("point", "0.45"))
    )
    return proof.holds, proof.evidence


def _duality(data: dict) -> tuple[bool, str]:
    from dicert.verify.certify.duality_check import certified_duality_upper_bound

    _need(data, "channel", "phi", "test", "value", "upper")
    bound = certified_duality_upper_bound(data["channel"], data["phi"], data["test"], data["value"], int(data.get("digits", 40)))
    upper = to_fmpq(data["upper"])
    with working_precision(digits=int(data.get("digits", 40))):
        ok = bool(bound.upper <= arb(upper))
        text = f"rho_cert = max_(s,q)[(T_V)(s,q) - V(s,q)] = {bound.upper.str(int(data.get('digits', 40)) + 5)}"
    return ok, text + (f" <= {data['upper']}" if ok else f" is not <= claimed upper {data['upper']}")


def _bcjr(data: dict) -> tuple[bool, str]:
    from dicert.verify.certify.rate_check import bcjr_lower_bound

    _need(data, "channel", "phi", "policy", "lower")
    res = bcjr_lower_bound(data["channel"], data["phi"], data["policy"], int(data.get("digits", 40)))
    if not res.invariant or res.lower is None:
        return False, res.evidence
    lower = to_fmpq(data["lower"])
    with working_precision(digits=int(data.get("digits", 40))):
        ok = bool(res.lower >= arb(lower))
        text = f"I(X,S;Y|Q) = {res.lower.str(int(data.get('digits', 40)) + 5)}; {res.evidence}"
    return ok, text if ok else text + f"; not >= claimed lower {data['lower']}"


def _bounds(data: dict) -> tuple[bool, str]:
    _need(data, "lower", "upper", "max_gap", "poly", "bracket", "coefficient")
    lower, upper = to_fmpq(data["lower"]), to_fmpq(data["upper"])
    gap = upper - lower
    digits = int(data.get("digits", 60))
    with working_precision(digits=digits + 20):
        ball = log2_root_ball(data["poly"], data["bracket"], data["coefficient"], digits)
        below = not bool(ball >= arb(lower))
        above = not bool(ball <= arb(upper))
    if below:
        return False, "the closed-form value is not proven >= the rigorous lower bound"
    if above:
        return False, "the closed-form value is not proven <= the rigorous upper bound"
    if not gap <= to_fmpq(data["max_gap"]):
        return False, f"gap upper - lower = {float(arb(gap)):.3e} exceeds {data['max_gap']}"
    return True, f"lower <= closed form <= upper (Arb, {digits} digits); gap {float(arb(gap)):.3e} <= {data['max_gap']}"


def _below_upper(data: dict) -> tuple[bool, str]:
    _need(data, "upper", "poly", "bracket", "coefficient")
    upper = to_fmpq(data["upper"])
    with working_precision(digits=80):
        ball = log2_root_ball(data["poly"], data["bracket"], data["coefficient"], 60)
        ok = bool(ball <= arb(upper))
        margin = float(arb(upper) - ball)
    if not ok:
        return False, f"the closed-form value is not proven <= the rigorous upper bound {data['upper']}"
    return True, f"closed form <= rigorous upper bound (margin {margin:.3e})"


#: Generic check kinds known to ``dicert.verify`` (proof modules may add their own).
CHECK_KINDS: dict[str, CheckRunner] = {
    "root_isolation": _root_isolation,
    "value_enclosure": _value_enclosure,
    "log_identity": _log_identity,
    "sympy_identity": _sympy_identity,
    "duality_upper_bound": _duality,
    "bcjr_lower_bound": _bcjr,
    "bounds_enclose_value": _bounds,
    "value_below_upper": _below_upper,
}


def run_kind(kind: str, data: dict, extra: dict[str, CheckRunner] | None = None) -> tuple[bool, str]:
    """Run a check kind on its data and return ``(passed, evidence)``.

    Examples
    --------
    >>> run_kind("bounds_enclose_value", {"lower": "0.69", "upper": "0.70", "max_gap": "0.5",
    ...     "poly": ["-1", "-1", "1"], "bracket": ["1", "2"], "coefficient": "1"})[0]
    True
    """
    kinds = dict(CHECK_KINDS)
    if extra:
        kinds.update(extra)
    if kind not in kinds:
        raise InvalidInput(f"kind: unknown check kind {kind!r}, expected one of {sorted(kinds)}")
    return kinds[kind](data)


def make_check(name: str, kind: str, data: dict, extra: dict[str, CheckRunner] | None = None) -> Check:
    """Run a check and return its timed :class:`Check` record (failures are recorded, not raised).

    Examples
    --------
    >>> make_check("b", "bounds_enclose_value", {"lower": "0.7", "upper": "0.8", "max_gap": "1",
    ...     "poly": ["-1", "-1", "1"], "bracket": ["1", "2"], "coefficient": "1"}).evidence
    'the closed-form value is not proven >= the rigorous lower bound'
    """
    with timed_check(name, kind, data) as chk:
        chk.passed, chk.evidence = run_kind(kind, data, extra)
    return chk


def rerun_check(check: Check, extra: dict[str, CheckRunner] | None = None) -> Check:
    """Run a stored check again from its own data (its stored pass flag is ignored).

    Examples
    --------
    >>> stored = Check("r", "root_isolation", True, "", 0.0, {"poly": ["-1", "0", "1"], "bracket": ["-2", "2"]})
    >>> rerun_check(stored).passed                      # the stored 'True' is not trusted
    False
    """
    return make_check(check.name, check.kind, check.data, extra)


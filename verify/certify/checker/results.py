"""The checker's registry: for each certified result, its claim texts, channel, closed form and required checks.

Nothing here is read from a certificate file: a file names a result and its
parameters, and the registry supplies the statement being certified, the
exact channel it is about, the closed form that is *cited* (paper, theorem),
and the list of required checks ``(name, kind, data source)``.  Data sources
are ``"registry"`` (fixed exact data defined here, e.g. the Ising identity)
or ``"witness.upper"`` / ``"witness.lower"`` (the certificate's witness,
checked from scratch).

Results: ``ising``, ``trapdoor``, ``ising_q`` (q = 2..8), ``bec_noc``
(``eps = n/d``, ``d <= 64``) and the generic ``qgraph_bracket``: the feedback
capacity of the unifilar channel with a given fingerprint lies in ``[L, U]``,
``U`` from the Q-graph duality bound (Thm 4.5.2) of a stored rational test
distribution and value function, ``L`` from an exactly BCJR-invariant
rational input (Thm 4.4.4).

Examples
--------
>>> from dicert.verify.certify.checker.results import spec
>>> s = spec("ising_q", {"q": 3})
>>> s.params, [c[0] for c in s.required({})]
({'q': 3}, ['root_unique', 'stationary_point', 'closed_form_identity'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from math import comb
from typing import Any, Callable

from dicert.graphs.errors import InvalidInput

__all__ = ["ResultSpec", "spec", "RESULTS", "ising_channel", "trapdoor_channel", "bec_noc_channel", "qary_ising_channel"]

_LOG2_MAP = "log2"


@dataclass(frozen=True)
class ResultSpec:
    """What the checker requires and states for one result instance."""

    result: str
    params: dict
    title: str
    claim: str
    latex_claim: str
    source: str
    channel: dict | None
    closed_form: dict | None
    cited: str | None
    cited_source: str | None
    registry_data: dict = field(default_factory=dict)
    _required: Callable[[dict], list] | None = None
    upper_method: str = "Q-graph duality bound (Thm 4.5.2) of the stored witness, Arb"
    lower_method: str = "exactly BCJR-invariant rational input (Thm 4.4.4), exact + Arb"

    def required(self, witness: dict) -> list[tuple[str, str, str]]:
        """The required checks ``(name, kind, source)`` for a witness with these sections."""
        if self._required is None:  # fail closed: a result without its list of checks proves nothing
            raise InvalidInput(f"result {self.result!r}: no required checks are registered")
        return self._required(witness)


def ising_channel() -> dict:
    """Binary Ising channel (Example 4.2.4): ``Y = X`` or ``S`` w.p. 1/2, new state ``X``."""
    return {"law": [[["1", "0"], ["1/2", "1/2"]], [["1/2", "1/2"], ["0", "1"]]],
            "next_state": [[[0, 0], [1, 1]], [[0, 0], [1, 1]]], "allowed": [[True, True], [True, True]]}


def trapdoor_channel() -> dict:
    """Trapdoor channel: ``f(s, x, y) = s + x - y``."""
    return {"law": [[["1", "0"], ["1/2", "1/2"]], [["1/2", "1/2"], ["0", "1"]]],
            "next_state": [[[0, 0], [1, 0]], [[1, 0], [1, 1]]], "allowed": [[True, True], [True, True]]}


def qary_ising_channel(q: int) -> dict:
    """q-ary Ising channel (Sec. 4.6.4): ``Y = X`` or ``S`` w.p. 1/2, new state ``X``."""
    law = [[["1" if y == x == s else "1/2" if y in (x, s) else "0" for y in range(q)] for x in range(q)]
           for s in range(q)]
    return {"law": law, "next_state": [[[x] * q for x in range(q)] for _ in range(q)],
            "allowed": [[True] * q for _ in range(q)]}


def bec_noc_channel(eps: Fraction) -> dict:
    """BEC(eps) with no consecutive ones: state = last input, outputs ``0, 1, ?``."""
    rows = [[str(1 - eps), "0", str(eps)], ["0", str(1 - eps), str(eps)]]
    return {"law": [rows, rows], "next_state": [[[0, 0, 0], [1, 1, 1]], [[0, 0, 0], [1, 1, 1]]],
            "allowed": [[True, True], [True, False]]}


_ISING_POLY = ["1", "-4", "6", "-5", "1"]
_ISING_ATOMS = {"a": ["0", "1"], "1-a": ["1", "-1"], "1+a": ["1", "1"], "2": ["2"]}


def _ising_bellman() -> dict:
    t0 = [{"1-a": 1, "2": -1}, {"1-a": 1, "1+a": -1}, {"2": 1, "a": 1, "1+a": -1}, {"1+a": 1, "2": -1}]
    t1 = [{"1+a": 1, "2": -1}, {"2": 1, "a": 1, "1+a": -1}, {"1-a": 1, "1+a": -1}, {"1-a": 1, "2": -1}]
    v01, v02 = {"2": "1", "1-a": "-1"}, {"1+a": "1", "1-a": "-1"}
    v03, v04 = {"1+a": "1", "a": "-1", "2": "-1"}, {"a": "-1/2"}
    return {"phi": [[3, 1], [3, 0], [3, 0], [2, 0]], "test_log": [[t0[q], t1[q]] for q in range(4)],
            "value": [[v01, v02, v03, v04], [v04, v03, v02, v01]], "rho": {"a": "-1/2"},
            "atoms": _ISING_ATOMS, "relation": {"a": 3, "1-a": -4}, "eliminate": "1-a"}


def _qgraph_checks(witness: dict, upper_required: bool, lower_required: bool) -> list:
    out = []
    if upper_required or "upper" in witness:
        out.append(("qgraph_duality_upper_bound", "duality_upper_bound", "witness.upper"))
    if isinstance(witness.get("lower"), dict) and "k" in witness["lower"]:  # method (c) of issue 12
        out.append(("qgraph_block_entropy_lower_bound", "block_entropy_lower_bound", "witness.lower"))
    elif lower_required or "lower" in witness:
        out.append(("qgraph_bcjr_lower_bound", "bcjr_lower_bound", "witness.lower"))
    return out


def _ising(params: dict) -> ResultSpec:
    _no_params("ising", params)
    cited = "C_fb = 2 H2(a)/(3+a) = -1/2 log2 a, a the unique root in [0,1] of a^3 = (1-a)^4"
    return ResultSpec(
        "ising", {}, "Binary Ising channel",
        "C_fb(binary Ising) = 2 H2(a)/(3+a) = -1/2 log2 a, where a is the unique root in [0,1] of a^3 = (1-a)^4",
        "The feedback capacity of the binary Ising channel is $C = \\frac{2H_2(a)}{3+a} = -\\tfrac12\\log_2 a$, "
        "where $a\\in[0,1]$ is the unique solution of $a^3=(1-a)^4$.",
        "Elishco & Permuter 2014 (Thm 1); monograph Sec. 4.3.4 (4.31)-(4.32), Thm 4.4.2/(4.38), Sec. 4.5.1 (4.55)-(4.61)",
        ising_channel(), {"poly": _ISING_POLY, "bracket": ["0", "1"], "coefficient": "-1/2"},
        cited, "Elishco & Permuter 2014, Thm 1",
        {"closed_form_identity": {"coefficients": {"a": ["3/2", "-3/2"], "1-a": ["-2", "2"]},
                                  "atoms": {"a": ["0", "1"], "1-a": ["1", "-1"]}, "relation": {"a": 3, "1-a": -4},
                                  "eliminate": "1-a"},
         "duality_bellman_closed_form": _ising_bellman()},
        lambda w: [("root_unique", "root_isolation", "registry"),
                   ("closed_form_identity", "log_linear_identity", "registry"),
                   ("duality_bellman_closed_form", "log_bellman_exact", "registry"),
                   *_qgraph_checks(w, True, True),
                   ("closed_form_between_bounds", "closed_form_in_bracket", "registry")],
    )


def _trapdoor(params: dict) -> ResultSpec:
    _no_params("trapdoor", params)
    return ResultSpec(
        "trapdoor", {}, "Trapdoor channel",
        "C_fb(trapdoor) = log2 phi, phi = (1 + sqrt 5)/2 the unique root of x^2 - x - 1 in [1, 2]",
        "The feedback capacity of the trapdoor channel is $C=\\log_2\\varphi$, $\\varphi=\\frac{1+\\sqrt5}{2}$.",
        "Permuter, Cuff, Van Roy & Weissman 2008 (Thm 1); monograph Thm 4.4.2-4.4.4, Thm 4.5.2",
        trapdoor_channel(), {"poly": ["-1", "-1", "1"], "bracket": ["1", "2"], "coefficient": "1"},
        "C_fb = log2 phi", "Permuter, Cuff, Van Roy & Weissman 2008, Thm 1", {},
        lambda w: [("root_unique", "root_isolation", "registry"), *_qgraph_checks(w, True, True),
                   ("closed_form_between_bounds", "closed_form_in_bracket", "registry")],
    )


def _ising_q(params: dict) -> ResultSpec:
    if set(params) - {"q"}:
        raise InvalidInput(f"params: unknown parameter(s) {sorted(set(params) - {'q'})} for ising_q")
    q = params.get("q", 3)
    if isinstance(q, str) and q.isascii() and q.isdigit():
        q = int(q)
    if isinstance(q, bool) or not isinstance(q, int) or not 2 <= q <= 8:
        raise InvalidInput(f"q: expected an integer alphabet size in 2..8 (Thm 4.6.1), got {q!r}")
    c3 = (q - 1) ** 4 + 4
    poly = ["1", "-4", "6", str(-c3), "1"]
    common = {"atoms": {"p": ["0", "1"], "1-p": ["1", "-1"], "q-1": [str(q - 1)]},
              "relation": {"1-p": 4, "q-1": -4, "p": -3}, "eliminate": "1-p"}
    return ResultSpec(
        "ising_q", {"q": q}, f"{q}-ary Ising channel",
        f"C_fb({q}-ary Ising) = max_p 2(H2(p) + (1-p) log2 {q - 1})/(p+3) = 1/2 log2(1/p*), "
        f"p* the unique root in [0,1] of x^4 - {c3} x^3 + 6x^2 - 4x + 1",
        f"For the ${q}$-ary Ising channel, $C = \\max_{{p\\in[0,1]}} \\frac{{2(H_2(p)+(1-p)\\log_2 {q - 1})}}{{p+3}}"
        f" = \\tfrac12\\log_2\\frac1{{p^*}}$, $p^*$ the unique root in $[0,1]$ of $x^4-{c3}x^3+6x^2-4x+1$.",
        "monograph Thm 4.6.1 (4.78)-(4.79), Sec. 4.6.4; Aharoni, Sabag & Permuter (q-ary Ising, |X| <= 8)",
        qary_ising_channel(q), {"poly": poly, "bracket": ["0", "1"], "coefficient": "-1/2"},
        "C_fb = max_p 2(H2(p) + (1-p) log2(q-1))/(p+3) (4.78)", "monograph Thm 4.6.1",
        {"stationary_point": {**common, "coefficients": {"1-p": ["4"], "p": ["-3"], "q-1": ["-4"]}},
         "closed_form_identity": {**common, "coefficients": {"p": ["3/2", "-3/2"], "1-p": ["-2", "2"],
                                                             "q-1": ["2", "-2"]}}},
        lambda w: [("root_unique", "root_isolation", "registry"),
                   ("stationary_point", "log_linear_identity", "registry"),
                   ("closed_form_identity", "log_linear_identity", "registry"),
                   *_qgraph_checks(w, False, False),
                   *([("closed_form_between_bounds", "closed_form_in_bracket", "registry")] if w else [])],
    )


def parse_eps(eps: Any) -> Fraction:
    """``eps`` as an exact fraction ``n/d`` with ``0 <= eps < 1`` and ``d <= 64``."""
    text = str(eps).strip()
    if not text.isascii():
        raise InvalidInput(f"eps: expected a rational erasure probability such as 1/2, got {eps!r}")
    try:
        value = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise InvalidInput(f"eps: expected a rational erasure probability in [0, 1) such as 1/2, got {eps!r}") from None
    if not 0 <= value < 1:
        raise InvalidInput(f"eps: expected an erasure probability in [0, 1), got {eps!r}")
    if value.denominator > 64:
        raise InvalidInput(f"eps: expected a denominator <= 64 (polynomial degree 2d - n), got {eps!r}")
    return value


def _bec_noc(params: dict) -> ResultSpec:
    if set(params) - {"eps"}:
        raise InvalidInput(f"params: unknown parameter(s) {sorted(set(params) - {'eps'})} for bec_noc")
    e = parse_eps(params.get("eps", "1/2"))
    n, d = e.numerator, e.denominator
    deg = 2 * d - n
    coeffs = [0] * (deg + 1)
    coeffs[deg] += 1
    for k in range(d + 1):
        coeffs[k] -= comb(d, k) * (-1) ** k
    poly = [str(c) for c in coeffs]
    identity = {"coefficients": {"r": [str(deg), str(-deg)], "1-r": [str(-d), str(d)]},
                "atoms": {"r": ["0", "1"], "1-r": ["1", "-1"]}, "relation": {"r": deg, "1-r": -d}, "eliminate": "1-r"}
    return ResultSpec(
        "bec_noc", {"eps": str(e)}, f"BEC, no consecutive ones, eps={e}",
        f"C_fb(BEC(eps={e}), no consecutive ones) = max_(p<=1/2) H2(p)/(p + 1/(1-eps)) = -(1-eps) log2 r, "
        f"r the unique root in [1/2,1] of r^{deg} = (1-r)^{d}",
        f"For the BEC with erasure probability $\\varepsilon={e}$ and no consecutive ones, "
        "$C=\\max_{0\\le p\\le 1/2}\\frac{H_2(p)}{p+1/(1-\\varepsilon)} = -(1-\\varepsilon)\\log_2 r$, "
        f"$r\\in[1/2,1]$ the root of $r^{{{deg}}}=(1-r)^{{{d}}}$.",
        "Sabag, Permuter & Kashyap 2016 (Thm 1), IEEE Trans. IT 62(1); cited in monograph Sec. 4.3.4 and 4.4",
        bec_noc_channel(e), {"poly": poly, "bracket": ["1/2", "1"], "coefficient": str(-(1 - e))},
        "C_fb = max_(p<=1/2) H2(p)/(p + 1/(1-eps))", "Sabag, Permuter & Kashyap 2016, Thm 1",
        {"closed_form_identity": identity},
        lambda w: [("root_unique", "root_isolation", "registry"),
                   ("closed_form_identity", "log_linear_identity", "registry"),
                   *_qgraph_checks(w, False, False),
                   *([("closed_form_between_bounds", "closed_form_in_bracket", "registry")] if w else [])],
    )


def _qgraph_bracket(params: dict) -> ResultSpec:
    if params:
        raise InvalidInput("params: qgraph_bracket takes no parameters")
    return ResultSpec(
        "qgraph_bracket", {}, "Q-graph bracket",
        "C_fb of the unifilar channel with the stated fingerprint lies in the proven interval [lower, upper]",
        "The feedback capacity of the unifilar channel with the stated fingerprint lies in the proven interval.",
        "monograph Thm 4.4.4 (lower) and Thm 4.5.2 (upper)",
        None, None, None, None, {},
        lambda w: _qgraph_checks(w, True, False),
    )


def _no_params(name: str, params: dict) -> None:
    if params:
        raise InvalidInput(f"params: {name} takes no parameters, got {sorted(params)}")


RESULTS: dict[str, Callable[[dict], ResultSpec]] = {
    "ising": _ising, "trapdoor": _trapdoor, "ising_q": _ising_q, "bec_noc": _bec_noc,
    "qgraph_bracket": _qgraph_bracket,
}


def spec(result: Any, params: Any) -> ResultSpec:
    """The registered instance ``result`` with ``params`` (raises ``InvalidInput`` for unknown ones)."""
    if not isinstance(result, str) or result not in RESULTS:
        raise InvalidInput(f"result: unknown result {result!r}, expected one of {', '.join(sorted(RESULTS))}")
    if not isinstance(params, dict):
        raise InvalidInput("params: expected an object")
    return RESULTS[result](dict(params))

"""Check kinds of the checker: each recomputes one mathematical fact from exact data.

A kind is a function ``run(data, ctx) -> (passed, evidence, products)``.
``data`` is exact JSON (from the checker's registry or from the
certificate's witness), ``ctx`` holds what the checker already established
(the registered channel, the isolated root, the digits); ``products`` are the
proven facts later steps may use (``upper``/``lower``: exact rationals bounding
``C_fb``; ``upper_exact``/``lower_exact``: the bound equals the closed form).
Kinds never read pass flags, claims or numbers stated in a certificate.

Kinds (extend :data:`KINDS` to add one; each needs a regression test that a
wrong input makes it fail):

``root_isolation``
    the closed form's root is the unique root of its polynomial in its bracket (Sturm).
``log_linear_identity``
    ``{"coefficients", "atoms", "relation", "eliminate", "constant"?}``: an identity at the root
    (e.g. ``2 H2(a)/(3+a) = -1/2 log2 a``), proven exactly (:mod:`.algebra`).
``duality_upper_bound``
    ``{"phi", "test", "value"}``: ``C_fb <= rho = max_{s,q} [(T_V)(s,q) - V(s,q)]`` for any rational
    test distribution ``T(y|q)`` and value function ``V(s,q)`` (Thm 4.5.2, Table 4.2, (4.51)-(4.55)).
``bcjr_lower_bound``
    ``{"phi", "policy"}``: a rational input ``P(x|s,q)`` whose unique stationary law is exactly
    BCJR-invariant (4.43) gives ``C_fb >= I(X,S;Y|Q)`` (Thm 4.4.4).
``log_bellman_exact``
    ``{"phi", "test_log", "value", "rho", "atoms", "relation", "eliminate"}``: closed-form ``T``, ``V``
    (log-linear in the atoms) satisfy the Bellman equation (4.55) *exactly* at the root, so the
    duality bound equals the closed form: ``C_fb <= closed form`` exactly.
``block_entropy_lower_bound``
    ``{"phi", "policy", "k"}``: any rational input gives ``C_fb >= H(Y_k|Y^{k-1},Z_0) - H(Y|X,S)``
    (Cover & Thomas Thm 4.5.1; achievability of the input's rate cited), :mod:`dicert.verify.certify.checker.block_entropy`.
``closed_form_in_bracket``
    the closed form's value is proven to lie in the proven ``[lower, upper]`` (consistency of the
    cited statement with the proven one).

Examples
--------
>>> from dicert.verify.certify.checker.kinds import KINDS
>>> from dicert.verify.certify.checker.exact import ExactChannel
>>> bsc = ExactChannel.from_json({"law": [[["3/4", "1/4"], ["1/4", "3/4"]]], "next_state": [[[0, 0], [0, 0]]]})
>>> ok, text, out = KINDS["bcjr_lower_bound"]({"phi": [[0, 0]], "policy": [[["1/2", "1/2"]]]}, {"channel": bsc})
>>> ok, float(out["lower"]) > 0.1887
(True, True)
"""

from __future__ import annotations

from fractions import Fraction
from typing import Callable

from flint import arb, fmpq, fmpq_mat, fmpq_poly

from dicert.graphs.errors import InvalidInput
from dicert.verify.certify.checker.algebra import eval_ball, isolate, log_linear_zero, poly
from dicert.verify.certify.checker.arith import log2, lower_q, plog_ratio, precision, sci, upper_q
from dicert.verify.certify.checker.block_entropy import block_entropy_lower_bound
from dicert.verify.certify.checker.chain import policy_chain, stationary
from dicert.verify.certify.checker.exact import graph, nested, rational, rational_str, shape, stochastic

__all__ = ["KINDS", "Kind"]

Kind = Callable[[dict, dict], tuple]

#: Working precision (decimal digits) of the Q-graph checks.
QGRAPH_DIGITS = 60


def _need(data: dict, *keys: str) -> None:
    if not isinstance(data, dict):
        raise InvalidInput("data: expected an object")
    for key in keys:
        if key not in data:
            raise InvalidInput(f"data: missing key '{key}'")


def _channel(ctx: dict):
    ch = ctx.get("channel")
    if ch is None:
        raise InvalidInput("channel: this check needs the certificate's channel")
    return ch


def root_isolation(data: dict, ctx: dict) -> tuple:
    """Isolate the closed form's root (Sturm)."""
    form = ctx["closed_form"]
    root = isolate(form["poly"], form["bracket"])
    return True, root.evidence(), {"root": root}


def log_linear_identity(data: dict, ctx: dict) -> tuple:
    """Prove a log-linear identity at the closed form's root."""
    _need(data, "coefficients", "atoms", "relation", "eliminate")
    root = ctx.get("root")
    if root is None:
        raise InvalidInput("identity: the root is not isolated")
    ok, text = log_linear_zero(data["coefficients"], data["atoms"], data["relation"], root, data["eliminate"],
                               data.get("constant"))
    return ok, text, {}


def duality_upper_bound(data: dict, ctx: dict) -> tuple:
    """``rho`` of a (Q-graph, T, V) witness, evaluated with Arb: a proven upper bound (Thm 4.5.2)."""
    _need(data, "phi", "test", "value")
    ch = _channel(ctx)
    S, X, Y = ch.shape
    phi = graph(data["phi"], Y, "witness.upper.phi")
    Q = len(phi)
    T = stochastic(data["test"], 2, "witness.upper.test")
    if shape(T, 2) != (Q, Y):
        raise InvalidInput(f"witness.upper.test: expected shape {(Q, Y)}, got {shape(T, 2)}")
    V = nested(data["value"], 2, "witness.upper.value")
    if shape(V, 2) != (S, Q):
        raise InvalidInput(f"witness.upper.value: expected shape {(S, Q)}, got {shape(V, 2)}")
    with precision(QGRAPH_DIGITS):
        Va = [[arb(v) for v in row] for row in V]
        Ta = [[arb(t) for t in row] for row in T]
        best = None
        for s in range(S):
            for q in range(Q):
                for x in range(X):
                    if not ch.allowed[s][x]:
                        continue
                    total = arb(0)
                    for y in range(Y):
                        p = ch.law[s][x][y]
                        if p == 0:
                            continue
                        if T[q][y] == 0:
                            raise InvalidInput(f"witness.upper.test[{q}][{y}] = 0 where the channel emits y: bound infinite")
                        total += plog_ratio(p, Ta[q][y]) + arb(p) * Va[ch.next_state[s][x][y]][phi[q][y]]
                    r = total - Va[s][q]
                    best = r if best is None else best.max(r)
        if best is None:  # fail closed: no (s, q, x) was bounded
            raise InvalidInput("witness.upper: no state, node and input to bound")
        upper = upper_q(best)
    return True, f"rho = max_(s,q,x) residual <= {sci(upper)} (Thm 4.5.2, Arb, {Q}-node Q-graph)", {"upper": upper}


def bcjr_lower_bound(data: dict, ctx: dict) -> tuple:
    """Exact BCJR invariance (4.43) of a rational input and its rate ``I(X,S;Y|Q)`` (Thm 4.4.4)."""
    _need(data, "phi", "policy")
    ch = _channel(ctx)
    S, X, Y = ch.shape
    phi, P, M = policy_chain(ch, data["phi"], data["policy"], "witness.lower")
    Q = len(phi)
    flat = stationary(M, "witness.lower.policy")
    pi = [[flat[s * Q + q] for q in range(Q)] for s in range(S)]
    pq = [sum((pi[s][q] for s in range(S)), fmpq(0)) for q in range(Q)]
    joint = [[fmpq(0)] * Y for _ in range(Q)]
    for q in range(Q):
        for y in range(Y):
            post = [fmpq(0)] * S
            for s in range(S):
                for x in range(X):
                    w = pi[s][q] * P[s][q][x] * ch.law[s][x][y]
                    if w != 0:
                        post[ch.next_state[s][x][y]] += w
            total = sum(post, fmpq(0))
            joint[q][y] = total
            if total == 0:
                continue
            nxt = phi[q][y]
            for s2 in range(S):
                if post[s2] * pq[nxt] != pi[s2][nxt] * total:
                    return False, f"not BCJR-invariant at (q={q}, y={y}), state {s2} (4.43)", {}
    with precision(QGRAPH_DIGITS):
        rate = arb(0)
        for q in range(Q):
            for y in range(Y):
                w = joint[q][y]
                if w != 0:
                    rate -= arb(w) * log2(arb(w / pq[q]))
        for s in range(S):
            for q in range(Q):
                for x in range(X):
                    w = pi[s][q] * P[s][q][x]
                    if w == 0:
                        continue
                    for y in range(Y):
                        p = ch.law[s][x][y]
                        if p != 0:
                            rate += arb(w * p) * log2(arb(p))
        lower = lower_q(rate)
    return True, (f"unique stationary law, posterior = pi(s'|phi(q,y)) exactly on every edge; "
                  f"I(X,S;Y|Q) >= {sci(lower)} (Thm 4.4.4)"), {"lower": lower}


def _log2_power_of_half(p: fmpq) -> int:
    k, v = 0, p
    while v < 1:
        v *= 2
        k += 1
    if v != 1:
        raise InvalidInput(f"channel: probability {rational_str(p)} is not a power of 1/2 (needed by log_bellman_exact)")
    return k


def log_bellman_exact(data: dict, ctx: dict) -> tuple:
    """Bellman equation (4.55) exact at the root for log-linear ``T``, ``V``, ``rho`` (see module docstring)."""
    _need(data, "phi", "test_log", "value", "rho", "atoms", "relation", "eliminate")
    ch = _channel(ctx)
    root = ctx.get("root")
    if root is None:
        raise InvalidInput("bellman: the root is not isolated")
    form = ctx["closed_form"]
    S, X, Y = ch.shape
    phi = graph(data["phi"], Y, "bellman.phi")
    Q = len(phi)
    atoms = {k: fmpq_poly([rational(c) for c in v]) for k, v in data["atoms"].items()}
    # rho must be the closed form: coefficient * log2(root) with the atom equal to x
    rho = {k: Fraction(str(rational(v))) for k, v in data["rho"].items()}
    coeff = Fraction(str(rational(form["coefficient"])))
    x_atom = [k for k, p in atoms.items() if p == fmpq_poly([0, 1])]
    if set(rho) != set(x_atom[:1]) or not x_atom or rho[x_atom[0]] != coeff:
        return False, "rho is not the closed form coefficient * log2(root)", {}
    for q in range(Q):  # rows of T sum to 1 modulo the minimal polynomial
        total_num, total_den = fmpq_poly([0]), fmpq_poly([1])
        for y in range(Y):
            num, den = fmpq_poly([1]), fmpq_poly([1])
            for atom, e in data["test_log"][q][y].items():
                e = int(e)
                if e > 0:
                    num *= atoms[atom] ** e
                elif e < 0:
                    den *= atoms[atom] ** (-e)
            total_num = total_num * den + num * total_den
            total_den *= den
        if (total_num - total_den) % root.p != 0:
            return False, f"bellman: test row q={q} does not sum to 1", {}
    fine = root.refine(60)
    zeros = negatives = 0
    with precision(60):
        ball = fine.ball()
        logs = {k: log2(eval_ball(p, ball)) for k, p in atoms.items()}
        for s in range(S):
            for q in range(Q):
                attained = False
                for x in range(X):
                    if not ch.allowed[s][x]:
                        continue
                    form_: dict = {}

                    def add(d: dict, w: Fraction) -> None:
                        for k, c in d.items():
                            if k not in atoms:
                                raise InvalidInput(f"bellman: unknown atom {k!r}")
                            form_[k] = form_.get(k, Fraction(0)) + w * Fraction(str(rational(c)))

                    for y in range(Y):
                        p = ch.law[s][x][y]
                        if p == 0:
                            continue
                        w = Fraction(int(p.p), int(p.q))
                        if p != 1:
                            add({"2": -_log2_power_of_half(p)}, w)
                        add({a: -int(e) for a, e in data["test_log"][q][y].items()}, w)
                        add(data["value"][ch.next_state[s][x][y]][phi[q][y]], w)
                    add(data["value"][s][q], Fraction(-1))
                    add(data["rho"], Fraction(-1))
                    ok, _ = log_linear_zero({k: [str(c)] for k, c in form_.items()}, data["atoms"], data["relation"],
                                            root, data["eliminate"])
                    if ok:
                        attained = True
                        zeros += 1
                        continue
                    val = arb(0)
                    for k, c in form_.items():
                        val += arb(rational(str(c))) * logs[k]
                    if not val < 0:
                        return False, f"(4.55) fails at (s={s}, q={q}, x={x}): residual not proven <= 0", {}
                    negatives += 1
                if not attained:
                    return False, f"(4.55) fails at (s={s}, q={q}): no input attains rho exactly", {}
    return True, (f"(4.55) exact at all {S * Q} states ({zeros} residuals = rho exactly, {negatives} < rho): "
                  "C_fb <= closed form exactly (Thm 4.5.2)"), {"upper_exact": True}


def closed_form_in_bracket(data: dict, ctx: dict) -> tuple:
    """The closed form lies in the proven ``[lower, upper]``."""
    ball = ctx.get("closed_form_ball")
    lower, upper = ctx.get("lower"), ctx.get("upper")
    if ball is None:
        raise InvalidInput("bracket: the closed form was not evaluated")
    with precision(max(ctx.get("digits", 30), 2 * QGRAPH_DIGITS) + 30):
        if lower is not None and not ball >= arb(lower):
            return False, "the closed form is not proven >= the proven lower bound", {}
        if upper is not None and not ball <= arb(upper):
            return False, "the closed form is not proven <= the proven upper bound", {}
    return True, "proven lower <= closed form <= proven upper (Arb)", {}


#: All check kinds known to the checker.
KINDS: dict[str, Kind] = {
    "root_isolation": root_isolation,
    "log_linear_identity": log_linear_identity,
    "duality_upper_bound": duality_upper_bound,
    "bcjr_lower_bound": bcjr_lower_bound,
    "log_bellman_exact": log_bellman_exact,
    "closed_form_in_bracket": closed_form_in_bracket,
    "block_entropy_lower_bound": block_entropy_lower_bound,
}

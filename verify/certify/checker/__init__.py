"""The independent certificate checker: exact inputs in, a verdict out, failing closed.

This package imports no solver, capacity or proof module (only the standard
library, python-flint and :mod:`dicert.graphs.errors`; ``tests/verify/certify/
test_checker_independence.py`` walks the imports and enforces it).  It
reads only exact data (integers and ``"p/q"``/decimal strings; floats are
refused), recomputes every required check itself, and takes the claim texts,
the channel, the cited closed form and the set of required checks from its own
registry (:mod:`.results`), never from a certificate file.

API (schema ``dicert-certificate`` version 2, documented in README "Certificates")
----------------------------------------------------------------------------------
``issue(result, params, digits, witness=None, channel=None, exact_from="registry") -> dict``
    (:mod:`.core`) compute a certificate.  ``result`` is a registered name
    (``ising``, ``trapdoor``, ``ising_q``, ``bec_noc``) or the generic
    ``"qgraph_bracket"``: "C_fb of the unifilar channel with fingerprint F lies
    in [L, U]", for which ``channel`` is the exact channel
    ``{"law": [[[p/q]]], "next_state": [[[int]]], "allowed": [[bool]]}`` and
    ``exact_from`` says where its rationals came from (``"text"`` of a channel
    file, ``"binary-float"``: the exact binary value of Python floats,
    ``"float-shortest-decimal"``).  ``witness`` is
    ``{"upper": {"phi": [[q']], "test": [[T(y|q)]], "value": [[V(s,q)]]},
    "lower": {"phi": [[q']], "policy": [[[P(x|s,q)]]]}}`` (both optional except
    where the registry requires them; exact strings).  Upper: Q-graph duality
    bound, Thm 4.5.2, for *any* rational T and V.  Lower: exactly BCJR-invariant
    rational input, Thm 4.4.4.
``check(data) -> CheckReport(verified, problems, certificate)``
    (:mod:`.core`) re-verify a stored certificate; never raises.
``ExactChannel.from_json(d).fingerprint()``
    (:mod:`.exact`) the channel fingerprint ``sha256:<hex>``.
``KINDS``
    (:mod:`.kinds`) the check kinds (name -> function); extend it with a new kind
    plus a test that a wrong input makes it fail.
``spec(result, params)``
    (:mod:`.results`) the registry entry: claim, channel, closed form, required checks.

Certificate fields: ``proven`` (what is machine-proven: ``C_fb in [lower, upper]``,
its width, the digits it justifies, ``exact``), ``cited`` (the closed form,
its source and its proven decimal enclosure; the equality ``C_fb = closed form``
rests on the cited theorem), ``interval``/``lower``/``upper`` (the proven
bounds), ``value`` with ``value_digits`` (justified by the proven width).

Examples
--------
>>> from dicert.verify.certify.checker.core import issue, check
>>> w = {"upper": {"phi": [[0, 0]], "test": [["1/2", "1/2"]], "value": [[0]]}}
>>> cert = issue("qgraph_bracket", {}, 8, w, channel={"law": [[["1/2", "1/2"], ["1/2", "1/2"]]],
...              "next_state": [[[0, 0], [0, 0]]]}, exact_from="text")
>>> cert["proven"]["statement"], check(cert).verified
('C_fb in [0.00000000000, 0.00000000000]', True)
"""

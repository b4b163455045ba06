"""Rigorous numerics: interval arithmetic, root isolation and the Certificate record.

A float from a solver is an *estimate*; a number is *certified* here only when
it is proven with exact rational or Arb interval arithmetic (python-flint).

Modules (import them directly; this package imports nothing, so that
``dicert certify`` starts fast):

- :mod:`.intervals` -- Arb precision control, exact rationals, outward-rounded decimal intervals;
- :mod:`.roots` -- exact real-root isolation with a Sturm proof of uniqueness, exact refinement;
- :mod:`.symbolic` -- exact proofs of log-linear identities at an algebraic number (flint), and via sympy;
- :mod:`.exact_inputs` -- exact channel / Q-graph / kernel inputs and their JSON form;
- :mod:`.duality_check` -- rigorous duality upper bound from any (Q-graph, T, V) (Thm 4.5.2);
- :mod:`.rate_check` -- exact BCJR invariance and the rigorous lower bound (Thm 4.4.4);
- :mod:`.witness` -- rationalise solver output into exact witnesses (T, V, policy);
- :mod:`.qgraph_certify` -- solver floats in, rigorous Q-graph bounds out, for any unifilar channel;
- :mod:`.checker` -- the independent checker: issues and re-checks every certificate (schema v2),
  imports no solver, reads only exact inputs, fails closed (see its docstring for the API);
- :mod:`.certificate` -- the ``Certificate`` view of a checker-issued certificate, JSON and LaTeX export;
- :mod:`.checks` -- data-driven check kinds used while building witnesses (``--check`` uses :mod:`.checker`);
- :mod:`.claims` -- the ``--claim`` decision (correct / refuted / undecided).

Examples
--------
>>> from dicert.verify.certify.checks import value_interval
>>> value_interval(["-1", "-1", "1"], ["1", "2"], "1", 12).lo[:14]   # log2 of the golden ratio
'0.694241913630'
"""

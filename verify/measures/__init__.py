"""Information measures of chapter 2: entropy to directed information, InfoMat and DI rates.

Every measure takes a :class:`~dicert.verify.pmf.Pmf` and variable names, in
the order ``(pmf, xs, ys, given=(), base=2)``:

* a *set* argument (``xs`` of :func:`entropy`, :func:`mutual_information`,
  ``given`` everywhere) is a variable name or a sequence of names;
* a *sequence* argument (``xs``, ``ys`` of :func:`directed_information` and
  friends) lists the variables of times ``1..n``: each entry is a name or a
  tuple of names (a vector symbol at that time) or ``()`` (the null symbol of
  the monograph's delay operator ``D``). :func:`delayed` and :func:`joint`
  build shifted and paired sequences, e.g. ``DX^n = delayed(xs)`` and
  ``(X^n, Z^n) = joint(xs, zs)``.

Results are in bits by default (``base=2``; ``base="e"`` for nats) and in the
pmf's number type: a Python float (float64), an ``mpmath.mpf`` (mpmath) or an
exact sympy expression (sympy; rational pmfs give closed forms
``a + sum_q c_q log(q)/log(2)``).

Causally conditioned entropies (2.3) are computed by *successive
marginalisation*: the joint is summed over its variables in reverse time order
and the entropy of every prefix is taken once, so the directed information of
an ``n``-letter pmf costs about two passes of ``x log x`` over the joint and
never more than one temporary array of its size (joints of at most
:data:`SMALL_CELLS` cells instead take all prefix entropies in one batched
pass, trading a few times their tiny size for fewer numpy calls).

Equation numbers refer to the monograph (``seeds/004_...txt``, chapter 2).

Examples
--------
>>> import numpy as np
>>> from dicert.verify import Pmf
>>> from dicert.verify.measures import directed_information, mutual_information
>>> p = Pmf.random((2, 2, 2, 2), ["X1", "X2", "Y1", "Y2"], rng=0)
>>> di = directed_information(p, ["X1", "X2"], ["Y1", "Y2"])
>>> 0 <= di <= mutual_information(p, ["X1", "X2"], ["Y1", "Y2"])
True

The package splits along its seams: :mod:`~dicert.verify.measures.shannon`
(measures of a finite pmf, sections 2.1-2.3), :mod:`~dicert.verify.measures.rates`
(rates of stationary pair chains), with the name arguments in ``_names`` and
the successive-marginalisation engine in ``_engine``. Every public name is
importable from ``dicert.verify.measures`` as before.
"""

from __future__ import annotations

from dicert.verify.measures._engine import SMALL_CELLS, _causal_order, _marginal_array  # noqa: F401 (re-exported)
from dicert.verify.measures._names import Group, NameSequence, NameSet, delayed, joint  # noqa: F401
from dicert.verify.measures.rates import (
    InformationRate,
    directed_information_rate,
    instantaneous_information_rate,
    markov_pair_pmf,
    transfer_entropy_rate,
)
from dicert.verify.measures.shannon import (
    causal_kernel,
    causally_conditioned_directed_information,
    causally_conditioned_entropy,
    conditional_entropy,
    conditional_mutual_information,
    directed_information,
    directed_information_kl,
    entropy,
    info_mat,
    instantaneous_information,
    mutual_information,
    reverse_directed_information,
    transfer_entropy,
)

__all__ = [
    "InformationRate",
    "causal_kernel",
    "causally_conditioned_directed_information",
    "causally_conditioned_entropy",
    "conditional_entropy",
    "conditional_mutual_information",
    "delayed",
    "directed_information",
    "directed_information_kl",
    "directed_information_rate",
    "entropy",
    "info_mat",
    "instantaneous_information",
    "instantaneous_information_rate",
    "joint",
    "markov_pair_pmf",
    "mutual_information",
    "reverse_directed_information",
    "transfer_entropy",
    "transfer_entropy_rate",
]


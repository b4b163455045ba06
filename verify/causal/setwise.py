"""Interventional laws and setwise directed information (monograph sec. 2.6, (2.36)-(2.42)).

* :func:`interventional_law` -- ``P(a^T | do(a^S), a^Z)``, from the joint
  interventional law ``P(a^T, a^Z | do(a^S))`` by conditioning on ``A^Z``
  (the law inside (2.41)); with a time-ordered model and ``S = X^n``,
  ``T = Y^n`` it is the causally conditioned law ``P(y^n || x^n)`` (2.36).
* :func:`observation_intervention_divergence` -- for every ``a^S`` the
  divergence ``D(P_{A^T | A^S = a^S} || P_{A^T | do(A^S = a^S)})`` (2.37).
* :func:`setwise_directed_information` -- its average over ``P_{A^S}``,
  ``I(A^T -> A^S) = D(P_{A^T|A^S} || P_{A^T|do(A^S)} | P_{A^S})`` (2.39), and
  the conditional setwise DI ``I(A^T -> A^S | A^Z)`` (2.41). For the two-process
  model it is the feedback information ``I(Y^{n-1} -> X^n)`` (2.38).
* :func:`setwise_di_chain_rule` -- the chain rule (2.40) for a partition
  ``(S^c, S)``: ``sum_{i in S} I(A^{S^c_{<i}}; A_i | A^{S_{<i}})``, computed
  with :func:`dicert.verify.measures.mutual_information`.
* :func:`laws_agree` -- the equivalence (2.42): the conditional setwise DI is 0
  exactly when observing and intervening give the same law a.e.

Arrays returned here have their axes in the order ``[*S, *Z, *T]`` as given.

Examples
--------
>>> import networkx as nx
>>> from dicert.verify.causal import CausalModel, setwise_directed_information
>>> g = nx.DiGraph([("Z", "X"), ("Z", "Y"), ("X", "Y")])
>>> m = CausalModel.random(g, {"Z": 2, "X": 2, "Y": 2}, rng=1)
>>> setwise_directed_information(m, "Y", "X") > 0          # Z confounds: observing != intervening
True
>>> abs(setwise_directed_information(m, "Y", "X", given="Z")) < 1e-12   # Z blocks the back door
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from dicert.verify.causal.model import CausalModel, names_of
from dicert.verify.errors import InvalidInput
from dicert.verify.measures import mutual_information

__all__ = [
    "interventional_law",
    "observational_law",
    "observation_intervention_divergence",
    "setwise_directed_information",
    "setwise_di_chain_rule",
    "laws_agree",
]


def _check_model(model: Any) -> CausalModel:
    if not isinstance(model, CausalModel):
        raise InvalidInput(f"model: expected a CausalModel, got {type(model).__name__}")
    return model


def _groups(
    model: CausalModel, targets: Any, intervened: Any, given: Any
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    t = names_of(targets, "targets")
    s = names_of(intervened, "intervened")
    z = names_of(given, "given")
    if not t:
        raise InvalidInput("targets: expected at least one variable")
    if not s:
        raise InvalidInput("intervened: expected at least one variable")
    for field, group in (("targets", t), ("intervened", s), ("given", z)):
        for name in group:
            model.axis(name)
    for a, b, ga, gb in (("targets", "intervened", t, s), ("targets", "given", t, z), ("intervened", "given", s, z)):
        common = sorted(set(ga) & set(gb))
        if common:
            raise InvalidInput(f"{b}: shares {common} with {a}, expected pairwise disjoint sets (2.41)")
    return t, s, z


def _marginal_in_order(model: CausalModel, array: np.ndarray, order: tuple[str, ...]) -> np.ndarray:
    """Sum ``array`` (over all model axes) onto ``order`` and transpose to that order."""
    axes = [model.axis(name) for name in order]
    dropped = tuple(k for k in range(array.ndim) if k not in axes)
    summed = array.sum(axis=dropped) if dropped else array
    kept = [k for k in range(array.ndim) if k in axes]
    return np.transpose(summed, [kept.index(k) for k in axes])


def _conditional(joint: np.ndarray, n_leading: int) -> np.ndarray:
    """Divide ``joint`` by its sum over the trailing axes; uniform where that sum is 0."""
    trailing = tuple(range(n_leading, joint.ndim))
    below = joint.sum(axis=trailing, keepdims=True)
    cells = math.prod(joint.shape[n_leading:])
    return np.divide(joint, below, out=np.full_like(joint, 1.0 / cells), where=below > 0)


def interventional_law(
    model: CausalModel, targets: str | Iterable[str], intervened: str | Iterable[str], given: str | Iterable[str] = ()
) -> np.ndarray:
    """``P(a^T | do(a^S), a^Z)`` for every ``(a^S, a^Z, a^T)``; axes ``[*S, *Z, *T]`` (2.34), (2.41).

    Obtained from the joint interventional law ``P(a^T, a^Z | do(a^S))`` (the
    truncated factorisation) by conditioning on ``A^Z``; rows with
    ``P(a^Z | do(a^S)) = 0`` are set uniform.

    Examples
    --------
    The confounder of Fig. 2.2 (``Z -> X``, ``Z -> Y`` only): ``P(Y | do(X = x)) = P(Y)``.

    >>> import networkx as nx
    >>> import numpy as np
    >>> m = CausalModel.from_mechanisms(nx.DiGraph([("Z", "X"), ("Z", "Y")]),
    ...                                 {"Z": [0.2, 0.8], "X": np.eye(2), "Y": np.eye(2)})
    >>> interventional_law(m, "Y", "X")
    array([[0.2, 0.8],
           [0.2, 0.8]])
    """
    model = _check_model(model)
    t, s, z = _groups(model, targets, intervened, given)
    joint = _marginal_in_order(model, model.interventional_kernel(s), s + z + t)
    return _conditional(joint, len(s) + len(z))


def observational_law(
    model: CausalModel, targets: str | Iterable[str], conditioned: str | Iterable[str], given: str | Iterable[str] = ()
) -> np.ndarray:
    """``P(a^T | a^S, a^Z)`` for every ``(a^S, a^Z, a^T)``; axes ``[*S, *Z, *T]`` (uniform off the support).

    Examples
    --------
    >>> import networkx as nx
    >>> import numpy as np
    >>> m = CausalModel.from_mechanisms(nx.DiGraph([("Z", "X"), ("Z", "Y")]),
    ...                                 {"Z": [0.2, 0.8], "X": np.eye(2), "Y": np.eye(2)})
    >>> observational_law(m, "Y", "X")
    array([[1., 0.],
           [0., 1.]])
    """
    model = _check_model(model)
    t, s, z = _groups(model, targets, conditioned, given)
    joint = _marginal_in_order(model, model.joint(), s + z + t)
    return _conditional(joint, len(s) + len(z))


def _log(base: Any) -> float:
    if base == "e":
        return 1.0
    if isinstance(base, bool) or not isinstance(base, int | float) or not base > 1:
        raise InvalidInput(f"base: expected a number > 1 or 'e', got {base!r}")
    return math.log(base)


def _divergence_terms(model: CausalModel, t: tuple[str, ...], s: tuple[str, ...], z: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """``P(a^S, a^Z, a^T) log(P_obs / P_do)`` cells (nats; +inf where P_do = 0 < P) and ``P(a^S, a^Z, a^T)``."""
    joint = _marginal_in_order(model, model.joint(), s + z + t)
    observed = _conditional(joint, len(s) + len(z))
    intervened = interventional_law(model, t, s, z)
    terms = np.zeros_like(joint)
    support = joint > 0
    with np.errstate(divide="ignore"):
        terms[support] = joint[support] * (np.log(observed[support]) - np.log(intervened[support]))
    return terms, joint


def observation_intervention_divergence(
    model: CausalModel,
    targets: str | Iterable[str],
    intervened: str | Iterable[str],
    base: int | float | str = 2,
) -> np.ndarray:
    """``D(P_{A^T | A^S = a^S} || P_{A^T | do(A^S = a^S)})`` for every ``a^S`` (2.37); axes ``[*S]``.

    Values of ``a^S`` of probability 0 get 0 (they carry no weight in (2.38)).
    Its average over ``P_{A^S}`` is :func:`setwise_directed_information`.

    Examples
    --------
    >>> import networkx as nx
    >>> import numpy as np
    >>> m = CausalModel.from_mechanisms(nx.DiGraph([("Z", "X"), ("Z", "Y")]),
    ...                                 {"Z": [0.5, 0.5], "X": np.eye(2), "Y": np.eye(2)})
    >>> observation_intervention_divergence(m, "Y", "X")   # 1 bit for each x: Y = X observed, Y ~ Bern(1/2) under do
    array([1., 1.])
    """
    model = _check_model(model)
    t, s, _ = _groups(model, targets, intervened, ())
    terms, joint = _divergence_terms(model, t, s, ())
    trailing = tuple(range(len(s), joint.ndim))
    weight = joint.sum(axis=trailing)
    total = terms.sum(axis=trailing)
    return np.divide(total, weight, out=np.zeros_like(total), where=weight > 0) / _log(base)


def setwise_directed_information(
    model: CausalModel,
    targets: str | Iterable[str],
    intervened: str | Iterable[str],
    given: str | Iterable[str] = (),
    base: int | float | str = 2,
) -> float:
    """Setwise DI ``I(A^T -> A^S)`` (2.39), or the conditional setwise DI ``I(A^T -> A^S | A^Z)`` (2.41).

    ``E[log P(A^T | A^S, A^Z) / P(A^T | do(A^S), A^Z)]`` under the
    observational law; ``+inf`` when the observational law puts mass where the
    interventional one does not. ``targets`` is ``T``, ``intervened`` is ``S``
    and ``given`` is ``Z`` (pairwise disjoint).

    Examples
    --------
    For the time-ordered model of ``(X1, Y1, X2, Y2)`` the setwise DI from
    ``Y^2`` to ``X^2`` is the feedback information ``I(Y^1 -> X^2)`` (2.38):

    >>> from dicert.verify import Pmf
    >>> from dicert.verify.measures import reverse_directed_information
    >>> p = Pmf.random((2, 2, 2, 2), ["X1", "Y1", "X2", "Y2"], rng=4)
    >>> m = CausalModel.time_ordered(p)
    >>> gap = setwise_directed_information(m, ["Y1", "Y2"], ["X1", "X2"])
    >>> abs(gap - reverse_directed_information(p, ["X1", "X2"], ["Y1", "Y2"])) < 1e-12
    True
    """
    model = _check_model(model)
    t, s, z = _groups(model, targets, intervened, given)
    terms, _ = _divergence_terms(model, t, s, z)
    return float(terms.sum()) / _log(base)


def setwise_di_chain_rule(
    model: CausalModel, intervened: str | Iterable[str], base: int | float | str = 2
) -> float:
    """Chain rule (2.40) of ``I(A^{S^c} -> A^S)``: ``sum_{i in S} I(A^{S^c_{<i}}; A_i | A^{S_{<i}})``.

    The index order is the model's topological order :attr:`CausalModel.names`.

    Examples
    --------
    >>> from dicert.verify import Pmf
    >>> m = CausalModel.time_ordered(Pmf.random((2, 3, 2, 2), ["A1", "A2", "A3", "A4"], rng=2))
    >>> rest = [n for n in m.names if n not in ("A2", "A4")]
    >>> abs(setwise_di_chain_rule(m, ["A2", "A4"]) - setwise_directed_information(m, rest, ["A2", "A4"])) < 1e-12
    True
    """
    model = _check_model(model)
    s = names_of(intervened, "intervened")
    if not s:
        raise InvalidInput("intervened: expected at least one variable")
    for name in s:
        model.axis(name)
    pmf = model.pmf
    total = 0.0
    for position, name in enumerate(model.names):
        if name not in s:
            continue
        before = model.names[:position]
        complement = [v for v in before if v not in s]
        earlier = [v for v in before if v in s]
        if complement:
            total += float(mutual_information(pmf, complement, name, earlier, base=base))
    return total


def laws_agree(
    model: CausalModel,
    targets: str | Iterable[str],
    intervened: str | Iterable[str],
    given: str | Iterable[str] = (),
    atol: float = 1e-9,
) -> bool:
    """Whether ``P(a^T | a^S, a^Z) = P(a^T | do(a^S), a^Z)`` for ``P_{A^S, A^Z}``-almost every ``(a^S, a^Z)`` (2.42).

    Examples
    --------
    >>> import networkx as nx
    >>> m = CausalModel.random(nx.DiGraph([("Z", "X"), ("Z", "Y"), ("X", "Y")]), {"Z": 2, "X": 2, "Y": 2}, rng=1)
    >>> laws_agree(m, "Y", "X"), laws_agree(m, "Y", "X", given="Z")
    (False, True)
    """
    model = _check_model(model)
    t, s, z = _groups(model, targets, intervened, given)
    joint = _marginal_in_order(model, model.joint(), s + z + t)
    lead = len(s) + len(z)
    weight = joint.sum(axis=tuple(range(lead, joint.ndim)))
    observed = _conditional(joint, lead)
    intervened_law = interventional_law(model, t, s, z)
    deviation = np.abs(observed - intervened_law).reshape(weight.shape + (-1,)).max(axis=-1)
    return bool(np.all(deviation[weight > 0] <= atol))

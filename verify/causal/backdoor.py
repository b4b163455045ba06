"""Pearl's back-door criterion and the adjustment formula (monograph sec. 2.6.1, Thm 2.6.1, (2.43)).

* :func:`is_backdoor_set` -- the graphical criterion: no variable of ``Z`` is a
  descendant of ``S``, and ``Z`` d-separates ``S`` from ``T`` once the arrows
  out of ``S`` are removed (every back-door path ``S <- ... T`` is blocked).
  d-separation is networkx's :func:`networkx.is_d_separator`.
* :func:`adjustment_formula` -- the right-hand side of (2.43),
  ``sum_{a^Z} P(a^T | a^S, a^Z) P(a^Z)``, computed from the *observational*
  joint law only.

Theorem 2.6.1 (Raginsky): if ``Z`` holds only non-descendants of ``S`` and
the conditional setwise DI ``I(A^T -> A^S | A^Z)`` (2.41) vanishes, then
``P(a^T | do(a^S))`` equals the adjustment formula. A back-door set makes that
DI vanish; ``tests/verify/causal`` checks both statements on random DAGs.

Examples
--------
>>> import networkx as nx
>>> from dicert.verify.causal import CausalModel, adjustment_formula, interventional_law, is_backdoor_set
>>> g = nx.DiGraph([("Z", "X"), ("Z", "Y"), ("X", "Y")])
>>> is_backdoor_set(g, "X", "Y", "Z"), is_backdoor_set(g, "X", "Y", ())
(True, False)
>>> m = CausalModel.random(g, {"Z": 2, "X": 2, "Y": 3}, rng=0)
>>> import numpy as np
>>> bool(np.allclose(adjustment_formula(m.pmf, "Y", "X", "Z"), interventional_law(m, "Y", "X")))
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import networkx as nx
import numpy as np

from dicert.verify.causal.model import CausalModel, names_of
from dicert.verify.errors import InvalidGraph, InvalidInput
from dicert.verify.pmf import Pmf

__all__ = ["is_backdoor_set", "adjustment_formula", "backdoor_paths_blocked"]


def _sets(graph: Any, intervened: Any, targets: Any, adjustment: Any) -> tuple[nx.DiGraph, set[str], set[str], set[str]]:
    if isinstance(graph, CausalModel):
        graph = graph.graph
    if not isinstance(graph, nx.DiGraph) or not nx.is_directed_acyclic_graph(graph):
        raise InvalidGraph("graph: expected a networkx DiGraph that is acyclic (or a CausalModel)")
    s = set(names_of(intervened, "intervened"))
    t = set(names_of(targets, "targets"))
    z = set(names_of(adjustment, "adjustment"))
    if not s or not t:
        raise InvalidInput("intervened, targets: expected at least one variable each")
    for field, group in (("intervened", s), ("targets", t), ("adjustment", z)):
        unknown = sorted(group - set(graph.nodes))
        if unknown:
            raise InvalidInput(f"{field}: unknown variables {unknown}, expected nodes of the graph")
    if (s & t) or (s & z) or (t & z):
        raise InvalidInput("intervened, targets, adjustment: expected pairwise disjoint sets")
    return graph, s, t, z


def backdoor_paths_blocked(
    graph: nx.DiGraph | CausalModel, intervened: str | Iterable[str], targets: str | Iterable[str], adjustment: str | Iterable[str]
) -> bool:
    """Whether ``Z`` d-separates ``S`` and ``T`` in the graph without the arrows out of ``S``.

    Examples
    --------
    >>> import networkx as nx
    >>> backdoor_paths_blocked(nx.DiGraph([("Z", "X"), ("Z", "Y")]), "X", "Y", "Z")
    True
    """
    graph, s, t, z = _sets(graph, intervened, targets, adjustment)
    cut = graph.copy()
    cut.remove_edges_from([(u, v) for u in s for v in graph.successors(u)])
    return bool(nx.is_d_separator(cut, s, t, z))


def is_backdoor_set(
    graph: nx.DiGraph | CausalModel, intervened: str | Iterable[str], targets: str | Iterable[str], adjustment: str | Iterable[str]
) -> bool:
    """Pearl's back-door criterion for ``Z`` relative to ``(S, T)`` (sec. 2.6.1, the premise of Thm 2.6.1).

    (i) no node of ``Z`` is a descendant of ``S``; (ii) ``Z`` blocks every
    path between ``S`` and ``T`` that starts with an arrow into ``S``.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.DiGraph([("X", "M"), ("M", "Y"), ("U", "X"), ("U", "Y")])
    >>> is_backdoor_set(g, "X", "Y", "U"), is_backdoor_set(g, "X", "Y", "M"), is_backdoor_set(g, "X", "Y", ["U", "M"])
    (True, False, False)
    """
    graph, s, t, z = _sets(graph, intervened, targets, adjustment)
    descendants = set().union(*(nx.descendants(graph, v) for v in s))
    if z & descendants:
        return False
    return backdoor_paths_blocked(graph, s, t, z)


def adjustment_formula(
    pmf: Pmf, targets: str | Iterable[str], intervened: str | Iterable[str], adjustment: str | Iterable[str]
) -> np.ndarray:
    """Adjustment (2.43): ``sum_{a^Z} P(a^T | a^S, a^Z) P(a^Z)`` from the observational pmf; axes ``[*S, *T]``.

    ``P(a^T | a^S, a^Z)`` is taken uniform where ``P(a^S, a^Z) = 0`` (the formula
    needs positivity there to mean anything).

    Examples
    --------
    >>> from dicert.verify import Pmf
    >>> p = Pmf.random((2, 2), ["X", "Y"], rng=0)
    >>> import numpy as np
    >>> bool(np.allclose(adjustment_formula(p, "Y", "X", ()), p.marginal(["X", "Y"]).array / p.marginal(["X"]).array[:, None]))
    True
    """
    if not isinstance(pmf, Pmf):
        raise InvalidInput(f"pmf: expected a Pmf, got {type(pmf).__name__}")
    if pmf.backend != "float64":
        pmf = pmf.to_backend("float64")
    t = names_of(targets, "targets")
    s = names_of(intervened, "intervened")
    z = names_of(adjustment, "adjustment")
    if not t or not s:
        raise InvalidInput("targets, intervened: expected at least one variable each")
    if set(t) & set(s) or set(t) & set(z) or set(s) & set(z):
        raise InvalidInput("targets, intervened, adjustment: expected pairwise disjoint sets")
    joint = pmf.marginal([*s, *z, *t]).array
    lead = len(s) + len(z)
    below = joint.sum(axis=tuple(range(lead, joint.ndim)), keepdims=True)
    cells = math.prod(joint.shape[lead:])
    conditional = np.divide(joint, below, out=np.full_like(joint, 1.0 / cells), where=below > 0)
    if not z:
        return conditional
    weight = pmf.marginal(list(z)).array
    weight = weight.reshape((1,) * len(s) + weight.shape + (1,) * len(t))
    return (conditional * weight).sum(axis=tuple(range(len(s), lead)))

"""Hypothesis strategies for causal models: random DAGs with random mechanisms (needs the ``test`` extra).

:func:`causal_models` builds a valid model directly: a random topological
order of the names, each forward pair an edge or not (one bitmask draw),
alphabet sizes within a cell budget, and Dirichlet mechanisms from a
drawn seed (no filtering). :func:`disjoint_sets` draws ``(S, T, Z)``.

Examples
--------
>>> from hypothesis import find
>>> m = find(causal_models(max_nodes=4), lambda m: len(m.graph.edges) >= 3)
>>> len(m.graph.edges) >= 3
True
"""

from __future__ import annotations

import math

import networkx as nx
from hypothesis import strategies as st

from dicert.verify.causal.model import CausalModel

__all__ = ["causal_models", "disjoint_sets"]


@st.composite
def causal_models(
    draw: st.DrawFn, min_nodes: int = 2, max_nodes: int = 5, max_alphabet: int = 3, max_cells: int = 243
) -> CausalModel:
    """A random DAG on ``A0, A1, ...`` (random topological order) with Dirichlet mechanisms.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(causal_models(min_nodes=3, max_nodes=3), lambda m: True).names
    ('A0', 'A1', 'A2')
    """
    n = draw(st.integers(min_nodes, max_nodes))
    names = [f"A{k}" for k in range(n)]
    order = draw(st.permutations(names))
    pairs = [(order[i], order[j]) for j in range(n) for i in range(j)]
    mask = draw(st.integers(0, 2 ** len(pairs) - 1))          # one draw: which forward pairs are edges
    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    graph.add_edges_from(pair for k, pair in enumerate(pairs) if mask >> k & 1)
    sizes: dict[str, int] = {}
    for k, name in enumerate(names):
        budget = max_cells // max(math.prod(sizes.values()), 1)
        remaining = n - k - 1
        cap = max(1, min(max_alphabet, int(budget // (2**remaining)) if remaining else budget))
        sizes[name] = draw(st.integers(min(2, cap), cap))
    seed = draw(st.integers(0, 2**32 - 1))
    concentration = draw(st.sampled_from([0.5, 1.0, 3.0]))
    return CausalModel.random(graph, sizes, rng=seed, concentration=concentration)


@st.composite
def disjoint_sets(draw: st.DrawFn, model: CausalModel, with_given: bool = True) -> tuple[list[str], list[str], list[str]]:
    """Pairwise disjoint ``(S, T, Z)`` with ``S`` and ``T`` non-empty (``Z`` empty when ``with_given`` is False).

    Examples
    --------
    >>> from hypothesis import find
    >>> import networkx as nx
    >>> m = CausalModel.random(nx.DiGraph([("A", "B"), ("B", "C")]), {"A": 2, "B": 2, "C": 2}, rng=0)
    >>> s, t, z = find(disjoint_sets(m), lambda sets: True)
    >>> bool(s) and bool(t) and not (set(s) & set(t))
    True
    """
    names = list(model.names)
    roles = draw(st.lists(st.sampled_from("STZ-" if with_given else "ST-"), min_size=len(names), max_size=len(names)))
    s = [v for v, r in zip(names, roles, strict=True) if r == "S"]
    t = [v for v, r in zip(names, roles, strict=True) if r == "T"]
    z = [v for v, r in zip(names, roles, strict=True) if r == "Z"]
    if not s:
        s = [names[0]]
        t = [v for v in t if v != names[0]]
        z = [v for v in z if v != names[0]]
    if not t:
        rest = [v for v in names if v not in s]
        if not rest:
            s, rest = s[:-1], [s[-1]]
        t = [rest[-1]]
        z = [v for v in z if v != rest[-1]]
    return s, t, z

"""Causal DAGs with a factorising pmf and Pearl's do-interventions (monograph sec. 2.6, (2.33)-(2.35)).

A :class:`CausalModel` is a DAG over named variables (a networkx
``DiGraph``) with one mechanism per node, the conditional law
``P(a_i | pa(a_i))``; its joint law is the causal factorisation (2.33)

.. math:: P(a^n) = \\prod_i P(a_i \\mid \\mathrm{pa}(a_i)).

:meth:`CausalModel.do` is the (setwise) intervention (2.34): the mechanisms of
the intervened variables become deterministic assignments and their incoming
arrows are cut (Fig. 2.2 (b)); every other mechanism is kept.

Arrays (mechanisms, interventional laws) are dense float64 arrays over *all*
variables in :attr:`CausalModel.names` order, with axes of length 1 for the
variables they do not depend on, so products broadcast. Every allocation is
sized first (:func:`dicert.verify.memory.check_allocation`).

Examples
--------
The confounder of Fig. 2.2: ``Z -> X``, ``Z -> Y``, no arrow ``X -> Y``.
Observing ``X`` tells a lot about ``Y``; intervening on ``X`` tells nothing:

>>> import numpy as np
>>> import networkx as nx
>>> from dicert.verify.causal import CausalModel
>>> g = nx.DiGraph([("Z", "X"), ("Z", "Y")])
>>> copy = np.eye(2)
>>> m = CausalModel.from_mechanisms(g, {"Z": [0.5, 0.5], "X": copy, "Y": copy})
>>> m.pmf.condition({"X": 1}).marginal(["Y"]).array   # P(Y | X = 1)
array([0., 1.])
>>> m.do({"X": 1}).pmf.marginal(["Y"]).array          # P(Y | do(X = 1)) = P(Y)
array([0.5, 0.5])
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np

from dicert.verify.errors import InvalidGraph, InvalidInput, InvalidPmf
from dicert.verify.memory import check_allocation
from dicert.verify.pmf import Pmf

__all__ = ["CausalModel", "names_of"]

#: Largest |P - prod of mechanisms| accepted when a pmf is said to factorise over a DAG.
FACTORISATION_TOL = 1e-9


def names_of(names: str | Iterable[str], field: str) -> tuple[str, ...]:
    """A variable name or a sequence of names, as a tuple of distinct strings.

    Examples
    --------
    >>> names_of("X", "targets"), names_of(["X", "Y"], "targets")
    (('X',), ('X', 'Y'))
    """
    if isinstance(names, str):
        return (names,)
    try:
        result = tuple(names)
    except TypeError:
        raise InvalidInput(f"{field}: expected a variable name or a sequence of names, got {names!r}") from None
    for name in result:
        if not isinstance(name, str):
            raise InvalidInput(f"{field}: variable names must be strings, got {name!r}")
    if len(set(result)) != len(result):
        raise InvalidInput(f"{field}: duplicated variable name in {list(result)}")
    return result


def _check_graph(graph: Any) -> nx.DiGraph:
    if not isinstance(graph, nx.DiGraph) or graph.is_multigraph():
        raise InvalidGraph(f"graph: expected a networkx DiGraph, got {type(graph).__name__}")
    if not nx.is_directed_acyclic_graph(graph):
        cycle = nx.find_cycle(graph)
        raise InvalidGraph(f"graph: expected a DAG, found the cycle {[u for u, _ in cycle]}")
    for node in graph.nodes:
        if not isinstance(node, str) or not node:
            raise InvalidGraph(f"graph: node names must be non-empty strings, got {node!r}")
    return graph


def _topological_names(graph: nx.DiGraph, order: Sequence[str] | None) -> tuple[str, ...]:
    if order is None:
        return tuple(nx.lexicographical_topological_sort(graph))
    order = names_of(order, "order")
    if set(order) != set(graph.nodes) or len(order) != graph.number_of_nodes():
        raise InvalidInput(f"order: expected every node of the graph once, got {list(order)}")
    position = {name: k for k, name in enumerate(order)}
    for u, v in graph.edges:
        if position[u] >= position[v]:
            raise InvalidInput(f"order: {u!r} -> {v!r} is an edge but {u!r} does not come before {v!r}")
    return order


def _mechanism_arrays(
    graph: nx.DiGraph, names: tuple[str, ...], mechanisms: Mapping[str, Any]
) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """The mechanisms as float arrays, checked for their axes (parents then the node), and the alphabet sizes.

    Raises :class:`InvalidPmf` naming the mechanism (see :meth:`CausalModel.from_mechanisms`).
    """
    raw = {}
    for name in names:
        try:
            raw[name] = np.asarray(mechanisms[name], dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidPmf(f"mechanisms[{name!r}]: expected an array of probabilities") from None
    sizes: dict[str, int] = {}
    for name in names:
        parents = [p for p in names if graph.has_edge(p, name)]
        array = raw[name]
        if array.ndim != len(parents) + 1:
            raise InvalidPmf(
                f"mechanisms[{name!r}]: has {array.ndim} axes, expected {len(parents) + 1} "
                f"(parents {parents} then {name!r})"
            )
        for parent, size in zip(parents, array.shape[:-1], strict=True):
            if size != sizes[parent]:
                raise InvalidPmf(
                    f"mechanisms[{name!r}]: axis of parent {parent!r} has length {size}, expected {sizes[parent]}"
                )
        if array.shape[-1] < 1:
            raise InvalidPmf(f"mechanisms[{name!r}]: empty alphabet")
        sizes[name] = array.shape[-1]
    return raw, sizes


class CausalModel:
    """A causal DAG over named discrete variables with its mechanisms ``P(a_i | pa(a_i))`` (2.33).

    Build one with :meth:`from_mechanisms`, :meth:`from_pmf` (a pmf that
    factorises over the DAG), :meth:`time_ordered` (the complete DAG in time
    order, (2.35)) or :meth:`random`.

    Attributes
    ----------
    graph : networkx.DiGraph
        The DAG (a copy; nodes are the variable names).
    names : tuple of str
        The variables in a topological order; the axis order of every array.
    shape : tuple of int
        Alphabet sizes, in :attr:`names` order.

    Examples
    --------
    >>> import networkx as nx
    >>> m = CausalModel.random(nx.DiGraph([("A", "B"), ("B", "C")]), {"A": 2, "B": 3, "C": 2}, rng=0)
    >>> m.names, m.shape, m.parents("C")
    (('A', 'B', 'C'), (2, 3, 2), ('B',))
    """

    def __init__(
        self,
        graph: nx.DiGraph,
        names: tuple[str, ...],
        shape: tuple[int, ...],
        mechanisms: dict[str, np.ndarray],
        alphabets: tuple[tuple[Hashable, ...], ...],
    ) -> None:
        # internal: use the classmethods, which validate
        self._graph = graph
        self._names = names
        self._shape = shape
        self._mechanisms = mechanisms
        self._alphabets = alphabets
        self._axis = {name: k for k, name in enumerate(names)}

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_mechanisms(
        cls,
        graph: nx.DiGraph,
        mechanisms: Mapping[str, Any],
        order: Sequence[str] | None = None,
        alphabets: Mapping[str, Sequence[Hashable]] | None = None,
    ) -> CausalModel:
        """Model from one conditional law per node (2.33).

        ``mechanisms[v]`` has one axis per parent of ``v`` (parents in
        :attr:`names` order, i.e. the given ``order`` or the lexicographic
        topological order) followed by the axis of ``v``, and sums to one over
        its last axis. A root's mechanism is a plain pmf.

        Raises
        ------
        InvalidGraph
            If ``graph`` is not a DAG with string nodes.
        InvalidPmf
            If a mechanism is missing, has the wrong number of axes, mismatched
            alphabet sizes, negative entries or rows not summing to one.

        Examples
        --------
        >>> import networkx as nx
        >>> m = CausalModel.from_mechanisms(nx.DiGraph([("X", "Y")]), {"X": [0.3, 0.7], "Y": [[0.9, 0.1], [0.2, 0.8]]})
        >>> round(float(m.pmf.probability({"X": 1, "Y": 1})), 12)
        0.56
        """
        graph = _check_graph(graph).copy()
        names = _topological_names(graph, order)
        missing = [name for name in names if name not in mechanisms]
        extra = [name for name in mechanisms if name not in graph.nodes]
        if missing or extra:
            raise InvalidPmf(f"mechanisms: expected one per node {list(names)}, missing {missing}, unknown {extra}")
        raw, sizes = _mechanism_arrays(graph, names, mechanisms)
        shape = tuple(sizes[name] for name in names)
        check_allocation(shape, 8, "causal model joint pmf")
        full: dict[str, np.ndarray] = {}
        for name in names:
            array = raw[name]
            if not np.all(np.isfinite(array)) or (array < 0).any():
                raise InvalidPmf(f"mechanisms[{name!r}]: entries must be finite and >= 0")
            rows = array.sum(axis=-1)
            if not np.allclose(rows, 1.0, rtol=0, atol=1e-9):
                worst = float(np.max(np.abs(rows - 1.0)))
                raise InvalidPmf(f"mechanisms[{name!r}]: rows must sum to 1 over {name!r} (worst deviation {worst:.2e})")
            parents = [p for p in names if graph.has_edge(p, name)]
            kept = set(parents) | {name}
            target = tuple(sizes[v] if v in kept else 1 for v in names)
            # the mechanism's axes are already in names order (parents sorted by position, then the node,
            # which comes after all its parents), so a reshape places them
            full[name] = (array / rows[..., None]).reshape(target)
        alphabet_list = tuple(
            tuple(alphabets[name]) if alphabets and name in alphabets else tuple(range(sizes[name])) for name in names
        )
        for name, alphabet in zip(names, alphabet_list, strict=True):
            if len(alphabet) != sizes[name] or len(set(alphabet)) != len(alphabet):
                raise InvalidPmf(f"alphabets[{name!r}]: expected {sizes[name]} distinct symbols, got {list(alphabet)}")
        return cls(graph, names, shape, full, alphabet_list)

    @classmethod
    def from_pmf(cls, graph: nx.DiGraph, pmf: Pmf, tol: float = FACTORISATION_TOL) -> CausalModel:
        """Model whose mechanisms are the conditional laws of ``pmf``; the pmf must factorise (2.33).

        Conditional laws on parent values of probability zero are taken
        uniform (they never change the joint, but they do define what an
        intervention setting the parents to such values does).

        Raises
        ------
        InvalidPmf
            If the variables of ``pmf`` and the nodes of ``graph`` differ, or if
            ``pmf`` does not factorise over ``graph`` (within ``tol``).

        Examples
        --------
        >>> import networkx as nx
        >>> from dicert.verify import Pmf
        >>> p = Pmf.random((2, 2), ["X", "Y"], rng=1)
        >>> CausalModel.from_pmf(nx.DiGraph([("X", "Y")]), p).names
        ('X', 'Y')
        >>> CausalModel.from_pmf(nx.DiGraph([("X", "Y")]).reverse(), p).names
        ('Y', 'X')
        >>> g = nx.DiGraph(); g.add_nodes_from(["X", "Y"])
        >>> CausalModel.from_pmf(g, p)
        Traceback (most recent call last):
        dicert.graphs.errors.InvalidPmf: pmf: does not factorise over the DAG (max |P - prod P(a_i | pa(a_i))| = ...
        """
        if not isinstance(pmf, Pmf):
            raise InvalidInput(f"pmf: expected a Pmf, got {type(pmf).__name__}")
        if pmf.backend != "float64":
            pmf = pmf.to_backend("float64")
        graph = _check_graph(graph)
        if set(pmf.names) != set(graph.nodes):
            raise InvalidPmf(f"pmf: variables {list(pmf.names)} differ from the graph's nodes {sorted(graph.nodes)}")
        names = _topological_names(graph, None)
        ordered = pmf.reorder(list(names))
        mechanisms = {}
        for name in names:
            parents = [p for p in names if graph.has_edge(p, name)]
            family = ordered.marginal([*parents, name]).array
            below = family.sum(axis=-1, keepdims=True)
            size = family.shape[-1]
            mechanisms[name] = np.divide(family, below, out=np.full_like(family, 1.0 / size), where=below > 0)
        alphabets = dict(zip(ordered.names, ordered.alphabets, strict=True))
        model = cls.from_mechanisms(graph, mechanisms, order=names, alphabets=alphabets)
        gap = float(np.max(np.abs(model.joint() - ordered.array)))
        if gap > tol:
            raise InvalidPmf(
                f"pmf: does not factorise over the DAG (max |P - prod P(a_i | pa(a_i))| = {gap:.3e} > tol={tol})"
            )
        return model

    @classmethod
    def time_ordered(cls, pmf: Pmf) -> CausalModel:
        """The complete DAG in the order of ``pmf.names``: every variable's parents are all earlier ones (2.35).

        Any pmf factorises over it (the chain rule). With interleaved names
        ``X1, Y1, ..., Xn, Yn``, ``do(X^n)`` gives the causally conditioned law
        ``P(y^n || x^n)`` (2.36).

        Examples
        --------
        >>> from dicert.verify import Pmf
        >>> m = CausalModel.time_ordered(Pmf.random((2, 2, 2), ["X1", "Y1", "X2"], rng=0))
        >>> m.parents("X2")
        ('X1', 'Y1')
        """
        if not isinstance(pmf, Pmf):
            raise InvalidInput(f"pmf: expected a Pmf, got {type(pmf).__name__}")
        names = list(pmf.names)
        graph = nx.DiGraph()
        graph.add_nodes_from(names)
        graph.add_edges_from((names[i], names[j]) for j in range(len(names)) for i in range(j))
        # names are already topological and lexicographic order might differ: keep the pmf's order
        model = cls.from_pmf(graph, pmf)
        return model._reordered(tuple(names))

    @classmethod
    def random(
        cls,
        graph: nx.DiGraph,
        sizes: Mapping[str, int],
        rng: np.random.Generator | int | None = None,
        concentration: float = 1.0,
    ) -> CausalModel:
        """Random mechanisms: each row ``P(. | pa)`` a symmetric Dirichlet draw.

        Examples
        --------
        >>> import networkx as nx
        >>> m = CausalModel.random(nx.DiGraph([("X", "Y")]), {"X": 2, "Y": 2}, rng=3)
        >>> round(float(m.pmf.array.sum()), 12)
        1.0
        """
        graph = _check_graph(graph)
        if not (isinstance(concentration, int | float) and math.isfinite(concentration) and concentration > 0):
            raise InvalidInput(f"concentration: expected a positive number, got {concentration!r}")
        names = _topological_names(graph, None)
        for name in names:
            size = sizes.get(name) if isinstance(sizes, Mapping) else None
            if isinstance(size, bool) or not isinstance(size, int | np.integer) or size < 1:
                raise InvalidInput(f"sizes[{name!r}]: expected an alphabet size >= 1, got {size!r}")
        check_allocation(tuple(int(sizes[n]) for n in names), 8, "causal model joint pmf")
        generator = np.random.default_rng(rng)
        mechanisms = {}
        for name in names:
            parents = [p for p in names if graph.has_edge(p, name)]
            shape = tuple(int(sizes[p]) for p in parents) + (int(sizes[name]),)
            draw = generator.gamma(concentration, size=shape) + 1e-300
            mechanisms[name] = draw / draw.sum(axis=-1, keepdims=True)
        return cls.from_mechanisms(graph, mechanisms, order=names)

    def _reordered(self, names: tuple[str, ...]) -> CausalModel:
        """The same model with its arrays' axes in another topological order."""
        _topological_names(self._graph, names)
        permutation = [self._axis[name] for name in names]
        mechanisms = {k: np.transpose(v, permutation) for k, v in self._mechanisms.items()}
        return CausalModel(
            self._graph,
            names,
            tuple(self._shape[k] for k in permutation),
            mechanisms,
            tuple(self._alphabets[k] for k in permutation),
        )

    # ------------------------------------------------------------------ views
    @property
    def graph(self) -> nx.DiGraph:
        """A copy of the DAG."""
        return self._graph.copy()

    @property
    def names(self) -> tuple[str, ...]:
        """Variables in topological order (the axis order of every array)."""
        return self._names

    @property
    def shape(self) -> tuple[int, ...]:
        """Alphabet sizes in :attr:`names` order."""
        return self._shape

    def axis(self, name: str) -> int:
        """Axis of variable ``name``."""
        try:
            return self._axis[name]
        except (KeyError, TypeError):
            raise InvalidInput(f"variable: unknown name {name!r}, expected one of {list(self._names)}") from None

    def parents(self, name: str) -> tuple[str, ...]:
        """``pa(name)`` in :attr:`names` order."""
        self.axis(name)
        return tuple(p for p in self._names if self._graph.has_edge(p, name))

    def descendants(self, names: str | Iterable[str]) -> set[str]:
        """Strict descendants of the given variables (the variables themselves excluded)."""
        found: set[str] = set()
        group = names_of(names, "names")
        for name in group:
            self.axis(name)
            found |= nx.descendants(self._graph, name)
        return found - set(group)

    def mechanism(self, name: str) -> np.ndarray:
        """``P(a_name | pa(a_name))`` as an array over all variables (length-1 axes elsewhere)."""
        return self._mechanisms[self._names[self.axis(name)]].copy()

    def joint(self) -> np.ndarray:
        """The joint law (2.33), the product of the mechanisms, as a float64 array."""
        check_allocation(self._shape, 8, "causal model joint pmf")
        result = np.ones((1,) * len(self._names))
        for name in self._names:
            result = result * self._mechanisms[name]
        return np.broadcast_to(result, self._shape).copy()

    @property
    def pmf(self) -> Pmf:
        """The joint law (2.33) as a :class:`~dicert.verify.pmf.Pmf` (axes in :attr:`names` order)."""
        return Pmf(self.joint(), list(self._names), list(self._alphabets))

    def _symbol(self, name: str, symbol: Hashable) -> int:
        alphabet = self._alphabets[self.axis(name)]
        try:
            return alphabet.index(symbol)
        except ValueError:
            raise InvalidInput(f"intervention[{name!r}]: symbol {symbol!r} is not in the alphabet {list(alphabet)}") from None

    # ------------------------------------------------------------------ interventions
    def do(self, intervention: Mapping[str, Hashable]) -> CausalModel:
        """The intervened model ``do(A^S = a^S)`` (2.34): cut the arrows into ``S``, fix ``A^S = a^S``.

        Each intervened variable's mechanism becomes the point mass at its
        value; every other mechanism is kept, evaluated at the intervened
        values wherever an intervened variable is a parent. The result's
        :attr:`pmf` is ``P(A^n | do(A^S = a^S))``.

        Examples
        --------
        >>> import networkx as nx
        >>> m = CausalModel.from_mechanisms(nx.DiGraph([("X", "Y")]), {"X": [0.3, 0.7], "Y": [[0.9, 0.1], [0.2, 0.8]]})
        >>> m.do({"X": 0}).pmf.marginal(["Y"]).array
        array([0.9, 0.1])
        >>> sorted(m.do({"Y": 1}).graph.edges)                   # the arrow into Y is cut
        []
        >>> m.do({"Y": 1}).pmf.marginal(["X"]).array              # and X is unaffected
        array([0.3, 0.7])
        """
        if not isinstance(intervention, Mapping) or not intervention:
            raise InvalidInput("intervention: expected a non-empty mapping {variable: value}")
        graph = self._graph.copy()
        mechanisms = dict(self._mechanisms)
        for name, symbol in intervention.items():
            k = self._symbol(name, symbol)
            graph.remove_edges_from(list(graph.in_edges(name)))
            point = np.zeros(self._shape[self.axis(name)])
            point[k] = 1.0
            mechanisms[name] = point.reshape(tuple(s if v == name else 1 for v, s in zip(self._names, self._shape, strict=True)))
        fixed = {self.axis(name): self._symbol(name, symbol) for name, symbol in intervention.items()}
        for name in self._names:
            if name in intervention:
                continue
            array = mechanisms[name]
            for axis, k in fixed.items():
                if array.shape[axis] > 1:
                    index = [slice(None)] * array.ndim
                    index[axis] = slice(k, k + 1)
                    array = array[tuple(index)]
            mechanisms[name] = array
        return CausalModel(graph, self._names, self._shape, mechanisms, self._alphabets)

    def interventional_kernel(self, intervened: str | Iterable[str]) -> np.ndarray:
        """``P(a^{S^c} | do(a^S))`` for every ``a^S`` at once: the product of the non-intervened mechanisms.

        A dense array over all variables; for each fixed ``a^S`` it is a pmf
        over the others (the truncated factorisation behind (2.34)).

        Examples
        --------
        >>> import networkx as nx
        >>> m = CausalModel.random(nx.DiGraph([("Z", "X"), ("Z", "Y"), ("X", "Y")]), {"Z": 2, "X": 2, "Y": 2}, rng=0)
        >>> kernel = m.interventional_kernel("X")
        >>> import numpy as np
        >>> bool(np.allclose(kernel.sum(axis=(m.axis("Z"), m.axis("Y"))), 1.0))
        True
        """
        group = names_of(intervened, "intervened")
        for name in group:
            self.axis(name)
        check_allocation(self._shape, 8, "interventional kernel")
        result = np.ones((1,) * len(self._names))
        for name in self._names:
            if name not in group:
                result = result * self._mechanisms[name]
        return np.broadcast_to(result, self._shape).copy()

    def __repr__(self) -> str:
        edges = sorted(self._graph.edges)
        return f"CausalModel(names={self._names}, shape={self._shape}, edges={edges})"

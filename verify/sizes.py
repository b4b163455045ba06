"""Size models: the peak bytes of dicert's large allocations, from the input sizes alone.

Every dense allocation that grows with a user input is sized here *before* it
happens and the estimate is handed to :func:`dicert.verify.memory.guard_bytes`,
which refuses it above the memory limit with one line naming the input
(``--graph debruijn:12: the bound program needs 25.3 GiB > limit 4 GiB
(DICERT_MEMORY_LIMIT)``).  The models count the arrays that are alive at the
same time at the peak of each computation (float64 cells: 8 bytes, int32: 4),
so they are estimates of the peak, not of one array; they never allocate.

Models
------
:func:`qgraph_program_bytes`
    The conic program (4.40) of Thm 4.4.3 as built by
    :class:`dicert.verify.capacity.qgraph_bounds.QGraphBoundProgram` (dense
    coefficient blocks of ``P(q,y)``, ``P(q)``, the flow ``P(q,y,s')`` and
    ``pi(q,s)``, the assembled constraint matrix ``A`` and its per-solve copy),
    plus, with ``lower=True``, the BCJR check (the ``(SQ)^2`` kernel) and the
    optimal-face LPs.
:func:`belief_mdp_bytes`
    The discretised belief MDP of Table 4.1 / (4.29) built by
    :class:`dicert.verify.capacity.belief_mdp.BeliefMDP`: the simplex grid
    (Python tuples while it is generated), the Freudenthal lookup table
    ``(K+1)^(|S|-1)``, the action grid and the transition tables
    ``(beliefs, actions, y, s)``.
:func:`simplex_grid_points`, :func:`action_grid_points`
    The grid sizes ``C(K+d-1, d-1)`` and ``prod_s C(A+k_s-1, k_s-1)``.
:func:`ctw_fit_bytes`, :func:`ctw_tree_bytes`, :func:`ctw_tree_indexed_directly`
    The dense context trees of :class:`dicert.verify.estimators.CTW` (3.3)-(3.6),
    streamed block by block: per node a count vector over the symbols and three
    running sums, the block buffers, and the per-step increments.
:func:`qgraph_file_bytes`, :func:`channel_file_bytes`
    Parsing a JSON file (Python objects per number, then arrays).

Examples
--------
>>> from dicert.verify.sizes import qgraph_program_bytes, simplex_grid_points
>>> from dicert.verify.memory import format_size
>>> format_size(qgraph_program_bytes(2, 2**12, 2, 2))   # trapdoor on de Bruijn order 12
'37.0 GiB'
>>> simplex_grid_points(2, 200)
201
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from dicert.graphs.memory import json_file_bytes

__all__ = [
    "FLOAT_BYTES",
    "qgraph_program_bytes",
    "simplex_grid_points",
    "action_grid_points",
    "belief_mdp_bytes",
    "qgraph_file_bytes",
    "channel_file_bytes",
    "ctw_fit_bytes",
    "ctw_tree_bytes",
    "ctw_tree_indexed_directly",
    "CTW_BLOCK_STEPS",
]

FLOAT_BYTES = 8
"""Bytes of one float64 / int64 cell."""

_PY_TUPLE_BYTES = 56
"""CPython tuple header (the generated grid is a list of tuples before it becomes an array)."""


_BELIEF_CHUNK_BYTES = 4 * 2_000_000 * FLOAT_BYTES
"""Temporaries of one chunk of :class:`~dicert.verify.capacity.belief_mdp.BeliefMDP` (about 2e6 cells, four arrays)."""


def _natural(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name}: expected an integer >= 0, got {value!r}")
    return int(value)


def qgraph_program_bytes(
    n_states: int, n_nodes: int, n_inputs: int, n_outputs: int, *, n_allowed: int | None = None, lower: bool = True
) -> int:
    """Peak bytes of the Q-graph bound program (4.40) on a graph with ``n_nodes`` nodes.

    Parameters
    ----------
    n_states, n_inputs, n_outputs
        Channel sizes ``|S|``, ``|X|``, ``|Y|``.
    n_nodes
        Q-graph nodes ``|Q|``.
    n_allowed
        Allowed ``(s, x)`` pairs (default ``|S||X|``: no input constraint).
    lower
        Include the BCJR-invariance check and the optimal-face LPs (``bounds --lower``, discovery).

    Returns
    -------
    int
        Estimated peak bytes: variables ``n = n_allowed |Q|``, ``|Q||Y|`` exponential
        cones, dense blocks ``(2|Q||Y| + |Q||Y||S| + |Q||S|) n`` cells, constraint matrix
        ``(|Q||S| + n + 3|Q||Y|) x (n + |Q||Y|)`` twice (built, copied per solve) and its
        sparse pattern (dense stationarity block, 20 bytes per nonzero).

    Examples
    --------
    >>> qgraph_program_bytes(1, 1, 2, 2) < 10_000
    True
    >>> qgraph_program_bytes(2, 4096, 2, 2) > 9 * 2**30   # the constraint matrix alone is 9.0 GiB
    True
    """
    s, q, x, y = (_natural(v, name) for v, name in ((n_states, "n_states"), (n_nodes, "n_nodes"),
                                                     (n_inputs, "n_inputs"), (n_outputs, "n_outputs")))
    pairs = s * x if n_allowed is None else _natural(n_allowed, "n_allowed")
    n_vars = pairs * q
    n_exp = q * y
    blocks = (2 * n_exp + n_exp * s + q * s) * n_vars
    rows, cols = q * s + n_vars + 3 * n_exp, n_vars + n_exp
    pattern_nnz = q * s * n_vars + n_vars + n_exp + 2 * n_exp * max(1, n_vars // max(q, 1))
    cells = blocks + 2 * rows * cols
    total = cells * FLOAT_BYTES + 20 * pattern_nnz
    if lower:
        chain = s * q
        total += FLOAT_BYTES * (3 * chain * chain + 2 * (chain + 1) * n_vars + 8 * n_exp * n_vars)
    return total


def simplex_grid_points(dim: int, resolution: int) -> int:
    """Points ``k / K`` of the simplex on ``dim`` letters: ``C(K + dim - 1, dim - 1)``.

    Examples
    --------
    >>> simplex_grid_points(3, 40)
    861
    >>> simplex_grid_points(1, 10**8)
    1
    """
    d, k = _natural(dim, "dim"), _natural(resolution, "resolution")
    if d <= 1:
        return 1
    return math.comb(k + d - 1, d - 1)


def action_grid_points(allowed_per_state: Sequence[int], resolution: int) -> int:
    """Stochastic matrices whose row ``s`` is a grid point on its ``k_s`` allowed inputs.

    Examples
    --------
    >>> action_grid_points([2, 2], 50)   # two states, two inputs: 51 * 51
    2601
    """
    return math.prod(simplex_grid_points(int(k), resolution) if int(k) > 1 else 1 for k in allowed_per_state)


def belief_mdp_bytes(
    n_states: int,
    n_outputs: int,
    allowed_per_state: Sequence[int],
    belief_resolution: int,
    action_resolution: int,
) -> int:
    """Peak bytes of the discretised belief MDP (Table 4.1, relative value iteration (4.29)).

    Parameters
    ----------
    n_states, n_outputs
        ``|S|`` and ``|Y|``.
    allowed_per_state
        Number of allowed inputs in each state (``|X|`` each without constraints).
    belief_resolution, action_resolution
        Grid resolutions ``K`` (beliefs) and ``A`` (actions).

    Examples
    --------
    >>> belief_mdp_bytes(2, 2, [2, 2], 200, 50) < 2**30       # trapdoor defaults
    True
    >>> belief_mdp_bytes(3, 3, [3, 3, 3], 40, 12) > 100 * 2**30   # ising:q=3 defaults
    True
    """
    s = max(1, _natural(n_states, "n_states"))
    y = _natural(n_outputs, "n_outputs")
    k = _natural(belief_resolution, "belief_resolution")
    a = _natural(action_resolution, "action_resolution")
    inputs = max((int(v) for v in allowed_per_state), default=1)
    n_b = simplex_grid_points(s, k)
    n_a = action_grid_points(allowed_per_state, a)
    grid = n_b * (_PY_TUPLE_BYTES + 16 * s + 4 * FLOAT_BYTES * s)  # list of tuples, then int/float arrays
    lookup = (k + 1) ** (s - 1) * FLOAT_BYTES if s > 1 else 0
    action_bytes = n_a * s * inputs * FLOAT_BYTES
    per_step_tables = FLOAT_BYTES + FLOAT_BYTES * y + (4 + 2 * FLOAT_BYTES) * y * s  # reward, p_y, idx, w, pw
    return grid + lookup + action_bytes + n_b * n_a * per_step_tables + _BELIEF_CHUNK_BYTES


def qgraph_file_bytes(file_bytes: int) -> int:
    """Peak bytes of parsing a Q-graph JSON file of ``file_bytes`` bytes (:func:`dicert.graphs.memory.json_file_bytes`).

    Examples
    --------
    >>> qgraph_file_bytes(1000)
    30000
    """
    return json_file_bytes(_natural(file_bytes, "file_bytes"))


def channel_file_bytes(file_bytes: int) -> int:
    """Peak bytes of parsing a channel JSON file of ``file_bytes`` bytes (:func:`dicert.graphs.memory.json_file_bytes`).

    Examples
    --------
    >>> channel_file_bytes(1000)
    30000
    """
    return json_file_bytes(_natural(file_bytes, "file_bytes"))


#: Time steps per block of the streamed CTW trees (cache-sized).
CTW_BLOCK_STEPS = 1 << 14


def ctw_tree_indexed_directly(contexts: int, depth: int, steps: int) -> bool:
    """Whether a CTW tree is indexed by context code rather than by numbering the visited contexts.

    Direct indexing applies when the tree of ``depth`` over ``contexts`` symbols
    has at most ``max(4 steps, 2^16)`` nodes (``contexts^depth``); otherwise the
    visited contexts are numbered once over the whole stream.

    Examples
    --------
    >>> ctw_tree_indexed_directly(4, 3, 10**6), ctw_tree_indexed_directly(1000, 3, 10**6)
    (True, False)
    """
    return contexts**depth <= max(4 * steps, 1 << 16)


def ctw_tree_bytes(symbols: int, depth: int, steps: int, contexts: int | None = None) -> int:
    """Peak bytes of one streamed CTW assignment over ``symbols`` symbols, contexts over ``contexts`` (default the same).

    At depth ``d`` the tree has at most ``min(contexts^d, steps)`` visited
    nodes, each with ``symbols`` counts and three running sums; three
    ``(symbols, block)`` buffers are reused by every block of
    :data:`CTW_BLOCK_STEPS` steps, and the context codes of a block (or, for
    trees too large to index directly, of every step) are int64.

    Examples
    --------
    >>> ctw_tree_bytes(4, 3, 10**7) < 2**22      # a binary pair process, depth 3: no per-step table
    True
    """
    a, d, n = _natural(symbols, "symbols"), _natural(depth, "depth"), _natural(steps, "steps")
    c = a if contexts is None else _natural(contexts, "contexts")
    nodes = sum(min(c**level, max(n, 1)) for level in range(d + 1))
    block = min(CTW_BLOCK_STEPS, max(n, 1))
    codes = (d + 1) * (block if ctw_tree_indexed_directly(c, d, n) else n)
    return FLOAT_BYTES * ((a + 3) * nodes + 3 * a * block + codes)


def ctw_fit_bytes(alphabet_x: int, alphabet_y: int, n: int, depth: int) -> int:
    """Peak bytes of ``CTW(depth).fit`` on ``n`` samples with alphabets of ``alphabet_x`` and ``alphabet_y`` symbols.

    The three assignments (``y``, ``x`` and the pair process of ``r = |X||Y|``
    symbols, :func:`ctw_tree_bytes`) run block by block; a block's joint
    predictive law and the functionals' temporaries (about six ``(r, block)``
    tables) are alive at once, and six per-step increment arrays of ``n``
    floats are kept for the interval.

    Examples
    --------
    >>> from dicert.verify.memory import format_size
    >>> format_size(ctw_fit_bytes(1000, 1000, 3000, 3))
    '268.2 GiB'
    >>> ctw_fit_bytes(2, 2, 10**4, 3) < 2**23
    True
    """
    rx, ry = _natural(alphabet_x, "alphabet_x"), _natural(alphabet_y, "alphabet_y")
    samples, d = _natural(n, "n"), _natural(depth, "depth")
    steps = max(samples - d, 0)
    trees = sum(ctw_tree_bytes(size, d, steps) for size in (rx, ry, rx * ry))
    block = min(CTW_BLOCK_STEPS, max(steps, 1))
    return trees + FLOAT_BYTES * (6 * rx * ry * block + 6 * steps)

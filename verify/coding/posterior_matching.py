"""The posterior-matching coding scheme of sec. 4.4.3 (Fig. 4.5, (4.45)-(4.46), Thm 4.4.6), as a simulator.

A Q-graph ``phi`` and a BCJR-invariant input ``P(x|s,q)`` (Thm 4.4.4) are fixed
ahead of communication. Encoder and decoder both track the posterior
``lambda(m) = P(m | y^{i-1})`` (4.45) of every message and its hypothetical
channel state ``s_{i-1}(m)``; the Q-graph node ``q_{i-1}`` follows the outputs.
At each time:

1. the messages of each hypothetical state ``s`` are laid out in message order,
   and message ``m`` gets ``Lambda(m)``, the posterior mass of the earlier
   messages in its state group divided by the group's mass (the monograph
   divides by ``pi_{S|Q}(s|q)``, which equals that mass under BCJR invariance;
   :attr:`Transmission.invariance_gap` records the difference);
2. the encoder sends ``x = F^{-1}_{X|S=s(m*),Q=q}(Lambda(m*))`` (the labelling of Fig. 4.5);
3. the output ``y ~ P(y|x, s)`` is revealed (feedback);
4. every posterior is multiplied by ``P(y | x(m), s(m))`` and renormalised (4.46),
   ``q <- phi(q, y)`` and ``s(m) <- f(s(m), x(m), y)``.

After ``n`` steps the decoder outputs ``argmax_m lambda(m)``.

Implementation. There are ``M = 2^{nR}`` messages, far too many to list: the
posterior is stored as *runs* of consecutive messages that share the same
posterior and hypothetical state (a run splits only where a labelling cut falls
inside it: with the dither at most ``|S| |X|`` new runs per step). Run
lengths are float64 message counts (exact below ``2^53``, i.e. wherever the
decision happens) and posteriors are kept as logarithms. The initial channel
state is drawn from ``pi_{S|Q}(. | q0)`` and known to the encoder only: the
message space is the set of pairs ``(s0, m)``, the decoder's prior on ``s0`` is
``pi_{S|Q}(. | q0)``, and the decoder outputs the ``m`` of the most likely pair
(ties are counted as errors with the probability of guessing wrong). The
decoder's computation never reads the true message: only the encoder's
bookkeeping (which run holds the true message) does.

The labelling is dithered by default (a uniform rotation shared by both ends,
see ``dither``); the message splitting of the proof of Thm 4.4.6 (the
monograph's footnote) is not done. The measured error probabilities are those
of this scheme.

Examples
--------
A binary symmetric channel (one state, one-node Q-graph; every input is
BCJR-invariant there) at a rate well below its capacity ``1 - H(0.1)``; the
Ising and trapdoor witnesses are used in ``tests/verify/coding`` and
``benchmarks/bench_coding_scheme.py``:

>>> import numpy as np
>>> from types import SimpleNamespace
>>> from dicert.verify.coding import PosteriorMatchingScheme
>>> bsc = SimpleNamespace(name="bsc", matrix=np.array([[0.9, 0.1], [0.1, 0.9]]))
>>> scheme = PosteriorMatchingScheme(bsc, [[0, 0]], np.full((1, 1, 2), 0.5))
>>> round(scheme.rate, 6)                        # I(X,S;Y|Q), the rate Thm 4.4.6 promises
0.531004
>>> result = scheme.transmit(n=60, rate=0.3, rng=1)
>>> result.correct, result.n
(True, 60)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

from dicert.graphs.qgraph import QGraph
from dicert.verify._numeric import check_int
from dicert.verify.capacity.qgraph_bounds import as_qgraph, evaluate_policy, unifilar_arrays
from dicert.verify.errors import InvalidInput

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import UnifilarSource

__all__ = ["PosteriorMatchingScheme", "Transmission", "BlockResult"]

#: Largest ``log2 M`` the float64 run lengths can hold (with a margin below 2^1024).
MAX_MESSAGE_BITS = 1000
#: The invariance gap is recorded while every message has posterior at most this (the diffuse regime).
DIFFUSE_POSTERIOR = 2.0**-20
#: Default largest BCJR residual accepted for the input (Thm 4.4.4 needs it to be 0).
BCJR_TOL = 1e-9


@dataclass(frozen=True)
class Transmission:
    """One block sent through the channel with feedback.

    Attributes
    ----------
    n : int
        Block length (channel uses).
    message_bits : float
        ``log2 M``; the rate is ``message_bits / n``.
    correct : bool
        Whether the decoder's most likely message is the one sent.
    error_probability : float
        Probability of a decoding error given the outputs: 0 or 1, or
        ``1 - 1/k`` when the true message ties with ``k - 1`` others.
    true_posterior : float
        ``lambda(m*)`` after ``n`` steps (the decoder's posterior of the sent message).
    information_density : float
        ``(1/n) log2(lambda_n(m*) / lambda_0(m*))`` in bits per channel use.
    inputs, outputs, states, nodes : numpy.ndarray
        ``x^n``, ``y^n``, ``s^{n}`` (state before each use) and ``q^{n}`` (node before each use).
    invariance_gap : float
        ``max |P(S = s | y^{i-1}) - pi_{S|Q}(s | q_{i-1})|`` over the block (0 for an exactly BCJR-invariant input).
    runs : int
        Largest number of runs of messages held at once (the simulator's cost).
    """

    n: int
    message_bits: float
    correct: bool
    error_probability: float
    true_posterior: float
    information_density: float
    inputs: np.ndarray
    outputs: np.ndarray
    states: np.ndarray
    nodes: np.ndarray
    invariance_gap: float
    runs: int


@dataclass(frozen=True)
class BlockResult:
    """Monte Carlo estimate of the block error probability at one ``(n, rate)``.

    ``error_probability`` is the mean of the per-block error probabilities;
    ``error_interval`` a 95% Wilson interval for it (treating each block as
    one Bernoulli trial).
    """

    n: int
    rate: float
    blocks: int
    error_probability: float
    error_interval: tuple[float, float]
    mean_information_density: float
    max_invariance_gap: float
    max_runs: int


def _wilson(errors: float, trials: int, z: float = 1.959963984540054) -> tuple[float, float]:
    if trials == 0:
        return (0.0, 1.0)
    p = errors / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


def _as_float_policy(policy: Any) -> np.ndarray:
    """A policy given as floats or exact strings (as in the stored witnesses) as a float array."""
    if isinstance(policy, str):
        import ast

        policy = ast.literal_eval(policy)
    array = np.asarray(policy, dtype=object)
    flat = [float(Fraction(v)) if isinstance(v, str) else float(v) for v in array.reshape(-1)]
    return np.asarray(flat, dtype=float).reshape(array.shape)


def _interval_starts(policy: np.ndarray) -> np.ndarray:
    """Left ends ``F(x-1|s,q)`` of the label intervals in ``[0, 1)``; an empty interval starts where the next non-empty one does.

    Examples
    --------
    >>> _interval_starts(np.array([[[0.25, 0.0, 0.75, 0.0]]])).tolist()
    [[[0.0, 0.25, 0.25, 0.0]]]
    """
    starts = np.zeros_like(policy)
    n_inputs = policy.shape[2]
    for s in range(policy.shape[0]):
        for q in range(policy.shape[1]):
            row = policy[s, q]
            cum = np.concatenate([[0.0], np.cumsum(row)[:-1]])
            for x in range(n_inputs):
                if row[x] > 0:
                    starts[s, q, x] = cum[x]
                else:  # next x with positive probability, cyclically (0.0 when it wraps to the first)
                    nxt = next(((k, cum[k]) for k in range(x + 1, n_inputs) if row[k] > 0), None)
                    starts[s, q, x] = nxt[1] if nxt is not None else cum[next(k for k in range(n_inputs) if row[k] > 0)]
    return starts


def _decode(
    lineage: np.ndarray, start: np.ndarray, length: np.ndarray, logw: np.ndarray, true_m: int
) -> tuple[float, float]:
    """MAP decoding of the message: ``lambda(m) = sum_{s0} lambda(s0, m)``; returns (error probability, lambda(m*)).

    The posterior of ``m`` is piecewise constant between the run boundaries of
    all lineages; the decoder takes the best elementary interval (ties: a
    uniform guess among the tied messages).
    """
    top = float(logw.max())
    weight = np.exp(logw - top)
    total = float(np.sum(length.astype(float) * weight))
    points = sorted({int(v) for v in start} | {int(a) + int(b) for a, b in zip(start, length, strict=True)})
    values = np.zeros(len(points) - 1)
    index = {p: k for k, p in enumerate(points)}
    for j in range(length.size):
        lo, hi = index[int(start[j])], index[int(start[j]) + int(length[j])]
        values[lo:hi] += weight[j]
    best = float(values.max())
    tied = values >= best * (1 - 1e-9)
    tied_messages = sum(points[k + 1] - points[k] for k in np.flatnonzero(tied))
    k_true = next(k for k in range(len(values)) if points[k] <= true_m < points[k + 1])
    error = 1.0 - (1.0 / tied_messages if tied[k_true] else 0.0)
    return error, float(values[k_true] / total)


def _run_offsets(state: np.ndarray, mass: np.ndarray, group_mass: np.ndarray, n_states: int) -> np.ndarray:
    """Lambda (4.45) of the first message of each run, within its state group (runs in message order)."""
    before = np.zeros(state.size)
    for s in range(n_states):
        members = np.flatnonzero(state == s)
        if members.size:
            cum = np.cumsum(mass[members])
            before[members] = (cum - mass[members]) / group_mass[s]
    return before


def _piece_edges(cuts: np.ndarray, before: np.ndarray, per_message: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Message offsets (exact ints) where each run is cut into its ``X + 1`` pieces, shape ``(runs, X + 2)``.

    The count below cut ``k`` is the number of messages of the run with Lambda < cut; a run
    without (float) mass has Lambda = ``before`` throughout.
    """
    positive = per_message[:, None] > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.ceil((cuts - before[:, None]) / np.where(positive, per_message[:, None], 1.0))
    counts = np.where(positive, ratio, np.where(cuts > before[:, None], np.inf, 0.0))
    counts = np.maximum.accumulate(np.maximum(counts, 0.0), axis=1)
    n_inputs = cuts.shape[1]
    edges = np.empty((length.size, n_inputs + 2), dtype=object)
    edges[:, 0] = 0
    edges[:, -1] = length
    for j in range(length.size):
        size = length[j]
        for k in range(n_inputs):
            c = counts[j, k]
            edges[j, k + 1] = size if c >= float(size) else min(int(c), size)
    return edges


def _merge_runs(
    lineage: np.ndarray, start: np.ndarray, length: np.ndarray, logw: np.ndarray, state: np.ndarray, true_run: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """Merge neighbouring runs: same lineage and state, equal posterior, consecutive messages."""
    if length.size <= 1:
        return lineage, start, length, logw, state, true_run
    same = (
        (lineage[1:] == lineage[:-1])
        & (state[1:] == state[:-1])
        & (logw[1:] == logw[:-1])
        & (start[:-1] + length[:-1] == start[1:]).astype(bool)
    )
    if not same.any():
        return lineage, start, length, logw, state, true_run
    first = np.concatenate([[True], ~same])
    group = np.cumsum(first) - 1
    heads = np.flatnonzero(first)
    summed = np.array([0] * heads.size, dtype=object)
    for j in range(length.size):
        summed[group[j]] += length[j]
    return lineage[heads], start[heads], summed, logw[heads], state[heads], int(group[true_run])


class PosteriorMatchingScheme:
    """Posterior-matching encoder/decoder for a unifilar FSC on a Q-graph (sec. 4.4.3).

    Parameters
    ----------
    channel
        A unifilar FSC (see :func:`dicert.verify.capacity.qgraph_bounds.unifilar_arrays`).
    graph
        The Q-graph (a :class:`~dicert.graphs.qgraph.QGraph` or its ``phi`` array).
    policy
        The input ``P(x|s,q)``, shape ``(S, Q, X)``; must be BCJR-invariant
        (residual at most ``bcjr_tol``), otherwise the scheme's rate is not
        ``I(X,S;Y|Q)`` and :class:`~dicert.verify.errors.InvalidInput` is raised.
    initial_node
        ``q0``, the node the walk on the Q-graph starts from.
    bcjr_tol
        Largest accepted BCJR residual (4.43).
    dither
        Rotate the labelling by a fresh uniform ``u`` at every step, shared by
        encoder and decoder (common randomness): ``x = F^{-1}((Lambda + u) mod 1)``.
        Without it two messages of equal posterior that fall in the same label
        interval are never told apart (the monograph's footnote: the proof
        needs dithering); the input law is unchanged since ``(Lambda + u) mod 1``
        is uniform.

    Attributes
    ----------
    rate : float
        ``I(X,S;Y|Q)`` of the input (a solver float: the rate Thm 4.4.6 says
        the scheme achieves; the *certified* lower bound is the certify
        pipeline's, e.g. :func:`dicert.verify.certify.rate_check.bcjr_lower_bound`).
    stationary : numpy.ndarray
        ``pi(s, q)`` of (4.36).

    Examples
    --------
    >>> import numpy as np
    >>> from types import SimpleNamespace
    >>> bsc = SimpleNamespace(name="bsc", matrix=np.array([[0.9, 0.1], [0.1, 0.9]]))
    >>> scheme = PosteriorMatchingScheme(bsc, [[0, 0]], np.full((1, 1, 2), 0.5))
    >>> round(scheme.rate, 4)                   # 1 - H(0.1)
    0.531
    """

    def __init__(
        self,
        channel: UnifilarSource,
        graph: Any,
        policy: Any,
        initial_node: int = 0,
        bcjr_tol: float = BCJR_TOL,
        dither: bool = True,
    ) -> None:
        arrays = unifilar_arrays(channel)
        self._law = arrays.law
        self._next_state = arrays.next_state
        self._graph: QGraph = as_qgraph(graph, arrays.law.shape[2])
        evaluation = evaluate_policy(channel, self._graph, _as_float_policy(policy))
        if not evaluation.bcjr_residual <= bcjr_tol:
            raise InvalidInput(
                f"policy: BCJR residual {evaluation.bcjr_residual:.2e} exceeds bcjr_tol={bcjr_tol:.0e}; "
                "the scheme of sec. 4.4.3 needs a BCJR-invariant input (4.43)"
            )
        self._policy = evaluation.policy
        self.rate = float(evaluation.rate)
        self.stationary = evaluation.stationary
        m = self._graph.m
        if isinstance(initial_node, bool) or not isinstance(initial_node, int | np.integer) or not 0 <= initial_node < m:
            raise InvalidInput(f"initial_node: expected a node 0..{m - 1}, got {initial_node!r}")
        self.initial_node = int(initial_node)
        node_mass = self.stationary.sum(axis=0)
        if node_mass[self.initial_node] <= 0:
            raise InvalidInput(f"initial_node: node {initial_node} has stationary probability 0, expected a recurrent node")
        self._state_given_node = self.stationary / np.where(node_mass > 0, node_mass, 1.0)
        # labelling: input x owns Lambda in [F(x-1|s,q), F(x|s,q)); these are the left ends
        self._starts = _interval_starts(self._policy)
        self._width_positive = self._policy > 0
        self._dither = bool(dither)
        with np.errstate(divide="ignore"):
            self._log_law = np.log(self._law)

    @classmethod
    def from_witness(
        cls, channel: UnifilarSource, phi: Any, policy: Any, initial_node: int = 0, dither: bool = True
    ) -> PosteriorMatchingScheme:
        """Scheme from a certify witness (``phi`` and a policy of exact strings, as in the stored witnesses).

        Examples
        --------
        >>> import numpy as np
        >>> from types import SimpleNamespace
        >>> bsc = SimpleNamespace(name="bsc", matrix=np.array([[0.9, 0.1], [0.1, 0.9]]))
        >>> round(PosteriorMatchingScheme.from_witness(bsc, [[0, 0]], [[["1/2", "1/2"]]]).rate, 4)
        0.531
        """
        return cls(channel, phi, _as_float_policy(policy), initial_node=initial_node, dither=dither)

    @property
    def graph(self) -> QGraph:
        """The Q-graph."""
        return self._graph

    @property
    def policy(self) -> np.ndarray:
        """``P(x|s,q)`` (a copy)."""
        return self._policy.copy()

    # ------------------------------------------------------------------ one block
    def _labelling(self, state: np.ndarray, q: int, u: float) -> tuple[np.ndarray, np.ndarray]:
        """Sorted cut points ``(runs, X)`` and the input of each of the ``X + 1`` pieces they make.

        Labelling of Fig. 4.5: input x on Lambda in [F(x-1|s,q), F(x|s,q)); with the dither u the
        labelling is rotated, x on (Lambda + u) mod 1, i.e. cut points (F - u) mod 1 (sorted per row).
        """
        rotated = np.mod(self._starts[state, q, :] - u, 1.0)  # (runs, X): where the interval of x begins
        # ties are zero-width intervals sharing a start with their successor: sort those first
        order = np.lexsort((self._width_positive[state, q, :], rotated), axis=-1)
        cuts = np.take_along_axis(rotated, order, axis=1)
        labels = np.concatenate([order[:, -1:], order], axis=1)  # piece k lies after the k-th sorted cut
        return cuts, labels

    def transmit(self, n: int, rate: float, rng: np.random.Generator | int | None = None) -> Transmission:
        """Send one uniformly drawn message of ``n * rate`` bits over ``n`` channel uses with feedback.

        Long because one loop over the channel uses updates a dozen run arrays together
        (lineage, start, length, log posterior, state, the true run); its steps are the
        named helpers ``_run_offsets``, ``_piece_edges``, ``_labelling``, ``_merge_runs``.

        Examples
        --------
        >>> import numpy as np
        >>> from types import SimpleNamespace
        >>> bsc = SimpleNamespace(name="bsc", matrix=np.array([[0.95, 0.05], [0.05, 0.95]]))
        >>> t = PosteriorMatchingScheme(bsc, [[0, 0]], np.full((1, 1, 2), 0.5)).transmit(80, 0.25, rng=0)
        >>> t.correct, t.inputs.size
        (True, 80)
        """
        n = check_int(n, "n")
        if isinstance(rate, bool) or not isinstance(rate, int | float) or not (rate > 0 and math.isfinite(rate)):
            raise InvalidInput(f"rate: expected a positive number of bits per channel use, got {rate!r}")
        bits = n * float(rate)
        if bits > MAX_MESSAGE_BITS:
            raise InvalidInput(f"rate: n * rate = {bits:.0f} message bits, expected at most {MAX_MESSAGE_BITS}")
        gen = np.random.default_rng(rng)
        law, log_law, next_state, phi = self._law, self._log_law, self._next_state, self._graph.phi
        n_states, n_inputs, n_outputs = law.shape
        messages = max(int(round(2.0**bits)), 1)  # M messages 0..M-1 (exact Python int)
        bits = math.log2(messages)
        q = self.initial_node
        prior_s = self._state_given_node[:, q]
        live = np.flatnonzero(prior_s > 0)
        # runs, in message order within each lineage s0 (lineages one after the other):
        # lineage s0, first message (exact int), number of messages (exact int), log posterior per message, state
        lineage = live.astype(np.int64)
        start = np.array([0] * live.size, dtype=object)
        length = np.array([messages] * live.size, dtype=object)
        logw = np.log(prior_s[live]) - math.log(messages)
        state = live.astype(np.int64)
        true_s0 = int(gen.choice(live, p=prior_s[live] / prior_s[live].sum()))
        true_m = int(gen.integers(0, 2**62)) * messages >> 62  # uniform message (exact for M <= 2^62, else to 2^-62)
        true_run = int(np.flatnonzero(live == true_s0)[0])
        inputs = np.empty(n, dtype=np.int64)
        outputs = np.empty(n, dtype=np.int64)
        states = np.empty(n, dtype=np.int64)
        nodes = np.empty(n, dtype=np.int64)
        gap = 0.0
        max_runs = int(length.size)
        for i in range(n):
            top = float(logw.max())
            weight = np.exp(logw - top)
            mass = length.astype(float) * weight
            group_mass = np.bincount(state, weights=mass, minlength=n_states)
            total = float(group_mass.sum())
            if weight.max() / total <= DIFFUSE_POSTERIOR:  # BCJR invariance holds for the diffuse posterior
                gap = max(gap, float(np.max(np.abs(group_mass / total - self._state_given_node[:, q]))))
            before = _run_offsets(state, mass, group_mass, n_states)
            per_message = weight / group_mass[state]
            cuts, labels = self._labelling(state, q, float(gen.random()) if self._dither else 0.0)
            n_pieces = n_inputs + 1
            edges = _piece_edges(cuts, before, per_message, length)
            # encoder: the input of the true message, then the channel
            offset = true_m - start[true_run]
            k_true = next(k for k in range(n_pieces) if edges[true_run, k] <= offset < edges[true_run, k + 1])
            x_true = int(labels[true_run, k_true])
            s_true = int(state[true_run])
            y = int(gen.choice(n_outputs, p=law[s_true, x_true]))
            inputs[i], outputs[i], states[i], nodes[i] = x_true, y, s_true, q
            # split runs into (run, x) pieces, update the posteriors (4.46) and states, drop impossible pieces
            piece_len = (edges[:, 1:] - edges[:, :-1]).reshape(-1)
            piece_start = (start[:, None] + edges[:, :-1]).reshape(-1)
            piece_state = np.repeat(state, n_pieces)
            x_arr = labels.reshape(-1)
            gain = log_law[piece_state, x_arr, y]
            keep = (piece_len > 0).astype(bool) & np.isfinite(gain)
            true_run = int((np.cumsum(keep) - 1)[true_run * n_pieces + k_true])
            lineage = np.repeat(lineage, n_pieces)[keep]
            start = piece_start[keep]
            length = piece_len[keep]
            logw = (np.repeat(logw, n_pieces) + gain)[keep]
            state = next_state[piece_state[keep], x_arr[keep], y]
            lineage, start, length, logw, state, true_run = _merge_runs(lineage, start, length, logw, state, true_run)
            q = int(phi[q, y])
            max_runs = max(max_runs, int(length.size))
        error, true_posterior = _decode(lineage, start, length, logw, true_m)
        return Transmission(
            n=n,
            message_bits=bits,
            correct=bool(error == 0.0),
            error_probability=float(error),
            true_posterior=float(true_posterior),
            information_density=float((math.log2(true_posterior) + bits) / n) if true_posterior > 0 else -math.inf,
            inputs=inputs,
            outputs=outputs,
            states=states,
            nodes=nodes,
            invariance_gap=gap,
            runs=max_runs,
        )

    def error_probability(
        self, n: int, rate: float, blocks: int, rng: np.random.Generator | int | None = None
    ) -> BlockResult:
        """Monte Carlo block error probability at block length ``n`` and ``rate`` over ``blocks`` blocks.

        Examples
        --------
        >>> import numpy as np
        >>> from types import SimpleNamespace
        >>> bsc = SimpleNamespace(name="bsc", matrix=np.array([[0.95, 0.05], [0.05, 0.95]]))
        >>> r = PosteriorMatchingScheme(bsc, [[0, 0]], np.full((1, 1, 2), 0.5)).error_probability(60, 0.2, 5, rng=0)
        >>> r.blocks, r.error_probability
        (5, 0.0)
        """
        blocks = check_int(blocks, "blocks")
        gen = np.random.default_rng(rng)
        results = [self.transmit(n, rate, gen) for _ in range(blocks)]
        errors = float(sum(r.error_probability for r in results))
        return BlockResult(
            n=int(n),
            rate=float(rate),
            blocks=blocks,
            error_probability=errors / blocks,
            error_interval=_wilson(errors, blocks),
            mean_information_density=float(np.mean([r.information_density for r in results])),
            max_invariance_gap=float(max(r.invariance_gap for r in results)),
            max_runs=int(max(r.runs for r in results)),
        )

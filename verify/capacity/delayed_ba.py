"""Extended Blahut-Arimoto for *delayed* feedback (sec. 2.7 after (2.47), Remark 4.2.6).

With feedback delayed by ``d >= 1`` channel uses the encoder sees
``(x^{i-1}, y^{i-d})`` before sending ``x_i``, and the ``n``-letter quantity is

.. math:: C_n^{(d)}(s_0) = \\frac1n \\max_{r(x^n \\| y^{n-d})} I(X^n \\to Y^n \\mid s_0)

(Remark 4.2.6: the maximisation is over ``P(x^n || y^{n-d})`` instead of
``P(x^n || y^{n-1})``). This is the generalisation of (2.44)-(2.47) to a
time-invariant feedback function of ``y^{i-1}`` that the monograph attributes
to [naiss2012extension]; ``d = 1`` is :func:`~dicert.verify.capacity.directed_ba.directed_blahut_arimoto`
and ``d >= n`` is the ``n``-letter capacity without feedback.

The alternation is that of (2.46)-(2.47), with one change in (2.46): the
input law at time ``i`` is one distribution per *information set*
``g = (x^{i-1}, y^{i-d})``, and the exponent of (2.46) is averaged over the
outputs the encoder has not seen yet, ``y_{i-d+1}^{i-1}``, with weights
``P(y^{i-1} || x^{i-1})`` (the channel's causal law). Those weights do not
depend on the input law -- the input's factor ``r(x^{i-1} || y^{i-1-d})`` is
the same for every history in ``g`` -- so the backward pass ``i = n, ..., 1``
still maximises ``I_L`` (2.45) exactly for fixed ``q``. The bracket is

* lower: ``(1/n) I(X^n -> Y^n)`` under the current input (achievable with delay ``d``);
* upper: (2.44) with the output law of the current input and the maxima over
  ``x_i`` taken per information set (the same pooling), a dual bound valid for
  every input with delay ``d``.

Examples
--------
The trapdoor channel (sec. 4.3.3) with feedback delayed by ``d`` uses, ``n = 3``:
less feedback, lower rate (the value with ``d = 3`` is the capacity without feedback at ``n = 3``).

>>> from dicert.verify.channels import parse_channel
>>> from dicert.verify.capacity.delayed_ba import delayed_feedback_blahut_arimoto
>>> trapdoor = parse_channel("trapdoor")
>>> values = [delayed_feedback_blahut_arimoto(trapdoor, 3, delay=d, tol=1e-7).value for d in (1, 2, 3)]
>>> values[0] > values[1] > values[2]
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from dicert.verify._numeric import check_int
from dicert.verify.capacity.directed_ba import _ba_setup, _forward, _lower_nats, _output_marginals, _upper_nats
from dicert.verify.capacity.nletter import fsc_law
from dicert.verify.capacity.results import _Bracket
from dicert.verify.errors import InvalidInput

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import ChannelOrLaw

__all__ = ["DelayedFeedbackBAResult", "delayed_feedback_blahut_arimoto", "information_sets"]


@dataclass(frozen=True)
class DelayedFeedbackBAResult(_Bracket):
    """Result of :func:`delayed_feedback_blahut_arimoto` (bits per channel use).

    Attributes
    ----------
    lower, upper:
        ``lower <= C_n^{(d)}(s0) <= upper`` (solver floats; an estimate, not certified).
    n, delay:
        Block length and feedback delay ``d``.
    input_policy:
        ``input_policy[i][h, x] = r(x_{i+1} = x | h)`` on the interleaved
        histories ``h = (x_1, y_1, ..., x_i, y_i)``; rows of one information set are equal.
    iterations, converged:
        Alternating updates done; whether ``upper - lower <= tol`` was reached.
    """

    lower: float
    upper: float
    n: int
    delay: int
    input_policy: list[np.ndarray] = field(repr=False)
    iterations: int
    converged: bool


def information_sets(i: int, nx: int, ny: int, delay: int) -> np.ndarray:
    """For each interleaved history ``h_i`` (lexicographic), the index of its information set ``(x^i, y^{i+1-d})``.

    The encoder choosing ``x_{i+1}`` with feedback delay ``d`` sees the inputs
    ``x^i`` and the outputs ``y^{i+1-d}``; histories differing only in
    ``y_{i+2-d}, ..., y_i`` share an information set.

    Examples
    --------
    >>> information_sets(1, 2, 2, delay=1).tolist()     # full feedback: every history is its own set
    [0, 1, 2, 3]
    >>> information_sets(1, 2, 2, delay=2).tolist()     # y_1 unseen: sets are the values of x_1
    [0, 0, 1, 1]
    """
    if i == 0:
        return np.zeros(1, dtype=np.int64)
    digits = np.indices((nx, ny) * i).reshape(2 * i, -1)  # x_1, y_1, ..., x_i, y_i
    seen_y = max(i + 1 - delay, 0)
    key = np.zeros(digits.shape[1], dtype=np.int64)
    for j in range(i):
        key = key * nx + digits[2 * j]
        if j < seen_y:
            key = key * ny + digits[2 * j + 1]
    _, ids = np.unique(key, return_inverse=True)
    return ids.reshape(-1).astype(np.int64)


def _pool(values: np.ndarray, weights: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Weighted mean of the rows of ``values`` within each group, broadcast back to the rows."""
    n_groups = int(groups.max()) + 1
    total = np.bincount(groups, weights=weights, minlength=n_groups)
    pooled = np.stack(
        [np.bincount(groups, weights=weights * values[:, k], minlength=n_groups) for k in range(values.shape[1])], axis=1
    )
    mean = np.divide(pooled, total[:, None], out=np.zeros_like(pooled), where=total[:, None] > 0)
    unweighted = np.stack([np.bincount(groups, weights=values[:, k], minlength=n_groups) for k in range(values.shape[1])], axis=1)
    counts = np.bincount(groups, minlength=n_groups)[:, None]
    mean = np.where(total[:, None] > 0, mean, unweighted / np.maximum(counts, 1))  # unreachable sets: plain mean
    return mean[groups]


def delayed_feedback_blahut_arimoto(
    channel: ChannelOrLaw,
    n: int,
    delay: int = 1,
    initial_state: int | np.ndarray = 0,
    *,
    tol: float = 1e-9,
    max_iter: int = 100_000,
) -> DelayedFeedbackBAResult:
    """``C_n^{(d)}(s0) = (1/n) max_{r(x^n || y^{n-d})} I(X^n -> Y^n | s0)`` by extended BA (2.44)-(2.47), Remark 4.2.6.

    Parameters
    ----------
    channel:
        A DMC matrix, FSC law or dicert channel (see :func:`~dicert.verify.capacity.nletter.fsc_law`).
    n:
        Block length.
    delay:
        Feedback delay ``d >= 1`` (``d = 1``: ordinary feedback; ``d >= n``: none).
    initial_state:
        Initial state index (known to both ends) or initial-state pmf.
    tol, max_iter:
        Stop when ``upper - lower <= tol`` bits, or after ``max_iter`` updates (the bracket is valid either way).

    Examples
    --------
    For a memoryless channel delayed feedback changes nothing (feedback does not
    increase the capacity of a DMC):

    >>> import numpy as np
    >>> bsc = np.array([[0.9, 0.1], [0.1, 0.9]])
    >>> round(delayed_feedback_blahut_arimoto(bsc, 3, delay=2).value, 6)
    0.531004
    """
    law = fsc_law(channel)
    _, nx, ny, _ = law.shape
    n = check_int(n, "n")
    delay = check_int(delay, "delay")
    if not (isinstance(tol, int | float) and tol > 0):
        raise InvalidInput(f"tol: expected a positive number, got {tol!r}")
    levels, (cond, log_cond, kn, hist_y, _, _) = _ba_setup(law, n, initial_state)
    channel_weight = [np.ones(1)] + [lv.reshape(-1) for lv in levels[:-1]]  # P(y^{i-1} || x^{i-1}) per h_{i-1}
    groups = [information_sets(i, nx, ny, delay) for i in range(n)]
    policy = [np.full(((nx * ny) ** i, nx), 1.0 / nx) for i in range(n)]
    scale = n * math.log(2)
    lower = upper = 0.0
    converged = False
    iterations = 0
    for iterations in range(1, max_iter + 1):
        joints = _forward(policy, cond)
        py = _output_marginals(joints, hist_y, ny)
        lower = _lower_nats(joints[-1], kn, py[-1], hist_y[n]) / scale
        upper = _upper_nats(cond, log_cond, py, hist_y, lambda stage, i: _pool(stage, channel_weight[i - 1], groups[i - 1])) / scale
        if upper - lower <= tol or iterations == max_iter:
            converged = upper - lower <= tol
            break
        policy = _pooled_update(joints, py, cond, hist_y, channel_weight, groups)
    return DelayedFeedbackBAResult(
        lower=lower, upper=upper, n=n, delay=delay, input_policy=policy, iterations=iterations, converged=converged
    )


_Arrays = list[np.ndarray]


def _pooled_update(joints: _Arrays, py: _Arrays, cond: _Arrays, hist_y: _Arrays, channel_weight: _Arrays, groups: _Arrays) -> _Arrays:
    """One BA update under delayed feedback: (2.47) ``q = joint / P(y^n)``, then (2.46) backwards with pooled exponents.

    The exponent of ``r(x_i | .)`` is pooled (weighted by ``P(y^{i-1} || x^{i-1})``) over
    each information set, so the rows of a set stay equal.
    """
    n = len(cond)
    nx, ny = cond[0].shape[1:]
    reach = joints[-1] > 0
    value = np.zeros_like(joints[-1])
    value[reach] = np.log(joints[-1][reach]) - np.log(py[-1][hist_y[n][reach]])
    new_policy: list[np.ndarray] = [np.empty(0)] * n
    for i in range(n, 0, -1):
        c = cond[i - 1]
        m = c.shape[0]
        a = (c * value.reshape(m, nx, ny)).sum(axis=2)  # E[V_{i+1} | h_{i-1}, x_i], (M, X)
        pooled = _pool(a, channel_weight[i - 1], groups[i - 1])
        a_max = pooled.max(axis=1, keepdims=True)
        w = np.exp(pooled - a_max)
        r = w / w.sum(axis=1, keepdims=True)
        new_policy[i - 1] = r
        with np.errstate(divide="ignore", invalid="ignore"):
            log_r = np.where(r > 0, np.log(np.where(r > 0, r, 1.0)), 0.0)
        value = (r * (a - log_r)).sum(axis=1)  # per history, with this stage's input fixed
    return new_policy

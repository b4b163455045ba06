"""The ranking's report side of Q-graph bounds: Arb re-evaluation of a duality witness and tie groups.

:func:`rigorous_duality_upper` re-evaluates the float duality witness
``(T, V)`` of one graph (Thm 4.5.2) with Arb balls on the channel's exact law;
:func:`tie_groups` groups graphs whose bounds agree within the solver's
accuracy.  Both are re-exported by :mod:`dicert.verify.capacity.qgraph_rank`.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from dicert.verify.channels.protocol import ExactChannelSource

__all__ = ["rigorous_duality_upper", "tie_groups"]


def rigorous_duality_upper(channel: ExactChannelSource, phi: Any, test: np.ndarray, value: np.ndarray, digits: int = 30) -> float:
    """``rho_cert`` of one float witness ``(T, V)`` evaluated with Arb balls; a float rounded up (Thm 4.5.2).

    ``T`` is made an exact distribution (each float entry exactly, the largest
    entry of each row replaced by one minus the others), ``V`` is taken exactly,
    and :func:`dicert.verify.certify.duality_check.certified_duality_upper_bound` evaluates
    the bound on the channel's exact law.  No rounding assumption remains.

    Examples
    --------
    >>> import numpy as np
    >>> from dicert.verify.channels import bsc
    >>> b = rigorous_duality_upper(bsc(0.25), [[0, 0]], np.array([[0.5, 0.5]]), np.zeros((1, 1)))
    >>> 0 <= b - 0.188721875540867 < 1e-15       # 1 - H2(1/4), rounded up
    True
    """
    from dicert.verify.certify.duality_check import certified_duality_upper_bound
    from dicert.verify.certify.intervals import arb_upper_fmpq

    rows = []
    for row in np.asarray(test, dtype=float):
        exact = [Fraction(float(t)) for t in row]
        big = int(np.argmax(row))
        exact[big] = 1 - (sum(exact) - exact[big])
        rows.append(exact)
    values = [[Fraction(float(v)) for v in row] for row in np.asarray(value, dtype=float)]
    phi_rows = np.asarray(phi, dtype=np.int64).tolist()
    bound = certified_duality_upper_bound(channel, phi_rows, rows, values, digits)
    upper = arb_upper_fmpq(bound.upper)
    as_fraction = Fraction(int(upper.p), int(upper.q))
    result = float(as_fraction)
    if Fraction(result) < as_fraction:
        result = math.nextafter(result, math.inf)
    return result


def tie_groups(upper: np.ndarray, estimate: np.ndarray, tol: float = 0.0) -> np.ndarray:
    """Tie-group numbers (1, 2, ...) of graphs sorted by ``upper``: equal within the solver's accuracy.

    Each graph's bound ``U(G)`` lies (to the solver's accuracy) in
    ``[estimate, upper]``.  Walking in order of ``upper``, a graph joins the
    current group when its estimate does not exceed the group leader's upper
    bound plus ``tol`` (the two intervals overlap, so the order between them is
    solver noise); otherwise it starts the next group.

    Examples
    --------
    >>> tie_groups(np.array([1.0, 1.0 + 1e-11, 1.2]), np.array([1.0 - 1e-11, 1.0, 1.2 - 1e-11])).tolist()
    [1, 1, 2]
    """
    groups = np.zeros(len(upper), dtype=np.int64)
    group, leader = 0, -np.inf
    for i, (up, est) in enumerate(zip(np.asarray(upper, float), np.asarray(estimate, float))):
        low = min(est, up) if math.isfinite(est) else up
        if i == 0 or low > leader + tol:
            group, leader = group + 1, up
        groups[i] = group
    return groups

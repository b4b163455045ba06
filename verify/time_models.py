"""Time models for single solves that report no progress themselves: an estimate before the work starts.

The Q-graph bound program (4.40) is one Clarabel solve whose time grows with the
number of input variables ``V = |{(s, x) allowed}| * m`` (``m`` Q-graph nodes)
roughly as ``V^2`` (sparse KKT factorisations of a system with a dense-ish
stationarity block); the duality-bound evaluation with Arb that follows adds a
few percent.  Fitted on this project's 2-core development machine (load 1-4)::

    channel                    V      measured (solve + valid bound)   model
    trapdoor debruijn:5       128     1.4 s                            0.7 s
    trapdoor debruijn:7       512     6.0 s                            8.1 s
    trapdoor debruijn:8      1024    15.4 s                           32 s
    ring channel, 150 states   600     5.2 s                           11 s
    ring channel, 200 states   800    17.6 s                           19 s
    ring channel, 300 states  1200    38.4 s                           43 s

(``python`` timing of :func:`dicert.verify.capacity.qgraph_bounds.qgraph_upper_bound`
plus :func:`dicert.verify.certify.qgraph_certify.valid_upper_bound`; ring channel:
``next_state = (s + x + y) mod S``).  The model is within a factor of about 2
and errs high for the large programs: it is for the ETA and the time guard,
never for a result.

Examples
--------
>>> round(qgraph_program_seconds(n_allowed=600, nodes=2))
43
"""

from __future__ import annotations

__all__ = ["qgraph_program_seconds", "QGRAPH_SECONDS_PER_VARIABLE2", "QGRAPH_SECONDS_OVERHEAD"]

#: Fitted coefficient of ``V^2`` (seconds).
QGRAPH_SECONDS_PER_VARIABLE2 = 3.0e-5
#: Set-up time of one solve (seconds).
QGRAPH_SECONDS_OVERHEAD = 0.2


def qgraph_program_seconds(*, n_allowed: int, nodes: int, lower: bool = False) -> float:
    """Estimated seconds of one Q-graph bound solve (4.40) plus its duality-bound evaluation.

    Parameters
    ----------
    n_allowed:
        Allowed (state, input) pairs of the channel (``|S| |X|`` without input constraints).
    nodes:
        Nodes ``m`` of the Q-graph.
    lower:
        Also the BCJR-invariance check and lower-bound programs (about twice the time).

    Examples
    --------
    >>> qgraph_program_seconds(n_allowed=4, nodes=2) < 1
    True
    """
    variables = float(n_allowed) * float(nodes)
    seconds = QGRAPH_SECONDS_OVERHEAD + QGRAPH_SECONDS_PER_VARIABLE2 * variables**2
    return 2.0 * seconds if lower else seconds

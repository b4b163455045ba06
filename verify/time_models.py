"""Time models for single solves that report no progress themselves: an estimate before the work starts.

The Q-graph bound program (4.40) is one Clarabel solve whose time grows with the
number of input variables ``V = |{(s, x) allowed}| * m`` (``m`` Q-graph nodes);
above a few hundred variables the sparse KKT factorisations dominate and the time
grows about as ``V^3``; the duality-bound evaluation with Arb that follows is
the linear term.  Model: ``0.3 s + 2e-3 s * V + 3e-8 s * V^3``, fitted on this
project's 2-core development machine (load 1-4 unless noted)::

    channel                    V      measured (solve + valid bound)   model
    trapdoor debruijn:5       128     1.4 s                             0.6 s
    trapdoor debruijn:7       512     6.0 s                             5.3 s
    trapdoor debruijn:8      1024    15.4 s                            35 s
    ring channel, 150 states   600     5.2 s                             8.0 s
    ring channel, 200 states   800    17.6 s                            17 s
    ring channel, 300 states  1200    38.4 s                            55 s
    ring channel, 500 states  2000   341 s (load 4-7)                  244 s

(``python`` timing of :func:`dicert.verify.capacity.qgraph_bounds.qgraph_upper_bound`
plus :func:`dicert.verify.certify.qgraph_certify.valid_upper_bound`; the 500-state
row is ``/usr/bin/time dicert bounds FILE``; ring channel:
``next_state = (s + x + y) mod S``).  The model is within a factor of about 2
(1000 states: about 32 min): it is for the ETA and the time guard, never for a
result.

Examples
--------
>>> round(qgraph_program_seconds(n_allowed=600, nodes=2))
55
"""

from __future__ import annotations

__all__ = ["qgraph_program_seconds", "QGRAPH_SECONDS_PER_VARIABLE", "QGRAPH_SECONDS_PER_VARIABLE3", "QGRAPH_SECONDS_OVERHEAD"]

#: Fitted coefficients of ``V`` and ``V^3`` (seconds).
QGRAPH_SECONDS_PER_VARIABLE = 2.0e-3
QGRAPH_SECONDS_PER_VARIABLE3 = 3.0e-8
#: Set-up time of one solve (seconds).
QGRAPH_SECONDS_OVERHEAD = 0.3


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
    seconds = (QGRAPH_SECONDS_OVERHEAD + QGRAPH_SECONDS_PER_VARIABLE * variables
               + QGRAPH_SECONDS_PER_VARIABLE3 * variables**3)
    return 2.0 * seconds if lower else seconds

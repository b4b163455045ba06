"""Coding schemes that turn a Q-graph lower bound into an operational rate (monograph sec. 4.4.3).

* :class:`PosteriorMatchingScheme` -- the posterior-matching scheme built on a
  Q-graph and a BCJR-invariant input (Fig. 4.5, (4.45)-(4.46), Thm 4.4.6),
  simulated over the channel with feedback: encode, transmit, decode, and
  estimate the block error probability against the block length.

Examples
--------
>>> import numpy as np
>>> from types import SimpleNamespace
>>> from dicert.verify.coding import PosteriorMatchingScheme
>>> bsc = SimpleNamespace(name="bsc", matrix=np.array([[0.9, 0.1], [0.1, 0.9]]))
>>> PosteriorMatchingScheme(bsc, [[0, 0]], np.full((1, 1, 2), 0.5)).transmit(100, 0.2, rng=0).correct
True
"""

from dicert.graphs._lazy import lazy_exports

_EXPORTS = {
    "PosteriorMatchingScheme": "dicert.verify.coding.posterior_matching",
    "Transmission": "dicert.verify.coding.posterior_matching",
    "BlockResult": "dicert.verify.coding.posterior_matching",
}

__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

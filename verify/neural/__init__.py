"""Neural estimators and information gradients (optional extra ``neural``, JAX).

* :class:`~dicert.verify.neural.dine.DINE` -- the directed information neural
  estimator of monograph sec. 3.2, eqs. (3.7)-(3.10): two Donsker-Varadhan
  networks with recurrent (GRU) summaries of the past, whose difference is the
  DI rate.
* :mod:`~dicert.verify.neural.information_gradient` -- the score-based
  information gradient for directed acyclic graphs (Wadayama,
  ``seeds/000_072e62923a7dc003.txt``): :math:`\\nabla_\\theta I(X;Y)` from the
  marginal and conditional score functions of the output, computed with a
  vector-Jacobian product.
* :mod:`~dicert.verify.neural.score_matching` -- score networks learned by
  denoising score matching.
* :mod:`~dicert.verify.neural.gradient_experiments` -- the information-gradient
  paper's experiments (multipath DAG, water-filling, tanh channel, digital twin).
* :mod:`~dicert.verify.neural.rl` -- feedback capacity by RL on the belief MDP
  (sec. 4.6: environment, POU, Q-graph from the trained policy).
* :mod:`~dicert.verify.neural.ndt` -- capacity from samples (sec. 3.4: DI
  critics joined with a neural distribution transformer).

This package needs JAX, Optax and Flax (``pip install "dicert[neural]"``); the
core of dicert never imports it. Without them, importing it raises
:class:`MissingExtra` (an ``ImportError`` and a ``DicertError``). Computations
run on JAX's default device (a GPU when JAX finds one).

Examples
--------
>>> from dicert.verify.neural import DINE
>>> DINE(hidden=8).get_params()["hidden"]
8
"""

from __future__ import annotations

import importlib

from dicert.verify.errors import DicertError

__all__ = [
    "MissingExtra",
    "DINE",
    "information_gradient",
    "gaussian_score",
    "linear_gaussian_channel_scores",
    "linear_gaussian_mutual_information",
    "maximize_information",
    "frobenius_ball",
    "AscentResult",
    "ScoreNetwork",
    "fit_denoising_score",
]


class MissingExtra(DicertError, ImportError):
    """An optional dependency of dicert is not installed; the message names the extra to install.

    Examples
    --------
    >>> issubclass(MissingExtra, ImportError)
    True
    """


def _unavailable(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return True
    return False


_missing = [name for name in ("jax", "optax", "flax") if _unavailable(name)]
if _missing:
    raise MissingExtra(
        f"dicert.verify.neural: missing {', '.join(_missing)}, expected the optional extra: "
        'pip install "dicert[neural]"'
    )

from dicert.verify.neural.dine import DINE  # noqa: E402
from dicert.verify.neural.information_gradient import (  # noqa: E402
    AscentResult,
    frobenius_ball,
    gaussian_score,
    information_gradient,
    linear_gaussian_channel_scores,
    linear_gaussian_mutual_information,
    maximize_information,
)
from dicert.verify.neural.score_matching import ScoreNetwork, fit_denoising_score  # noqa: E402

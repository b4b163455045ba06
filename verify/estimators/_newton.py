"""Damped Newton minimisation shared by the maximum-likelihood estimators (logit and Poisson GLM fits).

One copy of the loop that :func:`~dicert.verify.estimators.markov_ml.fit_conditional_logit`
and :func:`~dicert.verify.estimators.point_process.fit_poisson_glm` both need:
a Newton step, halved until the objective does not increase (Newton steps can
overshoot on nearly separable data), stopped when the gradient or the step is
negligible.

Examples
--------
>>> import numpy as np
>>> def step(t):
...     grad = 2 * (t - 3.0)
...     return None if abs(grad[0]) < 1e-12 else grad / 2.0
>>> theta, iterations = newton_minimise(lambda t: float((t[0] - 3.0) ** 2), step, np.zeros(1), 20, "demo")
>>> round(float(theta[0]), 6), iterations
(3.0, 2)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from dicert.verify.errors import SolverFailed

__all__ = ["newton_minimise"]


def newton_minimise(
    objective: Callable[[NDArray[np.float64]], float],
    newton_step: Callable[[NDArray[np.float64]], NDArray[np.float64] | None],
    theta: NDArray[np.float64],
    max_iter: int,
    name: str,
) -> tuple[NDArray[np.float64], int]:
    """Minimise ``objective`` from ``theta``; return the minimiser and the iterations used.

    ``newton_step(theta)`` returns the full Newton step (``H^{-1} grad``), or
    ``None`` when the gradient is small enough to stop. Raises
    :class:`~dicert.verify.errors.SolverFailed` (naming ``name``) after
    ``max_iter`` iterations without convergence.
    """
    value = objective(theta)
    for iterations in range(1, max_iter + 1):
        step = newton_step(theta)
        if step is None:
            return theta, iterations
        scale = 1.0
        while True:  # backtracking
            candidate = theta - scale * step
            new_value = objective(candidate)
            if new_value <= value + 1e-12 * max(abs(value), 1.0) or scale < 1e-8:
                break
            scale *= 0.5
        theta, value = candidate, new_value
        if float(np.max(np.abs(scale * step))) < 1e-11:
            return theta, iterations
    raise SolverFailed(f"{name}: Newton's method did not converge in {max_iter} iterations")

"""DI estimators sharing one protocol, and the check_estimator conformance suite (monograph ch. 3).

Estimators (all follow :class:`DIEstimator`: hyper-parameters in the constructor,
``fit(x, y)`` returns ``self``, results in attributes ending in ``_``):

* :class:`PlugIn` -- plug-in estimator with a Markov order (3.1.1), discrete data;
* :class:`CTW` -- universal CTW estimators I1-I4 (3.3)-(3.6), discrete data;
* :class:`KSG` -- kNN (Frenzel-Pompe KSG) estimator (3.1.6), continuous data;
* :class:`GaussianGranger` -- linear-Gaussian DI / Granger baseline (2.5.2);
* :class:`MarkovML` -- parametric ML for log-linear Markov models of a chosen order (3.1.3);
* :class:`PointProcessGLM` -- point-process GLM intensities with MDL order selection (3.1.4).

Every fitted estimator reports 95% intervals whose coverage is measured
(:mod:`.intervals`, ``benchmarks/bench_estimators_coverage.py``) and has a
surrogate significance test ``.test(n_surrogates, method=...)`` (:mod:`.surrogates`).

Examples
--------
>>> import numpy as np
>>> from dicert.verify.estimators import CTW
>>> x = np.random.default_rng(0).integers(0, 2, 2000)
>>> y = np.roll(x, 1)
>>> CTW(depth=2).fit(x, y).di_rate_ > 0.9
True
"""

from dicert.verify.estimators.check import (
    CheckFailed,
    CheckReport,
    CheckResult,
    CheckSkipped,
    EstimatorCheckFailed,
    check_estimator,
    parametrize_with_checks,
)
from dicert.verify.estimators.ctw import CTW
from dicert.verify.estimators.gaussian import GaussianGranger
from dicert.verify.estimators.ksg import KSG
from dicert.verify.estimators.markov_ml import MarkovML
from dicert.verify.estimators.point_process import PointProcessGLM
from dicert.verify.estimators.plugin import PlugIn
from dicert.verify.estimators.protocol import DIEstimator
from dicert.verify.estimators.surrogates import SurrogateTest, surrogate_test

__all__ = [
    "CTW",
    "PlugIn",
    "KSG",
    "GaussianGranger",
    "MarkovML",
    "PointProcessGLM",
    "DIEstimator",
    "check_estimator",
    "parametrize_with_checks",
    "CheckReport",
    "CheckFailed",
    "CheckSkipped",
    "SurrogateTest",
    "surrogate_test",
    "CheckResult",
    "EstimatorCheckFailed",
]

"""
CTW estimates of the DI rate converge (cf. Fig. 3.1)
====================================================

The context-tree-weighting estimator (3.3)-(3.6) of the DI rate
``I(X -> Y)`` on a process with a known rate: ``X`` i.i.d. uniform bits and
``Y_i = X_{i-1}`` through a BSC(0.1), whose DI rate is ``1 - H2(0.1)`` bits.
Each curve is one sample path; the estimates approach the true rate as the
sample grows.
"""

import matplotlib.pyplot as plt
import numpy as np

from dicert.verify.estimators import CTW
from dicert.verify.processes import bsc_delay

sizes = np.unique(np.logspace(2.5, 4.3, 8).astype(int))
fig, ax = plt.subplots(figsize=(6, 3.5))
truth = None
for seed in range(3):
    sample = bsc_delay(int(sizes[-1]), p=0.1, rng=seed)
    truth = sample.di_rate
    estimates = [CTW(depth=2).fit(sample.x[:n], sample.y[:n]).di_rate_ for n in sizes]
    ax.semilogx(sizes, estimates, "o-", ms=3, label=f"path {seed}")
ax.axhline(truth, color="k", ls="--", lw=1, label="true DI rate")
ax.set_xlabel("sample size n")
ax.set_ylabel("DI rate estimate (bits)")
ax.legend(fontsize=7)
fig.tight_layout()
plt.show()

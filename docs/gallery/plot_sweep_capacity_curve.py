"""
Feedback capacity of the input-constrained BEC against the erasure probability
==============================================================================

``dicert sweep bec-noc --param eps=0.1:0.9:0.1`` as a figure: at every erasure
probability the Q-graph is discovered from the channel (sec. 4.3) and its upper
bound is proven by the duality bound (Thm 4.5.2) in exact arithmetic
(:func:`dicert.verify.sweep.sweep`; add ``certify=True`` for certified lower
bounds too, as the command's ``--certify`` does, slower).  The dotted line is
the closed form of Sabag, Permuter and Kashyap (2016) for the binary erasure
channel with no consecutive ones and feedback, ``max_p H2(p) / (p + 1/(1 - eps))``,
drawn for comparison only.
"""

import matplotlib.pyplot as plt
import numpy as np

from dicert.verify.sweep import closed_form_value, sweep

result = sweep("bec-noc", "eps=0.1:0.9:0.1")
eps = [float(p["value"]) for p in result.points]
upper = [float(p["upper"]) for p in result.points]

dense = np.linspace(0.1, 0.9, 161)
closed = [closed_form_value("bec-noc", "eps", str(x)) for x in dense]

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(dense, closed, "k:", lw=1.2, label="closed form (Sabag et al. 2016)")
ax.plot(eps, upper, "v", color="#D55E00", label="proven upper bound on the discovered Q-graph")
ax.set_xlabel("erasure probability eps")
ax.set_ylabel("bits per channel use")
ax.legend(fontsize=7)
fig.tight_layout()
plt.show()

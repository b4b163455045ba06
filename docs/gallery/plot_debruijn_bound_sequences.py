"""
Upper bounds on de Bruijn Q-graphs of growing order
===================================================

The Q-graph upper bound (Thm 4.4.3) on the order-``k`` de Bruijn graph, whose
node is the last ``k`` outputs, for the trapdoor and Ising channels. The
bounds decrease with ``k`` towards the feedback capacity (dashed), log2 of the
golden ratio for the trapdoor channel and ``-1/2 log2 a`` with
``a^3 = (1 - a)^4`` for the Ising channel.
"""

import math

import matplotlib.pyplot as plt
import numpy as np

from dicert.graphs import debruijn_qgraph
from dicert.verify.capacity import qgraph_upper_bound
from dicert.verify.channels import parse_channel

# Capacities from the literature, for the reference lines only.
golden = (1 + math.sqrt(5)) / 2
# a^3 = (1 - a)^4, i.e. a^4 - 5a^3 + 6a^2 - 4a + 1 = 0, with a in (0, 1).
a = min(r.real for r in np.roots([1, -5, 6, -4, 1]) if abs(r.imag) < 1e-12 and 0 < r.real < 1)
known = {"trapdoor": math.log2(golden), "ising": -0.5 * math.log2(a)}

orders = [1, 2, 3, 4]
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, colour in (("trapdoor", "#0072B2"), ("ising", "#D55E00")):
    channel = parse_channel(name)
    upper = [qgraph_upper_bound(channel, debruijn_qgraph(k, 2)).upper for k in orders]
    ax.plot(orders, upper, "o-", color=colour, label=f"{name}: de Bruijn upper bound")
    ax.axhline(known[name], color=colour, ls="--", lw=1, label=f"{name}: capacity")
ax.set_xlabel("de Bruijn order k")
ax.set_ylabel("bits per channel use")
ax.set_xticks(orders)
ax.legend(fontsize=7)
fig.tight_layout()
plt.show()

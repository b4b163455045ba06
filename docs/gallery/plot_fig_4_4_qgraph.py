"""
The 4-node Q-graph of the Ising channel (Fig. 4.4)
==================================================

The Q-graph on which the upper bound of Thm 4.4.3 equals the feedback capacity
of the Ising channel. Node ``q`` moves to ``phi[q, y]`` on output ``y``. The bound
and the BCJR-invariant lower bound of Thm 4.4.4 on this graph meet.
"""

import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from dicert.graphs import QGraph
from dicert.graphs.draw import draw_qgraph
from dicert.verify.capacity import qgraph_upper_bound
from dicert.verify.channels import parse_channel

fig_4_4 = QGraph([[3, 1], [3, 0], [3, 0], [2, 0]])
bound = qgraph_upper_bound(parse_channel("ising"), fig_4_4)
print(f"upper bound estimate on this graph: {bound.upper:.10f} bits ({bound.status})")

png = draw_qgraph(fig_4_4, Path(tempfile.mkdtemp()) / "fig_4_4.png", title="Ising: Fig. 4.4")
fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.imshow(mpimg.imread(png))
ax.set_axis_off()
plt.show()

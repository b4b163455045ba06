"""
Value function, belief histogram and policy of the Ising channel (Fig. 4.2)
===========================================================================

Value iteration on the belief MDP of the binary Ising channel, (4.26)-(4.29):
the value function ``h_k`` after ``k`` applications of the Bellman operator, the
histogram of the beliefs the MDP visits under the greedy policy, and the
maximising actions. The histogram concentrates on a few points: they become the
nodes of the Q-graph of Fig. 4.4.
"""

import tempfile
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt

from dicert.verify.capacity.belief_mdp import BeliefMDP
from dicert.verify.channels import parse_channel
from dicert.verify.plots import plot_value_iteration

mdp = BeliefMDP(parse_channel("ising"), belief_resolution=100, action_resolution=25)
paths, data = plot_value_iteration(mdp, Path(tempfile.mkdtemp()) / "fig_4_2", iterations=20, steps=2000)
png = next(p for p in paths if p.suffix == ".png")

fig, ax = plt.subplots(figsize=(9, 3.5))
ax.imshow(mpimg.imread(png))
ax.set_axis_off()
plt.show()

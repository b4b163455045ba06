"""Capacity computations: Blahut-Arimoto, Q-graph bounds, duality bound, belief MDP (monograph ch. 4)."""

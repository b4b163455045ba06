"""Public Hypothesis strategies: build valid dicert objects directly (Dirichlet draws, not filters).

Submodules: ``pmfs``, ``qgraphs``, ``channels``, ``processes``.
"""

"""dicert.proofs: one module per certified result, the registry, and the dicert CLI."""

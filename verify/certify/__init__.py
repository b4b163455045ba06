"""Rigorous numerics: interval arithmetic, root isolation and the Certificate record."""

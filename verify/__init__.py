"""dicert.verify: numbers, bounds and certificates (pmfs, DI measures, channels, capacity, certify, estimators)."""

from dicert.verify.pmf import Pmf

__all__ = ["Pmf"]

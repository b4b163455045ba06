"""dicert.verify: numbers, bounds and certificates (pmfs, DI measures, channels, capacity, certify, estimators)."""

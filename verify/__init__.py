"""dicert.verify: numbers, bounds and certificates (pmfs, DI measures, channels, capacity, certify, estimators)."""

from dicert.graphs._lazy import lazy_exports

_EXPORTS = {
    "Pmf": "dicert.verify.pmf",
}

__all__ = list(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

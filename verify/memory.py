"""Allocation guard: refuse dense arrays above a configurable memory limit.

The implementation lives in :mod:`dicert.graphs.memory` (the lowest layer, so
that graph files are guarded by the same limit); this module re-exports it for
:mod:`dicert.verify`.  Size models of the large allocations (bound programs,
belief grids, transition tables, counting tables) are in
:mod:`dicert.verify.sizes`.

The limit is resolved at call time, without hidden module globals: the
innermost :func:`memory_limit` context, else ``DICERT_MEMORY_LIMIT`` (e.g.
``"8GiB"``), else :data:`DEFAULT_LIMIT_BYTES` (4 GiB).

Examples
--------
>>> from dicert.verify.memory import check_allocation, guard_bytes, memory_limit
>>> check_allocation((2,) * 20, 8, "joint pmf")   # 2**20 float64 cells: 8 MiB
8388608
>>> with memory_limit("1MiB"):
...     guard_bytes(8 * 2**20, "--depth 9", "the CTW tree")
Traceback (most recent call last):
    ...
dicert.graphs.errors.TooLarge: --depth 9: the CTW tree needs 8.0 MiB > limit 1 MiB (DICERT_MEMORY_LIMIT)
"""

from __future__ import annotations

from dicert.graphs import memory as _memory
from dicert.graphs.memory import *  # noqa: F401,F403  (every name of dicert.graphs.memory.__all__)

__all__ = list(_memory.__all__)

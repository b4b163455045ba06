"""The ranking's SQLite store (parent process only): schema, one transaction per chunk, resume queries.

Part of :mod:`dicert.verify.ranking` (see the package docstring).
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import numpy as np

from dicert.graphs.qgraph import QGraph
from dicert.verify.errors import InvalidInput


# ---------------------------------------------------------------------------
# the SQLite store
# ---------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    bound TEXT NOT NULL,
    nodes INTEGER NOT NULL,
    outputs INTEGER NOT NULL,
    total INTEGER,
    UNIQUE (fingerprint, bound, nodes, outputs)
);
CREATE TABLE IF NOT EXISTS bounds (
    run_id INTEGER NOT NULL REFERENCES runs (run_id),
    graph BLOB NOT NULL,
    idx INTEGER NOT NULL,
    upper REAL,
    status TEXT NOT NULL,
    message TEXT,
    seconds REAL NOT NULL,
    lower REAL,
    lower_checked INTEGER NOT NULL DEFAULT 0,
    estimate REAL,
    PRIMARY KEY (run_id, graph)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (
    run_id INTEGER NOT NULL REFERENCES runs (run_id),
    block INTEGER NOT NULL,
    count INTEGER,
    done INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, block)
) WITHOUT ROWID;
"""
#: Only the exactly solved rows are indexed by their bound (the queries for the best graphs read
#: those); screened rows, most of a screened run, stay out of the index, so inserting them costs no
#: index update and the index exists from the start.
_INDEX = "CREATE INDEX IF NOT EXISTS bounds_optimal_by_upper ON bounds (run_id, upper, idx) WHERE status = 'optimal'"
_BOUND_COLUMNS = ["run_id", "graph", "idx", "upper", "status", "message", "seconds", "lower", "lower_checked", "estimate"]

# A solved chunk row: (graph bytes, index, upper or None, status, message or None, seconds, estimate or None).
Row = tuple[bytes, int, float | None, str, str | None, float, float | None]


def _graph_bytes(phi: np.ndarray) -> bytes:
    return np.ascontiguousarray(phi, dtype=np.int8).tobytes()


def _graph_of(blob: bytes, m: int, r: int) -> QGraph:
    return QGraph(np.frombuffer(blob, dtype=np.int8).reshape(m, r).astype(np.int64))


class _Store:
    """The ranking tables in one SQLite connection (parent process only)."""

    def __init__(self, db: str | Path | None) -> None:
        self.path = None if db is None else str(db)
        target = ":memory:" if db is None else str(db)
        if db is not None:
            parent = Path(db).expanduser().resolve().parent
            if not parent.is_dir():
                raise InvalidInput(f"db: directory {parent} does not exist")
        try:
            self.conn = sqlite3.connect(target, timeout=60.0, isolation_level=None)
        except sqlite3.Error as exc:
            raise InvalidInput(f"db: cannot open {db} ({exc})") from None
        try:
            self._prepare(db)
        except BaseException:
            self.conn.close()
            raise

    def _prepare(self, db: str | Path | None) -> None:
        try:
            self.conn.execute("PRAGMA busy_timeout = 60000")
            if db is not None:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.executescript(_SCHEMA)
            columns = [row[1] for row in self.conn.execute("PRAGMA table_info(bounds)")]
            if columns == _BOUND_COLUMNS[:-1]:  # a database of an earlier version: add the estimate column
                self.conn.execute("ALTER TABLE bounds ADD COLUMN estimate REAL")
                columns = _BOUND_COLUMNS
            if columns != _BOUND_COLUMNS:
                raise InvalidInput(f"db: {db} has a 'bounds' table with columns {columns}, expected {_BOUND_COLUMNS}")
            self.conn.execute(_INDEX)
        except sqlite3.DatabaseError as exc:
            raise InvalidInput(f"db: {db} is not a dicert ranking database ({exc})") from None

    def checkpoint_every(self, pages: int) -> None:
        """Let this connection's commits copy the WAL into the database file once it holds ``pages`` pages.

        A worker's commits then checkpoint (passively) as they go, in parallel
        with the other workers, instead of the driver spending its time on
        them or the WAL growing until the last connection closes.
        """
        if self.path is not None:
            self.conn.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")

    def close(self) -> None:
        self.conn.close()

    def run_id(self, channel: str, fingerprint: str, bound: str, m: int, r: int) -> int:
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute(
                "INSERT OR IGNORE INTO runs (channel, fingerprint, bound, nodes, outputs) VALUES (?, ?, ?, ?, ?)",
                (channel, fingerprint, bound, m, r),
            )
            row = self.conn.execute(
                "SELECT run_id FROM runs WHERE fingerprint = ? AND bound = ? AND nodes = ? AND outputs = ?",
                (fingerprint, bound, m, r),
            ).fetchone()
        return int(row[0])

    def stored(self, run_id: int) -> int:
        (count,) = self.conn.execute("SELECT COUNT(*) FROM bounds WHERE run_id = ?", (run_id,)).fetchone()
        return int(count)

    def stored_indices(self, run_id: int) -> np.ndarray:
        """Sorted enumeration indices of the graphs stored for this run."""
        cursor = self.conn.execute("SELECT idx FROM bounds WHERE run_id = ?", (run_id,))
        return np.sort(np.fromiter((row[0] for row in cursor), dtype=np.int64))

    def block_counts(self, run_id: int) -> dict[int, tuple[int, int]]:
        """``block -> (count, done)`` of the blocks counted so far."""
        rows = self.conn.execute("SELECT block, count, done FROM blocks WHERE run_id = ? AND count IS NOT NULL", (run_id,))
        return {int(b): (int(c), int(d)) for b, c, d in rows}

    def set_block_counts(self, run_id: int, counts: list[tuple[int, int]]) -> None:
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany(
                "INSERT OR REPLACE INTO blocks (run_id, block, count, done) VALUES (?, ?, ?, 0)",
                [(run_id, b, c) for b, c in counts],
            )

    def set_blocks_done(self, run_id: int, blocks: list[int]) -> None:
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany("UPDATE blocks SET done = 1 WHERE run_id = ? AND block = ?", [(run_id, b) for b in blocks])

    def insert(self, run_id: int, rows: list[Row], done_block: int | None = None) -> int:
        """Store one solved chunk in one transaction (duplicates are ignored); returns the rows added.

        ``done_block`` marks that block as finished in the same transaction.
        """
        before = self.conn.total_changes
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            if done_block is not None:
                self.conn.execute("UPDATE blocks SET done = 1 WHERE run_id = ? AND block = ?", (run_id, done_block))
            self.conn.executemany(
                "INSERT OR IGNORE INTO bounds (run_id, graph, idx, upper, status, message, seconds, estimate) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(run_id, *row) for row in rows],
            )
            added = self.conn.total_changes - before - (done_block is not None)
        return added

    def set_total(self, run_id: int, total: int) -> None:
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute("UPDATE runs SET total = ? WHERE run_id = ?", (total, run_id))

    def counts(self, run_id: int) -> tuple[int, int, int]:
        """(graphs with a bound, failed, of the first: screened, i.e. with a loose bound)."""
        solved, failed, screened = self.conn.execute(
            "SELECT COALESCE(SUM(status IN ('optimal', 'screened')), 0), "
            "COALESCE(SUM(status NOT IN ('optimal', 'screened')), 0), COALESCE(SUM(status = 'screened'), 0) "
            "FROM bounds WHERE run_id = ?",
            (run_id,),
        ).fetchone()
        return int(solved), int(failed), int(screened)

    def kth_upper(self, run_id: int, k: int) -> float:
        """The ``k``-th smallest exact upper bound stored (``inf`` when fewer are stored)."""
        row = self.conn.execute(
            "SELECT upper FROM bounds WHERE run_id = ? AND status = 'optimal' ORDER BY upper LIMIT 1 OFFSET ?",
            (run_id, k - 1),
        ).fetchone()
        return math.inf if row is None else float(row[0])

    def screened_below(self, run_id: int, threshold: float) -> list[tuple[bytes, int]]:
        """Screened graphs whose lower bound does not exceed ``threshold`` (they might be among the best)."""
        return self.conn.execute(
            "SELECT graph, idx FROM bounds WHERE run_id = ? AND status = 'screened' AND estimate <= ? ORDER BY idx",
            (run_id, threshold),
        ).fetchall()

    def replace(self, run_id: int, rows: list[Row]) -> None:
        """Overwrite stored rows (screened graphs solved exactly)."""
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.executemany(
                "INSERT OR REPLACE INTO bounds (run_id, graph, idx, upper, status, message, seconds, estimate) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(run_id, *row) for row in rows],
            )

    def top(self, run_id: int, k: int) -> list[tuple[bytes, int, float, float | None, int, float | None]]:
        return self.conn.execute(
            "SELECT graph, idx, upper, lower, lower_checked, estimate FROM bounds "
            "WHERE run_id = ? AND status = 'optimal' ORDER BY upper, idx LIMIT ?",
            (run_id, k),
        ).fetchall()

    def tied_with(self, run_id: int, upper: float, tol: float) -> int:
        """Graphs whose ``min(estimate, upper)`` is at most ``upper + tol`` (the best tie group)."""
        (count,) = self.conn.execute(
            "SELECT COUNT(*) FROM bounds WHERE run_id = ? AND status = 'optimal' "
            "AND MIN(COALESCE(estimate, upper), upper) <= ?",
            (run_id, upper + tol),
        ).fetchone()
        return int(count)

    def set_lower(self, run_id: int, graph: bytes, lower: float | None) -> None:
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute(
                "UPDATE bounds SET lower = ?, lower_checked = 1 WHERE run_id = ? AND graph = ?", (lower, run_id, graph)
            )

    def failures(self, run_id: int, k: int) -> list[tuple[bytes, int, str, str | None]]:
        return self.conn.execute(
            "SELECT graph, idx, status, message FROM bounds WHERE run_id = ? AND status NOT IN ('optimal', 'screened') "
            "ORDER BY idx LIMIT ?",
            (run_id, k),
        ).fetchall()

"""Rate-limit counters every gunicorn worker shares without Redis: a SQLite file (a storage for
the `limits` library's moving window). In-process memory counted each worker alone (a limit of
120 a minute let 240 through two workers) and forgot everything when a worker restarted; the
file is shared by every process of the machine and outlives them.

With TRACE_REDIS_URL set, Redis holds the counters instead (several machines share it).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from limits.storage import MovingWindowSupport, Storage
from sqlalchemy.engine import make_url

from trace import storage

BUSY_TIMEOUT_SECONDS = 2.0
# Rows older than this are removed now and then, whatever their key (the longest window used).
KEEP_SECONDS = 24 * 3600


def rate_file(config: Mapping[str, Any]) -> Path:
    """Beside a SQLite database (each database its own counters), else instance/ratelimits.db."""
    url = make_url(str(config["DATABASE_URL"]))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        return database.with_name(f"{database.stem}-ratelimits.db")
    folder = storage.instance_dir(config)  # the app's own folder: made if missing
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "ratelimits.db"


class SQLiteRateStorage(Storage, MovingWindowSupport):
    """`limits` storage in a SQLite file: one row per counted request, per key."""

    STORAGE_SCHEME = ["trace-sqlite"]  # noqa: RUF012  (the limits library's own attribute)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **_: Any) -> None:
        path = (uri or "trace-sqlite:///instance/ratelimits.db").split("://", 1)[1]
        self.path = Path(path)  # opened on first use: building the app creates no file
        self._local = threading.local()
        self._pruned_at = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions)

    # -- connections: one per thread, transactions that take the write lock at once ------------

    def _connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_SECONDS, isolation_level=None
            )
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")  # counters, not records
            connection.execute("CREATE TABLE IF NOT EXISTS hits (key TEXT NOT NULL, at REAL)")
            connection.execute("CREATE INDEX IF NOT EXISTS hits_key_at ON hits (key, at)")
            connection.execute(
                "CREATE TABLE IF NOT EXISTS counters "
                "(key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires_at REAL NOT NULL)"
            )
            self._local.connection = connection
        return connection

    def _transaction(self) -> _Transaction:
        return _Transaction(self._connection())

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    # -- moving window -----------------------------------------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        with self._transaction() as connection:
            self._prune(connection, now)
            connection.execute("DELETE FROM hits WHERE key = ? AND at < ?", (key, now - expiry))
            (count,) = connection.execute(
                "SELECT count(*) FROM hits WHERE key = ?", (key,)
            ).fetchone()
            if count + amount > limit:
                return False
            connection.executemany("INSERT INTO hits VALUES (?, ?)", [(key, now)] * amount)
            return True

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        now = time.time()
        oldest, count = (
            self._connection()
            .execute(
                "SELECT min(at), count(*) FROM hits WHERE key = ? AND at >= ?",
                (key, now - expiry),
            )
            .fetchone()
        )
        return (oldest if oldest is not None else now), int(count)

    # -- fixed window (the Storage interface; the service uses the moving window) -------------

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = time.time()
        with self._transaction() as connection:
            connection.execute("DELETE FROM counters WHERE key = ? AND expires_at <= ?", (key, now))
            connection.execute(
                "INSERT INTO counters VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = value + excluded.value",
                (key, amount, now + expiry),
            )
            (value,) = connection.execute(
                "SELECT value FROM counters WHERE key = ?", (key,)
            ).fetchone()
            return int(value)

    def get(self, key: str) -> int:
        row = (
            self._connection()
            .execute(
                "SELECT value FROM counters WHERE key = ? AND expires_at > ?", (key, time.time())
            )
            .fetchone()
        )
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = (
            self._connection()
            .execute("SELECT expires_at FROM counters WHERE key = ?", (key,))
            .fetchone()
        )
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
            return True
        except sqlite3.Error:
            return False

    def reset(self) -> int | None:
        with self._transaction() as connection:
            removed = connection.execute("DELETE FROM hits").rowcount
            removed += connection.execute("DELETE FROM counters").rowcount
        return removed

    def clear(self, key: str) -> None:
        with self._transaction() as connection:
            connection.execute("DELETE FROM hits WHERE key = ?", (key,))
            connection.execute("DELETE FROM counters WHERE key = ?", (key,))

    def _prune(self, connection: sqlite3.Connection, now: float) -> None:
        """Now and then, rows of keys no longer counted (a client gone) go."""
        if now - self._pruned_at > 60:
            self._pruned_at = now
            connection.execute("DELETE FROM hits WHERE at < ?", (now - KEEP_SECONDS,))
            connection.execute("DELETE FROM counters WHERE expires_at < ?", (now,))


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): a count and its insert are one step."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        self.connection.execute("BEGIN IMMEDIATE")
        return self.connection

    def __exit__(self, kind: Any, _value: Any, _traceback: Any) -> None:
        self.connection.execute("ROLLBACK" if kind else "COMMIT")

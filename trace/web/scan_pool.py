"""The scan log's own connection pool: the public scan page's one write, kept off the ORM.

On PostgreSQL a scan is one statement (trace.services.scans), atomic by itself; its pool holds
connections in autocommit mode, so a scan costs one round trip and no BEGIN or COMMIT.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine, create_engine

from trace.services import scans
from trace.web.database import EXTENSION_KEY, db

SCAN_ENGINE_KEY = "trace.scan_engine"
SCAN_POOL_NAME = "trace-scans"


def init_app(app: Flask) -> None:
    """On PostgreSQL, scans get a pool of their own whose connections are in autocommit mode: the
    scan is one statement (trace.services.scans), atomic by itself, so it needs no BEGIN and no
    COMMIT round trip. Creating an engine opens no connection."""
    url = str(app.config["DATABASE_URL"])
    if url.startswith("postgresql"):
        app.extensions[SCAN_ENGINE_KEY] = create_engine(
            url,
            isolation_level="AUTOCOMMIT",
            # No ping per checkout (a round trip per scan); a connection the server has dropped
            # is replaced on first use instead (record_scan).
            pool_pre_ping=False,
            connect_args={"application_name": SCAN_POOL_NAME},  # visible in pg_stat_activity
            pool_size=10,
            max_overflow=20,
            echo=bool(app.config["SQL_ECHO"]),
        )


def record_scan(**arguments: Any) -> scans.ScanOutcome:
    """Record one scan (trace.services.scans.record_scan) and commit it.

    Served for real, the session factory is bound to the engine: the scan then takes a connection
    straight from a pool, without an ORM session (measurably cheaper on the hot path), on
    PostgreSQL from the autocommit pool. In the tests the factory is bound to the test's
    connection, and the scan goes through the request's session, whose commit there only releases
    a SAVEPOINT.
    """
    bind = current_app.extensions[EXTENSION_KEY].kw.get("bind")
    if not isinstance(bind, Engine):
        session = db()
        outcome = scans.record_scan(session.connection(), **arguments)
        session.commit()
        return outcome
    scan_engine: Engine | None = current_app.extensions.get(SCAN_ENGINE_KEY)
    if scan_engine is None:
        with bind.begin() as connection:
            return scans.record_scan(connection, **arguments)
    try:
        return _record_on_pool(scan_engine, arguments)
    except _Disconnected:
        # A pooled connection that the server closed (a restart, an idle timeout) fails when the
        # statement is sent, so the scan was not recorded: drop the pool, whose other connections
        # are as dead, and try once more on a new one. (Only a server that dies after committing
        # and before answering could make this count one scan twice.)
        scan_engine.dispose()
    return _record_on_pool(scan_engine, arguments)


class _Disconnected(Exception):
    """The pooled connection was dead: the scan was not recorded and may be tried again."""


def _record_on_pool(scan_engine: Engine, arguments: dict[str, Any]) -> scans.ScanOutcome:
    """The scan on a driver connection of the autocommit pool (no ORM, no SQLAlchemy statement
    machinery: on the hot path they cost more than the statement's round trip)."""
    pooled = scan_engine.raw_connection()
    try:
        return scans.record_scan_dbapi(pooled.driver_connection, **arguments)
    except scan_engine.dialect.loaded_dbapi.Error as exc:
        if scan_engine.dialect.is_disconnect(exc, pooled.dbapi_connection, None):
            pooled.invalidate(exc)
            raise _Disconnected() from exc
        raise
    finally:
        pooled.close()  # back to the pool (or gone, if invalidated)

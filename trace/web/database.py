"""The request's database session: opened on first use, closed (rolled back if open) at teardown."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from flask import Flask, current_app, g, has_request_context, request, stream_with_context
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from trace.db import is_busy, make_engine, make_sessionmaker, reading_session

V = TypeVar("V")

EXTENSION_KEY = "trace.sessionmaker"
READ_ENGINE_KEY = "trace.read_engine"
READ_EXTENSION_KEY = "trace.read_sessionmaker"
REPLICA_SAFE = "replica_safe"  # the attribute replica_safe() sets on a view


# Requests that should only read. On SQLite their transactions begin DEFERRED and hold no lock
# (a long download never blocks writers); the others begin IMMEDIATE (trace.db).
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], echo=app.config["SQL_ECHO"])
    app.extensions["trace.engine"] = engine
    app.extensions[EXTENSION_KEY] = make_sessionmaker(engine)
    replica = app.config.get("READ_DATABASE_URL")
    if replica:  # creating an engine opens no connection
        read_engine = make_engine(str(replica), echo=app.config["SQL_ECHO"])
        app.extensions[READ_ENGINE_KEY] = read_engine
        app.extensions[READ_EXTENSION_KEY] = make_sessionmaker(read_engine)
    app.teardown_appcontext(_close_session)
    _retry_busy_reads_as_writes(app)


def replica_safe(view: V) -> V:
    """Mark a view that only reads and may show data a second old (a public page, a regulator's
    search): with TRACE_READ_DATABASE_URL set, its GET reads from that replica. Never for a view
    that writes, or reads in order to write (the scan page logs the scan; a form that validates
    against what it reads): a lagging replica would decide on old rows."""
    setattr(view, REPLICA_SAFE, True)
    return view


def db() -> Session:
    """This request's session; views commit it once, at the end of a write."""
    if "db_session" not in g:
        factory = current_app.extensions[EXTENSION_KEY]
        reads = has_request_context() and request.method in READING_METHODS
        if reads and not g.get("db_writes"):
            g.db_session = reading_session(_replica_factory() or factory)
        else:
            g.db_session = factory()
    session: Session = g.db_session
    return session


def _replica_factory() -> Any:
    """The replica's sessions, if there is one and this request's view is replica_safe."""
    factory = current_app.extensions.get(READ_EXTENSION_KEY)
    if factory is None or request.endpoint is None:
        return None
    view = current_app.view_functions.get(request.endpoint)
    return factory if getattr(view, REPLICA_SAFE, False) else None


def _retry_busy_reads_as_writes(app: Flask) -> None:
    """A GET that writes after reading (a first visit's record, a cache fill) may find SQLite's
    write lock taken and fail at once with SQLITE_BUSY: its deferred transaction cannot wait.
    It is then run once more as a writer, whose transaction waits for the lock up front."""
    dispatch = app.dispatch_request

    def dispatch_request() -> Any:
        try:
            return dispatch()
        except OperationalError as exc:
            if not is_busy(exc) or request.method not in READING_METHODS or g.get("db_writes"):
                raise
            session = g.pop("db_session", None)
            if session is not None:
                session.close()
            g.db_writes = True
            return dispatch()

    app.dispatch_request = dispatch_request  # type: ignore[method-assign]


def rollback() -> None:
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def _close_session(_exc: Any) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


def streamed_body(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """A response body that reads the database while it is sent (exports, label PDFs).

    The server reads such a body after the view has returned, and so after the teardown above has
    closed the request's session: the body's reads then begin a new transaction in that session,
    which nothing would end (a pooled connection held until garbage collection; in the tests, a
    SAVEPOINT left open). So the body closes the session itself when it ends or when the client
    goes away (the server closes the body then). A body never read holds nothing.
    """
    session = db()

    def body() -> Iterator[bytes]:
        try:
            yield from chunks
        finally:
            session.close()

    return stream_with_context(body())

"""The request's database session: opened on first use, closed (rolled back if open) at teardown."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, current_app, g, has_request_context, request, stream_with_context
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from trace.db import is_busy, make_engine, make_sessionmaker, reading_session

EXTENSION_KEY = "trace.sessionmaker"


# Requests that should only read. On SQLite their transactions begin DEFERRED and hold no lock
# (a long download never blocks writers); the others begin IMMEDIATE (trace.db).
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], echo=app.config["SQL_ECHO"])
    app.extensions["trace.engine"] = engine
    app.extensions[EXTENSION_KEY] = make_sessionmaker(engine)
    app.teardown_appcontext(_close_session)
    _retry_busy_reads_as_writes(app)


def db() -> Session:
    """This request's session; views commit it once, at the end of a write."""
    if "db_session" not in g:
        factory = current_app.extensions[EXTENSION_KEY]
        reads = has_request_context() and request.method in READING_METHODS
        if reads and not g.get("db_writes"):
            g.db_session = reading_session(factory)
        else:
            g.db_session = factory()
    session: Session = g.db_session
    return session


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

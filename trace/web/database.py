"""The request's database session: opened on first use, closed (rolled back if open) at teardown."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import Flask, current_app, g, stream_with_context
from sqlalchemy.orm import Session

from trace.db import make_engine, make_sessionmaker

EXTENSION_KEY = "trace.sessionmaker"


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"], echo=app.config["SQL_ECHO"])
    app.extensions["trace.engine"] = engine
    app.extensions[EXTENSION_KEY] = make_sessionmaker(engine)
    app.teardown_appcontext(_close_session)


def db() -> Session:
    """This request's session; views commit it once, at the end of a write."""
    if "db_session" not in g:
        g.db_session = current_app.extensions[EXTENSION_KEY]()
    session: Session = g.db_session
    return session


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

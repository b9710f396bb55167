"""The request's database session: opened on first use, closed (rolled back if open) at teardown."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, g
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

"""Fixtures: one schema per run (Alembic to head), one rolled-back transaction per test.

The suite runs on SQLite by default and on PostgreSQL when TRACE_TEST_DATABASE_URL is set.
With TRACE_TEST_DB_ONLY=1 only tests that touch the database are collected (the PostgreSQL pass).
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from werkzeug.security import generate_password_hash

from bench.pgdb import TEST_PREFIX, scratch_schema
from tests import needs
from trace import clock, create_app
from trace.cli import alembic_config
from trace.db import make_engine
from trace.models.users import Role, User
from trace.services.users import issue_token
from trace.web.database import EXTENSION_KEY

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("TRACE_SHARED_DIR", ROOT.parent / "shared"))
TEST_PASSWORD = "correct-horse-battery"
# Hashed once: scrypt is deliberately slow, and tests create many users.
TEST_PASSWORD_HASH = generate_password_hash(TEST_PASSWORD, method="scrypt")
SANTAI = "532326208"
JINBI = "532326101"


# Path of a system tool; skip without it, except under CI=true where its absence fails.
require_tool = needs.tool


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("TRACE_TEST_DB_ONLY") != "1":
        return
    keep = [
        item
        for item in items
        if {"engine", "database_url"} & set(getattr(item, "fixturenames", ()))
    ]
    config.hook.pytest_deselected(items=[i for i in items if i not in keep])
    items[:] = keep


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A new SQLite file, or on PostgreSQL a new schema `trace_test_<random>` in the database
    TRACE_TEST_DATABASE_URL names (first on the search path), dropped at the end. Nothing else
    in that database is touched: not `public`, not another run's schema (bench/pgdb.py)."""
    url = os.environ.get("TRACE_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    with scratch_schema(url, prefix=TEST_PREFIX) as own:
        yield own


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    config = alembic_config(database_url)
    config.attributes["configure_logger"] = False
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
    yield engine
    engine.dispose()


class ServerLikeClient(FlaskClient):
    """Reads each answer whole and closes it, as a WSGI server does: a streamed body (an export,
    a label PDF) ends, and closes what it holds, before the test goes on. Unread bodies closed
    later by the garbage collector would roll back inside a test transaction already gone."""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key-not-for-production",
            "PUBLIC_HOST": "trace.test",
            # Keys, uploads and archives the tests make stay out of the checkout's instance/.
            "INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")),
            "TESTING": True,
            # One app serves the whole suite from one address; tests/security turns limits on.
            "RATE_LIMITS_ENABLED": False,
        }
    )
    app.test_client_class = ServerLikeClient
    return app


@pytest.fixture()
def db_session(app: Flask, engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test; the app's requests
    share its connection, and their commits only release SAVEPOINTs."""
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    original = app.extensions[EXTENSION_KEY]
    app.extensions[EXTENSION_KEY] = factory
    session = factory()
    try:
        yield session
    finally:
        session.close()
        app.extensions[EXTENSION_KEY] = original
        outer.rollback()
        connection.close()


@pytest.fixture()
def client(app: Flask, db_session: Session) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def make_user(db_session: Session) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def make(role: Role | str, township_code: str | None = None, **extra: Any) -> User:
        role = Role(role)
        if role is Role.STATION and township_code is None:
            township_code = SANTAI
        user = User(
            email=f"{role.value}{next(counter)}@test.example.cn",
            name=f"测试{role.value}",
            role=role,
            township_code=township_code,
            password_hash=TEST_PASSWORD_HASH,
            **extra,
        )
        db_session.add(user)
        db_session.flush()
        return user

    return make


@pytest.fixture()
def as_role(db_session: Session, make_user: Callable[..., User]) -> Callable[..., dict[str, str]]:
    """Headers authenticating as a new user of `role`: `client.get(url, headers=as_role("qc"))`."""
    import datetime as dt

    def headers(role: Role | str, township_code: str | None = None) -> dict[str, str]:
        user = make_user(role, township_code)
        plain, _token = issue_token(db_session, user, dt.timedelta(hours=1))
        db_session.flush()
        return {"Authorization": f"Bearer {plain}"}

    return headers


@pytest.fixture()
def scratch_url(database_url: str) -> Iterator[str]:
    """A schema of its own on PostgreSQL, for tests whose workers (processes, threads) commit:
    nothing may leak into the schema the other tests roll back in."""
    if not database_url.startswith("postgresql"):
        pytest.skip("work committed from several connections is tested on PostgreSQL")
    with scratch_schema(database_url, "committed") as url:
        config = alembic_config(url)
        config.attributes["configure_logger"] = False
        command.upgrade(config, "heads")
        yield url


# Moments at which the county's date (UTC+8) and the UTC date differ, or a day, month or year
# turns in Dayao. A test that depends on "today" pins the clock to each of them instead of
# reading the machine's date, so it cannot pass at noon and fail after 16:00 UTC or on the 1st.
DAYAO_MOMENTS = {
    "midday": dt.datetime(2026, 12, 15, 4, 0, tzinfo=dt.UTC),  # 12:00 on 15 December
    "year-last-minute": dt.datetime(2026, 12, 31, 15, 59, 30, tzinfo=dt.UTC),  # 23:59:30, 31 Dec
    "year-first-minute": dt.datetime(2026, 12, 31, 16, 0, 30, tzinfo=dt.UTC),  # 00:00:30, 1 Jan
    "march-first": dt.datetime(2027, 2, 28, 16, 30, tzinfo=dt.UTC),  # 00:30 on 1 March in Dayao
}


@pytest.fixture(params=sorted(DAYAO_MOMENTS))
def dayao_clock(request: pytest.FixtureRequest) -> Iterator[dt.datetime]:
    """The service's clock stopped at each of DAYAO_MOMENTS in turn (the test runs once each)."""
    moment = DAYAO_MOMENTS[request.param]
    with clock.pinned(moment):
        yield moment


@pytest.fixture()
def midnight_clock() -> Iterator[dt.datetime]:
    """The clock stopped just after midnight on 1 January in Dayao (still 31 December in UTC):
    one pinned moment for slower tests."""
    moment = DAYAO_MOMENTS["year-first-minute"]
    with clock.pinned(moment):
        yield moment

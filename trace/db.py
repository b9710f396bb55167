"""Declarative base, column types and the engine/session factory each app owns."""

from __future__ import annotations

import datetime as dt
import enum
import re
import sqlite3
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, String, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from trace.clock import utcnow as utcnow  # the one clock, re-exported for models' defaults

# Stable constraint names let Alembic autogenerate and drop constraints on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# The monthly and DEFAULT partitions of the partitioned logs (PostgreSQL, migration 0019;
# trace.services.partitions): tables the models do not describe, which schema comparisons skip.
_PARTITION = re.compile(r"^(scans|audit_entries)_(p\d{6}|default)$")


def is_partition_name(name: str | None) -> bool:
    """A monthly or DEFAULT partition of a partitioned log."""
    return bool(name and _PARTITION.match(name))


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    """Alembic's include_name hook: compare everything but the logs' partitions."""
    return not (type_ == "table" and is_partition_name(name))


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend; naive values are refused, never guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a timezone-aware one is required")
        value = value.astimezone(dt.UTC)
        # SQLite stores text; keep it naive-UTC there so comparisons sort correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class StrEnumType(TypeDecorator[enum.Enum]):
    """Stores a Python enum by value in a VARCHAR, so adding a member needs no ALTER TYPE."""

    impl = String(32)
    cache_ok = True

    def __init__(self, enum_class: type[enum.Enum], length: int = 32) -> None:
        super().__init__()
        self.impl = String(length)
        self.enum_class = enum_class

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return self.enum_class(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else self.enum_class(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Execution option choosing how a SQLite transaction begins; PostgreSQL ignores it.
SQLITE_BEGIN = "trace_sqlite_begin"
# How long a SQLite connection waits for another's write lock before SQLITE_BUSY (milliseconds).
SQLITE_BUSY_TIMEOUT_MS = 5000


def make_engine(url: str, echo: bool = False) -> Engine:
    """Create the engine; SQLite gets foreign keys, WAL, and write transactions that take the
    write lock when they begin (see reading() for the read-only ones)."""
    if url.startswith("sqlite"):
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


def reading(engine: Engine) -> Engine:
    """The engine for transactions that only read: on SQLite they begin DEFERRED, take no
    lock, and never wait for a writer (WAL). A write in such a transaction may fail at once
    with SQLITE_BUSY (is_busy); the caller then redoes the work on the writing engine."""
    return engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"})


def is_busy(exc: BaseException) -> bool:
    """True for SQLite's "database is locked" (SQLITE_BUSY): another connection holds the
    write lock, or a read transaction could not become a write transaction."""
    if isinstance(exc, DBAPIError):
        exc = exc.orig or exc
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return bool(code & 0xFF == sqlite3.SQLITE_BUSY or code & 0xFF == sqlite3.SQLITE_LOCKED)
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def _configure_sqlite(engine: Engine) -> None:
    # SQLAlchemy's documented pysqlite recipe: let SQLAlchemy emit BEGIN itself so SAVEPOINTs work,
    # and switch on foreign keys, which SQLite leaves off by default.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    # A deferred BEGIN that reads and then writes cannot wait for the write lock in WAL mode:
    # SQLite refuses the upgrade at once ("database is locked") when another connection wrote
    # meanwhile. So transactions begin IMMEDIATE, taking the write lock up front (waiting for
    # it up to busy_timeout), unless they were opened on reading(engine).
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")
        statement = "BEGIN" if mode == "DEFERRED" else "BEGIN IMMEDIATE"
        try:
            connection.exec_driver_sql(statement)
        except OperationalError as exc:
            if not is_busy(exc):
                raise
            # The bounded wait ran out (a long write elsewhere): one more wait, then the error
            # goes up and the web layer answers 503 with Retry-After.
            connection.exec_driver_sql(statement)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


def reading_session(factory: sessionmaker[Session]) -> Session:
    """A session from `factory` for work that only reads (a long PDF or export): on SQLite it
    holds no write lock while it works. Bound to a connection (the tests), it is as `factory`'s."""
    bind = factory.kw.get("bind")
    if isinstance(bind, Engine):
        return factory(bind=reading(bind))
    return factory()

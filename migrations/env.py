"""Alembic environment: imports the models' metadata, never builds the Flask app."""

from __future__ import annotations

from logging.config import fileConfig
from typing import Any

import sqlalchemy as sa
from alembic import context
from sqlalchemy import Connection
from sqlalchemy.types import TypeDecorator

import trace.models  # noqa: F401  (registers every table on Base.metadata)
from trace.config import load_settings
from trace.db import Base, include_name, make_engine

config = context.config
if config.config_file_name and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    return url or str(load_settings()["DATABASE_URL"])


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our column types as their plain SQL types, so migrations never import app code."""
    if type_ == "type" and isinstance(obj, sa.JSON):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    if type_ == "type" and isinstance(obj, TypeDecorator):
        impl = obj.impl_instance
        if isinstance(impl, sa.DateTime):
            return "sa.DateTime(timezone=True)"
        if isinstance(impl, sa.String):
            return f"sa.String(length={impl.length})"
    return False


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
        compare_type=True,
        include_name=include_name,  # the partitions of the partitioned logs (migration 0019)
        render_item=_render_item,
    )


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # tests pass their own connection
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    with engine.connect() as connection:
        foreign_keys_off(connection)
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
            check_foreign_keys(connection)
    engine.dispose()


def foreign_keys_off(connection: Connection) -> None:
    """SQLite: batch mode rebuilds a table (create, copy, drop, rename), and with foreign keys
    on, dropping a table other rows refer to fails. SQLite's documented procedure: keys off
    before the transaction (the pragma is ignored inside one), checked at its end."""
    if connection.dialect.name == "sqlite" and not connection.in_transaction():
        connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]


def check_foreign_keys(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").first()
        if broken is not None:
            raise RuntimeError(f"migration left a broken foreign key: {tuple(broken)}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()

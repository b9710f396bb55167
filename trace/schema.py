"""The database schema's revision: Alembic's configuration, whether a database is at the head,
and what a downgrade would destroy. No Flask: the CLI, wsgi.py and /healthz call these."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, func, inspect, select, table
from sqlalchemy.sql import column

from trace.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
VERSION_TABLE = "alembic_version"


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@functools.cache
def head_revisions() -> frozenset[str]:
    """The revisions of the migration files' head(s): what the code expects."""
    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


@dataclass(frozen=True)
class SchemaState:
    current: frozenset[str]  # the database's revision(s); empty: never migrated
    heads: frozenset[str]

    @property
    def at_head(self) -> bool:
        return self.current == self.heads

    @property
    def revision(self) -> str:
        return ",".join(sorted(self.current)) or "none"

    def problem(self) -> str:
        """A sentence for a person starting the service; empty when at head."""
        if self.at_head:
            return ""
        head = ",".join(sorted(self.heads))
        if not self.current:
            return (
                f"the database has no schema (expected revision {head}): "
                "run `flask --app trace db upgrade` first"
            )
        unknown = self.current - _known_revisions()
        if unknown:
            return (
                f"the database is at revision {self.revision}, which this code does not know "
                f"(its head is {head}): deploy the newer code, or downgrade with the newer code"
            )
        return (
            f"the database is at revision {self.revision}, behind this code's head {head}: "
            "run `flask --app trace db upgrade` first"
        )


def schema_state(connection: Connection) -> SchemaState:
    context = MigrationContext.configure(connection)
    return SchemaState(frozenset(context.get_current_heads()), head_revisions())


def check_engine(engine: Engine) -> SchemaState:
    with engine.connect() as connection:
        return schema_state(connection)


@functools.cache
def _known_revisions() -> frozenset[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return frozenset(revision.revision for revision in script.walk_revisions())


# -- downgrades ----------------------------------------------------------------------------------


def downgrade_losses(url: str, revision: str) -> list[str]:
    """What `db downgrade REVISION` would destroy: each dropped table or column that holds data,
    with its count. The downgrade is tried inside a transaction that is rolled back (both
    SQLite and PostgreSQL roll back DDL), then the data it would drop is counted."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            before = _structure(connection)
            connection.rollback()
            if connection.dialect.name == "sqlite":  # as migrations/env.py does
                connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            trial = connection.begin()
            try:
                config = alembic_config(url)
                config.attributes["configure_logger"] = False
                config.attributes["connection"] = connection
                command.downgrade(config, revision)
                after = _structure(connection)
            finally:
                trial.rollback()
                if connection.dialect.name == "sqlite":
                    connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
            return _count_losses(connection, before, after)
    finally:
        engine.dispose()


def _structure(connection: Connection) -> dict[str, set[str]]:
    inspector = inspect(connection)
    return {
        name: {c["name"] for c in inspector.get_columns(name)}
        for name in inspector.get_table_names()
        if name != VERSION_TABLE
    }


def _count_losses(
    connection: Connection, before: dict[str, set[str]], after: dict[str, set[str]]
) -> list[str]:
    losses = []
    for name in sorted(before):
        if name not in after:
            rows = connection.scalar(select(func.count()).select_from(table(name)))
            if rows:
                losses.append(f"table {name}: {rows} rows")
            continue
        for gone in sorted(before[name] - after[name]):
            values = connection.scalar(
                select(func.count(column(gone))).select_from(table(name, column(gone)))
            )
            if values:
                losses.append(f"column {name}.{gone}: {values} values")
    connection.rollback()
    return losses

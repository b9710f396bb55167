"""Databases and schemas a benchmark or a test fixture makes for itself, and may therefore drop.

A benchmark pointed by mistake at a real database (an operator running `make bench` with
production settings in the environment) must not erase it, and neither may a test run. So nothing
here ever drops what the caller names: each run CREATEs a database or schema under a fresh name,
a fixed prefix plus a random part (`trace_bench_scan_3f9a1c2e`, `trace_test_5b0e77d1`), and drops
only a name that

- carries one of the prefixes below, and
- was created by this very process (CREATE fails on an existing name, so an existing database or
  schema is never adopted).

Anything else is refused with UnsafeDropError. The URL a caller passes names only the server (and,
for schemas, the database to make the schema in); its database is never dropped or emptied.

    with scratch_database(server_url, "scan") as url:      # a new database, dropped afterwards
        ...
    with scratch_schema(database_url, TEST_PREFIX) as url:  # a new schema, first on search_path
        ...
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

BENCH_PREFIX = "trace_bench_"
TEST_PREFIX = "trace_test_"
PREFIXES = (BENCH_PREFIX, TEST_PREFIX)
MAINTENANCE_DATABASE = "postgres"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

# (kind, server or database, name) of everything this process created and has not dropped yet.
_created: set[tuple[str, str, str]] = set()


class UnsafeDropError(RuntimeError):
    """A drop of something this process did not create, or whose name lacks our prefix."""


def new_name(prefix: str, purpose: str = "") -> str:
    """`prefix` + `purpose_` + 8 random hex digits; a valid unquoted PostgreSQL identifier."""
    if prefix not in PREFIXES:
        raise ValueError(f"prefix must be one of {PREFIXES}, not {prefix!r}")
    name = f"{prefix}{purpose + '_' if purpose else ''}{secrets.token_hex(4)}"
    if not _NAME.match(name):
        raise ValueError(f"not a plain identifier: {name!r}")
    return name


def _server(url: str) -> str:
    parsed = make_url(url)
    return f"{parsed.host}:{parsed.port or 5432}"


def _admin(url: str, database: str | None = None) -> Engine:
    target = make_url(url)
    if database is not None:
        target = target.set(database=database)
    # The caller's search_path option (a test schema) must not follow the admin connection.
    query = {k: v for k, v in target.query.items() if k != "options"}
    return create_engine(target.set(query=query), isolation_level="AUTOCOMMIT")


def _check_droppable(kind: str, where: str, name: str) -> None:
    if not name.startswith(PREFIXES) or not _NAME.match(name):
        raise UnsafeDropError(
            f"refusing to drop {kind} {name!r}: only {' or '.join(PREFIXES)}* names are dropped"
        )
    if (kind, where, name) not in _created:
        raise UnsafeDropError(f"refusing to drop {kind} {name!r}: this process did not create it")


# Databases ------------------------------------------------------------------------------------


def create_database(server_url: str, purpose: str = "", prefix: str = BENCH_PREFIX) -> str:
    """Create a new database on `server_url`'s server; the URL of that database."""
    name = new_name(prefix, purpose)
    engine = _admin(server_url, MAINTENANCE_DATABASE)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))  # fails if it exists
    finally:
        engine.dispose()
    _created.add(("database", _server(server_url), name))
    url = make_url(server_url).set(database=name)
    query = {k: v for k, v in url.query.items() if k != "options"}
    return url.set(query=query).render_as_string(hide_password=False)


def drop_database(url: str) -> None:
    """Drop the database `url` names, if this process created it under our prefix; else refuse."""
    name = make_url(url).database or ""
    where = _server(url)
    _check_droppable("database", where, name)
    engine = _admin(url, MAINTENANCE_DATABASE)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()
    _created.discard(("database", where, name))


@contextmanager
def scratch_database(server_url: str, purpose: str = "", keep: bool = False) -> Iterator[str]:
    """A new `trace_bench_<purpose>_<random>` database for the block; dropped after it unless
    `keep` (then its name is printed so that it can be dropped by hand)."""
    url = create_database(server_url, purpose)
    try:
        yield url
    finally:
        if keep:
            print(f"kept database {make_url(url).database}")
        else:
            drop_database(url)


# Schemas --------------------------------------------------------------------------------------


def schema_url(database_url: str, schema: str) -> str:
    """The same database with `schema` alone on the search path."""
    return (
        make_url(database_url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


def _database_key(url: str) -> str:
    return f"{_server(url)}/{make_url(url).database}"


def create_schema(database_url: str, purpose: str = "", prefix: str = TEST_PREFIX) -> str:
    """Create a new schema in `database_url`'s database; a URL with it on the search path."""
    name = new_name(prefix, purpose)
    engine = _admin(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{name}"'))  # fails if it exists
    finally:
        engine.dispose()
    _created.add(("schema", _database_key(database_url), name))
    return schema_url(database_url, name)


def schema_of(url: str) -> str:
    options = make_url(url).query.get("options", "")
    found = re.search(r"-csearch_path=(\w+)", options if isinstance(options, str) else "")
    return found.group(1) if found else ""


def drop_schema(url: str) -> None:
    """Drop the schema on `url`'s search path, if this process created it under our prefix."""
    name = schema_of(url)
    where = _database_key(url)
    _check_droppable("schema", where, name)
    engine = _admin(url)
    try:
        with engine.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    finally:
        engine.dispose()
    _created.discard(("schema", where, name))


@contextmanager
def scratch_schema(
    database_url: str, purpose: str = "", prefix: str = TEST_PREFIX
) -> Iterator[str]:
    """A new schema for the block (URL with it on the search path); dropped after it."""
    url = create_schema(database_url, purpose, prefix)
    try:
        yield url
    finally:
        drop_schema(url)

"""Benchmarks' own PostgreSQL database: created when missing, dropped afterwards if we made it."""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def _admin(url: str):  # type: ignore[no-untyped-def]
    maintenance = make_url(url).set(database="postgres")
    return create_engine(maintenance, isolation_level="AUTOCOMMIT")


def create_database(url: str) -> bool:
    """Create the URL's database unless it exists; True when this call created it."""
    name = make_url(url).database
    engine = _admin(url)
    with engine.connect() as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return not exists


def drop_database(url: str) -> None:
    name = make_url(url).database
    engine = _admin(url)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()

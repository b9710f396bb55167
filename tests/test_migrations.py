"""Migrations: an empty database upgrades to head, matches the models, and downgrades to base."""

from __future__ import annotations

import csv

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

import trace.models  # noqa: F401
from bench.pgdb import scratch_schema
from tests.conftest import SHARED
from trace.cli import alembic_config
from trace.db import Base, include_name, make_engine
from trace.models.regions import Township


@pytest.fixture()
def scratch_url(database_url, tmp_path):
    """A database of its own: a new SQLite file, or a new schema on PostgreSQL."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    with scratch_schema(database_url, "migrations") as url:
        yield url


def test_upgrade_matches_models_then_downgrades(scratch_url):
    config = alembic_config(scratch_url)
    config.attributes["configure_logger"] = False
    command.upgrade(config, "heads")
    engine = make_engine(scratch_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": include_name}
        )
        assert compare_metadata(context, Base.metadata) == []
        assert connection.scalar(select(Township.code).limit(1)) is not None
    command.downgrade(config, "base")
    remaining = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    assert remaining == set()


def test_seeded_townships_match_the_official_list(db_session):
    with (SHARED / "data" / "dayao_townships.csv").open(encoding="utf-8") as handle:
        official = {row["code"]: row["name_zh"] for row in csv.DictReader(handle)}
    stored = {t.code: t.name_zh for t in db_session.scalars(select(Township))}
    assert stored == official
    assert len(stored) == 12


def test_migration_files_are_named_in_chain_order():
    """`ls migrations/versions` lists the migrations in the order they are applied, so the next
    person reads the schema's history top to bottom (and a new file sorts after the head)."""
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    chain = [s.revision for s in reversed(list(scripts.walk_revisions()))]
    by_name = sorted(scripts.walk_revisions(), key=lambda s: s.path.rsplit("/", 1)[-1])
    assert [s.revision for s in by_name] == chain

"""Benchmarks and fixtures drop only what they created under their prefix (bench/pgdb.py).

Pointed by mistake at a real database, `make bench` or `make test` must leave it as it was: they
work in new `trace_bench_*` / `trace_test_*` databases or schemas and refuse any other drop.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench import pgdb
from tests.conftest import ROOT, require_tool


@pytest.fixture()
def server_url(database_url: str) -> str:
    if not database_url.startswith("postgresql"):
        pytest.skip("databases and schemas of their own are PostgreSQL's (SQLite: a new file)")
    return database_url


def _admin(url: str):  # type: ignore[no-untyped-def]
    return create_engine(
        make_url(url).set(database="postgres", query={}), isolation_level="AUTOCOMMIT"
    )


def _databases(url: str) -> set[str]:
    engine = _admin(url)
    with engine.connect() as connection:
        names = set(connection.scalars(text("SELECT datname FROM pg_database")))
    engine.dispose()
    return names


def _schemas(url: str) -> set[str]:
    engine = create_engine(make_url(url).set(query={}))
    with engine.connect() as connection:
        names = set(connection.scalars(text("SELECT nspname FROM pg_namespace")))
    engine.dispose()
    return names


def test_the_suite_runs_in_a_schema_of_its_own(server_url):
    schema = pgdb.schema_of(server_url)
    assert re.fullmatch(r"trace_test_[0-9a-f]{8}", schema), server_url
    assert "public" in _schemas(server_url)  # the database's own schema is left alone


def test_a_new_database_is_created_and_dropped(server_url):
    url = pgdb.create_database(server_url, "safety")
    name = make_url(url).database
    assert re.fullmatch(r"trace_bench_safety_[0-9a-f]{8}", name or "")
    assert name in _databases(server_url)
    pgdb.drop_database(url)
    assert name not in _databases(server_url)


def test_a_database_without_the_prefix_is_never_dropped(server_url):
    named = make_url(server_url).database
    for database in (named, "postgres", "template1", "production"):
        target = make_url(server_url).set(database=database).render_as_string(False)
        with pytest.raises(pgdb.UnsafeDropError, match="only trace_bench_"):
            pgdb.drop_database(target)
    assert named in _databases(server_url)


def test_a_prefixed_database_this_process_did_not_create_is_not_dropped(server_url):
    name = pgdb.new_name(pgdb.BENCH_PREFIX, "other")
    engine = _admin(server_url)
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))  # as another run would have
    try:
        target = make_url(server_url).set(database=name).render_as_string(False)
        with pytest.raises(pgdb.UnsafeDropError, match="did not create it"):
            pgdb.drop_database(target)
        assert name in _databases(server_url)
    finally:
        with engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        engine.dispose()


def test_an_existing_name_is_never_adopted(server_url, monkeypatch):
    existing = make_url(server_url).database
    monkeypatch.setattr(pgdb, "new_name", lambda prefix, purpose="": existing)
    with pytest.raises(Exception, match="already exists"):
        pgdb.create_database(server_url, "adopt")
    target = make_url(server_url).set(database=existing).render_as_string(False)
    with pytest.raises(pgdb.UnsafeDropError):
        pgdb.drop_database(target)


def test_schemas_public_and_foreign_ones_are_refused(server_url):
    with pgdb.scratch_schema(server_url, "safety") as url:
        schema = pgdb.schema_of(url)
        assert schema.startswith("trace_test_safety_") and schema in _schemas(server_url)
    assert schema not in _schemas(server_url)
    for other in ("public", pgdb.new_name(pgdb.TEST_PREFIX)):
        with pytest.raises(pgdb.UnsafeDropError):
            pgdb.drop_schema(pgdb.schema_url(server_url, other))
    assert "public" in _schemas(server_url)


def test_a_benchmark_pointed_at_a_database_leaves_it_as_it_was(server_url):
    """bench_export given the suite's own schema works in a new schema beside it, drops that
    and nothing else."""
    before_schemas = _schemas(server_url)
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_export.py"), "--url", server_url,
         "--rows", "50", "--format", "csv", "--json"],
        capture_output=True, text=True, timeout=600, check=False, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert _schemas(server_url) == before_schemas  # none left behind, none dropped
    # Other runs may come and go on a shared server; this one dropped no database it was given.
    assert make_url(server_url).database in _databases(server_url)


def test_reusing_a_database_needs_the_bench_prefix(server_url):
    name = make_url(server_url).database or ""
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_trace.py"), "--url", server_url,
         "--reuse", name],
        capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode != 0 and "trace_bench_" in done.stderr
    assert name in _databases(server_url)


def test_no_other_code_drops_a_database_or_schema():
    """Every DROP DATABASE / DROP SCHEMA of the benchmarks and tests goes through bench/pgdb.py
    (this file drops only a database it made itself, in a test of the refusal)."""
    allowed = {ROOT / "bench" / "pgdb.py", ROOT / "tests" / "test_safe_databases.py"}
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("bench", "tests", "scripts", "trace")
        for path in (ROOT / folder).rglob("*.py")
        if path not in allowed
        and re.search(r"DROP\s+(DATABASE|SCHEMA)", path.read_text(encoding="utf-8"), re.I)
    ]
    assert offenders == []


def test_names_are_plain_identifiers_with_the_prefix():
    names = {pgdb.new_name(pgdb.BENCH_PREFIX, "scan") for _ in range(50)}
    assert len(names) == 50
    assert all(re.fullmatch(r"trace_bench_scan_[0-9a-f]{8}", n) for n in names)
    with pytest.raises(ValueError):
        pgdb.new_name("bench_")


def test_make_help_says_where_tests_and_benchmarks_write():
    make = require_tool("make")
    shown = subprocess.run(
        [make, "-s", "help"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout
    lines = {line.split()[1]: line for line in shown.splitlines() if line.startswith("  make ")}
    assert "trace_test_*" in lines["test"] and "nothing else" in lines["test"]
    assert "trace_bench_*" in lines["bench"] and "drops only that" in lines["bench"]


def test_a_benchmark_given_a_server_makes_and_drops_its_own_database(server_url):
    """bench_verify (small) on the suite's server: its own trace_bench_verify_* database,
    gone afterwards; the database the URL names is untouched."""
    before = _databases(server_url)
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_verify.py"), "--url", server_url,
         "--events", "200", "--per-lot", "10", "--json"],
        capture_output=True, text=True, timeout=600, check=False, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    after = _databases(server_url)
    assert make_url(server_url).database in after
    assert not {d for d in after - before if d.startswith("trace_bench_verify_")}

"""PostgreSQL refuses UPDATE, DELETE and TRUNCATE on append-only tables, whoever sends them;
the one lawful way past names its table for its own transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from trace.models.scans import Scan  # noqa: F401  (the scans table exists)

STATEMENTS = [
    "UPDATE trace_events SET location = 'x' WHERE batch_id = :id",
    "DELETE FROM trace_events WHERE batch_id = :id",
    "DELETE FROM trace_events WHERE batch_id = :id AND sequence = 4",
    "UPDATE audit_entries SET note = 'x'",
    "DELETE FROM audit_entries",
    "UPDATE scans SET verdict = 'genuine'",
    "DELETE FROM inspections",
    "TRUNCATE trace_events CASCADE",
    "TRUNCATE scans",
]


@pytest.fixture()
def on_postgres(db_session):
    if db_session.get_bind().dialect.name != "postgresql":
        pytest.skip("the triggers are PostgreSQL's; SQLite relies on the ORM guard and verify")


@pytest.mark.parametrize("statement", STATEMENTS)
def test_plain_sql_changes_are_refused(on_postgres, db_session, make_lot, statement):
    lot = make_lot()
    with pytest.raises(DBAPIError, match="append-only table"), db_session.begin_nested():
        db_session.execute(text(statement), {"id": lot.id})
    count = db_session.scalar(
        text("SELECT count(*) FROM trace_events WHERE batch_id = :id"), {"id": lot.id}
    )
    assert count == 4


def test_the_lawful_path_opens_one_table_for_one_transaction(on_postgres, db_session, make_lot):
    lot = make_lot()
    with db_session.begin_nested():
        db_session.execute(text("SET LOCAL trace.lawful_rewrite = 'audit_entries'"))
        db_session.execute(text("UPDATE audit_entries SET note = note"))
        # Naming one table opens no other.
        with pytest.raises(DBAPIError, match="append-only table"), db_session.begin_nested():
            db_session.execute(
                text("DELETE FROM trace_events WHERE batch_id = :id"), {"id": lot.id}
            )

"""monthly partitions for the append-only logs (PostgreSQL): scans by scanned_at and audit_entries
by at, each with a DEFAULT partition; retention_rules.attached_months (how many months of a
partitioned log stay attached before trace.services.partitions detaches and archives them); an
index on audit_entries (entity_type, entity_id) (a record's trail without reading every month);
scans.batch_id, the pack's lot copied at logging time, indexed (a lot's scans without probing every
code in every month)

On SQLite the logs stay plain tables; only the columns and the indexes are added.

Why these two and not trace_events: a primary key or unique constraint on a partitioned table must
include the partition key. scans and audit_entries are referenced by no foreign key and looked up
by id nowhere that needs the database to enforce id alone (ids still come from one sequence), so
their primary key becomes (id, <time>). trace_events is referenced by its own corrects_event_id
and keeps the per-lot chain unique on (batch_id, sequence): partitioning it by time would drop both
guarantees, and it is read per lot, not per month, so it stays one table.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-08 00:30:00
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"  # 0012 as issued; re-chained after main gained 0017, 0016, 0018
branch_labels = None
depends_on = None

AHEAD_MONTHS = 3  # as trace.services.partitions.AHEAD_MONTHS

# table -> (partition key, foreign keys (name, column, referenced table.column), indexes)
LOGS = {
    "scans": (
        "scanned_at",
        [("fk_scans_pack_code_id_pack_codes", "pack_code_id", "pack_codes(id)")],
        [
            ("ix_scans_pack_code_id", "pack_code_id"),
            ("ix_scans_scanned_at", "scanned_at"),
            ("ix_scans_batch_id", "batch_id"),
        ],
    ),
    "audit_entries": (
        "at",
        [("fk_audit_entries_actor_id_users", "actor_id", "users(id)")],
        [
            ("ix_audit_entries_actor_id", "actor_id"),
            ("ix_audit_entries_at", "at"),
            ("ix_audit_entries_entity_type_entity_id", "entity_type, entity_id"),
        ],
    ),
}
# Scan rows past their period go by partition after 25 whole months attached (the 730-day rule
# plus the month under way); audit entries are kept attached for ever (NULL).
ATTACHED_MONTHS = {"scan": 25}


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def _next(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _append_only(table: str) -> None:
    op.execute(
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION trace_refuse_rewrite()"
    )


def _constraints(table: str, primary_key: str) -> None:
    _key, foreign_keys, indexes = LOGS[table]
    op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({primary_key})")
    for name, column, target in foreign_keys:
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}) REFERENCES {target}"
        )
    for name, columns in indexes:
        op.execute(f"CREATE INDEX {name} ON {table} ({columns})")


def _rebuild(table: str, partitioned: bool) -> None:
    """Copy `table` into a new (partitioned or plain) table of the same columns and names."""
    key = LOGS[table][0]
    bind = op.get_bind()
    old = f"{table}_before_0019"
    op.execute(f"ALTER TABLE {table} RENAME TO {old}")
    for constraint in bind.execute(
        sa.text(
            "SELECT conname FROM pg_constraint WHERE conrelid = CAST(:t AS regclass) "
            "AND contype IN ('p', 'f')"
        ),
        {"t": old},
    ).scalars():
        op.execute(f"ALTER TABLE {old} DROP CONSTRAINT {constraint}")
    for name, _columns in LOGS[table][2]:
        op.execute(f"DROP INDEX IF EXISTS {name}")
    op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {old}")
    how = f" PARTITION BY RANGE ({key})" if partitioned else ""
    op.execute(f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS){how}")
    if partitioned:
        today = dt.datetime.now(dt.UTC).date()
        first = bind.execute(sa.text(f"SELECT min({key}) FROM {old}")).scalar()
        start = min(first.date(), today) if first is not None else today
        ahead = today
        for _ in range(AHEAD_MONTHS):
            ahead = _next(ahead.replace(day=1))
        for month in _months(start, ahead):
            name = f"{table}_p{month:%Y%m}"
            op.execute(
                f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES FROM "
                f"('{month.isoformat()} 00:00:00+00') TO ('{_next(month).isoformat()} 00:00:00+00')"
            )
            _append_only(name)
        op.execute(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
        _append_only(f"{table}_default")
    op.execute(f"INSERT INTO {table} SELECT * FROM {old}")
    op.execute(f"ALTER SEQUENCE {table}_id_seq OWNED BY {table}.id")
    op.execute(f"DROP TABLE {old}")
    _constraints(table, f"id, {key}" if partitioned else "id")
    _append_only(table)


BACKFILL = (
    "UPDATE scans SET batch_id = pack_codes.batch_id FROM pack_codes "
    "WHERE pack_codes.id = scans.pack_code_id"
)


# Any insert that leaves scans.batch_id out (a caller other than the scan service, a restore) gets
# the pack's lot from the database itself.
PG_FILL_FUNCTION = """
CREATE FUNCTION trace_scan_batch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.batch_id IS NULL THEN
        SELECT batch_id INTO NEW.batch_id FROM pack_codes WHERE id = NEW.pack_code_id;
    END IF;
    RETURN NEW;
END
$$
"""
PG_FILL_TRIGGER = (
    "CREATE TRIGGER scans_batch_id BEFORE INSERT ON scans FOR EACH ROW "
    "EXECUTE FUNCTION trace_scan_batch()"
)
SQLITE_FILL_TRIGGER = """
CREATE TRIGGER scans_batch_id AFTER INSERT ON scans WHEN NEW.batch_id IS NULL
BEGIN
    UPDATE scans SET batch_id = (SELECT batch_id FROM pack_codes WHERE id = NEW.pack_code_id)
    WHERE id = NEW.id;
END
"""


def upgrade() -> None:
    with op.batch_alter_table("retention_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attached_months", sa.Integer(), nullable=True))
    # scans.batch_id: the pack's lot, copied (a lot's scans by one index in each month).
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("batch_id", sa.Integer(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("SELECT set_config('trace.lawful_rewrite', 'scans', true)")
    op.execute(BACKFILL)
    for kind, months in ATTACHED_MONTHS.items():
        op.execute(
            sa.text("UPDATE retention_rules SET attached_months = :m WHERE record_kind = :k").bindparams(
                m=months, k=kind
            )
        )
    if op.get_bind().dialect.name != "postgresql":
        with op.batch_alter_table("audit_entries", schema=None) as batch_op:
            batch_op.create_index(
                "ix_audit_entries_entity_type_entity_id", ["entity_type", "entity_id"]
            )
        with op.batch_alter_table("scans", schema=None) as batch_op:
            batch_op.create_index("ix_scans_batch_id", ["batch_id"])
        op.execute(SQLITE_FILL_TRIGGER)
        return
    for table in LOGS:
        _rebuild(table, partitioned=True)
    op.execute(PG_FILL_FUNCTION)
    op.execute(PG_FILL_TRIGGER)  # on the partitioned table: every partition, now and later


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS scans_batch_id" + (
        " ON scans" if op.get_bind().dialect.name == "postgresql" else ""
    ))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS trace_scan_batch()")
        for table in LOGS:
            # Detached partitions (archived by trace.services.partitions) are no longer part of
            # the table and are left as they are.
            _rebuild(table, partitioned=False)
        op.execute("DROP INDEX ix_audit_entries_entity_type_entity_id")
        op.execute("DROP INDEX ix_scans_batch_id")
    else:
        with op.batch_alter_table("audit_entries", schema=None) as batch_op:
            batch_op.drop_index("ix_audit_entries_entity_type_entity_id")
        with op.batch_alter_table("scans", schema=None) as batch_op:
            batch_op.drop_index("ix_scans_batch_id")
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.drop_column("batch_id")
    with op.batch_alter_table("retention_rules", schema=None) as batch_op:
        batch_op.drop_column("attached_months")

"""Monthly partitions of the append-only logs on PostgreSQL (scans by scanned_at, audit entries by
at; migration 0019): months created ahead of time, and months past their retention rule's
`attached_months` detached, archived and, where the rule lets them go, dropped.

A row whose month has no partition yet lands in the log's DEFAULT partition, so no write ever
fails for want of one; creating that month later moves such rows out of DEFAULT first. Detaching
is the cheap form of trace.services.retention's removal: the same archive format (records.jsonl
plus a checked manifest), a RetentionArchive row and an audit entry, then the detached table is
dropped only when the rule marks the kind removable and the whole month is past its period;
otherwise it stays in the database as a plain, still append-only table out of the live log.
SQLite keeps plain tables: every function here answers "nothing to do" there.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from trace.db import is_partition_name as is_partition_name
from trace.db import utcnow
from trace.models.retention import RetentionArchive, RetentionRule
from trace.policy import Actor
from trace.services.audit import record_change

AHEAD_MONTHS = 3  # months after the current one that always have a partition
# partitioned table -> (its time column, the retention rule's record_kind)
LOGS: dict[str, tuple[str, str]] = {
    "scans": ("scanned_at", "scan"),
    "audit_entries": ("at", "audit_entry"),
}


def month_start(moment: dt.datetime | dt.date) -> dt.date:
    day = moment.date() if isinstance(moment, dt.datetime) else moment
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y%m}"


def _bound(month: dt.date) -> str:
    return f"{month.isoformat()} 00:00:00+00"


def is_partitioned(session: Session, table: str) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return False
    found = session.scalar(
        text(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.relname = :t AND c.relnamespace = "
            "(SELECT oid FROM pg_namespace WHERE nspname = current_schema())"
        ),
        {"t": table},
    )
    return found is not None


def attached_months(session: Session, table: str) -> list[dt.date]:
    """The months that have an attached partition of `table`, oldest first."""
    names = session.scalars(
        text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = CAST(:t AS regclass)"
        ),
        {"t": table},
    )
    months = []
    for name in names:
        found = re.fullmatch(rf"{table}_p(\d{{4}})(\d{{2}})", name)
        if found:
            months.append(dt.date(int(found.group(1)), int(found.group(2)), 1))
    return sorted(months)


def _append_only(session: Session, name: str) -> None:
    """The log's own append-only trigger, on the partition too: a statement naming the partition
    directly does not fire the parent's statement trigger."""
    session.execute(
        text(
            f"CREATE TRIGGER {name}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
            f"ON {name} FOR EACH STATEMENT EXECUTE FUNCTION trace_refuse_rewrite()"
        )
    )


def _lawful(session: Session, table: str) -> None:
    session.execute(text("SELECT set_config('trace.lawful_rewrite', :t, true)"), {"t": table})


def create_partition(session: Session, table: str, month: dt.date) -> str:
    """The partition of `table` for `month`; rows already in DEFAULT for it are moved into it
    (in this transaction). Returns its name."""
    key = LOGS[table][0]
    name = partition_name(table, month)
    low, high = _bound(month), _bound(add_months(month, 1))
    session.execute(text(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
    session.execute(text(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS)"))
    where = f"{key} >= '{low}' AND {key} < '{high}'"
    default = f"{table}_default"
    stray = session.scalar(text(f"SELECT count(*) FROM {default} WHERE {where}"))
    if stray:
        session.execute(text(f"INSERT INTO {name} SELECT * FROM {default} WHERE {where}"))
        _lawful(session, default)
        session.execute(text(f"DELETE FROM {default} WHERE {where}"))
    session.execute(
        text(f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM ('{low}') TO ('{high}')")
    )
    _append_only(session, name)
    return name


def ensure_partitions(
    session: Session, now: dt.datetime | None = None, ahead: int = AHEAD_MONTHS
) -> list[str]:
    """Create every missing partition from the current month to `ahead` months after it (flushes
    nothing else; the caller commits). Returns the names created; [] where the logs are not
    partitioned (SQLite)."""
    current = month_start(now or utcnow())
    made = []
    for table in LOGS:
        if not is_partitioned(session, table):
            continue
        have = set(attached_months(session, table))
        for offset in range(ahead + 1):
            month = add_months(current, offset)
            if month not in have:
                made.append(create_partition(session, table, month))
    return made


@dataclass(frozen=True)
class Detached:
    table: str
    partition: str
    month: dt.date
    records: int
    archive: RetentionArchive
    dropped: bool


def _rows(session: Session, name: str) -> list[dict[str, Any]]:
    result = session.execute(text(f"SELECT * FROM {name} ORDER BY id"))
    return [dict(row._mapping) for row in result]


def detach_expired(
    session: Session, actor: Actor | None, archive_dir: Path, now: dt.datetime | None = None
) -> list[Detached]:
    """Detach each partition older than its rule's `attached_months` (the current month counts
    as one), archive its rows (checked as trace.services.retention checks its archives), and drop
    it when the rule marks the kind removable and the whole month is past `period_days`. One
    RetentionArchive and one audit entry per partition; the caller commits.
    Raises RetentionError (an archive did not read back: nothing is detached)."""
    from trace.services.retention import check_archive, write_archive

    moment = (now or utcnow()).replace(microsecond=0)
    done: list[Detached] = []
    for table, (_key, kind) in LOGS.items():
        if not is_partitioned(session, table):
            continue
        rule = session.scalar(select(RetentionRule).where(RetentionRule.record_kind == kind))
        if rule is None or rule.attached_months is None:
            continue
        first_kept = add_months(month_start(moment), 1 - max(rule.attached_months, 1))
        for month in attached_months(session, table):
            if month >= first_kept:
                break
            name = partition_name(table, month)
            session.execute(text(f"ALTER TABLE {table} DETACH PARTITION {name}"))
            rows = _rows(session, name)
            end = dt.datetime.combine(add_months(month, 1), dt.time(), dt.UTC)
            archive_name = f"{kind}-{name}-{moment.strftime('%Y%m%dT%H%M%SZ')}.tar.gz"
            path = archive_dir / archive_name
            digest = write_archive(path, kind, end, rows, {})
            check_archive(path)
            removable = rule.is_removable and end <= moment - dt.timedelta(days=rule.period_days)
            if removable:
                session.execute(text(f"DROP TABLE {name}"))
            archive = RetentionArchive(
                record_kind=kind,
                created_at=moment,
                cutoff_at=end,
                records=len(rows),
                archive_name=archive_name,
                sha256=digest,
                actor_id=actor.id if actor is not None else None,
            )
            session.add(archive)
            record_change(
                session,
                actor,
                "retention.detach_partition",
                archive,
                note=f"{name}: {'dropped' if removable else 'kept detached'}; {rule.legal_source}",
            )
            done.append(Detached(table, name, month, len(rows), archive, removable))
    session.flush()
    return done

"""Scanning a pack code: the verdict (genuine, repeat, exceeded, void, recalled) and the scan log.

This is the hot path of the service: on PostgreSQL one statement (one round trip) finds the code,
counts the scan and logs it; elsewhere three prepared Core statements do the same. No ORM, and no
work that depends on the length of the lot's history.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update

from trace.db import UTCDateTime, utcnow
from trace.models.batches import Batch, BatchStatus
from trace.models.labels import CodeStatus, LabelRun, PackCode
from trace.models.scans import Scan


class Verdict(enum.StrEnum):
    GENUINE = "genuine"  # first public scan
    REPEAT = "repeat"  # scans 2..N: queried before, beware if that was not you
    EXCEEDED = "exceeded"  # more than N public scans: likely copied
    UNKNOWN = "unknown"  # no such code: possibly counterfeit
    VOID = "void"  # the label was voided
    RECALLED = "recalled"  # overrides everything


@dataclass(frozen=True)
class ScanOutcome:
    verdict: Verdict
    scan_count: int  # public scans including this one
    first_scanned_at: dt.datetime | None
    batch_id: int | None
    sequence: int | None
    serial: str
    pack_date: dt.date | None = None  # the label run's pack date
    batch_status: str | None = None  # the lot's status as the scan read it (not from any cache)


def verdict_for(
    code_status: CodeStatus, batch_status: BatchStatus, public_scans: int, limit: int
) -> Verdict:
    """The verdict once this scan is counted; a recall overrides everything, then a void."""
    if batch_status is BatchStatus.RECALLED:
        return Verdict.RECALLED
    if code_status is CodeStatus.VOID:
        return Verdict.VOID
    if public_scans <= 1:
        return Verdict.GENUINE
    if public_scans <= limit:
        return Verdict.REPEAT
    return Verdict.EXCEEDED


_UA_FAMILIES = [
    ("wechat", re.compile(r"MicroMessenger", re.I)),
    ("alipay", re.compile(r"AlipayClient", re.I)),
    ("bot", re.compile(r"bot|crawler|spider|curl|wget|python|httpclient", re.I)),
    ("edge", re.compile(r"Edg/", re.I)),
    ("chrome", re.compile(r"Chrome/|CriOS/", re.I)),
    ("firefox", re.compile(r"Firefox/|FxiOS/", re.I)),
    ("safari", re.compile(r"Safari/", re.I)),
]


def user_agent_family(user_agent: str) -> str:
    """A coarse family (wechat, alipay, chrome...): enough for statistics, not a fingerprint."""
    return next((name for name, pattern in _UA_FAMILIES if pattern.search(user_agent)), "other")


def client_hash(secret: str, address: str) -> str:
    """A keyed hash of the client address: the same phone is recognisable, the address is not."""
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()[:32]


# The portable path (SQLite): lookup, atomic increment, log. Statements are built once, here:
# building Core statements per call costs more than running them.
_code_lookup = (
    select(
        PackCode.id,
        PackCode.status,
        PackCode.batch_id,
        PackCode.sequence,
        Batch.status,
        LabelRun.pack_date,
    )
    .join(Batch, Batch.id == PackCode.batch_id)
    .join(LabelRun, LabelRun.id == PackCode.label_run_id)
    .where(PackCode.serial == bindparam("serial"))
)
_count = (
    update(PackCode)
    .where(PackCode.id == bindparam("code_id"))
    .values(
        public_scan_count=PackCode.public_scan_count + 1,
        first_scanned_at=func.coalesce(
            PackCode.first_scanned_at, bindparam("now", type_=UTCDateTime())
        ),
    )
    .returning(PackCode.public_scan_count, PackCode.first_scanned_at)
)
_peek = select(PackCode.public_scan_count, PackCode.first_scanned_at).where(
    PackCode.id == bindparam("code_id")
)
_log = insert(Scan).values(
    pack_code_id=bindparam("code_id"),
    scanned_at=bindparam("now", type_=UTCDateTime()),
    client_hash=bindparam("client"),
    user_agent_family=bindparam("family"),
    is_public=bindparam("is_public"),
    verdict=bindparam("verdict"),
)

# PostgreSQL: the same three steps as one statement, one round trip. Data-modifying CTEs all see
# one snapshot, so the count comes from the UPDATE's RETURNING (the row lock orders concurrent
# scans of one pack: each gets its own count) and the verdict is worked out in SQL for the log row.
# SQL_VERDICT must say what verdict_for says; tests/public/test_scan.py compares them.
SQL_VERDICT = """CASE
    WHEN batch_status = 'recalled' THEN 'recalled'
    WHEN code_status = 'void' THEN 'void'
    WHEN scan_count <= 1 THEN 'genuine'
    WHEN scan_count <= %(limit)s THEN 'repeat'
    ELSE 'exceeded' END"""
_PG_SCAN = f"""
WITH code AS (
    SELECT pc.id, pc.status AS code_status, pc.batch_id, pc.sequence, b.status AS batch_status,
           lr.pack_date, pc.public_scan_count, pc.first_scanned_at
    FROM pack_codes pc
    JOIN batches b ON b.id = pc.batch_id
    JOIN label_runs lr ON lr.id = pc.label_run_id
    WHERE pc.serial = %(serial)s
), counted AS (
    UPDATE pack_codes SET public_scan_count = public_scan_count + 1,
        first_scanned_at = COALESCE(first_scanned_at, %(now)s)
    WHERE id = (SELECT id FROM code) AND %(count)s
    RETURNING public_scan_count, first_scanned_at
), state AS (
    SELECT code.id, code.code_status, code.batch_id, code.sequence, code.batch_status,
           code.pack_date,
           COALESCE((SELECT public_scan_count FROM counted), code.public_scan_count) AS scan_count,
           COALESCE((SELECT first_scanned_at FROM counted), code.first_scanned_at) AS first_at
    FROM code
), verdict AS (
    SELECT state.*, {SQL_VERDICT} AS verdict FROM state
), logged AS (
    INSERT INTO scans (pack_code_id, scanned_at, client_hash, user_agent_family, is_public,
                       verdict)
    SELECT id, %(now)s, %(client)s, %(family)s, %(is_public)s, verdict FROM verdict
    WHERE %(log)s
)
SELECT code_status, batch_id, sequence, batch_status, pack_date, scan_count, first_at
FROM verdict
"""


def _utc(moment: dt.datetime | None) -> dt.datetime | None:
    return moment.astimezone(dt.UTC) if moment is not None else None


def _pg_parameters(
    serial: str, limit: int, is_public: bool, client: str, user_agent: str, log: bool
) -> dict[str, Any]:
    return {
        "serial": serial,
        "now": utcnow(),
        "count": is_public and log,
        "log": log,
        "client": client,
        "family": user_agent_family(user_agent),
        "is_public": is_public,
        "limit": limit,
    }


def _pg_outcome(row: Sequence[Any] | None, serial: str, limit: int) -> ScanOutcome:
    if row is None:
        return ScanOutcome(Verdict.UNKNOWN, 0, None, None, None, serial)
    code_status, batch_id, sequence, batch_status, pack_date, count, first = row
    verdict = verdict_for(CodeStatus(code_status), BatchStatus(batch_status), count, limit)
    return ScanOutcome(
        verdict,
        count,
        _utc(first),
        batch_id,
        sequence,
        serial,
        pack_date,
        BatchStatus(batch_status).value,
    )


def record_scan(
    connection: Connection,
    serial: str,
    *,
    limit: int,
    is_public: bool,
    client: str = "",
    user_agent: str = "",
    log: bool = True,
) -> ScanOutcome:
    """Count and log one scan of the pack code with this serial; the caller commits.

    (The resolver has already checked that the serial belongs to the GTIN and lot in the URI: a
    copied serial printed on another product resolves as unknown there.) Staff scans
    (is_public=False) are logged but not counted; with log=False (HEAD requests) nothing is written.
    """
    if connection.dialect.name == "postgresql":
        parameters = _pg_parameters(serial, limit, is_public, client, user_agent, log)
        row = connection.exec_driver_sql(_PG_SCAN, parameters).first()
        return _pg_outcome(row, serial, limit)

    now = utcnow()
    family = user_agent_family(user_agent)
    found = connection.execute(_code_lookup, {"serial": serial}).first()
    if found is None:
        return ScanOutcome(Verdict.UNKNOWN, 0, None, None, None, serial)
    code_id, code_status, batch_id, sequence, batch_status, pack_date = found
    if is_public and log:
        # One atomic increment: concurrent scans each see their own count, never the same one.
        count, first = connection.execute(_count, {"code_id": code_id, "now": now}).one()
    else:
        count, first = connection.execute(_peek, {"code_id": code_id}).one()
    verdict = verdict_for(CodeStatus(code_status), BatchStatus(batch_status), count, limit)
    if log:
        connection.execute(
            _log,
            {
                "code_id": code_id,
                "now": now,
                "client": client,
                "family": family,
                "is_public": is_public,
                "verdict": verdict.value,
            },
        )
    return ScanOutcome(
        verdict,
        count,
        first,
        batch_id,
        sequence,
        serial,
        pack_date,
        BatchStatus(batch_status).value,
    )


def record_scan_dbapi(
    dbapi_connection: Any,
    serial: str,
    *,
    limit: int,
    is_public: bool,
    client: str = "",
    user_agent: str = "",
    log: bool = True,
) -> ScanOutcome:
    """record_scan on a PostgreSQL driver connection in autocommit mode (the served hot path).

    The same one statement, committed by itself, without SQLAlchemy's per-statement work (result
    metadata, events), which costs more than the statement's own round trip. Raises the driver's
    errors.
    """
    parameters = _pg_parameters(serial, limit, is_public, client, user_agent, log)
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(_PG_SCAN, parameters)
        row = cursor.fetchone()
    finally:
        cursor.close()
    return _pg_outcome(row, serial, limit)

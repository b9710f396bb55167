"""Scanning a pack code: the verdict (genuine, repeat, exceeded, void, recalled) and the scan log.

This is the hot path of the service: one indexed UPDATE ... RETURNING and one INSERT per scan,
in Core SQL rather than the ORM, and no work that depends on the length of the lot's history.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import re
from dataclasses import dataclass

from sqlalchemy import Connection, func, insert, literal, select, update

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
    now = utcnow()
    found = connection.execute(_code_lookup.where(PackCode.serial == serial)).first()
    if found is None:
        return ScanOutcome(Verdict.UNKNOWN, 0, None, None, None, serial)
    code_id, code_status, batch_id, sequence, batch_status, pack_date = found
    code_status, batch_status = CodeStatus(code_status), BatchStatus(batch_status)

    if is_public and log:
        # One atomic increment: concurrent scans each see their own count, never the same one.
        counted = connection.execute(
            update(PackCode)
            .where(PackCode.id == code_id)
            .values(
                public_scan_count=PackCode.public_scan_count + 1,
                first_scanned_at=func.coalesce(
                    PackCode.first_scanned_at, literal(now, UTCDateTime())
                ),
            )
            .returning(PackCode.public_scan_count, PackCode.first_scanned_at)
        ).one()
        count, first = counted
    else:
        count, first = connection.execute(
            select(PackCode.public_scan_count, PackCode.first_scanned_at).where(
                PackCode.id == code_id
            )
        ).one()
    verdict = verdict_for(code_status, batch_status, count, limit)
    if log:
        connection.execute(
            insert(Scan).values(
                pack_code_id=code_id,
                scanned_at=now,
                client_hash=client,
                user_agent_family=user_agent_family(user_agent),
                is_public=is_public,
                verdict=verdict.value,
            )
        )
    return ScanOutcome(verdict, count, first, batch_id, sequence, serial, pack_date)

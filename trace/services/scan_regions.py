"""Where packs are scanned, for regulators and QC: counted scans by region per pack and per lot,
a flag for a pack scanned in far-apart regions within a short time (a cloned code) and for a lot
scanned mostly outside the region it is sold in (窜货); and QC marking a pack's counted scans as
their own test scans, which resets the consumer verdict.

Regions come from the offline database (trace.ip_region) at scan time; only they are stored.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from trace.db import utcnow
from trace.errors import NotFoundError, ValidationError
from trace.ip_region import Region
from trace.models.batches import Batch
from trace.models.labels import PackCode
from trace.models.scans import Scan, ScanAddress, ScanClient
from trace.policy import Actor, authorize
from trace.services.audit import record_change, snapshot

# A lot is flagged for 窜货 once this many counted scans have a region and more than this share
# of them lie outside its sales region (fewer scans say too little).
MOVED_MIN_SCANS = 10
MOVED_SHARE = 0.5
# Far-apart packs listed per lot, most recent first.
FAR_APART_LIMIT = 50


@dataclass(frozen=True)
class RegionCount:
    region: str  # province/city/district as stored; "" when unknown
    scans: int

    @property
    def province(self) -> str:
        return Region.parse(self.region).province


@dataclass(frozen=True)
class FarApart:
    """Two counted scans of one pack in different provinces within `hours` of each other."""

    serial: str
    sequence: int
    first_region: str
    second_region: str
    first_at: dt.datetime
    second_at: dt.datetime


@dataclass
class RegionReport:
    regions: list[RegionCount]
    total: int
    far_apart: list[FarApart] = field(default_factory=list)
    sales_region: str = ""  # lots only
    outside_share: float | None = None  # share of located scans outside the sales region
    moved: bool = False  # 窜货: scanned mostly outside its sales region


def _counted() -> ColumnElement[bool]:
    """Counted scans that QC has not marked as their own test scans."""
    return and_(
        Scan.is_counted.is_(True),
        or_(PackCode.counted_since.is_(None), Scan.scanned_at >= PackCode.counted_since),
    )


def _by_region(session: Session, where: ColumnElement[bool]) -> list[RegionCount]:
    rows = session.execute(
        select(Scan.region, func.count(Scan.id))
        .join(PackCode, PackCode.id == Scan.pack_code_id)
        .where(where, _counted())
        .group_by(Scan.region)
        .order_by(func.count(Scan.id).desc(), Scan.region)
    )
    return [RegionCount(region, count) for region, count in rows]


def _far_apart(session: Session, where: ColumnElement[bool], hours: int) -> list[FarApart]:
    """Consecutive counted scans of a pack in different provinces less than `hours` apart."""
    rows = session.execute(
        select(PackCode.serial, PackCode.sequence, Scan.region, Scan.scanned_at)
        .join(PackCode, PackCode.id == Scan.pack_code_id)
        .where(where, _counted(), Scan.region != "")
        .order_by(PackCode.id, Scan.scanned_at, Scan.id)
    )
    window = dt.timedelta(hours=hours)
    found: dict[str, FarApart] = {}
    previous: tuple[str, str, dt.datetime] | None = None
    for serial, sequence, region, at in rows:
        at = _aware(at)
        if previous is not None and previous[0] == serial and serial not in found:
            _serial, before, before_at = previous
            if (
                Region.parse(before).province != Region.parse(region).province
                and at - before_at < window
            ):
                found[serial] = FarApart(serial, sequence, before, region, before_at, at)
        previous = (serial, region, at)
    return sorted(found.values(), key=lambda f: f.second_at, reverse=True)[:FAR_APART_LIMIT]


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def pack_regions(session: Session, actor: Actor | None, serial: str, hours: int) -> RegionReport:
    """Counted scans of one pack by region, with the far-apart flag. Raises NotFoundError,
    PermissionDeniedError."""
    authorize(actor, "scan.regions")
    code_id = session.scalar(select(PackCode.id).where(PackCode.serial == serial))
    if code_id is None:
        raise NotFoundError("pack.no_such_code", {"serial": ["pack.no_such_code"]})
    where = PackCode.id == code_id
    regions = _by_region(session, where)
    return RegionReport(regions, sum(r.scans for r in regions), _far_apart(session, where, hours))


def lot_regions(session: Session, actor: Actor | None, batch_id: int, hours: int) -> RegionReport:
    """Counted scans of a lot's packs by region; its far-apart packs; and the 窜货 flag when the
    lot has a sales region and is scanned mostly outside it. Raises NotFoundError,
    PermissionDeniedError."""
    authorize(actor, "scan.regions")
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError("lot.no_such", {"batch_id": ["lot.no_such"]})
    where = Scan.batch_id == batch_id  # indexed in every month of the partitioned log
    regions = _by_region(session, where)
    report = RegionReport(
        regions,
        sum(r.scans for r in regions),
        _far_apart(session, where, hours),
        sales_region=batch.sales_region,
    )
    if batch.sales_region:
        provinces = Counter[str]()
        for row in regions:
            if row.region:
                provinces[row.province] += row.scans
        located = sum(provinces.values())
        if located:
            outside = located - provinces[batch.sales_region]
            report.outside_share = outside / located
            report.moved = located >= MOVED_MIN_SCANS and report.outside_share > MOVED_SHARE
    return report


def mark_test_scans(session: Session, actor: Actor | None, serial: str, reason: str) -> PackCode:
    """QC marks the pack's counted scans so far as their own test scans: the consumer verdict
    starts again (the next consumer is told genuine), the scans stay in the log but leave the
    regional figures, and the reason goes into the audit trail. Raises ValidationError,
    NotFoundError, PermissionDeniedError."""
    authorize(actor, "scan.mark_test")
    reason = reason.strip()
    if not reason:
        raise ValidationError.for_field("reason", "scan_region.reason_required")
    code = session.scalar(select(PackCode).where(PackCode.serial == serial))
    if code is None:
        raise NotFoundError("pack.no_such_code", {"serial": ["pack.no_such_code"]})
    before = snapshot(code)
    # The clients and addresses that looked are derived state, not the log: forgetting them lets
    # the next look count afresh. The scans themselves stay (append-only).
    session.execute(delete(ScanClient).where(ScanClient.pack_code_id == code.id))
    session.execute(delete(ScanAddress).where(ScanAddress.pack_code_id == code.id))
    session.execute(
        update(PackCode)
        .where(PackCode.id == code.id)
        .values(
            public_scan_count=0,
            counted_addresses=0,
            first_scanned_at=None,
            first_region="",
            counted_since=utcnow(),
        )
    )
    session.refresh(code)
    record_change(session, actor, "scans.mark_test", code, before, note=reason)
    return code

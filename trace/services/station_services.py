"""The services stations give (代购代销, 快递代收代发, 缴费代办, 农产品上行), recorded from a
phone in a few taps, and their monthly figures per station and township (issue 19)."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trace.clock import check_not_future, local_today
from trace.errors import ValidationError
from trace.models.regions import Township
from trace.models.station_activity import ServiceKind, ServiceRecord
from trace.models.stations import Station, StationTier
from trace.models.users import Role
from trace.policy import Actor, authorize
from trace.services.audit import record_change
from trace.services.funding import to_fen
from trace.services.pages import Page, paginate

# What each kind records: an amount (元), a parcel count, or both (农产品上行: the order's value
# and the parcels sent). Required fields per kind; the other is optional where listed.
NEEDS_AMOUNT = frozenset(
    {ServiceKind.PURCHASE_SALE, ServiceKind.BILL_PAYMENT, ServiceKind.PRODUCE_ORDER}
)
NEEDS_PARCELS = frozenset({ServiceKind.PARCEL_IN, ServiceKind.PARCEL_OUT})
TAKES_PARCELS = NEEDS_PARCELS | {ServiceKind.PRODUCE_ORDER}
MAX_PARCELS = 10_000
# An ID number (18 characters, the last a digit or X; or the old 15 digits) is never stored.
_ID_NUMBER = re.compile(r"\d{17}[\dXx]|\d{15}")
_TIER_ORDER = {StationTier.TOWNSHIP: 0, StationTier.VILLAGE: 1, StationTier.COUNTY: 2}


def stations_for(session: Session, actor: Actor) -> list[Station]:
    """The stations `actor` records for: station staff their township's, others every one;
    the township station first, so it is the default."""
    query = select(Station)
    if actor.role is Role.STATION:
        query = query.where(Station.township_code == (actor.township_code or ""))
    found = list(session.scalars(query.order_by(Station.id)))
    return sorted(found, key=lambda s: (_TIER_ORDER[StationTier(s.tier)], s.id))


def default_station(session: Session, actor: Actor) -> Station | None:
    """The staff member's station: the first of stations_for (station staff only)."""
    if actor.role is not Role.STATION:
        return None
    stations = stations_for(session, actor)
    return stations[0] if stations else None


def record_service(
    session: Session,
    actor: Actor | None,
    *,
    kind: str,
    station_id: int | None = None,
    served_on: dt.date | None = None,
    villager: str = "",
    amount: Decimal | None = None,
    parcels: int | None = None,
    note: str = "",
) -> ServiceRecord:
    """Record one service; the station defaults to the staff member's, the date to today.

    Raises ValidationError (station_id, served_on, villager, amount, parcels),
    PermissionDeniedError (another township's station)."""
    authorize(actor, "station_service.write")
    assert actor is not None
    service_kind = ServiceKind(kind)
    if station_id is None:
        station = default_station(session, actor)
        if station is None:
            raise ValidationError.for_field("station_id", "station_service.no_station_here")
    else:
        found = session.get(Station, station_id)
        if found is None:
            raise ValidationError.for_field("station_id", "station_service.no_station")
        station = found
    authorize(actor, "station_service.write", station.township_code, field="station_id")
    day = served_on or local_today()
    check_not_future(day, "served_on")
    villager = villager.strip()
    if _ID_NUMBER.search(villager):
        raise ValidationError.for_field("villager", "station_service.villager_id_number")
    fen = None if amount is None else to_fen(amount, allow_zero=True)
    if service_kind in NEEDS_AMOUNT and fen is None:
        raise ValidationError.for_field("amount", "station_service.amount_required")
    if service_kind not in NEEDS_AMOUNT:
        fen = None
    if service_kind not in TAKES_PARCELS:
        parcels = None
    if service_kind in NEEDS_PARCELS and not parcels:
        raise ValidationError.for_field("parcels", "station_service.parcels_required")
    if parcels is not None and not 0 <= parcels <= MAX_PARCELS:
        raise ValidationError.for_field(
            "parcels", "station_service.parcels_too_many", max=MAX_PARCELS
        )
    record = ServiceRecord(
        station_id=station.id,
        kind=service_kind,
        served_on=day,
        villager=villager,
        amount_fen=fen,
        parcels=parcels,
        note=note,
        recorded_by_id=actor.id,
    )
    session.add(record)
    record_change(session, actor, "station_service.create", record)
    return record


def list_services(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    station_id: int | None = None,
    served_on: dt.date | None = None,
    township_code: str | None = None,
) -> Page[ServiceRecord]:
    """Newest first. Station staff see their own township's records only."""
    authorize(actor, "record.read")
    assert actor is not None
    query = select(ServiceRecord).join(Station, Station.id == ServiceRecord.station_id)
    if actor.role is Role.STATION:
        query = query.where(Station.township_code == (actor.township_code or ""))
    if township_code:
        query = query.where(Station.township_code == township_code)
    if station_id is not None:
        query = query.where(ServiceRecord.station_id == station_id)
    if served_on is not None:
        query = query.where(ServiceRecord.served_on == served_on)
    query = query.order_by(ServiceRecord.served_on.desc(), ServiceRecord.id.desc())
    return paginate(session, query, page, per_page)


@dataclass
class MonthFigures:
    """A station's (or a township's) services in a month: counts by kind, money, parcels."""

    key: str  # station id or township code
    name: str
    township_code: str
    counts: dict[ServiceKind, int] = field(default_factory=lambda: dict.fromkeys(ServiceKind, 0))
    amount_fen: int = 0
    parcels_in: int = 0
    parcels_out: int = 0

    @property
    def services(self) -> int:
        return sum(self.counts.values())

    def add(self, kind: ServiceKind, count: int, amount_fen: int, parcels: int) -> None:
        self.counts[kind] += count
        self.amount_fen += amount_fen
        if kind is ServiceKind.PARCEL_IN:
            self.parcels_in += parcels
        elif kind in TAKES_PARCELS:
            self.parcels_out += parcels


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first day of the month and the first of the next (half-open)."""
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1)
    return start, end


def monthly_by_station(session: Session, year: int, month: int) -> list[MonthFigures]:
    """Every station with a service in the month, by township then station."""
    start, end = month_bounds(year, month)
    rows = session.execute(
        select(
            Station.id,
            Station.name,
            Station.township_code,
            ServiceRecord.kind,
            func.count(ServiceRecord.id),
            func.coalesce(func.sum(ServiceRecord.amount_fen), 0),
            func.coalesce(func.sum(ServiceRecord.parcels), 0),
        )
        .join(Station, Station.id == ServiceRecord.station_id)
        .where(ServiceRecord.served_on >= start, ServiceRecord.served_on < end)
        .group_by(Station.id, Station.name, Station.township_code, ServiceRecord.kind)
    )
    figures: dict[int, MonthFigures] = {}
    for station_id, name, township, kind, count, amount, parcels in rows:
        item = figures.setdefault(station_id, MonthFigures(str(station_id), name, township))
        item.add(ServiceKind(kind), int(count), int(amount), int(parcels))
    return sorted(figures.values(), key=lambda f: (f.township_code, int(f.key)))


def monthly_by_township(session: Session, year: int, month: int) -> list[MonthFigures]:
    """Every township (with or without services) and its stations' month, in code order."""
    totals = {
        t.code: MonthFigures(t.code, t.name_zh, t.code)
        for t in session.scalars(select(Township).order_by(Township.code))
    }
    for station in monthly_by_station(session, year, month):
        total = totals.get(station.township_code)
        if total is None:
            continue
        for kind, count in station.counts.items():
            total.counts[kind] += count
        total.amount_fen += station.amount_fen
        total.parcels_in += station.parcels_in
        total.parcels_out += station.parcels_out
    return list(totals.values())


def latest_service_month(session: Session) -> tuple[int, int] | None:
    latest = session.scalar(select(func.max(ServiceRecord.served_on)))
    return (latest.year, latest.month) if latest else None


def township_names(session: Session) -> dict[str, tuple[str, str]]:
    """Township code -> (Chinese name, pinyin), for the figures' rows."""
    rows = session.execute(select(Township.code, Township.name_zh, Township.name_pinyin))
    names: dict[str, tuple[str, str]] = defaultdict(lambda: ("", ""))
    names.update({code: (zh, py) for code, zh, py in rows})
    return names

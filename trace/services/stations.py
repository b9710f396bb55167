"""Service stations of the three tiers, the one-funded-station-per-village rule, and coverage."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trace.errors import ConflictError, NotFoundError, ValidationError, problem
from trace.models.regions import Township, Village
from trace.models.stations import Station, StationService, StationServiceOffer, StationTier
from trace.policy import Actor, authorize
from trace.services.audit import record_change, snapshot
from trace.services.pages import Page, paginate
from trace.services.regions import require_township

FUNDED_VILLAGE_INDEX = "uq_stations_funded_village"


@dataclass(frozen=True)
class TownshipCoverage:
    """Administrative villages of a township and how many have a village station."""

    township_code: str
    name_zh: str
    name_pinyin: str
    administrative_villages: int
    covered_villages: int

    @property
    def pct(self) -> Decimal | None:
        if not self.administrative_villages:
            return None
        share = Decimal(self.covered_villages * 100) / Decimal(self.administrative_villages)
        return share.quantize(Decimal("0.1"))


def _village(session: Session, township_code: str, name: str) -> Village:
    village = session.scalar(
        select(Village).where(Village.township_code == township_code, Village.name_zh == name)
    )
    if village is None:
        raise ValidationError.for_field("village", "village.unknown", name=name)
    return village


def _check(session: Session, data: dict[str, Any], station_id: int | None = None) -> None:
    """Validate merged station fields; sets data["village_id"] from the village name."""
    tier = StationTier(data["tier"])
    require_township(session, data["township_code"])
    name_clash = session.scalar(select(Station.id).where(Station.name == data["name"]))
    if name_clash is not None and name_clash != station_id:
        raise ConflictError("station.name_exists", {"name": ["station.name_exists"]})
    village_name = (data.get("village") or "").strip()
    if tier is StationTier.VILLAGE:
        if not village_name:
            raise ValidationError.for_field("village", "station.village_required")
        data["village_id"] = _village(session, data["township_code"], village_name).id
    elif village_name:
        raise ValidationError.for_field("village", "station.village_only")
    else:
        data["village_id"] = None
    if data.get("is_funded") and data["village_id"] is not None:
        funded = session.scalar(
            select(Station).where(
                Station.village_id == data["village_id"],
                Station.is_funded.is_(True),
                Station.id != (station_id or 0),
            )
        )
        if funded is not None:
            raise _funded_conflict(village_name, funded.name)


def _funded_conflict(village: str, other: str | None = None) -> ConflictError:
    refused = problem("station.village_funded", village=village, station=other or "")
    return ConflictError(refused, {"village": [refused]})


def _flush_guarded(session: Session, station: Station, village: str) -> None:
    """Flush in a savepoint: the partial unique index decides a race the check above lost."""
    try:
        with session.begin_nested():
            session.add(station)
            session.flush()
    except IntegrityError as exc:
        reason = str(exc.orig)  # the driver's message, without the statement
        if FUNDED_VILLAGE_INDEX in reason or "stations.village_id" in reason:
            raise _funded_conflict(village) from exc
        if "uq_stations_name" in reason or "stations.name" in reason:
            raise ConflictError("station.name_exists", {"name": ["station.name_exists"]}) from exc
        raise


def _set_services(station: Station, services: list[str]) -> None:
    wanted = list(dict.fromkeys(StationService(s) for s in services))
    kept = [row for row in station.service_rows if row.service in wanted]
    have = {row.service for row in kept}
    station.service_rows = kept + [StationServiceOffer(service=s) for s in wanted if s not in have]


def create_station(session: Session, actor: Actor | None, **data: Any) -> Station:
    """Register a station. Raises ValidationError, ConflictError (name; a second funded station
    in a village), PermissionDeniedError."""
    authorize(actor, "station.manage")
    services = data.pop("services", [])
    _check(session, data)
    village = data.pop("village", "") or ""
    data["tier"] = StationTier(data["tier"])
    station = Station(**data)
    _set_services(station, services)
    _flush_guarded(session, station, village)
    record_change(session, actor, "station.create", station)
    return station


def update_station(
    session: Session, actor: Actor | None, station_id: int, **changes: Any
) -> Station:
    """Change a station. Raises NotFoundError, ValidationError, ConflictError."""
    authorize(actor, "station.manage")
    station = get_station(session, actor, station_id)
    before = snapshot(station)
    before["services"] = [s.value for s in station.services]
    merged = {
        **before,
        "village": station.village.name_zh if station.village else "",
        **changes,
    }
    _check(session, merged, station.id)
    services = changes.pop("services", None)
    changes.pop("village", None)
    changes["village_id"] = merged["village_id"]
    if "tier" in changes:
        changes["tier"] = StationTier(changes["tier"])
    for key, value in changes.items():
        setattr(station, key, value)
    if services is not None:
        _set_services(station, services)
    _flush_guarded(session, station, merged["village"])
    session.expire(station, ["village", "township"])  # follow the changed ids
    record_change(session, actor, "station.update", station, before)
    return station


def get_station(session: Session, actor: Actor | None, station_id: int) -> Station:
    authorize(actor, "record.read")
    station = session.get(Station, station_id)
    if station is None:
        raise NotFoundError(problem("station.not_found", id=station_id))
    return station


def list_stations(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    tier: str | None = None,
    township_code: str | None = None,
    is_funded: bool | None = None,
    service: str | None = None,
    q: str | None = None,
) -> Page[Station]:
    authorize(actor, "record.read")
    return paginate(
        session,
        station_query(tier, township_code, is_funded, service, q),
        page,
        per_page,
    )


def station_query(
    tier: str | None = None,
    township_code: str | None = None,
    is_funded: bool | None = None,
    service: str | None = None,
    q: str | None = None,
) -> Any:
    """Stations by tier, then township, in the order they were registered; filters optional."""
    query = select(Station).order_by(Station.tier, Station.township_code, Station.id)
    if tier:
        query = query.where(Station.tier == StationTier(tier))
    if township_code:
        query = query.where(Station.township_code == township_code)
    if is_funded is not None:
        query = query.where(Station.is_funded.is_(is_funded))
    if service:
        query = query.where(
            Station.id.in_(
                select(StationServiceOffer.station_id).where(
                    StationServiceOffer.service == StationService(service)
                )
            )
        )
    if q:
        query = query.where(Station.name.contains(q, autoescape=True))
    return query


def public_stations(session: Session) -> list[Station]:
    """Every station, for the public page (which shows no operator or personal details)."""
    return list(session.scalars(station_query()))


def coverage_by_township(session: Session) -> list[TownshipCoverage]:
    """Per township: administrative villages on record and those with a village station."""
    administrative = (
        select(Village.township_code, func.count(Village.id).label("n"))
        .where(Village.is_administrative.is_(True))
        .group_by(Village.township_code)
        .subquery()
    )
    covered = (
        select(Village.township_code, func.count(func.distinct(Village.id)).label("n"))
        .join(Station, Station.village_id == Village.id)
        .where(Village.is_administrative.is_(True), Station.tier == StationTier.VILLAGE)
        .group_by(Village.township_code)
        .subquery()
    )
    rows = session.execute(
        select(
            Township.code,
            Township.name_zh,
            Township.name_pinyin,
            func.coalesce(administrative.c.n, 0),
            func.coalesce(covered.c.n, 0),
        )
        .outerjoin(administrative, administrative.c.township_code == Township.code)
        .outerjoin(covered, covered.c.township_code == Township.code)
        .order_by(Township.code)
    )
    return [TownshipCoverage(*row) for row in rows]


def county_coverage(rows: list[TownshipCoverage]) -> TownshipCoverage:
    """The county's total over the townships' rows."""
    return TownshipCoverage(
        township_code="532326",
        name_zh="大姚县",
        name_pinyin="Dayao Xian",
        administrative_villages=sum(r.administrative_villages for r in rows),
        covered_villages=sum(r.covered_villages for r in rows),
    )

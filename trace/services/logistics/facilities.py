"""Facilities of the logistics network: warehouses, cold stores, distribution centres."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from trace.errors import ConflictError, NotFoundError, ValidationError, problem
from trace.models.logistics import (
    Facility,
    FacilityKind,
)
from trace.models.stations import Station
from trace.policy import Actor, authorize
from trace.services.audit import record_change, snapshot
from trace.services.pages import Page, paginate
from trace.services.regions import require_township

# Kinds whose size the plan sets a target for: the size must be recorded.
NEEDS_AREA = frozenset({FacilityKind.DISTRIBUTION_CENTRE, FacilityKind.PUBLIC_WAREHOUSE})


def _check_facility(session: Session, data: dict[str, Any], facility_id: int | None = None) -> None:
    kind = FacilityKind(data["kind"])
    require_township(session, data["township_code"])
    clash = session.scalar(select(Facility.id).where(Facility.name == data["name"]))
    if clash is not None and clash != facility_id:
        raise ConflictError("facility.name_exists", {"name": ["facility.name_exists"]})
    if kind is FacilityKind.COLD_STORE and not data.get("volume_m3"):
        raise ValidationError.for_field("volume_m3", "facility.volume_required")
    if kind in NEEDS_AREA and not data.get("floor_area_m2"):
        raise ValidationError.for_field("floor_area_m2", "facility.area_required")
    station_id = data.get("station_id")
    if station_id is not None and session.get(Station, station_id) is None:
        raise ValidationError.for_field("station_id", "station.not_found", id=station_id)


def create_facility(session: Session, actor: Actor | None, **data: Any) -> Facility:
    """Register a facility. Raises ValidationError, ConflictError, PermissionDeniedError."""
    authorize(actor, "facility.manage")
    _check_facility(session, data)
    data["kind"] = FacilityKind(data["kind"])
    facility = Facility(**data)
    session.add(facility)
    record_change(session, actor, "facility.create", facility)
    return facility


def update_facility(
    session: Session, actor: Actor | None, facility_id: int, **changes: Any
) -> Facility:
    """Change a facility. Raises NotFoundError, ValidationError, ConflictError."""
    authorize(actor, "facility.manage")
    facility = get_facility(session, actor, facility_id)
    before = snapshot(facility)
    _check_facility(session, {**before, **changes}, facility.id)
    if "kind" in changes:
        changes["kind"] = FacilityKind(changes["kind"])
    for key, value in changes.items():
        setattr(facility, key, value)
    record_change(session, actor, "facility.update", facility, before)
    session.expire(facility, ["township", "station"])  # follow the changed ids
    return facility


def get_facility(session: Session, actor: Actor | None, facility_id: int) -> Facility:
    authorize(actor, "record.read")
    facility = session.get(Facility, facility_id)
    if facility is None:
        raise NotFoundError(problem("facility.not_found", id=facility_id))
    return facility


def facility_query(kind: str | None = None, township_code: str | None = None) -> Select[Any]:
    query = select(Facility).order_by(Facility.kind, Facility.township_code, Facility.id)
    if kind:
        query = query.where(Facility.kind == FacilityKind(kind))
    if township_code:
        query = query.where(Facility.township_code == township_code)
    return query


def list_facilities(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    kind: str | None = None,
    township_code: str | None = None,
) -> Page[Facility]:
    authorize(actor, "record.read")
    return paginate(session, facility_query(kind, township_code), page, per_page)

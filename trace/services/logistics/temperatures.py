"""Cold-chain logs: temperature limits per product category, readings and their alerts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from trace.clock import check_not_future
from trace.db import utcnow
from trace.errors import InvalidTransitionError, NotFoundError, ValidationError, problem
from trace.models.logistics import (
    Facility,
    Shipment,
    ShipmentLine,
    TemperatureAlert,
    TemperatureLimit,
    TemperatureReading,
)
from trace.models.products import ProductCategory
from trace.policy import Actor, authorize
from trace.services.audit import record_change, snapshot
from trace.services.pages import Page, paginate


def list_limits(session: Session, actor: Actor | None) -> list[TemperatureLimit]:
    authorize(actor, "record.read")
    return list(
        session.scalars(select(TemperatureLimit).order_by(TemperatureLimit.product_category))
    )


def set_limit(
    session: Session,
    actor: Actor | None,
    product_category: str,
    min_c: Decimal,
    max_c: Decimal,
    note: str = "",
) -> TemperatureLimit:
    """Create or change a category's range. Raises NotFoundError (category), ValidationError,
    PermissionDeniedError."""
    authorize(actor, "temperature.write")
    if product_category not in {c.value for c in ProductCategory}:
        raise NotFoundError(problem("temperature.no_category", category=product_category))
    if min_c >= max_c:
        raise ValidationError.for_field("max_c", "temperature.max_not_above_min")
    category = ProductCategory(product_category)
    limit = session.get(TemperatureLimit, category)
    before = snapshot(limit) if limit is not None else None
    if limit is None:
        limit = TemperatureLimit(product_category=category)
        session.add(limit)
    limit.min_c, limit.max_c, limit.note = min_c, max_c, note
    record_change(session, actor, "temperature_limit.set", limit, before)
    return limit


def record_reading(
    session: Session,
    actor: Actor | None,
    product_category: str,
    measured_at: dt.datetime,
    temperature_c: Decimal,
    facility_id: int | None = None,
    vehicle: str = "",
    shipment_id: int | None = None,
) -> tuple[TemperatureReading, TemperatureAlert | None]:
    """Append a reading; one outside its category's limits raises an alert.

    Raises ValidationError (no place, unknown facility or shipment, future time).
    """
    authorize(actor, "temperature.write")
    if facility_id is not None and session.get(Facility, facility_id) is None:
        raise ValidationError.for_field("facility_id", "facility.not_found", id=facility_id)
    if shipment_id is not None:
        shipment = session.get(Shipment, shipment_id)
        if shipment is None:
            raise ValidationError.for_field("shipment_id", "shipment.not_found", id=shipment_id)
        vehicle = vehicle or shipment.vehicle
    if facility_id is None and not vehicle:
        refused = problem("temperature.place_required")
        raise ValidationError(refused, {"facility_id": [refused], "vehicle": [refused]})
    check_not_future(measured_at, "measured_at")
    category = ProductCategory(product_category)
    reading = TemperatureReading(
        facility_id=facility_id,
        vehicle=vehicle,
        shipment_id=shipment_id,
        product_category=category,
        measured_at=measured_at,
        temperature_c=temperature_c,
        recorded_by_id=getattr(actor, "id", None),
    )
    session.add(reading)
    record_change(session, actor, "temperature.record", reading)
    alert = None
    limit = session.get(TemperatureLimit, category)
    if limit is not None and not limit.min_c <= temperature_c <= limit.max_c:
        alert = TemperatureAlert(reading_id=reading.id, min_c=limit.min_c, max_c=limit.max_c)
        session.add(alert)
        record_change(session, actor, "temperature_alert.raise", alert)
    return reading, alert


def list_readings(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    facility_id: int | None = None,
    vehicle: str | None = None,
    shipment_id: int | None = None,
    measured_from: dt.datetime | None = None,
    measured_to: dt.datetime | None = None,
) -> Page[TemperatureReading]:
    authorize(actor, "record.read")
    query = select(TemperatureReading).order_by(TemperatureReading.measured_at.desc())
    if facility_id is not None:
        query = query.where(TemperatureReading.facility_id == facility_id)
    if vehicle:
        query = query.where(TemperatureReading.vehicle == vehicle)
    if shipment_id is not None:
        query = query.where(TemperatureReading.shipment_id == shipment_id)
    if measured_from:
        query = query.where(TemperatureReading.measured_at >= measured_from)
    if measured_to:
        query = query.where(TemperatureReading.measured_at <= measured_to)
    return paginate(session, query, page, per_page)


def cold_chain_of_batch(session: Session, batch_id: int) -> list[TemperatureReading]:
    """Readings taken on the shipments that carried a lot, in time order (for its record)."""
    carried = select(ShipmentLine.shipment_id).where(ShipmentLine.batch_id == batch_id)
    query = (
        select(TemperatureReading)
        .where(TemperatureReading.shipment_id.in_(carried))
        .order_by(TemperatureReading.measured_at)
    )
    return list(session.scalars(query))


def alert_query(open_only: bool = False) -> Select[Any]:
    query = select(TemperatureAlert).order_by(TemperatureAlert.id.desc())
    if open_only:
        query = query.where(TemperatureAlert.acknowledged_at.is_(None))
    return query


def list_alerts(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    is_open: bool | None = None,
) -> Page[TemperatureAlert]:
    authorize(actor, "record.read")
    query = alert_query(open_only=bool(is_open))
    if is_open is False:
        query = query.where(TemperatureAlert.acknowledged_at.is_not(None))
    return paginate(session, query, page, per_page)


def open_alerts(session: Session, limit: int = 20) -> list[TemperatureAlert]:
    """Unacknowledged alerts, newest first, for the programme dashboard."""
    return list(session.scalars(alert_query(open_only=True).limit(limit)))


def acknowledge_alert(
    session: Session, actor: Actor | None, alert_id: int, note: str = ""
) -> TemperatureAlert:
    """Close an alert with what was done. Raises NotFoundError, InvalidTransitionError."""
    authorize(actor, "temperature.write")
    alert = session.get(TemperatureAlert, alert_id)
    if alert is None:
        raise NotFoundError(problem("temperature_alert.not_found", id=alert_id))
    if alert.acknowledged_at is not None:
        raise InvalidTransitionError(
            "temperature_alert.acknowledged",
            {"acknowledged_at": ["temperature_alert.acknowledged"]},
        )
    before = snapshot(alert)
    alert.acknowledged_at = utcnow()
    alert.acknowledged_by_id = getattr(actor, "id", None)
    alert.note = note
    record_change(session, actor, "temperature_alert.acknowledge", alert, before)
    return alert

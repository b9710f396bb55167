"""Station services, parcel tallies and the logistics export for the prefecture platform
(issue 19): the JSON API, and the dashboard's section of monthly station figures and parcel
volumes per facility."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, request
from flask_smorest import Blueprint
from sqlalchemy.orm import Session

from trace.clock import local_today
from trace.db import utcnow
from trace.models.logistics import FacilityKind
from trace.models.station_activity import ServiceKind
from trace.policy import authorize
from trace.schemas.funding import (
    LogisticsExportArgsSchema,
    MonthArgsSchema,
    MonthlyReportSchema,
    ParcelCountCreateSchema,
    ParcelCountSchema,
    ServiceRecordCreateSchema,
    ServiceRecordPageSchema,
    ServiceRecordQueryArgsSchema,
    ServiceRecordSchema,
)
from trace.services import station_services as service
from trace.services.logistics import parcels, platform_export
from trace.web.auth import current_actor
from trace.web.database import db
from trace.web.formats import is_english
from trace.web.names import SERVICE_KINDS, name_of
from trace.web.program.funding import money
from trace.web.program.logistics import KIND_NAMES

PREFIX = ""  # /station-services, /parcel-counts, /logistics/exports
blp = Blueprint(
    "station_services",
    __name__,
    description="Station services, parcel tallies and the prefecture platform's logistics export",
)


@blp.get("/station-services")
@blp.arguments(ServiceRecordQueryArgsSchema, location="query")
@blp.response(200, ServiceRecordPageSchema)
def list_services(args: dict[str, Any]) -> Any:
    return service.list_services(db(), current_actor(), **args)


@blp.post("/station-services")
@blp.arguments(ServiceRecordCreateSchema)
@blp.response(201, ServiceRecordSchema)
def record_service(data: dict[str, Any]) -> Any:
    """One service; `station_id` defaults to the staff member's station, `served_on` to today."""
    session = db()
    record = service.record_service(session, current_actor(), **data)
    session.commit()
    return record


def _month(text: str | None, session: Session) -> tuple[int, int]:
    if text:
        year, month = text.split("-")
        return int(year), int(month)
    latest = service.latest_service_month(session)
    today = local_today()
    return latest or (today.year, today.month)


@blp.get("/station-services/monthly")
@blp.arguments(MonthArgsSchema, location="query")
@blp.response(200, MonthlyReportSchema)
def monthly(args: dict[str, Any]) -> Any:
    """A month's figures per station and per township (`month=YYYY-MM`; default the latest)."""
    authorize(current_actor(), "record.read")
    session = db()
    year, month = _month(args.get("month"), session)
    return {
        "month": f"{year:04d}-{month:02d}",
        "stations": service.monthly_by_station(session, year, month),
        "townships": service.monthly_by_township(session, year, month),
    }


@blp.post("/parcel-counts")
@blp.arguments(ParcelCountCreateSchema)
@blp.response(201, ParcelCountSchema)
def record_parcel_count(data: dict[str, Any]) -> Any:
    """Parcels in or out of a facility not merged with a station (the county sorting centre)."""
    session = db()
    tally = parcels.record_parcel_count(session, current_actor(), **data)
    session.commit()
    return tally


@blp.get("/logistics/exports")
@blp.arguments(LogisticsExportArgsSchema, location="query")
@blp.response(200, content_type="application/json")
def logistics_export(args: dict[str, Any]) -> Response:
    """Shipments and parcels by day and facility for the prefecture's 城乡高效配送公共服务信息
    平台: `from`, `to` (local dates, inclusive, at most 366 days), `format` json (the document
    of trace/schemas/json/logistics_export.schema.json) or csv (its records, same fields)."""
    authorize(current_actor(), "record.read")
    start, end = args["from_"], args["to"]
    document = platform_export.export_document(db(), start, end, utcnow())
    name = f"dayao-logistics-{start:%Y%m%d}-{end:%Y%m%d}"
    if args["format"] == "csv":
        body = platform_export.records_csv(document["records"])
        return Response(
            body,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    return Response(
        platform_export.document_json(document),
        mimetype="application/json",
        headers={"Content-Disposition": f'inline; filename="{name}.json"'},
    )


# -- the dashboard's section -------------------------------------------------------------------


def services_context(session: Session) -> dict[str, Any]:
    """What program/_station_services.html shows: a month's counts per township and station
    (no villager ever), and parcels per facility that month. `?services_month=YYYY-MM`."""
    chosen = request.args.get("services_month", "")
    valid = MonthArgsSchema().validate({"month": chosen}) == {} and bool(chosen)
    year, month = _month(chosen if valid else None, session)
    start, end = service.month_bounds(year, month)
    names = service.township_names(session)
    english = is_english()

    def township(code: str) -> str:
        zh, pinyin = names[code]
        return (pinyin if english else zh) or code

    def row(figures: service.MonthFigures) -> dict[str, Any]:
        return {
            "name": figures.name
            if figures.key != figures.township_code
            else township(figures.township_code),
            "township": township(figures.township_code),
            "counts": [figures.counts[k] for k in ServiceKind],
            "services": figures.services,
            "amount": money(figures.amount_fen),
            "parcels_in": figures.parcels_in,
            "parcels_out": figures.parcels_out,
        }

    volumes = parcels.volumes_by_facility(session, start, end - dt.timedelta(days=1))
    return {
        "services_month": f"{year:04d}-{month:02d}",
        "services_month_label": f"{year}-{month:02d}" if english else f"{year}年{month}月",
        "service_kind_names": [name_of(SERVICE_KINDS, k) for k in ServiceKind],
        "services_townships": [row(f) for f in service.monthly_by_township(session, year, month)],
        "services_stations": [row(f) for f in service.monthly_by_station(session, year, month)],
        "parcel_volumes": [
            {
                "name": v.facility.name,
                "kind": str(KIND_NAMES[FacilityKind(v.facility.kind)]),
                "parcels_in": v.parcels_in,
                "parcels_out": v.parcels_out,
                "shipments_in": v.shipments_in,
                "shipments_out": v.shipments_out,
            }
            for v in volumes
            if v.parcels_in or v.parcels_out or v.shipments_in or v.shipments_out
        ],
        "parcel_kind_totals": [
            {
                "kind": str(KIND_NAMES[kind]),
                "facilities": sum(1 for v in volumes if v.facility.kind is kind),
                "parcels_in": sum(v.parcels_in for v in volumes if v.facility.kind is kind),
                "parcels_out": sum(v.parcels_out for v in volumes if v.facility.kind is kind),
            }
            for kind in parcels.NETWORK
        ],
    }

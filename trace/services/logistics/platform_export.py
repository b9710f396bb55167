"""The logistics export for the prefecture's 城乡高效配送公共服务信息平台 (issue 19): shipments
and parcels by day and facility, as JSON (trace/schemas/json/logistics_export.schema.json) or
CSV with the same fields in the same order. README, "Logistics data for the prefecture"."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from trace.cells import SafeCsvWriter
from trace.errors import ValidationError
from trace.services.logistics.parcels import DayFigures, daily_figures

FORMAT = "dayao-trace.logistics-daily"
VERSION = 1
COUNTY_CODE = "532326"
MAX_DAYS = 366
SCHEMA_PATH = (
    Path(__file__).resolve().parents[2] / "schemas" / "json" / "logistics_export.schema.json"
)
FIELDS = (
    "date",
    "facility_id",
    "facility_name",
    "facility_kind",
    "township_code",
    "station_id",
    "shipments_out",
    "shipments_in",
    "parcels_in",
    "parcels_out",
)


def check_range(start: dt.date, end: dt.date) -> None:
    """Raises ValidationError (to: before from; the range over MAX_DAYS days)."""
    if end < start:
        raise ValidationError.for_field("to", "logistics_export.range_reversed")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationError.for_field("to", "logistics_export.range_too_long", days=MAX_DAYS)


def _record(day: DayFigures) -> dict[str, Any]:
    facility = day.facility
    return {
        "date": day.day.isoformat(),
        "facility_id": facility.id,
        "facility_name": facility.name,
        "facility_kind": str(facility.kind.value),
        "township_code": facility.township_code,
        "station_id": facility.station_id,
        "shipments_out": day.shipments_out,
        "shipments_in": day.shipments_in,
        "parcels_in": day.parcels_in,
        "parcels_out": day.parcels_out,
    }


def export_records(session: Session, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """The records of the range. Raises ValidationError for a bad range."""
    check_range(start, end)
    return [_record(day) for day in daily_figures(session, start, end)]


def export_document(
    session: Session, start: dt.date, end: dt.date, generated_at: dt.datetime
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        "county_code": COUNTY_CODE,
        "generated_at": generated_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "from": start.isoformat(),
        "to": end.isoformat(),
        "records": export_records(session, start, end),
    }


def document_json(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1)


def records_csv(records: list[dict[str, Any]]) -> str:
    """UTF-8 CSV (RFC 4180), a header row of FIELDS, no byte-order mark (read by a program);
    an empty station_id is a point not merged with a station. Facility names are staff text:
    one that looks like a formula is neutralised as in every export (trace.cells)."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(FIELDS)
    for record in records:
        writer.writerow(["" if record[f] is None else record[f] for f in FIELDS])
    return buffer.getvalue()

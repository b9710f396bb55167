"""Service stations: the JSON API and the public page of stations and village coverage."""

from __future__ import annotations

from typing import Any

from flask import Blueprint as PageBlueprint
from flask import render_template
from flask_babel import gettext as _
from flask_smorest import Blueprint

from trace.models.stations import StationTier
from trace.models.targets import MetricKey
from trace.policy import authorize
from trace.schemas.program import (
    CoverageReportSchema,
    StationCreateSchema,
    StationPageSchema,
    StationQueryArgsSchema,
    StationSchema,
    StationUpdateSchema,
)
from trace.services import stations as service
from trace.services import targets
from trace.web import names
from trace.web.auth import current_actor
from trace.web.charts import Bar, percent_bars
from trace.web.database import db
from trace.web.formats import fmt, is_english

PREFIX = "/stations"
blp = Blueprint("stations", __name__, description="E-commerce service stations (三级服务站点)")
pages = PageBlueprint("program_stations", __name__)

TIER_NAMES = names.STATION_TIERS
SERVICE_NAMES = names.STATION_SERVICES


@blp.get("")
@blp.arguments(StationQueryArgsSchema, location="query")
@blp.response(200, StationPageSchema)
def list_stations(args: dict[str, Any]) -> Any:
    return service.list_stations(db(), current_actor(), **args)


@blp.post("")
@blp.arguments(StationCreateSchema)
@blp.response(201, StationSchema)
def create_station(data: dict[str, Any]) -> Any:
    session = db()
    station = service.create_station(session, current_actor(), **data)
    session.commit()
    return station


@blp.get("/coverage")
@blp.response(200, CoverageReportSchema)
def coverage() -> Any:
    """Administrative villages with a village station, by township and for the county."""
    authorize(current_actor(), "record.read")
    session = db()
    rows = service.coverage_by_township(session)
    return {
        "target_pct": targets.target_value_for(session, MetricKey.VILLAGE_COVERAGE_PCT),
        "county": service.county_coverage(rows),
        "townships": rows,
    }


@blp.get("/<int:station_id>")
@blp.response(200, StationSchema)
def get_station(station_id: int) -> Any:
    return service.get_station(db(), current_actor(), station_id)


@blp.patch("/<int:station_id>")
@blp.arguments(StationUpdateSchema(partial=True))
@blp.response(200, StationSchema)
def update_station(changes: dict[str, Any], station_id: int) -> Any:
    session = db()
    station = service.update_station(session, current_actor(), station_id, **changes)
    session.commit()
    return station


def coverage_chart(rows: list[service.TownshipCoverage], target: Any) -> Any:
    english = is_english()
    bars = [
        Bar(
            r.name_pinyin if english else r.name_zh,
            r.pct,
            f"{r.covered_villages}/{r.administrative_villages}",
        )
        for r in rows
    ]
    return percent_bars(
        bars,
        target,
        _("各乡镇行政村覆盖率"),
        _("每个乡镇有村级服务点的行政村所占比例；虚线为目标。"),
    )


@pages.get("/stations")
def stations_page() -> str:
    """Public: stations by tier and coverage; operators and people are not shown."""
    session = db()
    rows = service.coverage_by_township(session)
    target = targets.target_value_for(session, MetricKey.VILLAGE_COVERAGE_PCT)
    stations = service.public_stations(session)
    by_tier = {tier: [s for s in stations if s.tier is tier] for tier in StationTier}
    return render_template(
        "program/stations.html",
        by_tier=by_tier,
        tier_names=TIER_NAMES,
        service_names=SERVICE_NAMES,
        county=service.county_coverage(rows),
        rows=rows,
        chart=coverage_chart(rows, target),
        fmt=fmt,
    )

"""The plan's targets: the JSON API to edit them, and the public dashboard with its CSV export."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint as PageBlueprint
from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_smorest import Blueprint

from trace.cells import SafeCsvWriter
from trace.db import utcnow
from trace.models.targets import MetricKey
from trace.models.training import TrainingKind
from trace.policy import authorize
from trace.schemas.program import (
    ProgressSchema,
    TargetCreateSchema,
    TargetSchema,
    TargetUpdateSchema,
)
from trace.services import logistics, metrics, stations
from trace.services import targets as service
from trace.web.auth import current_actor
from trace.web.charts import Series, progress_bar, stacked_columns
from trace.web.database import db
from trace.web.formats import fmt, is_english, pick, unit
from trace.web.program.funding import funding_context
from trace.web.program.logistics import CATEGORY_NAMES
from trace.web.program.station_services import services_context
from trace.web.program.stations import coverage_chart
from trace.web.program.training import KIND_NAMES

PREFIX = ""  # /targets and /dashboard
blp = Blueprint("targets", __name__, description="The county plan's targets and their progress")
pages = PageBlueprint("program_dashboard", __name__)

CSV_COLUMNS = (
    "code",
    "label_zh",
    "label_en",
    "unit",
    "target_value",
    "current_value",
    "progress_pct",
    "is_met",
    "metric",
)


@blp.get("/targets")
@blp.response(200, TargetSchema(many=True))
def list_targets() -> Any:
    return service.list_targets(db(), current_actor())


@blp.post("/targets")
@blp.arguments(TargetCreateSchema)
@blp.response(201, TargetSchema)
def create_target(data: dict[str, Any]) -> Any:
    session = db()
    target = service.create_target(session, current_actor(), **data)
    session.commit()
    return target


@blp.get("/targets/<int:target_id>")
@blp.response(200, TargetSchema)
def get_target(target_id: int) -> Any:
    return service.get_target(db(), current_actor(), target_id)


@blp.patch("/targets/<int:target_id>")
@blp.arguments(TargetUpdateSchema(partial=True))
@blp.response(200, TargetSchema)
def update_target(changes: dict[str, Any], target_id: int) -> Any:
    session = db()
    target = service.update_target(session, current_actor(), target_id, **changes)
    session.commit()
    return target


@blp.get("/dashboard")
@blp.response(200, ProgressSchema(many=True))
def dashboard() -> Any:
    """Every target with its current value, computed from the records now."""
    authorize(current_actor(), "record.read")
    return service.progress(db())


def _chart_year(session: Any) -> int:
    chosen = request.args.get("year", "")
    if chosen.isdigit() and 2015 <= int(chosen) <= 2100:
        return int(chosen)
    return metrics.latest_training_year(session) or utcnow().year


@pages.get("/dashboard")
def dashboard_page() -> str:
    """Public programme progress: aggregates only, no personal data."""
    session = db()
    rows = service.progress(session)
    coverage_rows = stations.coverage_by_township(session)
    coverage_target = service.target_value_for(session, MetricKey.VILLAGE_COVERAGE_PCT)
    year = _chart_year(session)
    months = metrics.training_by_month(session, year)
    month_labels = [str(m) if is_english() else f"{m}月" for m in months]
    training_chart = stacked_columns(
        month_labels,
        [Series(str(KIND_NAMES[k]), [months[m][k] for m in months]) for k in TrainingKind],
        _("%(year)s年各月培训人次", year=year),
        _("按月份和培训类型统计的参训人次。"),
    )
    return render_template(
        "program/dashboard.html",
        rows=[
            {
                "label": pick(p.target.label_zh, p.target.label_en),
                "code": p.target.code,
                "unit": unit(p.target.unit),
                "target": fmt(p.target.target_value),
                "current": fmt(p.current),
                "pct": p.pct,
                "is_met": p.is_met,
                "is_measured": p.is_measured,
                "note": p.target.note,
                "bar": progress_bar(p.pct, pick(p.target.label_zh, p.target.label_en)),
            }
            for p in rows
        ],
        met=sum(1 for p in rows if p.is_met),
        measured=sum(1 for p in rows if p.is_measured),
        coverage_chart=coverage_chart(coverage_rows, coverage_target),
        training_chart=training_chart,
        year=year,
        alerts=logistics.open_alerts(session),
        category_names=CATEGORY_NAMES,
        as_of=utcnow(),
        fmt=fmt,
        # Issue 19's sections (program/_funding.html, program/_station_services.html).
        **funding_context(session),
        **services_context(session),
    )


@pages.get("/dashboard.csv")
def dashboard_csv() -> Response:
    """The dashboard as a spreadsheet: one row per target; blank current = not yet measured."""
    buffer = io.StringIO()
    # A byte-order mark lets spreadsheet programs on Windows read the Chinese labels correctly.
    buffer.write("\ufeff")
    # Target labels are typed by staff: a formula-like one stays text (trace.cells).
    writer = SafeCsvWriter(buffer)
    writer.writerow(CSV_COLUMNS)
    for p in service.progress(db()):
        writer.writerow(
            [
                p.target.code,
                p.target.label_zh,
                p.target.label_en,
                p.target.unit,
                f"{p.target.target_value.normalize():f}",
                "" if p.current is None else f"{p.current.normalize():f}",
                "" if p.pct is None else f"{p.pct:f}",
                "" if p.is_met is None else ("yes" if p.is_met else "no"),
                p.target.metric.value,
            ]
        )
    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="dayao-programme-targets-{stamp}.csv"'
        },
    )

"""The plan's targets: the JSON API to edit them, and the public dashboard with its CSV export."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint as PageBlueprint
from flask import Response, render_template
from flask_smorest import Blueprint

from trace.cells import SafeCsvWriter
from trace.db import utcnow
from trace.policy import authorize
from trace.schemas.program import (
    ProgressSchema,
    TargetCreateSchema,
    TargetSchema,
    TargetUpdateSchema,
)
from trace.services import targets as service
from trace.services.targets import Progress, threshold
from trace.web.auth import current_actor
from trace.web.database import db
from trace.web.formats import fmt
from trace.web.program import dashboard_sections as sections

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
    "area",
    "plan_text_zh",
    "comparison",
    "baseline_year",
    "figure_source",
    "current_source",
    "current_as_of",
    "status",
    "milestones",
    "milestone_due_on",
    "milestone_value",
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


@pages.get("/dashboard")
def dashboard_page() -> str:
    """Public programme progress, one section after another (dashboard_sections.SECTIONS):
    aggregates only, no personal data."""
    return render_template(
        "program/dashboard.html", blocks=sections.blocks(db()), as_of=utcnow(), fmt=fmt
    )


def _csv_row(p: Progress) -> list[str]:
    target = p.target
    judged = p.milestone
    return [
        target.code,
        target.label_zh,
        target.label_en,
        target.unit,
        f"{target.target_value.normalize():f}",
        "" if p.current is None else f"{p.current.normalize():f}",
        "" if p.pct is None else f"{p.pct:f}",
        "" if p.is_met is None else ("yes" if p.is_met else "no"),
        "" if target.metric is None else target.metric.value,
        # Added with the plan's milestones (issue 19): after the original columns.
        target.area_zh,
        target.plan_text_zh,
        target.comparison.name.lower(),  # at_least, at_most, equal: "=" would look like a formula
        "" if target.baseline_year is None else str(target.baseline_year),
        target.figure_source.value,
        p.source,
        "" if p.as_of is None else p.as_of.isoformat(),
        p.status.value,
        ";".join(sections.milestone_data(m) for m in target.milestones),
        "" if judged is None else judged.due_on.isoformat(),
        "" if judged is None else f"{threshold(target, judged).normalize():f}",
    ]


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
        writer.writerow(_csv_row(p))
    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="dayao-programme-targets-{stamp}.csv"'
        },
    )


@pages.get("/dashboard.xlsx")
def dashboard_xlsx() -> Response:
    """Every target with its milestones and status, and each section's tables, for 验收."""
    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        sections.workbook(db()),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={
            "Content-Disposition": f'attachment; filename="dayao-programme-targets-{stamp}.xlsx"'
        },
    )

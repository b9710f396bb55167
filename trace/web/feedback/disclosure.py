"""The public disclosure page (政务公开): the plan and its progress, notices, complaint figures.

Aggregates only: no page here shows a person, a contact or a report's text.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for

from trace.models.disclosure import NoticeCategory
from trace.models.feedback import ReportKind, ReportOutcome
from trace.schemas.disclosure import NoticeSchema
from trace.schemas.feedback import MonthStatsSchema
from trace.services import checkpoints
from trace.services import disclosure as service
from trace.services import feedback as feedback_service
from trace.web.charts import progress_bar
from trace.web.database import db
from trace.web.errors import wants_json
from trace.web.feedback.names import CATEGORIES, KINDS, OUTCOMES
from trace.web.formats import fmt, pick
from trace.web.uploads import send_stored, upload_dir

bp = Blueprint("disclosure", __name__)

NOTICES_ON_FRONT = 10
NOTICES_PER_PAGE = 20
STATISTICS_MONTHS = 12


def _progress() -> list[dict[str, Any]]:
    rows = []
    for row in service.progress_rows(db()):
        label = pick(row.label_zh, row.label_en)
        rows.append(
            {
                "code": row.code,
                "label": label,
                "unit": row.unit,
                "target": fmt(row.target_value) if row.target_value is not None else "",
                "current": fmt(row.current),
                "pct": row.pct,
                "is_met": row.is_met,
                "source": row.source,
                "as_of": row.as_of,
                "note": row.note,
                "bar": progress_bar(row.pct, label) if row.target_value else None,
            }
        )
    return rows


def _shareable(response: Response) -> Response:
    """The same for everyone: short-lived caching is fine."""
    response.headers.setdefault("Cache-Control", "public, max-age=60")
    response.vary.update(("Accept", "Accept-Language"))
    return response


@bp.get("/disclosure")
def disclosure_page() -> Any:
    session = db()
    statistics = feedback_service.monthly_statistics(session, STATISTICS_MONTHS)
    if wants_json():
        return _shareable(
            jsonify(
                {
                    "progress": [
                        {
                            "code": row.code,
                            "label_zh": row.label_zh,
                            "label_en": row.label_en,
                            "unit": row.unit,
                            "target_value": _number(row.target_value),
                            "current_value": _number(row.current),
                            "source": row.source or None,
                            "as_of": row.as_of.isoformat() if row.as_of else None,
                        }
                        for row in service.progress_rows(session)
                    ],
                    "notices": NoticeSchema(many=True, exclude=("body",)).dump(
                        service.published_notices(session, per_page=NOTICES_ON_FRONT).items
                    ),
                    "complaints_by_month": MonthStatsSchema(many=True).dump(statistics),
                    "checkpoint": _checkpoint_link(session),
                }
            )
        )
    plans = service.published_notices(session, per_page=3, category=NoticeCategory.PLAN.value)
    return _shareable(
        current_app.make_response(
            render_template(
                "feedback/disclosure.html",
                plans=plans.items,
                progress=_progress(),
                notices=service.published_notices(session, per_page=NOTICES_ON_FRONT),
                statistics=statistics,
                totals=_totals(statistics),
                kinds=[(k.value, KINDS[k.value]) for k in ReportKind],
                outcomes=[(o, OUTCOMES[o]) for o in ("open", *(o.value for o in ReportOutcome))],
                categories=CATEGORIES,
                fmt=fmt,
                checkpoint=checkpoints.latest_checkpoint(session),
            )
        )
    )


def _checkpoint_link(session: Any) -> dict[str, Any] | None:
    """The latest signed checkpoint and where to fetch it and its public key."""
    latest = checkpoints.latest_checkpoint(session)
    if latest is None:
        return None
    return {
        "sequence": latest.sequence,
        "created_at": latest.created_at.isoformat(),
        "url": url_for("transparency.checkpoint", sequence=latest.sequence, _external=True),
        "public_key_url": url_for("transparency.public_key", _external=True),
    }


def _number(value: Any) -> str | None:
    return None if value is None else f"{value.normalize():f}"


def _totals(statistics: list[feedback_service.MonthStats]) -> dict[str, Any]:
    totals: dict[str, Any] = {
        "total": sum(m.total for m in statistics),
        "by_kind": {},
        "by_outcome": {},
    }
    for month in statistics:
        for key, count in month.by_kind.items():
            totals["by_kind"][key] = totals["by_kind"].get(key, 0) + count
        for key, count in month.by_outcome.items():
            totals["by_outcome"][key] = totals["by_outcome"].get(key, 0) + count
    return totals


@bp.get("/disclosure/notices")
def notices_page() -> Any:
    category = request.args.get("category", "")
    if category not in {c.value for c in NoticeCategory}:
        category = ""
    page = request.args.get("page", "1")
    notices = service.published_notices(
        db(),
        page=int(page) if page.isdigit() else 1,
        per_page=NOTICES_PER_PAGE,
        category=category or None,
    )
    return _shareable(
        current_app.make_response(
            render_template(
                "feedback/notices.html", notices=notices, category=category, categories=CATEGORIES
            )
        )
    )


@bp.get("/disclosure/notices/<int:notice_id>")
def notice_page(notice_id: int) -> Any:
    notice = service.public_notice(db(), notice_id)
    if wants_json():
        return _shareable(jsonify(NoticeSchema().dump(notice)))
    return _shareable(
        current_app.make_response(
            render_template("feedback/notice.html", notice=notice, categories=CATEGORIES)
        )
    )


@bp.get("/disclosure/notices/<int:notice_id>/files/<int:attachment_id>")
def notice_file(notice_id: int, attachment_id: int) -> Response:
    """A published notice's PDF, for anyone."""
    attachment, path = service.attachment_file(db(), notice_id, attachment_id, upload_dir())
    response = send_stored(path, attachment.content_type, attachment.original_filename)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response

"""The plan's targets: the admin edits their values (the dashboard compares records with them)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import fields, validate

from trace.schemas.common import Integer, StrictSchema, trimmed
from trace.services import targets as service
from trace.web.database import db
from trace.web.forms import Form
from trace.web.program.staff_forms import _actor, _form_page, _posted, bp


class TargetFormSchema(StrictSchema):
    """What the programme office changes: the value, its unit, a note on the source."""

    target_value = fields.Decimal(
        required=True, places=2, validate=validate.Range(min=0, min_inclusive=False, max=10**12)
    )
    unit = trimmed(20, load_default="")
    note = trimmed(300, load_default="")
    milestones = trimmed(500, load_default="")  # 2019-08-31:50%;2019-10-31:100%


@bp.get("/targets")
def targets() -> Any:
    return render_template(
        "staff_program/targets.html", targets=service.list_targets(db(), _actor())
    )


@bp.route("/targets/<int:target_id>/edit", methods=["GET", "POST"])
def edit_target(target_id: int) -> Any:
    session, actor = db(), _actor()
    record = service.get_target(session, actor, target_id)
    current = {
        "target_value": record.target_value,
        "unit": record.unit,
        "note": record.note,
        "milestones": ";".join(service.milestone_notation(m) for m in record.milestones),
    }
    form = Form(_posted() if request.method == "POST" else current)
    if request.method == "POST":
        data = form.load(TargetFormSchema())
        if data is not None:
            milestones = data.pop("milestones")

            def save() -> None:
                service.update_target(session, actor, record.id, **data)
                service.set_milestones(session, actor, record.id, milestones)

            form.attempt(save)
            if form.is_valid:
                flash(_("已修改目标：%(label)s", label=record.label_zh), "ok")
                return redirect(url_for(".targets"), 303)
    return _form_page("staff_program/target_form.html", form, target=record)


class TargetFigureFormSchema(StrictSchema):
    """A month's figure the programme office reports, with its source and evidence document."""

    month = fields.Date(required=True, format="%Y-%m")
    value = fields.Decimal(
        required=True, places=2, validate=validate.Range(min=-(10**12), max=10**12)
    )
    source = trimmed(200, 1, required=True)
    evidence = trimmed(200, 1, required=True)
    note = trimmed(300, load_default="")
    corrects_id = Integer(load_default=None, allow_none=True)


@bp.get("/targets/<int:target_id>/figures")
def target_figures(target_id: int) -> Any:
    session, actor = db(), _actor()
    target = service.get_target(session, actor, target_id)
    entries = service.list_entries(session, actor, target.id)
    corrected = {e.corrects_id for e in entries if e.corrects_id is not None}
    return render_template(
        "staff_program/target_figures.html",
        target=target,
        entries=entries,
        corrected=corrected,
        current=service.latest_entries(session).get(target.id),
    )


@bp.route("/targets/<int:target_id>/figures/new", methods=["GET", "POST"])
def new_target_figure(target_id: int) -> Any:
    """Enter a month's figure (or a correction of an entry, `?corrects=<id>`): a few fields,
    usable on a phone; nothing is ever edited in place."""
    session, actor = db(), _actor()
    target = service.get_target(session, actor, target_id)
    corrects = request.args.get("corrects", type=int)
    earlier = next(
        (e for e in service.list_entries(session, actor, target.id) if e.id == corrects), None
    )
    start: dict[str, Any] = {}
    if earlier is not None:
        start = {
            "month": earlier.month.strftime("%Y-%m"),
            "value": earlier.value,
            "source": earlier.source,
            "evidence": earlier.evidence,
            "corrects_id": earlier.id,
        }
    form = Form(_posted() if request.method == "POST" else start)
    if request.method == "POST":
        data = form.load(TargetFigureFormSchema())
        if data is not None:
            form.attempt(lambda: service.enter_figure(session, actor, target.id, **data))
            if form.is_valid:
                flash(_("已填报：%(label)s", label=target.label_zh), "ok")
                return redirect(url_for(".target_figures", target_id=target.id), 303)
    return _form_page("staff_program/target_figure_form.html", form, target=target, earlier=earlier)

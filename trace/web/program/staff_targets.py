"""The plan's targets: the admin edits their values (the dashboard compares records with them)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import fields

from trace.schemas import validate
from trace.schemas.common import StrictSchema, trimmed
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


@bp.get("/targets")
def targets() -> Any:
    return render_template(
        "staff_program/targets.html", targets=service.list_targets(db(), _actor())
    )


@bp.route("/targets/<int:target_id>/edit", methods=["GET", "POST"])
def edit_target(target_id: int) -> Any:
    session, actor = db(), _actor()
    record = service.get_target(session, actor, target_id)
    current = {"target_value": record.target_value, "unit": record.unit, "note": record.note}
    form = Form(_posted() if request.method == "POST" else current)
    if request.method == "POST":
        data = form.load(TargetFormSchema())
        if data is not None:
            form.attempt(lambda: service.update_target(session, actor, record.id, **data))
            if form.is_valid:
                flash(_("已修改目标：%(label)s", label=record.label_zh), "ok")
                return redirect(url_for(".targets"), 303)
    return _form_page("staff_program/target_form.html", form, target=record)

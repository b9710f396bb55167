"""Training forms: courses, sessions (station staff for their township), attendance, incubation."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from trace.models.training import IncubationOutcome, TrainingKind
from trace.models.users import Role
from trace.schemas.common import Integer
from trace.schemas.program import (
    CourseCreateSchema,
    IncubationCreateSchema,
    IncubationUpdateSchema,
    TraineeCreateSchema,
    TrainingSessionCreateSchema,
)
from trace.services import regions
from trace.services import training as service
from trace.web.database import db, rollback
from trace.web.forms import FORM_ERRORS, Form
from trace.web.program.staff_forms import PER_PAGE, _actor, _form_page, _posted, bp
from trace.web.program.training import KIND_NAMES, OUTCOME_NAMES

ATTENDANCE_ROWS = 8  # fixed rows of trainees per submit; a big class is entered in turns


def _townships() -> list[Any]:
    """Station staff are offered their own township only (the service would refuse others)."""
    actor = _actor()
    townships = regions.list_townships(db())
    if actor.role is Role.STATION:
        return [t for t in townships if t.code == actor.township_code]
    return townships


@bp.get("/training")
def training() -> Any:
    session, actor = db(), _actor()
    return render_template(
        "staff_program/training.html",
        courses=service.list_courses(session, actor, per_page=PER_PAGE),
        sessions=service.list_sessions(session, actor, per_page=PER_PAGE),
        incubations=service.list_incubations(session, actor, per_page=PER_PAGE),
        kind_names=KIND_NAMES,
        outcome_names=OUTCOME_NAMES,
    )


@bp.route("/training/courses/new", methods=["GET", "POST"])
def new_course() -> Any:
    form = Form(_posted() if request.method == "POST" else {"kind": "general"})
    if request.method == "POST":
        data = form.load(CourseCreateSchema())
        if data is not None:
            session = db()
            record = form.attempt(lambda: service.create_course(session, _actor(), **data))
            if record is not None:
                flash(_("已新增课程：%(title)s", title=record.title), "ok")
                return redirect(url_for(".training"), 303)
    return _form_page(
        "staff_program/course_form.html",
        form,
        kinds=[(k.value, str(KIND_NAMES[k])) for k in TrainingKind],
    )


class SessionFormSchema(TrainingSessionCreateSchema):
    """The API's session schema, reading ids from form text."""

    course_id = Integer(required=True)
    station_id = Integer(load_default=None, allow_none=True)


@bp.route("/training/sessions/new", methods=["GET", "POST"])
def new_session() -> Any:
    actor = _actor()
    defaults = {"township_code": actor.township_code} if actor.township_code else {}
    form = Form(_posted() if request.method == "POST" else defaults)
    if request.method == "POST":
        data = form.load(SessionFormSchema(), fields=_SESSION_FIELDS)
        if data is not None:
            session = db()
            record = form.attempt(lambda: service.create_session(session, actor, **data))
            if record is not None:
                flash(_("已登记培训场次。"), "ok")
                return redirect(url_for(".attendance", session_id=record.id), 303)
    courses = service.list_courses(db(), actor, per_page=500).items
    return _form_page(
        "staff_program/session_form.html",
        form,
        courses=[(str(c.id), c.title) for c in courses],
        townships=_townships(),
    )


_SESSION_FIELDS = ("course_id", "township_code", "venue", "held_on", "hours", "trainer")


@bp.route("/training/sessions/<int:session_id>/attendance", methods=["GET", "POST"])
def attendance(session_id: int) -> Any:
    """New trainees of the session's township, marked present: names and two flags, no ID."""
    session, actor = db(), _actor()
    training = service.get_session(session, actor, session_id)
    form = Form(_posted() if request.method == "POST" else {})
    if request.method == "POST":
        rows = _trainee_rows(form, training.township_code)
        if form.is_valid:
            try:
                trainees = [service.create_trainee(session, actor, **row) for row in rows]
                session.flush()
                service.record_attendance(session, actor, training.id, [t.id for t in trainees])
            except FORM_ERRORS as exc:
                rollback()
                form.fail(exc)
            else:
                session.commit()
                flash(_("已记录 %(n)s 人到课。", n=len(trainees)), "ok")
                return redirect(url_for(".attendance", session_id=session_id), 303)
    return _form_page(
        "staff_program/attendance_form.html",
        form,
        training=training,
        present=service.list_attendance(session, actor, session_id),
        rows=range(ATTENDANCE_ROWS),
        kind_names=KIND_NAMES,
    )


def _trainee_rows(form: Form, township_code: str) -> list[dict[str, Any]]:
    """The rows with a name; each row's errors are shown beside its own fields."""
    rows: list[dict[str, Any]] = []
    schema = TraineeCreateSchema()
    for row in range(ATTENDANCE_ROWS):
        name = str(form.value(f"name_{row}")).strip()
        if not name:
            continue
        sub = Form(
            {
                "name": name,
                "township_code": township_code,
                "village": form.value(f"village_{row}"),
                "is_poverty_registered": form.value(f"poverty_{row}") or "0",
                "is_disabled": form.value(f"disabled_{row}") or "0",
            }
        )
        data = sub.load(schema)
        for field, messages in sub.errors.items():
            form.errors.setdefault(f"{field}_{row}", []).extend(messages)
        if data is not None:
            rows.append(data)
    if not rows and form.is_valid:
        form.add("_form", "training.trainee_name_required")
    return rows


class IncubationFormSchema(IncubationCreateSchema):
    trainee_id = Integer(required=True)


def _trainee_choices() -> list[tuple[str, str]]:
    actor = _actor()
    township = actor.township_code if actor.role is Role.STATION else None
    page = service.list_trainees(db(), actor, per_page=500, township_code=township)
    return [(str(t.id), f"{t.name or '#' + str(t.id)}（{t.village}）") for t in page.items]


def _outcomes() -> list[tuple[str, str]]:
    return [(o.value, str(OUTCOME_NAMES[o])) for o in IncubationOutcome]


@bp.route("/training/incubations/new", methods=["GET", "POST"])
def new_incubation() -> Any:
    form = Form(_posted() if request.method == "POST" else {"outcome": "in_progress"})
    if request.method == "POST":
        data = form.load(IncubationFormSchema())
        if data is not None:
            session = db()
            form.attempt(lambda: service.create_incubation(session, _actor(), **data))
            if form.is_valid:
                flash(_("已登记孵化对象。"), "ok")
                return redirect(url_for(".training"), 303)
    return _form_page(
        "staff_program/incubation_form.html",
        form,
        trainees=_trainee_choices(),
        outcomes=_outcomes(),
        incubation=None,
    )


@bp.route("/training/incubations/<int:incubation_id>", methods=["GET", "POST"])
def incubation_outcome(incubation_id: int) -> Any:
    session, actor = db(), _actor()
    record = service.get_incubation(session, actor, incubation_id)
    current = {
        "outcome": record.outcome.value,
        "ended_on": record.ended_on.isoformat() if record.ended_on else "",
        "outcome_note": record.outcome_note,
    }
    form = Form(_posted() if request.method == "POST" else current)
    if request.method == "POST":
        data = form.load(IncubationUpdateSchema(), fields=("outcome", "ended_on", "outcome_note"))
        if data is not None:
            data.setdefault("outcome_note", "")
            form.attempt(lambda: service.update_incubation(session, actor, record.id, **data))
            if form.is_valid:
                flash(_("已记录孵化结果。"), "ok")
                return redirect(url_for(".training"), 303)
    return _form_page(
        "staff_program/incubation_form.html",
        form,
        trainees=[],
        outcomes=_outcomes(),
        incubation=record,
    )

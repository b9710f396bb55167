"""Admin pages under /staff/disclosure: the county's notices (with PDF attachments) and the
figures it reports by hand for the public disclosure page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from trace.errors import TraceError
from trace.models.disclosure import NoticeCategory
from trace.models.users import User
from trace.schemas.disclosure import FigureCreateSchema, NoticeCreateSchema
from trace.services import disclosure as service
from trace.services import targets as target_service
from trace.web.auth import current_actor
from trace.web.database import db, rollback
from trace.web.feedback.common import fail
from trace.web.feedback.names import CATEGORIES
from trace.web.forms import Form
from trace.web.uploads import upload_arguments

bp = Blueprint("disclosure_staff", __name__, url_prefix="/staff/disclosure")

NOTICE_FIELDS = ("title", "category", "published_on", "body", "is_published")
FIGURE_FIELDS = (
    "label_zh",
    "label_en",
    "value",
    "target_value",
    "unit",
    "as_of",
    "target_code",
    "source",
    "sort_order",
)


def _actor() -> User:
    actor = current_actor()
    assert actor is not None  # the access hook let only signed-in staff through
    return actor


def _categories() -> list[tuple[str, Any]]:
    return [(c.value, CATEGORIES[c.value]) for c in NoticeCategory]


def _notice_form_values() -> dict[str, Any]:
    values = {name: request.form.get(name, "") for name in NOTICE_FIELDS}
    # An unticked checkbox sends nothing: that means "not published", not "use the default".
    values["is_published"] = "1" if request.form.get("is_published") else "false"
    return values


@bp.get("/notices")
def notices() -> Any:
    page_arg = request.args.get("page", "1")
    page = service.list_notices(
        db(), _actor(), page=int(page_arg) if page_arg.isdigit() else 1, per_page=20
    )
    return render_template("feedback/staff_notices.html", page=page, categories=CATEGORIES)


@bp.route("/notices/new", methods=["GET", "POST"])
def new_notice() -> Any:
    actor = _actor()
    form = Form(_notice_form_values() if request.method == "POST" else {"is_published": "1"})
    if request.method == "POST":
        data = form.load(NoticeCreateSchema(), fields=NOTICE_FIELDS)
        if data is not None:
            session = db()
            try:
                notice = service.create_notice(session, actor, **data)
            except TraceError as exc:
                rollback()
                fail(form, exc, NOTICE_FIELDS)
            else:
                session.commit()
                flash(_("公告已保存。"), "ok")
                return redirect(url_for(".notice", notice_id=notice.id), 303)
    return render_template(
        "feedback/staff_notice_form.html", form=form, notice=None, categories=_categories()
    ), (200 if form.is_valid else 422)


@bp.route("/notices/<int:notice_id>", methods=["GET", "POST"])
def notice(notice_id: int) -> Any:
    actor = _actor()
    session = db()
    record = service.get_notice(session, actor, notice_id)
    if request.method == "POST":
        form = Form(_notice_form_values())
        data = form.load(NoticeCreateSchema(), fields=NOTICE_FIELDS)
        if data is not None:
            try:
                service.update_notice(session, actor, notice_id, **data)
            except TraceError as exc:
                rollback()
                fail(form, exc, NOTICE_FIELDS)
            else:
                session.commit()
                flash(_("公告已保存。"), "ok")
                return redirect(url_for(".notice", notice_id=notice_id), 303)
    else:
        form = Form(
            {
                "title": record.title,
                "category": record.category.value,
                "published_on": record.published_on.isoformat(),
                "body": record.body,
                "is_published": "1" if record.is_published else "false",
            }
        )
    return render_template(
        "feedback/staff_notice_form.html",
        form=form,
        notice=service.get_notice(session, actor, notice_id),
        upload=Form(),
        categories=_categories(),
    ), (200 if form.is_valid else 422)


@bp.post("/notices/<int:notice_id>/attachments")
def upload(notice_id: int) -> Any:
    """Attach a PDF to a notice."""
    actor = _actor()
    session = db()
    upload_form = Form()
    storage = request.files.get("file")
    if storage is None or not storage.filename:
        upload_form.add("file", "upload.pdf_required")
    else:
        try:
            service.attach_file(
                session,
                actor,
                notice_id,
                **upload_arguments(storage, service.ATTACHMENT_MAX_BYTES),
            )
        except TraceError as exc:
            if exc.code == "not_found":
                raise
            rollback()
            fail(upload_form, exc, ("file",))
        else:
            session.commit()
            flash(_("附件已上传。"), "ok")
            return redirect(url_for(".notice", notice_id=notice_id), 303)
    record = service.get_notice(session, actor, notice_id)
    form = Form(
        {
            "title": record.title,
            "category": record.category.value,
            "published_on": record.published_on.isoformat(),
            "body": record.body,
            "is_published": "1" if record.is_published else "false",
        }
    )
    return render_template(
        "feedback/staff_notice_form.html",
        form=form,
        notice=record,
        upload=upload_form,
        categories=_categories(),
    ), 422


@bp.route("/figures", methods=["GET", "POST"])
def figures() -> Any:
    """The figures the county reports by hand, and a form to add one."""
    actor = _actor()
    session = db()
    form = Form(
        {name: request.form.get(name, "") for name in FIGURE_FIELDS}
        if request.method == "POST"
        else {}
    )
    if request.method == "POST":
        data = form.load(FigureCreateSchema(), fields=FIGURE_FIELDS)
        if data is not None:
            try:
                service.create_figure(session, actor, **data)
            except TraceError as exc:
                rollback()
                fail(form, exc, FIGURE_FIELDS)
            else:
                session.commit()
                flash(_("数据已保存。"), "ok")
                return redirect(url_for(".figures"), 303)
    return render_template(
        "feedback/staff_figures.html",
        form=form,
        figures=service.list_figures(session, actor),
        targets=target_service.all_targets(session),
    ), (200 if form.is_valid else 422)


@bp.post("/figures/<int:figure_id>/delete")
def delete_figure(figure_id: int) -> Any:
    session = db()
    service.delete_figure(session, _actor(), figure_id)
    session.commit()
    flash(_("数据已删除。"), "ok")
    return redirect(url_for(".figures"), 303)

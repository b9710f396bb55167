"""Account management for admins: list, create, disable/enable, reset a password."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from trace.models.users import Role
from trace.schemas.users import UserCreateSchema
from trace.services import accounts, regions
from trace.services import users as user_service
from trace.web import auth as web_auth
from trace.web.auth import current_actor
from trace.web.database import db, rollback
from trace.web.forms import FORM_ERRORS, Form
from trace.web.messages import text as worded

bp = Blueprint("users", __name__)


@bp.get("/users")
def users() -> Any:
    listed = user_service.list_users(db(), current_actor())
    return render_template("staff/users.html", users=listed, me=current_actor())


@bp.route("/users/new", methods=["GET", "POST"])
def new_user() -> Any:
    form = Form(request.form if request.method == "POST" else {"role": "station"})
    if request.method == "POST":
        data = form.load(UserCreateSchema())
        if data is not None:
            if data.get("role") != Role.STATION.value and not data.get("township_code"):
                data["township_code"] = None
            session = db()
            user = form.attempt(lambda: user_service.create_user(session, current_actor(), **data))
            if user is not None:
                flash(_("已创建账号：%(email)s", email=user.email), "ok")
                return redirect(url_for(".users"), 303)
    return render_template(
        "staff/user_form.html",
        form=form,
        roles=[r.value for r in Role],
        townships=regions.list_townships(db()),
    ), (200 if form.is_valid else 422)


@bp.post("/users/<int:user_id>/active")
def set_active(user_id: int) -> Any:
    session = db()
    is_active = request.form.get("is_active") == "1"
    try:
        user = accounts.set_user_active(session, current_actor(), user_id, is_active)
    except FORM_ERRORS as exc:
        rollback()
        form = Form()
        form.fail(exc)
        flash(form.error("is_active") or worded(exc.message), "error")
    else:
        session.commit()
        if is_active:
            flash(_("已启用 %(email)s", email=user.email), "ok")
        else:
            flash(_("已停用 %(email)s，其令牌已作废", email=user.email), "ok")
    return redirect(url_for(".users"), 303)


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
def reset_password(user_id: int) -> Any:
    session = db()
    actor = current_actor()
    user = user_service.get_user(session, actor, user_id)
    form = Form()
    if request.method == "POST":
        new = request.form.get("new_password", "")
        if new != request.form.get("confirm_password", ""):
            form.add("confirm_password", _("两次输入的新密码不一致"))
        else:
            try:
                user_service.set_password(session, actor, user, new)
            except FORM_ERRORS as exc:
                rollback()
                exc.errors = {"new_password": exc.errors.pop("password", [exc.message])}
                form.fail(exc)
            else:
                session.commit()
                if user.id == getattr(actor, "id", None):
                    web_auth.sign_in(user)  # keep this session; every other one has ended
                flash(_("已重设 %(email)s 的密码，其令牌已作废", email=user.email), "ok")
                return redirect(url_for(".users"), 303)
    return render_template("staff/reset_password.html", form=form, user=user), (
        200 if form.is_valid else 422
    )

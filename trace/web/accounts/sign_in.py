"""Signing in and out, changing one's password, and one's own API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import TooManyRequests

from trace.clock import utcnow
from trace.errors import AuthenticationError, NotFoundError
from trace.services import users as user_service
from trace.web import auth as web_auth
from trace.web.auth import current_actor
from trace.web.database import db, rollback
from trace.web.forms import FORM_ERRORS, Form
from trace.web.security import SignInThrottle

bp = Blueprint("auth", __name__)


def safe_next(target: str | None, user: Any = None) -> str:
    """Where to go after signing in: only a path inside /staff or /regulator, never another
    site; by default the staff dashboard, or a regulator's home at /regulator/."""
    if (
        target
        and target.startswith(("/staff", "/regulator"))
        and not target.startswith(("//", "/\\"))
        and "\\" not in target
    ):
        return target.rstrip("?")
    role = getattr(getattr(user, "role", None), "value", None)
    if role == "regulator":
        return url_for("regulator.index")
    return url_for("staff.home.dashboard")


def _retry_minutes(error: TooManyRequests) -> int:
    headers = getattr(error, "data", {}).get("headers", {})
    return max(1, -(-int(headers.get("Retry-After", "60")) // 60))


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    if request.method == "GET":
        if current_actor() is not None:
            return redirect(safe_next(request.args.get("next"), current_actor()))
        form = Form({"next": request.args.get("next", "")})
        expired = request.args.get("expired") == "1"
        return render_template("staff/sign_in.html", form=form, expired=expired)

    # The password is never put back into the form.
    form = Form({"email": request.form.get("email", ""), "next": request.form.get("next", "")})
    email = str(form.value("email")).strip()
    password = request.form.get("password", "")
    if not email or not password:
        for name, value in (("email", email), ("password", password)):
            if not value:
                form.add(name, "field.required")
        return render_template("staff/sign_in.html", form=form, expired=False), 422
    status = 422
    try:
        SignInThrottle.check(email)
        user = user_service.authenticate(db(), email, password)
    except TooManyRequests as exc:
        form.add("_form", "auth.sign_in_throttled", n=_retry_minutes(exc))
        status = 429
    except AuthenticationError:
        SignInThrottle.failed(email)
        form.add("_form", "auth.sign_in_failed")
    else:
        SignInThrottle.succeeded(email)
        web_auth.sign_in(user)
        return redirect(safe_next(str(form.value("next")), user), 303)
    return render_template("staff/sign_in.html", form=form, expired=False), status


@bp.post("/sign-out")
def sign_out() -> Any:
    web_auth.sign_out()
    flash(_("已退出登录。"), "ok")
    return redirect(url_for("staff.auth.sign_in"), 303)


@bp.route("/account/password", methods=["GET", "POST"])
def password() -> Any:
    actor = current_actor()
    assert actor is not None
    form = Form()
    if request.method == "POST":
        current = request.form.get("current_password", "")
        new = request.form.get("new_password", "")
        confirm = request.form.get("confirm_password", "")
        try:
            SignInThrottle.check(actor.email)
            user_service.authenticate(db(), actor.email, current)
        except TooManyRequests as exc:
            form.add("_form", "auth.throttled", n=_retry_minutes(exc))
            return render_template("staff/password.html", form=form), 429
        except AuthenticationError:
            SignInThrottle.failed(actor.email)
            form.add("current_password", "password.current_wrong")
        if new != confirm:
            form.add("confirm_password", "password.mismatch")
        if form.is_valid:
            session = db()
            try:
                user_service.set_password(session, actor, actor, new)
            except FORM_ERRORS as exc:
                rollback()
                exc.errors = {"new_password": exc.errors.pop("password", [exc.message])}
                form.fail(exc)
            else:
                session.commit()
                web_auth.sign_in(actor)  # this session goes on; every other one has ended
                flash(_("密码已修改。你的 API 令牌已全部作废。"), "ok")
                return redirect(url_for("staff.home.dashboard"), 303)
        return render_template("staff/password.html", form=form), 422
    return render_template("staff/password.html", form=form)


@bp.route("/account/tokens", methods=["GET", "POST"])
def tokens() -> Any:
    """List one's own API tokens; POST issues a new one, shown once on this page only."""
    session = db()
    actor = current_actor()
    assert actor is not None
    form = Form(request.form if request.method == "POST" else None)
    new_token: str | None = None
    status = 200
    if request.method == "POST":
        label = str(form.value("label")).strip()
        if len(label) > 100:
            form.add("label", "field.too_long_plain")
            status = 422
        else:
            ttl = dt.timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
            new_token, _token = user_service.issue_token(session, actor, ttl, label)
            session.commit()
            form = Form()
    listed = user_service.list_tokens(session, actor)
    return render_template(
        "staff/tokens.html", tokens=listed, form=form, new_token=new_token, now=_now()
    ), status


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke_token(token_id: int) -> Any:
    session = db()
    try:
        user_service.revoke_token(session, current_actor(), token_id)
    except NotFoundError:
        rollback()
        flash(_("没有这个令牌。"), "error")
    else:
        session.commit()
        flash(_("令牌已作废。"), "ok")
    return redirect(url_for("staff.auth.tokens"), 303)


def _now() -> dt.datetime:
    return utcnow()

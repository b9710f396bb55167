"""The public problem-report form (/report) and the status look-up by reference (/report/status).

No JavaScript and no third-party CAPTCHA. Spam is kept out by a honeypot field that people never
see, a signed form timestamp (a form sent within REPORT_MIN_SECONDS of being shown, or more than
a day later, is refused) and RATE_LIMIT_REPORT per client address, which counts every attempt.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.exceptions import TooManyRequests

from trace.db import utcnow
from trace.errors import ConflictError, NotFoundError, Problem, ValidationError
from trace.models.feedback import ReportKind
from trace.schemas.feedback import PublicStatusSchema, ReportCreateSchema
from trace.services import feedback as service
from trace.web.database import db, rollback
from trace.web.errors import error_response, wants_json
from trace.web.feedback.common import fail, over_limit, photo_dir
from trace.web.feedback.names import KIND_HINTS, KINDS
from trace.web.forms import Form
from trace.web.security import client_key

bp = Blueprint("feedback", __name__, template_folder="templates")

HONEYPOT = "website"  # hidden from people by CSS; bots fill in every field they find
TOKEN_FIELD = "form_token"
TOKEN_SALT = "trace.feedback.report-form"
TOKEN_MAX_AGE = 24 * 3600
FIELDS = ("kind", "description", "code", "contact")


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt=TOKEN_SALT)


def form_token() -> str:
    """A signed stamp of when the form was shown, with a random nonce: accepted once."""
    return str(_serializer().dumps(["report", secrets.token_hex(16)]))


def read_token(token: str) -> tuple[str | None, str]:
    """(why the form's stamp is not acceptable: "expired", "invalid", "too_fast", or None;
    its nonce, which an accepted form spends so that the stamp cannot be replayed)."""
    try:
        value, issued = _serializer().loads(token, max_age=TOKEN_MAX_AGE, return_timestamp=True)
    except SignatureExpired:
        return "expired", ""
    except BadSignature:
        return "invalid", ""
    # A stamp without a nonce (signed before nonces existed) would be replayable: refused.
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[1], str)):
        return "invalid", ""
    if (utcnow() - issued).total_seconds() < float(current_app.config["REPORT_MIN_SECONDS"]):
        return "too_fast", ""
    return None, value[1]


def token_problem(token: str) -> str | None:
    """Why the form's stamp is not acceptable ("expired", "invalid", "too_fast"), or None."""
    return read_token(token)[0]


def _language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "zh"


def _page(form: Form, status: int = 200, retry_after: str | None = None) -> Any:
    code = str(form.value("code"))
    pack = service.describe_code(db(), code) if code.strip() else None
    response = current_app.make_response(
        (
            render_template(
                "feedback/report_form.html",
                form=form,
                pack=pack,
                code_unknown=bool(code.strip()) and pack is None,
                kinds=[(k.value, KINDS[k.value], KIND_HINTS[k.value]) for k in ReportKind],
                token=form_token(),
                honeypot=HONEYPOT,
                max_mb=service.PHOTO_MAX_BYTES // (1024 * 1024),
                action=_form_action(),
            ),
            status,
        )
    )
    response.headers["Cache-Control"] = "no-store"  # carries a CSRF token and a fresh stamp
    if retry_after:
        response.headers["Retry-After"] = retry_after
    return response


def _form_action() -> str:
    """The form posts back to its own address, keeping ?code= and ?lang=."""
    args: dict[str, Any] = request.args.to_dict()
    return url_for(".report_form", **args)


@bp.route("/report", methods=["GET", "POST"])
def report_form() -> Any:
    """Report a problem with a pack (?code=<serial>) or in general."""
    if request.method == "GET":
        return _page(Form({"code": request.args.get("code", "")[:200]}))

    form = Form({name: request.form.get(name, "") for name in FIELDS})
    limited = over_limit("report")
    if isinstance(limited, TooManyRequests):
        form.add("_form", "report.rate_limited")
        headers = getattr(limited, "data", {}).get("headers", {})
        return _page(form, 429, headers.get("Retry-After"))
    if request.form.get(HONEYPOT, "").strip():
        form.add("_form", "report.spam_check")
        return _page(form, 422)
    problem, nonce = read_token(request.form.get(TOKEN_FIELD, ""))
    if problem == "too_fast":
        form.add("_form", "report.too_fast")
        return _page(form, 422)
    if problem is not None:
        form.add("_form", "report.form_expired")
        return _page(form, 422)

    data = form.load(ReportCreateSchema(), fields=FIELDS)
    photo = None
    upload = request.files.get("photo")
    if upload is not None and upload.filename:
        try:
            photo = service.prepare_photo(upload.stream.read(service.PHOTO_MAX_BYTES + 1))
        except ValidationError as exc:
            fail(form, exc, (*FIELDS, "photo"))
    if data is None or not form.is_valid:
        return _page(form, 422)

    session = db()
    folder = photo_dir()
    try:
        # In the report's transaction: spent only if the report is filed, and of two replays
        # sent at once one commits, the other finds the nonce taken.
        service.spend_stamp(session, nonce)
    except ConflictError:
        rollback()
        form.add("_form", "report.form_sent")
        return _page(form, 409)
    try:
        report = service.file_report(
            session,
            **data,
            photo=photo,
            photo_dir=folder,
            client_key=client_key(),
            locale=_language(),
        )
    except ValidationError as exc:
        rollback()
        fail(form, exc, (*FIELDS, "photo"))
        return _page(form, 422)
    try:
        session.commit()
    except Exception:
        rollback()
        service.discard_photo(folder, report.photo_stored_name)
        raise
    target: dict[str, Any] = {"ref": report.reference, "new": "1"}
    if request.args.get("lang"):
        target["lang"] = request.args["lang"]
    return redirect(url_for(".report_status", **target), 303)


@bp.get("/report/status")
def report_status() -> Any:
    """Where a report stands, by its reference number: status and public answers only."""
    reference = request.args.get("ref", "").strip()[:40]
    status = None
    code = 200
    if reference:
        limited = over_limit("report_status")
        if limited is not None:
            raise limited
        try:
            status = service.report_status(db(), reference)
        except NotFoundError:
            code = 404
    if wants_json():
        if not reference:
            return error_response(
                422, Problem("report.reference_required"), {"ref": ["field.required"]}
            )
        if status is None:
            unknown = Problem("report.reference_unknown")
            return error_response(404, unknown, {"ref": [unknown]})
        response = jsonify(PublicStatusSchema().dump(status))
    else:
        response = current_app.make_response(
            (
                render_template(
                    "feedback/report_status.html",
                    status=status,
                    reference=reference,
                    not_found=code == 404,
                    is_new=request.args.get("new") == "1" and status is not None,
                ),
                code,
            )
        )
    response.headers["Cache-Control"] = "no-store"
    return response

"""Certifications: list, register, attach and download the certificate scan."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from trace.clock import local_today
from trace.schemas import validate
from trace.schemas.common import Integer
from trace.schemas.quality import (
    CertificationCreateSchema,
)
from trace.services import certifications as cert_service
from trace.web import names
from trace.web.database import db
from trace.web.forms import Form
from trace.web.quality.pages.common import (
    PER_PAGE,
    _actor,
    _attach_upload,
    _form_page,
    bp,
)
from trace.web.uploads import send_stored, upload_dir

# -- certifications ------------------------------------------------------------------------------


class CertificationFormSchema(CertificationCreateSchema):
    """The API's schema with the scope's id read from form text."""

    scope_id = Integer(required=True, validate=validate.Range(min=1))


@bp.get("/certifications")
def certifications() -> Any:
    session = db()
    page = cert_service.list_certifications(session, _actor(), per_page=PER_PAGE)
    return render_template(
        "staff_quality/certifications.html",
        page=page,
        today=local_today(),
        upload_error=None,
    )


@bp.route("/certifications/new", methods=["GET", "POST"])
def new_certification() -> Any:
    actor = _actor()
    form = Form(request.form if request.method == "POST" else {"scope": "producer"})
    if request.method == "POST":
        data = form.load(CertificationFormSchema())
        if data is not None:
            session = db()
            form.attempt(lambda: cert_service.create_certification(session, actor, **data))
            if form.is_valid:
                flash(_("已登记证书。"), "ok")
                return redirect(url_for(".certifications"), 303)
    return _form_page(
        "staff_quality/certification_form.html",
        form,
        types=list(names.CERT_TYPES.items()),
        scopes=list(names.CERT_SCOPES.items()),
    )


@bp.post("/certifications/<int:certification_id>/file")
def upload_certificate(certification_id: int) -> Any:
    error = _attach_upload(
        cert_service.FILE_MAX_BYTES,
        lambda **upload: cert_service.attach_file(db(), _actor(), certification_id, **upload),
    )
    if error is None:
        flash(_("已上传证书扫描件。"), "ok")
        return redirect(url_for(".certifications"), 303)
    page = cert_service.list_certifications(db(), _actor(), per_page=PER_PAGE)
    html = render_template(
        "staff_quality/certifications.html",
        page=page,
        today=local_today(),
        upload_error=(certification_id, error),
    )
    return html, 422


@bp.get("/certifications/<int:certification_id>/file")
def download_certificate(certification_id: int) -> Response:
    """The certificate's scan, for signed-in staff."""
    certification, path = cert_service.certificate_file(
        db(), _actor(), certification_id, upload_dir()
    )
    content_type = certification.file_content_type or "application/octet-stream"
    return send_stored(path, content_type, f"certificate-{certification.id}")

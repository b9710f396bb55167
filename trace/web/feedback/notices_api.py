"""Public disclosure records for staff: the county's notices with PDF attachments, and the figures
it reports by hand. The public reads them on /disclosure; admins write them here."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint
from werkzeug.datastructures import FileStorage

from trace.schemas.disclosure import (
    AttachmentUploadSchema,
    FigureCreateSchema,
    FigureSchema,
    FigureUpdateSchema,
    NoticeAttachmentSchema,
    NoticeCreateSchema,
    NoticePageSchema,
    NoticeQueryArgsSchema,
    NoticeSchema,
    NoticeUpdateSchema,
)
from trace.services import disclosure as service
from trace.web.auth import current_actor
from trace.web.database import db
from trace.web.uploads import send_stored, upload_arguments, upload_dir

PREFIX = ""  # /notices and /disclosure-figures
blp = Blueprint(
    "notices", __name__, description="Public disclosure (政务公开): notices and figures"
)


@blp.get("/notices")
@blp.arguments(NoticeQueryArgsSchema, location="query")
@blp.response(200, NoticePageSchema)
def list_notices(args: dict[str, Any]) -> Any:
    """Every notice, drafts and withdrawn ones included, newest first."""
    return service.list_notices(db(), current_actor(), **args)


@blp.post("/notices")
@blp.arguments(NoticeCreateSchema)
@blp.response(201, NoticeSchema)
def create_notice(data: dict[str, Any]) -> Any:
    session = db()
    notice = service.create_notice(session, current_actor(), **data)
    session.commit()
    return notice


@blp.get("/notices/<int:notice_id>")
@blp.response(200, NoticeSchema)
def get_notice(notice_id: int) -> Any:
    return service.get_notice(db(), current_actor(), notice_id)


@blp.patch("/notices/<int:notice_id>")
@blp.arguments(NoticeUpdateSchema(partial=True))
@blp.response(200, NoticeSchema)
def update_notice(changes: dict[str, Any], notice_id: int) -> Any:
    """Edit a notice; `is_published: false` withdraws it from the public page."""
    session = db()
    notice = service.update_notice(session, current_actor(), notice_id, **changes)
    session.commit()
    return notice


@blp.post("/notices/<int:notice_id>/attachments")
@blp.arguments(AttachmentUploadSchema, location="files")
@blp.response(201, NoticeAttachmentSchema)
def attach_file(files: dict[str, Any], notice_id: int) -> Any:
    """Attach a PDF (checked by its declared type and its first bytes)."""
    session = db()
    storage: FileStorage = files["file"]
    attachment = service.attach_file(
        session,
        current_actor(),
        notice_id,
        **upload_arguments(storage, service.ATTACHMENT_MAX_BYTES),
    )
    session.commit()
    return attachment


@blp.get("/notices/<int:notice_id>/attachments/<int:attachment_id>")
@blp.response(200, content_type="application/pdf")
def download_file(notice_id: int, attachment_id: int) -> Response:
    attachment, path = service.attachment_file(
        db(), notice_id, attachment_id, upload_dir(), actor=current_actor()
    )
    return send_stored(path, attachment.content_type, attachment.original_filename)


@blp.get("/disclosure-figures")
@blp.response(200, FigureSchema(many=True))
def list_figures() -> Any:
    return service.list_figures(db(), current_actor())


@blp.post("/disclosure-figures")
@blp.arguments(FigureCreateSchema)
@blp.response(201, FigureSchema)
def create_figure(data: dict[str, Any]) -> Any:
    """A figure the records do not measure; with `target_code` it stands in for that target's
    value on the public page while the records do not measure it."""
    session = db()
    figure = service.create_figure(session, current_actor(), **data)
    session.commit()
    return figure


@blp.patch("/disclosure-figures/<int:figure_id>")
@blp.arguments(FigureUpdateSchema(partial=True))
@blp.response(200, FigureSchema)
def update_figure(changes: dict[str, Any], figure_id: int) -> Any:
    session = db()
    figure = service.update_figure(session, current_actor(), figure_id, **changes)
    session.commit()
    return figure


@blp.delete("/disclosure-figures/<int:figure_id>")
@blp.response(204)
def delete_figure(figure_id: int) -> None:
    session = db()
    service.delete_figure(session, current_actor(), figure_id)
    session.commit()

"""Public disclosure (政务公开): notices with PDF attachments, reported figures, plan progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from trace.errors import NotFoundError, ValidationError
from trace.models.disclosure import DisclosureFigure, Notice, NoticeAttachment, NoticeCategory
from trace.models.targets import Target
from trace.policy import Actor, authorize
from trace.services import quality_uploads as uploads
from trace.services import targets as target_service
from trace.services.audit import record_change, snapshot
from trace.services.pages import Page, paginate

ATTACHMENT_FOLDER = "notices"
ATTACHMENT_TYPES = frozenset({uploads.PDF})
# Below the request limit (MAX_CONTENT_LENGTH, 8 MB by default) with room for the form around it.
ATTACHMENT_MAX_BYTES = 7 * 1024 * 1024


# -- notices -------------------------------------------------------------------------------------


def create_notice(session: Session, actor: Actor | None, **data: Any) -> Notice:
    """Publish (or draft) a notice. Raises PermissionDeniedError."""
    authorize(actor, "disclosure.manage")
    data["category"] = NoticeCategory(data["category"])
    notice = Notice(**data, created_by_id=actor.id if actor is not None else None)
    session.add(notice)
    record_change(session, actor, "notice.create", notice)
    return notice


def update_notice(session: Session, actor: Actor | None, notice_id: int, **changes: Any) -> Notice:
    """Edit, withdraw (is_published=false) or re-publish a notice. Raises NotFoundError."""
    authorize(actor, "disclosure.manage")
    notice = _notice(session, notice_id)
    before = snapshot(notice)
    if "category" in changes:
        changes["category"] = NoticeCategory(changes["category"])
    for key, value in changes.items():
        setattr(notice, key, value)
    record_change(session, actor, "notice.update", notice, before)
    return notice


def _notice(session: Session, notice_id: int) -> Notice:
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NotFoundError(f"no notice {notice_id}")
    return notice


def get_notice(session: Session, actor: Actor | None, notice_id: int) -> Notice:
    """Any notice, drafts included, for staff. Raises NotFoundError."""
    authorize(actor, "record.read")
    return _notice(session, notice_id)


def list_notices(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    category: str | None = None,
    is_published: bool | None = None,
) -> Page[Notice]:
    """Every notice, drafts included, newest first, for staff."""
    authorize(actor, "record.read")
    query = _newest_first()
    if category:
        query = query.where(Notice.category == NoticeCategory(category))
    if is_published is not None:
        query = query.where(Notice.is_published.is_(is_published))
    return paginate(session, query, page, per_page)


def _newest_first() -> Any:
    # Lists show each notice's attachment count: load them in one query, not one per notice.
    return (
        select(Notice)
        .options(selectinload(Notice.attachments))
        .order_by(Notice.published_on.desc(), Notice.id.desc())
    )


def published_notices(
    session: Session, page: int = 1, per_page: int = 20, category: str | None = None
) -> Page[Notice]:
    """Published notices, newest first: public."""
    query = _newest_first().where(Notice.is_published.is_(True))
    if category:
        query = query.where(Notice.category == NoticeCategory(category))
    return paginate(session, query, page, per_page)


def public_notice(session: Session, notice_id: int) -> Notice:
    """A published notice. Raises NotFoundError for drafts and withdrawn ones too."""
    notice = session.get(Notice, notice_id)
    if notice is None or not notice.is_published:
        raise NotFoundError(f"no published notice {notice_id}")
    return notice


def attach_file(
    session: Session,
    actor: Actor | None,
    notice_id: int,
    *,
    data: bytes,
    content_type: str,
    filename: str,
    upload_dir: Path,
    max_bytes: int = ATTACHMENT_MAX_BYTES,
) -> NoticeAttachment:
    """Attach a PDF (checked by its declared type and its first bytes) to a notice.

    Raises NotFoundError, ValidationError (file), PermissionDeniedError.
    """
    authorize(actor, "disclosure.manage")
    notice = _notice(session, notice_id)
    stored = uploads.store_upload(
        upload_dir, ATTACHMENT_FOLDER, data, content_type, filename, ATTACHMENT_TYPES, max_bytes
    )
    attachment = NoticeAttachment(
        notice_id=notice.id,
        original_filename=stored.original_filename or "attachment.pdf",
        stored_name=stored.stored_name,
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        uploaded_by_id=actor.id if actor is not None else None,
    )
    try:
        session.add(attachment)
        record_change(session, actor, "notice_attachment.create", attachment)
    except Exception:
        uploads.discard_upload(upload_dir, ATTACHMENT_FOLDER, stored.stored_name)
        raise
    session.expire(notice, ["attachments"])
    return attachment


def attachment_file(
    session: Session,
    notice_id: int,
    attachment_id: int,
    upload_dir: Path,
    actor: Actor | None = None,
) -> tuple[NoticeAttachment, Path]:
    """An attachment and its path: anyone's for a published notice, staff's for a draft.

    Raises NotFoundError.
    """
    notice = get_notice(session, actor, notice_id) if actor else public_notice(session, notice_id)
    attachment = session.get(NoticeAttachment, attachment_id)
    if attachment is None or attachment.notice_id != notice.id:
        raise NotFoundError(f"notice {notice_id} has no attachment {attachment_id}")
    return attachment, uploads.stored_path(upload_dir, ATTACHMENT_FOLDER, attachment.stored_name)


# -- figures the county reports by hand ----------------------------------------------------------


def _check_figure(session: Session, data: dict[str, Any]) -> None:
    code = data.get("target_code")
    if code and session.scalar(select(Target.id).where(Target.code == code)) is None:
        raise ValidationError.for_field("target_code", f"no target has the code {code}")


def create_figure(session: Session, actor: Actor | None, **data: Any) -> DisclosureFigure:
    """Raises ValidationError (target_code), PermissionDeniedError."""
    authorize(actor, "disclosure.manage")
    _check_figure(session, data)
    figure = DisclosureFigure(**data)
    session.add(figure)
    record_change(session, actor, "disclosure_figure.create", figure)
    return figure


def update_figure(
    session: Session, actor: Actor | None, figure_id: int, **changes: Any
) -> DisclosureFigure:
    """Raises NotFoundError, ValidationError (target_code), PermissionDeniedError."""
    authorize(actor, "disclosure.manage")
    figure = get_figure(session, actor, figure_id)
    _check_figure(session, changes)
    before = snapshot(figure)
    for key, value in changes.items():
        setattr(figure, key, value)
    record_change(session, actor, "disclosure_figure.update", figure, before)
    return figure


def delete_figure(session: Session, actor: Actor | None, figure_id: int) -> None:
    """Remove a figure entered by mistake; the audit trail keeps what it said."""
    authorize(actor, "disclosure.manage")
    figure = get_figure(session, actor, figure_id)
    before = snapshot(figure)
    record_change(session, actor, "disclosure_figure.delete", figure, before)
    session.delete(figure)
    session.flush()


def get_figure(session: Session, actor: Actor | None, figure_id: int) -> DisclosureFigure:
    authorize(actor, "record.read")
    figure = session.get(DisclosureFigure, figure_id)
    if figure is None:
        raise NotFoundError(f"no figure {figure_id}")
    return figure


def all_figures(session: Session) -> list[DisclosureFigure]:
    """Every reported figure, in display order: public (aggregates the county chose to publish)."""
    return list(
        session.scalars(
            select(DisclosureFigure).order_by(
                DisclosureFigure.sort_order, DisclosureFigure.as_of.desc(), DisclosureFigure.id
            )
        )
    )


def list_figures(session: Session, actor: Actor | None) -> list[DisclosureFigure]:
    authorize(actor, "record.read")
    return all_figures(session)


# -- progress against the plan -------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressRow:
    """One line of the plan's progress: from the records when they measure it, else as reported."""

    code: str
    label_zh: str
    label_en: str
    unit: str
    target_value: Decimal | None
    current: Decimal | None
    source: str  # "records", "reported" or "" (not measured, nothing reported)
    as_of: dt.date | None = None
    note: str = ""

    @property
    def pct(self) -> Decimal | None:
        if self.current is None or not self.target_value:
            return None
        return min(Decimal(100), self.current / self.target_value * 100).quantize(Decimal("0.1"))

    @property
    def is_met(self) -> bool | None:
        if self.current is None or self.target_value is None:
            return None
        return self.current >= self.target_value


def progress_rows(session: Session) -> list[ProgressRow]:
    """The plan's targets with the programme dashboard's own figures (targets.progress: from the
    records, else the programme office's entry, else the latest figure reported here), and the
    figures not tied to a target after them. Public: aggregates only."""
    figures = all_figures(session)
    rows: list[ProgressRow] = []
    for progress in target_service.progress(session):
        target = progress.target
        source = "records" if progress.source == "records" else (progress.source and "reported")
        note = target.note
        if progress.entry is not None:
            note = progress.entry.source
        elif progress.source == "reported":
            note = next((f.source for f in figures if f.target_code == target.code), note)
        rows.append(
            ProgressRow(
                code=target.code,
                label_zh=target.label_zh,
                label_en=target.label_en,
                unit=target.unit,
                target_value=target.target_value,
                current=progress.current,
                source=source,
                as_of=progress.as_of,
                note=note,
            )
        )
    known = {row.code for row in rows}
    for figure in figures:
        if figure.target_code not in known:  # not tied to a target (or to one since removed)
            rows.append(
                ProgressRow(
                    code=f"figure-{figure.id}",
                    label_zh=figure.label_zh,
                    label_en=figure.label_en,
                    unit=figure.unit,
                    target_value=figure.target_value,
                    current=figure.value,
                    source="reported",
                    as_of=figure.as_of,
                    note=figure.source,
                )
            )
    return rows

"""Consumer reports: filing (public), status by reference, staff triage, clusters, statistics.

A report is filed without signing in. Its contact is kept apart from it (see FeedbackContact) and
shown to staff masked unless they reveal it, which is recorded. Every step of a report is an
append-only FeedbackStep plus an audit entry; reports on one lot or producer are grouped so that
a cluster (several counterfeit reports on one lot, or a pack whose scan log was flagged) stands out.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from trace.db import utcnow
from trace.errors import InvalidTransitionError, NotFoundError, ValidationError
from trace.identifiers import is_valid_phone
from trace.models.batches import Batch
from trace.models.feedback import (
    OPEN_STATUSES,
    ContactKind,
    FeedbackContact,
    FeedbackReport,
    FeedbackStep,
    ReportAction,
    ReportKind,
    ReportOutcome,
    ReportStatus,
)
from trace.models.labels import PackCode
from trace.models.producers import Producer
from trace.models.scans import Scan
from trace.models.users import Role, User
from trace.policy import Actor, authorize
from trace.services import quality_uploads as uploads
from trace.services.audit import record_change, snapshot
from trace.services.batches import SHANGHAI
from trace.services.labels import SERIAL_ALPHABET
from trace.services.pages import Page, paginate

# Photos: a phone's picture fits easily; anything bigger is refused before Pillow decodes it.
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_PIXELS = 40_000_000  # a decompression bomb is refused before its pixels are read
PHOTO_MAX_SIDE = 2048  # stored photos are scaled down to this: enough to see a label
PHOTO_TYPES = frozenset({uploads.JPEG, uploads.PNG})
_PIL_FORMATS = {"JPEG": uploads.JPEG, "PNG": uploads.PNG}

REFERENCE_PREFIX = "FK"
REFERENCE_RANDOM_LENGTH = 8  # 40 bits of Crockford base32: not guessable behind a rate limit
_REFERENCE_RE = re.compile(r"^FK-?(\d{4})-?([0-9A-Z]{8})$")

# A cluster stands out with this many counterfeit reports on one lot, or any flagged pack.
COUNTERFEIT_CLUSTER_SIZE = 2
CLUSTER_WINDOW_DAYS = 90  # closed reports older than this no longer count towards a cluster
# Scan-log verdicts that mean a pack's code is probably copied or should not be on sale.
FLAGGED_VERDICTS = ("exceeded", "void")
TRIAGE_ROLES = frozenset({Role.QC, Role.ADMIN})

_SERIAL_IN_LINK = re.compile(r"/(?:21|scan)/([^/?#\s]+)")
_EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


# -- reference numbers and input normalisation -------------------------------------------------


def new_reference(now: dt.datetime | None = None) -> str:
    """FK-<year>-<8 random Crockford base32 characters>, e.g. FK-2025-7KQ2M9XD."""
    year = (now or utcnow()).astimezone(SHANGHAI).year
    body = "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(REFERENCE_RANDOM_LENGTH))
    return f"{REFERENCE_PREFIX}-{year}-{body}"


def normalize_reference(text: str) -> str | None:
    """A typed reference in its canonical form, or None when it cannot be one.

    Case, spaces and missing hyphens are forgiven, and O/I/L are read as 0/1/1 as Crockford
    base32 intends, so a number read over the phone still finds its report.
    """
    compact = re.sub(r"\s", "", text).upper()
    compact = re.sub(r"[\u2010-\u2015\u2212]", "-", compact)  # dashes a phone keyboard offers
    if compact.startswith(REFERENCE_PREFIX):
        rest = compact[len(REFERENCE_PREFIX) :].translate(str.maketrans("OIL", "011"))
        compact = REFERENCE_PREFIX + rest
    match = _REFERENCE_RE.match(compact)
    if match is None:
        return None
    body = match.group(2)
    if any(c not in SERIAL_ALPHABET for c in body):
        return None
    return f"{REFERENCE_PREFIX}-{match.group(1)}-{body}"


def serial_from(code: str) -> str:
    """The pack serial in what a reporter typed or pasted: a serial, a scan-page address or a
    GS1 Digital Link (…/21/<serial>)."""
    text = code.strip()
    match = _SERIAL_IN_LINK.search(text)
    if match:
        text = unquote(match.group(1))
    return re.sub(r"\s", "", text)[:40]


def find_pack(session: Session, code: str) -> PackCode | None:
    """The pack code a reporter means, or None when no pack has it."""
    serial = serial_from(code)
    if not serial:
        return None
    for candidate in dict.fromkeys((serial, serial.upper())):
        pack = session.scalar(select(PackCode).where(PackCode.serial == candidate))
        if pack is not None:
            return pack
    return None


def parse_contact(text: str) -> tuple[ContactKind, str]:
    """A phone number or e-mail address, normalised. Raises ValidationError naming `contact`."""
    value = text.strip()
    if "@" in value:
        if _EMAIL_RE.match(value) and len(value) <= 120:
            local, _, domain = value.rpartition("@")
            return ContactKind.EMAIL, f"{local}@{domain.lower()}"
    else:
        phone = re.sub(r"[\s()]", "", value)
        if phone.startswith("+86"):
            phone = phone[3:]
        if is_valid_phone(phone):
            return ContactKind.PHONE, phone
    raise ValidationError.for_field("contact", "enter a mainland phone number or an e-mail address")


def mask_contact(contact: FeedbackContact | None) -> str:
    """139****0009, l***@example.cn: enough to recognise, not enough to use."""
    if contact is None:
        return ""
    value = contact.value
    if contact.kind is ContactKind.EMAIL:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
    tail = 4 if len(value) >= 11 else 2  # 139****0009, as Chinese services commonly show it
    return value[:3] + "*" * max(1, len(value) - 3 - tail) + value[-tail:]


# -- photos ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreparedPhoto:
    """A photo re-encoded from its pixels: no EXIF, GPS position, comments or other metadata."""

    data: bytes
    content_type: str


def prepare_photo(data: bytes, field_name: str = "photo") -> PreparedPhoto:
    """Check a JPEG or PNG by its first bytes and by Pillow decoding it, then re-encode it.

    Raises ValidationError naming `field_name`.
    """
    if not data:
        raise ValidationError.for_field(field_name, "the file is empty")
    if len(data) > PHOTO_MAX_BYTES:
        raise ValidationError.for_field(
            field_name, f"the photo is larger than {PHOTO_MAX_BYTES // (1024 * 1024)} MB"
        )
    sniffed = uploads.sniff(data)
    if sniffed not in PHOTO_TYPES:
        raise ValidationError.for_field(field_name, "only JPEG or PNG photos are accepted")
    unreadable = ValidationError.for_field(field_name, "the file is not a readable JPEG or PNG")
    try:
        with Image.open(io.BytesIO(data)) as opened:
            if _PIL_FORMATS.get(opened.format or "") != sniffed:
                raise unreadable
            width, height = opened.size
            if width * height > PHOTO_MAX_PIXELS:
                raise ValidationError.for_field(field_name, "the photo has too many pixels")
            opened.load()
            image = ImageOps.exif_transpose(opened)  # keep it upright once EXIF is gone
            image.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
            image.info = {}  # nothing of the original's metadata may be written back
            out = io.BytesIO()
            if sniffed == uploads.JPEG:
                image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
            else:
                if image.mode not in {"RGB", "RGBA", "L", "LA"}:
                    image = image.convert("RGBA")
                image.save(out, "PNG", optimize=True)
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise unreadable from None
    return PreparedPhoto(out.getvalue(), sniffed)


def store_photo(photo_dir: Path, photo: PreparedPhoto) -> uploads.StoredFile:
    """Write the re-encoded photo under `photo_dir` with a random name."""
    return uploads.store_upload(
        photo_dir, "", photo.data, photo.content_type, "", PHOTO_TYPES, PHOTO_MAX_BYTES, "photo"
    )


def discard_photo(photo_dir: Path, stored_name: str | None) -> None:
    """Remove a stored photo whose report was not saved after all."""
    if stored_name:
        uploads.discard_upload(photo_dir, "", stored_name)


# -- filing and public status ------------------------------------------------------------------


@dataclass(frozen=True)
class PackInfo:
    """What the report form may show about the pack being reported (all of it public)."""

    serial: str
    sequence: int
    lot: str
    product_name: str


def describe_code(session: Session, code: str) -> PackInfo | None:
    pack = find_pack(session, code)
    if pack is None:
        return None
    batch = session.get(Batch, pack.batch_id)
    assert batch is not None  # a foreign key
    return PackInfo(pack.serial, pack.sequence, batch.lot, batch.product.name)


def file_report(
    session: Session,
    *,
    kind: str,
    description: str,
    code: str = "",
    contact: str = "",
    photo: PreparedPhoto | None = None,
    photo_dir: Path | None = None,
    client_key: str = "",
    locale: str = "zh",
) -> FeedbackReport:
    """File a consumer's report (no sign-in). The caller commits, and on failure calls
    discard_photo(photo_dir, report.photo_stored_name).

    Raises ValidationError naming the field (kind, description, contact, photo).
    """
    try:
        report_kind = ReportKind(kind)
    except ValueError:
        raise ValidationError.for_field("kind", "not a kind of problem we know") from None
    text = description.strip()
    if not text:
        raise ValidationError.for_field("description", "say what is wrong")
    contact_kind, contact_value = parse_contact(contact) if contact.strip() else (None, "")
    serial = serial_from(code)
    pack = find_pack(session, serial) if serial else None
    batch = session.get(Batch, pack.batch_id) if pack is not None else None
    report = FeedbackReport(
        reference=_unused_reference(session),
        kind=report_kind,
        description=text[:2000],
        code_text=pack.serial if pack is not None else serial,
        pack_code_id=pack.id if pack is not None else None,
        batch_id=batch.id if batch is not None else None,
        producer_id=batch.producer_id if batch is not None else None,
        has_contact=bool(contact_value),
        locale=locale if locale in {"zh", "en"} else "zh",
        client_key=client_key[:32],
        status=ReportStatus.NEW,
    )
    if photo is not None:
        if photo_dir is None:
            raise ValueError("photo_dir is needed to store a photo")
        stored = store_photo(photo_dir, photo)
        report.photo_stored_name = stored.stored_name
        report.photo_content_type = stored.content_type
        report.photo_size_bytes = stored.size_bytes
    try:
        session.add(report)
        session.flush()
        if contact_kind is not None:
            session.add(
                FeedbackContact(report_id=report.id, kind=contact_kind, value=contact_value)
            )
        session.add(
            FeedbackStep(report_id=report.id, action=ReportAction.FILED, to_status=report.status)
        )
        record_change(session, None, "report.create", report)
    except Exception:
        if photo_dir is not None:
            discard_photo(photo_dir, report.photo_stored_name)
        raise
    return report


def _unused_reference(session: Session) -> str:
    for _ in range(5):
        reference = new_reference()
        taken = session.scalar(
            select(FeedbackReport.id).where(FeedbackReport.reference == reference)
        )
        if taken is None:
            return reference
    raise RuntimeError("could not draw an unused reference number")  # 40 random bits: never


@dataclass(frozen=True)
class PublicAnswer:
    at: dt.datetime
    text: str


@dataclass(frozen=True)
class PublicStatus:
    """All a reference number reveals: where the report stands and what the county answered."""

    reference: str
    kind: ReportKind
    status: ReportStatus
    outcome: ReportOutcome | None
    filed_at: dt.datetime
    closed_at: dt.datetime | None
    answers: list[PublicAnswer]


def report_status(session: Session, reference: str) -> PublicStatus:
    """The public status of the report with this reference. Raises NotFoundError."""
    canonical = normalize_reference(reference)
    report = (
        session.scalar(select(FeedbackReport).where(FeedbackReport.reference == canonical))
        if canonical
        else None
    )
    if report is None:
        raise NotFoundError("no report has this reference number")
    answers = session.execute(
        select(FeedbackStep.at, FeedbackStep.public_text)
        .where(FeedbackStep.report_id == report.id, FeedbackStep.public_text != "")
        .order_by(FeedbackStep.id)
    ).all()
    return PublicStatus(
        reference=report.reference,
        kind=report.kind,
        status=report.status,
        outcome=report.outcome,
        filed_at=report.created_at,
        closed_at=report.closed_at,
        answers=[PublicAnswer(at, text) for at, text in answers],
    )


# -- staff: reading ------------------------------------------------------------------------------


def get_report(session: Session, actor: Actor | None, report_id: int) -> FeedbackReport:
    """Raises NotFoundError, PermissionDeniedError."""
    authorize(actor, "report.read")
    report = session.get(FeedbackReport, report_id)
    if report is None:
        raise NotFoundError(f"no report {report_id}")
    return report


def list_reports(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    status: str | None = None,
    kind: str | None = None,
    batch_id: int | None = None,
    producer_id: int | None = None,
    lot: str | None = None,
    reference: str | None = None,
    assignee_id: int | None = None,
) -> Page[FeedbackReport]:
    """Newest first; `status="open"` means every status but closed."""
    authorize(actor, "report.read")
    query = select(FeedbackReport).order_by(FeedbackReport.created_at.desc(), FeedbackReport.id)
    if status == "open":
        query = query.where(FeedbackReport.status.in_([s.value for s in OPEN_STATUSES]))
    elif status:
        query = query.where(FeedbackReport.status == ReportStatus(status))
    if kind:
        query = query.where(FeedbackReport.kind == ReportKind(kind))
    if batch_id is not None:
        query = query.where(FeedbackReport.batch_id == batch_id)
    if producer_id is not None:
        query = query.where(FeedbackReport.producer_id == producer_id)
    if assignee_id is not None:
        query = query.where(FeedbackReport.assignee_id == assignee_id)
    if lot:
        query = query.join(Batch, Batch.id == FeedbackReport.batch_id).where(
            Batch.lot == lot.strip().upper()
        )
    if reference:
        canonical = normalize_reference(reference) or reference.strip().upper()
        query = query.where(FeedbackReport.reference == canonical)
    return paginate(session, query, page, per_page)


def flagged_packs(session: Session, pack_code_ids: set[int]) -> set[int]:
    """The packs among these whose scan log has a flagged verdict (query limit exceeded, void)."""
    if not pack_code_ids:
        return set()
    return set(
        session.scalars(
            select(Scan.pack_code_id)
            .where(Scan.pack_code_id.in_(pack_code_ids), Scan.verdict.in_(FLAGGED_VERDICTS))
            .distinct()
        )
    )


def pack_scans(
    session: Session, actor: Actor | None, pack_code_id: int, limit: int = 50
) -> list[Scan]:
    """The pack's scan log, newest first (no addresses are kept in it)."""
    authorize(actor, "report.read")
    return list(
        session.scalars(
            select(Scan)
            .where(Scan.pack_code_id == pack_code_id)
            .order_by(Scan.id.desc())
            .limit(limit)
        )
    )


def report_history(session: Session, actor: Actor | None, report_id: int) -> list[FeedbackStep]:
    authorize(actor, "report.read")
    return list(
        session.scalars(
            select(FeedbackStep)
            .where(FeedbackStep.report_id == report_id)
            .order_by(FeedbackStep.id)
        )
    )


@dataclass
class ReportFlags:
    """Why a report deserves a second look, shown beside it in lists."""

    pack_flagged: bool = False  # its pack's scans exceeded the query limit or hit a void label
    code_unknown: bool = False  # the reporter gave a code that no pack has
    lot_reports: int = 0  # reports on the same lot within the cluster window
    lot_counterfeit: int = 0

    @property
    def stands_out(self) -> bool:
        return (
            self.pack_flagged
            or self.code_unknown
            or self.lot_counterfeit >= COUNTERFEIT_CLUSTER_SIZE
        )


def report_flags(session: Session, reports: list[FeedbackReport]) -> dict[int, ReportFlags]:
    """Flags for each report (keyed by id): flagged pack, unknown code, reports on its lot."""
    flagged = flagged_packs(session, {r.pack_code_id for r in reports if r.pack_code_id})
    batch_ids = {r.batch_id for r in reports if r.batch_id}
    per_lot: dict[int, Counter[str]] = defaultdict(Counter)
    if batch_ids:
        for batch_id, kind in session.execute(
            select(FeedbackReport.batch_id, FeedbackReport.kind).where(
                FeedbackReport.batch_id.in_(batch_ids), _in_window()
            )
        ):
            per_lot[batch_id]["all"] += 1
            per_lot[batch_id][ReportKind(kind).value] += 1
    return {
        r.id: ReportFlags(
            pack_flagged=r.pack_code_id in flagged,
            code_unknown=bool(r.code_text) and r.pack_code_id is None,
            lot_reports=per_lot[r.batch_id]["all"] if r.batch_id else 0,
            lot_counterfeit=per_lot[r.batch_id][ReportKind.COUNTERFEIT.value] if r.batch_id else 0,
        )
        for r in reports
    }


def _in_window(now: dt.datetime | None = None) -> ColumnElement[bool]:
    since = (now or utcnow()) - dt.timedelta(days=CLUSTER_WINDOW_DAYS)
    return (FeedbackReport.status != ReportStatus.CLOSED) | (FeedbackReport.created_at >= since)


@dataclass
class ReportContext:
    """Everything staff look at beside a report: the pack, its lot and producer, the pack's scan
    log, other reports on the same lot or producer, and the report's own history."""

    report: FeedbackReport
    pack: PackCode | None
    batch: Batch | None
    scans: list[Scan]
    flags: ReportFlags
    related: list[FeedbackReport]
    history: list[FeedbackStep]
    contact_masked: str
    open_recall_id: int | None = None


def report_context(session: Session, actor: Actor | None, report_id: int) -> ReportContext:
    """Raises NotFoundError, PermissionDeniedError."""
    report = get_report(session, actor, report_id)
    scans = pack_scans(session, actor, report.pack_code_id) if report.pack_code_id else []
    related_query = select(FeedbackReport).where(FeedbackReport.id != report.id)
    if report.batch_id is not None:
        related_query = related_query.where(
            (FeedbackReport.batch_id == report.batch_id)
            | (FeedbackReport.producer_id == report.producer_id)
        )
    elif report.code_text:
        related_query = related_query.where(FeedbackReport.code_text == report.code_text)
    else:
        related_query = related_query.where(FeedbackReport.id.is_(None))
    related = list(
        session.scalars(related_query.order_by(FeedbackReport.created_at.desc()).limit(20))
    )
    return ReportContext(
        report=report,
        pack=report.pack_code,
        batch=report.batch,
        scans=scans,
        flags=report_flags(session, [report])[report.id],
        related=related,
        history=report_history(session, actor, report.id),
        contact_masked=mask_contact(session.get(FeedbackContact, report.id)),
    )


@dataclass(frozen=True)
class _Member:
    id: int
    batch_id: int
    producer_id: int
    pack_code_id: int | None
    kind: ReportKind
    status: ReportStatus


@dataclass(frozen=True)
class Cluster:
    """Reports on one lot (scope "batch") or on one producer's several lots (scope "producer")."""

    scope: str
    key_id: int
    label: str
    report_ids: tuple[int, ...]
    open_reports: int
    counterfeit: int
    flagged_packs: int
    lots: int = 1

    @property
    def reports(self) -> int:
        return len(self.report_ids)

    @property
    def stands_out(self) -> bool:
        return self.counterfeit >= COUNTERFEIT_CLUSTER_SIZE or self.flagged_packs > 0


def clusters(
    session: Session, actor: Actor | None, now: dt.datetime | None = None
) -> list[Cluster]:
    """Lots with two or more reports or a flagged pack, and producers with reports on two or more
    lots; those that stand out first. Counts open reports and those of the last 90 days."""
    authorize(actor, "report.read")
    rows = session.execute(
        select(
            FeedbackReport.id,
            FeedbackReport.batch_id,
            FeedbackReport.producer_id,
            FeedbackReport.pack_code_id,
            FeedbackReport.kind,
            FeedbackReport.status,
        ).where(FeedbackReport.batch_id.is_not(None), _in_window(now))
    ).all()
    members = [
        _Member(report_id, batch_id, producer_id, pack_id, ReportKind(kind), ReportStatus(status))
        for report_id, batch_id, producer_id, pack_id, kind, status in rows
    ]
    flagged = flagged_packs(session, {m.pack_code_id for m in members if m.pack_code_id})
    found: list[Cluster] = []
    for scope in ("batch", "producer"):
        groups: dict[int, list[_Member]] = defaultdict(list)
        for member in members:
            groups[member.batch_id if scope == "batch" else member.producer_id].append(member)
        for key_id, group in groups.items():
            cluster = Cluster(
                scope=scope,
                key_id=key_id,
                label="",
                report_ids=tuple(sorted(m.id for m in group)),
                open_reports=sum(1 for m in group if m.status in OPEN_STATUSES),
                counterfeit=sum(1 for m in group if m.kind is ReportKind.COUNTERFEIT),
                flagged_packs=len({m.pack_code_id for m in group if m.pack_code_id in flagged}),
                lots=len({m.batch_id for m in group}),
            )
            wanted = (
                (cluster.reports >= 2 or cluster.stands_out)
                if scope == "batch"
                else cluster.lots >= 2  # one lot only: its lot cluster says it all
            )
            if wanted:
                found.append(cluster)
    labelled = [_labelled(session, c) for c in found]
    return sorted(labelled, key=lambda c: (not c.stands_out, -c.reports, c.scope, c.label))


def _labelled(session: Session, cluster: Cluster) -> Cluster:
    if cluster.scope == "batch":
        batch = session.get(Batch, cluster.key_id)
        label = f"{batch.lot} · {batch.product.name}" if batch is not None else "?"
    else:
        producer = session.get(Producer, cluster.key_id)
        label = producer.name if producer is not None else "?"
    return Cluster(**{**cluster.__dict__, "label": label})


@dataclass(frozen=True)
class ReportSummary:
    """One line on the staff dashboard (its panel reads number, title, lot and opened_at)."""

    id: int
    number: str
    title: str
    lot: str
    opened_at: dt.datetime


def open_reports(session: Session, actor: Actor | None, limit: int = 10) -> list[ReportSummary]:
    """Open reports for the dashboard, unanswered ones first. Raises PermissionDeniedError."""
    authorize(actor, "report.read")
    unanswered = FeedbackReport.status.in_(
        [ReportStatus.NEW.value, ReportStatus.IN_PROGRESS.value, ReportStatus.ESCALATED.value]
    )
    reports = session.scalars(
        select(FeedbackReport)
        .where(FeedbackReport.status.in_([s.value for s in OPEN_STATUSES]))
        .order_by(unanswered.desc(), FeedbackReport.created_at.desc(), FeedbackReport.id.desc())
        .limit(limit)
    )
    return [
        ReportSummary(
            id=r.id,
            number=r.reference,
            title=r.description[:30] + ("…" if len(r.description) > 30 else ""),
            lot=r.batch.lot if r.batch is not None else "",
            opened_at=r.created_at,
        )
        for r in reports
    ]


def open_reports_summary(session: Session, actor: Actor | None) -> dict[str, int]:
    """Counts for a dashboard badge: open reports by status, and clusters that stand out."""
    authorize(actor, "report.read")
    counts = Counter(
        ReportStatus(s).value
        for s in session.scalars(
            select(FeedbackReport.status).where(
                FeedbackReport.status.in_([s.value for s in OPEN_STATUSES])
            )
        )
    )
    summary = {status.value: counts.get(status.value, 0) for status in OPEN_STATUSES}
    summary["open"] = sum(counts.values())
    summary["clusters"] = sum(1 for c in clusters(session, actor) if c.stands_out)
    return summary


def assignable_users(session: Session, actor: Actor | None) -> list[User]:
    """Active QC (and admin) accounts a report may be assigned to."""
    authorize(actor, "report.read")
    return list(
        session.scalars(
            select(User)
            .where(User.is_active.is_(True), User.role.in_([r.value for r in TRIAGE_ROLES]))
            .order_by(User.role, User.name, User.id)
        )
    )


def photo_file(
    session: Session, actor: Actor | None, report_id: int, photo_dir: Path
) -> tuple[FeedbackReport, Path]:
    """The report's stored photo, for staff. Raises NotFoundError."""
    report = get_report(session, actor, report_id)
    if not report.photo_stored_name:
        raise NotFoundError("this report has no photo")
    return report, uploads.stored_path(photo_dir, "", report.photo_stored_name)


# -- staff: triage steps -------------------------------------------------------------------------


def _open_report(session: Session, actor: Actor | None, report_id: int) -> FeedbackReport:
    authorize(actor, "report.triage")
    report = get_report(session, actor, report_id)
    if report.status is ReportStatus.CLOSED:
        raise InvalidTransitionError(
            "the report is closed", {"status": ["the report is closed already"]}
        )
    return report


def _required(value: str, field_name: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError.for_field(field_name, message)
    return text


def _step(
    session: Session,
    actor: Actor | None,
    report: FeedbackReport,
    action: ReportAction,
    from_status: ReportStatus,
    **details: object,
) -> FeedbackStep:
    step = FeedbackStep(
        report_id=report.id,
        action=action,
        actor_id=actor.id if actor is not None else None,
        from_status=from_status,
        to_status=report.status,
        **details,
    )
    session.add(step)
    return step


def assign_report(
    session: Session, actor: Actor | None, report_id: int, assignee_id: int, note: str = ""
) -> FeedbackReport:
    """Give the report to a QC (or admin) user; a new report becomes in progress.

    Raises NotFoundError, ValidationError (assignee_id), InvalidTransitionError (closed).
    """
    report = _open_report(session, actor, report_id)
    assignee = session.get(User, assignee_id)
    if assignee is None or not assignee.is_active or assignee.role not in TRIAGE_ROLES:
        raise ValidationError.for_field("assignee_id", "no active QC or admin user has this id")
    before = snapshot(report)
    previous = report.status
    report.assignee_id = assignee.id
    if report.status is ReportStatus.NEW:
        report.status = ReportStatus.IN_PROGRESS
    _step(
        session,
        actor,
        report,
        ReportAction.ASSIGNED,
        previous,
        assignee_id=assignee.id,
        note=note.strip()[:2000],
    )
    record_change(session, actor, "report.assign", report, before, note=note)
    return report


def answer_report(
    session: Session, actor: Actor | None, report_id: int, public_answer: str, note: str = ""
) -> FeedbackReport:
    """Answer the reporter; the answer is public under the reference number, the note is not.

    Raises NotFoundError, ValidationError (public_answer), InvalidTransitionError (closed).
    """
    report = _open_report(session, actor, report_id)
    text = _required(public_answer, "public_answer", "write the answer the reporter will see")
    before = snapshot(report)
    previous = report.status
    report.public_answer = text[:2000]
    report.answered_at = utcnow()
    report.status = ReportStatus.ANSWERED
    if report.assignee_id is None and actor is not None:
        report.assignee_id = actor.id  # whoever answers an unassigned report has taken it
    _step(
        session,
        actor,
        report,
        ReportAction.ANSWERED,
        previous,
        public_text=text[:2000],
        note=note.strip()[:2000],
    )
    record_change(session, actor, "report.answer", report, before, note=note)
    return report


def escalate_report(
    session: Session, actor: Actor | None, report_id: int, reason: str
) -> FeedbackReport:
    """Refer the report to the regulator. Raises NotFoundError, ValidationError (reason),
    InvalidTransitionError (closed, or escalated already)."""
    report = _open_report(session, actor, report_id)
    text = _required(reason, "reason", "say why the regulator should look at it")
    if report.status is ReportStatus.ESCALATED:
        raise InvalidTransitionError(
            "the report is escalated already", {"status": ["escalated already"]}
        )
    before = snapshot(report)
    previous = report.status
    report.status = ReportStatus.ESCALATED
    report.is_escalated = True
    _step(session, actor, report, ReportAction.ESCALATED, previous, note=text[:2000])
    record_change(session, actor, "report.escalate", report, before, note=text)
    return report


def close_report(
    session: Session, actor: Actor | None, report_id: int, outcome: str, reason: str
) -> FeedbackReport:
    """Close the report with an outcome and a reason (kept internal).

    Raises NotFoundError, ValidationError (outcome, reason), InvalidTransitionError (closed).
    """
    report = _open_report(session, actor, report_id)
    try:
        result = ReportOutcome(outcome)
    except ValueError:
        raise ValidationError.for_field("outcome", "not an outcome we know") from None
    text = _required(reason, "reason", "say why the report is closed")
    before = snapshot(report)
    previous = report.status
    report.status = ReportStatus.CLOSED
    report.outcome = result
    report.closed_at = utcnow()
    _step(session, actor, report, ReportAction.CLOSED, previous, outcome=result, note=text[:2000])
    record_change(session, actor, "report.close", report, before, note=text)
    return report


def reveal_contact(session: Session, actor: Actor | None, report_id: int) -> FeedbackContact:
    """The reporter's contact in full; who looked, and when, is recorded in the report's history
    and the audit trail. Raises NotFoundError (no contact), PermissionDeniedError."""
    authorize(actor, "report.contact")
    report = get_report(session, actor, report_id)
    contact = session.get(FeedbackContact, report.id)
    if contact is None:
        raise NotFoundError("the reporter left no contact")
    _step(session, actor, report, ReportAction.CONTACT_REVEALED, report.status)
    record_change(session, actor, "report.reveal_contact", report, note="contact revealed")
    return contact


def note_recall(
    session: Session, actor: Actor | None, report: FeedbackReport, recall_id: int
) -> FeedbackStep:
    """Record in the report's history that a recall was opened from it (by the recall's opener)."""
    step = _step(
        session,
        actor,
        report,
        ReportAction.RECALL_OPENED,
        report.status,
        note=f"recall {recall_id}",
    )
    record_change(session, actor, "report.recall", report, note=f"recall {recall_id}")
    return step


# -- public statistics ---------------------------------------------------------------------------


@dataclass
class MonthStats:
    """Reports filed in one month (county time): counts only, never who or what they said."""

    month: dt.date
    total: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    by_outcome: dict[str, int] = field(default_factory=dict)  # "open" while not closed


def report_statistics(session: Session, actor: Actor | None, months: int = 12) -> list[MonthStats]:
    """monthly_statistics for staff through the API. Raises PermissionDeniedError."""
    authorize(actor, "report.read")
    return monthly_statistics(session, months)


def monthly_statistics(
    session: Session, months: int = 12, today: dt.date | None = None
) -> list[MonthStats]:
    """The last `months` months, newest first, each with counts by kind and by outcome."""
    today = today or utcnow().astimezone(SHANGHAI).date()
    first = today.replace(day=1)
    starts = [first]
    for _ in range(months - 1):
        previous = starts[-1] - dt.timedelta(days=1)
        starts.append(previous.replace(day=1))
    since = dt.datetime.combine(starts[-1], dt.time(), SHANGHAI)
    stats = {
        start: MonthStats(
            start,
            by_kind={k.value: 0 for k in ReportKind},
            by_outcome={"open": 0, **{o.value: 0 for o in ReportOutcome}},
        )
        for start in starts
    }
    rows = session.execute(
        select(
            FeedbackReport.created_at,
            FeedbackReport.kind,
            FeedbackReport.status,
            FeedbackReport.outcome,
        ).where(FeedbackReport.created_at >= since)
    )
    for created_at, kind, status, outcome in rows:
        bucket = stats.get(created_at.astimezone(SHANGHAI).date().replace(day=1))
        if bucket is None:
            continue  # filed after `today` (a clock skew): not this table's business
        bucket.total += 1
        bucket.by_kind[ReportKind(kind).value] += 1
        closed = ReportStatus(status) is ReportStatus.CLOSED and outcome is not None
        bucket.by_outcome[ReportOutcome(outcome).value if closed else "open"] += 1
    return [stats[start] for start in starts]

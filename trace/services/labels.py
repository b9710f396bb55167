"""Issuing label runs: unique, unguessable pack codes for a batch; voiding and reprinting them."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import BinaryIO

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trace import gs1
from trace.clock import check_not_future, local_date, local_today
from trace.errors import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
    problem,
)
from trace.models.batches import Batch
from trace.models.compliance import PROMISES, ComplianceRecord
from trace.models.labels import MAX_RUN, CodeStatus, LabelRun, PackCode
from trace.models.products import Product
from trace.models.regions import Township
from trace.policy import Actor, authorize
from trace.printing.errors import TemplateError
from trace.printing.fonts import load_font
from trace.printing.models import ComplianceCertificate, PackLabel
from trace.printing.render import render_sheet_pdf
from trace.printing.templates import LabelTemplate, load_template
from trace.services.audit import record_change, snapshot
from trace.services.brand import label_marks
from trace.services.inspections import assert_batch_releasable
from trace.services.label_capacity import check_capacity
from trace.services.printable import check_label_text
from trace.services.public_record import public_producer

SERIAL_LENGTH = 10
# Crockford base32: no I, L, O, U, so a serial read aloud or retyped is not misread.
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_serial() -> str:
    """10 random Crockford base32 characters (50 bits): a guessed serial is surely unknown."""
    return "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(SERIAL_LENGTH))


def _existing_run(
    session: Session, key: str, batch_id: int, count: int, template: str
) -> LabelRun | None:
    run = session.scalar(select(LabelRun).where(LabelRun.idempotency_key == key))
    if run is None:
        return None
    if (run.batch_id, run.count, run.template) != (batch_id, count, template):
        raise ConflictError(
            "label.idempotency_reused",
            {"idempotency_key": ["label.idempotency_reused"]},
        )
    return run


def issue_label_run(
    session: Session,
    actor: Actor | None,
    batch_id: int,
    count: int,
    template: str = "a4-3x8",
    idempotency_key: str | None = None,
    progress: Callable[[int], None] | None = None,
    pack_date: dt.date | None = None,
) -> LabelRun:
    """Issue `count` new pack codes for a batch as one run, packed on `pack_date` (default today).

    A retry with the same idempotency key returns the first run. `progress`, if given, hears how
    many codes are inserted so far (a background job's progress page). Raises ValidationError
    (count: more than fit the batch; template: a carton template for a product without a carton
    GTIN; pack_date: before the harvest or in the future), NotFoundError (batch),
    InvalidTransitionError (batch on hold, recalled, closed), ConflictError (key reused with
    other values), PermissionDeniedError.
    """
    authorize(actor, "label.issue")
    _check_count_and_template(count, template)
    # Lock the batch first: concurrent runs for one lot must not take the same printed numbers,
    # and a key sent again while its first request is still writing must find that request's
    # run (the check below runs after the first request has committed), not clash with it.
    batch = session.scalar(
        select(Batch)
        .where(Batch.id == batch_id)
        .with_for_update(of=Batch)
        .execution_options(populate_existing=True)
    )
    if idempotency_key:
        existing = _existing_run(session, idempotency_key, batch_id, count, template)
        if existing is not None:
            return existing
    if batch is None:
        raise NotFoundError(problem("batch.not_found", id=batch_id))
    # On hold, recalled, closed, or no passed inspection where the category has limits.
    assert_batch_releasable(session, batch)
    check_label_text(batch.product, batch.producer, batch)  # never a PDF failing mid-stream
    packed_on = _pack_date(batch, pack_date)
    item = trade_item(session, batch, template)
    # Under the batch's lock: two runs at once cannot both take the last of the lot.
    check_capacity(session, batch, item, count)

    last = session.scalar(select(func.max(PackCode.sequence)).where(PackCode.batch_id == batch.id))
    run = LabelRun(
        batch_id=batch.id,
        count=count,
        template=template,
        product_id=item.id,
        first_sequence=(last or 0) + 1,
        pack_date=packed_on,
        idempotency_key=idempotency_key or None,
        created_by_id=actor.id if actor is not None else None,
    )
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()
    except IntegrityError:
        # The key was taken meanwhile by a run of another lot (which locked another batch).
        existing = _existing_run(session, str(idempotency_key), batch_id, count, template)
        if existing is None:
            raise
        return existing
    _insert_codes(session, run, progress)
    record_change(session, actor, "label_run.issue", run)
    return run


def check_label_run(
    session: Session,
    actor: Actor | None,
    batch_id: int,
    count: int,
    template: str,
    pack_date: dt.date | None = None,
) -> Batch:
    """What issue_label_run would refuse, checked without writing (before a background job is
    started for a large run). Raises as issue_label_run."""
    authorize(actor, "label.issue")
    _check_count_and_template(count, template)
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError(problem("batch.not_found", id=batch_id))
    assert_batch_releasable(session, batch)
    check_label_text(batch.product, batch.producer, batch)
    _pack_date(batch, pack_date)
    check_capacity(session, batch, trade_item(session, batch, template), count)
    return batch


def _pack_date(batch: Batch, pack_date: dt.date | None) -> dt.date:
    """The run's pack date: default today (county time); never before the harvest or after today."""
    if pack_date is None:
        return max(local_today(), batch.harvested_on)
    check_not_future(pack_date, "pack_date")
    if pack_date < batch.harvested_on:
        raise ValidationError.for_field(
            "pack_date", "date.before_harvest_on", date=batch.harvested_on.isoformat()
        )
    return pack_date


def trade_item(session: Session, batch: Batch, template: str) -> Product:
    """The product a run's labels carry: the batch's (a consumer pack), or for a carton template
    the carton product registered for it (its own GTIN). Raises ValidationError (template)."""
    kind = load_template(template).trade_item
    product = batch.product
    if kind == "pack":
        if product.pack_product_id is not None:
            raise ValidationError.for_field("template", "label.carton_gtin", gtin=product.gtin)
        return product
    if product.pack_product_id is not None:
        return product
    carton = session.scalar(
        select(Product).where(Product.pack_product_id == product.id).order_by(Product.id).limit(1)
    )
    if carton is None:
        raise ValidationError.for_field(
            "template",
            "label.consumer_gtin",
            gtin=product.gtin,
        )
    return carton


def _check_count_and_template(count: int, template: str) -> None:
    if not 1 <= count <= MAX_RUN:
        raise ValidationError.for_field("count", "label.count_range", max=MAX_RUN)
    try:
        tpl = load_template(template)
    except TemplateError:
        raise ValidationError.for_field(
            "template", "label.template_unknown", template=template
        ) from None
    if tpl.kind != "pack":
        raise ValidationError.for_field("template", "label.not_pack_template", template=template)


# Codes inserted per statement: progress is heard between chunks (10,000 take about 1 s).
INSERT_CHUNK = 10_000


def _insert_codes(
    session: Session, run: LabelRun, progress: Callable[[int], None] | None = None
) -> None:
    """Bulk-insert the run's codes; a serial clash (about 1 in 10^9 a run) retries with new ones."""
    for _attempt in range(3):
        rows = [
            {
                "serial": new_serial(),
                "label_run_id": run.id,
                "batch_id": run.batch_id,
                "sequence": run.first_sequence + i,
                "status": CodeStatus.ACTIVE,
                "void_reason": "",
                "public_scan_count": 0,
            }
            for i in range(run.count)
        ]
        if len({row["serial"] for row in rows}) != len(rows):
            continue
        try:
            with session.begin_nested():
                for start in range(0, len(rows), INSERT_CHUNK):
                    chunk = rows[start : start + INSERT_CHUNK]
                    session.execute(insert(PackCode), chunk)
                    if progress is not None:
                        progress(start + len(chunk))
            return
        except IntegrityError as exc:
            if "serial" not in str(exc).lower():
                raise
    raise ConflictError("label.serials_not_unique")  # pragma: no cover


def get_label_run(session: Session, actor: Actor | None, run_id: int) -> LabelRun:
    authorize(actor, "record.read")
    run = session.get(LabelRun, run_id)
    if run is None:
        raise NotFoundError(problem("label_run.not_found", id=run_id))
    return run


def pack_label(session: Session, actor: Actor | None, serial: str, host: str) -> PackLabel:
    """One pack's label, as printed. Raises NotFoundError."""
    authorize(actor, "label.issue")
    code = session.scalar(select(PackCode).where(PackCode.serial == serial))
    if code is None:
        raise NotFoundError(problem("pack_code.not_found", serial=serial))
    run = session.get(LabelRun, code.label_run_id)
    assert run is not None
    return next(pack_labels(session, run, host, serial))


def run_serials(session: Session, run_id: int) -> list[str]:
    query = (
        select(PackCode.serial).where(PackCode.label_run_id == run_id).order_by(PackCode.sequence)
    )
    return list(session.scalars(query))


def _locked_run(session: Session, run_id: int) -> LabelRun:
    """The run, locked for this transaction and read afresh (not as loaded before the lock)."""
    run = session.scalar(
        select(LabelRun)
        .where(LabelRun.id == run_id)
        .with_for_update(of=LabelRun)
        .execution_options(populate_existing=True)
    )
    if run is None:
        raise NotFoundError(problem("label_run.not_found", id=run_id))
    return run


def list_label_runs(session: Session, actor: Actor | None, batch_id: int) -> list[LabelRun]:
    authorize(actor, "record.read")
    query = select(LabelRun).where(LabelRun.batch_id == batch_id).order_by(LabelRun.id)
    return list(session.scalars(query))


def void_label_run(session: Session, actor: Actor | None, run_id: int, reason: str) -> LabelRun:
    """Void every code of a run (a misprinted or lost sheet). Raises NotFoundError."""
    authorize(actor, "label.void")
    if not reason.strip():
        raise ValidationError.for_field("reason", "label.void_reason")
    run = _locked_run(session, run_id)
    if run.status is CodeStatus.VOID:  # voided meanwhile by another request: one void, one audit
        raise InvalidTransitionError(
            "label_run.voided_already", {"run": ["label_run.voided_already"]}
        )
    before = snapshot(run)
    run.status = CodeStatus.VOID
    run.void_reason = reason
    session.execute(
        update(PackCode)
        .where(PackCode.label_run_id == run.id)
        .values(status=CodeStatus.VOID, void_reason=reason)
    )
    record_change(session, actor, "label_run.void", run, before, note=reason)
    return run


def void_pack_codes(
    session: Session, actor: Actor | None, serials: Sequence[str], reason: str
) -> list[PackCode]:
    """Void single codes (a torn label). Raises ValidationError naming unknown serials."""
    authorize(actor, "label.void")
    if not reason.strip():
        raise ValidationError.for_field("reason", "label.void_reason")
    # Locked and read afresh: a code voided meanwhile by another request is not voided twice.
    codes = list(
        session.scalars(
            select(PackCode)
            .where(PackCode.serial.in_(serials))
            .order_by(PackCode.id)
            .with_for_update(of=PackCode)
            .execution_options(populate_existing=True)
        )
    )
    missing = sorted(set(serials) - {c.serial for c in codes})
    if missing:
        raise ValidationError.for_field("serials", "label.unknown_serials", serials=missing[:10])
    for code in codes:
        if code.status is CodeStatus.VOID:
            continue
        before = snapshot(code)
        code.status = CodeStatus.VOID
        code.void_reason = reason
        record_change(session, actor, "pack_code.void", code, before, note=reason)
    return codes


def run_codes(session: Session, run_id: int, limit: int = 48) -> list[PackCode]:
    """The first `limit` codes of a run in printed order (for its page)."""
    query = (
        select(PackCode)
        .where(PackCode.label_run_id == run_id)
        .order_by(PackCode.sequence)
        .limit(limit)
    )
    return list(session.scalars(query))


def void_run_code(
    session: Session, actor: Actor | None, run: LabelRun, code: str, reason: str
) -> PackCode:
    """Void one code of `run`, given as printed: its 防伪码 (groups and case as typed) or its
    number (No.000123). Raises ValidationError (code: not in this run), as void_pack_codes."""
    text = "".join(code.split()).upper()
    number = text.removeprefix("NO.").removeprefix("NO")
    query = select(PackCode).where(PackCode.label_run_id == run.id)
    if number.isdigit():
        query = query.where(PackCode.sequence == int(number))
    else:
        query = query.where(PackCode.serial == text)
    found = session.scalar(query)
    if found is None:
        raise ValidationError.for_field("code", "label.code_not_in_run")
    return void_pack_codes(session, actor, [found.serial], reason)[0]


def record_reprint(session: Session, actor: Actor | None, run_id: int, reason: str) -> LabelRun:
    """Note that a run's sheets are printed again (same codes): audited, never new serials."""
    authorize(actor, "label.issue")
    run = _locked_run(session, run_id)  # two reprints at once count two, a void comes first
    if run.status is CodeStatus.VOID:
        raise InvalidTransitionError(
            "label_run.voided_no_reprint", {"run": ["label_run.voided_no_reprint"]}
        )
    before = snapshot(run)
    run.reprint_count += 1
    record_change(session, actor, "label_run.reprint", run, before, note=reason)
    return run


def _net_content(grams: int | None) -> str:
    if not grams:
        return ""
    return f"{grams / 1000:g} kg" if grams >= 1000 else f"{grams} g"


@dataclass(frozen=True)
class RunPdf:
    """A label run's PDF, checked and ready to stream: `write` renders it page by page."""

    run: LabelRun
    template: LabelTemplate
    labels: Iterator[PackLabel]

    @property
    def filename(self) -> str:
        return f"labels-{self.run.batch.lot}-run{self.run.id}.pdf"

    def write(
        self,
        out: BinaryIO,
        counted: Callable[[Iterator[PackLabel]], Iterator[PackLabel]] | None = None,
    ) -> int:
        """Render into `out` (`counted` wraps the labels, e.g. to report a job's progress)."""
        labels = counted(self.labels) if counted is not None else self.labels
        title = f"{self.run.batch.lot} #{self.run.id}"
        return render_sheet_pdf(self.template, labels, out, title=title)


def render_run_pdf(session: Session, actor: Actor | None, run_id: int, host: str) -> RunPdf:
    """The one way a run's PDF is made, for the API's stream and the print job alike. Everything
    that can fail before the first byte fails here: the role, the run, its template and the CJK
    font (so a download never starts and then breaks). Raises PermissionDeniedError,
    NotFoundError, TemplateError, FontNotFoundError."""
    authorize(actor, "label.issue")
    run = get_label_run(session, actor, run_id)
    template = load_template(run.template)
    load_font()
    # Records edited since the run was issued: a 422 naming the field, not a PDF cut short.
    check_label_text(run.batch.product, run.batch.producer, run.batch)
    return RunPdf(run, template, pack_labels(session, run, host))


def pack_labels(
    session: Session, run: LabelRun, host: str, serial: str | None = None
) -> Iterator[PackLabel]:
    """The run's labels in printed order, read in chunks so 100,000 codes never sit in memory.

    With `serial`, only that pack's label (for a PNG or SVG of one label).
    """
    batch = run.batch
    product, producer = batch.product, batch.producer
    item = session.get(Product, run.product_id) if run.product_id else product
    item = item or product
    brand_mark, gi_mark = label_marks(session, producer, product)
    place = session.get(Township, batch.township_code)
    best_before = (
        run.pack_date + dt.timedelta(days=product.shelf_life_days)
        if product.shelf_life_days
        else None
    )
    base = gs1.pack_uri(host, item.gtin, batch.lot)
    content = _net_content(product.net_content_g)
    if item.pack_product_id is not None:  # a carton: its content is a count of packs
        content = (
            f"{item.packs_per_case or 1} 件 × {content}"
            if content
            else (f"{item.packs_per_case or 1} 件")
        )
    # Everything but the code is the same on every label of the run.
    common = PackLabel(
        uri=base,
        serial="",
        sequence=0,
        gtin=item.gtin,
        product_name=product.name,
        grade=batch.grade,
        net_content=content,
        lot=batch.lot,
        pack_date=run.pack_date,
        # The name as the public pages show it: a farmer's is masked (罗*芬).
        producer=str(public_producer(producer)["name"]),
        origin="大姚县" + (place.name_zh if place else ""),
        brand_mark=brand_mark,
        gi_mark=gi_mark,
        gi_user_code=(producer.credit_code or "") if gi_mark else "",
        best_before=best_before,
    )
    query = (
        select(PackCode.serial, PackCode.sequence)
        .where(PackCode.label_run_id == run.id)
        .order_by(PackCode.sequence)
        .execution_options(yield_per=2000)
    )
    if serial is not None:
        query = query.where(PackCode.serial == serial)
    for code_serial, sequence in session.execute(query):
        yield replace(common, uri=f"{base}/21/{code_serial}", serial=code_serial, sequence=sequence)


def certificate_print(record: ComplianceRecord, host: str) -> ComplianceCertificate:
    """An issued 合格证 as printed; its QR opens the certificate's public page."""
    unit = UNIT_NAMES.get(record.unit.value, record.unit.value)
    return ComplianceCertificate(
        uri=certificate_uri(host, record.number),
        product_name=record.product_name,
        quantity=f"{record.quantity.normalize():f} {unit}",
        origin=record.origin,
        issued_on=local_date(record.issued_at),
        promiser=record.promiser,
        contact=record.contact,
        lot=record.batch.lot,
        number=record.number,
        promise="；".join(PROMISES) + "。",
    )


# How a certificate's quantity is printed (the form is Chinese whatever the page language).
UNIT_NAMES = {
    "jin": "斤",
    "kg": "千克",
    "g": "克",
    "t": "吨",
    "piece": "个",
    "box": "箱",
    "bottle": "瓶",
}


def certificate_uri(host: str, number: str) -> str:
    """The public page of a 合格证, printed into its QR code."""
    return f"https://{host}/compliance/{number}"

"""Label runs: issue pack codes for a batch, download the printable PDF, void and reprint."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, current_app, url_for
from flask_smorest import Blueprint

from trace.errors import ConflictError, problem
from trace.policy import authorize
from trace.printing.render import (
    render_compliance_certificate_pdf,
    render_label_png,
    render_label_svg,
)
from trace.printing.templates import load_template
from trace.schemas.compliance import (
    CertificatePdfArgsSchema,
    ComplianceCertificateSchema,
    ComplianceIssueSchema,
)
from trace.schemas.labels import (
    LabelImageArgsSchema,
    LabelRunCreateSchema,
    LabelRunSchema,
    LabelRunSummarySchema,
    PackCodeSchema,
    ReasonSchema,
    VoidCodesSchema,
)
from trace.schemas.scans import ScanRegionsSchema
from trace.services import compliance, scan_regions
from trace.services import labels as service
from trace.web.auth import current_actor
from trace.web.database import db, streamed_body
from trace.web.streaming import primed, stream_writer

PREFIX = ""
blp = Blueprint("labels", __name__, description="Label runs and pack codes")


def _dump(run: Any, with_serials: bool = True) -> Any:
    """Attach what the response shows beside the stored columns (never persisted)."""
    if with_serials:
        run.serials = service.run_serials(db(), run.id)
    run.pdf_url = url_for("labels.label_run_pdf", run_id=run.id)
    return run


@blp.post("/batches/<int:batch_id>/label-runs")
@blp.arguments(LabelRunCreateSchema)
@blp.response(201, LabelRunSchema)
def issue_label_run(data: dict[str, Any], batch_id: int) -> Any:
    session = db()
    run = service.issue_label_run(session, current_actor(), batch_id, **data)
    session.commit()
    return _dump(run)


@blp.get("/batches/<int:batch_id>/label-runs")
@blp.response(200, LabelRunSummarySchema(many=True))
def list_label_runs(batch_id: int) -> Any:
    runs = service.list_label_runs(db(), current_actor(), batch_id)
    return [_dump(run, with_serials=False) for run in runs]


@blp.get("/label-runs/<int:run_id>")
@blp.response(200, LabelRunSchema)
def get_label_run(run_id: int) -> Any:
    return _dump(service.get_label_run(db(), current_actor(), run_id))


def check_direct_pdf(run: Any) -> None:
    """A run above LABEL_PDF_DIRECT_MAX is printed by a background job, never inside a request
    (a worker could be cut off mid-body): 409 before the first byte, saying how to get it."""
    limit = int(current_app.config["LABEL_PDF_DIRECT_MAX"])
    if run.count > limit:
        refused = problem("label_run.too_large_direct", id=run.id, count=run.count, max=limit)
        raise ConflictError(refused, {"run_id": [refused]})


@blp.get("/label-runs/<int:run_id>/pdf")
@blp.response(200, content_type="application/pdf")
def label_run_pdf(run_id: int) -> Response:
    """The run's label sheets, streamed page by page (memory stays flat for 100,000 labels)."""
    session, actor = db(), current_actor()
    authorize(actor, "label.issue")
    check_direct_pdf(service.get_label_run(session, actor, run_id))
    pdf = service.render_run_pdf(session, actor, run_id, current_app.config["PUBLIC_HOST"])
    return Response(
        # The first label laid out before the answer starts: an error is a 422, not a cut 200.
        streamed_body(primed(stream_writer(pdf.write))),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{pdf.filename}"'},
    )


@blp.post("/label-runs/<int:run_id>/void")
@blp.arguments(ReasonSchema)
@blp.response(200, LabelRunSchema)
def void_label_run(data: dict[str, Any], run_id: int) -> Any:
    session = db()
    run = service.void_label_run(session, current_actor(), run_id, data["reason"])
    session.commit()
    return _dump(run)


@blp.post("/label-runs/<int:run_id>/reprints")
@blp.arguments(ReasonSchema)
@blp.response(200, LabelRunSchema)
def reprint_label_run(data: dict[str, Any], run_id: int) -> Any:
    session = db()
    run = service.record_reprint(session, current_actor(), run_id, data["reason"])
    session.commit()
    return _dump(run)


@blp.post("/pack-codes/void")
@blp.arguments(VoidCodesSchema)
@blp.response(200, PackCodeSchema(many=True))
def void_pack_codes(data: dict[str, Any]) -> Any:
    session = db()
    codes = service.void_pack_codes(session, current_actor(), data["serials"], data["reason"])
    session.commit()
    return codes


@blp.get("/pack-codes/<serial>/label.png")
@blp.arguments(LabelImageArgsSchema, location="query")
@blp.response(200, content_type="image/png")
def pack_label_png(args: dict[str, Any], serial: str) -> Response:
    """One pack's label as a PNG at true size (dpi recorded), e.g. for an e-commerce listing."""
    label = service.pack_label(db(), current_actor(), serial, current_app.config["PUBLIC_HOST"])
    png = render_label_png(load_template(args["template"]), label, dpi=args["dpi"])
    return Response(png, mimetype="image/png")


@blp.get("/pack-codes/<serial>/label.svg")
@blp.arguments(LabelImageArgsSchema, location="query")
@blp.response(200, content_type="image/svg+xml")
def pack_label_svg(args: dict[str, Any], serial: str) -> Response:
    """One pack's label as SVG (vector QR), e.g. for an e-commerce listing."""
    label = service.pack_label(db(), current_actor(), serial, current_app.config["PUBLIC_HOST"])
    svg = render_label_svg(load_template(args["template"]), label)
    return Response(svg, mimetype="image/svg+xml")


def _certificate(record: Any) -> Any:
    """Attach the record's links for the response (never persisted)."""
    record.pdf_url = url_for("labels.compliance_certificate_record_pdf", certificate_id=record.id)
    record.public_url = url_for("public.compliance_page", number=record.number, _external=True)
    return record


def _certificate_pdf(record: Any, template: str = "compliance-cert") -> Response:
    cert = service.certificate_print(record, current_app.config["PUBLIC_HOST"])
    buffer = io.BytesIO()
    render_compliance_certificate_pdf(cert, buffer, template=load_template(template))
    return Response(
        buffer.getvalue(),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{record.number}.pdf"'},
    )


@blp.post("/batches/<int:batch_id>/compliance-certificates")
@blp.arguments(ComplianceIssueSchema)
@blp.response(201, ComplianceCertificateSchema)
def issue_compliance_certificate(data: dict[str, Any], batch_id: int) -> Any:
    """Issue a 承诺达标合格证 for the batch (QC, admin, or the producer's township station).

    409 with the reason for a held, recalled, closed or failed batch."""
    session = db()
    record = compliance.issue_certificate(session, current_actor(), batch_id, **data)
    session.commit()
    return _certificate(record)


@blp.get("/batches/<int:batch_id>/compliance-certificates")
@blp.response(200, ComplianceCertificateSchema(many=True))
def list_compliance_certificates(batch_id: int) -> Any:
    """Every certificate issued for the lot, newest first: who issued which, when."""
    records = compliance.list_certificates(db(), current_actor(), batch_id)
    return [_certificate(r) for r in records]


@blp.get("/compliance-certificates/<int:certificate_id>.pdf")
@blp.arguments(CertificatePdfArgsSchema, location="query")
@blp.response(200, content_type="application/pdf")
def compliance_certificate_record_pdf(args: dict[str, Any], certificate_id: int) -> Response:
    """One issued certificate as a PDF: A6 (`compliance-cert`) or a 70 × 50 mm sticker."""
    record = compliance.printable(db(), current_actor(), certificate_id)
    return _certificate_pdf(record, args["template"])


@blp.get("/batches/<int:batch_id>/compliance-certificate.pdf")
@blp.response(200, content_type="application/pdf")
def compliance_certificate_pdf(batch_id: int) -> Response:
    """The batch's 承诺达标合格证 as a one-page PDF.

    The newest issued certificate of the batch, as an A6 page; the first one is issued (and
    recorded) when the batch has none. 409 with the reason for a held, recalled, closed or
    failed batch."""
    session = db()
    record = compliance.latest_or_issue(session, current_actor(), batch_id)
    session.commit()
    return _certificate_pdf(record)


@blp.get("/pack-codes/<serial>/scan-regions")
@blp.response(200, ScanRegionsSchema)
def pack_scan_regions(serial: str) -> Any:
    """Counted scans of one pack by region (QC's test scans left out), with the far-apart flag:
    scanned in two provinces within SCAN_FAR_HOURS, a sign of a cloned code."""
    hours = current_app.config["SCAN_FAR_HOURS"]
    return scan_regions.pack_regions(db(), current_actor(), serial, hours)


@blp.get("/batches/<int:batch_id>/scan-regions")
@blp.response(200, ScanRegionsSchema)
def lot_scan_regions(batch_id: int) -> Any:
    """Counted scans of a lot's packs by region, its far-apart packs, and 窜货 (moved): a lot with
    a sales region scanned mostly outside it."""
    hours = current_app.config["SCAN_FAR_HOURS"]
    return scan_regions.lot_regions(db(), current_actor(), batch_id, hours)


@blp.post("/pack-codes/<serial>/test-scans")
@blp.arguments(ReasonSchema)
@blp.response(200, PackCodeSchema)
def mark_test_scans(data: dict[str, Any], serial: str) -> Any:
    """QC marks the pack's counted scans so far as their own test scans: the consumer verdict
    starts again (the next buyer is told genuine); the reason goes into the audit trail."""
    session = db()
    code = scan_regions.mark_test_scans(session, current_actor(), serial, data["reason"])
    session.commit()
    return code

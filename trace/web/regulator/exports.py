"""Exports: the sortable spreadsheet of trace events (CSV, XLSX) and a lot's EPCIS 2.0 document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from flask import Response, current_app
from flask_smorest import Blueprint
from sqlalchemy import select

from trace.errors import ConflictError, NotFoundError, problem
from trace.models.batches import Batch
from trace.schemas.recalls import ExportQueryArgsSchema
from trace.services import exports as service
from trace.web.auth import current_actor
from trace.web.database import db, streamed_body
from trace.web.names import EVENT_TYPES, bilingual

PREFIX = ""
blp = Blueprint("exports", __name__, description="Sortable spreadsheets and EPCIS documents")

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EPCIS_TYPE = "application/ld+json"


def scope_from(args: dict[str, Any]) -> tuple[service.ExportScope, str | None]:
    """The export's scope from query arguments; an unknown lot code is a 404."""
    batch_id = args.get("batch_id")
    if args.get("lot"):
        batch_id = db().scalar(select(Batch.id).where(Batch.lot == args["lot"].strip().upper()))
        if batch_id is None:
            raise NotFoundError(problem("lot.not_found", lot=args["lot"]))
    scope = service.ExportScope(batch_id, args.get("occurred_from"), args.get("occurred_to"))
    batch = service.check_scope(db(), current_actor(), scope)
    return scope, batch.lot if batch is not None else None


def _download(chunks: Iterator[bytes], mimetype: str, filename: str) -> Response:
    # RFC 6266: a plain ASCII name, and the exact one (a lot may hold any set-82 character).
    disposition = f'attachment; filename="{filename.encode("ascii", "replace").decode()}"'
    disposition += f"; filename*=UTF-8''{quote(filename)}"
    return Response(
        streamed_body(chunks),
        mimetype=mimetype,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


def csv_response(args: dict[str, Any]) -> Response:
    return download(*_direct_scope(args), "csv")


def xlsx_response(args: dict[str, Any]) -> Response:
    return download(*_direct_scope(args), "xlsx")


def _direct_scope(args: dict[str, Any]) -> tuple[service.ExportScope, str | None]:
    """The scope, if small enough to send within one request (EXPORT_DIRECT_MAX_ROWS); a larger
    one is refused before the first byte (409 saying how to get it), never cut off mid-body."""
    scope, lot = scope_from(args)
    rows = service.count_rows(db(), scope)
    limit = int(current_app.config["EXPORT_DIRECT_MAX_ROWS"])
    if rows > limit:
        refused = problem("export.too_large_direct", rows=rows, max=limit)
        raise ConflictError(refused, {"occurred_from": [refused]})
    return scope, lot


def download(scope: service.ExportScope, lot: str | None, file_format: str) -> Response:
    """The scope's events as a streamed CSV or XLSX file (the scope checked by scope_from)."""
    rows = service.event_rows(db(), scope, bilingual(EVENT_TYPES))
    name = f"{scope.filename(lot)}.{file_format}"
    if file_format == "xlsx":
        return _download(service.xlsx_chunks(rows), XLSX_TYPE, name)
    return _download(service.csv_chunks(rows), CSV_TYPE, name)


def epcis_response(batch_id: int) -> Response:
    document = service.epcis_document(
        db(), current_actor(), batch_id, current_app.config["PUBLIC_HOST"]
    )
    body = json.dumps(document, ensure_ascii=False, indent=1)
    return Response(body, mimetype=EPCIS_TYPE, headers={"Cache-Control": "no-store"})


@blp.get("/exports/events.csv")
@blp.arguments(ExportQueryArgsSchema, location="query")
@blp.response(200, content_type="text/csv")
def events_csv(args: dict[str, Any]) -> Response:
    """One row per critical tracking event, one column per key data element, streamed."""
    return csv_response(args)


@blp.get("/exports/events.xlsx")
@blp.arguments(ExportQueryArgsSchema, location="query")
@blp.response(200, content_type=XLSX_TYPE)
def events_xlsx(args: dict[str, Any]) -> Response:
    """The same rows as an Excel workbook (a new sheet every 1,048,575 rows)."""
    return xlsx_response(args)


@blp.get("/batches/<int:batch_id>/epcis")
@blp.response(200, content_type=EPCIS_TYPE)
def lot_epcis(batch_id: int) -> Response:
    """The lot's history as an EPCIS 2.0 JSON-LD document (ObjectEvent, TransformationEvent)."""
    return epcis_response(batch_id)

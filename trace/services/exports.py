"""Exports for regulators: the sortable spreadsheet (CSV, XLSX) and the EPCIS 2.0 document.

The spreadsheet follows the FSMA 204 "electronic sortable spreadsheet": one row per critical
tracking event, one column per key data element. Both formats stream: rows come from the
database a few thousand at a time (a server-side cursor on PostgreSQL), the CSV is written as it
is read, and the XLSX is built by xlsxwriter in constant-memory mode into a temporary file that
is then read back in chunks, so memory stays flat for a million rows.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import xlsxwriter  # type: ignore[import-untyped]
from sqlalchemy import Select, String, func, select, type_coerce
from sqlalchemy.orm import Session

from trace import gs1
from trace.cells import XLSX_OPTIONS, SafeCsvWriter, write_string_row
from trace.clock import local_datetime, zone
from trace.db import utcnow
from trace.errors import NotFoundError, ValidationError, problem
from trace.models.batches import Batch, Unit
from trace.models.events import EventType, TraceEvent
from trace.models.genealogy import LineRole, LotOperation
from trace.models.producers import Producer
from trace.models.products import Product
from trace.models.regions import Township
from trace.policy import Actor, authorize
from trace.quantities import to_kg
from trace.services.trace_query import history_filter, lineage_lots, related_ids_query

# FSMA 204 critical tracking events; our other events keep their own type and leave this empty.
FSMA_CTE = {
    EventType.COMMISSIONING: "harvesting",
    EventType.PACKING: "initial_packing",
    EventType.SHIPPING: "shipping",
    EventType.RECEIVING: "receiving",
    EventType.TRANSFORMING: "transformation",
}


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # bilingual: the sheet goes to Chinese regulators and to foreign buyers alike
    width: int = 14


COLUMNS = (
    Column("event_id", "事件编号 Event ID", 10),
    Column("cte", "关键追踪事件 CTE", 16),
    Column("event_type", "事件类型 Event type", 14),
    Column("date", "日期 Date", 12),
    Column("time", "时间 Time (UTC+8)", 26),
    Column("lot", "批次号 Traceability lot code", 20),
    Column("product", "产品 Product", 24),
    Column("gtin", "GTIN", 16),
    Column("quantity", "数量 Quantity", 12),
    Column("unit", "单位 Unit", 8),
    Column("from_location", "来源 From", 24),
    Column("to_location", "去向 To", 24),
    Column("location", "地点 Location", 24),
    Column("reference_document", "参考单据 Reference document", 20),
    Column("producer", "生产主体 Producer", 28),
    Column("producer_credit_code", "统一社会信用代码 Credit code", 20),
    Column("township", "乡镇 Township", 10),
    Column("linked_lots", "关联批次 Linked lots", 28),
    Column("sequence", "链序号 Chain sequence", 8),
    Column("event_hash", "事件哈希 Event hash (SHA-256)", 66),
    # The event type as people read it (added last: the columns before keep their places).
    Column("event_name", "事件名称 Event name", 16),
)
XLSX_MAX_ROWS = 1_048_576  # per sheet, the header included; further rows go on a new sheet
CHUNK = 64 * 1024


@dataclass(frozen=True)
class ExportScope:
    """Which events: a lot with its whole genealogy, a date range (Dayao dates), or both."""

    batch_id: int | None = None
    occurred_from: dt.date | None = None
    occurred_to: dt.date | None = None

    def filename(self, lot: str | None) -> str:
        parts = ["trace-events"]
        if lot:
            parts.append(lot)
        if self.occurred_from or self.occurred_to:
            parts.append(f"{self.occurred_from or 'start'}_{self.occurred_to or 'now'}")
        return "-".join(parts)


def check_scope(session: Session, actor: Actor | None, scope: ExportScope) -> Batch | None:
    """Raises ValidationError (no scope, reversed range, unknown lot), PermissionDeniedError."""
    authorize(actor, "trace.export")
    if scope.batch_id is None and scope.occurred_from is None and scope.occurred_to is None:
        raise ValidationError(
            "export.scope_required",
            {"batch_id": ["export.scope_required"]},
        )
    if scope.occurred_from and scope.occurred_to and scope.occurred_from > scope.occurred_to:
        raise ValidationError.for_field("occurred_to", "date.before_start")
    if scope.batch_id is None:
        return None
    batch = session.get(Batch, scope.batch_id)
    if batch is None:
        raise NotFoundError(problem("batch.not_found", id=scope.batch_id))
    return batch


def _query(scope: ExportScope) -> Select[Any]:
    query = (
        select(
            TraceEvent.id,
            TraceEvent.sequence,
            # The stored text, not the enum: no conversion per row.
            type_coerce(TraceEvent.event_type, String).label("event_type"),
            TraceEvent.occurred_at,
            TraceEvent.location,
            TraceEvent.details,
            TraceEvent.hash,
            Batch.lot,
            Product.name.label("product"),
            Product.gtin,
            Producer.name.label("producer"),
            Producer.credit_code,
            Township.name_zh.label("township"),
        )
        .join(Batch, Batch.id == TraceEvent.batch_id)
        .join(Product, Product.id == Batch.product_id)
        .join(Producer, Producer.id == Batch.producer_id)
        .join(Township, Township.code == Batch.township_code)
        .order_by(TraceEvent.occurred_at, TraceEvent.id)
    )
    if scope.batch_id is not None:
        query = query.where(TraceEvent.batch_id.in_(related_ids_query(scope.batch_id)))
    if scope.occurred_from is not None:
        start = local_datetime(scope.occurred_from)
        query = query.where(TraceEvent.occurred_at >= start)
    if scope.occurred_to is not None:
        end = local_datetime(scope.occurred_to + dt.timedelta(days=1))
        query = query.where(TraceEvent.occurred_at < end)
    return query


def count_rows(session: Session, scope: ExportScope) -> int:
    """How many rows the scope's export has (for progress, and to choose between a direct
    download and a background job)."""
    counted = _query(scope).order_by(None).with_only_columns(TraceEvent.id).subquery()
    return int(session.scalar(select(func.count()).select_from(counted)) or 0)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _reference(details: dict[str, Any]) -> str:
    for key in ("shipment", "report_no", "reference"):
        if details.get(key):
            return str(details[key])
    if details.get("recall"):
        return f"recall #{details['recall']}"
    if details.get("operation"):
        return f"operation #{details['operation']}"
    return ""


_FSMA_BY_VALUE = {event_type.value: cte for event_type, cte in FSMA_CTE.items()}
_HARVEST, _TRANSFORM = EventType.COMMISSIONING.value, EventType.TRANSFORMING.value
QUANTITY_INDEX = next(i for i, c in enumerate(COLUMNS) if c.key == "quantity")


def event_rows(
    session: Session, scope: ExportScope, event_names: Mapping[str, str] | None = None
) -> Iterator[list[str]]:
    """One row per event, its cells in COLUMNS order as text; read from the database in chunks.
    `event_names` gives each event type's display name (the web layer's names table).

    This loop runs a million times for a large export: plain strings and dict look-ups only.
    """
    # Core execution on the session's connection: the ORM's row machinery costs 4x per row here.
    # A few thousand rows at a time (a server-side cursor on PostgreSQL); set on the statement,
    # since Connection.execution_options() would change the session's connection for good.
    query = _query(scope).execution_options(yield_per=2000)
    named = dict(event_names or {})
    for row in session.connection().execute(query):
        details: dict[str, Any] = row.details or {}
        event_type = row.event_type
        local = row.occurred_at.astimezone(zone())
        is_transform = event_type == _TRANSFORM
        moved_from = details.get("from")
        moved_to = details.get("to")
        quantity = details.get("quantity")
        if event_type == _HARVEST:
            from_location, to_location = row.location, ""
        elif is_transform:
            from_location = to_location = ""
        else:
            from_location, to_location = _text(moved_from), _text(moved_to)
        yield [
            str(row.id),
            _FSMA_BY_VALUE.get(event_type, ""),
            event_type,
            local.date().isoformat(),
            local.isoformat(),
            row.lot,
            row.product,
            row.gtin,
            _text(quantity),
            _text(details.get("unit")) if quantity else "",
            from_location,
            to_location,
            row.location,
            _reference(details),
            row.producer,
            row.credit_code or "",
            row.township,
            _text(moved_from or moved_to) if is_transform else "",
            str(row.sequence),
            row.hash,
            named.get(event_type, event_type),
        ]


def csv_chunks(rows: Iterable[list[str]]) -> Iterator[bytes]:
    """The rows as UTF-8 CSV (with a BOM, so Excel reads the Chinese), about 64 KB a chunk."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)  # staff-typed text stays text (trace.cells)
    buffer.write("\ufeff")
    writer.writerow([c.title for c in COLUMNS])
    for row in rows:
        writer.writerow(row)
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _number(value: Any) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except InvalidOperation:
        return None


def write_xlsx(rows: Iterable[list[str]], out: Any) -> int:
    """Write the rows as an XLSX workbook to `out` (a seekable binary file); returns the count."""
    # Every text cell is a string cell, never a formula: a producer named `=HYPERLINK(...)`
    # stays a name (trace.cells).
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, **XLSX_OPTIONS})
    bold = workbook.add_format({"bold": True, "bg_color": "#F6F2EA"})
    sheets = 0
    count = 0
    sheet: Any = None
    row_number = 0

    def new_sheet() -> Any:
        nonlocal sheets
        sheets += 1
        worksheet = workbook.add_worksheet("events" if sheets == 1 else f"events {sheets}")
        for index, column in enumerate(COLUMNS):
            worksheet.set_column(index, index, column.width)
        write_string_row(worksheet, 0, [c.title for c in COLUMNS], bold)
        worksheet.freeze_panes(1, 0)
        return worksheet

    def finish(worksheet: Any, last_row: int) -> None:
        worksheet.autofilter(0, 0, max(last_row, 1), len(COLUMNS) - 1)

    for row in rows:
        if sheet is None or row_number >= XLSX_MAX_ROWS - 1:
            if sheet is not None:
                finish(sheet, row_number)
            sheet, row_number = new_sheet(), 0
        row_number += 1
        quantity = _number(row[QUANTITY_INDEX])
        if quantity is None:
            write_string_row(sheet, row_number, row)
        else:  # a number, so the column sorts and sums
            write_string_row(sheet, row_number, row)
            sheet.write_number(row_number, QUANTITY_INDEX, float(quantity))
        count += 1
    if sheet is None:
        sheet = new_sheet()
    finish(sheet, row_number)
    workbook.close()
    return count


def xlsx_chunks(rows: Iterable[list[str]]) -> Iterator[bytes]:
    """The workbook built in a temporary file (zip needs to seek), then read back in chunks."""
    with tempfile.TemporaryFile(prefix="trace-export-") as handle:
        write_xlsx(rows, handle)
        handle.seek(0)
        while chunk := handle.read(CHUNK):
            yield chunk


# EPCIS 2.0 --------------------------------------------------------------------------------------

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# UN/ECE Recommendation 20/21 codes, as EPCIS wants for `uom`; 斤 is exported in kilograms.
UOM = {
    Unit.KG: "KGM",
    Unit.G: "GRM",
    Unit.T: "TNE",
    Unit.PIECE: "H87",
    Unit.BOX: "XBX",
    Unit.BOTTLE: "XBO",
}
# CBV 2.0 business steps; steps CBV does not name get our own vocabulary URI.
BIZ_STEP = {
    EventType.COMMISSIONING: "commissioning",
    EventType.SAMPLING: "sampling",
    EventType.INSPECTING: "inspecting",
    EventType.PACKING: "packing",
    EventType.STORING: "storing",
    EventType.SHIPPING: "shipping",
    EventType.RECEIVING: "receiving",
    EventType.HOLDING: "holding",
    EventType.RECALLING: "holding",
}
DISPOSITION = {
    EventType.COMMISSIONING: "active",
    EventType.PACKING: "active",
    EventType.SHIPPING: "in_transit",
    EventType.RECEIVING: "in_progress",
    EventType.STORING: "sellable_not_accessible",
    EventType.HOLDING: "non_sellable_other",
    EventType.RECALLING: "recalled",
}
TRANSFORM_STEP = {"split": "repackaging", "merge": "repackaging", "transform": "commissioning"}


class _Vocabulary:
    """URIs on our public host for what has no GS1 identifier yet (places, parties, documents)."""

    def __init__(self, host: str) -> None:
        self.base = f"https://{host}"

    def voc(self, *parts: str) -> str:
        return self.base + "/voc/" + "/".join(quote(p, safe="") for p in parts)

    def event_id(self, lot: str, sequence: int) -> str:
        return f"{self.base}/lots/{quote(lot, safe='')}#event-{sequence}"


def _epc_class(gtin: str, lot: str) -> str:
    """The lot as a class-level GS1 Digital Link URI on GS1's canonical domain."""
    return gs1.pack_uri("id.gs1.org", gtin, lot)


def _quantity(epc_class: str, quantity: Any, unit: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"epcClass": epc_class}
    number = _number(quantity)
    if number is not None:
        if unit and Unit(unit) not in UOM:  # 斤 has no UN/ECE code: in kilograms
            number, unit = to_kg(number, unit) or number, Unit.KG
        element["quantity"] = float(number)
        if unit:
            element["uom"] = UOM[Unit(unit)]
    return element


def epcis_document(
    session: Session, actor: Actor | None, batch_id: int, host: str
) -> dict[str, Any]:
    """The lot's history (its own events and its ancestors') as an EPCIS 2.0 JSON-LD document.

    Raises NotFoundError, PermissionDeniedError."""
    authorize(actor, "trace.export")
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError(problem("batch.not_found", id=batch_id))
    vocabulary = _Vocabulary(host)
    lots = lineage_lots(session, batch)
    batches = {b.id: b for b in session.scalars(select(Batch).where(Batch.id.in_(list(lots))))}
    events = list(
        session.scalars(
            select(TraceEvent)
            .where(history_filter(session, batch, lots))
            .order_by(TraceEvent.occurred_at, TraceEvent.id)
        )
    )
    corrections = {e.corrects_event_id: e for e in events if e.corrects_event_id is not None}
    operations_done: set[int] = set()
    event_list: list[dict[str, Any]] = []
    for event in events:
        owner = batches[event.batch_id]
        if event.event_type is EventType.TRANSFORMING and "operation" in event.details:
            operation_id = int(event.details["operation"])
            if operation_id in operations_done:
                continue  # one TransformationEvent per operation, whichever lot it was found on
            operations_done.add(operation_id)
            converted = _transformation(session, vocabulary, event, owner, operation_id)
        else:
            converted = _object_event(vocabulary, event, owner)
        corrected_by = corrections.get(event.id)
        if corrected_by is not None:
            converted["errorDeclaration"] = {
                "declarationTime": corrected_by.recorded_at.isoformat(),
                "reason": "incorrect_data",
                "correctiveEventIDs": [
                    vocabulary.event_id(batches[corrected_by.batch_id].lot, corrected_by.sequence)
                ],
            }
        event_list.append(converted)
    return {
        "@context": [EPCIS_CONTEXT, {"dayao": f"{vocabulary.base}/voc/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": utcnow().replace(microsecond=0).isoformat(),
        "instanceIdentifier": str(uuid.uuid4()),
        "sender": f"{vocabulary.base}/",
        "epcisBody": {"eventList": event_list},
    }


def _common(vocabulary: _Vocabulary, event: TraceEvent, owner: Batch) -> dict[str, Any]:
    local = event.occurred_at.astimezone(zone())
    common: dict[str, Any] = {
        "eventTime": local.isoformat(),
        "eventTimeZoneOffset": "+08:00",
        "recordTime": event.recorded_at.isoformat(),
        "eventID": vocabulary.event_id(owner.lot, event.sequence),
    }
    return common


def _places(vocabulary: _Vocabulary, event: TraceEvent, owner: Batch) -> dict[str, Any]:
    places: dict[str, Any] = {
        "bizLocation": {"id": vocabulary.voc("township", owner.township_code)}
    }
    if event.location:
        places["readPoint"] = {"id": vocabulary.voc("place", owner.township_code, event.location)}
    return places


def _extensions(event: TraceEvent) -> dict[str, Any]:
    """Our own fields (prefix `dayao:`): the chain position and hashes, the place as written."""
    extensions: dict[str, Any] = {
        "dayao:eventType": event.event_type.value,
        "dayao:sequence": event.sequence,
        "dayao:hash": event.hash,
        "dayao:prevHash": event.prev_hash,
    }
    if event.location:
        extensions["dayao:location"] = event.location
    return extensions


def _object_event(vocabulary: _Vocabulary, event: TraceEvent, owner: Batch) -> dict[str, Any]:
    details = event.details or {}
    event_type = EventType(event.event_type)
    epc_class = _epc_class(owner.product.gtin, owner.lot)
    is_harvest = event_type is EventType.COMMISSIONING
    converted: dict[str, Any] = {
        "type": "ObjectEvent",
        **_common(vocabulary, event, owner),
        "action": "ADD" if is_harvest else "OBSERVE",
        "quantityList": [
            _quantity(epc_class, details.get("quantity"), details.get("unit") or owner.unit)
        ],
        "bizStep": BIZ_STEP.get(event_type) or vocabulary.voc("bizStep", event_type.value),
        **_places(vocabulary, event, owner),
    }
    if event_type is EventType.INSPECTING and "passed" in details:
        converted["disposition"] = "conformant" if details["passed"] else "non_conformant"
    elif event_type in DISPOSITION:
        converted["disposition"] = DISPOSITION[event_type]
    transactions = []
    if details.get("shipment"):
        transactions.append(
            {
                "type": "desadv",
                "bizTransaction": vocabulary.voc("shipment", str(details["shipment"])),
            }
        )
    if details.get("report_no"):
        transactions.append(
            {
                "type": "testres",
                "bizTransaction": vocabulary.voc("report", str(details["report_no"])),
            }
        )
    if transactions:
        converted["bizTransactionList"] = transactions
    if event_type in (EventType.SHIPPING, EventType.RECEIVING):
        if details.get("from"):
            converted["sourceList"] = [
                {"type": "location", "source": vocabulary.voc("party", str(details["from"]))}
            ]
        if details.get("to"):
            converted["destinationList"] = [
                {"type": "location", "destination": vocabulary.voc("party", str(details["to"]))}
            ]
    if is_harvest:
        converted["ilmd"] = {
            "cbvmda:harvestStartDate": owner.harvested_on.isoformat(),
            "cbvmda:countryOfOrigin": "CN",
            "cbvmda:lotNumber": owner.lot,
            "dayao:township": owner.township_code,
            "dayao:producer": owner.producer.name,
        }
    converted.update(_extensions(event))
    return converted


def _transformation(
    session: Session,
    vocabulary: _Vocabulary,
    event: TraceEvent,
    owner: Batch,
    operation_id: int,
) -> dict[str, Any]:
    operation = session.get(LotOperation, operation_id)
    if operation is None:  # details name an operation that does not exist: keep the event plain
        return _object_event(vocabulary, event, owner)
    inputs: list[dict[str, Any]] = []
    outputs: list[dict[str, Any]] = []
    for line in operation.lines:
        element = _quantity(
            _epc_class(line.batch.product.gtin, line.batch.lot), line.quantity, line.unit
        )
        (inputs if line.role is LineRole.INPUT else outputs).append(element)
    converted: dict[str, Any] = {
        "type": "TransformationEvent",
        **_common(vocabulary, event, owner),
        "inputQuantityList": inputs,
        "outputQuantityList": outputs,
        "transformationID": vocabulary.voc("transformation", str(operation.id)),
        "bizStep": TRANSFORM_STEP[operation.kind.value],
        "disposition": "active",
        **_places(vocabulary, event, owner),
    }
    if operation.reference:
        converted["bizTransactionList"] = [
            {"type": "prodorder", "bizTransaction": vocabulary.voc("order", operation.reference)}
        ]
    converted.update(_extensions(event))
    converted["dayao:operationKind"] = operation.kind.value
    return converted

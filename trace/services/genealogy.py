"""Lot genealogy: splitting, merging and transforming lots, with quantities and units checked.

Every operation records its inputs (parent lots and the quantity taken from each) and outputs
(new child lots and the quantity made), links every input to every output, gives the children
lots the way harvest batches get them, and appends a `transforming` event to both sides' chains.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trace.clock import check_not_future, local_date
from trace.errors import InvalidTransitionError, NotFoundError, ValidationError, problem
from trace.models.batches import Batch, BatchStatus, Unit
from trace.models.events import EventType, TraceEvent
from trace.models.genealogy import LineRole, LotLink, LotOperation, LotOperationLine, OperationKind
from trace.models.producers import Producer
from trace.models.products import Product
from trace.policy import Actor, authorize
from trace.quantities import KG_PER
from trace.services.audit import record_change
from trace.services.batches import add_batch_with_lot
from trace.services.compliance import reissue_for_operation
from trace.services.events import append_event
from trace.services.pages import Page, paginate
from trace.services.printable import BATCH_FIELDS, check_printable, printed_fields
from trace.services.regions import require_township
from trace.services.trace_query import history_filter, lineage_lots

# How far the outputs may differ from the inputs, relative to the inputs. A split or merge only
# moves goods, so only scale rounding and samples taken explain a difference; a transform may
# lose mass (shells, moisture, spillage) but never gain it.
TOLERANCE = {
    OperationKind.SPLIT: Decimal("0.01"),
    OperationKind.MERGE: Decimal("0.01"),
    OperationKind.TRANSFORM: Decimal(0),
}


class UnitMismatchError(ValueError):
    """Two quantities cannot be compared: a mass and a count, or two different counts."""


@dataclass(frozen=True)
class Amount:
    """A quantity in a comparable dimension: kilograms for any mass, else the count unit."""

    value: Decimal
    dimension: str


def measure(quantity: Decimal, unit: Unit | str, kg_per_unit: Decimal | None = None) -> Amount:
    """`quantity` of `unit` as kilograms (masses, or counts with a declared factor) or a count."""
    unit = Unit(unit)
    if unit in KG_PER:
        return Amount(quantity * KG_PER[unit], "kg")
    if kg_per_unit is not None:
        return Amount(quantity * kg_per_unit, "kg")
    return Amount(quantity, unit.value)


def convert(quantity: Decimal, from_unit: Unit | str, to_unit: Unit | str) -> Decimal:
    """`quantity` of `from_unit` in `to_unit`: masses convert, counts only to themselves.

    Raises UnitMismatchError."""
    source, target = Unit(from_unit), Unit(to_unit)
    if source is target:
        return quantity
    if source in KG_PER and target in KG_PER:
        return quantity * KG_PER[source] / KG_PER[target]
    raise UnitMismatchError(f"{source.value} cannot be converted to {target.value}")


def _fmt(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.001')).normalize():f}"


def used_quantity(session: Session, batch: Batch, exclude_operation: int | None = None) -> Decimal:
    """How much of the lot earlier operations took, in the lot's own unit."""
    query = select(LotOperationLine.quantity, LotOperationLine.unit).where(
        LotOperationLine.batch_id == batch.id, LotOperationLine.role == LineRole.INPUT
    )
    if exclude_operation is not None:
        query = query.where(LotOperationLine.operation_id != exclude_operation)
    total = Decimal(0)
    for quantity, unit in session.execute(query):
        total += convert(quantity, unit, batch.unit)
    return total


# Creating an operation --------------------------------------------------------------------------


@dataclass
class _Input:
    batch: Batch
    quantity: Decimal
    unit: Unit
    amount: Amount


@dataclass
class _Output:
    data: dict[str, Any]
    product: Product
    quantity: Decimal
    unit: Unit
    kg_per_unit: Decimal | None
    amount: Amount


def _check_shape(kind: OperationKind, inputs: list[Any], outputs: list[Any]) -> None:
    if not inputs:
        raise ValidationError.for_field("inputs", "operation.inputs_required")
    if not outputs:
        raise ValidationError.for_field("outputs", "operation.outputs_required")
    if kind is OperationKind.SPLIT and len(inputs) != 1:
        raise ValidationError.for_field("inputs", "operation.split_one_input")
    if kind is OperationKind.MERGE and len(inputs) < 2:
        raise ValidationError.for_field("inputs", "operation.merge_inputs")
    if kind is OperationKind.MERGE and len(outputs) != 1:
        raise ValidationError.for_field("outputs", "operation.merge_one_output")


def _load_inputs(
    session: Session, actor: Actor | None, lines: list[dict[str, Any]], occurred_at: dt.datetime
) -> list[_Input]:
    inputs: list[_Input] = []
    seen: set[int] = set()
    # Lock the lots: two operations taking from one at once must not both see it unused. In id
    # order (two merges of the same lots listed differently wait, not deadlock), read afresh (a
    # status or quantity loaded before the lock may have changed meanwhile).
    locked = {
        batch.id: batch
        for batch in session.scalars(
            select(Batch)
            .where(Batch.id.in_([line["batch_id"] for line in lines]))
            .order_by(Batch.id)
            .with_for_update(of=Batch)
            .execution_options(populate_existing=True)
        )
    }
    for number, line in enumerate(lines):
        prefix = f"inputs.{number}"
        batch = locked.get(line["batch_id"])
        if batch is None:
            raise ValidationError.for_field(
                f"{prefix}.batch_id", "batch.not_found", id=line["batch_id"]
            )
        if batch.id in seen:
            raise ValidationError.for_field(
                f"{prefix}.batch_id", "operation.lot_twice", lot=batch.lot
            )
        seen.add(batch.id)
        authorize(actor, "batch.write", batch.township_code, field=f"{prefix}.batch_id")
        if batch.status is not BatchStatus.ACTIVE:
            refused = problem("operation.lot_not_active", lot=batch.lot, status=batch.status.value)
            raise InvalidTransitionError(refused, {f"{prefix}.batch_id": [refused]})
        if local_date(occurred_at) < batch.harvested_on:
            raise ValidationError.for_field("occurred_at", "operation.before_lot", lot=batch.lot)
        unit = Unit(line.get("unit") or batch.unit)
        quantity: Decimal = line["quantity"]
        try:
            in_lot_unit = convert(quantity, unit, batch.unit)
        except UnitMismatchError:
            raise ValidationError.for_field(
                f"{prefix}.unit", "operation.lot_unit", lot=batch.lot, unit=batch.unit.value
            ) from None
        left = batch.quantity - used_quantity(session, batch)
        if in_lot_unit > left:
            raise ValidationError.for_field(
                f"{prefix}.quantity",
                "operation.not_enough_left",
                lot=batch.lot,
                left=_fmt(left),
                unit=batch.unit.value,
                asked=_fmt(in_lot_unit),
            )
        inputs.append(_Input(batch, quantity, unit, measure(quantity, unit)))
    return inputs


def _common(inputs: list[_Input], attribute: str) -> Any:
    values = {getattr(i.batch, attribute) for i in inputs}
    return values.pop() if len(values) == 1 else None


def _load_outputs(
    session: Session,
    actor: Actor | None,
    kind: OperationKind,
    lines: list[dict[str, Any]],
    inputs: list[_Input],
) -> list[_Output]:
    outputs: list[_Output] = []
    input_categories = {i.batch.product.category for i in inputs}
    single = inputs[0].batch if len(inputs) == 1 else None
    for number, line in enumerate(lines):
        prefix = f"outputs.{number}"
        product_id = line.get("product_id") or _common(inputs, "product_id")
        if product_id is None:
            raise ValidationError.for_field(f"{prefix}.product_id", "operation.product_required")
        product = session.get(Product, product_id)
        if product is None:
            raise ValidationError.for_field(
                f"{prefix}.product_id", "product.not_found", id=product_id
            )
        if kind is not OperationKind.TRANSFORM and {product.category} != input_categories:
            raise ValidationError.for_field(
                f"{prefix}.product_id",
                "operation.keeps_category",
                kind=kind.value,
            )
        producer_id = line.get("producer_id") or _common(inputs, "producer_id")
        if producer_id is None:
            raise ValidationError.for_field(f"{prefix}.producer_id", "operation.producer_required")
        producer = session.get(Producer, producer_id)
        if producer is None:
            raise ValidationError.for_field(
                f"{prefix}.producer_id", "producer.not_found", id=producer_id
            )
        authorize(actor, "batch.write", producer.township_code, field=f"{prefix}.producer_id")
        township_code = line.get("township_code") or _common(inputs, "township_code")
        if township_code is None:
            raise ValidationError.for_field(
                f"{prefix}.township_code", "operation.township_required"
            )
        require_township(session, township_code)
        authorize(actor, "batch.write", township_code, field=f"{prefix}.township_code")
        unit = Unit(line["unit"])
        check_printable(printed_fields(line, BATCH_FIELDS), prefix=f"{prefix}.")
        kg_per_unit = line.get("kg_per_unit")
        if kg_per_unit is not None and unit in KG_PER:
            raise ValidationError.for_field(f"{prefix}.kg_per_unit", "operation.factor_count_only")
        data = {
            "product_id": product.id,
            "producer_id": producer_id,
            "township_code": township_code,
            # A child lot's harvest is its earliest input's: it carries that harvest's code date.
            "harvested_on": min(i.batch.harvested_on for i in inputs),
            "quantity": line["quantity"],
            "unit": unit,
            "grade": line.get("grade") or "",
            "village": line.get("village") or (single.village if single else ""),
            "plot": line.get("plot") or (single.plot if single else ""),
            "latitude": single.latitude if single else None,
            "longitude": single.longitude if single else None,
            "altitude_m": single.altitude_m if single else None,
            "created_by_id": getattr(actor, "id", None),
        }
        amount = measure(line["quantity"], unit, kg_per_unit)
        outputs.append(_Output(data, product, line["quantity"], unit, kg_per_unit, amount))
    return outputs


def _check_balance(kind: OperationKind, inputs: list[_Input], outputs: list[_Output]) -> None:
    """Units comparable, and the outputs within the operation's tolerance of the inputs."""
    dimension = inputs[0].amount.dimension
    for number, item in enumerate(inputs):
        if item.amount.dimension != dimension:
            raise ValidationError.for_field(f"inputs.{number}.unit", "operation.mixed_units")
    for number, out in enumerate(outputs):
        if out.amount.dimension != dimension:
            code = (
                "operation.unit_needs_factor"
                if dimension == "kg" or out.amount.dimension == "kg"
                else "operation.unit_not_comparable"
            )
            raise ValidationError.for_field(
                f"outputs.{number}.kg_per_unit"
                if out.unit not in KG_PER
                else f"outputs.{number}.unit",
                code,
                unit=out.unit.value,
                dimension=dimension,
            )
    used = sum((i.amount.value for i in inputs), Decimal(0))
    made = sum((o.amount.value for o in outputs), Decimal(0))
    tolerance = used * TOLERANCE[kind]
    if made > used + tolerance:
        raise ValidationError.for_field(
            "outputs",
            "operation.gains",
            made=_fmt(made),
            used=_fmt(used),
            dimension=dimension,
        )
    if kind is not OperationKind.TRANSFORM and made < used - tolerance:
        raise ValidationError.for_field(
            "outputs",
            "operation.loses",
            made=_fmt(made),
            used=_fmt(used),
            dimension=dimension,
            tolerance=f"{(TOLERANCE[kind] * 100).normalize():f}",
        )


def record_operation(
    session: Session,
    actor: Actor | None,
    kind: OperationKind | str,
    occurred_at: dt.datetime,
    inputs: list[dict[str, Any]],
    outputs: list[dict[str, Any]],
    location: str = "",
    reference: str = "",
    note: str = "",
) -> LotOperation:
    """Split, merge or transform lots: new child lots, linked to their parents, with events.

    `inputs`: [{batch_id, quantity, unit?}] (unit defaults to the lot's); `outputs`:
    [{quantity, unit, kg_per_unit?, product_id?, producer_id?, township_code?, grade?, village?,
    plot?}] (product, producer and township default to the inputs' when they share one).
    Raises ValidationError (fields named `inputs.N.x` / `outputs.N.x`), InvalidTransitionError
    (an input lot on hold, recalled or closed), PermissionDeniedError.
    """
    authorize(actor, "batch.write")
    kind = OperationKind(kind)
    _check_shape(kind, inputs, outputs)
    check_not_future(occurred_at, "occurred_at")
    loaded_inputs = _load_inputs(session, actor, inputs, occurred_at)
    loaded_outputs = _load_outputs(session, actor, kind, outputs, loaded_inputs)
    _check_balance(kind, loaded_inputs, loaded_outputs)

    operation = LotOperation(
        kind=kind,
        occurred_at=occurred_at,
        location=location,
        reference=reference,
        note=note,
        created_by_id=getattr(actor, "id", None),
    )
    session.add(operation)
    session.flush()
    children: list[Batch] = []
    for out in loaded_outputs:
        child = add_batch_with_lot(session, out.product.category, **out.data)
        record_change(session, actor, "batch.create", child, note=f"{kind.value} #{operation.id}")
        children.append(child)
    for item in loaded_inputs:
        session.add(
            LotOperationLine(
                operation_id=operation.id,
                role=LineRole.INPUT,
                batch_id=item.batch.id,
                quantity=item.quantity,
                unit=item.unit,
            )
        )
    for out, child in zip(loaded_outputs, children, strict=True):
        session.add(
            LotOperationLine(
                operation_id=operation.id,
                role=LineRole.OUTPUT,
                batch_id=child.id,
                quantity=out.quantity,
                unit=out.unit,
                kg_per_unit=out.kg_per_unit,
            )
        )
        for item in loaded_inputs:
            session.add(
                LotLink(
                    parent_batch_id=item.batch.id,
                    child_batch_id=child.id,
                    operation_id=operation.id,
                )
            )
    session.flush()
    session.refresh(operation, ["lines"])
    record_change(session, actor, "lot_operation.create", operation)
    _append_events(session, actor, operation, loaded_inputs, loaded_outputs, children)
    # Whoever mixes or repacks certified lots issues new 合格证 for what they made.
    reissue_for_operation(session, actor, operation, [i.batch for i in loaded_inputs], children)
    return operation


def _append_events(
    session: Session,
    actor: Actor | None,
    operation: LotOperation,
    inputs: list[_Input],
    outputs: list[_Output],
    children: list[Batch],
) -> None:
    """A `transforming` event on each parent (what it went into), then on each child (from what).

    The permission was checked per lot and township above, so the events are system-appended."""
    common = {"operation": operation.id, "kind": operation.kind.value}
    if operation.reference:
        common["reference"] = operation.reference
    child_lots = [c.lot for c in children]
    parent_lots = [i.batch.lot for i in inputs]
    for item in inputs:
        append_event(
            session,
            actor,
            item.batch,
            EventType.TRANSFORMING,
            occurred_at=operation.occurred_at,
            location=operation.location,
            details={
                **common,
                "to": child_lots,
                "quantity": _fmt(item.quantity),
                "unit": item.unit.value,
            },
            system=True,
        )
    for out, child in zip(outputs, children, strict=True):
        details: dict[str, Any] = {
            **common,
            "from": parent_lots,
            "quantity": _fmt(out.quantity),
            "unit": out.unit.value,
        }
        if child.grade:
            details["grade"] = child.grade
        if out.kg_per_unit is not None:
            details["kg_per_unit"] = _fmt(out.kg_per_unit)
        append_event(
            session,
            actor,
            child,
            EventType.TRANSFORMING,
            occurred_at=operation.occurred_at,
            location=operation.location,
            details=details,
            system=True,
        )


# Reading ----------------------------------------------------------------------------------------


def get_operation(session: Session, actor: Actor | None, operation_id: int) -> LotOperation:
    """Raises NotFoundError."""
    authorize(actor, "record.read")
    operation = session.get(LotOperation, operation_id)
    if operation is None:
        raise NotFoundError(problem("operation.not_found", id=operation_id))
    return operation


def list_operations(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    batch_id: int | None = None,
    kind: str | None = None,
) -> Page[LotOperation]:
    """Operations newest first; with `batch_id`, those that took from or made that lot."""
    authorize(actor, "record.read")
    query = select(LotOperation).order_by(LotOperation.occurred_at.desc(), LotOperation.id.desc())
    if batch_id is not None:
        query = query.where(
            LotOperation.id.in_(
                select(LotOperationLine.operation_id).where(LotOperationLine.batch_id == batch_id)
            )
        )
    if kind:
        query = query.where(LotOperation.kind == OperationKind(kind))
    return paginate(session, query, page, per_page)


@dataclass(frozen=True)
class HistoryEvent:
    event: TraceEvent
    lot: str
    is_ancestor: bool  # an event of a lot this one was made from


def lot_history(session: Session, actor: Actor | None, batch_id: int) -> list[HistoryEvent]:
    """The lot's events and its ancestors' (its whole history), in time order.

    Raises NotFoundError, PermissionDeniedError."""
    authorize(actor, "record.read")
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError(problem("batch.not_found", id=batch_id))
    lots = lineage_lots(session, batch)
    events = session.scalars(
        select(TraceEvent)
        .where(history_filter(session, batch, lots))
        .order_by(TraceEvent.occurred_at, TraceEvent.id)
    )
    return [HistoryEvent(e, lots[e.batch_id], e.batch_id != batch.id) for e in events]


def remaining_quantity(session: Session, batch: Batch) -> Decimal:
    """What is left of the lot after the operations that took from it, in its own unit."""
    return batch.quantity - used_quantity(session, batch)


def operation_count(session: Session, batch_id: int) -> int:
    return (
        session.scalar(
            select(func.count(LotOperationLine.id)).where(LotOperationLine.batch_id == batch_id)
        )
        or 0
    )

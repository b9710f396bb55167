"""Lot genealogy: split, merge and transform lots; trace them up- and downstream; verify chains."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from trace.schemas.genealogy import (
    CodePageArgsSchema,
    DownstreamSchema,
    HistoryEventSchema,
    LabelRunRefPageSchema,
    LotOperationCreateSchema,
    LotOperationPageSchema,
    LotOperationQueryArgsSchema,
    LotOperationSchema,
    LotVerificationSchema,
    ShipmentRefPageSchema,
    TracedCodePageSchema,
    TraceQueryArgsSchema,
    UpstreamSchema,
)
from trace.services import genealogy as service
from trace.services import trace_query, verify
from trace.web.auth import current_actor
from trace.web.database import db

PREFIX = ""
blp = Blueprint("genealogy", __name__, description="Lot genealogy, trace queries, chain checks")


@blp.post("/lot-operations")
@blp.arguments(LotOperationCreateSchema)
@blp.response(201, LotOperationSchema)
def create_operation(data: dict[str, Any]) -> Any:
    """Split, merge or transform lots: the new child lots come back as the outputs."""
    session = db()
    operation = service.record_operation(session, current_actor(), **data)
    session.commit()
    return operation


@blp.get("/lot-operations")
@blp.arguments(LotOperationQueryArgsSchema, location="query")
@blp.response(200, LotOperationPageSchema)
def list_operations(args: dict[str, Any]) -> Any:
    return service.list_operations(db(), current_actor(), **args)


@blp.get("/lot-operations/<int:operation_id>")
@blp.response(200, LotOperationSchema)
def get_operation(operation_id: int) -> Any:
    return service.get_operation(db(), current_actor(), operation_id)


@blp.get("/batches/<int:batch_id>/history")
@blp.response(200, HistoryEventSchema(many=True))
def lot_history(batch_id: int) -> Any:
    """The lot's events and those of every lot it was made from, in time order."""
    return service.lot_history(db(), current_actor(), batch_id)


@blp.get("/batches/<int:batch_id>/upstream")
@blp.response(200, UpstreamSchema)
def upstream(batch_id: int) -> Any:
    """Every lot this one was made from, back to the harvests, with producers and farms."""
    return trace_query.trace_upstream(db(), current_actor(), batch_id)


@blp.get("/batches/<int:batch_id>/downstream")
@blp.arguments(TraceQueryArgsSchema, location="query")
@blp.response(200, DownstreamSchema)
def downstream(args: dict[str, Any], batch_id: int) -> Any:
    """Every lot made from this one (a page of them), with counts of pack codes, label runs and
    shipments; list those with `/downstream/pack-codes`, `/label-runs` and `/shipments`."""
    return trace_query.trace_downstream(db(), current_actor(), batch_id, **args)


@blp.get("/batches/<int:batch_id>/downstream/pack-codes")
@blp.arguments(CodePageArgsSchema, location="query")
@blp.response(200, TracedCodePageSchema)
def downstream_pack_codes(args: dict[str, Any], batch_id: int) -> Any:
    return trace_query.downstream_pack_codes(db(), current_actor(), batch_id, **args)


@blp.get("/batches/<int:batch_id>/downstream/label-runs")
@blp.arguments(TraceQueryArgsSchema, location="query")
@blp.response(200, LabelRunRefPageSchema)
def downstream_label_runs(args: dict[str, Any], batch_id: int) -> Any:
    return trace_query.downstream_label_runs(db(), current_actor(), batch_id, **args)


@blp.get("/batches/<int:batch_id>/downstream/shipments")
@blp.arguments(TraceQueryArgsSchema, location="query")
@blp.response(200, ShipmentRefPageSchema)
def downstream_shipments(args: dict[str, Any], batch_id: int) -> Any:
    """Shipments that carried the lot or any lot made from it: its downstream holders."""
    return trace_query.downstream_shipments(db(), current_actor(), batch_id, **args)


@blp.get("/batches/<int:batch_id>/verify")
@blp.response(200, LotVerificationSchema)
def verify_lot(batch_id: int) -> Any:
    """Recompute the lot's hash chain and name the first broken link, if any (regulators)."""
    return verify.verify_lot(db(), current_actor(), batch_id)

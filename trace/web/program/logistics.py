"""Logistics and cold chain: the JSON API and the public page of facilities and alerts."""

from __future__ import annotations

from typing import Any

from flask import Blueprint as PageBlueprint
from flask import render_template
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint

from trace.models.logistics import FacilityKind, ShipmentStatus
from trace.models.products import ProductCategory
from trace.schemas.program import (
    AcknowledgeSchema,
    ArrivalSchema,
    DepartureSchema,
    FacilityCreateSchema,
    FacilityPageSchema,
    FacilityQueryArgsSchema,
    FacilitySchema,
    FacilityUpdateSchema,
    ShipmentCreateSchema,
    ShipmentPageSchema,
    ShipmentQueryArgsSchema,
    ShipmentSchema,
    StockLineSchema,
    TemperatureAlertPageSchema,
    TemperatureAlertQueryArgsSchema,
    TemperatureAlertSchema,
    TemperatureLimitSchema,
    TemperatureLimitSetSchema,
    TemperatureReadingCreateSchema,
    TemperatureReadingPageSchema,
    TemperatureReadingQueryArgsSchema,
    TemperatureReadingSchema,
    TemperatureRecordedSchema,
)
from trace.services import logistics as service
from trace.web.auth import current_actor
from trace.web.database import db
from trace.web.formats import fmt

PREFIX = ""  # several resources: /facilities, /shipments, /temperature-...
blp = Blueprint("logistics", __name__, description="Logistics facilities, shipments, cold chain")
pages = PageBlueprint("program_logistics", __name__)

KIND_NAMES = {
    FacilityKind.DISTRIBUTION_CENTRE: _l("县级物流配送中心"),
    FacilityKind.DELIVERY_CENTRE: _l("乡镇物流配送站"),
    FacilityKind.VILLAGE_POINT: _l("村级物流服务点"),
    FacilityKind.PUBLIC_WAREHOUSE: _l("公共仓储中心"),
    FacilityKind.COLD_STORE: _l("冷库"),
    FacilityKind.SMALL_COLD_STORE: _l("乡村小型冷库"),
}
STATUS_NAMES = {
    ShipmentStatus.PLANNED: _l("待发运"),
    ShipmentStatus.IN_TRANSIT: _l("运输中"),
    ShipmentStatus.DELIVERED: _l("已送达"),
}
CATEGORY_NAMES = {
    ProductCategory.WALNUT_IN_SHELL: _l("带壳核桃"),
    ProductCategory.WALNUT_KERNEL: _l("核桃仁"),
    ProductCategory.HONEY: _l("蜂蜜"),
    ProductCategory.VERMICELLI: _l("小把粉丝"),
    ProductCategory.OTHER: _l("其他"),
}


# Facilities ---------------------------------------------------------------------------------


@blp.get("/facilities")
@blp.arguments(FacilityQueryArgsSchema, location="query")
@blp.response(200, FacilityPageSchema)
def list_facilities(args: dict[str, Any]) -> Any:
    return service.list_facilities(db(), current_actor(), **args)


@blp.post("/facilities")
@blp.arguments(FacilityCreateSchema)
@blp.response(201, FacilitySchema)
def create_facility(data: dict[str, Any]) -> Any:
    session = db()
    facility = service.create_facility(session, current_actor(), **data)
    session.commit()
    return facility


@blp.get("/facilities/<int:facility_id>")
@blp.response(200, FacilitySchema)
def get_facility(facility_id: int) -> Any:
    return service.get_facility(db(), current_actor(), facility_id)


@blp.patch("/facilities/<int:facility_id>")
@blp.arguments(FacilityUpdateSchema(partial=True))
@blp.response(200, FacilitySchema)
def update_facility(changes: dict[str, Any], facility_id: int) -> Any:
    session = db()
    facility = service.update_facility(session, current_actor(), facility_id, **changes)
    session.commit()
    return facility


@blp.get("/facilities/<int:facility_id>/stock")
@blp.response(200, StockLineSchema(many=True))
def facility_stock(facility_id: int) -> Any:
    """Lots held at the facility: what arrived there minus what left."""
    return service.facility_stock(db(), current_actor(), facility_id)


# Shipments ----------------------------------------------------------------------------------


@blp.get("/shipments")
@blp.arguments(ShipmentQueryArgsSchema, location="query")
@blp.response(200, ShipmentPageSchema)
def list_shipments(args: dict[str, Any]) -> Any:
    return service.list_shipments(db(), current_actor(), **args)


@blp.post("/shipments")
@blp.arguments(ShipmentCreateSchema)
@blp.response(201, ShipmentSchema)
def create_shipment(data: dict[str, Any]) -> Any:
    """Plan a shipment; with `departed_at` it leaves at once and each lot gets a shipping event."""
    session = db()
    shipment = service.create_shipment(session, current_actor(), **data)
    session.commit()
    return shipment


@blp.get("/shipments/<int:shipment_id>")
@blp.response(200, ShipmentSchema)
def get_shipment(shipment_id: int) -> Any:
    return service.get_shipment(db(), current_actor(), shipment_id)


@blp.post("/shipments/<int:shipment_id>/departure")
@blp.arguments(DepartureSchema)
@blp.response(200, ShipmentSchema)
def depart_shipment(data: dict[str, Any], shipment_id: int) -> Any:
    """Departure: a `shipping` event on each lot's timeline."""
    session = db()
    shipment = service.depart_shipment(session, current_actor(), shipment_id, **data)
    session.commit()
    return shipment


@blp.post("/shipments/<int:shipment_id>/arrival")
@blp.arguments(ArrivalSchema)
@blp.response(200, ShipmentSchema)
def arrive_shipment(data: dict[str, Any], shipment_id: int) -> Any:
    """Arrival: a `receiving` event on each lot's timeline."""
    session = db()
    shipment = service.arrive_shipment(session, current_actor(), shipment_id, **data)
    session.commit()
    return shipment


# Temperatures -------------------------------------------------------------------------------


@blp.get("/temperature-limits")
@blp.response(200, TemperatureLimitSchema(many=True))
def list_limits() -> Any:
    return service.list_limits(db(), current_actor())


@blp.put("/temperature-limits/<string:product_category>")
@blp.arguments(TemperatureLimitSetSchema)
@blp.response(200, TemperatureLimitSchema)
def set_limit(data: dict[str, Any], product_category: str) -> Any:
    session = db()
    limit = service.set_limit(session, current_actor(), product_category, **data)
    session.commit()
    return limit


@blp.get("/temperature-readings")
@blp.arguments(TemperatureReadingQueryArgsSchema, location="query")
@blp.response(200, TemperatureReadingPageSchema)
def list_readings(args: dict[str, Any]) -> Any:
    return service.list_readings(db(), current_actor(), **args)


@blp.post("/temperature-readings")
@blp.arguments(TemperatureReadingCreateSchema)
@blp.response(201, TemperatureRecordedSchema)
def record_reading(data: dict[str, Any]) -> Any:
    """Append a reading; the answer's `alert` is set when it left its category's limits."""
    session = db()
    reading, alert = service.record_reading(session, current_actor(), **data)
    session.commit()
    reading_fields = TemperatureReadingSchema().fields
    return {name: getattr(reading, name) for name in reading_fields} | {"alert": alert}


@blp.get("/temperature-alerts")
@blp.arguments(TemperatureAlertQueryArgsSchema, location="query")
@blp.response(200, TemperatureAlertPageSchema)
def list_alerts(args: dict[str, Any]) -> Any:
    return service.list_alerts(db(), current_actor(), **args)


@blp.post("/temperature-alerts/<int:alert_id>/acknowledgement")
@blp.arguments(AcknowledgeSchema)
@blp.response(200, TemperatureAlertSchema)
def acknowledge_alert(data: dict[str, Any], alert_id: int) -> Any:
    session = db()
    alert = service.acknowledge_alert(session, current_actor(), alert_id, **data)
    session.commit()
    return alert


# Page ---------------------------------------------------------------------------------------


@pages.get("/logistics")
def logistics_page() -> str:
    """Public: facilities with their sizes, and open cold-chain alerts (no people named)."""
    session = db()
    facilities = list(session.scalars(service.facility_query()))
    by_kind = {kind: [f for f in facilities if f.kind is kind] for kind in FacilityKind}
    return render_template(
        "program/logistics.html",
        by_kind=by_kind,
        kind_names=KIND_NAMES,
        category_names=CATEGORY_NAMES,
        alerts=service.open_alerts(session),
        fmt=fmt,
    )

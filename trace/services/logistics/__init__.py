"""Facilities, shipments of lots (entering each lot's timeline), stock, and cold-chain logs.

Modules: facilities, stock, shipments, temperatures. Callers import the names below from
`trace.services.logistics`.
"""

from __future__ import annotations

from trace.services.logistics.facilities import (
    NEEDS_AREA,
    create_facility,
    facility_query,
    get_facility,
    list_facilities,
    update_facility,
)
from trace.services.logistics.shipments import (
    UNSHIPPABLE,
    arrive_shipment,
    create_shipment,
    depart_shipment,
    get_shipment,
    list_shipments,
)
from trace.services.logistics.stock import StockLine, facility_stock
from trace.services.logistics.temperatures import (
    acknowledge_alert,
    alert_query,
    cold_chain_of_batch,
    list_alerts,
    list_limits,
    list_readings,
    open_alerts,
    record_reading,
    set_limit,
)

__all__ = [
    "NEEDS_AREA",
    "UNSHIPPABLE",
    "StockLine",
    "acknowledge_alert",
    "alert_query",
    "arrive_shipment",
    "cold_chain_of_batch",
    "create_facility",
    "create_shipment",
    "depart_shipment",
    "facility_query",
    "facility_stock",
    "get_facility",
    "get_shipment",
    "list_alerts",
    "list_facilities",
    "list_limits",
    "list_readings",
    "list_shipments",
    "open_alerts",
    "record_reading",
    "set_limit",
    "update_facility",
]

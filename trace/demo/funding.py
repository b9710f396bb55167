"""Demo records of issue 19: the plan's budget lines (central 1,400 万元, county 310 万元, within
the share rules) and a month of services at 三台乡's stations. Spending entries need vouchers (real
documents), so the demo records none: the rule checks show "no data yet" for spending."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.demo.core import CoreDemo
from trace.models.stations import Station
from trace.models.users import Role
from trace.services import funding, station_services

WAN = Decimal(10_000)
# task: (central, county) in 万元. Sums 1,400 and 310; 县级中心 11.7 %, 供应链 51.5 %.
BUDGET = {
    "county_centre": (200, 0),
    "service_stations": (230, 60),
    "logistics": (220, 40),
    "supply_chain": (720, 160),
    "training": (30, 50),
}
SANTAI = "532326208"


def load_funding(session: Session, core: CoreDemo) -> None:
    admin = core.users[Role.ADMIN]
    for task, (central, county) in BUDGET.items():
        funding.set_budget_line(session, admin, task, "central", central * WAN, "示例预算")
        funding.set_budget_line(session, admin, task, "county", county * WAN, "示例预算")
    staff = core.users[Role.STATION]
    stations = session.scalars(select(Station).where(Station.township_code == SANTAI)).all()
    rng = random.Random(19)
    for day in range(1, 31):
        served_on = dt.date(2025, 11, day)
        for station in stations[:3]:
            station_services.record_service(
                session, staff, kind="parcel_in", parcels=rng.randint(2, 12),
                station_id=station.id, served_on=served_on,
            )  # fmt: skip
            if day % 3 == 0:
                station_services.record_service(
                    session, staff, kind="produce_order", station_id=station.id,
                    amount=Decimal(rng.randint(80, 600)), parcels=rng.randint(1, 4),
                    served_on=served_on,
                )  # fmt: skip
            if day % 5 == 0:
                station_services.record_service(
                    session, staff, kind="bill_payment", station_id=station.id,
                    amount=Decimal(rng.randint(20, 200)), served_on=served_on,
                )  # fmt: skip

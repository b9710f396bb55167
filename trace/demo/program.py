"""Programme demo records for the 2025 season: stations, logistics with a cold-chain excursion,
and training part of the way to the plan's targets.

Real village names come only from trace.demo.core.VILLAGES; every other village, operator,
buyer and course provider is invented and says 示例.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.demo.core import CoreDemo
from trace.models.logistics import Facility, Shipment
from trace.models.regions import Township, Village
from trace.models.stations import Station, StationService
from trace.models.users import Role
from trace.services import logistics, stations, training
from trace.services.batches import SHANGHAI

# Invented administrative villages per township, added beside the real ones so coverage has a
# plausible denominator (about 90 in the county). Counts are illustrative, not official.
INVENTED_VILLAGES = {
    "532326101": 8,
    "532326102": 8,
    "532326103": 7,
    "532326104": 8,
    "532326105": 8,
    "532326106": 7,
    "532326107": 7,
    "532326108": 7,
    "532326204": 5,
    "532326206": 7,
    "532326207": 7,
    "532326208": 6,
}
# Village stations per township: 40 in all, so coverage sits a little under the 50% target.
VILLAGE_STATIONS = {
    "532326101": 5,
    "532326102": 4,
    "532326103": 2,
    "532326104": 3,
    "532326105": 3,
    "532326106": 3,
    "532326107": 2,
    "532326108": 4,
    "532326204": 4,
    "532326206": 2,
    "532326207": 3,
    "532326208": 5,
}
NUMERALS = "一二三四五六七八九十"
ALL_SERVICES = [s.value for s in StationService]
VILLAGE_SERVICES = [
    "parcels",
    "online_purchasing",
    "consignment_sales",
    "phone_top_up",
    "bill_payment",
]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), SHANGHAI)


def _short(name: str) -> str:
    """金碧镇 -> 金碧, 湾碧傣族傈僳族乡 -> 湾碧: a prefix for invented village names."""
    return name[:2]


def _villages(session: Session) -> dict[str, list[Village]]:
    townships = list(session.scalars(select(Township).order_by(Township.code)))
    for township in townships:
        for n in range(INVENTED_VILLAGES[township.code]):
            session.add(
                Village(
                    township_code=township.code,
                    name_zh=f"{_short(township.name_zh)}示例{NUMERALS[n]}村",
                    name_pinyin="",
                    is_administrative=True,
                )
            )
    session.flush()
    by_township: dict[str, list[Village]] = {t.code: [] for t in townships}
    # Real villages first, so they are the ones that get stations.
    for village in session.scalars(select(Village).order_by(Village.id)):
        by_township[village.township_code].append(village)
    return by_township


def load_program(session: Session, core: CoreDemo) -> None:
    """Create the programme demo records on top of the core demo."""
    admin = core.users[Role.ADMIN]
    qc = core.users[Role.QC]
    station_user = core.users[Role.STATION]
    rng = random.Random(2025)
    villages = _villages(session)
    townships = {t.code: t for t in session.scalars(select(Township))}

    # Stations ---------------------------------------------------------------------------------
    stations.create_station(
        session,
        admin,
        name="大姚县电子商务公共服务中心",
        tier="county",
        township_code="532326101",
        operator="大姚县电商运营示例有限公司（示例）",
        address="金碧镇（示例地址）",
        opened_on=dt.date(2024, 6, 18),
        floor_area_m2=Decimal("2400"),
        services=ALL_SERVICES,
        is_funded=True,
    )
    township_stations: dict[str, Station] = {}
    for i, (code, township) in enumerate(sorted(townships.items())):
        township_stations[code] = stations.create_station(
            session,
            admin,
            name=f"{township.name_zh}电子商务服务站",
            tier="township",
            township_code=code,
            operator=f"{_short(township.name_zh)}电商服务示例合作社（示例）",
            opened_on=dt.date(2024, 9, 1) + dt.timedelta(days=21 * i),
            floor_area_m2=Decimal(60 + 5 * (i % 6)),
            services=ALL_SERVICES[:7],
            is_funded=True,
        )
    village_stations: list[Station] = []
    for code, count in sorted(VILLAGE_STATIONS.items()):
        for n, village in enumerate(villages[code][:count]):
            village_stations.append(
                stations.create_station(
                    session,
                    admin,
                    name=f"{village.name_zh}电子商务服务点",
                    tier="village",
                    township_code=code,
                    village=village.name_zh,
                    operator=f"{village.name_zh}服务点运营户（示例）",
                    opened_on=dt.date(2025, 1, 10) + dt.timedelta(days=5 * len(village_stations)),
                    floor_area_m2=Decimal(20 + 2 * (n % 5)),
                    services=VILLAGE_SERVICES[: 3 + n % 3],
                    # A few stations were set up by shops on their own: not programme funded.
                    is_funded=len(village_stations) % 7 != 6,
                )
            )
    # A courier's private pick-up point beside the funded station in 三台村: allowed, unfunded.
    stations.create_station(
        session,
        admin,
        name="三台村快递代收点（示例）",
        tier="village",
        township_code="532326208",
        village="三台村",
        operator="三台村小卖部（示例）",
        opened_on=dt.date(2025, 5, 6),
        floor_area_m2=Decimal("12"),
        services=["parcels", "phone_top_up"],
        is_funded=False,
    )

    # Logistics facilities ---------------------------------------------------------------------
    def facility(**data: Any) -> Facility:
        return logistics.create_facility(session, admin, **data)

    centre = facility(
        name="大姚县电商物流配送中心",
        kind="distribution_centre",
        township_code="532326101",
        operator="大姚县物流示例有限公司（示例）",
        floor_area_m2=Decimal("1350"),
    )
    warehouse = facility(
        name="大姚县农产品公共仓储中心",
        kind="public_warehouse",
        township_code="532326101",
        operator="大姚县电商运营示例有限公司（示例）",
        floor_area_m2=Decimal("1200"),
    )
    cold_store = facility(
        name="大姚县农产品冷库（示例）",
        kind="cold_store",
        township_code="532326101",
        operator="大姚县电商运营示例有限公司（示例）",
        volume_m3=Decimal("320"),
    )
    # Nine of the twelve township delivery centres are open; three are still being fitted out.
    for code in sorted(townships)[:9]:
        facility(
            name=f"{townships[code].name_zh}物流配送站",
            kind="delivery_centre",
            township_code=code,
            station_id=township_stations[code].id,
            floor_area_m2=Decimal("80"),
        )
    # Village logistics points share the village stations' premises (the plan merges them).
    for station in village_stations[:32]:
        facility(
            name=f"{station.village.name_zh if station.village else station.name}物流服务点",
            kind="village_point",
            township_code=station.township_code,
            station_id=station.id,
        )

    # Shipments of demo lots, with departure and arrival on each lot's timeline ------------------
    walnut = core.batches[0]  # the cooperative's first 2025 lot
    kernel, honey, vermicelli = core.batches[-3], core.batches[-2], core.batches[-1]

    def ship(
        lines: list[tuple[int, str]],
        leave: dt.datetime,
        arrive: dt.datetime | None,
        **ends: Any,
    ) -> Shipment:
        shipment = logistics.create_shipment(
            session,
            qc,
            lines=[{"batch_id": b, "quantity": Decimal(q)} for b, q in lines],
            departed_at=leave,
            **ends,
        )
        if arrive is not None:
            logistics.arrive_shipment(session, qc, shipment.id, arrive)
        return shipment

    packed = walnut.harvested_on + dt.timedelta(days=10)
    ship(
        [(walnut.id, "3000")],
        _at(packed, 8),
        _at(packed, 9, 20),
        origin_name="县质检中心分级包装车间",
        destination_facility_id=warehouse.id,
        carrier="县质检中心自有车辆",
        vehicle="云E·D3102（示例）",
    )
    ship(
        [(walnut.id, "1200")],
        _at(dt.date(2025, 10, 9), 14),
        _at(dt.date(2025, 10, 9), 15, 10),
        origin_facility_id=warehouse.id,
        destination_facility_id=centre.id,
        carrier="大姚县物流示例有限公司（示例）",
        vehicle="云E·L5520（示例）",
    )
    to_kunming = ship(
        [(walnut.id, "800")],
        _at(dt.date(2025, 10, 12), 7, 30),
        _at(dt.date(2025, 10, 13), 16),
        origin_facility_id=centre.id,
        destination_name="昆明示例农产品商贸有限公司（示例）",
        carrier="示例快运昆明专线（示例）",
        vehicle="云A·K8812（示例）",
    )
    ship(
        [(kernel.id, "800")],
        _at(dt.date(2025, 10, 27), 9),
        _at(dt.date(2025, 10, 27), 9, 40),
        origin_name="大姚核桃食品有限公司（示例）加工车间",
        destination_facility_id=cold_store.id,
        carrier="大姚县物流示例有限公司（示例）",
        vehicle="云E·L5520（示例）",
    )
    ship(
        [(honey.id, "600")],
        _at(dt.date(2025, 9, 2), 10),
        _at(dt.date(2025, 9, 2), 16),
        origin_name="昙华山蜂场",
        destination_facility_id=warehouse.id,
        carrier="昙华乡物流配送站",
        vehicle="云E·T2217（示例）",
    )
    # Still on the road to the distribution centre: shows "in transit" and no receiving yet.
    ship(
        [(vermicelli.id, "500")],
        _at(dt.date(2025, 11, 12), 8),
        None,
        origin_name="石羊镇粉丝加工点",
        destination_facility_id=centre.id,
        carrier="石羊镇物流配送站",
        vehicle="云E·S0931（示例）",
    )

    # Cold-chain temperatures: the kernel cold store twice a day, with one excursion -------------
    day = dt.date(2025, 10, 27)
    while day <= dt.date(2025, 11, 10):
        for hour in (8, 20):
            value = Decimal("2.0") + Decimal(rng.randint(0, 18)) / 10
            if day == dt.date(2025, 11, 3) and hour == 20:
                value = Decimal("7.5")  # door left open during loading: an alert, still open
            logistics.record_reading(
                session,
                qc,
                product_category="walnut_kernel",
                measured_at=_at(day, hour),
                temperature_c=value,
                facility_id=cold_store.id,
            )
        day += dt.timedelta(days=1)
    for hour in (8, 11, 14, 17, 20, 23):
        logistics.record_reading(
            session,
            qc,
            product_category="walnut_in_shell",
            measured_at=_at(dt.date(2025, 10, 12), hour),
            temperature_c=Decimal("6.0") + Decimal(rng.randint(0, 25)) / 10,
            shipment_id=to_kunming.id,  # the truck's plate comes from the shipment
        )

    # Training: 2025 sessions across the townships, part of the way to 3000 person-times --------
    courses = {
        "general": training.create_course(
            session,
            admin,
            title="农村电商基础与政策宣讲",
            kind="general",
            provider="县电子商务公共服务中心",
        ),
        "skills_shop": training.create_course(
            session,
            admin,
            title="网店开设与运营实操",
            kind="skills",
            provider="示例电商学院（示例）",
        ),
        "skills_video": training.create_course(
            session,
            admin,
            title="农产品短视频与直播带货",
            kind="skills",
            provider="示例电商学院（示例）",
        ),
        "startup": training.create_course(
            session,
            admin,
            title="电商创业实训营",
            kind="entrepreneurship",
            provider="县电子商务公共服务中心",
        ),
    }
    trainees: dict[str, list[int]] = {code: [] for code in townships}
    for n in range(480):
        code = sorted(townships)[n % 12]
        trainee = training.create_trainee(
            session,
            station_user if code == station_user.township_code else admin,
            township_code=code,
            is_poverty_registered=rng.random() < 0.38,
            is_disabled=rng.random() < 0.04,
        )
        trainees[code].append(trainee.id)

    # A township's year: policy outreach first, then skills classes, with a start-up camp in
    # every other township in the autumn.
    plan = ["general", "skills_shop", "general", "skills_video", "general"]
    sizes = {"general": 28, "skills_shop": 22, "skills_video": 22, "startup": 18}
    startup_attendees: list[int] = []
    for i, code in enumerate(sorted(townships)):
        actor = station_user if code == station_user.township_code else admin
        for j, course_key in enumerate(plan + (["startup"] if i % 2 == 0 else [])):
            held_on = dt.date(2025, 3, 5) + dt.timedelta(days=37 * j + 3 * i)
            session_row = training.create_session(
                session,
                actor,
                course_id=courses[course_key].id,
                township_code=code,
                station_id=township_stations[code].id,
                venue=f"{townships[code].name_zh}电子商务服务站培训室",
                held_on=held_on,
                hours=Decimal("6") if course_key == "general" else Decimal("12"),
                trainer="县电商中心讲师团",
            )
            size = min(len(trainees[code]), sizes[course_key] + rng.randint(-3, 3))
            present = rng.sample(trainees[code], size)
            training.record_attendance(session, actor, session_row.id, present)
            if course_key == "startup":
                startup_attendees += present

    outcomes = (
        ["online_shop"] * 12
        + ["business_registered"] * 5
        + ["employed"] * 3
        + ["discontinued"] * 2
        + ["in_progress"] * 9
    )
    chosen = rng.sample(list(dict.fromkeys(startup_attendees)), len(outcomes))
    for k, (trainee_id, outcome) in enumerate(zip(chosen, outcomes, strict=True)):
        # Incubation follows the autumn start-up camps; most finish within six weeks.
        started = dt.date(2025, 9, 20) + dt.timedelta(days=k)
        finished = outcome != "in_progress"
        training.create_incubation(
            session,
            admin,
            trainee_id=trainee_id,
            mentor="县电商中心导师（示例）",
            business="" if outcome == "discontinued" else f"示例网店{k + 1}号（示例）",
            started_on=started,
            ended_on=started + dt.timedelta(days=45) if finished else None,
            outcome=outcome,
        )
    session.flush()

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

from trace.clock import local_datetime
from trace.demo.core import CoreDemo
from trace.models.logistics import Facility, Shipment
from trace.models.regions import Township, Village
from trace.models.stations import Station, StationService
from trace.models.training import Trainee
from trace.models.users import Role, User
from trace.services import logistics, poverty_relief, stations, targets, training

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
    return local_datetime(day, dt.time(hour, minute))


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


# The county centre and a courier's private pick-up point beside the funded station in 三台村
# (allowed, unfunded); township and village stations are made from the tables above.
COUNTY_CENTRE = {
    "name": "大姚县电子商务公共服务中心",
    "tier": "county",
    "township_code": "532326101",
    "operator": "大姚县电商运营示例有限公司（示例）",
    "address": "金碧镇（示例地址）",
    "opened_on": dt.date(2024, 6, 18),
    "floor_area_m2": Decimal("2400"),
    "services": ALL_SERVICES,
    "is_funded": True,
}
COURIER_POINT = {
    "name": "三台村快递代收点（示例）",
    "tier": "village",
    "township_code": "532326208",
    "village": "三台村",
    "operator": "三台村小卖部（示例）",
    "opened_on": dt.date(2025, 5, 6),
    "floor_area_m2": Decimal("12"),
    "services": ["parcels", "phone_top_up"],
    "is_funded": False,
}
COUNTY_OPERATOR = "大姚县电商运营示例有限公司（示例）"
# County-level logistics facilities by short name.
FACILITIES: dict[str, dict[str, Any]] = {
    "centre": {
        "name": "大姚县电商物流配送中心",
        "kind": "distribution_centre",
        "township_code": "532326101",
        "operator": "大姚县物流示例有限公司（示例）",
        "floor_area_m2": Decimal("1350"),
    },
    "warehouse": {
        "name": "大姚县农产品公共仓储中心",
        "kind": "public_warehouse",
        "township_code": "532326101",
        "operator": COUNTY_OPERATOR,
        "floor_area_m2": Decimal("1200"),
    },
    "cold_store": {
        "name": "大姚县农产品冷库（示例）",
        "kind": "cold_store",
        "township_code": "532326101",
        "operator": COUNTY_OPERATOR,
        "volume_m3": Decimal("320"),
    },
}
OPEN_DELIVERY_CENTRES = 9  # of the twelve townships' centres; three are still being fitted out
VILLAGE_POINTS = 32  # village logistics points share the village stations' premises

# Shipments of demo lots; departure and arrival enter each lot's timeline. Lots: "walnut" is the
# cooperative's first 2025 lot, the others the core demo's last three. An end is a facility's
# short name or, when it is none, a free name. (lot, kg, departed, arrived or None, origin,
# destination, carrier, vehicle)
SHIPMENTS = (
    # packed ten days after the 12 September harvest
    ("walnut", "3000", (2025, 9, 22, 8, 0), (2025, 9, 22, 9, 20), "县质检中心分级包装车间",
     "warehouse", "县质检中心自有车辆", "云E·D3102（示例）"),
    ("walnut", "1200", (2025, 10, 9, 14, 0), (2025, 10, 9, 15, 10), "warehouse", "centre",
     "大姚县物流示例有限公司（示例）", "云E·L5520（示例）"),
    ("walnut", "800", (2025, 10, 12, 7, 30), (2025, 10, 13, 16, 0), "centre",
     "昆明示例农产品商贸有限公司（示例）", "示例快运昆明专线（示例）", "云A·K8812（示例）"),
    ("kernel", "800", (2025, 10, 27, 9, 0), (2025, 10, 27, 9, 40),
     "大姚核桃食品有限公司（示例）加工车间", "cold_store", "大姚县物流示例有限公司（示例）",
     "云E·L5520（示例）"),
    ("honey", "600", (2025, 9, 2, 10, 0), (2025, 9, 2, 16, 0), "昙华山蜂场", "warehouse",
     "昙华乡物流配送站", "云E·T2217（示例）"),
    # still on the road to the distribution centre: "in transit" and no receiving yet
    ("vermicelli", "500", (2025, 11, 12, 8, 0), None, "石羊镇粉丝加工点", "centre",
     "石羊镇物流配送站", "云E·S0931（示例）"),
)  # fmt: skip
TO_KUNMING = 2  # the shipment whose truck logs temperatures on the way

# Cold chain: the kernel cold store twice a day, with one excursion (a door left open during
# loading: an alert, still open), and the truck to Kunming every three hours.
COLD_STORE_DAYS = (dt.date(2025, 10, 27), dt.date(2025, 11, 10))
COLD_STORE_HOURS = (8, 20)
EXCURSION = (dt.date(2025, 11, 3), 20, Decimal("7.5"))
TRUCK_DAY = dt.date(2025, 10, 12)
TRUCK_HOURS = (8, 11, 14, 17, 20, 23)

# Training: 2025 sessions across the townships, part of the way to 3000 person-times.
COURSES = {
    "general": ("农村电商基础与政策宣讲", "general", "县电子商务公共服务中心"),
    "skills_shop": ("网店开设与运营实操", "skills", "示例电商学院（示例）"),
    "skills_video": ("农产品短视频与直播带货", "skills", "示例电商学院（示例）"),
    "startup": ("电商创业实训营", "entrepreneurship", "县电子商务公共服务中心"),
}
TRAINEES = 480
POVERTY_SHARE, DISABLED_SHARE = 0.38, 0.04
# A township's year: policy outreach first, then skills classes, with a start-up camp in every
# other township in the autumn.
SESSION_PLAN = ("general", "skills_shop", "general", "skills_video", "general")
CLASS_SIZES = {"general": 28, "skills_shop": 22, "skills_video": 22, "startup": 18}
# Incubations after the autumn start-up camps; most finish within six weeks.
INCUBATION_OUTCOMES = (
    ("online_shop", 12),
    ("business_registered", 5),
    ("employed", 3),
    ("discontinued", 2),
    ("in_progress", 9),
)


def load_program(session: Session, core: CoreDemo) -> None:
    """Create the programme demo records on top of the core demo."""
    rng = random.Random(2025)
    townships = {t.code: t for t in session.scalars(select(Township))}
    township_stations, village_stations = _stations(session, core, _villages(session), townships)
    facilities = _facilities(session, core, townships, township_stations, village_stations)
    shipments = _shipments(session, core, facilities)
    _cold_chain(session, core, rng, facilities["cold_store"], shipments[TO_KUNMING])
    _training(session, core, rng, townships, township_stations)
    _plan_figures(session, core, township_stations, facilities)
    session.flush()


def _stations(
    session: Session,
    core: CoreDemo,
    villages: dict[str, list[Village]],
    townships: dict[str, Township],
) -> tuple[dict[str, Station], list[Station]]:
    admin = core.users[Role.ADMIN]
    stations.create_station(session, admin, **COUNTY_CENTRE)
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
    stations.create_station(session, admin, **COURIER_POINT)
    return township_stations, village_stations


def _facilities(
    session: Session,
    core: CoreDemo,
    townships: dict[str, Township],
    township_stations: dict[str, Station],
    village_stations: list[Station],
) -> dict[str, Facility]:
    admin = core.users[Role.ADMIN]
    made = {
        key: logistics.create_facility(session, admin, **data) for key, data in FACILITIES.items()
    }
    for code in sorted(townships)[:OPEN_DELIVERY_CENTRES]:
        logistics.create_facility(
            session,
            admin,
            name=f"{townships[code].name_zh}物流配送站",
            kind="delivery_centre",
            township_code=code,
            station_id=township_stations[code].id,
            floor_area_m2=Decimal("80"),
        )
    for station in village_stations[:VILLAGE_POINTS]:
        logistics.create_facility(
            session,
            admin,
            name=f"{station.village.name_zh if station.village else station.name}物流服务点",
            kind="village_point",
            township_code=station.township_code,
            station_id=station.id,
        )
    return made


def _shipments(session: Session, core: CoreDemo, facilities: dict[str, Facility]) -> list[Shipment]:
    qc = core.users[Role.QC]
    lots = dict(zip(("kernel", "honey", "vermicelli"), core.batches[-3:], strict=True))
    lots["walnut"] = core.batches[0]
    made = []
    for lot, kg, leave, arrive, origin, destination, carrier, vehicle in SHIPMENTS:
        shipment = logistics.create_shipment(
            session,
            qc,
            lines=[{"batch_id": lots[lot].id, "quantity": Decimal(kg)}],
            departed_at=_moment(leave),
            carrier=carrier,
            vehicle=vehicle,
            **_end("origin", origin, facilities),
            **_end("destination", destination, facilities),
        )
        if arrive is not None:
            logistics.arrive_shipment(session, qc, shipment.id, _moment(arrive))
        made.append(shipment)
    return made


def _end(prefix: str, name: str, facilities: dict[str, Facility]) -> dict[str, Any]:
    if name in facilities:
        return {f"{prefix}_facility_id": facilities[name].id}
    return {f"{prefix}_name": name}


def _moment(parts: tuple[int, int, int, int, int]) -> dt.datetime:
    year, month, day, hour, minute = parts
    return _at(dt.date(year, month, day), hour, minute)


def _cold_chain(
    session: Session, core: CoreDemo, rng: random.Random, store: Facility, truck: Shipment
) -> None:
    qc = core.users[Role.QC]
    day, last = COLD_STORE_DAYS
    while day <= last:
        for hour in COLD_STORE_HOURS:
            value = Decimal("2.0") + Decimal(rng.randint(0, 18)) / 10
            if (day, hour) == EXCURSION[:2]:
                value = EXCURSION[2]
            logistics.record_reading(
                session,
                qc,
                product_category="walnut_kernel",
                measured_at=_at(day, hour),
                temperature_c=value,
                facility_id=store.id,
            )
        day += dt.timedelta(days=1)
    for hour in TRUCK_HOURS:
        logistics.record_reading(
            session,
            qc,
            product_category="walnut_in_shell",
            measured_at=_at(TRUCK_DAY, hour),
            temperature_c=Decimal("6.0") + Decimal(rng.randint(0, 25)) / 10,
            shipment_id=truck.id,  # the truck's plate comes from the shipment
        )


def _training(
    session: Session,
    core: CoreDemo,
    rng: random.Random,
    townships: dict[str, Township],
    township_stations: dict[str, Station],
) -> None:
    admin, station_user = core.users[Role.ADMIN], core.users[Role.STATION]
    courses = {
        key: training.create_course(session, admin, title=title, kind=kind, provider=provider)
        for key, (title, kind, provider) in COURSES.items()
    }
    codes = sorted(townships)
    trainees: dict[str, list[int]] = {code: [] for code in townships}
    for n in range(TRAINEES):
        code = codes[n % len(codes)]
        trainee = training.create_trainee(
            session,
            station_user if code == station_user.township_code else admin,
            township_code=code,
            is_poverty_registered=rng.random() < POVERTY_SHARE,
            is_disabled=rng.random() < DISABLED_SHARE,
        )
        trainees[code].append(trainee.id)
    startup_attendees: list[int] = []
    for i, code in enumerate(codes):
        actor = station_user if code == station_user.township_code else admin
        for j, course_key in enumerate(SESSION_PLAN + (("startup",) if i % 2 == 0 else ())):
            session_row = training.create_session(
                session,
                actor,
                course_id=courses[course_key].id,
                township_code=code,
                station_id=township_stations[code].id,
                venue=f"{townships[code].name_zh}电子商务服务站培训室",
                held_on=dt.date(2025, 3, 5) + dt.timedelta(days=37 * j + 3 * i),
                hours=Decimal("6") if course_key == "general" else Decimal("12"),
                trainer="县电商中心讲师团",
            )
            size = min(len(trainees[code]), CLASS_SIZES[course_key] + rng.randint(-3, 3))
            present = rng.sample(trainees[code], size)
            training.record_attendance(session, actor, session_row.id, present)
            if course_key == "startup":
                startup_attendees += present
    _incubations(session, admin, rng, startup_attendees)


def _incubations(
    session: Session, admin: User, rng: random.Random, startup_attendees: list[int]
) -> None:
    outcomes = [outcome for outcome, count in INCUBATION_OUTCOMES for _ in range(count)]
    chosen = rng.sample(list(dict.fromkeys(startup_attendees)), len(outcomes))
    for k, (trainee_id, outcome) in enumerate(zip(chosen, outcomes, strict=True)):
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


# The plan's poverty-relief figures (issue 19): every third administrative village is marked poor
# (two of them too remote for a station), two small cold stores, three model enterprises with the
# households they lift, staff counts, and the office's monthly figures. All illustrative (示例).
SMALL_COLD_STORES = (
    ("532326208", "三台乡小型冷库（示例）", "60"),
    ("532326204", "昙华乡小型冷库（示例）", "40"),
)
MODEL_ENTERPRISES = ("coop", "company", "honey_coop")
LIFTED_TRAINEES = 24  # registered poor trainees the walnut cooperative employs or buys from
# (place, staff, of whom registered poor)
COUNTY_STAFF, TOWNSHIP_STAFF, FACILITY_STAFF = (
    (18, 3),
    (3, 0),
    {"centre": (12, 2), "warehouse": (6, 1)},
)
OFFICE_FIGURES = (
    # code, month, value, source, evidence
    ("online_farm_retail_growth", dt.date(2025, 6, 1), "26.3", "农村电子商务大数据平台（示例）",
     "县商务局农村电商统计月报2025年第6期（示例）"),
    ("ecommerce_outlets_growth", dt.date(2025, 6, 1), "7.8", "县市场监管局市场主体统计（示例）",
     "市场主体发展情况通报2025年6月（示例）"),
    ("poverty_exit_growth", dt.date(2025, 6, 1), "31.0", "县乡村振兴局（示例）",
     "电商带动脱贫人口统计表2025年6月（示例）"),
)  # fmt: skip
CORRECTED = ("online_farm_retail_growth", "27.1", "县商务局农村电商统计月报2025年第6期更正（示例）")


def _plan_figures(
    session: Session,
    core: CoreDemo,
    township_stations: dict[str, Station],
    facilities: dict[str, Facility],
) -> None:
    admin = core.users[Role.ADMIN]
    villages = list(
        session.scalars(
            select(Village).where(Village.is_administrative.is_(True)).order_by(Village.id)
        )
    )
    for n, village in enumerate(villages):
        if n % 3 == 0:
            village.is_poor = True
            village.has_station_conditions = n not in (3, 6)
    for code, name, volume in SMALL_COLD_STORES:
        logistics.create_facility(
            session,
            admin,
            name=name,
            kind="small_cold_store",
            township_code=code,
            operator=COUNTY_OPERATOR,
            volume_m3=Decimal(volume),
        )
    enterprises = [
        poverty_relief.designate_enterprise(
            session,
            admin,
            core.producers[key].id,
            dt.date(2025, 4, 10),
            "大姚县电商扶贫示范企业认定通知（示例）",
        )
        for key in MODEL_ENTERPRISES
    ]
    poverty_relief.link_household(
        session,
        admin,
        enterprises[0].id,
        linked_on=dt.date(2025, 5, 1),
        producer_id=core.producers["farmer"].id,
        how="订单收购（示例）",
    )
    poor_trainees = session.scalars(
        select(Trainee.id)
        .where(Trainee.is_poverty_registered.is_(True))
        .order_by(Trainee.id)
        .limit(LIFTED_TRAINEES)
    )
    for trainee_id in poor_trainees:
        poverty_relief.link_household(
            session,
            admin,
            enterprises[0].id,
            linked_on=dt.date(2025, 10, 8),
            trainee_id=trainee_id,
            how="务工和订单收购（示例）",
        )
    centre = session.scalar(select(Station).where(Station.tier == "county"))
    counted_on = dt.date(2025, 10, 31)
    if centre is not None:
        employees, poor = COUNTY_STAFF
        poverty_relief.count_staff(
            session, admin, counted_on=counted_on, employees=employees, poor_employees=poor,
            station_id=centre.id,
        )  # fmt: skip
    for n, station in enumerate(township_stations.values()):
        employees, poor = TOWNSHIP_STAFF
        poverty_relief.count_staff(
            session, admin, counted_on=counted_on, employees=employees,
            poor_employees=poor + (1 if n % 3 == 0 else 0), station_id=station.id,
        )  # fmt: skip
    for key, (employees, poor) in FACILITY_STAFF.items():
        poverty_relief.count_staff(
            session, admin, counted_on=counted_on, employees=employees, poor_employees=poor,
            facility_id=facilities[key].id,
        )  # fmt: skip
    entries = {}
    for code, month, value, source, evidence in OFFICE_FIGURES:
        target = targets.target_by_code(session, code)
        if target is None:
            continue
        entries[code] = targets.enter_figure(
            session, admin, target.id, month=month, value=Decimal(value), source=source,
            evidence=evidence,
        )  # fmt: skip
    code, value, evidence = CORRECTED
    if code in entries:
        earlier = entries[code]
        targets.enter_figure(
            session, admin, earlier.target_id, month=earlier.month, value=Decimal(value),
            source=earlier.source, evidence=evidence, corrects_id=earlier.id,
        )  # fmt: skip

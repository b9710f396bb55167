"""The programme's metrics, each computed from the records; None means "not yet measured"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, distinct, func, inspect, or_, select, union
from sqlalchemy.orm import Session

from trace.clock import local_today
from trace.db import Base, utcnow
from trace.models.batches import Batch
from trace.models.brand import ApplicationStatus, BrandApplication
from trace.models.events import TraceEvent
from trace.models.funding import FundingRuleKind, FundSource
from trace.models.logistics import Facility, FacilityKind
from trace.models.packaging import PackagingSpec
from trace.models.poverty_relief import LiftedHousehold, ModelEnterprise, StaffCount
from trace.models.producers import Producer
from trace.models.products import Product, ProductCategory
from trace.models.regions import Village
from trace.models.stations import Station, StationTier
from trace.models.targets import MetricKey
from trace.models.training import (
    Attendance,
    Course,
    Incubation,
    Trainee,
    TrainingKind,
    TrainingSession,
)
from trace.services import funding
from trace.services.stations import county_coverage, coverage_by_township

Metric = Callable[[Session], Decimal | None]
# The GI (大姚核桃) covers walnuts: in shell and kernels.
GI_CATEGORIES = (ProductCategory.WALNUT_IN_SHELL, ProductCategory.WALNUT_KERNEL)


def _count(session: Session, query: Any) -> Decimal:
    return Decimal(session.scalar(query) or 0)


def _stations(tier: StationTier) -> Metric:
    return lambda s: _count(s, select(func.count(Station.id)).where(Station.tier == tier))


def _facilities(kind: FacilityKind) -> Metric:
    return lambda s: _count(
        s,
        select(func.count(Facility.id)).where(Facility.kind == kind, Facility.is_active.is_(True)),
    )


def _facility_sum(kind: FacilityKind, column: Any) -> Metric:
    return lambda s: _count(
        s, select(func.sum(column)).where(Facility.kind == kind, Facility.is_active.is_(True))
    )


def county_centre_area(session: Session) -> Decimal:
    query = select(func.sum(Station.floor_area_m2)).where(Station.tier == StationTier.COUNTY)
    return _count(session, query)


def village_coverage_pct(session: Session) -> Decimal | None:
    return county_coverage(coverage_by_township(session)).pct


def _attendances(*conditions: Any) -> Any:
    return (
        select(func.count(Attendance.id))
        .join(Trainee, Trainee.id == Attendance.trainee_id)
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .join(Course, Course.id == TrainingSession.course_id)
        .where(*conditions)
    )


def training_person_times(session: Session) -> Decimal:
    return _count(session, _attendances())


def skills_share_pct(session: Session) -> Decimal | None:
    total = training_person_times(session)
    if not total:
        return None
    skills = _count(session, _attendances(Course.kind == TrainingKind.SKILLS))
    return (skills * 100 / total).quantize(Decimal("0.1"))


def poor_person_times(session: Session) -> Decimal:
    return _count(session, _attendances(Trainee.is_poverty_registered.is_(True)))


def poor_or_disabled_trainees(session: Session) -> Decimal:
    query = (
        select(func.count(distinct(Trainee.id)))
        .join(Attendance, Attendance.trainee_id == Trainee.id)
        .where(or_(Trainee.is_poverty_registered.is_(True), Trainee.is_disabled.is_(True)))
    )
    return _count(session, query)


def incubated_entrepreneurs(session: Session) -> Decimal:
    return _count(session, select(func.count(Incubation.id)))


def brands(session: Session) -> Decimal:
    """Distinct brand names carried by products."""
    query = select(func.count(distinct(Product.brand))).where(Product.brand != "")
    return _count(session, query)


def lots_traced(session: Session) -> Decimal:
    """Batches with at least one event on their timeline."""
    return _count(session, select(func.count(distinct(TraceEvent.batch_id))))


def _table(session: Session, name: str, *columns: str) -> Table | None:
    """A colleague's table when its model is loaded, it has been migrated, and it has the
    columns a metric needs; otherwise None, and the metric reports "not yet measured"."""
    table = Base.metadata.tables.get(name)
    if table is None or not all(c in table.c for c in columns):
        return None
    if not inspect(session.connection()).has_table(name):
        return None
    return table


def certified_products(session: Session) -> Decimal | None:
    """Products with a currently valid product certificate (GI, green food, organic...), or
    made by a producer authorised to use the GI mark (walnut products only)."""
    table = _table(session, "certifications", "product_id")
    if table is None:
        return None
    today = local_today()
    conditions: list[ColumnElement[bool]] = [table.c.product_id.is_not(None)]
    if "valid_to" in table.c:
        conditions.append(or_(table.c.valid_to.is_(None), table.c.valid_to >= today))
    if "valid_from" in table.c:
        conditions.append(table.c.valid_from <= today)
    if "cert_type" in table.c:  # 无公害 has been wound down: no longer a certificate that counts
        conditions.append(table.c.cert_type != "legacy_pollution_free")
    certified = select(table.c.product_id).where(and_(*conditions))
    gi_marked = (
        select(Batch.product_id)
        .join(Producer, Producer.id == Batch.producer_id)
        .join(Product, Product.id == Batch.product_id)
        .where(Producer.is_gi_authorised.is_(True), Product.category.in_(GI_CATEGORIES))
    )
    products = union(certified, gi_marked).subquery()
    return _count(session, select(func.count()).select_from(products))


def packs_labelled(session: Session) -> Decimal | None:
    """Pack codes issued and not voided."""
    table = _table(session, "pack_codes")
    if table is None:
        return None
    query = select(func.count()).select_from(table)
    if "status" in table.c:
        query = query.where(table.c.status != "void")
    return _count(session, query)


def scans_last_30_days(session: Session) -> Decimal | None:
    """Consumer (public) scans in the last 30 days."""
    table = _table(session, "scans", "scanned_at")
    if table is None:
        return None
    since = utcnow() - dt.timedelta(days=30)
    query = select(func.count()).select_from(table).where(table.c.scanned_at >= since)
    if "is_public" in table.c:
        query = query.where(table.c.is_public.is_(True))
    return _count(session, query)


def poor_village_coverage_pct(session: Session) -> Decimal | None:
    """Poor administrative villages with the conditions for a station that have a village
    station, in percent (有条件的贫困村全覆盖); None while no village is marked poor."""
    eligible = select(Village.id).where(
        Village.is_poor.is_(True),
        Village.is_administrative.is_(True),
        Village.has_station_conditions.is_(True),
    )
    total = _count(session, select(func.count()).select_from(eligible.subquery()))
    if not total:
        return None
    covered = _count(
        session,
        select(func.count(distinct(Station.village_id))).where(
            Station.tier == StationTier.VILLAGE, Station.village_id.in_(eligible)
        ),
    )
    return (covered * 100 / total).quantize(Decimal("0.1"))


def packaging_designs(session: Session) -> Decimal:
    """Standard grading and packaging designs in use (分级包装策划设计)."""
    return _count(
        session, select(func.count(PackagingSpec.id)).where(PackagingSpec.is_active.is_(True))
    )


def _public_brands() -> Any:
    """A county public brand is one producers are admitted to: it has an approved admission."""
    return select(distinct(BrandApplication.brand)).where(
        BrandApplication.status == ApplicationStatus.APPROVED
    )


def public_brands(session: Session) -> Decimal:
    return _count(session, select(func.count()).select_from(_public_brands().subquery()))


def product_brands(session: Session) -> Decimal:
    """Speciality product brands: the brands products carry, the public brands left out."""
    query = select(func.count(distinct(Product.brand))).where(
        Product.brand != "", Product.brand.not_in(_public_brands())
    )
    return _count(session, query)


def _model_producers() -> Any:
    return select(ModelEnterprise.producer_id)


def poverty_products(session: Session) -> Decimal:
    """扶贫产品: products with a lot from a registered poor household or a model enterprise."""
    query = (
        select(func.count(distinct(Batch.product_id)))
        .join(Producer, Producer.id == Batch.producer_id)
        .where(or_(Producer.is_poverty_registered.is_(True), Producer.id.in_(_model_producers())))
    )
    return _count(session, query)


def poor_or_disabled_job_training(session: Session) -> Decimal:
    """Person-times of registered poor or disabled trainees in job training (skills, start-up)."""
    return _count(
        session,
        _attendances(
            or_(Trainee.is_poverty_registered.is_(True), Trainee.is_disabled.is_(True)),
            Course.kind.in_((TrainingKind.SKILLS, TrainingKind.ENTREPRENEURSHIP)),
        ),
    )


def model_enterprises(session: Session) -> Decimal:
    return _count(session, select(func.count(ModelEnterprise.id)))


def _lifted_producers(session: Session) -> set[int]:
    rows = session.scalars(
        select(Producer.id)
        .join(LiftedHousehold, LiftedHousehold.producer_id == Producer.id)
        .where(Producer.is_poverty_registered.is_(True))
    )
    return set(rows)


def _lifted_trainees(session: Session) -> set[int]:
    rows = session.scalars(
        select(Trainee.id)
        .join(LiftedHousehold, LiftedHousehold.trainee_id == Trainee.id)
        .where(Trainee.is_poverty_registered.is_(True))
    )
    return set(rows)


def households_lifted(session: Session) -> Decimal:
    """Registered poor households linked to a model enterprise (as suppliers or as trainees),
    each once however many enterprises it works with; one no longer registered does not count."""
    return Decimal(len(_lifted_producers(session)) + len(_lifted_trainees(session)))


def _latest_staff_counts(session: Session) -> list[StaffCount]:
    """The latest count of each station and facility."""
    latest: dict[tuple[int | None, int | None], StaffCount] = {}
    for row in session.scalars(select(StaffCount).order_by(StaffCount.counted_on, StaffCount.id)):
        latest[(row.station_id, row.facility_id)] = row
    return list(latest.values())


def poor_employment_share_pct(session: Session) -> Decimal | None:
    """Registered poor people among the staff of stations and logistics facilities, in percent."""
    counts = _latest_staff_counts(session)
    employees = sum(c.employees for c in counts)
    if not employees:
        return None
    poor = sum(c.poor_employees for c in counts)
    return (Decimal(poor) * 100 / employees).quantize(Decimal("0.1"))


def poor_people_helped(session: Session) -> Decimal:
    """Registered poor people the project reached: trainees who attended a class or are linked
    to a model enterprise (each once), producers a model enterprise lifts, and poor staff."""
    trained = set(
        session.scalars(
            select(distinct(Trainee.id))
            .join(Attendance, Attendance.trainee_id == Trainee.id)
            .where(Trainee.is_poverty_registered.is_(True))
        )
    )
    staff = sum(c.poor_employees for c in _latest_staff_counts(session))
    return Decimal(
        len(trained | _lifted_trainees(session)) + len(_lifted_producers(session)) + staff
    )


FEN_PER_WAN = Decimal(1_000_000)  # 1 万元 = 10,000 元 = 1,000,000 分


def _budget_wan(source: FundSource) -> Metric:
    """The budget lines' total for a source of funds, in 万元 (the plan's unit); None while no
    line is budgeted from it."""

    def total(session: Session) -> Decimal | None:
        fen = funding.budget_total_fen(session, source)
        return Decimal(fen) / FEN_PER_WAN if fen else None

    return total


def _budget_share(kind: FundingRuleKind) -> Metric:
    return lambda session: funding.budget_share_pct(session, kind)


METRICS: dict[MetricKey, Metric] = {
    MetricKey.COUNTY_CENTRES: _stations(StationTier.COUNTY),
    MetricKey.TOWNSHIP_STATIONS: _stations(StationTier.TOWNSHIP),
    MetricKey.VILLAGE_STATIONS: _stations(StationTier.VILLAGE),
    MetricKey.VILLAGE_COVERAGE_PCT: village_coverage_pct,
    MetricKey.COUNTY_CENTRE_AREA_M2: county_centre_area,
    MetricKey.DISTRIBUTION_CENTRE_AREA_M2: _facility_sum(
        FacilityKind.DISTRIBUTION_CENTRE, Facility.floor_area_m2
    ),
    MetricKey.DELIVERY_CENTRES: _facilities(FacilityKind.DELIVERY_CENTRE),
    MetricKey.VILLAGE_POINTS: _facilities(FacilityKind.VILLAGE_POINT),
    MetricKey.WAREHOUSE_AREA_M2: _facility_sum(
        FacilityKind.PUBLIC_WAREHOUSE, Facility.floor_area_m2
    ),
    MetricKey.COLD_STORE_VOLUME_M3: _facility_sum(FacilityKind.COLD_STORE, Facility.volume_m3),
    MetricKey.TRAINING_PERSON_TIMES: training_person_times,
    MetricKey.SKILLS_SHARE_PCT: skills_share_pct,
    MetricKey.POOR_PERSON_TIMES: poor_person_times,
    MetricKey.POOR_OR_DISABLED_TRAINEES: poor_or_disabled_trainees,
    MetricKey.INCUBATED_ENTREPRENEURS: incubated_entrepreneurs,
    MetricKey.BRANDS: brands,
    MetricKey.CERTIFIED_PRODUCTS: certified_products,
    MetricKey.LOTS_TRACED: lots_traced,
    MetricKey.PACKS_LABELLED: packs_labelled,
    MetricKey.SCANS_LAST_30_DAYS: scans_last_30_days,
    MetricKey.POOR_VILLAGE_COVERAGE_PCT: poor_village_coverage_pct,
    MetricKey.SMALL_COLD_STORES: _facilities(FacilityKind.SMALL_COLD_STORE),
    MetricKey.PACKAGING_DESIGNS: packaging_designs,
    MetricKey.PUBLIC_BRANDS: public_brands,
    MetricKey.PRODUCT_BRANDS: product_brands,
    MetricKey.POVERTY_PRODUCTS: poverty_products,
    MetricKey.POOR_OR_DISABLED_JOB_TRAINING: poor_or_disabled_job_training,
    MetricKey.MODEL_ENTERPRISES: model_enterprises,
    MetricKey.HOUSEHOLDS_LIFTED: households_lifted,
    MetricKey.POOR_EMPLOYMENT_SHARE_PCT: poor_employment_share_pct,
    MetricKey.POOR_PEOPLE_HELPED: poor_people_helped,
    MetricKey.CENTRAL_FUNDS_WAN: _budget_wan(FundSource.CENTRAL),
    MetricKey.COUNTY_FUNDS_WAN: _budget_wan(FundSource.COUNTY),
    MetricKey.COUNTY_CENTRE_SHARE_PCT: _budget_share(FundingRuleKind.SHARE_MAX),
    MetricKey.SUPPLY_CHAIN_SHARE_PCT: _budget_share(FundingRuleKind.SHARE_MIN),
}


def compute(
    session: Session, keys: list[MetricKey] | None = None
) -> dict[MetricKey, Decimal | None]:
    """The current value of each metric asked for (every metric by default), each computed once."""
    wanted = list(dict.fromkeys(keys if keys is not None else list(MetricKey)))
    return {key: METRICS[key](session) for key in wanted}


def training_by_month(session: Session, year: int) -> dict[int, dict[TrainingKind, int]]:
    """Person-times per month of `year`, split by kind of training, for the dashboard chart."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = session.execute(
        select(TrainingSession.held_on, Course.kind, func.count(Attendance.id))
        .join(Attendance, Attendance.session_id == TrainingSession.id)
        .join(Course, Course.id == TrainingSession.course_id)
        .where(TrainingSession.held_on.between(start, end))
        .group_by(TrainingSession.held_on, Course.kind)
    )
    months: dict[int, dict[TrainingKind, int]] = {
        m: dict.fromkeys(TrainingKind, 0) for m in range(1, 13)
    }
    for held_on, kind, count in rows:
        months[held_on.month][TrainingKind(kind)] += int(count)
    return months


def stations_by_tier(session: Session) -> dict[StationTier, int]:
    rows = session.execute(select(Station.tier, func.count(Station.id)).group_by(Station.tier))
    counts = dict.fromkeys(StationTier, 0)
    for tier, count in rows:
        counts[StationTier(tier)] = int(count)
    return counts


def latest_training_year(session: Session) -> int | None:
    """The year of the latest training session, which the dashboard charts by default."""
    latest = session.scalar(select(func.max(TrainingSession.held_on)))
    return latest.year if latest else None

"""Model e-commerce poverty-relief enterprises and the registered households they lift; staff
counts of stations and logistics facilities (how many of the staff are registered poor)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.clock import check_not_future
from trace.errors import ConflictError, NotFoundError, ValidationError
from trace.models.logistics import Facility
from trace.models.poverty_relief import LiftedHousehold, ModelEnterprise, StaffCount
from trace.models.producers import Producer, ProducerKind
from trace.models.stations import Station
from trace.models.training import Trainee
from trace.policy import Actor, authorize
from trace.services.audit import record_change

# A model enterprise is a legal person: an enterprise or a cooperative.
ENTERPRISE_KINDS = frozenset({ProducerKind.ENTERPRISE, ProducerKind.COOPERATIVE})


def designate_enterprise(
    session: Session, actor: Actor | None, producer_id: int, designated_on: dt.date, document: str
) -> ModelEnterprise:
    """Name a producer a model poverty-relief enterprise. Raises ValidationError
    (model_enterprise.* codes), ConflictError, PermissionDeniedError."""
    authorize(actor, "target.manage")
    producer = session.get(Producer, producer_id)
    if producer is None:
        raise ValidationError.for_field("producer_id", "model_enterprise.unknown_producer")
    if producer.kind not in ENTERPRISE_KINDS:
        raise ValidationError.for_field("producer_id", "model_enterprise.not_an_enterprise")
    check_not_future(designated_on, "designated_on")
    if session.scalar(select(ModelEnterprise.id).where(ModelEnterprise.producer_id == producer_id)):
        raise ConflictError.for_field("producer_id", "model_enterprise.already_designated")
    enterprise = ModelEnterprise(
        producer_id=producer_id,
        designated_on=designated_on,
        document=document.strip(),
        created_by_id=actor.id if actor is not None else None,
    )
    session.add(enterprise)
    record_change(session, actor, "model_enterprise.create", enterprise)
    return enterprise


def link_household(
    session: Session,
    actor: Actor | None,
    enterprise_id: int,
    *,
    linked_on: dt.date,
    producer_id: int | None = None,
    trainee_id: int | None = None,
    how: str = "",
) -> LiftedHousehold:
    """Record that a model enterprise lifts a registered poor household, given as a producer
    or a trainee. Raises NotFoundError, ValidationError (lifted_household.* codes),
    ConflictError, PermissionDeniedError."""
    authorize(actor, "target.manage")
    if session.get(ModelEnterprise, enterprise_id) is None:
        raise NotFoundError(f"no model enterprise {enterprise_id}")
    if (producer_id is None) == (trainee_id is None):
        raise ValidationError.for_field("producer_id", "lifted_household.one_of")
    if producer_id is not None:
        producer = session.get(Producer, producer_id)
        if producer is None or not producer.is_poverty_registered:
            raise ValidationError.for_field("producer_id", "lifted_household.not_registered")
        column, value = LiftedHousehold.producer_id, producer_id
    else:
        trainee = session.get(Trainee, trainee_id)
        if trainee is None or not trainee.is_poverty_registered:
            raise ValidationError.for_field("trainee_id", "lifted_household.not_registered")
        column, value = LiftedHousehold.trainee_id, trainee.id
    check_not_future(linked_on, "linked_on")
    clash = select(LiftedHousehold.id).where(
        LiftedHousehold.enterprise_id == enterprise_id, column == value
    )
    if session.scalar(clash):
        raise ConflictError.for_field("producer_id", "lifted_household.already_linked")
    link = LiftedHousehold(
        enterprise_id=enterprise_id,
        producer_id=producer_id,
        trainee_id=trainee_id,
        linked_on=linked_on,
        how=how.strip(),
        created_by_id=actor.id if actor is not None else None,
    )
    session.add(link)
    record_change(session, actor, "lifted_household.create", link)
    return link


def list_enterprises(session: Session, actor: Actor | None) -> list[ModelEnterprise]:
    authorize(actor, "record.read")
    return list(session.scalars(select(ModelEnterprise).order_by(ModelEnterprise.id)))


def count_staff(
    session: Session,
    actor: Actor | None,
    *,
    counted_on: dt.date,
    employees: int,
    poor_employees: int,
    station_id: int | None = None,
    facility_id: int | None = None,
) -> StaffCount:
    """Record how many people work at a station or facility and how many are registered poor;
    the newest count of a place replaces the earlier ones in the figures (they stay as history).
    Raises ValidationError (staff_count.* codes), PermissionDeniedError."""
    authorize(actor, "facility.manage")
    if (station_id is None) == (facility_id is None):
        raise ValidationError.for_field("station_id", "staff_count.one_place")
    if station_id is not None and session.get(Station, station_id) is None:
        raise ValidationError.for_field("station_id", "staff_count.unknown_place")
    if facility_id is not None and session.get(Facility, facility_id) is None:
        raise ValidationError.for_field("facility_id", "staff_count.unknown_place")
    if employees < 0 or poor_employees < 0:
        raise ValidationError.for_field("employees", "staff_count.negative")
    if poor_employees > employees:
        raise ValidationError.for_field("poor_employees", "staff_count.poor_over_total")
    check_not_future(counted_on, "counted_on")
    count = StaffCount(
        station_id=station_id,
        facility_id=facility_id,
        counted_on=counted_on,
        employees=employees,
        poor_employees=poor_employees,
        created_by_id=actor.id if actor is not None else None,
    )
    session.add(count)
    record_change(session, actor, "staff_count.create", count)
    return count


def enterprise_candidates(session: Session, actor: Actor | None) -> list[Producer]:
    """Enterprises and cooperatives not yet designated, for the designation form."""
    authorize(actor, "record.read")
    return list(
        session.scalars(
            select(Producer)
            .where(
                Producer.kind.in_(ENTERPRISE_KINDS),
                Producer.id.not_in(select(ModelEnterprise.producer_id)),
            )
            .order_by(Producer.name)
        )
    )


def registered_households(session: Session, actor: Actor | None) -> list[Producer]:
    """Producers from registered poor households, for the household form."""
    authorize(actor, "record.read")
    query = select(Producer).where(Producer.is_poverty_registered.is_(True))
    return list(session.scalars(query.order_by(Producer.township_code, Producer.name)))


def households_of(session: Session, enterprise_id: int) -> list[LiftedHousehold]:
    return list(
        session.scalars(
            select(LiftedHousehold)
            .where(LiftedHousehold.enterprise_id == enterprise_id)
            .order_by(LiftedHousehold.id)
        )
    )


def latest_staff_counts(session: Session, actor: Actor | None) -> list[StaffCount]:
    """The newest count of each station and facility, newest first."""
    authorize(actor, "record.read")
    latest: dict[tuple[int | None, int | None], StaffCount] = {}
    for row in session.scalars(select(StaffCount).order_by(StaffCount.counted_on, StaffCount.id)):
        latest[(row.station_id, row.facility_id)] = row
    return sorted(latest.values(), key=lambda c: (c.counted_on, c.id), reverse=True)

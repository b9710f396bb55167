"""Training courses, sessions, trainees, attendance (person-times) and one-to-one incubation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from trace.clock import check_not_future, local_today
from trace.errors import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
    problem,
)
from trace.models.audit import AuditEntry
from trace.models.regions import Township
from trace.models.stations import Station
from trace.models.training import (
    Attendance,
    Course,
    Incubation,
    IncubationOutcome,
    Trainee,
    TrainingKind,
    TrainingSession,
)
from trace.policy import Actor, authorize
from trace.services import metrics
from trace.services.audit import record_change, snapshot
from trace.services.pages import Page, paginate
from trace.services.regions import require_township

# Courses ------------------------------------------------------------------------------------


def create_course(session: Session, actor: Actor | None, **data: Any) -> Course:
    """Add a course. Raises ConflictError (title), PermissionDeniedError."""
    authorize(actor, "course.manage")
    if session.scalar(select(Course.id).where(Course.title == data["title"])) is not None:
        raise ConflictError("course.title_exists", {"title": ["course.title_exists"]})
    data["kind"] = TrainingKind(data["kind"])
    course = Course(**data)
    session.add(course)
    record_change(session, actor, "course.create", course)
    return course


def get_course(session: Session, actor: Actor | None, course_id: int) -> Course:
    authorize(actor, "record.read")
    course = session.get(Course, course_id)
    if course is None:
        raise NotFoundError(problem("course.not_found", id=course_id))
    return course


def list_courses(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    kind: str | None = None,
) -> Page[Course]:
    authorize(actor, "record.read")
    query = select(Course).order_by(Course.id)
    if kind:
        query = query.where(Course.kind == TrainingKind(kind))
    return paginate(session, query, page, per_page)


# Sessions -----------------------------------------------------------------------------------


def create_session(session: Session, actor: Actor | None, **data: Any) -> TrainingSession:
    """Schedule or record a session. Station staff do so for their own township.

    Raises ValidationError (unknown course, township or station), PermissionDeniedError.
    """
    authorize(actor, "training.write", data.get("township_code"))
    if session.get(Course, data["course_id"]) is None:
        raise ValidationError.for_field("course_id", "course.not_found", id=data["course_id"])
    require_township(session, data["township_code"])
    station_id = data.get("station_id")
    if station_id is not None:
        station = session.get(Station, station_id)
        if station is None:
            raise ValidationError.for_field("station_id", "station.not_found", id=station_id)
        if station.township_code != data["township_code"]:
            raise ValidationError.for_field("station_id", "training.station_other_township")
    training = TrainingSession(created_by_id=getattr(actor, "id", None), **data)
    session.add(training)
    record_change(session, actor, "training_session.create", training)
    return training


def get_session(session: Session, actor: Actor | None, session_id: int) -> TrainingSession:
    authorize(actor, "record.read")
    training = session.get(TrainingSession, session_id)
    if training is None:
        raise NotFoundError(problem("training_session.not_found", id=session_id))
    return training


def session_query(
    course_id: int | None = None,
    kind: str | None = None,
    township_code: str | None = None,
    held_from: dt.date | None = None,
    held_to: dt.date | None = None,
) -> Select[Any]:
    query = select(TrainingSession).order_by(TrainingSession.held_on.desc(), TrainingSession.id)
    if course_id is not None:
        query = query.where(TrainingSession.course_id == course_id)
    if kind:
        query = query.where(
            TrainingSession.course_id.in_(
                select(Course.id).where(Course.kind == TrainingKind(kind))
            )
        )
    if township_code:
        query = query.where(TrainingSession.township_code == township_code)
    if held_from:
        query = query.where(TrainingSession.held_on >= held_from)
    if held_to:
        query = query.where(TrainingSession.held_on <= held_to)
    return query


def list_sessions(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    **filters: Any,
) -> Page[TrainingSession]:
    authorize(actor, "record.read")
    return paginate(session, session_query(**filters), page, per_page)


# Trainees -----------------------------------------------------------------------------------


def create_trainee(session: Session, actor: Actor | None, **data: Any) -> Trainee:
    """Register a trainee: flags only, never an ID number. Raises ValidationError."""
    authorize(actor, "training.write", data.get("township_code"))
    require_township(session, data["township_code"])
    trainee = Trainee(created_by_id=getattr(actor, "id", None), **data)
    session.add(trainee)
    record_change(session, actor, "trainee.create", trainee)
    return trainee


def get_trainee(session: Session, actor: Actor | None, trainee_id: int) -> Trainee:
    authorize(actor, "record.read")
    trainee = session.get(Trainee, trainee_id)
    if trainee is None:
        raise NotFoundError(problem("trainee.not_found", id=trainee_id))
    return trainee


def list_trainees(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    township_code: str | None = None,
    is_poverty_registered: bool | None = None,
    is_disabled: bool | None = None,
) -> Page[Trainee]:
    authorize(actor, "record.read")
    query = select(Trainee).order_by(Trainee.id)
    if township_code:
        query = query.where(Trainee.township_code == township_code)
    if is_poverty_registered is not None:
        query = query.where(Trainee.is_poverty_registered.is_(is_poverty_registered))
    if is_disabled is not None:
        query = query.where(Trainee.is_disabled.is_(is_disabled))
    return paginate(session, query, page, per_page)


# Attendance ---------------------------------------------------------------------------------


def record_attendance(
    session: Session, actor: Actor | None, session_id: int, trainee_ids: list[int]
) -> list[Attendance]:
    """Mark trainees present at a session: one person-time each.

    Raises NotFoundError (session), ValidationError (unknown trainee), ConflictError (already
    present), InvalidTransitionError (a session not held yet), PermissionDeniedError.
    """
    training = get_session(session, actor, session_id)
    authorize(actor, "training.write", training.township_code)
    if training.held_on > local_today():
        raise InvalidTransitionError(
            "training.not_held_yet",
            {"held_on": [problem("training.not_held_yet", date=training.held_on.isoformat())]},
        )
    wanted = list(dict.fromkeys(trainee_ids))
    if not wanted:
        raise ValidationError.for_field("trainee_ids", "training.trainee_required")
    found = set(session.scalars(select(Trainee.id).where(Trainee.id.in_(wanted))))
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        raise ValidationError.for_field("trainee_ids", "trainee.not_found_list", ids=missing)
    present = set(
        session.scalars(
            select(Attendance.trainee_id).where(
                Attendance.session_id == training.id, Attendance.trainee_id.in_(wanted)
            )
        )
    )
    if present:
        listed = ", ".join(str(i) for i in sorted(present))
        raise ConflictError(
            "training.attended_already",
            {"trainee_ids": [problem("training.attended_already_list", names=listed)]},
        )
    rows = [
        Attendance(
            session_id=training.id, trainee_id=trainee_id, recorded_by_id=getattr(actor, "id", None)
        )
        for trainee_id in wanted
    ]
    session.add_all(rows)
    _record_many(session, actor, "attendance.record", rows)
    session.expire(training, ["attendance_count"])
    return rows


def _record_many(session: Session, actor: Actor | None, action: str, records: list[Any]) -> None:
    """record_change for many new rows at once: the same audit entries, written in one flush
    instead of one per row (a class register of 40 people is one request)."""
    session.flush()
    session.add_all(
        AuditEntry(
            actor_id=actor.id if actor is not None else None,
            action=action,
            entity_type=type(record).__tablename__,
            entity_id=str(record.id),
            before=None,
            after=snapshot(record),
        )
        for record in records
    )
    session.flush()


def list_attendance(session: Session, actor: Actor | None, session_id: int) -> list[Attendance]:
    get_session(session, actor, session_id)
    query = select(Attendance).where(Attendance.session_id == session_id).order_by(Attendance.id)
    return list(session.scalars(query))


# Incubation ---------------------------------------------------------------------------------


def _check_dates(started_on: dt.date, ended_on: dt.date | None) -> None:
    check_not_future(started_on, "started_on")
    if ended_on is not None and ended_on < started_on:
        raise ValidationError.for_field("ended_on", "incubation.before_start")


def create_incubation(session: Session, actor: Actor | None, **data: Any) -> Incubation:
    """Start one-to-one incubation of a trainee. Raises ValidationError, ConflictError."""
    trainee = session.get(Trainee, data["trainee_id"])
    if trainee is None:
        authorize(actor, "training.write")
        raise ValidationError.for_field("trainee_id", "trainee.not_found", id=data["trainee_id"])
    authorize(actor, "training.write", trainee.township_code)
    clash = session.scalar(select(Incubation.id).where(Incubation.trainee_id == trainee.id))
    if clash is not None:
        raise ConflictError(
            "incubation.exists", {"trainee_id": [problem("incubation.exists_id", id=clash)]}
        )
    _check_dates(data["started_on"], data.get("ended_on"))
    if "outcome" in data:
        data["outcome"] = IncubationOutcome(data["outcome"])
    incubation = Incubation(**data)
    session.add(incubation)
    record_change(session, actor, "incubation.create", incubation)
    return incubation


def update_incubation(
    session: Session, actor: Actor | None, incubation_id: int, **changes: Any
) -> Incubation:
    """Record progress or the outcome. Raises NotFoundError, ValidationError."""
    incubation = get_incubation(session, actor, incubation_id)
    authorize(actor, "training.write", incubation.trainee.township_code)
    before = snapshot(incubation)
    _check_dates(
        changes.get("started_on", incubation.started_on),
        changes.get("ended_on", incubation.ended_on),
    )
    if "outcome" in changes:
        changes["outcome"] = IncubationOutcome(changes["outcome"])
    for key, value in changes.items():
        setattr(incubation, key, value)
    record_change(session, actor, "incubation.update", incubation, before)
    return incubation


def get_incubation(session: Session, actor: Actor | None, incubation_id: int) -> Incubation:
    authorize(actor, "record.read")
    incubation = session.get(Incubation, incubation_id)
    if incubation is None:
        raise NotFoundError(problem("incubation.not_found", id=incubation_id))
    return incubation


def list_incubations(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    outcome: str | None = None,
) -> Page[Incubation]:
    authorize(actor, "record.read")
    query = select(Incubation).order_by(Incubation.id)
    if outcome:
        query = query.where(Incubation.outcome == IncubationOutcome(outcome))
    return paginate(session, query, page, per_page)


# Aggregates for the public page --------------------------------------------------------------


@dataclass
class TrainingSummary:
    """Counts only: safe to publish (no names, hardship only in aggregate)."""

    sessions_by_kind: dict[TrainingKind, int] = field(default_factory=dict)
    person_times_by_kind: dict[TrainingKind, int] = field(default_factory=dict)
    person_times_by_township: list[tuple[str, str, str, int]] = field(default_factory=list)
    poor_person_times: int = 0
    poor_or_disabled_trainees: int = 0
    incubations_by_outcome: dict[IncubationOutcome, int] = field(default_factory=dict)

    @property
    def person_times(self) -> int:
        return sum(self.person_times_by_kind.values())


def training_summary(session: Session) -> TrainingSummary:
    summary = TrainingSummary(
        sessions_by_kind=dict.fromkeys(TrainingKind, 0),
        person_times_by_kind=dict.fromkeys(TrainingKind, 0),
        incubations_by_outcome=dict.fromkeys(IncubationOutcome, 0),
    )
    sessions = session.execute(
        select(Course.kind, func.count(TrainingSession.id))
        .join(TrainingSession, TrainingSession.course_id == Course.id)
        .group_by(Course.kind)
    )
    for kind, n in sessions:
        summary.sessions_by_kind[TrainingKind(kind)] = int(n)
    for kind, n in session.execute(
        select(Course.kind, func.count(Attendance.id))
        .select_from(Attendance)
        .join(TrainingSession, TrainingSession.id == Attendance.session_id)
        .join(Course, Course.id == TrainingSession.course_id)
        .group_by(Course.kind)
    ):
        summary.person_times_by_kind[TrainingKind(kind)] = int(n)
    summary.person_times_by_township = [
        (code, name_zh, name_pinyin, int(n))
        for code, name_zh, name_pinyin, n in session.execute(
            select(Township.code, Township.name_zh, Township.name_pinyin, func.count(Attendance.id))
            .select_from(Attendance)
            .join(TrainingSession, TrainingSession.id == Attendance.session_id)
            .join(Township, Township.code == TrainingSession.township_code)
            .group_by(Township.code, Township.name_zh, Township.name_pinyin)
            .order_by(Township.code)
        )
    ]
    summary.poor_person_times = int(metrics.poor_person_times(session))
    summary.poor_or_disabled_trainees = int(metrics.poor_or_disabled_trainees(session))
    for outcome, n in session.execute(
        select(Incubation.outcome, func.count(Incubation.id)).group_by(Incubation.outcome)
    ):
        summary.incubations_by_outcome[IncubationOutcome(outcome)] = int(n)
    return summary

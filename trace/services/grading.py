"""Grading standards kept as versioned data, and grading batches from sample measurements."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trace.clock import check_not_future, local_datetime
from trace.db import utcnow
from trace.errors import ConflictError, NotFoundError, ValidationError, problem
from trace.models.batches import Batch
from trace.models.events import EventType
from trace.models.grading import (
    MEASURES,
    Bound,
    GradeSpec,
    GradeThreshold,
    Grading,
    GradingStandard,
    StandardKind,
)
from trace.models.products import ProductCategory
from trace.policy import Actor, authorize
from trace.services.audit import record_change, snapshot
from trace.services.events import append_event
from trace.services.pages import Page, paginate

BELOW_GRADE = "等外"  # meets no grade of the standard


def event_time(day: dt.date) -> dt.datetime:
    """When a dated record (graded on, tested on) enters the timeline: noon in Dayao, never later
    than now, so today's records are not refused as being in the future."""
    return min(local_datetime(day, dt.time(12)), utcnow().replace(microsecond=0))


# Trade usage writes 一级/二级/三级 for the standard's Ⅰ级/Ⅱ级/Ⅲ级.
_CHINESE_NUMERALS = {"一": "I", "二": "II", "三": "III", "四": "IV"}


def normalise_grade(name: str) -> str:
    """`Ⅱ级`, `II级`, `二级` and ` Ⅱ 级` are the same grade: NFKC folds the Roman numeral
    characters, and a leading Chinese numeral is read as the Roman one."""
    folded = unicodedata.normalize("NFKC", name).replace(" ", "").strip()
    if len(folded) == 2 and folded[1] == "级" and folded[0] in _CHINESE_NUMERALS:
        return _CHINESE_NUMERALS[folded[0]] + "级"
    return folded


@dataclass(frozen=True)
class Check:
    measure: str
    bound: Bound
    limit: Decimal
    value: Decimal | None
    is_uncertain: bool

    @property
    def passed(self) -> bool:
        if self.value is None:
            return False  # not measured: a grade is never awarded without the evidence
        return self.value >= self.limit if self.bound is Bound.MIN else self.value <= self.limit

    def describe(self) -> str:
        sign = "≥" if self.bound is Bound.MIN else "≤"
        measured = "—" if self.value is None else f"{self.value}"
        return f"{self.measure} {sign} {self.limit}: {measured}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "measure": self.measure,
            "bound": self.bound.value,
            "limit": str(self.limit),
            "value": None if self.value is None else str(self.value),
            "is_uncertain": self.is_uncertain,
        }


@dataclass(frozen=True)
class GradeOutcome:
    grade: GradeSpec | None  # the highest grade met, None when none is
    shortfalls: list[tuple[GradeSpec, list[Check]]]  # each better grade and what it failed


def check_grade(grade: GradeSpec, measurements: Mapping[str, Decimal]) -> list[Check]:
    return [
        Check(t.measure, t.bound, t.value, measurements.get(t.measure), t.is_uncertain)
        for t in grade.thresholds
    ]


def evaluate(standard: GradingStandard, measurements: Mapping[str, Decimal]) -> GradeOutcome:
    """The highest grade whose every threshold the sample meets, and why each better one failed."""
    shortfalls: list[tuple[GradeSpec, list[Check]]] = []
    for grade in sorted(standard.grades, key=lambda g: g.rank):
        failed = [c for c in check_grade(grade, measurements) if not c.passed]
        if not failed:
            return GradeOutcome(grade, shortfalls)
        shortfalls.append((grade, failed))
    return GradeOutcome(None, shortfalls)


def find_grade(standard: GradingStandard, name: str) -> GradeSpec | None:
    wanted = normalise_grade(name)
    return next((g for g in standard.grades if normalise_grade(g.name) == wanted), None)


# --- standards -------------------------------------------------------------------------------


def current_standard(
    session: Session, kind: StandardKind, category: ProductCategory
) -> GradingStandard | None:
    return session.scalar(
        select(GradingStandard)
        .where(
            GradingStandard.kind == kind,
            GradingStandard.product_category == category,
            GradingStandard.is_current.is_(True),
        )
        .order_by(GradingStandard.id.desc())
        .limit(1)
    )


def _check_grades(kind: StandardKind, grades: Sequence[Mapping[str, Any]]) -> None:
    if not grades:
        raise ValidationError.for_field("grades", "standard.grade_required")
    if kind is StandardKind.GI_CONFORMITY and len(grades) != 1:
        raise ValidationError.for_field("grades", "standard.conformity_one_grade")
    ranks = [g["rank"] for g in grades]
    names = [normalise_grade(g["name"]) for g in grades]
    if len(set(ranks)) != len(ranks):
        raise ValidationError.for_field("grades", "standard.rank_twice")
    if len(set(names)) != len(names):
        raise ValidationError.for_field("grades", "standard.name_twice")
    if BELOW_GRADE in names:
        raise ValidationError.for_field("grades", "standard.below_reserved", name=BELOW_GRADE)
    for index, grade in enumerate(grades):
        seen: set[tuple[str, str]] = set()
        for threshold in grade["thresholds"]:
            if threshold["measure"] not in MEASURES:
                raise ValidationError.for_field(
                    f"grades.{index}.thresholds",
                    "threshold.unknown_measure",
                    measure=threshold["measure"],
                )
            key = (threshold["measure"], Bound(threshold["bound"]).value)
            if key in seen:
                raise ValidationError.for_field(
                    f"grades.{index}.thresholds", "threshold.twice", measure=key[0], bound=key[1]
                )
            seen.add(key)


def _make_current(session: Session, actor: Actor | None, standard: GradingStandard) -> None:
    others = session.scalars(
        select(GradingStandard).where(
            GradingStandard.kind == standard.kind,
            GradingStandard.product_category == standard.product_category,
            GradingStandard.is_current.is_(True),
            GradingStandard.id != standard.id,
        )
    )
    for other in others:
        before = snapshot(other)
        other.is_current = False
        record_change(session, actor, "grading_standard.update", other, before)


def create_standard(
    session: Session,
    actor: Actor | None,
    *,
    code: str,
    version: str,
    kind: str,
    product_category: str,
    grades: Sequence[Mapping[str, Any]],
    title: str = "",
    is_current: bool = False,
    source: str = "",
) -> GradingStandard:
    """Add a standard or a new version of one (e.g. GB/T 20398-2021) with its grades.

    Raises ValidationError (grades, thresholds), ConflictError (code and version exist),
    PermissionDeniedError.
    """
    authorize(actor, "standard.write")
    standard_kind = StandardKind(kind)
    _check_grades(standard_kind, grades)
    clash = session.scalar(
        select(GradingStandard.id).where(
            GradingStandard.code == code, GradingStandard.version == version
        )
    )
    if clash is not None:
        raise ConflictError(
            problem("standard.exists", code=code, version=version),
            {"version": [problem("standard.exists", code=code, version=version)]},
        )
    standard = GradingStandard(
        code=code,
        version=version,
        title=title,
        kind=standard_kind,
        product_category=ProductCategory(product_category),
        is_current=is_current,
        source=source,
        grades=[
            GradeSpec(
                rank=g["rank"],
                name=g["name"],
                thresholds=[
                    GradeThreshold(
                        measure=t["measure"],
                        bound=Bound(t["bound"]),
                        value=t["value"],
                        is_uncertain=t.get("is_uncertain", False),
                        note=t.get("note", ""),
                    )
                    for t in g["thresholds"]
                ],
            )
            for g in grades
        ],
    )
    # The look-up above may race a concurrent create of the same code and version: the unique
    # constraint decides, and the loser gets the same 409 (never a 500).
    try:
        with session.begin_nested():
            session.add(standard)
            session.flush()
    except IntegrityError:
        raise ConflictError(
            problem("standard.exists", code=code, version=version),
            {"version": [problem("standard.exists", code=code, version=version)]},
        ) from None
    if is_current:
        _make_current(session, actor, standard)
    record_change(session, actor, "grading_standard.create", standard)
    for grade in standard.grades:
        for threshold in grade.thresholds:
            record_change(session, actor, "grade_threshold.create", threshold)
    return standard


def update_standard(
    session: Session, actor: Actor | None, standard_id: int, **changes: Any
) -> GradingStandard:
    """Change a standard's title, source or whether it is current. Raises NotFoundError."""
    authorize(actor, "standard.write")
    standard = get_standard(session, actor, standard_id)
    before = snapshot(standard)
    for key, value in changes.items():
        setattr(standard, key, value)
    session.flush()
    if changes.get("is_current"):
        _make_current(session, actor, standard)
    record_change(session, actor, "grading_standard.update", standard, before)
    return standard


def update_threshold(
    session: Session, actor: Actor | None, threshold_id: int, **changes: Any
) -> GradeThreshold:
    """Correct one cell (value, uncertainty flag, note). Earlier gradings keep the values they
    were graded with. Raises NotFoundError, PermissionDeniedError."""
    authorize(actor, "standard.write")
    threshold = session.get(GradeThreshold, threshold_id)
    if threshold is None:
        raise NotFoundError(problem("threshold.not_found", id=threshold_id))
    before = snapshot(threshold)
    for key, value in changes.items():
        setattr(threshold, key, value)
    record_change(session, actor, "grade_threshold.update", threshold, before)
    return threshold


def get_standard(session: Session, actor: Actor | None, standard_id: int) -> GradingStandard:
    authorize(actor, "record.read")
    standard = session.get(GradingStandard, standard_id)
    if standard is None:
        raise NotFoundError(problem("standard.not_found", id=standard_id))
    return standard


def list_standards(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    kind: str | None = None,
    product_category: str | None = None,
    code: str | None = None,
    is_current: bool | None = None,
) -> Page[GradingStandard]:
    authorize(actor, "record.read")
    query = select(GradingStandard).order_by(GradingStandard.id)
    if kind:
        query = query.where(GradingStandard.kind == StandardKind(kind))
    if product_category:
        query = query.where(GradingStandard.product_category == ProductCategory(product_category))
    if code:
        query = query.where(GradingStandard.code == code)
    if is_current is not None:
        query = query.where(GradingStandard.is_current.is_(is_current))
    return paginate(session, query, page, per_page)


# --- gradings --------------------------------------------------------------------------------


def _grading_standard(session: Session, batch: Batch, standard_id: int | None) -> GradingStandard:
    category = batch.product.category
    if standard_id is None:
        standard = current_standard(session, StandardKind.GRADE, category)
        if standard is None:
            raise ValidationError.for_field(
                "standard_id", "standard.none_current", category=category.value
            )
        return standard
    standard = session.get(GradingStandard, standard_id)
    if standard is None:
        raise ValidationError.for_field("standard_id", "standard.no_such")
    if standard.kind is not StandardKind.GRADE or standard.product_category is not category:
        raise ValidationError.for_field(
            "standard_id",
            "standard.wrong_category",
            standard=standard.label,
            category=category.value,
        )
    return standard


def gi_conformity(
    session: Session, category: ProductCategory, measurements: Mapping[str, Decimal]
) -> dict[str, Any] | None:
    """Compare measurements with the current GI quality values for the category, if any."""
    standard = current_standard(session, StandardKind.GI_CONFORMITY, category)
    if standard is None or not standard.grades:
        return None
    checks = check_grade(standard.grades[0], measurements)
    return {
        "standard": standard.label,
        "standard_id": standard.id,
        "passed": all(c.passed for c in checks),
        "failed": [c.as_dict() for c in checks if not c.passed],
    }


def grade_batch(
    session: Session,
    actor: Actor | None,
    batch_id: int,
    *,
    graded_on: dt.date,
    measurements: Mapping[str, Decimal],
    standard_id: int | None = None,
    claimed_grade: str | None = None,
    sample_size: int | None = None,
    location: str = "",
    note: str = "",
) -> Grading:
    """Grade a batch: the highest grade met is recorded on the lot and on its timeline.

    A claimed grade above what the measurements support is refused. Raises NotFoundError (batch),
    ValidationError (graded_on, standard_id, claimed_grade), PermissionDeniedError.
    """
    authorize(actor, "grading.write")
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError(problem("batch.not_found", id=batch_id))
    check_not_future(graded_on, "graded_on")
    if graded_on < batch.harvested_on:
        raise ValidationError.for_field("graded_on", "date.before_harvest")
    standard = _grading_standard(session, batch, standard_id)
    outcome = evaluate(standard, measurements)
    computed = outcome.grade.name if outcome.grade else BELOW_GRADE
    grade = computed
    if claimed_grade:
        grade = _check_claim(standard, outcome, claimed_grade)

    grading = Grading(
        batch_id=batch.id,
        standard_id=standard.id,
        graded_on=graded_on,
        sample_size=sample_size,
        measurements={k: str(v) for k, v in measurements.items()},
        computed_grade=computed,
        grade=grade,
        claimed_grade=claimed_grade or None,
        shortfalls=[
            {"grade": spec.name, "rank": spec.rank, "failed": [c.as_dict() for c in failed]}
            for spec, failed in outcome.shortfalls
        ],
        gi_conformity=gi_conformity(session, batch.product.category, measurements),
        location=location,
        note=note,
        graded_by_id=actor.id if actor is not None else None,
    )
    session.add(grading)
    record_change(session, actor, "grading.create", grading)
    before = snapshot(batch)
    batch.grade = grade
    record_change(session, actor, "batch.grade", batch, before)
    details: dict[str, Any] = {"standard": standard.label, "grade": grade}
    if grading.gi_conformity is not None:
        details["gi_conformity"] = grading.gi_conformity["passed"]
    append_event(session, actor, batch, EventType.GRADING, event_time(graded_on), location, details)
    return grading


def _check_claim(standard: GradingStandard, outcome: GradeOutcome, claimed: str) -> str:
    """The claimed grade's proper name, if the measurements support it; else ValidationError."""
    if normalise_grade(claimed) == BELOW_GRADE:
        return BELOW_GRADE
    spec = find_grade(standard, claimed)
    if spec is None:
        raise ValidationError.for_field(
            "claimed_grade",
            "grading.not_a_grade",
            standard=standard.label,
            grades=[g.name for g in standard.grades],
        )
    if outcome.grade is not None and spec.rank >= outcome.grade.rank:
        return spec.name  # the claim is the grade met or a lower one: selling below is allowed
    failed = next(f for s, f in outcome.shortfalls if s.id == spec.id)
    met = outcome.grade.name if outcome.grade else BELOW_GRADE
    raise ValidationError.for_field(
        "claimed_grade",
        "grading.claim_unsupported",
        grade=spec.name,
        met=met,
        shortfalls=[c.describe() for c in failed],
    )


def get_grading(session: Session, actor: Actor | None, batch_id: int, grading_id: int) -> Grading:
    authorize(actor, "record.read")
    grading = session.get(Grading, grading_id)
    if grading is None or grading.batch_id != batch_id:
        raise NotFoundError(problem("grading.not_found", id=grading_id, batch=batch_id))
    return grading


def list_gradings(session: Session, actor: Actor | None, batch_id: int) -> list[Grading]:
    """A batch's gradings, newest first. Raises NotFoundError."""
    authorize(actor, "record.read")
    if session.get(Batch, batch_id) is None:
        raise NotFoundError(problem("batch.not_found", id=batch_id))
    query = select(Grading).where(Grading.batch_id == batch_id).order_by(Grading.id.desc())
    return list(session.scalars(query))


def latest_grading(session: Session, batch_ids: Sequence[int]) -> Grading | None:
    """The most recent grading among the given batches."""
    if not batch_ids:
        return None
    return session.scalar(
        select(Grading)
        .where(Grading.batch_id.in_(batch_ids))
        .order_by(Grading.graded_on.desc(), Grading.id.desc())
        .limit(1)
    )

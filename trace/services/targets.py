"""The plan's targets (editable data) with their milestones, the figures the programme office
enters for what the records cannot measure, and the progress of each against its milestones."""

from __future__ import annotations

import datetime as dt
import enum
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.clock import check_not_future, local_today
from trace.errors import ConflictError, NotFoundError, ValidationError
from trace.models.disclosure import DisclosureFigure
from trace.models.targets import (
    Comparison,
    FigureSource,
    MetricKey,
    Target,
    TargetFigureEntry,
    TargetMilestone,
)
from trace.policy import Actor, authorize
from trace.services import metrics
from trace.services.audit import record_change, snapshot

# The plan's numeric targets and milestones (the same facts as shared/data/dayao_plan_targets.csv),
# seeded by migration 0017 and by `flask --app trace targets seed`.
PLAN_FILE = Path(__file__).resolve().parents[1] / "plan_targets.json"


class Status(enum.StrEnum):
    """Where a target stands against its milestones."""

    MET = "met"
    ON_TRACK = "on_track"  # not met; no milestone whose date has passed is missed
    BEHIND = "behind"  # the latest milestone whose date has passed is not reached
    UNMEASURED = "unmeasured"


def threshold(target: Target, milestone: TargetMilestone) -> Decimal:
    """The figure a milestone asks for: its value, or its share of the target."""
    if milestone.value is not None:
        return Decimal(milestone.value)
    return (target.target_value * Decimal(milestone.share_pct or 0) / 100).quantize(Decimal("0.01"))


def milestone_notation(milestone: TargetMilestone) -> str:
    """A milestone in the plan file's notation: `2019-08-31:50%`, `2019-08-31:1500`, or a
    label alone (`2019-08-31:投入运营`, meaning the whole target by then)."""
    if milestone.label_zh:
        what = milestone.label_zh
    elif milestone.share_pct is not None:
        what = f"{Decimal(milestone.share_pct).normalize():f}%"
    else:
        what = f"{Decimal(milestone.value or 0).normalize():f}"
    return f"{milestone.due_on.isoformat()}:{what}"


def parse_milestones(text: str) -> list[dict[str, Any]]:
    """`2019-08-31:50%;2019-10-31:100%` as milestone fields, in date order.
    Raises ValidationError (milestones: target_milestone.invalid)."""
    found: list[dict[str, Any]] = []
    for item in (part.strip() for part in text.replace("；", ";").split(";")):
        if not item:
            continue
        day, _sep, what = item.partition(":")
        try:
            due_on = dt.date.fromisoformat(day.strip())
        except ValueError:
            raise ValidationError.for_field(
                "milestones", "target_milestone.invalid", item=item
            ) from None
        what = what.strip()
        row: dict[str, Any] = {"due_on": due_on, "share_pct": None, "value": None, "label_zh": ""}
        try:
            if what.endswith("%"):
                row["share_pct"] = Decimal(what[:-1])
            else:
                row["value"] = Decimal(what)
        except ArithmeticError:
            if not what or len(what) > 50:
                raise ValidationError.for_field(
                    "milestones", "target_milestone.invalid", item=item
                ) from None
            row["share_pct"], row["label_zh"] = Decimal(100), what
        share, value = row["share_pct"], row["value"]
        if (share is not None and not 0 < share <= 1000) or (value is not None and value < 0):
            raise ValidationError.for_field("milestones", "target_milestone.invalid", item=item)
        found.append(row)
    return sorted(found, key=lambda r: r["due_on"])


def set_milestones(session: Session, actor: Actor | None, target_id: int, text: str) -> Target:
    """Replace a target's milestones (the office may move the plan's dates). Audited with the
    milestones before and after. Raises NotFoundError, ValidationError, PermissionDeniedError."""
    authorize(actor, "target.manage")
    target = get_target(session, actor, target_id)
    before = ";".join(milestone_notation(m) for m in target.milestones)
    rows = parse_milestones(text)
    kept = {
        milestone_notation(m): m.label_en for m in target.milestones if m.label_en
    }  # an English label stays with its milestone
    target.milestones = [TargetMilestone(**row) for row in rows]
    for milestone in target.milestones:
        milestone.label_en = kept.get(milestone_notation(milestone), "")
    session.flush()
    after = ";".join(milestone_notation(m) for m in target.milestones)
    if after != before:
        record_change(
            session,
            actor,
            "target.milestones",
            target,
            snapshot(target),
            note=f"{before} -> {after}",
        )
    return target


@dataclass(frozen=True)
class Progress:
    """A target beside its current figure; `current` is None while nothing measures it.

    `source` says where the figure came from: "records" (a metric), "office" (the programme
    office's latest entry), "reported" (a figure published on /disclosure) or "" (none)."""

    target: Target
    current: Decimal | None
    source: str = ""
    as_of: dt.date | None = None
    today: dt.date | None = None
    entry: TargetFigureEntry | None = None

    @property
    def passed_milestone(self) -> TargetMilestone | None:
        """The latest milestone whose date has passed."""
        today = self.today or local_today()
        passed = [m for m in self.target.milestones if m.due_on < today]
        return passed[-1] if passed else None

    @property
    def milestone(self) -> TargetMilestone | None:
        """The milestone the target is judged by now: the latest passed, else the next one."""
        return self.passed_milestone or (
            self.target.milestones[0] if self.target.milestones else None
        )

    @property
    def status(self) -> Status:
        if self.current is None:
            return Status.UNMEASURED
        if self.is_met:
            return Status.MET
        if self.target.comparison is not Comparison.AT_LEAST:
            return Status.BEHIND  # over a ceiling, or not the amount the plan fixes
        passed = self.passed_milestone
        if passed is not None and self.current < threshold(self.target, passed):
            return Status.BEHIND
        return Status.ON_TRACK

    @property
    def ratio(self) -> Decimal | None:
        if self.current is None or not self.target.target_value:
            return None
        return self.current / self.target.target_value

    @property
    def pct(self) -> Decimal | None:
        """Progress towards the target in percent, capped at 100 for the bar."""
        ratio = self.ratio
        if ratio is None:
            return None
        return min(Decimal(100), ratio * 100).quantize(Decimal("0.1"))

    @property
    def is_met(self) -> bool | None:
        if self.current is None:
            return None
        goal = self.target.target_value
        if self.target.comparison is Comparison.AT_MOST:
            return self.current <= goal
        if self.target.comparison is Comparison.EQUAL:
            return self.current == goal
        return self.current >= goal

    @property
    def is_measured(self) -> bool:
        return self.current is not None


def _check(session: Session, data: dict[str, Any], target_id: int | None = None) -> None:
    clash = session.scalar(select(Target.id).where(Target.code == data["code"]))
    if clash is not None and clash != target_id:
        raise ConflictError("another target has this code", {"code": ["already exists"]})
    if Decimal(data["target_value"]) <= 0:
        raise ValidationError.for_field("target_value", "must be more than zero")
    if data.get("metric") is None and data.get("figure_source", "records") == "records":
        raise ValidationError.for_field("metric", "field.required")


def create_target(session: Session, actor: Actor | None, **data: Any) -> Target:
    """Add a target. Raises ValidationError, ConflictError (code), PermissionDeniedError."""
    authorize(actor, "target.manage")
    _check(session, data)
    data["metric"] = MetricKey(data["metric"]) if data.get("metric") else None
    target = Target(**data)
    session.add(target)
    record_change(session, actor, "target.create", target)
    return target


def update_target(session: Session, actor: Actor | None, target_id: int, **changes: Any) -> Target:
    """Change a target's label, value, unit or metric. Raises NotFoundError, ValidationError."""
    authorize(actor, "target.manage")
    target = get_target(session, actor, target_id)
    before = snapshot(target)
    _check(session, {**before, **changes}, target.id)
    if "metric" in changes:
        changes["metric"] = MetricKey(changes["metric"]) if changes["metric"] else None
    for key, value in changes.items():
        setattr(target, key, value)
    record_change(session, actor, "target.update", target, before)
    return target


def get_target(session: Session, actor: Actor | None, target_id: int) -> Target:
    authorize(actor, "record.read")
    target = session.get(Target, target_id)
    if target is None:
        raise NotFoundError(f"no target {target_id}")
    return target


def all_targets(session: Session) -> list[Target]:
    return list(session.scalars(select(Target).order_by(Target.sort_order, Target.id)))


def list_targets(session: Session, actor: Actor | None) -> list[Target]:
    authorize(actor, "record.read")
    return all_targets(session)


def target_by_code(session: Session, code: str) -> Target | None:
    return session.scalar(select(Target).where(Target.code == code))


def target_value_for(session: Session, metric: MetricKey) -> Decimal | None:
    """The value of the first target measured by `metric` (charts draw it as a line)."""
    return session.scalar(
        select(Target.target_value)
        .where(Target.metric == metric)
        .order_by(Target.sort_order, Target.id)
        .limit(1)
    )


def progress(session: Session) -> list[Progress]:
    """Every target with its figure: computed by its metric, else the programme office's latest
    entry, else the latest figure published for it on /disclosure. Public: aggregates only."""
    targets = all_targets(session)
    values = metrics.compute(session, [t.metric for t in targets if t.metric is not None])
    entries = latest_entries(session)
    reported = _reported(session)
    today = local_today()
    rows = []
    for target in targets:
        if target.metric is not None and values[target.metric] is not None:
            rows.append(Progress(target, values[target.metric], "records", None, today))
        elif (entry := entries.get(target.id)) is not None:
            rows.append(Progress(target, entry.value, "office", entry.month, today, entry))
        elif (figure := reported.get(target.code)) is not None:
            rows.append(Progress(target, figure.value, "reported", figure.as_of, today))
        else:
            rows.append(Progress(target, None, "", None, today))
    return rows


def _reported(session: Session) -> dict[str, DisclosureFigure]:
    latest: dict[str, DisclosureFigure] = {}
    query = select(DisclosureFigure).where(DisclosureFigure.target_code.is_not(None))
    for figure in session.scalars(query.order_by(DisclosureFigure.as_of, DisclosureFigure.id)):
        latest[figure.target_code or ""] = figure
    return latest


# -- figures the programme office enters --------------------------------------------------------


def latest_entries(session: Session) -> dict[int, TargetFigureEntry]:
    """Each target's current entry: the latest month's, the newest of that month, leaving out
    entries a later one corrects."""
    entries = list(session.scalars(select(TargetFigureEntry)))
    corrected = {e.corrects_id for e in entries if e.corrects_id is not None}
    latest: dict[int, TargetFigureEntry] = {}
    for entry in sorted(entries, key=lambda e: (e.month, e.id)):
        if entry.id not in corrected:
            latest[entry.target_id] = entry
    return latest


def enter_figure(
    session: Session,
    actor: Actor | None,
    target_id: int,
    *,
    month: dt.date,
    value: Decimal,
    source: str,
    evidence: str,
    note: str = "",
    corrects_id: int | None = None,
) -> TargetFigureEntry:
    """Enter a month's figure for a target the office reports (or correct an earlier entry with
    a new one). Raises NotFoundError, ValidationError (target_figure.* codes),
    PermissionDeniedError."""
    authorize(actor, "target.manage")
    target = get_target(session, actor, target_id)
    if target.figure_source is not FigureSource.OFFICE:
        raise ValidationError.for_field("value", "target_figure.computed")
    month = month.replace(day=1)
    check_not_future(month, "month")
    if not source.strip():
        raise ValidationError.for_field("source", "field.required")
    if not evidence.strip():
        raise ValidationError.for_field("evidence", "field.required")
    if corrects_id is not None:
        earlier = session.get(TargetFigureEntry, corrects_id)
        if earlier is None or earlier.target_id != target.id:
            raise ValidationError.for_field("corrects_id", "target_figure.unknown_entry")
        if session.scalar(
            select(TargetFigureEntry.id).where(TargetFigureEntry.corrects_id == corrects_id)
        ):
            raise ValidationError.for_field("corrects_id", "target_figure.already_corrected")
    entry = TargetFigureEntry(
        target_id=target.id,
        month=month,
        value=value,
        source=source.strip(),
        evidence=evidence.strip(),
        note=note.strip(),
        corrects_id=corrects_id,
        entered_by_id=actor.id if actor is not None else None,
    )
    session.add(entry)
    record_change(session, actor, "target_figure.create", entry)
    return entry


def list_entries(session: Session, actor: Actor | None, target_id: int) -> list[TargetFigureEntry]:
    """A target's entries, newest first. Raises NotFoundError."""
    target = get_target(session, actor, target_id)
    return list(
        session.scalars(
            select(TargetFigureEntry)
            .where(TargetFigureEntry.target_id == target.id)
            .order_by(TargetFigureEntry.month.desc(), TargetFigureEntry.id.desc())
        )
    )


# -- seeding the plan ----------------------------------------------------------------------------


def seed_plan(session: Session, plan_file: Path = PLAN_FILE) -> list[str]:
    """Add each target of the plan file that is missing, with its milestones; targets already
    there are left as the office keeps them. Returns the codes added (audited as the system)."""
    plan = json.loads(plan_file.read_text(encoding="utf-8"))["targets"]
    known = set(session.scalars(select(Target.code)))
    added = []
    for index, row in enumerate(plan):
        if row["code"] in known:
            continue
        target = Target(
            code=row["code"],
            label_zh=row["label_zh"],
            label_en=row["label_en"],
            target_value=Decimal(str(row["target_value"])),
            unit=row["unit"],
            metric=MetricKey(row["metric"]) if row["metric"] else None,
            sort_order=(index + 1) * 10,
            note=row["note"],
            area_zh=row["area_zh"],
            plan_text_zh=row["plan_text_zh"],
            comparison=Comparison(row["comparison"]),
            baseline_year=row["baseline_year"],
            figure_source=FigureSource(row["figure_source"]),
            is_in_plan=row["in_plan"],
            milestones=[
                TargetMilestone(
                    due_on=dt.date.fromisoformat(m["due_on"]),
                    share_pct=Decimal(str(m["share_pct"])) if "share_pct" in m else None,
                    value=Decimal(str(m["value"])) if "value" in m else None,
                    label_zh=m.get("label_zh", ""),
                    label_en=m.get("label_en", ""),
                )
                for m in row["milestones"]
            ],
        )
        session.add(target)
        record_change(session, None, "target.seed", target)
        added.append(row["code"])
    return added

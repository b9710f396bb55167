"""The plan's targets (editable data) and the progress of each, computed from the records."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.errors import ConflictError, NotFoundError, ValidationError, problem
from trace.models.targets import MetricKey, Target
from trace.policy import Actor, authorize
from trace.services import metrics
from trace.services.audit import record_change, snapshot


@dataclass(frozen=True)
class Progress:
    """A target beside its current value; `current` is None while the metric is not measured."""

    target: Target
    current: Decimal | None

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
        return self.current >= self.target.target_value

    @property
    def is_measured(self) -> bool:
        return self.current is not None


def _check(session: Session, data: dict[str, Any], target_id: int | None = None) -> None:
    clash = session.scalar(select(Target.id).where(Target.code == data["code"]))
    if clash is not None and clash != target_id:
        raise ConflictError("target.code_exists", {"code": ["target.code_exists"]})
    if Decimal(data["target_value"]) <= 0:
        raise ValidationError.for_field("target_value", "quantity.not_positive")


def create_target(session: Session, actor: Actor | None, **data: Any) -> Target:
    """Add a target. Raises ValidationError, ConflictError (code), PermissionDeniedError."""
    authorize(actor, "target.manage")
    _check(session, data)
    data["metric"] = MetricKey(data["metric"])
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
        changes["metric"] = MetricKey(changes["metric"])
    for key, value in changes.items():
        setattr(target, key, value)
    record_change(session, actor, "target.update", target, before)
    return target


def get_target(session: Session, actor: Actor | None, target_id: int) -> Target:
    authorize(actor, "record.read")
    target = session.get(Target, target_id)
    if target is None:
        raise NotFoundError(problem("target.not_found", id=target_id))
    return target


def all_targets(session: Session) -> list[Target]:
    return list(session.scalars(select(Target).order_by(Target.sort_order, Target.id)))


def list_targets(session: Session, actor: Actor | None) -> list[Target]:
    authorize(actor, "record.read")
    return all_targets(session)


def target_value_for(session: Session, metric: MetricKey) -> Decimal | None:
    """The value of the first target measured by `metric` (charts draw it as a line)."""
    return session.scalar(
        select(Target.target_value)
        .where(Target.metric == metric)
        .order_by(Target.sort_order, Target.id)
        .limit(1)
    )


def progress(session: Session) -> list[Progress]:
    """Every target with its current value. Public: programme figures are aggregates only."""
    targets = all_targets(session)
    values = metrics.compute(session, [t.metric for t in targets])
    return [Progress(t, values[t.metric]) for t in targets]

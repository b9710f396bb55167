"""Tamper evidence: recompute every lot's hash chain and name the first broken link in each.

An event's hash covers its content and its predecessor's hash (trace.services.events), so
changing a stored event breaks its own hash, and rewriting that hash too breaks the next event's
`prev_hash`. Deleting an event leaves a gap in the sequence. What a chain cannot show on its own
is the loss of its newest events; the CSV/EPCIS exports carry each event's hash so a copy kept by
a regulator pins them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.errors import NotFoundError
from trace.models.batches import Batch
from trace.models.events import TraceEvent
from trace.policy import Actor, authorize
from trace.services.events import GENESIS_HASH, event_digest


class Problem(enum.StrEnum):
    HASH_MISMATCH = "hash_mismatch"  # the content no longer matches its stored hash
    PREV_HASH_MISMATCH = "prev_hash_mismatch"  # does not point at the previous event's hash
    SEQUENCE_GAP = "sequence_gap"  # an event is missing (deleted) before this one


@dataclass(frozen=True)
class BrokenLink:
    batch_id: int
    lot: str
    sequence: int
    event_id: int
    problem: Problem
    expected: str
    found: str

    def describe(self) -> str:
        return (
            f"lot {self.lot}: event {self.event_id} (sequence {self.sequence}) "
            f"{self.problem.value}: expected {self.expected}, found {self.found}"
        )


@dataclass
class ChainReport:
    lots: int = 0
    events: int = 0
    broken: list[BrokenLink] = field(default_factory=list)

    @property
    def is_intact(self) -> bool:
        return not self.broken


_COLUMNS = (
    TraceEvent.id,
    TraceEvent.batch_id,
    TraceEvent.sequence,
    TraceEvent.event_type,
    TraceEvent.occurred_at,
    TraceEvent.recorded_at,
    TraceEvent.location,
    TraceEvent.actor_id,
    TraceEvent.details,
    TraceEvent.corrects_event_id,
    TraceEvent.prev_hash,
    TraceEvent.hash,
)


def _stored_events(
    session: Session, batch_ids: Iterable[int] | None
) -> Iterator[tuple[TraceEvent, str]]:
    """Events as stored (plain rows, never the session's cached objects), chain by chain."""
    query = (
        select(*_COLUMNS, Batch.lot)
        .join(Batch, Batch.id == TraceEvent.batch_id)
        .order_by(TraceEvent.batch_id, TraceEvent.sequence)
        .execution_options(yield_per=2000)
    )
    if batch_ids is not None:
        query = query.where(TraceEvent.batch_id.in_(list(batch_ids)))
    for row in session.execute(query):
        values = row._asdict()
        lot = values.pop("lot")
        yield TraceEvent(**values), lot


def verify_chains(session: Session, batch_ids: Iterable[int] | None = None) -> ChainReport:
    """Check every chain (or those of `batch_ids`); one broken link reported per lot, the first."""
    report = ChainReport()
    current: int | None = None
    previous_hash = GENESIS_HASH
    expected_sequence = 1
    is_broken = False
    for event, lot in _stored_events(session, batch_ids):
        report.events += 1
        if event.batch_id != current:
            current, previous_hash, expected_sequence, is_broken = (
                event.batch_id,
                GENESIS_HASH,
                1,
                False,
            )
            report.lots += 1
        if is_broken:
            continue
        problem = _first_problem(event, lot, previous_hash, expected_sequence)
        if problem is not None:
            report.broken.append(problem)
            is_broken = True
        previous_hash = event.hash
        expected_sequence = event.sequence + 1
    return report


def _first_problem(
    event: TraceEvent, lot: str, previous_hash: str, expected_sequence: int
) -> BrokenLink | None:
    def broken(problem: Problem, expected: str, found: str) -> BrokenLink:
        return BrokenLink(event.batch_id, lot, event.sequence, event.id, problem, expected, found)

    if event.sequence != expected_sequence:
        return broken(Problem.SEQUENCE_GAP, str(expected_sequence), str(event.sequence))
    if event.prev_hash != previous_hash:
        return broken(Problem.PREV_HASH_MISMATCH, previous_hash, event.prev_hash)
    digest = event_digest(event, lot)
    if digest != event.hash:
        return broken(Problem.HASH_MISMATCH, digest, event.hash)
    return None


@dataclass(frozen=True)
class LotVerification:
    batch: Batch
    events: int
    broken: BrokenLink | None

    @property
    def is_intact(self) -> bool:
        return self.broken is None


def verify_lot(session: Session, actor: Actor | None, batch_id: int) -> LotVerification:
    """Check one lot's chain (regulators). Raises NotFoundError, PermissionDeniedError."""
    authorize(actor, "audit.read")
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError(f"no batch {batch_id}")
    report = verify_chains(session, [batch_id])
    return LotVerification(batch, report.events, report.broken[0] if report.broken else None)

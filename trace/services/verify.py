"""Tamper evidence: recompute every lot's hash chain and name the first broken link in each.

An event's hash covers its content and its predecessor's hash (trace.services.events), so
changing a stored event breaks its own hash, and rewriting that hash too breaks the next event's
`prev_hash`. Deleting an event leaves a gap in the sequence. Each batch row also keeps its
chain's length and newest hash (written with every event), so an edit made through the events
table alone is caught when it:
- deletes the newest events of a lot (fewer events than counted: `missing_newest`);
- deletes every event of a lot (`no_events`);
- deletes a middle event and renumbers and re-hashes the rest (`missing_newest`, and the newest
  hash is no longer the recorded one: `head_mismatch`).
What plain verify cannot see: someone who rewrites the batch row's counters as well, or deletes
the batch row itself with its events. Only a copy kept elsewhere catches that: the signed
checkpoints (trace.services.checkpoints) and `verify --against`.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, select, type_coerce
from sqlalchemy.orm import Session

from trace.errors import NotFoundError, problem
from trace.models.batches import GENESIS_HASH, Batch
from trace.models.events import TraceEvent
from trace.policy import Actor, authorize
from trace.services.events import digest_of


class Problem(enum.StrEnum):
    HASH_MISMATCH = "hash_mismatch"  # the content no longer matches its stored hash
    PREV_HASH_MISMATCH = "prev_hash_mismatch"  # does not point at the previous event's hash
    SEQUENCE_GAP = "sequence_gap"  # an event is missing (deleted) before this one
    MISSING_NEWEST = "missing_newest"  # fewer events than the lot recorded: the newest are gone
    NO_EVENTS = "no_events"  # the lot recorded events and none remain
    HEAD_MISMATCH = "head_mismatch"  # the newest event is not the one the lot recorded
    UNRECORDED_EVENTS = "unrecorded_events"  # more events than the lot recorded: slipped in


@dataclass(frozen=True)
class BrokenLink:
    batch_id: int
    lot: str
    sequence: int  # the event's place in the chain (for lot-wide problems: the recorded count)
    event_id: int | None  # None when the problem is the lot's, not one event's
    problem: Problem
    expected: str
    found: str

    def describe(self) -> str:
        where = f"event {self.event_id} (sequence {self.sequence})" if self.event_id else "chain"
        return (
            f"lot {self.lot}: {where} {self.problem.value}: "
            f"expected {self.expected}, found {self.found}"
        )


@dataclass(frozen=True)
class LotHead:
    """A lot's chain as found: what a checkpoint leaf records."""

    batch_id: int
    lot: str
    count: int
    head: str


@dataclass
class ChainReport:
    lots: int = 0
    events: int = 0
    broken: list[BrokenLink] = field(default_factory=list)
    heads: dict[str, LotHead] = field(default_factory=dict)  # by lot
    # The stored hash at (lot, sequence) for each place a caller asked about (checkpoint heads).
    hashes_at: dict[tuple[str, int], str] = field(default_factory=dict)

    @property
    def is_intact(self) -> bool:
        return not self.broken


_COLUMNS = (
    TraceEvent.id,
    TraceEvent.batch_id,
    TraceEvent.sequence,
    # The stored text as it is: building an enum member per row costs more than the check.
    type_coerce(TraceEvent.event_type, String).label("event_type"),
    TraceEvent.occurred_at,
    TraceEvent.recorded_at,
    TraceEvent.location,
    TraceEvent.actor_id,
    TraceEvent.details,
    TraceEvent.corrects_event_id,
    TraceEvent.prev_hash,
    TraceEvent.hash,
)


class _Chain:
    """One lot's walk: where it stands, and whether it already broke."""

    __slots__ = ("batch_id", "count", "expected", "head", "is_broken", "lot", "previous")

    def __init__(self, batch_id: int, lot: str) -> None:
        self.batch_id, self.lot = batch_id, lot
        self.count, self.head, self.previous = 0, GENESIS_HASH, GENESIS_HASH
        self.expected, self.is_broken = 1, False


def verify_chains(
    session: Session,
    batch_ids: Iterable[int] | None = None,
    wanted: Iterable[tuple[str, int]] = (),
) -> ChainReport:
    """Check every chain (or those of `batch_ids`) and each lot's recorded length and head;
    one broken link reported per lot, the first. `wanted` (lot, sequence) places have their
    stored hashes collected into `hashes_at`."""
    ids = None if batch_ids is None else list(batch_ids)
    lots = select(Batch.id, Batch.lot, Batch.event_count, Batch.last_event_hash)
    if ids is not None:
        lots = lots.where(Batch.id.in_(ids))
    recorded = {row.id: row for row in session.execute(lots)}
    want = set(wanted)
    report = ChainReport()
    events = select(*_COLUMNS).order_by(TraceEvent.batch_id, TraceEvent.sequence)
    if ids is not None:
        events = events.where(TraceEvent.batch_id.in_(ids))
    chain: _Chain | None = None
    broken = report.broken
    for (
        event_id,
        batch_id,
        sequence,
        event_type,
        occurred_at,
        recorded_at,
        location,
        actor_id,
        details,
        corrects_event_id,
        prev_hash,
        stored_hash,
    ) in session.connection().execute(events.execution_options(yield_per=5000)):
        if chain is None or batch_id != chain.batch_id:
            if chain is not None:
                _close(chain, recorded, report)
            batch = recorded.get(batch_id)
            chain = _Chain(batch_id, batch.lot if batch is not None else f"#{batch_id}")
        report.events += 1
        chain.count += 1
        chain.head = stored_hash
        if want and (chain.lot, sequence) in want:
            report.hashes_at[(chain.lot, sequence)] = stored_hash
        if chain.is_broken:
            continue
        problem: tuple[Problem, str, str] | None = None
        if sequence != chain.expected:
            problem = (Problem.SEQUENCE_GAP, str(chain.expected), str(sequence))
        elif prev_hash != chain.previous:
            problem = (Problem.PREV_HASH_MISMATCH, chain.previous, prev_hash)
        else:
            digest = digest_of(
                chain.lot,
                sequence,
                event_type,
                occurred_at,
                recorded_at,
                location,
                actor_id,
                details,
                corrects_event_id,
                prev_hash,
            )
            if digest != stored_hash:
                problem = (Problem.HASH_MISMATCH, digest, stored_hash)
        if problem is not None:
            broken.append(BrokenLink(batch_id, chain.lot, sequence, event_id, *problem))
            chain.is_broken = True
        chain.previous = stored_hash
        chain.expected = sequence + 1
    if chain is not None:
        _close(chain, recorded, report)
    for batch_id, batch in recorded.items():
        if batch.lot in report.heads:
            continue
        report.lots += 1
        report.heads[batch.lot] = LotHead(batch_id, batch.lot, 0, GENESIS_HASH)
        if batch.event_count:
            broken.append(
                BrokenLink(
                    batch_id,
                    batch.lot,
                    batch.event_count,
                    None,
                    Problem.NO_EVENTS,
                    str(batch.event_count),
                    "0",
                )
            )
    return report


def _close(chain: _Chain, recorded: dict[int, Any], report: ChainReport) -> None:
    """A lot's walk ended: compare what was found with what its batch row recorded."""
    report.lots += 1
    report.heads[chain.lot] = LotHead(chain.batch_id, chain.lot, chain.count, chain.head)
    batch = recorded.get(chain.batch_id)
    if chain.is_broken or batch is None:
        return

    def lot_problem(problem: Problem, expected: str, found: str) -> BrokenLink:
        return BrokenLink(
            chain.batch_id, chain.lot, batch.event_count, None, problem, expected, found
        )

    if chain.count < batch.event_count:
        report.broken.append(
            lot_problem(Problem.MISSING_NEWEST, str(batch.event_count), str(chain.count))
        )
    elif chain.count > batch.event_count:
        report.broken.append(
            lot_problem(Problem.UNRECORDED_EVENTS, str(batch.event_count), str(chain.count))
        )
    elif chain.head != batch.last_event_hash:
        report.broken.append(lot_problem(Problem.HEAD_MISMATCH, batch.last_event_hash, chain.head))


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
        raise NotFoundError(problem("batch.not_found", id=batch_id))
    report = verify_chains(session, [batch_id])
    return LotVerification(batch, report.events, report.broken[0] if report.broken else None)

"""Lot genealogy: operations (split, merge, transform) that turn parent lots into child lots."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Numeric, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace.db import Base, StrEnumType, UTCDateTime, utcnow
from trace.models.batches import Batch, Unit
from trace.models.events import _refuse_change


class OperationKind(enum.StrEnum):
    SPLIT = "split"  # one lot graded or divided into several lots (特级, Ⅰ级 ...)
    MERGE = "merge"  # several lots consolidated into one
    TRANSFORM = "transform"  # a new product: in-shell walnuts into kernels, honey into bottles


class LineRole(enum.StrEnum):
    INPUT = "input"  # a parent lot and the quantity taken from it
    OUTPUT = "output"  # a child lot and the quantity made


class LotOperation(Base):
    """One split, merge or transform; append-only (a mistake is corrected by a new operation)."""

    __tablename__ = "lot_operations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OperationKind] = mapped_column(StrEnumType(OperationKind, 12))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    location: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str] = mapped_column(String(50), default="")  # work order, grading sheet
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    lines: Mapped[list[LotOperationLine]] = relationship(
        lazy="selectin", order_by="LotOperationLine.id"
    )


class LotOperationLine(Base):
    """A lot taken into (input) or made by (output) an operation, with its quantity and unit.

    `kg_per_unit` is the declared factor that lets a count (bottles, boxes) be compared with a
    mass; without it mass and count units are never mixed.
    """

    __tablename__ = "lot_operation_lines"
    __table_args__ = (
        UniqueConstraint("operation_id", "batch_id"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("kg_per_unit IS NULL OR kg_per_unit > 0", name="factor_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("lot_operations.id"), index=True)
    role: Mapped[LineRole] = mapped_column(StrEnumType(LineRole, 8))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    quantity: Mapped[Decimal] = mapped_column(Numeric(14, 3))
    unit: Mapped[Unit] = mapped_column(StrEnumType(Unit, 10))
    kg_per_unit: Mapped[Decimal | None] = mapped_column(Numeric(12, 6))

    batch: Mapped[Batch] = relationship(lazy="joined")


class LotLink(Base):
    """An edge of the lot graph, parent -> child, through one operation.

    Denormalised from the operation's lines (every input to every output) so a recursive query
    walks one indexed table in either direction.
    """

    __tablename__ = "lot_links"
    __table_args__ = (
        UniqueConstraint("parent_batch_id", "child_batch_id", "operation_id"),
        CheckConstraint("parent_batch_id <> child_batch_id", name="not_self"),
        Index("ix_lot_links_child_batch_id_parent_batch_id", "child_batch_id", "parent_batch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    child_batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"))
    operation_id: Mapped[int] = mapped_column(ForeignKey("lot_operations.id"), index=True)


for _model in (LotOperation, LotOperationLine, LotLink):
    event.listen(_model, "before_update", _refuse_change)
    event.listen(_model, "before_delete", _refuse_change)

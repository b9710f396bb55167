"""Tracing lots through the genealogy graph: upstream to farms, downstream to packs and shipments.

The walk is one recursive query (`WITH RECURSIVE`) that runs on SQLite and PostgreSQL. It uses
UNION, not UNION ALL, over (lot, depth), and stops at `max_depth`: a cycle (which the services
never write, but bulk-loaded data could hold) revisits at most `max_depth` levels and ends, and a
diamond (two grade lots merged again) is walked once per depth, never once per path.
Large results are counted in the database and listed a page at a time: a lot with 100,000 pack
codes answers with the number and a paginated listing, never 100,000 rows at once.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    CompoundSelect,
    Integer,
    and_,
    distinct,
    exists,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from trace.errors import NotFoundError, problem
from trace.models.batches import Batch
from trace.models.events import TraceEvent
from trace.models.genealogy import LotLink, LotOperation, OperationKind
from trace.models.labels import LabelRun, PackCode
from trace.models.logistics import Shipment, ShipmentLine
from trace.models.producers import Producer
from trace.models.products import Product
from trace.policy import Actor, authorize
from trace.services.pages import MAX_PER_PAGE, Page, paginate

MAX_DEPTH = 64  # far beyond any real chain (harvest -> grade -> kernel -> pack is 3 or 4)
UPSTREAM_LIMIT = 2000  # ancestors listed inline; a merge of more lots than this is truncated


class Direction(enum.StrEnum):
    UP = "up"  # towards the source lots and farms
    DOWN = "down"  # towards derived lots, packs and shipments


def walk(batch_id: int, direction: Direction, max_depth: int = MAX_DEPTH) -> CTE:
    """The recursive CTE of (batch_id, depth) reached from `batch_id`, the lot itself at 0."""
    links = LotLink.__table__
    if direction is Direction.DOWN:
        source, target = links.c.parent_batch_id, links.c.child_batch_id
    else:
        source, target = links.c.child_batch_id, links.c.parent_batch_id
    seed = (
        select(Batch.id.label("batch_id"), literal_column("0", Integer).label("depth"))
        .where(Batch.id == batch_id)
        .cte(f"walk_{direction.value}", recursive=True)
    )
    step = (
        select(target.label("batch_id"), (seed.c.depth + 1).label("depth"))
        .select_from(links.join(seed, source == seed.c.batch_id))
        .where(seed.c.depth < max_depth)
    )
    return seed.union(step)


def reached(batch_id: int, direction: Direction, max_depth: int = MAX_DEPTH) -> CTE:
    """Each lot reached once, at its shortest depth."""
    return _shortest(walk(batch_id, direction, max_depth), direction)


def _shortest(steps: CTE, direction: Direction) -> CTE:
    # In id order: the joins that follow probe their indexes in order, not at random, which
    # keeps a 100,000-lot trace cache-friendly (PostgreSQL keeps a materialised CTE's order).
    return (
        select(steps.c.batch_id, func.min(steps.c.depth).label("depth"))
        .group_by(steps.c.batch_id)
        .order_by(steps.c.batch_id)
        .cte(f"reached_{direction.value}")
    )


def deepest_step(session: Session, batch_id: int, direction: Direction, max_depth: int) -> int:
    """The deepest level the walk went to: `max_depth` means it was cut off (a cycle, or a
    chain longer than any real one)."""
    steps = walk(batch_id, direction, max_depth)
    return int(session.scalar(select(func.max(steps.c.depth))) or 0)


def lineage_ids(session: Session, batch_id: int, direction: Direction) -> dict[int, int]:
    """{batch_id: depth} of the lot and every lot up- or downstream of it."""
    found = reached(batch_id, direction)
    return {row.batch_id: row.depth for row in session.execute(select(found))}


def lineage_lots(session: Session, batch: Batch) -> dict[int, str]:
    """{batch_id: lot} of the lot and its ancestors: whose events make up the lot's history."""
    found = reached(batch.id, Direction.UP)
    query = select(Batch.id, Batch.lot).join(found, found.c.batch_id == Batch.id)
    return {row.id: row.lot for row in session.execute(query)}


def history_filter(session: Session, batch: Batch, lots: dict[int, str]) -> ColumnElement[bool]:
    """Which events make up the lot's history, given `lots` from lineage_lots: all of its own,
    and each ancestor's up to the operation that led towards this lot (what happened to the
    rest of a parent lot afterwards, say its shipping, is no part of this lot's story)."""
    ancestors = [lot_id for lot_id in lots if lot_id != batch.id]
    if not ancestors:
        return TraceEvent.batch_id == batch.id
    cutoffs = session.execute(
        select(LotLink.parent_batch_id, func.max(LotOperation.occurred_at))
        .join(LotOperation, LotOperation.id == LotLink.operation_id)
        .where(LotLink.parent_batch_id.in_(ancestors), LotLink.child_batch_id.in_(list(lots)))
        .group_by(LotLink.parent_batch_id)
    )
    return or_(
        TraceEvent.batch_id == batch.id,
        *(
            and_(TraceEvent.batch_id == parent, TraceEvent.occurred_at <= cutoff)
            for parent, cutoff in cutoffs
        ),
    )


def related_ids_query(batch_id: int) -> CompoundSelect[Any]:
    """Ids of the lot, its ancestors and its descendants (a lot's whole genealogy)."""
    up, down = reached(batch_id, Direction.UP), reached(batch_id, Direction.DOWN)
    return select(up.c.batch_id).union(select(down.c.batch_id))


def _require(session: Session, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None:
        raise NotFoundError(problem("batch.not_found", id=batch_id))
    return batch


# Downstream -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TracedLot:
    batch: Batch
    depth: int


@dataclass(frozen=True)
class DownstreamCounts:
    lots: int  # derived lots, the traced lot not counted
    pack_codes: int  # of the traced lot and every derived lot
    label_runs: int
    shipments: int
    depth: int  # the deepest level reached
    is_truncated: bool  # the depth limit was reached: a cycle or an unusually deep chain


@dataclass(frozen=True)
class Downstream:
    root: Batch
    counts: DownstreamCounts
    lots: Page[TracedLot]


def _stats(steps: CTE, found: CTE) -> list[Any]:
    """One-row aggregates over the walk, to cross-join beside whatever else is selected.

    Each table is read once, joined to the walk (each lot appears once in it, so a join needs
    no de-duplication that IN would add): label runs give both their number and, summed, the
    number of pack codes (a run issues exactly `count` codes and codes are never deleted), one
    index entry per run instead of one per pack; then shipments."""
    lots = (
        select(func.count().label("lots"))
        .select_from(found)
        .where(found.c.depth > 0)
        .subquery("lot_stats")
    )
    runs = (
        select(
            func.coalesce(func.sum(LabelRun.count), 0).label("pack_codes"),
            func.count().label("label_runs"),
        )
        .select_from(found)
        .join(LabelRun, LabelRun.batch_id == found.c.batch_id)
        .subquery("run_stats")
    )
    shipments = (
        select(func.count(distinct(ShipmentLine.shipment_id)).label("shipments"))
        .select_from(found)
        .join(ShipmentLine, ShipmentLine.batch_id == found.c.batch_id)
        .subquery("shipment_stats")
    )
    depth = select(func.max(steps.c.depth).label("depth")).subquery("depth_stats")
    return [lots, runs, shipments, depth]


_STAT_COLUMNS = ("lots", "pack_codes", "label_runs", "shipments", "depth")


def _stat_columns(stats: list[Any]) -> list[Any]:
    columns = {column.key: column for sub in stats for column in sub.c}
    return [columns[name] for name in _STAT_COLUMNS]


def _with_stats(query: Any, stats: list[Any]) -> Any:
    for sub in stats:
        query = query.join(sub, true())
    return query


def _counts(values: Sequence[Any], max_depth: int) -> DownstreamCounts:
    lots, codes, runs, shipments, depth = (int(v or 0) for v in values)
    return DownstreamCounts(
        lots=lots,
        pack_codes=codes,
        label_runs=runs,
        shipments=shipments,
        depth=depth,
        is_truncated=depth >= max_depth,
    )


def downstream_counts(
    session: Session, batch_id: int, max_depth: int = MAX_DEPTH
) -> DownstreamCounts:
    """Every count in one statement, so the recursive walk runs once."""
    steps = walk(batch_id, Direction.DOWN, max_depth)
    found = _shortest(steps, Direction.DOWN)
    stats = _stats(steps, found)
    query = select(*_stat_columns(stats)).select_from(stats[0])
    for sub in stats[1:]:
        query = query.join(sub, true())
    return _counts(session.execute(query).one(), max_depth)


def _page_args(page: int, per_page: int) -> tuple[int, int]:
    return max(1, page), min(max(1, per_page), MAX_PER_PAGE)


def trace_downstream(
    session: Session,
    actor: Actor | None,
    batch_id: int,
    page: int = 1,
    per_page: int = 50,
    max_depth: int = MAX_DEPTH,
) -> Downstream:
    """Every lot made from this one: the counts of lots, pack codes, label runs and shipments,
    and a page of the lots, nearest first (one statement, whatever the size).

    The codes, runs and shipments themselves are listed a page at a time by
    downstream_pack_codes, downstream_label_runs and downstream_shipments.
    Raises NotFoundError, PermissionDeniedError."""
    authorize(actor, "record.read")
    root = _require(session, batch_id)
    page, per_page = _page_args(page, per_page)
    steps = walk(batch_id, Direction.DOWN, max_depth)
    found = _shortest(steps, Direction.DOWN)
    # One statement: the page of lots with the counts beside each row, so the walk runs once.
    # The page is cut from the walk by (depth, id) before any lot row is read: 50 rows joined,
    # not 10,000.
    page_ids = (
        select(found.c.batch_id, found.c.depth)
        .where(found.c.depth > 0)
        .order_by(found.c.depth, found.c.batch_id)
        .limit(per_page)
        .offset((page - 1) * per_page)
        .subquery("page_ids")
    )
    stats = _stats(steps, found)
    rows = (
        session.execute(
            _with_stats(
                select(Batch, page_ids.c.depth, *_stat_columns(stats)).join(
                    page_ids, page_ids.c.batch_id == Batch.id
                ),
                stats,
            ).order_by(page_ids.c.depth, Batch.id)
        )
        .unique()
        .all()
    )
    if rows:
        counts = _counts(tuple(rows[0])[2:], max_depth)
    else:  # no lot on this page (none at all, or past the last page): the counts alone
        counts = downstream_counts(session, batch_id, max_depth)
    lots = [TracedLot(row[0], row[1]) for row in rows]
    return Downstream(
        root=root,
        counts=counts,
        lots=Page(items=lots, page=page, per_page=per_page, total=counts.lots),
    )


def downstream_label_runs(
    session: Session, actor: Actor | None, batch_id: int, page: int = 1, per_page: int = 50
) -> Page[LabelRun]:
    """Label runs of the lot and every lot made from it, oldest first."""
    authorize(actor, "record.read")
    _require(session, batch_id)
    page, per_page = _page_args(page, per_page)
    ids = select(reached(batch_id, Direction.DOWN).c.batch_id)
    query = select(LabelRun).where(LabelRun.batch_id.in_(ids)).order_by(LabelRun.id)
    return paginate(session, query, page, per_page)


def downstream_shipments(
    session: Session, actor: Actor | None, batch_id: int, page: int = 1, per_page: int = 50
) -> Page[Shipment]:
    """Shipments that carried the lot or any lot made from it, oldest first."""
    authorize(actor, "record.read")
    _require(session, batch_id)
    page, per_page = _page_args(page, per_page)
    ids = select(reached(batch_id, Direction.DOWN).c.batch_id)
    carried = select(ShipmentLine.shipment_id).where(ShipmentLine.batch_id.in_(ids))
    query = select(Shipment).where(Shipment.id.in_(carried)).order_by(Shipment.id)
    return paginate(session, query, page, per_page)


@dataclass(frozen=True)
class TracedCode:
    serial: str
    lot: str
    gtin: str
    sequence: int
    status: str
    public_scan_count: int
    first_scanned_at: dt.datetime | None


def downstream_pack_codes(
    session: Session, actor: Actor | None, batch_id: int, page: int = 1, per_page: int = 100
) -> Page[TracedCode]:
    """The pack codes of the lot and every lot made from it, a page at a time."""
    authorize(actor, "record.read")
    _require(session, batch_id)
    page, per_page = _page_args(page, per_page)
    found = reached(batch_id, Direction.DOWN)
    ids = select(found.c.batch_id)
    # The total from the label runs' sizes (see _stats), beside each row so the walk runs once;
    # the page in index order (lot id, then printed number): the database stops at the page.
    total_query = select(func.coalesce(func.sum(LabelRun.count), 0)).where(
        LabelRun.batch_id.in_(ids)
    )
    query = (
        select(
            total_query.scalar_subquery().label("total"),
            PackCode.serial,
            Batch.lot,
            Product.gtin,
            PackCode.sequence,
            PackCode.status,
            PackCode.public_scan_count,
            PackCode.first_scanned_at,
        )
        .join(Batch, Batch.id == PackCode.batch_id)
        .join(Product, Product.id == Batch.product_id)
        .where(PackCode.batch_id.in_(ids))
        .order_by(PackCode.batch_id, PackCode.sequence)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = session.execute(query).all()
    total = rows[0].total if rows else session.scalar(total_query)
    items = [
        TracedCode(
            serial=row.serial,
            lot=row.lot,
            gtin=row.gtin,
            sequence=row.sequence,
            status=getattr(row.status, "value", row.status),
            public_scan_count=row.public_scan_count,
            first_scanned_at=row.first_scanned_at,
        )
        for row in rows
    ]
    return Page(items=items, page=page, per_page=per_page, total=int(total or 0))


# Upstream ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Farm:
    """Where a source lot was harvested."""

    lot: str
    producer: str
    township_code: str
    village: str
    plot: str
    latitude: Decimal | None
    longitude: Decimal | None
    altitude_m: int | None
    harvested_on: dt.date


@dataclass(frozen=True)
class Upstream:
    root: Batch
    lots: list[TracedLot]  # the lot's ancestors, nearest first
    sources: list[Batch]  # ancestors (or the lot itself) made from no other lot: the harvests
    producers: list[Producer]
    farms: list[Farm] = field(default_factory=list)
    is_truncated: bool = False


def trace_upstream(
    session: Session, actor: Actor | None, batch_id: int, max_depth: int = MAX_DEPTH
) -> Upstream:
    """Every lot this one was made from, back to the harvests, their producers and farms.

    Raises NotFoundError, PermissionDeniedError."""
    authorize(actor, "record.read")
    root = _require(session, batch_id)
    found = reached(batch_id, Direction.UP, max_depth)
    has_parent = exists().where(LotLink.child_batch_id == Batch.id)
    rows = session.execute(
        select(Batch, found.c.depth, ~has_parent)
        .join(found, found.c.batch_id == Batch.id)
        .order_by(found.c.depth, Batch.lot)
        .limit(UPSTREAM_LIMIT + 1)
    ).unique()
    lots: list[TracedLot] = []
    sources: list[Batch] = []
    deepest = 0
    for batch, depth, is_source in rows:
        deepest = max(deepest, depth)
        if depth > 0:
            lots.append(TracedLot(batch, depth))
        if is_source:
            sources.append(batch)
    truncated = len(lots) > UPSTREAM_LIMIT
    if deepest > 0 or len(lots) > 0:  # a lot with parents: was the walk cut off?
        truncated = (
            truncated or deepest_step(session, batch_id, Direction.UP, max_depth) >= max_depth
        )
    lots = lots[:UPSTREAM_LIMIT]
    producers: dict[int, Producer] = {}
    for source in sources:
        producers.setdefault(source.producer_id, source.producer)
    farms = [
        Farm(
            lot=s.lot,
            producer=s.producer.name,
            township_code=s.township_code,
            village=s.village,
            plot=s.plot,
            latitude=s.latitude,
            longitude=s.longitude,
            altitude_m=s.altitude_m,
            harvested_on=s.harvested_on,
        )
        for s in sources
    ]
    return Upstream(
        root=root,
        lots=lots,
        sources=sources,
        producers=list(producers.values()),
        farms=farms,
        is_truncated=truncated,
    )


# A readable tree, for the regulator's page ------------------------------------------------------


@dataclass
class TreeNode:
    batch_id: int
    lot: str
    product: str
    status: str
    quantity: Decimal
    unit: str
    operation: OperationKind | None = None  # how this node came from (or went into) its parent
    children: list[TreeNode] = field(default_factory=list)
    is_repeat: bool = False  # shown already elsewhere in the tree (a merge): not expanded again


@dataclass(frozen=True)
class Tree:
    root: TreeNode
    nodes: int  # lots in the graph, the root included
    shown: int
    is_truncated: bool


def lineage_tree(
    session: Session,
    actor: Actor | None,
    batch_id: int,
    direction: Direction,
    max_nodes: int = 200,
) -> Tree:
    """The lot's ancestors or descendants as nested nodes, at most `max_nodes` lots of them."""
    authorize(actor, "record.read")
    _require(session, batch_id)
    found = reached(batch_id, direction)
    total = session.scalar(select(func.count()).select_from(found)) or 0
    rows = session.execute(
        select(
            Batch.id,
            Batch.lot,
            Product.name,
            Batch.status,
            Batch.quantity,
            Batch.unit,
        )
        .join(found, found.c.batch_id == Batch.id)
        .join(Product, Product.id == Batch.product_id)
        .order_by(found.c.depth, Batch.lot)
        .limit(max_nodes)
    ).all()
    info = {row.id: row for row in rows}
    parent_col, child_col = (
        (LotLink.parent_batch_id, LotLink.child_batch_id)
        if direction is Direction.DOWN
        else (LotLink.child_batch_id, LotLink.parent_batch_id)
    )
    edges: dict[int, list[tuple[int, OperationKind]]] = {}
    edge_rows = session.execute(
        select(parent_col, child_col, LotOperation.kind)
        .join(LotOperation, LotOperation.id == LotLink.operation_id)
        .where(parent_col.in_(list(info)), child_col.in_(list(info)))
        .order_by(LotLink.id)
    )
    for source, target, kind in edge_rows:
        edges.setdefault(source, []).append((target, kind))

    expanded: set[int] = set()

    def build(node_id: int, operation: OperationKind | None, path: frozenset[int]) -> TreeNode:
        row = info[node_id]
        node = TreeNode(
            batch_id=row.id,
            lot=row.lot,
            product=row.name,
            status=getattr(row.status, "value", row.status),
            quantity=row.quantity,
            unit=getattr(row.unit, "value", row.unit),
            operation=operation,
        )
        if node_id in expanded:
            node.is_repeat = True
            return node
        expanded.add(node_id)
        for target, kind in edges.get(node_id, []):
            if target not in path:  # a cycle in bad data is shown once, never followed round
                node.children.append(build(target, kind, path | {target}))
        return node

    root = build(batch_id, None, frozenset({batch_id}))
    return Tree(root=root, nodes=total, shown=len(info), is_truncated=total > len(info))

"""Demo genealogy: a walnut lot graded into grade lots, kernels cracked from one of them, a merge
for an order, honey bottled, and a level-2 recall of the kernels to show the regulator's view.

Every reason, order and note is invented and says 示例.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from trace.clock import local_datetime
from trace.demo.core import CoreDemo
from trace.models.batches import Batch
from trace.models.genealogy import LineRole, LotOperation
from trace.models.products import ProductCategory
from trace.models.recalls import Recall
from trace.models.users import Role
from trace.services.genealogy import record_operation
from trace.services.recalls import open_recall, record_action


@dataclass
class GenealogyDemo:
    operations: list[LotOperation] = field(default_factory=list)
    recall: Recall | None = None


def _at(day: dt.date, hour: int) -> dt.datetime:
    return local_datetime(day, dt.time(hour))


def _outputs(operation: LotOperation) -> list[Batch]:
    return [line.batch for line in operation.lines if line.role is LineRole.OUTPUT]


def load_genealogy(session: Session, core: CoreDemo) -> GenealogyDemo:
    """Splits, a merge and transforms on the core lots; loaded before labels are issued."""
    qc = core.users[Role.QC]
    regulator = core.users[Role.REGULATOR]
    demo = GenealogyDemo()
    walnuts = [b for b in core.batches if b.product.category is ProductCategory.WALNUT_IN_SHELL]
    family_lot, company_lot = walnuts[3], walnuts[4]
    honey_lot = next(b for b in core.batches if b.product.category is ProductCategory.HONEY)
    graded_on = family_lot.harvested_on + dt.timedelta(days=7)

    # 1. Grading at the QC centre: 1260 kg into three grade lots (10 kg of samples and waste).
    split = record_operation(
        session,
        qc,
        "split",
        _at(graded_on, 10),
        inputs=[{"batch_id": family_lot.id, "quantity": Decimal("1260")}],
        outputs=[
            {"quantity": Decimal("500"), "unit": "kg", "grade": "特级"},
            {"quantity": Decimal("450"), "unit": "kg", "grade": "一级"},
            {"quantity": Decimal("300"), "unit": "kg", "grade": "二级"},
        ],
        location="县质检中心分级车间",
        reference="FJ-示例-001",
        note="示例：按 GB/T 20398 分级",
    )
    top, first, second = _outputs(split)
    demo.operations.append(split)

    # 2. Cracking: the 二级 lot into kernels at the company's workshop (about 45 % kernel ratio).
    kernels = record_operation(
        session,
        qc,
        "transform",
        _at(graded_on + dt.timedelta(days=5), 9),
        inputs=[{"batch_id": second.id, "quantity": Decimal("300")}],
        outputs=[
            {
                "quantity": Decimal("132.5"),
                "unit": "kg",
                "product_id": core.products["kernel"].id,
                "producer_id": core.producers["company"].id,
                "township_code": company_lot.township_code,
                "grade": "头路",
            }
        ],
        location="大姚核桃食品有限公司（示例）破壳车间",
        reference="JG-示例-014",
    )
    demo.operations.append(kernels)

    # 3. An export order: the 一级 lot merged with part of the company's own harvest.
    merge = record_operation(
        session,
        qc,
        "merge",
        _at(company_lot.harvested_on + dt.timedelta(days=3), 15),
        inputs=[
            {"batch_id": first.id, "quantity": Decimal("450")},
            {"batch_id": company_lot.id, "quantity": Decimal("1000")},
        ],
        outputs=[
            {
                "quantity": Decimal("1450"),
                "unit": "kg",
                "grade": "一级",
                "producer_id": core.producers["company"].id,
                "township_code": company_lot.township_code,
            }
        ],
        location="县公共仓储中心",
        reference="DD-示例-2025-07",
        note="示例：合并发往昆明的订单",
    )
    demo.operations.append(merge)

    # 4. Bottling: 620 kg of honey into 1,200 bottles of 500 g (20 kg left on the drums' walls).
    bottling = record_operation(
        session,
        qc,
        "transform",
        _at(honey_lot.harvested_on + dt.timedelta(days=7), 10),
        inputs=[{"batch_id": honey_lot.id, "quantity": Decimal("620")}],
        outputs=[{"quantity": Decimal("1200"), "unit": "bottle", "kg_per_unit": Decimal("0.5")}],
        location="昙华山蜂蜜专业合作社（示例）灌装间",
        reference="GZ-示例-003",
    )
    demo.operations.append(bottling)
    del top  # the 特级 lot stays as graded: it shows a split child without further processing

    # 5. A recall of the kernels (the regulator's act), with a first recovery by QC.
    kernel_lot = _outputs(kernels)[0]
    demo.recall = open_recall(
        session,
        regulator,
        kernel_lot.id,
        level=2,
        reason="示例：监督抽检酸价超标",
        instructions="示例：立即停止销售，经销商将库存退回大姚核桃食品有限公司，消费者可凭包装退款。",
    )
    record_action(
        session,
        qc,
        demo.recall.id,
        "recovered",
        batch_id=kernel_lot.id,
        quantity=Decimal("40"),
        unit="kg",
        note="示例：公司仓库库存封存",
    )
    return demo

"""Demo consumer reports on printed demo packs, county notices and a reported figure (示例)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.demo.core import CoreDemo
from trace.models.labels import CodeStatus, PackCode
from trace.models.users import Role
from trace.services import disclosure, feedback

NOTICES = [
    (
        "plan",
        dt.date(2025, 3, 1),
        "大姚县电子商务进农村综合示范项目实施方案（示例）",
        "一、总体目标：建设县乡村三级电子商务公共服务体系和物流配送体系，推动农产品上行。\n"
        "二、主要任务：农产品质量追溯与防伪、品牌培育、服务站点、物流配送、电商培训。\n"
        "三、绩效目标：电子商务交易额较2018年增长35%以上，农村产品网络零售额增长40%以上。\n"
        "（本公告为演示数据。）",
    ),
    (
        "selection",
        dt.date(2025, 4, 15),
        "示范项目承办主体遴选结果公示（示例）",
        "经公开征集、专家评审，拟确定以下承办主体，公示期七天。\n"
        "公共服务中心运营：大姚示例电子商务服务有限公司（示例）。\n"
        "如有异议，请在公示期内向县商务局书面反映。（本公告为演示数据。）",
    ),
    (
        "funds",
        dt.date(2025, 7, 10),
        "2025年上半年示范项目资金使用情况公示（示例）",
        "截至2025年6月30日，中央财政资金已拨付使用62.5%，主要用于服务站点建设、农产品追溯体系和电商培训。\n"
        "（本公告为演示数据。）",
    ),
]


def load_feedback(session: Session, core: CoreDemo) -> None:
    """A few reports on the demo packs (one answered), the county's notices, a reported figure."""
    admin, qc = core.users[Role.ADMIN], core.users[Role.QC]
    for category, published_on, title, body in NOTICES:
        disclosure.create_notice(
            session, admin, title=title, category=category, published_on=published_on, body=body
        )
    disclosure.create_figure(
        session,
        admin,
        label_zh="电子商务交易额较2018年增长（示例）",
        label_en="E-commerce turnover growth over 2018 (example)",
        value=Decimal("21.4"),
        target_value=Decimal("35"),
        unit="%",
        as_of=dt.date(2025, 6, 30),
        source="县商务局季度统计（示例）",
        target_code="ecommerce_turnover_growth",  # the dashboard shows it for this target
    )
    packs = list(
        session.scalars(
            select(PackCode)
            .where(PackCode.status == CodeStatus.ACTIVE)
            .order_by(PackCode.batch_id, PackCode.sequence)
            .limit(3)
        )
    )
    if len(packs) < 2:
        return  # no printed labels in this demo: reports need packs to be worth showing
    answered = feedback.file_report(
        session,
        kind="counterfeit",
        description="示例：网店买的核桃，包装上的防伪码查询提示已被查询过，怀疑是假货。",
        code=packs[0].serial,
        contact="13800138000",
    )
    feedback.assign_report(session, qc, answered.id, qc.id, note="示例：核对扫码记录")
    feedback.answer_report(
        session,
        qc,
        answered.id,
        "示例：经核查，该包装首次查询为您本人，之后的查询来自同一手机，属正常重复查询，可放心食用。",
        note="示例：扫码记录正常",
    )
    feedback.file_report(
        session,
        kind="quality",
        description="示例：打开后有几颗核桃仁发黑，有哈喇味。",
        code=packs[1].serial,
    )
    feedback.file_report(
        session,
        kind="counterfeit",
        description="示例：超市货架上的核桃，防伪码查不到。",
        code="ZZZZZZZZZZ",
    )
    session.flush()

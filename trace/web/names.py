"""Display names (Chinese msgids, English in messages.po) for the enum values staff see."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

ROLES = {
    "admin": _l("管理员"),
    "qc": _l("质检中心"),
    "station": _l("服务站"),
    "regulator": _l("监管部门"),
}
PRODUCER_KINDS = {
    "farmer": _l("农户"),
    "family_farm": _l("家庭农场"),
    "cooperative": _l("专业合作社"),
    "enterprise": _l("企业"),
}
CATEGORIES = {
    "walnut_in_shell": _l("带壳核桃"),
    "walnut_kernel": _l("核桃仁"),
    "honey": _l("蜂蜜"),
    "vermicelli": _l("粉丝"),
    "other": _l("其他"),
}
UNITS = {
    "kg": _l("千克"),
    "g": _l("克"),
    "t": _l("吨"),
    "piece": _l("件"),
    "box": _l("箱"),
    "bottle": _l("瓶"),
}
BATCH_STATUSES = {
    "active": _l("正常"),
    "on_hold": _l("暂扣待处理"),
    "recalled": _l("已召回"),
    "closed": _l("已结束"),
}
EVENT_TYPES = {
    "commissioning": _l("采收"),
    "hulling": _l("脱青皮"),
    "drying": _l("晾晒烘干"),
    "grading": _l("分级"),
    "sampling": _l("抽样"),
    "inspecting": _l("检测"),
    "packing": _l("包装"),
    "storing": _l("入库贮藏"),
    "shipping": _l("发货"),
    "receiving": _l("收货"),
    "transforming": _l("加工"),
    "holding": _l("暂扣"),
    "recalling": _l("召回"),
    "correcting": _l("更正"),
}
# What staff record by hand; harvest comes with the batch, holds and recalls from QC's modules.
STAFF_EVENT_TYPES = (
    "hulling",
    "drying",
    "grading",
    "sampling",
    "packing",
    "storing",
    "shipping",
    "receiving",
    "transforming",
    "correcting",
)
CODE_STATUSES = {"active": _l("有效"), "void": _l("已作废")}
JOB_KINDS = {
    "label_issue": _l("生成追溯码"),
    "label_pdf": _l("标签 PDF"),
    "events_export": _l("导出追溯事件"),
    "producer_import": _l("导入生产主体"),
    "batch_import": _l("导入采收批次"),
    "attendance_import": _l("导入培训到课"),
}
JOB_STATUSES = {"running": _l("进行中"), "finished": _l("已完成"), "failed": _l("失败")}

SHIPMENT_STATUSES = {"planned": _l("计划中"), "in_transit": _l("运输中"), "delivered": _l("已送达")}
# The plan's targets against their milestones (trace.services.targets.Status), and where a
# target's figure comes from.
TARGET_STATUSES = {
    "met": _l("已达成"),
    "on_track": _l("按进度推进"),
    "behind": _l("滞后于时间节点"),
    "unmeasured": _l("尚未计量"),
}
FIGURE_SOURCES = {
    "records": _l("系统记录"),
    "office": _l("项目办填报"),
    "reported": _l("政务公开数据"),
}
# Issue 19: programme funding and station services.
FUND_SOURCES = {"central": _l("中央财政资金"), "county": _l("县级配套资金")}
USE_CATEGORIES = {
    "equipment": _l("设备购置"),
    "renovation": _l("场地改造装修"),
    "service_purchase": _l("服务购买"),
    "training": _l("培训实施"),
    "logistics": _l("物流配送"),
    "design_branding": _l("品牌与包装设计"),
    "subsidy": _l("补贴奖励"),
    "trading_platform": _l("网络交易平台"),
    "building": _l("楼堂馆所建设"),
    "running_costs": _l("工作经费"),
    "traffic": _l("购买流量"),
    "other": _l("其他"),
}
SERVICE_KINDS = {
    "purchase_sale": _l("代购代销"),
    "parcel_in": _l("快递代收"),
    "parcel_out": _l("快递代发"),
    "bill_payment": _l("缴费代办"),
    "produce_order": _l("农产品上行"),
}
PARCEL_DIRECTIONS = {"in": _l("进港（收）"), "out": _l("出港（发）")}

ALL = {
    "roles": ROLES,
    "producer_kinds": PRODUCER_KINDS,
    "categories": CATEGORIES,
    "units": UNITS,
    "batch_statuses": BATCH_STATUSES,
    "event_types": EVENT_TYPES,
    "code_statuses": CODE_STATUSES,
    "job_kinds": JOB_KINDS,
    "job_statuses": JOB_STATUSES,
    "shipment_statuses": SHIPMENT_STATUSES,
    "target_statuses": TARGET_STATUSES,
    "figure_sources": FIGURE_SOURCES,
    "fund_sources": FUND_SOURCES,
    "use_categories": USE_CATEGORIES,
    "service_kinds": SERVICE_KINDS,
    "parcel_directions": PARCEL_DIRECTIONS,
}


def name_of(table: dict[str, Any], value: Any) -> str:
    """The display name of an enum value (or its raw value when the table lacks it)."""
    key = getattr(value, "value", value)
    return str(table.get(key, key)) if key is not None else ""

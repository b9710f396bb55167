"""Display names (Chinese msgids, English in messages.po) for quality-record values."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

DISPOSITION_KINDS = {
    "re_test": _l("复检（继续暂扣）"),
    "downgrade": _l("降级处理"),
    "destroy": _l("销毁"),
    "release": _l("放行"),
}
CERT_TYPES = {
    "gi_product": _l("地理标志保护产品"),
    "gi_trademark": _l("地理标志证明商标"),
    "green_food": _l("绿色食品"),
    "organic": _l("有机产品"),
    "compliance_certificate": _l("承诺达标合格证"),
    "legacy_pollution_free": _l("无公害（已停止）"),
}
CERT_SCOPES = {"producer": _l("生产主体"), "product": _l("产品"), "batch": _l("批次")}
CERT_STATUSES = {
    "valid": _l("有效"),
    "expiring": _l("即将到期"),
    "expired": _l("已过期"),
    "not_yet_valid": _l("未生效"),
}
PACKAGE_TYPES = {
    "gift_box": _l("礼盒"),
    "bag": _l("袋装"),
    "vacuum_bag": _l("真空袋"),
    "mesh_bag": _l("网袋"),
    "jar": _l("罐装"),
    "bottle": _l("瓶装"),
    "bundle": _l("把装"),
    "carton": _l("外箱"),
}
APPLICATION_STATUSES = {
    "pending": _l("待审核"),
    "approved": _l("已准入"),
    "rejected": _l("未通过"),
    "suspended": _l("已暂停"),
}
BRAND_CHECKS = {
    "origin_in_county": _l("产地在大姚县"),
    "latest_inspection_passed": _l("最近一次检测合格"),
    "min_grade": _l("达到最低等级"),
}
MEASURES = {
    "diameter_mm": _l("横径（毫米）"),
    "mean_nut_weight_g": _l("平均单果重（克）"),
    "kernel_ratio_pct": _l("出仁率（%）"),
    "empty_shell_pct": _l("空壳果率（%）"),
    "broken_pct": _l("破损果率（%）"),
    "black_spot_pct": _l("黑斑果率（%）"),
    "moisture_pct": _l("含水率（%）"),
    "fat_pct": _l("脂肪含量（%）"),
    "protein_pct": _l("蛋白质含量（%）"),
}

ALL = {
    "disposition_kinds": DISPOSITION_KINDS,
    "cert_types": CERT_TYPES,
    "cert_scopes": CERT_SCOPES,
    "cert_statuses": CERT_STATUSES,
    "package_types": PACKAGE_TYPES,
    "application_statuses": APPLICATION_STATUSES,
    "brand_checks": BRAND_CHECKS,
    "measures": MEASURES,
}

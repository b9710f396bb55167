"""Demo quality records: packaging designs, gradings, inspections (one failed, its lot on hold),
certificates of several types (one expiring soon, one expired) and 大姚核桃 brand applications."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from trace.clock import local_today
from trace.demo.core import CoreDemo
from trace.models.batches import Batch
from trace.models.brand import BrandApplication
from trace.models.certifications import Certification
from trace.models.grading import Grading
from trace.models.inspections import Inspection
from trace.models.packaging import PackagingSpec
from trace.models.products import ProductCategory
from trace.models.users import Role
from trace.services.brand import apply_for_brand, approve_application
from trace.services.certifications import create_certification
from trace.services.grading import grade_batch
from trace.services.inspections import record_inspection
from trace.services.packaging import create_spec

LAB = "大姚县农产品质量安全检测站（示例）"

# (design code, name, type, net g, materials, L x W x H mm, label template, product keys)
PACKAGING = [
    (
        "DY-HT-500-GB",
        "三台核桃 500 g 礼盒",
        "gift_box",
        500,
        "食品级PE内袋 + 350 g 白卡纸盒",
        (240, 160, 80),
        "a4-3x8",
        ["in_shell"],
    ),
    (
        "DY-HT-1000-MB",
        "核桃 1 kg 网袋",
        "mesh_bag",
        1000,
        "食品级PP网袋 + 吊牌",
        (300, 200, None),
        "a4-2x5",
        ["in_shell"],
    ),
    (
        "DY-HT-5000-CT",
        "核桃 10 × 500 g 外箱",
        "carton",
        5000,
        "五层瓦楞纸箱",
        (500, 340, 200),
        "carton-100x150",
        ["in_shell"],
    ),
    (
        "DY-HR-250-VB",
        "核桃仁 250 g 真空袋",
        "vacuum_bag",
        250,
        "PA/PE复合真空袋, 充氮",
        (200, 140, None),
        "thermal-60x40",
        ["kernel"],
    ),
    (
        "DY-HR-500-JAR",
        "核桃仁 500 g 罐装",
        "jar",
        500,
        "PET罐 + 铝箔封口",
        (110, 110, 150),
        "a4-3x8",
        ["kernel"],
    ),
    (
        "DY-FM-500-JAR",
        "百花蜜 500 g 玻璃瓶",
        "jar",
        500,
        "玻璃瓶 + 马口铁盖",
        (80, 80, 130),
        "thermal-60x40",
        ["honey"],
    ),
    (
        "DY-FM-1000-BT",
        "百花蜜 1 kg 瓶装",
        "bottle",
        1000,
        "食品级PET瓶",
        (95, 95, 190),
        "thermal-60x40",
        ["honey"],
    ),
    (
        "DY-FS-1000-BD",
        "小把粉丝 1 kg (10 把)",
        "bundle",
        1000,
        "牛皮纸扎带 + OPP外袋",
        (330, 220, 60),
        "a4-2x5",
        ["vermicelli"],
    ),
    (
        "DY-MIX-GB",
        "大姚特产礼盒 (核桃仁 + 蜂蜜)",
        "gift_box",
        750,
        "灰板礼盒 + EVA内托",
        (360, 260, 100),
        "a4-2x5",
        ["kernel", "honey"],
    ),
]

NUT_RESULTS = [
    ("aflatoxin_b1", "0.8", "μg/kg"),
    ("acid_value", "0.6", "mg/g"),
    ("peroxide_value", "0.02", "g/100g"),
    ("moisture", "6.9", "%"),
    ("lead", "0.04", "mg/kg"),
]
RESULTS_BY_CATEGORY = {
    ProductCategory.WALNUT_IN_SHELL: NUT_RESULTS,
    ProductCategory.WALNUT_KERNEL: NUT_RESULTS,
    ProductCategory.HONEY: [
        ("fructose_glucose", "71.4", "g/100g"),
        ("sucrose", "1.1", "g/100g"),
        ("moisture", "18.2", "%"),
    ],
    ProductCategory.VERMICELLI: [("aluminium", "12", "mg/kg")],
}

# Sample measurements per walnut lot (index into the core walnut harvests).
GRADINGS: dict[int, dict[str, str]] = {
    0: {  # 特级
        "diameter_mm": "32.6",
        "mean_nut_weight_g": "13.2",
        "kernel_ratio_pct": "55.1",
        "empty_shell_pct": "0.6",
        "broken_pct": "0.05",
        "black_spot_pct": "0",
        "moisture_pct": "7.2",
        "fat_pct": "68.4",
        "protein_pct": "15.9",
    },
    2: {  # Ⅰ级: kernel ratio below 特级
        "diameter_mm": "31.4",
        "mean_nut_weight_g": "12.4",
        "kernel_ratio_pct": "50.3",
        "empty_shell_pct": "1.5",
        "broken_pct": "0.1",
        "black_spot_pct": "0.1",
        "moisture_pct": "7.4",
        "fat_pct": "66.1",
        "protein_pct": "15.2",
    },
    3: {  # Ⅱ级: smaller nuts, and fat below the GI value
        "diameter_mm": "29.0",
        "mean_nut_weight_g": "10.8",
        "kernel_ratio_pct": "45.6",
        "empty_shell_pct": "1.8",
        "broken_pct": "0.2",
        "black_spot_pct": "0.2",
        "moisture_pct": "7.8",
        "fat_pct": "62.5",
        "protein_pct": "13.1",
    },
}
FAILED_LOT = 1  # the farmer's lot: aflatoxin B1 over the limit, so it goes on hold


@dataclass
class QualityDemo:
    specs: list[PackagingSpec] = field(default_factory=list)
    gradings: list[Grading] = field(default_factory=list)
    inspections: list[Inspection] = field(default_factory=list)
    certifications: list[Certification] = field(default_factory=list)
    applications: list[BrandApplication] = field(default_factory=list)


def _inspect(session: Session, qc: Any, batch: Batch, number: int, failed: bool) -> Inspection:
    rows = RESULTS_BY_CATEGORY[batch.product.category]
    results = [{"item": item, "value": Decimal(value), "unit": unit} for item, value, unit in rows]
    if failed:
        results[0] = {"item": "aflatoxin_b1", "value": Decimal("6.8"), "unit": "μg/kg"}
    sampled_on = batch.harvested_on + dt.timedelta(days=6)
    return record_inspection(
        session,
        qc,
        batch.id,
        lab=LAB,
        report_no=f"DYJC-{sampled_on:%Y}-{number:04d}",
        sampled_on=sampled_on,
        tested_on=sampled_on + dt.timedelta(days=2),
        results=results,
        note="示例检测报告",
    )


def load_quality(session: Session, core: CoreDemo) -> QualityDemo:
    """Create the demo's quality records on top of the core lots."""
    qc = core.users[Role.QC]
    walnuts = [b for b in core.batches if b.product.category is ProductCategory.WALNUT_IN_SHELL]
    demo = QualityDemo()
    demo.specs = [_spec(session, qc, core, row) for row in PACKAGING]
    for index, measurements in GRADINGS.items():
        demo.gradings.append(_grade(session, qc, walnuts[index], measurements))
    for number, batch in enumerate(core.batches, start=1):
        failed = batch is walnuts[FAILED_LOT]
        demo.inspections.append(_inspect(session, qc, batch, number, failed))
    for data in _certificates(core, walnuts, local_today()):
        demo.certifications.append(create_certification(session, qc, **data))
    demo.applications = _brand_applications(session, core)
    session.flush()
    return demo


def _spec(session: Session, qc: Any, core: CoreDemo, row: tuple[Any, ...]) -> PackagingSpec:
    code, name, kind, grams, materials, (length, width, height), template, keys = row
    return create_spec(
        session,
        qc,
        design_code=code,
        name=name,
        package_type=kind,
        net_content_g=grams,
        materials=materials,
        length_mm=length,
        width_mm=width,
        height_mm=height,
        label_template=template,
        product_ids=[core.products[key].id for key in keys],
    )


def _grade(session: Session, qc: Any, batch: Batch, measurements: dict[str, str]) -> Grading:
    return grade_batch(
        session,
        qc,
        batch.id,
        graded_on=batch.harvested_on + dt.timedelta(days=7),
        measurements={k: Decimal(v) for k, v in measurements.items()},
        sample_size=100,
        location="县质检中心分级车间",
    )


def _certificates(core: CoreDemo, walnuts: list[Batch], today: dt.date) -> list[dict[str, Any]]:
    """The demo's certificates; dates count from today so one is always about to expire."""
    products, producers = core.products, core.producers
    organic_ends = today + dt.timedelta(days=20)  # shows the 30-day expiry warning
    return [
        {
            "cert_type": "gi_product",
            "number": "质检总局公告2015年第96号",
            "holder": "大姚县核桃产业发展中心（示例）",
            "issuer": "国家质量监督检验检疫总局",
            "scope": "product",
            "scope_id": products["in_shell"].id,
            "valid_from": dt.date(2015, 8, 10),
            "valid_to": None,
            "note": "地理标志保护产品；保护范围为大姚县全境",
        },
        {
            "cert_type": "gi_trademark",
            "number": None,  # registration number not on record
            "holder": "大姚县核桃协会（示例）",
            "issuer": "国家工商行政管理总局商标局",
            "scope": "product",
            "scope_id": products["in_shell"].id,
            "valid_from": dt.date(2009, 7, 28),
            "valid_to": None,
            "note": "地理标志证明商标；注册号待核实",
        },
        {
            "cert_type": "green_food",
            "number": f"GF532326{(today - dt.timedelta(days=270)):%y}0001",
            "holder": producers["company"].name,
            "issuer": "中国绿色食品发展中心",
            "scope": "product",
            "scope_id": products["kernel"].id,
            "valid_from": today - dt.timedelta(days=270),
            "valid_to": today - dt.timedelta(days=270) + dt.timedelta(days=3 * 365),
            "verify_url": "https://www.greenfood.org.cn/",
        },
        {
            "cert_type": "organic",
            "number": f"124{(organic_ends - dt.timedelta(days=364)):%y}000000000326",
            "holder": producers["honey_coop"].name,
            "issuer": "示例有机认证中心",
            "scope": "product",
            "scope_id": products["honey"].id,
            "valid_from": organic_ends - dt.timedelta(days=364),
            "valid_to": organic_ends,
            "verify_url": "https://food.cnca.cn/",
        },
        {
            "cert_type": "legacy_pollution_free",
            "number": "WGH-YN-2017-0326",
            "holder": producers["family_farm"].name,
            "issuer": "云南省农业厅（示例）",
            "scope": "producer",
            "scope_id": producers["family_farm"].id,
            "valid_from": dt.date(2017, 6, 1),
            "valid_to": dt.date(2020, 5, 31),
            "note": "无公害农产品认证已停止，仅作历史记录",
        },
        {
            "cert_type": "compliance_certificate",
            "number": f"CNDB-{walnuts[0].lot}",
            "holder": producers["coop"].name,
            "issuer": producers["coop"].name,
            "scope": "batch",
            "scope_id": walnuts[0].id,
            "valid_from": walnuts[0].harvested_on + dt.timedelta(days=9),
            "valid_to": today + dt.timedelta(days=180),
            "note": (
                "承诺达标合格证：承诺不使用禁用农药兽药、停用兽药和非法添加物，"
                "常规农药兽药残留不超标"
            ),
        },
    ]


def _brand_applications(session: Session, core: CoreDemo) -> list[BrandApplication]:
    """The cooperative admitted to the 大姚核桃 brand; the company's application still pending."""
    qc, admin = core.users[Role.QC], core.users[Role.ADMIN]
    products, producers = core.products, core.producers
    admitted = apply_for_brand(
        session,
        admin,
        producer_id=producers["coop"].id,
        product_id=products["in_shell"].id,
        note="示例：合作社申请使用“大姚核桃”区域公用品牌",
    )
    approve_application(session, qc, admitted.id, note="产地、检测、等级均符合准入规则")
    pending = apply_for_brand(
        session,
        admin,
        producer_id=producers["company"].id,
        product_id=products["kernel"].id,
        note="示例：公司申请核桃仁产品使用区域公用品牌",
    )
    return [admitted, pending]

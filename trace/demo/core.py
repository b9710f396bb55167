"""Core demo records: accounts, example producers, products and the 2025 harvest season.

Every invented name carries 示例 (example). Township codes and village names are real. The
records are tables below; the loader walks them in order (ids, lots and audit entries follow it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.clock import local_datetime
from trace.gs1 import check_digit
from trace.identifiers import credit_code_check_char
from trace.models.batches import Batch
from trace.models.events import EventType
from trace.models.producers import Producer
from trace.models.products import Product
from trace.models.regions import Village
from trace.models.users import Role, User
from trace.services.batches import create_batch
from trace.services.events import append_event
from trace.services.producers import create_producer
from trace.services.products import create_product
from trace.services.users import create_user

DEMO_PASSWORD = "dayao-demo-2025"
DEMO_DOMAIN = "demo.dayao.example.cn"
SANTAI, JINBI, GUIHUA, TANHUA, SHIYANG = (
    "532326208",
    "532326101",
    "532326108",
    "532326204",
    "532326102",
)

# Real villages (township code, village code if known, name, pinyin), from the county's lists.
VILLAGES = [
    (TANHUA, "532326204201", "昙华社区", "Tanhua Shequ"),
    (TANHUA, "532326204202", "赤石岩村", "Chishiyan Cun"),
    (TANHUA, "532326204203", "小兴厂村", "Xiaoxingchang Cun"),
    (SANTAI, None, "三台村", "Santai Cun"),
    (SANTAI, None, "大箐村", "Daqing Cun"),
    (GUIHUA, None, "皮左黑村", "Pizuohei Cun"),
]

# One account per role (the station account works for 三台乡).
ACCOUNTS = (
    (Role.ADMIN, "管理员"),
    (Role.QC, "质检中心"),
    (Role.STATION, "三台乡服务站"),
    (Role.REGULATOR, "市场监管局"),
)

# Producers by short name; "credit_body" is a 统一社会信用代码 without its check character.
PRODUCERS: dict[str, dict[str, Any]] = {
    "coop": {
        "name": "大姚县三台乡核桃专业合作社（示例）",
        "kind": "cooperative",
        "township_code": SANTAI,
        "village": "三台村",
        "credit_body": "93532326MA6K4XW10",
        "phone": "0878-6221001",
        "is_gi_authorised": True,
    },
    "company": {
        "name": "大姚核桃食品有限公司（示例）",
        "kind": "enterprise",
        "township_code": JINBI,
        "credit_body": "91532326MA6N2B7Q0",
        "phone": "0878-6222002",
        "is_gi_authorised": True,
    },
    "farmer": {
        "name": "罗小芬（示例）",
        "kind": "farmer",
        "township_code": SANTAI,
        "village": "大箐村",
        "phone": "13987800001",
        "is_poverty_registered": True,
    },
    "family_farm": {
        "name": "桂花镇李家家庭农场（示例）",
        "kind": "family_farm",
        "township_code": GUIHUA,
        "village": "皮左黑村",
        "phone": "13987800002",
    },
    "honey_coop": {
        "name": "昙华山蜂蜜专业合作社（示例）",
        "kind": "cooperative",
        "township_code": TANHUA,
        "village": "赤石岩村",
        "credit_body": "93532326MA6P8C3L0",
        "phone": "0878-6223003",
    },
}

# Products by short name; a "gtin_body" gets its check digit computed.
PRODUCTS: dict[str, dict[str, Any]] = {
    "in_shell": {
        "name": "大姚核桃·三台薄壳（示例）",
        "gtin": "06901234567892",
        "category": "walnut_in_shell",
        "variety": "三台核桃",
        "net_content_g": 500,
        "brand": "大姚核桃",
        "shelf_life_days": 365,
    },
    "kernel": {
        "name": "大姚核桃仁·头路（示例）",
        "gtin_body": "690123456790",
        "category": "walnut_kernel",
        "variety": "三台核桃",
        "net_content_g": 250,
        "brand": "大姚核桃",
        "shelf_life_days": 270,
    },
    "honey": {
        "name": "昙华山百花蜜（示例）",
        "gtin_body": "690123456791",
        "category": "honey",
        "variety": "百花蜜",
        "net_content_g": 500,
        "brand": "昙华山",
        "shelf_life_days": 730,
    },
    "vermicelli": {
        "name": "大姚小把粉丝（示例）",
        "gtin_body": "690123456792",
        "category": "vermicelli",
        "variety": "豌豆粉丝",
        "net_content_g": 1000,
        "brand": "大姚",
        "shelf_life_days": 540,
    },
}

# The 2025 walnut season: harvests from early September to late October, then processing.
# (producer, harvested on, kg, village, plot); the cooperative's plots carry their position.
WALNUT_HARVESTS = (
    ("coop", dt.date(2025, 9, 12), Decimal("3200"), "三台村", "新彝村小组 2号地块"),
    ("farmer", dt.date(2025, 9, 15), Decimal("480"), "大箐村", "老核桃树旁 1号地块"),
    ("coop", dt.date(2025, 9, 26), Decimal("2750"), "三台村", "新彝村小组 5号地块"),
    ("family_farm", dt.date(2025, 10, 8), Decimal("1260"), "皮左黑村", "核桃基地 3号地块"),
    ("company", dt.date(2025, 10, 20), Decimal("5100"), "", "公司自营基地"),
)
COOP_PLOT_POSITION = {
    "latitude": Decimal("25.912300"),
    "longitude": Decimal("101.167800"),
    "altitude_m": 2050,
}
# What happens to each walnut lot after harvest: (event, days after harvest, where, details).
WALNUT_STEPS = (
    (EventType.HULLING, 1, "产地脱皮点", {"method": "机械脱皮"}),
    (EventType.DRYING, 4, "产地晾晒场", {"moisture_pct": "7.6"}),
    (EventType.GRADING, 7, "县质检中心", {"standard": "GB/T 20398-2006"}),
    (EventType.PACKING, 9, "县质检中心包装车间", {"packaging": "500 g 礼盒"}),
    (EventType.STORING, 10, "县公共仓储中心", {"temperature_c": "4"}),
)
# The other products' lots: (product, producer, harvested on, kg, township, village, plot).
OTHER_LOTS = (
    ("kernel", "company", dt.date(2025, 10, 20), Decimal(800), JINBI, "", "公司自营基地"),
    ("honey", "honey_coop", dt.date(2025, 8, 18), Decimal(620), TANHUA, "赤石岩村", "昙华山蜂场"),
    ("vermicelli", "company", dt.date(2025, 11, 5), Decimal(1500), SHIYANG, "", "石羊镇粉丝加工点"),
)


@dataclass
class CoreDemo:
    """What the core demo made, keyed by short names, for the modules' demo loaders."""

    users: dict[Role, User]
    producers: dict[str, Producer]
    products: dict[str, Product]
    batches: list[Batch] = field(default_factory=list)


def load_core(session: Session) -> CoreDemo | None:
    """Create the core demo records, or return None when they exist already."""
    admin_email = f"admin@{DEMO_DOMAIN}"
    if session.scalar(select(User.id).where(User.email == admin_email)) is not None:
        return None
    for township, code, name, pinyin in VILLAGES:
        session.add(Village(township_code=township, code=code, name_zh=name, name_pinyin=pinyin))
    users = {role: _account(session, role, label) for role, label in ACCOUNTS}
    admin = users[Role.ADMIN]
    core = CoreDemo(
        users=users,
        producers={key: _producer(session, admin, row) for key, row in PRODUCERS.items()},
        products={key: _product(session, admin, row) for key, row in PRODUCTS.items()},
    )
    in_shell = core.products["in_shell"]
    for producer_key, harvested_on, kg, village, plot in WALNUT_HARVESTS:
        producer = core.producers[producer_key]
        position = COOP_PLOT_POSITION if producer_key == "coop" else {}
        batch = _lot(session, admin, in_shell, producer, harvested_on, kg, village, plot, position)
        core.batches.append(batch)
        for event_type, days, location, details in WALNUT_STEPS:
            at = local_datetime(harvested_on + dt.timedelta(days=days), dt.time(10))
            append_event(session, admin, batch, event_type, at, location, details)
    for product_key, producer_key, harvested_on, kg, township, village, plot in OTHER_LOTS:
        product, producer = core.products[product_key], core.producers[producer_key]
        core.batches.append(
            _lot(session, admin, product, producer, harvested_on, kg, village, plot, {}, township)
        )
    session.flush()
    return core


def _account(session: Session, role: Role, label: str) -> User:
    return create_user(
        session,
        None,
        f"{role.value}@{DEMO_DOMAIN}",
        role,
        DEMO_PASSWORD,
        name=f"示例{label}",
        township_code=SANTAI if role is Role.STATION else None,
        system=True,
    )


def _producer(session: Session, admin: User, row: dict[str, Any]) -> Producer:
    data = dict(row)
    if "credit_body" in data:
        body = data.pop("credit_body")
        data["credit_code"] = body + credit_code_check_char(body)
    return create_producer(session, admin, **data)


def _product(session: Session, admin: User, row: dict[str, Any]) -> Product:
    data = dict(row)
    if "gtin_body" in data:
        body = data.pop("gtin_body")
        data["gtin"] = body + check_digit(body)
    return create_product(session, admin, **data)


def _lot(
    session: Session,
    admin: User,
    product: Product,
    producer: Producer,
    harvested_on: dt.date,
    kg: Decimal,
    village: str,
    plot: str,
    position: dict[str, Any],
    township_code: str | None = None,
) -> Batch:
    return create_batch(
        session,
        admin,
        product_id=product.id,
        producer_id=producer.id,
        harvested_on=harvested_on,
        quantity=kg,
        unit="kg",
        township_code=township_code or producer.township_code,
        village=village,
        plot=plot,
        **position,
    )

"""Fixtures for the programme modules: villages to cover, facilities and lots to ship."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import JINBI, SANTAI
from trace.models.regions import Village
from trace.services import logistics


def count(session, model):
    return session.scalar(select(func.count()).select_from(model))


@pytest.fixture()
def villages(db_session):
    """Four administrative villages and one natural village in 三台乡, two in 金碧镇."""
    rows = [
        Village(township_code=SANTAI, name_zh=name, is_administrative=administrative)
        for name, administrative in (
            ("测试甲村", True),
            ("测试乙村", True),
            ("测试丙村", True),
            ("测试丁村", True),
            ("测试自然村", False),
        )
    ] + [Village(township_code=JINBI, name_zh=n) for n in ("金碧测试一村", "金碧测试二村")]
    db_session.add_all(rows)
    db_session.flush()
    return {v.name_zh: v for v in rows}


@pytest.fixture()
def admin(make_user):
    return make_user("admin")


@pytest.fixture()
def places(db_session, admin):
    """A public warehouse, a cold store and the county distribution centre."""
    make = lambda **data: logistics.create_facility(db_session, admin, **data)  # noqa: E731
    return {
        "warehouse": make(
            name="测试公共仓储中心",
            kind="public_warehouse",
            township_code=JINBI,
            floor_area_m2=Decimal("1200"),
        ),
        "cold_store": make(
            name="测试冷库", kind="cold_store", township_code=JINBI, volume_m3=Decimal("320")
        ),
        "centre": make(
            name="测试物流配送中心",
            kind="distribution_centre",
            township_code=JINBI,
            floor_area_m2=Decimal("1100"),
        ),
    }


@pytest.fixture()
def lot(db_session, admin):
    """A 100 kg walnut lot of 三台乡."""
    return factories.batch(db_session, admin, quantity=Decimal("100"))

"""Fixtures for issue 19: stations of 三台乡 and 金碧镇, logistics points, vouchers."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from PIL import Image

from tests.conftest import JINBI, SANTAI
from tests.program.conftest import admin, villages  # noqa: F401
from trace.services import logistics, stations


def png_bytes(colour: str = "white") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture()
def voucher():
    """A fresh PNG voucher each call (a new colour: another payment's scan)."""
    colours = iter(f"#{n:06x}" for n in range(1, 10_000, 37))

    def make() -> dict:
        return {"data": png_bytes(next(colours)), "content_type": "image/png", "filename": "v.png"}

    return make


@pytest.fixture()
def network(db_session, admin, villages):  # noqa: F811
    """三台乡's township station and a village station with its merged village point, 金碧镇's
    township station, and the county sorting centre (no station)."""
    make = lambda **d: stations.create_station(db_session, admin, **d)  # noqa: E731
    santai = make(name="三台乡测试服务站（示例）", tier="township", township_code=SANTAI)
    village = make(
        name="测试甲村服务点（示例）", tier="village", township_code=SANTAI, village="测试甲村"
    )
    jinbi = make(name="金碧镇测试服务站（示例）", tier="township", township_code=JINBI)
    point = logistics.create_facility(
        db_session,
        admin,
        name="测试甲村物流点（示例）",
        kind="village_point",
        township_code=SANTAI,
        station_id=village.id,
    )
    centre = logistics.create_facility(
        db_session,
        admin,
        name="测试县物流分拨中心（示例）",
        kind="distribution_centre",
        township_code=JINBI,
        floor_area_m2=Decimal("1100"),
    )
    db_session.flush()
    return {"santai": santai, "village": village, "jinbi": jinbi, "point": point, "centre": centre}

"""Quality-record fixtures: a walnut lot, its makers, and an upload folder per test."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from tests import factories


def count(session: Any, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path, monkeypatch):
    """Uploads of each test go to a folder of its own, outside the web root."""
    folder = tmp_path / "uploads"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", str(folder))
    return folder


@pytest.fixture()
def admin(make_user):
    return make_user("admin")


@pytest.fixture()
def walnut_batch(db_session, admin):
    """A lot of in-shell walnuts from a GI-authorised Santai cooperative, harvested 2025-09-15."""
    producer = factories.producer(db_session, admin, is_gi_authorised=True)
    product = factories.product(db_session, admin)
    return factories.batch(db_session, admin, producer_id=producer.id, product_id=product.id)


@pytest.fixture()
def qc(as_role):
    return as_role("qc")


PASSING_RESULTS = [
    {"item": "aflatoxin_b1", "value": "1.2", "unit": "µg/kg", "method": "GB 5009.22-2016"},
    {"item": "acid_value", "value": "0.8", "unit": "mg/g"},
    {"item": "peroxide_value", "value": "0.03", "unit": "g/100g"},
    {"item": "moisture", "value": "6.9", "unit": "%"},
    {"item": "lead", "value": "0.05", "unit": "mg/kg"},
]


def inspection_body(report_no: str = "DYQC-2025-0001", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "lab": "大姚县农产品质量检测中心（示例）",
        "report_no": report_no,
        "sampled_on": "2025-09-22",
        "tested_on": "2025-09-24",
        "results": [dict(r) for r in PASSING_RESULTS],
    }
    body.update(overrides)
    return body


def failing_body(report_no: str = "DYQC-2025-0002") -> dict[str, Any]:
    body = inspection_body(report_no)
    body["results"][0] = {"item": "aflatoxin_b1", "value": "7.3", "unit": "μg/kg"}
    return body


# Meets every threshold of 特级 in GB/T 20398-2006 and the GI quality values.
SUPERIOR = {
    "diameter_mm": "32.5",
    "mean_nut_weight_g": "13.1",
    "kernel_ratio_pct": "55.0",
    "empty_shell_pct": "0.5",
    "broken_pct": "0.05",
    "black_spot_pct": "0",
    "moisture_pct": "6.8",
    "fat_pct": "67.2",
    "protein_pct": "15.8",
}


def grading_body(**measurements: str) -> dict[str, Any]:
    return {"graded_on": "2025-09-20", "measurements": {**SUPERIOR, **measurements}}

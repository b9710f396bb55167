"""Fixtures for the quality forms: an upload folder per test and a walnut lot."""

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

"""A labelled batch: the thing consumers scan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from itertools import count

import pytest
from sqlalchemy import select

from tests import factories
from trace.models.batches import Batch
from trace.models.inspections import InspectionLimit
from trace.services.certifications import create_certification
from trace.services.inspections import create_limit, record_inspection
from trace.services.labels import issue_label_run, run_serials


@dataclass
class Labelled:
    batch: Batch
    serials: list[str]

    @property
    def gtin(self) -> str:
        return self.batch.product.gtin

    def pack_path(self, index: int = 0) -> str:
        return f"/01/{self.gtin}/10/{self.batch.lot}/21/{self.serials[index]}"

    @property
    def lot_path(self) -> str:
        return f"/01/{self.gtin}/10/{self.batch.lot}"


@pytest.fixture()
def labelled(db_session, make_user, app):
    app.extensions.pop("trace.public_records", None)  # no record cached across tests
    admin = make_user("admin")
    batch = factories.batch(db_session, admin)
    factories.passed_inspection(db_session, admin, batch)  # labels need a passed inspection
    run = issue_label_run(db_session, admin, batch.id, 3)
    db_session.flush()
    return Labelled(batch, run_serials(db_session, run.id))


# Quality records the public page shows, made through the quality services.
_LIMITS = {"aflatoxin_b1": ("μg/kg", Decimal("5.0")), "moisture": ("%", Decimal("8.0"))}
_reports = count(1)


def add_inspection(session, actor, batch, aflatoxin="1.2", moisture="6.9", tested_on=None):
    """A lab report on `batch` (creating the demo limits first when the category lacks them)."""
    for item, (unit, limit) in _LIMITS.items():
        exists = session.scalar(
            select(InspectionLimit.id).where(
                InspectionLimit.product_category == batch.product.category,
                InspectionLimit.item == item,
            )
        )
        if exists is None:
            create_limit(
                session,
                actor,
                product_category=batch.product.category,
                item=item,
                unit=unit,
                max_value=limit,
            )
    tested_on = tested_on or batch.harvested_on + dt.timedelta(days=8)
    inspection = record_inspection(
        session,
        actor,
        batch.id,
        lab="大姚县农产品质量检测中心（示例）",
        report_no=f"DYQC-{next(_reports):04d}",
        sampled_on=batch.harvested_on,
        tested_on=tested_on,
        results=[
            {"item": "aflatoxin_b1", "value": Decimal(aflatoxin), "unit": "μg/kg"},
            {"item": "moisture", "value": Decimal(moisture), "unit": "%"},
        ],
    )
    session.flush()
    return inspection


def add_certificate(session, actor, batch, number, valid_from, valid_to, cert_type="organic"):
    certificate = create_certification(
        session,
        actor,
        cert_type=cert_type,
        number=number,
        holder=batch.producer.name,
        issuer="示例认证机构",
        scope="producer",
        scope_id=batch.producer_id,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    session.flush()
    return certificate

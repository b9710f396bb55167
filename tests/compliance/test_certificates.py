"""承诺达标合格证 records: issued, numbered, kept, refused for bad lots, re-issued after merges."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from tests import factories
from trace.errors import InvalidTransitionError, PermissionDeniedError, ValidationError
from trace.models.batches import BatchStatus
from trace.models.compliance import CertificateSource, ComplianceRecord
from trace.models.events import AppendOnlyError
from trace.services import compliance
from trace.services.genealogy import record_operation
from trace.services.inspections import record_inspection

WHEN = dt.datetime(2025, 9, 25, 10, tzinfo=dt.UTC)


@pytest.fixture()
def admin(make_user):
    return make_user("admin")


@pytest.fixture()
def lot(db_session, admin):
    batch = factories.batch(db_session, admin, quantity=Decimal("320"))
    factories.passed_inspection(db_session, admin, batch)
    return batch


def _count(session):
    return session.scalar(select(func.count(ComplianceRecord.id)))


def test_issued_with_the_fields_of_the_order_numbered_and_kept(db_session, make_user, lot):
    qc = make_user("qc")
    first = compliance.issue_certificate(db_session, qc, lot.id)
    second = compliance.issue_certificate(db_session, qc, lot.id, quantity=Decimal("20"))
    assert first.number != second.number and first.number.startswith("HG")
    assert first.number.endswith("-01") and second.number.endswith("-02")
    assert first.product_name == lot.product.name
    assert first.quantity == Decimal("320") and second.quantity == Decimal("20")
    assert first.origin.startswith("云南省楚雄彝族自治州大姚县三台乡")
    assert first.promiser == lot.producer.name and first.contact == lot.producer.phone
    assert "不使用禁用农药兽药" in first.promise and "对承诺的真实性负责" in first.promise
    assert first.issued_by_id == qc.id and first.source is CertificateSource.ISSUED
    listed = compliance.list_certificates(db_session, make_user("regulator"), lot.id)
    assert [c.id for c in listed] == [second.id, first.id]
    assert compliance.find_by_number(db_session, first.number).id == first.id
    # Kept: never changed, never deleted.
    first.contact = "0878-0000000"
    with pytest.raises(AppendOnlyError):
        db_session.flush()
    db_session.rollback()


def test_the_record_cannot_be_deleted(db_session, make_user, lot):
    record = compliance.issue_certificate(db_session, make_user("qc"), lot.id)
    db_session.delete(record)
    with pytest.raises(AppendOnlyError):
        db_session.flush()
    db_session.rollback()


@pytest.mark.parametrize("status", [BatchStatus.ON_HOLD, BatchStatus.RECALLED, BatchStatus.CLOSED])
def test_refused_for_held_recalled_or_closed_lots(db_session, make_user, lot, status):
    lot.status = status
    db_session.flush()
    before = _count(db_session)
    with pytest.raises(InvalidTransitionError) as refused:
        compliance.issue_certificate(db_session, make_user("qc"), lot.id)
    assert refused.value.errors["status"]
    assert _count(db_session) == before


def test_refused_after_a_failed_inspection(db_session, make_user, admin):
    batch = factories.batch(db_session, admin)
    record_inspection(
        db_session,
        admin,
        batch.id,
        lab="测试检测中心（示例）",
        report_no="FAIL-1",
        sampled_on=batch.harvested_on,
        tested_on=batch.harvested_on,
        results=[{"item": "aflatoxin_b1", "value": Decimal("9.5"), "unit": "µg/kg"}],
    )
    db_session.flush()
    with pytest.raises(InvalidTransitionError) as refused:
        compliance.issue_certificate(db_session, make_user("qc"), batch.id)
    assert refused.value.errors  # the reason: held or failed


def test_a_lot_not_yet_inspected_may_be_promised(db_session, make_user, admin):
    batch = factories.batch(db_session, admin)
    record = compliance.issue_certificate(db_session, make_user("qc"), batch.id)
    assert record.batch_id == batch.id


def test_who_may_issue(db_session, make_user, lot):
    with pytest.raises(PermissionDeniedError):
        compliance.issue_certificate(db_session, make_user("regulator"), lot.id)
    with pytest.raises(PermissionDeniedError):
        compliance.issue_certificate(db_session, make_user("station", "532326101"), lot.id)
    own = compliance.issue_certificate(db_session, make_user("station", "532326208"), lot.id)
    assert own.id


def test_bad_quantity_or_missing_contact_name_the_field(db_session, make_user, admin, lot):
    qc = make_user("qc")
    with pytest.raises(ValidationError) as too_much:
        compliance.issue_certificate(db_session, qc, lot.id, quantity=Decimal("321"))
    assert "quantity" in too_much.value.errors
    farmer = factories.producer(db_session, admin, kind="farmer", name="罗小芬", credit_code=None)
    farmer.phone = ""
    bare = factories.batch(db_session, admin, producer_id=farmer.id)
    with pytest.raises(ValidationError) as no_contact:
        compliance.issue_certificate(db_session, qc, bare.id)
    assert "contact" in no_contact.value.errors


def test_a_merge_of_certified_lots_reissues_for_the_output(db_session, make_user, admin, lot):
    qc = make_user("qc")
    other = factories.batch(db_session, admin, quantity=Decimal("200"), product_id=lot.product_id)
    factories.passed_inspection(db_session, admin, other)
    old = compliance.issue_certificate(db_session, qc, lot.id)
    operation = record_operation(
        db_session,
        qc,
        "merge",
        WHEN,
        inputs=[
            {"batch_id": lot.id, "quantity": Decimal("320")},
            {"batch_id": other.id, "quantity": Decimal("200")},
        ],
        outputs=[{"quantity": Decimal("520"), "unit": "kg", "producer_id": lot.producer_id}],
    )
    child_id = next(line.batch_id for line in operation.lines if line.role.value == "output")
    issued = compliance.list_certificates(db_session, qc, child_id)
    assert len(issued) == 1
    new = issued[0]
    assert new.source is CertificateSource.REISSUED and new.operation_id == operation.id
    assert new.number != old.number and new.quantity == Decimal("520")
    assert new.batch.lot != lot.lot


def test_no_reissue_when_no_parent_was_certified(db_session, make_user, lot):
    qc = make_user("qc")
    operation = record_operation(
        db_session,
        qc,
        "split",
        WHEN,
        inputs=[{"batch_id": lot.id, "quantity": Decimal("320")}],
        outputs=[
            {"quantity": Decimal("200"), "unit": "kg", "grade": "特级"},
            {"quantity": Decimal("120"), "unit": "kg", "grade": "一级"},
        ],
    )
    children = [line.batch_id for line in operation.lines if line.role.value == "output"]
    assert all(compliance.list_certificates(db_session, qc, c) == [] for c in children)

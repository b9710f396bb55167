"""Spreadsheet imports through the API: templates in Chinese, every row valid or nothing written,
errors by row and column, duplicates warned, dry runs, the same file imported once."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests import factories
from tests.conftest import JINBI, SANTAI
from tests.imports.helpers import csv_bytes, filled_xlsx, upload
from trace.models.audit import AuditEntry
from trace.models.batches import Batch
from trace.models.events import TraceEvent
from trace.models.producers import Producer
from trace.models.training import Attendance, Course, Trainee, TrainingSession
from trace.quantities import to_kg

PRODUCER_HEADER = ["名称", "类型", "乡镇", "村", "统一社会信用代码", "联系电话", "建档立卡户"]


def count(db_session, model) -> int:
    return db_session.scalar(select(func.count()).select_from(model))


def template(client, headers, kind, fmt="xlsx") -> bytes:
    response = client.get(f"/api/v1/imports/{kind}/template.{fmt}", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data()


def test_templates_carry_chinese_headers_notes_and_choices(client, as_role):
    headers = as_role("qc")
    book = load_workbook(io.BytesIO(template(client, headers, "producers")), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert rows[0][:3] == ("名称*", "类型*", "乡镇*")
    assert rows[1][0].startswith("填写说明") and "合作社" in rows[1][1]
    assert len(rows) == 2  # header and notes only: no example row to be imported by mistake
    choices = {r[0]: r for r in zip(*book["可选值"].iter_rows(values_only=True), strict=False)}
    assert "农户" in choices["类型"] and "三台乡" in choices["乡镇"]
    csv_text = template(client, headers, "attendance", "csv").decode("utf-8")
    assert csv_text.startswith("\ufeff培训日期*,课程*,乡镇*,姓名*")


def test_a_template_filled_in_chinese_imports_through_the_services(client, db_session, as_role):
    headers = as_role("station")  # 三台乡's station
    rows = [
        ["罗秀芬（示例）", "农户", "三台乡", "多底河村", None, 13800001111, "是"],
        ["三台核桃合作社（示例）", "合作社", "三台", "三台村", factories.credit_code(), "", "否"],
    ]
    data = filled_xlsx(template(client, headers, "producers"), rows)
    response = upload(client, "producers", data, headers)
    body = response.get_json()
    assert response.status_code == 201, body
    assert (body["status"], body["created"], body["errors"]) == ("imported", 2, [])
    farmer = db_session.scalar(select(Producer).where(Producer.name == "罗秀芬（示例）"))
    assert (farmer.kind.value, farmer.township_code, farmer.phone) == (
        "farmer",
        SANTAI,
        "13800001111",
    )
    assert farmer.is_poverty_registered is True
    audits = db_session.scalars(
        select(AuditEntry.action).where(AuditEntry.action == "producer.create")
    )
    assert len(list(audits)) == 2  # the form's service wrote its audit entries


def test_two_bad_rows_write_nothing_and_name_rows_and_columns(client, db_session, as_role):
    headers = as_role("qc")
    before = (count(db_session, Producer), count(db_session, AuditEntry))
    rows = [
        ["好农户（示例）", "农户", "三台乡", "", "", "", ""],
        ["坏类型（示例）", "大户", "三台乡", "", "", "", ""],
        ["好农户二（示例）", "农户", "金碧镇", "", "", "", ""],
        ["坏乡镇（示例）", "农户", "月球乡", "", "", "12", ""],
    ]
    data = filled_xlsx(template(client, headers, "producers"), rows)
    response = upload(client, "producers", data, headers)
    body = response.get_json()
    assert response.status_code == 422, body
    found = {(e["row"], e["column"], e["code"]) for e in body["row_errors"]}
    assert (4, "类型", "import.choice") in found  # the data start on row 3, below the notes
    assert (6, "乡镇", "import.choice") in found
    assert {e["row"] for e in body["row_errors"]} == {4, 6}
    kind_error = next(e for e in body["row_errors"] if e["column"] == "类型")
    assert "农户" in kind_error["message"] and "请填写以下之一" in kind_error["message"]
    assert body["message_code"] == "import.invalid" and "没有导入任何记录" in body["message"]
    assert (count(db_session, Producer), count(db_session, AuditEntry)) == before


def test_english_wording_with_the_same_codes(client, as_role):
    headers = as_role("qc")
    data = csv_bytes(PRODUCER_HEADER, [["X（示例）", "大户", "三台乡", "", "", "", ""]], "utf-8")
    body = upload(client, "producers", data, headers, "p.csv", "?lang=en").get_json()
    assert body["row_errors"][0]["code"] == "import.choice"
    assert body["row_errors"][0]["message"].startswith("Use one of")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding_excel_saves(client, db_session, as_role, encoding):
    headers = as_role("qc")
    rows = [["李桂芬（示例）", "农户", "金碧镇", "大村", "", "", "否"]]
    response = upload(
        client, "producers", csv_bytes(PRODUCER_HEADER, rows, encoding), headers, "p.csv"
    )
    assert response.status_code == 201, response.get_json()
    found = db_session.scalar(select(Producer).where(Producer.name == "李桂芬（示例）"))
    assert found.township_code == JINBI and found.village == "大村"


def test_duplicate_producers_are_warned_then_imported_when_confirmed(
    client, db_session, as_role, make_user
):
    headers = as_role("qc")
    factories.producer(
        db_session,
        make_user("admin"),
        name="张秀英",
        village="多底河村",
        township_code=SANTAI,
        phone="13900002222",
    )
    rows = [
        [
            "张秀英",
            "农户",
            "三台乡",
            "多底河村",
            "",
            "",
            "",
        ],  # as registered: same name and village
        ["王二（示例）", "农户", "三台乡", "", "", "13700003333", ""],
        [
            "王三（示例）",
            "农户",
            "三台乡",
            "",
            "",
            "13700003333",
            "",
        ],  # same phone as the row above
    ]
    data = csv_bytes(PRODUCER_HEADER, rows, "utf-8")
    before = count(db_session, Producer)
    first = upload(client, "producers", data, headers, "p.csv")
    body = first.get_json()
    assert first.status_code == 409 and body["report"] == "needs_confirmation", body
    warned = {(w["row"], w["column"], w["code"]) for w in body["warnings"]}
    assert warned == {
        (2, "名称", "import.duplicate_producer_db"),
        (4, "联系电话", "import.duplicate_producer_file"),
    }
    assert "同名同村" in body["warnings"][0]["message"]
    assert count(db_session, Producer) == before
    confirmed = upload(client, "producers", data, headers, "p.csv", "?confirm=1")
    assert confirmed.status_code == 201, confirmed.get_json()
    assert count(db_session, Producer) == before + 3


def test_a_dry_run_writes_nothing(client, db_session, as_role):
    headers = as_role("qc")
    data = csv_bytes(PRODUCER_HEADER, [["赵四（示例）", "农户", "三台乡", "", "", "", ""]], "utf-8")
    before = (count(db_session, Producer), count(db_session, AuditEntry))
    response = upload(client, "producers", data, headers, "p.csv", "?dry_run=1")
    assert response.status_code == 200 and response.get_json()["status"] == "checked"
    assert (count(db_session, Producer), count(db_session, AuditEntry)) == before
    assert upload(client, "producers", data, headers, "p.csv").status_code == 201  # then for real


def test_the_same_file_imports_once(client, db_session, as_role):
    headers = as_role("qc")
    data = csv_bytes(PRODUCER_HEADER, [["钱五（示例）", "农户", "三台乡", "", "", "", ""]], "utf-8")
    assert upload(client, "producers", data, headers, "p.csv").status_code == 201
    again = upload(client, "producers", data, headers, "p.csv", "?confirm=1")
    assert (
        again.status_code == 409 and again.get_json()["message_code"] == "import.already_imported"
    )
    assert (
        db_session.scalar(
            select(func.count()).select_from(Producer).where(Producer.name == "钱五（示例）")
        )
        == 1
    )


def test_a_station_imports_only_its_own_township(client, db_session, as_role):
    headers = as_role("station")  # 三台乡
    rows = [["孙六（示例）", "农户", "金碧镇", "", "", "", ""]]
    response = upload(
        client, "producers", csv_bytes(PRODUCER_HEADER, rows, "utf-8"), headers, "p.csv"
    )
    assert response.status_code == 422
    assert response.get_json()["row_errors"][0]["column"] == "乡镇"
    refused = upload(client, "batches", b"x", as_role("regulator"), "b.csv")
    assert refused.status_code == 403


def test_batches_import_with_lots_events_and_the_kg_path(client, db_session, as_role, make_user):
    headers = as_role("station")
    admin = make_user("admin")
    product = factories.product(db_session, admin, name="三台核桃（示例）")
    farmer = factories.producer(
        db_session, admin, name="罗秀芬", township_code=SANTAI, village="多底河村"
    )
    rows = [
        [product.name, "罗秀芬", None, "2025年9月15日", 320, "公斤", "三台乡", None, "2号地"],
        [product.gtin, "罗秀芬", None, dt.date(2025, 9, 16), "1,250.5", "千克", None, "另一村", ""],
    ]
    data = filled_xlsx(template(client, headers, "batches"), rows)
    response = upload(client, "batches", data, headers)
    assert response.status_code == 201, response.get_json()
    batches = list(
        db_session.scalars(select(Batch).where(Batch.producer_id == farmer.id).order_by(Batch.id))
    )
    assert [(format(b.quantity.normalize(), "f"), b.unit.value) for b in batches] == [
        ("320", "kg"),
        ("1250.5", "kg"),
    ]
    assert batches[0].village == "多底河村"  # filled from the producer
    assert batches[1].village == "另一村" and batches[1].township_code == SANTAI  # station's own
    assert batches[0].lot.startswith("DY208HT250915-")
    events = db_session.scalars(
        select(TraceEvent).where(TraceEvent.batch_id == batches[0].id)
    ).all()
    assert [e.event_type.value for e in events] == ["commissioning"] and len(events[0].hash) == 64


def test_batches_unknown_product_and_producer_and_units(client, db_session, as_role, make_user):
    headers = as_role("qc")
    header = ["产品", "生产主体", "采收日期", "数量", "单位", "乡镇"]
    rows = [
        ["没有的产品", "没有的人", "2025-09-15", "三百斤", "担", "三台乡"],
    ]
    response = upload(client, "batches", csv_bytes(header, rows, "utf-8"), headers, "b.csv")
    found = {(e["column"], e["code"]) for e in response.get_json()["row_errors"]}
    assert found == {
        ("产品", "import.no_product"),
        ("生产主体", "import.no_producer"),
        ("数量", "quantity.not_a_number"),
        ("单位", "import.choice"),
    }
    assert count(db_session, Batch) == 0


def test_batches_in_jin_as_farmers_write_them(client, db_session, as_role, make_user):
    """斤 in the 单位 column or typed with the number ("320斤") is stored as typed and converted
    once (1 斤 = 0.5 kg); a unit typed with the number must agree with the 单位 column."""
    headers = as_role("qc")
    admin = make_user("admin")
    product = factories.product(db_session, admin, name="三台核桃（示例）")
    factories.producer(db_session, admin, name="罗秀芬", township_code=SANTAI, village="多底河村")
    header = ["产品", "生产主体", "采收日期", "数量", "单位", "乡镇"]
    clash = [[product.name, "罗秀芬", "2025-09-15", "320斤", "千克", "三台乡"]]
    refused = upload(client, "batches", csv_bytes(header, clash, "utf-8"), headers, "b.csv")
    assert refused.status_code == 422
    found = {(e["row"], e["column"], e["code"]) for e in refused.get_json()["row_errors"]}
    assert found == {(2, "数量", "quantity.unit_conflict")}
    assert count(db_session, Batch) == 0
    rows = [
        [product.name, "罗秀芬", "2025-09-15", "320斤", "", "三台乡"],
        [product.name, "罗秀芬", "2025-09-16", "1.5 公斤", "", "三台乡"],
        [product.name, "罗秀芬", "2025-09-17", "40", "斤", "三台乡"],
    ]
    response = upload(client, "batches", csv_bytes(header, rows, "gb18030"), headers, "b.csv")
    assert response.status_code == 201, response.get_json()
    batches = list(db_session.scalars(select(Batch).order_by(Batch.harvested_on)))
    assert [(format(b.quantity.normalize(), "f"), b.unit.value) for b in batches] == [
        ("320", "jin"),
        ("1.5", "kg"),
        ("40", "jin"),
    ]
    assert [to_kg(b.quantity, b.unit) for b in batches] == [
        Decimal("160"),
        Decimal("1.5"),
        Decimal("20"),
    ]


def test_missing_columns_and_unreadable_files(client, as_role):
    headers = as_role("qc")
    response = upload(client, "batches", csv_bytes(["产品"], [["x"]], "utf-8"), headers, "b.csv")
    body = response.get_json()
    assert response.status_code == 422 and body["row_errors"][0]["code"] == "import.column_missing"
    assert "生产主体" in body["row_errors"][0]["message"]
    broken = upload(client, "producers", b"PK\x03\x04 not a zip", headers, "p.xlsx")
    assert (
        broken.status_code == 422 and broken.get_json()["message_code"] == "import.file_unreadable"
    )


@pytest.fixture()
def training(db_session, make_user):
    admin = make_user("admin")
    course = Course(title="电商基础（示例）", kind="general")
    db_session.add(course)
    db_session.flush()
    held = TrainingSession(
        course_id=course.id,
        township_code=SANTAI,
        held_on=dt.date(2025, 11, 20),
        hours=2,
        created_by_id=admin.id,
    )
    db_session.add(held)
    db_session.flush()
    return held


ATTENDANCE_HEADER = ["培训日期", "课程", "乡镇", "姓名", "村", "建档立卡户", "残疾人"]


def test_attendance_imports_person_times_and_reuses_known_trainees(
    client, db_session, as_role, training
):
    headers = as_role("station")
    known = Trainee(name="李桂芬", township_code=SANTAI, village="多底河村")
    db_session.add(known)
    db_session.flush()
    rows = [
        ["2025-11-20", "电商基础（示例）", "三台乡", "李桂芬", "多底河村", "", ""],
        ["2025/11/20", "电商基础（示例）", "", "杨小红", "多底河村", "是", "否"],
    ]
    response = upload(
        client, "attendance", csv_bytes(ATTENDANCE_HEADER, rows, "gb18030"), headers, "a.csv"
    )
    assert response.status_code == 201, response.get_json()
    present = db_session.scalars(
        select(Attendance).where(Attendance.session_id == training.id)
    ).all()
    assert len(present) == 2 and known.id in {a.trainee_id for a in present}
    new = db_session.scalar(select(Trainee).where(Trainee.name == "杨小红"))
    assert new.is_poverty_registered is True and new.is_disabled is False
    again = [
        ["2025-11-20", "电商基础（示例）", "三台乡", "李桂芬", "多底河村", "", ""],
        ["2025-11-20", "电商基础（示例）", "三台乡", "王五", "", "", ""],
        ["2025-11-20", "电商基础（示例）", "三台乡", "王五", "", "", ""],
    ]
    refused = upload(
        client, "attendance", csv_bytes(ATTENDANCE_HEADER, again, "utf-8"), headers, "b.csv"
    )
    found = {(e["row"], e["code"]) for e in refused.get_json()["row_errors"]}
    assert found == {(2, "import.already_present"), (4, "import.duplicate_row")}


def test_attendance_into_a_chosen_session(client, db_session, as_role, training):
    headers = as_role("station")
    rows = [
        ["", "", "", "周七（示例）", "", "", ""],
        ["2025-11-21", "", "", "吴八（示例）", "", "", ""],
    ]
    query = f"?session_id={training.id}"
    response = upload(
        client, "attendance", csv_bytes(ATTENDANCE_HEADER, rows, "utf-8"), headers, "a.csv", query
    )
    body = response.get_json()
    assert response.status_code == 422
    assert [(e["row"], e["column"], e["code"]) for e in body["row_errors"]] == [
        (3, "培训日期", "import.session_mismatch")
    ]
    ok = upload(
        client,
        "attendance",
        csv_bytes(ATTENDANCE_HEADER, rows[:1], "utf-8"),
        headers,
        "b.csv",
        query,
    )
    assert ok.status_code == 201, ok.get_json()

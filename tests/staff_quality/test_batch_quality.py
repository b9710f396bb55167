"""A batch's quality page: inspections judged per item, dispositions, report PDFs, gradings."""

from __future__ import annotations

import io

from tests.staff.helpers import csrf_from, field_error, field_value, sign_in, submit, text
from tests.staff_quality.conftest import count
from trace.models.batches import BatchStatus
from trace.models.grading import Grading
from trace.models.inspections import Disposition, Inspection, InspectionReport

PDF_BYTES = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

PASSING_ROWS = [
    ("aflatoxin_b1", "1.2", "µg/kg"),
    ("acid_value", "0.8", "mg/g"),
    ("peroxide_value", "0.03", "g/100g"),
    ("moisture", "6.9", "%"),
    ("lead", "0.05", "mg/kg"),
]


def inspection_form(report_no: str = "DYQC-2025-0101", rows=PASSING_ROWS, skip_row: int = 1):
    """The form as typed, leaving row `skip_row` blank (blank rows are ignored)."""
    data = {
        "lab": "大姚县农产品质量检测中心（示例）",
        "report_no": report_no,
        "sampled_on": "2025-09-22",
        "tested_on": "2025-09-24",
    }
    slots = [i for i in range(6) if i != skip_row]
    for slot, (item, value, unit) in zip(slots, rows, strict=False):
        data[f"results.{slot}.item"] = item
        data[f"results.{slot}.value"] = value
        data[f"results.{slot}.unit"] = unit
    return data


def test_batch_page_links_to_its_quality_records(client, make_user, walnut_batch):
    sign_in(client, make_user("station"))
    page = text(client.get(f"/staff/batches/{walnut_batch.id}"))
    assert f'href="/staff/batches/{walnut_batch.id}/quality"' in page
    quality = client.get(f"/staff/batches/{walnut_batch.id}/quality")
    assert quality.status_code == 200 and "还没有检测报告" in text(quality)
    # Station staff read the records but are not offered the QC centre's forms.
    assert "/inspections/new" not in text(quality)


def test_qc_records_a_failing_inspection_and_sees_each_item(
    client, make_user, walnut_batch, db_session
):
    sign_in(client, make_user("qc"))
    url = f"/staff/batches/{walnut_batch.id}/inspections/new"
    rows = [("aflatoxin_b1", "7.3", "μg/kg"), *PASSING_ROWS[1:]]
    response = submit(client, url, inspection_form(rows=rows))
    assert response.status_code == 303, field_error(text(response), "results.0.item")
    assert count(db_session, Inspection) == 1
    db_session.refresh(walnut_batch)
    assert walnut_batch.status is BatchStatus.ON_HOLD  # a failure holds the lot
    page = text(client.get(response.headers["Location"]))
    assert 'data-passed="0"' in page  # the report as a whole failed
    aflatoxin = page.split('data-item="aflatoxin_b1"')[1].split("</tr>")[0]
    acid = page.split('data-item="acid_value"')[1].split("</tr>")[0]
    assert "不合格" in aflatoxin and "不合格" not in acid and "合格" in acid
    assert "处置决定" in page  # qc is offered the disposition form for a held lot


def test_bad_inspection_keeps_input_and_names_the_row(client, make_user, walnut_batch, db_session):
    sign_in(client, make_user("qc"))
    url = f"/staff/batches/{walnut_batch.id}/inspections/new"
    data = inspection_form()
    data["results.3.value"] = "很多"  # the third filled row sits on form row 3
    data["tested_on"] = "2025-09-20"  # before sampling
    response = submit(client, url, data)
    html = text(response)
    assert response.status_code == 422
    assert field_error(html, "results.3.value") == "请输入数字"
    assert field_value(html, "lab") == "大姚县农产品质量检测中心（示例）"
    assert field_value(html, "results.3.value") == "很多"
    assert count(db_session, Inspection) == 0
    # A service refusal (unknown item) lands on the row it came from, after the blank one.
    data = inspection_form()
    data["results.2.item"] = "no_such_item"
    refused = submit(client, url, data)
    assert refused.status_code == 422
    assert field_error(text(refused), "results.2.item")
    assert count(db_session, Inspection) == 0
    # No rows at all.
    empty = submit(client, url, {k: v for k, v in data.items() if not k.startswith("results")})
    assert empty.status_code == 422 and field_error(text(empty), "results")


def test_inspection_form_needs_inspection_permission(client, make_user, walnut_batch, db_session):
    sign_in(client, make_user("station"))
    url = f"/staff/batches/{walnut_batch.id}/inspections/new"
    assert client.get(url).status_code == 403
    token = csrf_from(client.get(f"/staff/batches/{walnut_batch.id}"))
    response = client.post(url, data={**inspection_form(), "csrf_token": token})
    assert response.status_code == 403
    assert count(db_session, Inspection) == 0


def _failed_inspection(client, batch_id):
    rows = [("aflatoxin_b1", "7.3", "μg/kg"), *PASSING_ROWS[1:]]
    url = f"/staff/batches/{batch_id}/inspections/new"
    assert submit(client, url, inspection_form("DYQC-F-1", rows=rows)).status_code == 303


def test_qc_decides_a_disposition(client, make_user, walnut_batch, db_session):
    sign_in(client, make_user("qc"))
    _failed_inspection(client, walnut_batch.id)
    url = f"/staff/batches/{walnut_batch.id}/dispositions/new"
    # Release without a passing re-test is refused beside the choice; nothing written.
    refused = submit(client, url, {"kind": "release"})
    assert refused.status_code == 422
    assert field_error(text(refused), "kind")
    assert 'value="release" selected' in text(refused)
    # A downgrade needs its grade.
    missing = submit(client, url, {"kind": "downgrade", "note": "降为加工用"})
    assert missing.status_code == 422 and field_error(text(missing), "grade")
    assert count(db_session, Disposition) == 0
    done = submit(client, url, {"kind": "downgrade", "grade": "二级", "note": "降为加工用"})
    assert done.status_code == 303
    assert count(db_session, Disposition) == 1
    db_session.refresh(walnut_batch)
    assert walnut_batch.status is BatchStatus.ACTIVE and walnut_batch.grade == "二级"


def test_only_qc_records_dispositions(client, make_user, walnut_batch, db_session):
    sign_in(client, make_user("admin"))
    _failed_inspection(client, walnut_batch.id)
    url = f"/staff/batches/{walnut_batch.id}/dispositions/new"
    assert client.get(url).status_code == 403
    token = csrf_from(client.get(f"/staff/batches/{walnut_batch.id}/quality"))
    assert client.post(url, data={"kind": "re_test", "csrf_token": token}).status_code == 403
    assert count(db_session, Disposition) == 0


def test_report_pdf_upload_and_download(client, make_user, walnut_batch, db_session):
    sign_in(client, make_user("qc"))
    url = f"/staff/batches/{walnut_batch.id}/inspections/new"
    assert submit(client, url, inspection_form()).status_code == 303
    inspection_id = db_session.query(Inspection.id).scalar()
    page_url = f"/staff/batches/{walnut_batch.id}/quality"
    upload = f"/staff/batches/{walnut_batch.id}/inspections/{inspection_id}/report"
    # Not a PDF: refused beside the file field, nothing stored.
    token = csrf_from(client.get(page_url))
    bad = client.post(
        upload,
        data={"csrf_token": token, "file": (io.BytesIO(b"<html>"), "r.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and field_error(text(bad), "file")
    assert count(db_session, InspectionReport) == 0
    good = client.post(
        upload,
        data={
            "csrf_token": token,
            "file": (io.BytesIO(PDF_BYTES), "检测报告.pdf", "application/pdf"),
        },
        content_type="multipart/form-data",
    )
    assert good.status_code == 303
    assert count(db_session, InspectionReport) == 1
    download = client.get(upload)
    assert download.status_code == 200 and download.data == PDF_BYTES
    # A station may read the page but not upload.
    client.post("/staff/sign-out", data={"csrf_token": csrf_from(client.get(page_url))})
    sign_in(client, make_user("station"))
    token = csrf_from(client.get(page_url))
    refused = client.post(
        upload,
        data={"csrf_token": token, "file": (io.BytesIO(PDF_BYTES), "x.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 403


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


def grading_form(**changes: str) -> dict[str, str]:
    data = {"graded_on": "2025-09-20"}
    data.update({f"measurements.{k}": v for k, v in {**SUPERIOR, **changes}.items()})
    return data


def test_grading_shows_computed_grade_and_failed_thresholds(
    client, make_user, walnut_batch, db_session
):
    sign_in(client, make_user("qc"))
    url = f"/staff/batches/{walnut_batch.id}/gradings/new"
    response = submit(client, url, grading_form(kernel_ratio_pct="45.0"))
    assert response.status_code == 303
    assert count(db_session, Grading) == 1
    grading = db_session.query(Grading).one()
    assert grading.computed_grade != "特级"
    page = text(client.get(response.headers["Location"]))
    assert f'data-computed="{grading.computed_grade}"' in page
    # The better grade it missed and the threshold that failed, with the measured value.
    assert "特级" in page and "出仁率（%）" in page and "45.0" in page


def test_bad_grading_is_named_and_nothing_written(client, make_user, walnut_batch, db_session):
    sign_in(client, make_user("qc"))
    url = f"/staff/batches/{walnut_batch.id}/gradings/new"
    bad = submit(client, url, grading_form(kernel_ratio_pct="120"))
    assert bad.status_code == 422
    assert field_error(text(bad), "measurements.kernel_ratio_pct") == "须在 0 到 100 之间"
    assert field_value(text(bad), "measurements.diameter_mm") == "32.5"
    # A claim the measurements do not support is refused beside the claim.
    claim = submit(client, url, {**grading_form(kernel_ratio_pct="45.0"), "claimed_grade": "特级"})
    assert claim.status_code == 422 and field_error(text(claim), "claimed_grade")
    assert count(db_session, Grading) == 0


def test_station_may_not_grade(client, make_user, walnut_batch, db_session):
    sign_in(client, make_user("station"))
    url = f"/staff/batches/{walnut_batch.id}/gradings/new"
    assert client.get(url).status_code == 403
    token = csrf_from(client.get(f"/staff/batches/{walnut_batch.id}/quality"))
    assert client.post(url, data={**grading_form(), "csrf_token": token}).status_code == 403
    assert count(db_session, Grading) == 0

"""Certificates, packaging designs and brand admission through the staff forms."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from tests import factories
from tests.staff.helpers import csrf_from, field_error, field_value, sign_in, submit, text
from tests.staff_quality.conftest import count
from trace import clock
from trace.models.brand import ApplicationStatus, BrandApplication
from trace.models.certifications import Certification
from trace.models.packaging import PackagingSpec

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def cert_form(scope: int, **changes: str) -> dict[str, str]:
    data = {
        "cert_type": "green_food",
        "number": "GF532326250001",
        "holder": "测试核桃合作社（示例）",
        "issuer": "中国绿色食品发展中心",
        "scope": "product",
        "scope_id": str(scope),
        "valid_from": "2025-03-01",
        "valid_to": "2028-02-28",
    }
    data.update(changes)
    return data


def test_qc_records_a_certificate_and_uploads_its_scan(client, make_user, walnut_batch, db_session):
    sign_in(client, make_user("qc"))
    response = submit(client, "/staff/certifications/new", cert_form(walnut_batch.product_id))
    assert response.status_code == 303
    assert count(db_session, Certification) == 1
    cert = db_session.query(Certification).one()
    token = csrf_from(client.get("/staff/certifications"))
    url = f"/staff/certifications/{cert.id}/file"
    bad = client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(b"plain text"), "c.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and field_error(text(bad), "file")
    good = client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(PNG_BYTES), "c.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert good.status_code == 303
    db_session.refresh(cert)
    assert cert.has_file
    assert client.get(url).data == PNG_BYTES


def test_certificate_list_highlights_expiring_ones(
    dayao_clock, client, make_user, walnut_batch, db_session
):
    sign_in(client, make_user("qc"))
    today = clock.local_today()
    soon = cert_form(
        walnut_batch.product_id,
        valid_from=(today - dt.timedelta(days=300)).isoformat(),
        valid_to=(today + dt.timedelta(days=10)).isoformat(),
    )
    assert submit(client, "/staff/certifications/new", soon).status_code == 303
    page = text(client.get("/staff/certifications"))
    assert 'data-status="expiring"' in page and "<mark>即将到期</mark>" in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"number": "GF53232625001"}, "number", None),
        ({"holder": ""}, "holder", "必填"),
        ({"scope_id": "abc"}, "scope_id", "请输入整数"),
        ({"valid_from": "2025-13-01"}, "valid_from", "日期格式应为 年-月-日"),
    ],
)
def test_bad_certificate_is_named_and_nothing_written(
    client, make_user, walnut_batch, db_session, changes, field, message
):
    sign_in(client, make_user("qc"))
    response = submit(
        client, "/staff/certifications/new", cert_form(walnut_batch.product_id, **changes)
    )
    html = text(response)
    assert response.status_code == 422
    error = field_error(html, field)
    assert error and (message is None or error == message)
    assert field_value(html, "issuer") == "中国绿色食品发展中心"
    assert count(db_session, Certification) == 0


def test_station_may_not_record_certificates(client, make_user, walnut_batch, db_session):
    sign_in(client, make_user("station"))
    assert client.get("/staff/certifications").status_code == 200
    assert client.get("/staff/certifications/new").status_code == 403
    token = csrf_from(client.get("/staff/certifications"))
    data = {**cert_form(walnut_batch.product_id), "csrf_token": token}
    assert client.post("/staff/certifications/new", data=data).status_code == 403
    assert count(db_session, Certification) == 0


def package_form(product_id: int, **changes: str) -> dict[str, object]:
    data: dict[str, object] = {
        "design_code": "dy-ht-500-gb",
        "name": "三台核桃 500 g 礼盒（示例）",
        "package_type": "gift_box",
        "net_content_g": "500",
        "materials": "食品级PE内袋 + 白卡纸盒",
        "length_mm": "240",
        "width_mm": "160",
        "height_mm": "80",
        "label_template": "a4-3x8",
        "product_ids": [str(product_id)],
    }
    data.update(changes)
    return data


def test_qc_adds_a_packaging_design_and_sees_the_count(client, make_user, admin, db_session):
    walnut = factories.product(db_session, admin)
    sign_in(client, make_user("qc"))
    assert "在用标准包装 0 种" in text(client.get("/staff/packaging"))
    response = submit(client, "/staff/packaging/new", package_form(walnut.id))
    assert response.status_code == 303
    spec = db_session.query(PackagingSpec).one()
    assert spec.design_code == "DY-HT-500-GB" and [p.id for p in spec.products] == [walnut.id]
    page = text(client.get("/staff/packaging"))
    assert "在用标准包装 1 种" in page and "还差 19 种" in page and "DY-HT-500-GB" in page


def test_bad_packaging_design_is_named_and_nothing_written(client, make_user, admin, db_session):
    walnut = factories.product(db_session, admin)
    sign_in(client, make_user("qc"))
    bad = submit(client, "/staff/packaging/new", package_form(walnut.id, net_content_g="五百"))
    assert bad.status_code == 422
    assert field_error(text(bad), "net_content_g") == "请输入整数"
    assert field_value(text(bad), "name") == "三台核桃 500 g 礼盒（示例）"
    assert f'value="{walnut.id}" checked' in text(bad)  # the chosen product stays ticked
    unknown = submit(client, "/staff/packaging/new", package_form(999999))
    assert unknown.status_code == 422 and field_error(text(unknown), "product_ids")
    assert count(db_session, PackagingSpec) == 0


def test_station_may_not_add_packaging(client, make_user, admin, db_session):
    walnut = factories.product(db_session, admin)
    sign_in(client, make_user("station"))
    assert client.get("/staff/packaging/new").status_code == 403
    token = csrf_from(client.get("/staff/packaging"))
    data = {**package_form(walnut.id), "csrf_token": token}
    assert client.post("/staff/packaging/new", data=data).status_code == 403
    assert count(db_session, PackagingSpec) == 0


def _apply(client, batch):
    data = {"producer_id": str(batch.producer_id), "product_id": str(batch.product_id)}
    return submit(client, "/staff/brand/new", data)


def test_station_applies_and_qc_sees_the_failing_rules(client, make_user, walnut_batch, db_session):
    station = make_user("station", township_code=walnut_batch.township_code)
    sign_in(client, station)
    response = _apply(client, walnut_batch)
    assert response.status_code == 303
    assert count(db_session, BrandApplication) == 1
    page = text(client.get(response.headers["Location"]))
    # No inspection and no grading yet: those two admission rules fail, and say so.
    assert 'data-rule="latest_inspection_passed" data-passed="0"' in page
    assert 'data-rule="min_grade" data-passed="0"' in page
    assert 'data-rule="origin_in_county" data-passed="1"' in page
    assert "/approve" not in page  # a station does not review


def test_apply_form_errors_and_permission(client, make_user, walnut_batch, db_session):
    sign_in(client, make_user("qc"))
    missing = submit(client, "/staff/brand/new", {"product_id": str(walnut_batch.product_id)})
    assert missing.status_code == 422 and field_error(text(missing), "producer_id") == "必填"
    assert f'value="{walnut_batch.product_id}" selected' in text(missing)
    assert count(db_session, BrandApplication) == 0
    client.post("/staff/sign-out", data={"csrf_token": csrf_from(client.get("/staff/brand"))})
    sign_in(client, make_user("regulator"))
    assert client.get("/staff/brand").status_code == 200
    assert client.get("/staff/brand/new").status_code == 403


def test_review_reject_with_reasons_then_refuse_approval(
    client, make_user, walnut_batch, db_session
):
    sign_in(client, make_user("qc"))
    assert _apply(client, walnut_batch).status_code == 303
    application = db_session.query(BrandApplication).one()
    page = f"/staff/brand/{application.id}"
    # Approval is refused while rules fail; the page says why, nothing changes.
    refused = submit(client, f"{page}/approve", {"note": "同意"}, form_page=page)
    assert refused.status_code == 422 and "请修改标出的内容" in text(refused)
    db_session.refresh(application)
    assert application.status is ApplicationStatus.PENDING
    # Reject needs reasons, shown beside the field.
    empty = submit(client, f"{page}/reject", {"reasons": "  "}, form_page=page)
    assert empty.status_code == 422 and field_error(text(empty), "reasons") == "必填"
    done = submit(client, f"{page}/reject", {"reasons": "未提供检测报告\n未分级"}, form_page=page)
    assert done.status_code == 303
    db_session.refresh(application)
    assert application.status is ApplicationStatus.REJECTED
    assert application.decision_reasons == ["未提供检测报告", "未分级"]


def test_station_may_not_review(client, make_user, walnut_batch, db_session):
    station = make_user("station", township_code=walnut_batch.township_code)
    sign_in(client, station)
    assert _apply(client, walnut_batch).status_code == 303
    application = db_session.query(BrandApplication).one()
    page = f"/staff/brand/{application.id}"
    for action, data in (
        ("approve", {}),
        ("reject", {"reasons": "x"}),
        ("suspend", {"reason": "x"}),
    ):
        response = client.post(
            f"{page}/{action}", data={**data, "csrf_token": csrf_from(client.get(page))}
        )
        assert response.status_code == 403
    db_session.refresh(application)
    assert application.status is ApplicationStatus.PENDING

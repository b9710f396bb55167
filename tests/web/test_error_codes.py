"""Error codes end to end (issue 18 part 1): a representative refusal of each service module
arrives through the API as its stable code and parameters (`message_code`, `error_codes`) and
worded in the request's language; on the staff page that meets it, worded in Chinese, and in
English with Accept-Language: en."""

from __future__ import annotations

import re

import pytest

from tests.conftest import JINBI
from tests.staff.helpers import field_error, sign_in, submit, text
from trace.messages import MESSAGES

CHINESE = re.compile(r"[\u4e00-\u9fff]")
MISSING = 999_999

# (service module, URL of a record that does not exist, its code, the Chinese wording)
NOT_FOUND = [
    ("batches", "/api/v1/batches/{id}", "batch.not_found", "没有这个批次（编号 999999）"),
    ("brand", "/api/v1/brand-applications/{id}", "brand_application.not_found", "品牌申请"),
    ("certifications", "/api/v1/certifications/{id}", "certification.not_found", "证书"),
    ("logistics.facilities", "/api/v1/facilities/{id}", "facility.not_found", "场所"),
    ("grading", "/api/v1/grading-standards/{id}", "standard.not_found", "分级标准"),
    ("inspections", "/api/v1/inspection-limits/{id}", "limit.not_found", "限量"),
    ("labels", "/api/v1/label-runs/{id}", "label_run.not_found", "标签"),
    ("genealogy", "/api/v1/lot-operations/{id}", "operation.not_found", "批次操作"),
    ("disclosure", "/api/v1/notices/{id}", "notice.not_found", "公告"),
    ("packaging", "/api/v1/packaging-specs/{id}", "packaging.not_found", "包装设计"),
    ("producers", "/api/v1/producers/{id}", "producer.not_found", "生产主体"),
    ("products", "/api/v1/products/{id}", "product.not_found", "产品"),
    ("recalls", "/api/v1/recalls/{id}", "recall.not_found", "召回"),
    ("feedback.reports", "/api/v1/reports/{id}", "report.not_found", "反映"),
    ("logistics.shipments", "/api/v1/shipments/{id}", "shipment.not_found", "运单"),
    ("stations", "/api/v1/stations/{id}", "station.not_found", "服务点"),
    ("targets", "/api/v1/targets/{id}", "target.not_found", "指标"),
]


@pytest.mark.parametrize(("module", "url", "code", "chinese"), NOT_FOUND)
def test_a_missing_record_of_each_module_is_its_code(client, as_role, module, url, code, chinese):
    headers = as_role("admin")
    answer = client.get(url.format(id=MISSING), headers=headers)
    assert answer.status_code == 404, module
    body = answer.get_json()
    assert body["message_code"] == code
    assert chinese in body["message"] and str(MISSING) in body["message"]
    english = client.get(url.format(id=MISSING), headers={**headers, "Accept-Language": "en"})
    worded = english.get_json()["message"]
    assert english.get_json()["message_code"] == code
    assert worded and not CHINESE.search(worded), worded


def _cooperative(**change):
    body = {
        "name": "无信用代码合作社（示例）",
        "kind": "cooperative",
        "township_code": "532326101",
        "village": "三台村",
    }
    return {**body, **change}


# (service module, role, URL, body, status, field, code, Chinese wording, English words)
REFUSALS = [
    (
        "producers",
        "qc",
        "/api/v1/producers",
        _cooperative(),
        422,
        "credit_code",
        "producer.credit_code_required",
        "合作社和企业须填写统一社会信用代码",
        "unified social credit code",
    ),
    (
        "products",
        "qc",
        "/api/v1/products",
        {"gtin": "06909990000751", "name": "核桃（示例）", "category": "walnut_in_shell"},
        422,
        "gtin",
        "gtin.check_digit",
        "GTIN 校验位不对",
        "check digit",
    ),
    (
        "users",
        "admin",
        "/api/v1/users",
        {"email": "x@example.cn", "role": "station", "password": "long enough pass"},
        422,
        "township_code",
        "user.township_required",
        "服务站人员须指定乡镇",
        "township",
    ),
    (
        "policy",
        "station",
        "/api/v1/producers",
        {"name": "别乡农户（示例）", "kind": "farmer", "township_code": JINBI},
        403,
        "township_code",
        "auth.own_township_only",
        "只能登记本乡镇的记录",
        "own township",
    ),
    (
        "schemas (marshmallow)",
        "qc",
        "/api/v1/producers",
        {"kind": "farmer", "township_code": "532326101", "colour": "red"},
        422,
        "name",
        "field.required",
        "必填",
        "Required",
    ),
]


@pytest.mark.parametrize(
    ("module", "role", "url", "body", "status", "field", "code", "chinese", "english"), REFUSALS
)
def test_a_refusal_of_each_module_is_its_code_worded_in_both_languages(
    client, as_role, module, role, url, body, status, field, code, chinese, english
):
    headers = as_role(role)
    answer = client.post(url, json=body, headers=headers)
    assert answer.status_code == status, (module, answer.get_json())
    found = answer.get_json()
    assert [c["code"] for c in found["error_codes"][field]] == [code]
    assert chinese in found["errors"][field][0]
    again = client.post(url, json=body, headers={**headers, "Accept-Language": "en"})
    worded = again.get_json()["errors"][field][0]
    assert english.lower() in worded.lower() and not CHINESE.search(worded)
    assert [c["code"] for c in again.get_json()["error_codes"][field]] == [code]


def test_the_staff_producer_form_words_the_code_in_the_page_language(client, db_session, make_user):
    sign_in(client, make_user("qc"))
    zh = submit(client, "/staff/producers/new", _cooperative(phone="12345"))
    assert zh.status_code == 422
    assert field_error(text(zh), "credit_code") == MESSAGES["producer.credit_code_required"]
    form = client.get("/staff/producers/new?lang=en")
    assert form.status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(form)).group(1)
    en = client.post(
        "/staff/producers/new",
        data={**_cooperative(phone="12345"), "csrf_token": token},
        headers={"Accept-Language": "en"},
    )
    assert en.status_code == 422
    shown = field_error(text(en), "credit_code")
    assert shown == "Cooperatives and enterprises need their unified social credit code"


def test_the_staff_label_form_words_a_schema_range_and_a_service_refusal(
    client, db_session, make_user
):
    from tests import factories

    walnuts = factories.batch(db_session, make_user("admin"))  # no passed inspection yet
    sign_in(client, make_user("qc"))
    url = f"/staff/batches/{walnuts.id}/label-runs/new"
    form = {"count": "10", "template": "a4-3x8", "idempotency_key": "k" * 32}
    refused = submit(client, url, form)
    assert refused.status_code == 422
    assert f"批次 {walnuts.lot} 还没有合格的检测报告" in text(refused)
    english = client.post(
        url,
        data={**form, "csrf_token": _token(client, url)},
        headers={"Accept-Language": "en"},
    )
    assert f"Lot {walnuts.lot} has no passed inspection yet" in text(english)
    too_many = client.post(
        url,
        data={**form, "count": "0", "csrf_token": _token(client, url)},
        headers={"Accept-Language": "en"},
    )
    assert field_error(text(too_many), "count") == "Must be between 1 and 100000"


def _token(client, url):
    return re.search(r'name="csrf_token" value="([^"]+)"', text(client.get(url))).group(1)

"""The staff import pages: errors by row on the page, confirming duplicates without choosing the
file again, and a file above IMPORT_DIRECT_MAX_ROWS imported by a job with a progress page."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.conftest import SANTAI
from tests.imports.helpers import csv_bytes
from tests.staff.helpers import csrf_from, sign_in, text
from trace.models.jobs import Job
from trace.models.producers import Producer

HEADER = ["名称", "类型", "乡镇", "村", "联系电话"]


def post_file(client, url, data, **fields):
    token = csrf_from(client.get(url))
    return client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(data), "名单.csv"), **fields},
        content_type="multipart/form-data",
    )


def named(db_session, prefix):
    return db_session.scalar(
        select(func.count()).select_from(Producer).where(Producer.name.startswith(prefix))
    )


def test_the_page_lists_each_rows_problems_by_column(client, db_session, make_user):
    sign_in(client, make_user("station"))
    assert "/staff/imports/producers" in text(client.get("/staff/producers"))  # linked there
    rows = [["页面甲（示例）", "大户", "", "", ""], ["页面乙（示例）", "农户", "金碧镇", "", ""]]
    page = post_file(client, "/staff/imports/producers", csv_bytes(HEADER, rows, "gb18030"))
    html = text(page)
    assert page.status_code == 422
    assert 'data-row="2"' in html and "第 2 行" in html and "<strong>类型</strong>" in html
    assert 'data-row="3"' in html and "<strong>乡镇</strong>" in html  # not the station's
    assert named(db_session, "页面") == 0


def test_duplicates_are_confirmed_without_choosing_the_file_again(client, db_session, make_user):
    factories.producer(db_session, make_user("admin"), name="张秀英", village="多底河村",
                       township_code=SANTAI)  # fmt: skip
    sign_in(client, make_user("station"))
    rows = [["张秀英", "农户", "三台乡", "多底河村", ""]]
    page = post_file(client, "/staff/imports/producers", csv_bytes(HEADER, rows, "utf-8"))
    html = text(page)
    assert 'data-status="needs_confirmation"' in html and "同名同村" in html
    staged = re.search(r'name="staged" value="([^"]+)"', html).group(1)
    confirmed = client.post(
        "/staff/imports/producers",
        data={
            "csrf_token": csrf_from(page),
            "staged": staged,
            "file_name": "名单.csv",
            "confirm": "1",
        },
    )
    assert confirmed.status_code == 303 and confirmed.headers["Location"].endswith(
        "/staff/producers"
    )
    assert db_session.scalar(select(func.count()).where(Producer.name == "张秀英")) == 2


@pytest.fixture()
def small_requests(app, tmp_path):
    saved = {k: app.config[k] for k in ("JOBS_INLINE", "JOBS_DIR", "IMPORT_DIRECT_MAX_ROWS")}
    app.config.update(JOBS_INLINE=True, JOBS_DIR=str(tmp_path), IMPORT_DIRECT_MAX_ROWS=5)
    yield
    app.config.update(saved)


def test_a_large_file_is_imported_by_a_job(client, db_session, make_user, small_requests):
    sign_in(client, make_user("qc"))
    rows = [[f"任务{i}（示例）", "农户", "三台乡", f"村{i}", ""] for i in range(12)]
    started = post_file(client, "/staff/imports/producers", csv_bytes(HEADER, rows, "utf-8"))
    assert started.status_code == 303 and "/staff/imports/jobs/" in started.headers["Location"]
    done = client.get(started.headers["Location"])
    assert done.status_code == 200 and "已导入 12 行" in text(done)
    assert named(db_session, "任务") == 12
    job = db_session.scalars(select(Job)).one()
    assert (job.kind.value, job.status.value, job.total) == ("producer_import", "finished", 12)


def test_a_large_file_by_api_answers_202_with_the_job(client, db_session, as_role, small_requests):
    headers = as_role("qc")
    rows = [[f"接口{i}（示例）", "农户", "三台乡", f"村{i}", ""] for i in range(8)]
    rows[6][1] = "大户"
    answer = client.post(
        "/api/v1/imports/producers",
        data={"file": (io.BytesIO(csv_bytes(HEADER, rows, "utf-8")), "p.csv")},
        headers=headers,
        content_type="multipart/form-data",
    )
    body = answer.get_json()
    assert answer.status_code == 202 and answer.headers["Location"] == body["job_url"], body
    assert body["progress_url"].startswith("/staff/imports/jobs/")
    status = client.get(body["job_url"], headers=headers).get_json()
    assert status["status"] == "finished" and status["report"]["status"] == "invalid"
    assert [(e["row"], e["column"]) for e in status["report"]["errors"]] == [(8, "类型")]
    assert named(db_session, "接口") == 0  # the job wrote nothing


def test_the_pages_are_linked_and_worded_in_both_languages(client, make_user):
    sign_in(client, make_user("station"))  # stations keep training records
    assert "/staff/imports/attendance" in text(client.get("/staff/program/training"))
    sign_out(client)
    sign_in(client, make_user("qc"))
    assert "/staff/imports/batches" in text(client.get("/staff/batches"))
    chinese = text(client.get("/staff/imports/batches"))
    assert "导入采收批次" in chinese and "下载模板（Excel）" in chinese
    english = text(client.get("/staff/imports/batches?lang=en"))
    assert "Import harvest batches" in english and "Download template (Excel)" in english
    sign_out(client)
    sign_in(client, make_user("regulator"))
    assert client.get("/staff/imports/batches").status_code == 403


def sign_out(client):
    client.post("/staff/sign-out", data={"csrf_token": csrf_from(client.get("/staff/"))})

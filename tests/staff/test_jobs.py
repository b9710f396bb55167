"""Background jobs from the staff pages: a large label run's PDF and a large export are made
outside the request, with a progress page that any server process can serve, then downloaded.

Here jobs run inside the request that starts them (JOBS_INLINE, on the test's transaction); the
browser test (tests/browser/test_staff_flows.py) runs them in a thread of a real server.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from tests import factories, readback
from tests.staff.helpers import csrf_from, sign_in, submit, text
from trace import clock
from trace.jobs import run_job
from trace.models.jobs import Job, JobKind, JobStatus
from trace.models.labels import PackCode
from trace.models.users import Role
from trace.services import jobs as job_service
from trace.services import labels as label_service
from trace.web.database import EXTENSION_KEY


@pytest.fixture()
def inline_jobs(app, tmp_path):
    saved = {k: app.config[k] for k in ("JOBS_INLINE", "JOBS_DIR", "LABEL_PDF_DIRECT_MAX")}
    saved["EXPORT_DIRECT_MAX_ROWS"] = app.config["EXPORT_DIRECT_MAX_ROWS"]
    app.config.update(
        JOBS_INLINE=True, JOBS_DIR=str(tmp_path), LABEL_PDF_DIRECT_MAX=10, EXPORT_DIRECT_MAX_ROWS=1
    )
    yield tmp_path
    app.config.update(saved)


@pytest.fixture()
def label_run(db_session, make_user):
    admin = make_user("admin")
    product = factories.product(db_session, admin, name="大姚松茸（示例）", category="other")
    batch = factories.batch(db_session, admin, product_id=product.id)
    run = label_service.issue_label_run(
        db_session, admin, batch.id, count=30, template="a4-3x8", idempotency_key="job-test-1"
    )
    db_session.flush()
    return run


def _start_print(client, run):
    page = client.get(f"/staff/label-runs/{run.id}")
    assert 'id="print-job"' in text(page) and 'id="pdf-link"' not in text(page)
    started = client.post(f"/staff/label-runs/{run.id}/print", data={"csrf_token": csrf_from(page)})
    assert started.status_code == 303
    return started.headers["Location"]


def test_a_large_run_prints_in_the_background_and_downloads(
    client, db_session, make_user, label_run, inline_jobs, tmp_path
):
    sign_in(client, make_user("qc"))
    status_url = _start_print(client, label_run)
    status = client.get(status_url)
    page = text(status)
    assert status.status_code == 200 and "http-equiv" not in page  # finished: no more refresh
    job = db_session.scalars(select(Job)).one()
    assert (job.kind, job.status, job.done, job.total) == (JobKind.LABEL_PDF, "finished", 30, 30)
    download = re.search(r'href="(/staff/jobs/\d+/file)"', page).group(1)
    pdf = client.get(download)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert (
        f"labels-{label_run.batch.lot}-run{label_run.id}.pdf" in pdf.headers["Content-Disposition"]
    )
    pages = readback.pdf_qr_texts(pdf.get_data(), tmp_path / "out")  # both decoders, every page
    found = [uri for page_codes in pages for uri in page_codes]
    serials = db_session.scalars(
        select(PackCode.serial).where(PackCode.label_run_id == label_run.id)
    ).all()
    assert sorted(uri.rsplit("/", 1)[1] for uri in found) == sorted(serials)  # each once
    listed = text(client.get("/staff/jobs"))  # listed among the user's jobs
    assert f"标签 PDF {label_run.batch.lot} #{label_run.id}" in listed


def test_jobs_are_their_owners_and_printing_is_qcs(
    client, db_session, make_user, label_run, inline_jobs
):
    sign_in(client, make_user("qc"))
    status_url = _start_print(client, label_run)
    client.post("/staff/sign-out", data={"csrf_token": csrf_from(client.get("/staff/"))})
    sign_in(client, make_user("qc"))  # another QC member: the job is not theirs
    assert client.get(status_url).status_code == 404
    assert client.get(status_url + "/file").status_code == 404
    client.post("/staff/sign-out", data={"csrf_token": csrf_from(client.get("/staff/"))})
    sign_in(client, make_user("admin"))
    assert client.get(status_url).status_code == 200
    client.post("/staff/sign-out", data={"csrf_token": csrf_from(client.get("/staff/"))})
    sign_in(client, make_user("station"))
    refused = submit(client, f"/staff/label-runs/{label_run.id}/print", {}, "/staff/")
    assert refused.status_code == 403


def test_progress_while_running_and_a_job_cut_off(client, db_session, make_user):
    owner = make_user("qc")
    now = clock.utcnow()
    running = Job(
        kind=JobKind.LABEL_PDF,
        owner_id=owner.id,
        title="标签 PDF",
        total=10,
        done=3,
        started_at=now,  # taken by a worker
        heartbeat_at=now,
    )
    stopped = Job(
        kind=JobKind.LABEL_PDF,
        owner_id=owner.id,
        title="标签 PDF",
        total=10,
        done=5,
        started_at=now - dt.timedelta(minutes=11),  # taken by a worker that then died
        heartbeat_at=now - dt.timedelta(minutes=10),
    )
    db_session.add_all([running, stopped])
    db_session.flush()
    sign_in(client, owner)
    page = client.get(f"/staff/jobs/{running.id}")
    assert page.status_code == 202 and 'http-equiv="refresh"' in text(page)
    assert 'value="3" max="10"' in text(page)
    # Cut off: the next job worker resumes or fails it (trace.jobs.recover_jobs); its page
    # keeps refreshing meanwhile, the list says it was cut off.
    cut = client.get(f"/staff/jobs/{stopped.id}")
    assert cut.status_code == 202 and 'http-equiv="refresh"' in text(cut)
    assert client.get(f"/staff/jobs/{running.id}/file").status_code == 410
    assert "已中断" in text(client.get("/staff/jobs"))


def test_a_failed_job_says_why_and_leaves_no_file(
    app, client, db_session, make_user, label_run, tmp_path
):
    owner = make_user("qc")
    job = job_service.start_label_pdf(db_session, owner, label_run.id)
    owner.role = Role.STATION  # the owner's role changed before the job ran
    db_session.flush()
    run_job(app.extensions[EXTENSION_KEY], job.id, tmp_path, "trace.test")
    db_session.expire_all()
    assert job.status is JobStatus.FAILED and "无权进行此操作" in job.error  # the refusal, worded
    assert list(tmp_path.iterdir()) == []
    owner.role = Role.QC
    db_session.flush()
    sign_in(client, owner)
    assert "没有完成" in text(client.get(f"/staff/jobs/{job.id}"))


def test_a_large_export_runs_in_the_background(client, db_session, make_user, inline_jobs):
    admin = make_user("admin")
    batch = factories.batch(db_session, admin)
    factories.passed_inspection(db_session, admin, batch)
    db_session.flush()
    sign_in(client, make_user("regulator"))
    query = "occurred_from=2020-01-01&occurred_to=2030-12-31&format=csv"
    offer = client.get(f"/regulator/exports?{query}")
    assert offer.status_code == 200 and 'id="start-export-job"' in text(offer)
    form = {
        "occurred_from": "2020-01-01",
        "occurred_to": "2030-12-31",
        "format": "csv",
        "csrf_token": csrf_from(offer),
    }
    started = client.post("/regulator/exports/job", data=form)
    assert started.status_code == 303
    job = db_session.scalars(select(Job)).one()
    assert job.status is JobStatus.FINISHED and job.total and job.done == job.total
    csv = client.get(f"/staff/jobs/{job.id}/file")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).splitlines()
    assert len(lines) == job.total + 1 and batch.lot in lines[1]
    bad = client.post("/regulator/exports/job", data={**form, "occurred_to": "2019-01-01"})
    assert bad.status_code == 422


def test_a_large_run_is_issued_in_the_background_once(
    app, client, db_session, make_user, inline_jobs
):
    app.config["LABEL_ISSUE_DIRECT_MAX"], saved = 20, app.config["LABEL_ISSUE_DIRECT_MAX"]
    try:
        admin = make_user("admin")
        product = factories.product(db_session, admin, name="大姚松茸（示例）", category="other")
        batch = factories.batch(db_session, admin, product_id=product.id)
        sign_in(client, make_user("qc"))
        url = f"/staff/batches/{batch.id}/label-runs/new"
        form = client.get(url)
        assert "超过 20 个码时在后台生成" in text(form)
        key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', text(form)).group(1)
        data = {"count": "45", "template": "a4-3x8", "idempotency_key": key}
        data["csrf_token"] = csrf_from(form)
        first = client.post(url, data=data)
        again = client.post(url, data=data)  # a double click starts no second job
        assert first.status_code == again.status_code == 303
        assert first.headers["Location"] == again.headers["Location"]
        job = db_session.scalars(select(Job)).one()
        assert (job.kind, job.status, job.done, job.total) == (
            JobKind.LABEL_ISSUE,
            "finished",
            45,
            45,
        )
        page = text(client.get(first.headers["Location"]))
        run_url = re.search(r'href="(/staff/label-runs/\d+)"', page).group(1)
        assert run_url.endswith(f"/{job.result_id}")
        codes = db_session.scalars(
            select(PackCode).where(PackCode.label_run_id == job.result_id)
        ).all()
        assert len(codes) == 45 and "45 个码" in text(client.get(run_url))
        # What the run would refuse is said on the form, before any job starts.
        too_many = {**data, "count": str(label_service.MAX_RUN + 1), "idempotency_key": "k" * 32}
        refused = client.post(url, data=too_many)
        assert refused.status_code == 422 and db_session.scalars(select(Job)).all() == [job]
    finally:
        app.config["LABEL_ISSUE_DIRECT_MAX"] = saved


def test_issuing_reports_progress_between_chunks(db_session, make_user, monkeypatch):
    admin = make_user("admin")
    product = factories.product(db_session, admin, name="大姚松茸（示例）", category="other")
    batch = factories.batch(db_session, admin, product_id=product.id)
    monkeypatch.setattr(label_service, "INSERT_CHUNK", 40)
    heard: list[int] = []
    run = label_service.issue_label_run(db_session, admin, batch.id, 100, progress=heard.append)
    assert heard == [40, 80, 100] and run.count == 100

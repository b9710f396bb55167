"""Background jobs as served: run in a thread with sessions of their own on PostgreSQL, their
progress committed while the work goes on and visible to any other connection (the status page
in another gunicorn worker)."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests import factories
from tests.conftest import TEST_PASSWORD_HASH
from trace import jobs as runner
from trace.db import make_engine
from trace.models.jobs import Job, JobStatus
from trace.models.labels import PackCode
from trace.models.users import Role, User
from trace.services import jobs as job_service
from trace.services import labels as label_service

COUNT = 1200


def _watch(engine, job_id: int, thread: threading.Thread) -> list[int]:
    """The job's `done` as another connection sees it, every few milliseconds until the end."""
    seen: list[int] = []
    while thread.is_alive():
        with Session(engine) as session:
            seen.append(session.scalar(select(Job.done).where(Job.id == job_id)) or 0)
        time.sleep(0.005)
    return seen


def test_issuing_then_printing_in_threads_with_live_progress(scratch_url, monkeypatch, tmp_path):
    engine = make_engine(scratch_url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    monkeypatch.setattr(label_service, "INSERT_CHUNK", 200)
    monkeypatch.setattr(runner, "PROGRESS_EVERY_SECONDS", 0)  # every chunk, every label
    with factory() as session:
        qc = User(email="jobs@test.example.cn", role=Role.QC, password_hash=TEST_PASSWORD_HASH)
        session.add(qc)
        session.flush()
        product = factories.product(session, qc, name="大姚松茸（示例）", category="other")
        # A lot big enough for the run (label capacity).
        batch = factories.batch(session, qc, product_id=product.id, quantity=Decimal("100000"))
        job = job_service.start_label_issue(session, qc, batch.id, COUNT, "a4-3x8", "thread-1")
        session.commit()
        qc_id, issue_id = qc.id, job.id
    try:
        worker = threading.Thread(
            target=runner.run_job, args=(factory, issue_id, tmp_path, "trace.test")
        )
        worker.start()
        seen = _watch(engine, issue_id, worker)
        worker.join()
        with factory() as session:
            issued = session.get(Job, issue_id)
            assert issued.status is JobStatus.FINISHED and issued.done == COUNT
            codes = session.scalar(
                select(func.count(PackCode.id)).where(PackCode.label_run_id == issued.result_id)
            )
            assert codes == COUNT
            # Progress was committed between chunks, while the codes were not yet.
            assert any(0 < done < COUNT for done in seen), seen

            qc = session.get(User, qc_id)
            printing = job_service.start_label_pdf(session, qc, issued.result_id)
            session.commit()
            print_id = printing.id
        worker = threading.Thread(
            target=runner.run_job, args=(factory, print_id, tmp_path, "trace.test")
        )
        worker.start()
        seen = _watch(engine, print_id, worker)
        worker.join()
        with factory() as session:
            printed = session.get(Job, print_id)
            assert printed.status is JobStatus.FINISHED and printed.done == COUNT
            path = job_service.result_path(tmp_path, printed)
            assert path is not None and path.read_bytes().startswith(b"%PDF-")
            assert b"/Type /Pages /Count 50 " in path.read_bytes()  # 24 labels a sheet
        assert any(0 < done < COUNT for done in seen), seen
        assert not list(tmp_path.glob("*.part"))  # only the finished file is there
    finally:
        engine.dispose()

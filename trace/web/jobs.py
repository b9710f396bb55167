"""Background jobs on the staff pages: start one, watch its progress page, download its file.

A job is saved and committed here, then queued for the job worker (trace.queue, a process of
its own beside gunicorn: a web restart does not touch it). Its progress lives in the jobs table,
so the status page may be served by any process; a job whose worker died is resumed or failed
by the next worker (trace.jobs.recover_jobs), and the page says so meanwhile.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import Gone
from werkzeug.wrappers import Response

from trace import queue, storage
from trace.jobs import run_job
from trace.models.jobs import Job, JobKind, JobStatus
from trace.services import jobs as service
from trace.web.auth import current_actor
from trace.web.database import EXTENSION_KEY, db
from trace.web.names import JOB_KINDS, name_of
from trace.web.progress import Progress, progress_page

bp = Blueprint("jobs", __name__)


def jobs_dir(app: Flask) -> Path:
    """JOBS_DIR, or instance/jobs: outside the web root, served only through `download`."""
    return storage.jobs_dir(app.config)


def launch(job: Job) -> Response:
    """Run the saved and committed job outside this request; answer with its progress page."""
    dispatch(job)
    return redirect(url_for("staff.jobs.status", job_id=job.id), 303)


def dispatch(job: Job) -> None:
    """Hand the saved and committed job to the queue worker (run here when JOBS_INLINE)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["JOBS_INLINE"]:
        _run(app, job.id)
        db().expire_all()  # the job's row was written by the run's own sessions
    else:
        queue.enqueue(app, job.id)


def _run(app: Flask, job_id: int) -> None:
    with app.app_context():
        factory = app.extensions[EXTENSION_KEY]
        run_job(factory, job_id, jobs_dir(app), str(app.config["PUBLIC_HOST"]))


@bp.get("/jobs")
def recent() -> Any:
    jobs = service.recent_jobs(db(), current_actor())
    return render_template("staff/jobs.html", jobs=jobs, is_cut_off=service.is_cut_off)


@bp.get("/jobs/<int:job_id>")
def status(job_id: int) -> Any:
    job = service.get_job(db(), current_actor(), job_id)
    failed = None
    if job.status is JobStatus.FAILED:
        failed = job.error or _("内部错误，请重试或联系管理员。")
    # A job whose worker died stays "in progress" here until the next worker resumes it or
    # marks it failed (trace.jobs.recover_jobs); the page keeps refreshing meanwhile.
    finished = job.status is JobStatus.FINISHED
    result_url, result_label = None, None
    if job.kind.value.endswith("_import"):  # the import's own page shows its report
        return redirect(url_for("staff.imports.job", job_id=job.id), 303)
    if finished and job.kind is JobKind.LABEL_ISSUE and job.result_id is not None:
        result_url = url_for("staff.labels.run", run_id=job.result_id)
        result_label = _("查看标签批次")
    elif finished:
        result_url = url_for(".download", job_id=job.id)
        result_label = _("下载 %(name)s", name=job.file_name)
    return progress_page(
        Progress(
            title=f"{name_of(JOB_KINDS, job.kind)} {job.title}",
            done=job.done,
            total=job.total,
            finished=finished,
            result_url=result_url,
            result_label=result_label,
            failed=failed,
            back_url=url_for(".recent"),
        )
    )


@bp.get("/jobs/<int:job_id>/file")
def download(job_id: int) -> Any:
    job = service.get_job(db(), current_actor(), job_id)
    path = service.result_path(jobs_dir(current_app), job)
    if path is None:
        raise Gone(_("文件不存在或已过期，请重新生成。"))
    return send_file(
        path,
        mimetype=service.media_type(job),
        as_attachment=True,
        download_name=job.file_name,
        max_age=0,
    )

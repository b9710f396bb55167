"""The staff import pages (/staff/imports/...): a template to download, the file to upload, and
the answer listing each row's problems by column; a large file's import as a job with progress."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import NotFound

from trace import storage
from trace.errors import TraceError
from trace.models.jobs import Job, JobStatus
from trace.services import jobs as job_service
from trace.services import training as training_service
from trace.services.imports import COLUMNS, ImportKind, Report
from trace.web.auth import current_actor
from trace.web.database import db
from trace.web.imports import common
from trace.web.imports.templates_files import template_response
from trace.web.progress import Progress, progress_page

bp = Blueprint("imports", __name__, template_folder="templates", url_prefix="/imports")

# Where each kind's records are kept: the page links back there.
RECORDS = {
    ImportKind.PRODUCERS: "staff.records.producers",
    ImportKind.BATCHES: "staff.records.batches",
    ImportKind.ATTENDANCE: "staff_program.training",
}


def _page(kind: ImportKind) -> Any:
    training = None
    session_id = request.values.get("session_id", type=int)
    if kind is ImportKind.ATTENDANCE and session_id is not None:
        training = training_service.get_session(db(), current_actor(), session_id)
    report: Report | None = None
    problem_text = None
    staged = ""
    upload = None
    status = 200
    if request.method == "POST":
        dry_run = request.form.get("dry_run") == "1"
        confirmed = request.form.get("confirm") == "1"
        try:
            if request.form.get("staged"):
                upload = common.staged(request.form["staged"], request.form.get("file_name", ""))
                if upload is None:
                    problem_text = _("上传的文件已过期，请重新选择文件。")
            else:
                storage_ = request.files.get("file")
                if storage_ is None or not storage_.filename:
                    problem_text = _("请选择要导入的文件（.xlsx 或 .csv）。")
                else:
                    upload = common.read_upload(storage_.stream.read(), storage_.filename)
            if upload is not None:
                outcome = common.run(
                    kind,
                    upload,
                    dry_run=dry_run,
                    confirmed=confirmed,
                    session_id=training.id if training is not None else None,
                )
                if isinstance(outcome, Job):
                    return redirect(url_for(".job", job_id=outcome.id), 303)
                report = outcome
        except TraceError as exc:
            problem_text = common.worded(exc.message)
        if report is not None and report.status == "imported":
            flash(_("已导入 %(n)s 行。", n=report.created), "ok")
            return redirect(_back(kind, training), 303)
        if report is not None and report.status == "needs_confirmation" and upload is not None:
            staged = common.stage(upload)
        status = 200 if problem_text is None and report is not None and not report.errors else 422
    return render_template(
        "staff_imports/import.html",
        kind=kind,
        title=common.TITLES[kind],
        columns=COLUMNS[kind],
        training=training,
        report=report,
        problem_text=problem_text,
        staged=staged,
        file_name=upload.file_name if upload is not None else "",
        back_url=_back(kind, training),
        **_report_context(report),
    ), status


def _report_context(report: Report | None) -> dict[str, Any]:
    if report is None:
        return {"headline": None, "error_rows": [], "warning_rows": []}
    headline = common.headline(report)
    return {
        "headline": common.worded(headline) if headline is not None else None,
        "error_rows": common.by_row(report.errors),
        "warning_rows": common.by_row(report.warnings),
        "worded": common.worded,
    }


def _back(kind: ImportKind, training: Any) -> str:
    if training is not None:
        return url_for("staff_program.attendance", session_id=training.id)
    return url_for(RECORDS[kind])


@bp.route("/producers", methods=["GET", "POST"])
def producers() -> Any:
    return _page(ImportKind.PRODUCERS)


@bp.route("/batches", methods=["GET", "POST"])
def batches() -> Any:
    return _page(ImportKind.BATCHES)


@bp.route("/attendance", methods=["GET", "POST"])
def attendance() -> Any:
    return _page(ImportKind.ATTENDANCE)


@bp.get("/<string:kind>/template.<string:file_format>")
def template(kind: str, file_format: str) -> Any:
    return template_response(kind, file_format)


@bp.get("/jobs/<int:job_id>")
def job(job_id: int) -> Any:
    """A large import's progress while it runs; its report, like the page's, once done."""
    found = job_service.get_job(db(), current_actor(), job_id)
    kind = next((k for k in ImportKind if found.parameters.get("kind") == k.value), None)
    if kind is None:
        raise NotFound()
    if found.status is not JobStatus.FINISHED:
        return progress_page(
            Progress(
                title=str(common.TITLES[kind]),
                done=found.done,
                total=found.total,
                finished=False,
                failed=(found.error or _("内部错误，请重试或联系管理员。"))
                if found.status is JobStatus.FAILED
                else None,
                back_url=url_for(RECORDS[kind]),
            )
        )
    report = job_service.import_report(storage.jobs_dir(current_app.config), found)
    if report is not None and report.status == "imported":
        flash(_("已导入 %(n)s 行。", n=report.created), "ok")
    staged = ""
    if report is not None and report.status == "needs_confirmation":
        staged = str(found.parameters["path"]).rsplit("/", 1)[-1]
    return render_template(
        "staff_imports/import.html",
        kind=kind,
        title=common.TITLES[kind],
        columns=COLUMNS[kind],
        training=None,
        report=report,
        problem_text=None if report is not None else _("文件不存在或已过期，请重新生成。"),
        staged=staged,
        file_name=found.parameters.get("source_name", ""),
        back_url=url_for(RECORDS[kind]),
        **_report_context(report),
    )

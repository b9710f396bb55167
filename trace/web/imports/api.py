"""The import API: POST /api/v1/imports/{producers|batches|attendance} (multipart `file`), the
templates, and the report of an import that ran as a job."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Response, current_app, jsonify, url_for
from flask_smorest import Blueprint
from werkzeug.datastructures import FileStorage

from trace import storage
from trace.models.jobs import Job, JobStatus
from trace.schemas.imports import (
    ImportArgsSchema,
    ImportJobSchema,
    ImportReportSchema,
    ImportUploadSchema,
)
from trace.services import jobs as job_service
from trace.services.imports import ImportKind
from trace.web.auth import current_actor
from trace.web.database import db
from trace.web.imports import common
from trace.web.imports.templates_files import template_response
from trace.web.messages import text

PREFIX = "/imports"
blp = Blueprint(
    "imports",
    __name__,
    description="Spreadsheet imports (.xlsx or .csv): every row valid, or nothing is written",
)

RESPONSES = {
    200: "dry run: every row is valid (nothing written)",
    202: "a large file: the import runs as a job; follow job_url",
    409: "duplicates to confirm (send again with confirm=1), or this file was imported already",
    422: "rows with problems (nothing written): `row_errors` lists row, column, code, message",
}


def _documented(view: Any) -> Any:
    view = blp.alt_response(202, schema=ImportJobSchema, description=RESPONSES[202])(view)
    view = blp.alt_response(200, schema=ImportReportSchema, description=RESPONSES[200])(view)
    view = blp.alt_response(409, description=RESPONSES[409])(view)
    view = blp.alt_response(422, description=RESPONSES[422])(view)
    return view


@blp.post("/producers")
@blp.arguments(ImportUploadSchema, location="files")
@blp.arguments(ImportArgsSchema, location="query")
@blp.response(201, ImportReportSchema, description="every row imported, in one transaction")
@_documented
def import_producers(files: dict[str, Any], args: dict[str, Any]) -> Any:
    """Import producers (the 生产主体 template's columns)."""
    return _import(ImportKind.PRODUCERS, files["file"], args)


@blp.post("/batches")
@blp.arguments(ImportUploadSchema, location="files")
@blp.arguments(ImportArgsSchema, location="query")
@blp.response(201, ImportReportSchema, description="every row imported, in one transaction")
@_documented
def import_batches(files: dict[str, Any], args: dict[str, Any]) -> Any:
    """Import harvest batches (the 采收批次 template's columns); each gets its lot."""
    return _import(ImportKind.BATCHES, files["file"], args)


@blp.post("/attendance")
@blp.arguments(ImportUploadSchema, location="files")
@blp.arguments(ImportArgsSchema, location="query")
@blp.response(201, ImportReportSchema, description="every row imported, in one transaction")
@_documented
def import_attendance(files: dict[str, Any], args: dict[str, Any]) -> Any:
    """Import training attendance (the 培训到课 template's columns): one person-time a row."""
    return _import(ImportKind.ATTENDANCE, files["file"], args)


@blp.get("/<string:kind>/template.<string:file_format>")
@blp.response(200, content_type="application/octet-stream")
def template(kind: str, file_format: str) -> Response:
    """The kind's template: `.xlsx` (notes row and a sheet of accepted values) or `.csv`."""
    return template_response(kind, file_format)


@blp.get("/jobs/<int:job_id>")
@blp.response(200, ImportJobSchema)
def job_status(job_id: int) -> Any:
    """An import that ran as a job: how far it is, and its report when finished."""
    job = job_service.get_job(db(), current_actor(), job_id)
    return _job_json(job)


def _import(kind: ImportKind, storage: FileStorage, args: dict[str, Any]) -> Response:
    upload = common.read_upload(storage.stream.read(), storage.filename or "")
    outcome = common.run(
        kind,
        upload,
        dry_run=args["dry_run"],
        confirmed=args["confirm"],
        session_id=args["session_id"] if kind is ImportKind.ATTENDANCE else None,
    )
    if isinstance(outcome, Job):
        response = jsonify(_job_json(outcome))
        response.status_code = 202
        response.headers["Location"] = url_for("imports.job_status", job_id=outcome.id)
        return response
    return _report_response(outcome)


def _report_response(report: Any) -> Response:
    body = common.report_json(report)
    status = {"imported": 201, "checked": 200, "invalid": 422}.get(report.status, 409)
    headline = common.headline(report)
    if headline is not None:
        body.update(
            code=status,
            status=HTTPStatus(status).phrase,
            message=text(headline),
            message_code=headline.code,
            report=report.status,
            row_errors=body["errors"],
            errors=_by_field(body["errors"]),
        )
    response = jsonify(body)
    response.status_code = status
    return response


def _by_field(issues: list[dict[str, Any]]) -> dict[str, list[str]]:
    """The error format's `errors`, keyed `<row>.<field>` (`_file` for the whole file)."""
    keyed: dict[str, list[str]] = {}
    for issue in issues:
        key = "_file" if issue["row"] is None else f"{issue['row']}.{issue['field'] or '_row'}"
        keyed.setdefault(key, []).append(issue["message"])
    return keyed


def _job_json(job: Job) -> dict[str, Any]:
    report = None
    if job.status is JobStatus.FINISHED:
        found = job_service.import_report(storage.jobs_dir(current_app.config), job)
        report = common.report_json(found) if found is not None else None
    return {
        "job_id": job.id,
        "status": job.status.value,
        "done": job.done,
        "total": job.total,
        "job_url": url_for("imports.job_status", job_id=job.id, _external=False),
        "progress_url": url_for("staff.imports.job", job_id=job.id),
        "report": report,
    }

"""Background jobs: work too long for one request (a label run's PDF of thousands of sheets, an
export of a season's events) runs on its own, writes a file, and reports how far it has got.

The web layer starts a job (`start_label_pdf`, `start_events_export`: a row saved in the caller's
transaction), commits, then hands its id to `trace.jobs.run_job` outside the request, which runs
the job's WORK here with sessions of its own and records progress and the outcome.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trace import spreadsheets
from trace.db import utcnow
from trace.errors import NotFoundError, ValidationError, problem
from trace.models.jobs import Job, JobKind, JobStatus
from trace.models.users import Role, User
from trace.policy import Actor, authorize
from trace.printing.templates import load_template
from trace.services import exports, imports
from trace.services import labels as label_service

# A running job whose heartbeat is older than this was cut off (its process ended).
STALE_AFTER = dt.timedelta(minutes=2)
# Finished jobs' files are kept this long, then removed when another job starts.
KEEP_FILES = dt.timedelta(days=2)
T = TypeVar("T")
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


# -- starting and reading -------------------------------------------------------------------------


def start_label_issue(
    session: Session,
    actor: Actor | None,
    batch_id: int,
    count: int,
    template: str,
    idempotency_key: str | None = None,
    pack_date: dt.date | None = None,
) -> Job:
    """A job issuing a large label run (its codes inserted with progress). The run is checked
    now, so that the form shows what is wrong; a job already started with the same key is
    returned instead of a second one. Raises as trace.services.labels.issue_label_run."""
    if idempotency_key:
        started = session.scalar(select(Job).where(Job.idempotency_key == idempotency_key))
        if started is not None:
            return started
    batch = label_service.check_label_run(session, actor, batch_id, count, template, pack_date)
    parameters: dict[str, Any] = {
        "batch_id": batch.id,
        "count": count,
        "template": template,
        "idempotency_key": idempotency_key or None,
    }
    if pack_date is not None:
        parameters["pack_date"] = pack_date.isoformat()
    job = Job(
        kind=JobKind.LABEL_ISSUE,
        owner_id=_actor_id(actor),
        parameters=parameters,
        title=f"{batch.lot} × {count}",
        total=count,
        idempotency_key=idempotency_key or None,
    )
    return _save_once(session, job)


def start_label_pdf(session: Session, actor: Actor | None, run_id: int) -> Job:
    """A job printing the label run's sheets. Raises NotFoundError, PermissionDeniedError,
    TemplateError (the run's template is gone)."""
    authorize(actor, "label.issue")
    run = label_service.get_label_run(session, actor, run_id)
    load_template(run.template)  # a broken template is an error now, not a failed job later
    job = Job(
        kind=JobKind.LABEL_PDF,
        owner_id=_actor_id(actor),
        parameters={"run_id": run.id},
        title=f"{run.batch.lot} #{run.id}",
        total=run.count,
        file_name=f"labels-{run.batch.lot}-run{run.id}.pdf",
    )
    return _save(session, job)


def start_events_export(
    session: Session,
    actor: Actor | None,
    scope: exports.ExportScope,
    file_format: str,
    event_names: dict[str, str] | None = None,
) -> Job:
    """A job exporting the scope's events as CSV or XLSX (`event_names`: each event type's
    display name, for the export's event-name column). Raises ValidationError,
    NotFoundError, PermissionDeniedError (as trace.services.exports.check_scope)."""
    batch = exports.check_scope(session, actor, scope)
    if file_format not in ("csv", "xlsx"):
        raise ValidationError.for_field("format", "export.format")
    job = Job(
        kind=JobKind.EVENTS_EXPORT,
        owner_id=_actor_id(actor),
        parameters={
            "batch_id": scope.batch_id,
            "occurred_from": _iso(scope.occurred_from),
            "occurred_to": _iso(scope.occurred_to),
            "format": file_format,
            "event_names": dict(event_names or {}),
        },
        title=scope.filename(batch.lot if batch else None),
        total=exports.count_rows(session, scope),
        file_name=f"{scope.filename(batch.lot if batch else None)}.{file_format}",
    )
    return _save(session, job)


IMPORT_JOB_KINDS = {
    "producers": JobKind.PRODUCER_IMPORT,
    "batches": JobKind.BATCH_IMPORT,
    "attendance": JobKind.ATTENDANCE_IMPORT,
}


def start_import(
    session: Session,
    actor: Actor | None,
    kind: imports.ImportKind,
    *,
    path: Path,
    sha256: str,
    file_name: str,
    rows: int,
    vocabulary: dict[str, imports.Vocabulary],
    dry_run: bool,
    confirmed: bool,
    session_id: int | None,
) -> Job:
    """A job importing a large spreadsheet staged at `path` (its rows checked and written by
    trace.services.imports.run_import, in the job's one transaction). The same file sent again
    while its import is waiting or running gets that job; after it ended, a new one.
    Raises PermissionDeniedError."""
    authorize(actor, imports.PERMISSIONS[kind])
    key = f"import-{kind.value}-{sha256}" + ("-dry" if dry_run else "")
    started = session.scalar(select(Job).where(Job.idempotency_key == key))
    if started is not None and started.status is JobStatus.RUNNING:
        return started
    if started is not None:  # ended: a new job (one of an imported file answers "imported")
        started.idempotency_key = None
        session.flush()
    job = Job(
        kind=IMPORT_JOB_KINDS[kind.value],
        owner_id=_actor_id(actor),
        parameters={
            "kind": kind.value,
            "path": str(path),
            "sha256": sha256,
            "source_name": file_name,
            "vocabulary": {k: v.as_json() for k, v in vocabulary.items()},
            "dry_run": dry_run,
            "confirmed": confirmed,
            "session_id": session_id,
        },
        title=file_name[:200],
        total=rows,
        file_name=f"import-{kind.value}.json",
        idempotency_key=key,
    )
    return _save_once(session, job)


def import_report(directory: Path, job: Job) -> imports.Report | None:
    """The finished import job's report (None until it has one)."""
    path = result_path(directory, job)
    if path is None:
        return None
    return imports.Report.from_json(json.loads(path.read_text(encoding="utf-8")))


def get_job(session: Session, actor: Actor | None, job_id: int) -> Job:
    """The job, to its owner or an admin; to anyone else it does not exist. Raises
    NotFoundError, AuthenticationError."""
    authorize(actor, "record.read")
    job = session.get(Job, job_id)
    if job is None or not _may_see(actor, job):
        raise NotFoundError(problem("job.not_found", id=job_id))
    return job


def recent_jobs(session: Session, actor: Actor | None, limit: int = 20) -> list[Job]:
    """The actor's own jobs, newest first."""
    authorize(actor, "record.read")
    query = (
        select(Job)
        .where(Job.owner_id == _actor_id(actor))
        .order_by(Job.created_at.desc(), Job.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def is_cut_off(job: Job, now: dt.datetime | None = None) -> bool:
    """A job taken by a worker that stopped reporting (killed, crashed): the worker's recovery
    will resume or fail it (trace.jobs.recover_jobs)."""
    now = now or utcnow()
    return (
        job.status is JobStatus.RUNNING
        and job.started_at is not None
        and now - job.heartbeat_at > STALE_AFTER
    )


def is_waiting(job: Job) -> bool:
    """A job in the queue that no worker has taken yet."""
    return job.status is JobStatus.RUNNING and job.started_at is None


def result_path(directory: Path, job: Job) -> Path | None:
    """The finished job's file, or None (not finished, or removed after KEEP_FILES)."""
    if job.status is not JobStatus.FINISHED or not job.stored_name:
        return None
    path = directory / job.stored_name
    return path if path.is_file() else None


def media_type(job: Job) -> str:
    return MEDIA_TYPES.get(job.file_name.rsplit(".", 1)[-1], "application/octet-stream")


# -- the work (run by trace.jobs, which owns the transactions) ------------------------------------


class Progress(Protocol):
    """How a job's work tells its runner how far it has got."""

    def counted(self, items: Iterable[T]) -> Iterator[T]:
        """Pass the items on, counting each as done."""
        ...

    def reached(self, done: int) -> None:
        """So many are done."""
        ...


def _issue_labels(
    session: Session,
    owner: User | None,
    parameters: dict[str, Any],
    out: BinaryIO | None,
    host: str,
    progress: Progress,
) -> int:
    run = label_service.issue_label_run(
        session,
        owner,
        int(parameters["batch_id"]),
        int(parameters["count"]),
        str(parameters["template"]),
        # A job run again (its worker died after the codes were committed) finds its run.
        idempotency_key=parameters.get("idempotency_key") or f"job-{parameters['job_id']}",
        progress=progress.reached,
        pack_date=dt.date.fromisoformat(parameters["pack_date"])
        if "pack_date" in parameters
        else None,
    )
    return run.id


def _print_labels(
    session: Session,
    owner: User | None,
    parameters: dict[str, Any],
    out: BinaryIO | None,
    host: str,
    progress: Progress,
) -> int | None:
    assert out is not None  # a job with a file name gets its file
    # The owner's role may have changed since the job began: render_run_pdf checks it again.
    pdf = label_service.render_run_pdf(session, owner, int(parameters["run_id"]), host)
    pdf.write(out, progress.counted)
    return None


def _export_events(
    session: Session,
    owner: User | None,
    parameters: dict[str, Any],
    out: BinaryIO | None,
    host: str,
    progress: Progress,
) -> int | None:
    scope = exports.ExportScope(
        parameters.get("batch_id"),
        _date(parameters.get("occurred_from")),
        _date(parameters.get("occurred_to")),
    )
    assert out is not None  # a job with a file name gets its file
    exports.check_scope(session, owner, scope)
    rows = progress.counted(exports.event_rows(session, scope, parameters.get("event_names") or {}))
    if parameters["format"] == "xlsx":
        exports.write_xlsx(rows, out)
    else:
        for chunk in exports.csv_chunks(rows):
            out.write(chunk)
    return None


def _import_rows(
    session: Session,
    owner: User | None,
    parameters: dict[str, Any],
    out: BinaryIO | None,
    host: str,
    progress: Progress,
) -> int | None:
    assert out is not None  # the report is the job's file
    kind = imports.ImportKind(parameters["kind"])
    data = Path(parameters["path"]).read_bytes()
    sheet = spreadsheets.read(data, parameters["source_name"])
    report = imports.run_import(
        session,
        owner,
        kind,
        sheet,
        vocabulary={
            k: imports.Vocabulary.from_json(v) for k, v in parameters["vocabulary"].items()
        },
        sha256=parameters["sha256"],
        file_name=parameters["source_name"],
        dry_run=bool(parameters["dry_run"]),
        confirmed=bool(parameters["confirmed"]),
        session_id=parameters.get("session_id"),
        progress=progress.reached,
    )
    if not report.imported:
        session.rollback()  # nothing of a refused, unconfirmed or dry-run import is kept
    out.write(json.dumps(report.as_json(), ensure_ascii=False).encode("utf-8"))
    return None


# Jobs whose work writes (in one transaction, committed at the end).
WRITING_KINDS = frozenset(
    {
        JobKind.LABEL_ISSUE,
        JobKind.PRODUCER_IMPORT,
        JobKind.BATCH_IMPORT,
        JobKind.ATTENDANCE_IMPORT,
    }
)

# What each kind of job does. A job with a file name writes `out`; each may return the id of a
# record it made (Job.result_id). The runner commits the work's session when it returns.
WORK: dict[JobKind, Callable[..., int | None]] = {
    JobKind.LABEL_ISSUE: _issue_labels,
    JobKind.LABEL_PDF: _print_labels,
    JobKind.EVENTS_EXPORT: _export_events,
    JobKind.PRODUCER_IMPORT: _import_rows,
    JobKind.BATCH_IMPORT: _import_rows,
    JobKind.ATTENDANCE_IMPORT: _import_rows,
}


# -- helpers --------------------------------------------------------------------------------------


def _save(session: Session, job: Job) -> Job:
    session.add(job)
    session.flush()
    return job


def _save_once(session: Session, job: Job) -> Job:
    """Save a job with an idempotency key; when the same request (a form, a file) is sent twice at
    once and the other one saved first, its job is the answer."""
    try:
        with session.begin_nested():
            return _save(session, job)
    except IntegrityError:
        key = job.idempotency_key
        started = (
            None if key is None else session.scalar(select(Job).where(Job.idempotency_key == key))
        )
        if started is None:
            raise
        return started


def _actor_id(actor: Actor | None) -> int:
    actor_id = getattr(actor, "id", None)
    if actor_id is None:
        raise NotFoundError("job.staff_only")
    return int(actor_id)


def _may_see(actor: Actor | None, job: Job) -> bool:
    return getattr(actor, "role", None) is Role.ADMIN or getattr(actor, "id", None) == job.owner_id


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None

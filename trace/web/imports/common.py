"""What the import API and pages share: reading the upload, the choice columns' vocabulary, running
the import in the request or as a job, and the report's problems worded for people."""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from trace import spreadsheets, storage
from trace.clock import zone
from trace.errors import Message, Problem, ValidationError, problem
from trace.models.batches import Unit
from trace.models.jobs import Job
from trace.models.producers import ProducerKind
from trace.services import imports as service
from trace.services import jobs as job_service
from trace.services.imports import ImportKind, Issue, Report, Vocabulary
from trace.web.auth import current_actor
from trace.web.database import db, rollback
from trace.web.forms import friendly
from trace.web.jobs import dispatch
from trace.web.names import PRODUCER_KINDS, UNITS

TITLES = {
    ImportKind.PRODUCERS: _l("导入生产主体"),
    ImportKind.BATCHES: _l("导入采收批次"),
    ImportKind.ATTENDANCE: _l("导入培训到课"),
}
FILE_NAMES = {
    ImportKind.PRODUCERS: "生产主体导入模板",
    ImportKind.BATCHES: "采收批次导入模板",
    ImportKind.ATTENDANCE: "培训到课导入模板",
}
STAGED = re.compile(r"^[0-9a-f]{64}\.(xlsx|csv)$")
KEEP_STAGED_SECONDS = 2 * 24 * 3600


class FileProblem(ValidationError):
    """The upload itself cannot be imported (unreadable, too many rows)."""


@dataclass
class Upload:
    data: bytes
    file_name: str
    sha256: str
    sheet: spreadsheets.Sheet

    @property
    def extension(self) -> str:
        return "xlsx" if self.data.startswith(spreadsheets.XLSX_MAGIC) else "csv"


def vocabulary() -> dict[str, Vocabulary]:
    """Each choice column's accepted names: the value, its Chinese and English display names."""
    found: dict[str, Vocabulary] = {}
    for table, values, names in (
        ("producer_kinds", ProducerKind, PRODUCER_KINDS),
        ("units", Unit, UNITS),
    ):
        shown: dict[str, list[str]] = {}
        for locale in ("zh", "en"):
            with force_locale(locale):
                for value in values:
                    shown.setdefault(value.value, []).append(str(names.get(value.value, value)))
        found[table] = Vocabulary.of([v.value for v in values], shown)
    return found


def read_upload(data: bytes, file_name: str) -> Upload:
    """The upload as rows. Raises FileProblem."""
    limit = int(current_app.config["IMPORT_MAX_ROWS"])
    try:
        sheet = spreadsheets.read(data, file_name, max_rows=limit)
    except spreadsheets.TooManyRowsError:
        raise FileProblem(problem("import.too_many_rows", n=limit), {}) from None
    except spreadsheets.UnreadableError:
        raise FileProblem(problem("import.file_unreadable"), {}) from None
    return Upload(data, file_name, hashlib.sha256(data).hexdigest(), sheet)


def staging_dir() -> Path:
    return storage.jobs_dir(current_app.config) / "imports"


def stage(upload: Upload) -> str:
    """Keep the file for a confirmation or a job: its name is its hash (and nothing else)."""
    directory = staging_dir()
    directory.mkdir(parents=True, exist_ok=True)
    limit = time.time() - KEEP_STAGED_SECONDS
    for old in directory.iterdir():
        try:
            if old.stat().st_mtime < limit:
                old.unlink()
        except OSError:
            continue
    name = f"{upload.sha256}.{upload.extension}"
    (directory / name).write_bytes(upload.data)
    return name


def staged(name: str, file_name: str) -> Upload | None:
    """A file staged earlier, by the name `stage` gave it; None if unknown or expired."""
    if not STAGED.match(name):
        return None
    path = staging_dir() / name
    if not path.is_file():
        return None
    upload = read_upload(path.read_bytes(), file_name)
    return upload if upload.sha256 == name.split(".")[0] else None


def run(
    kind: ImportKind,
    upload: Upload,
    *,
    dry_run: bool,
    confirmed: bool,
    session_id: int | None,
) -> Report | Job:
    """Import in this request (committed only when every row is valid and confirmed), or, above
    IMPORT_DIRECT_MAX_ROWS, start a job and answer it."""
    session, actor = db(), current_actor()
    if len(upload.sheet.rows) > int(current_app.config["IMPORT_DIRECT_MAX_ROWS"]):
        name = stage(upload)
        job = job_service.start_import(
            session,
            actor,
            kind,
            path=staging_dir() / name,
            sha256=upload.sha256,
            file_name=upload.file_name,
            rows=len(upload.sheet.rows),
            vocabulary=vocabulary(),
            dry_run=dry_run,
            confirmed=confirmed,
            session_id=session_id,
        )
        session.commit()
        dispatch(job)
        return job
    report = service.run_import(
        session,
        actor,
        kind,
        upload.sheet,
        vocabulary=vocabulary(),
        sha256=upload.sha256,
        file_name=upload.file_name,
        dry_run=dry_run,
        confirmed=confirmed,
        session_id=session_id,
    )
    if report.imported:
        session.commit()
    else:
        rollback()
    return report


def worded(message: Message) -> str:
    """A report's message in the page's language (parameters that are problems worded too)."""
    if isinstance(message, Problem):
        params = {
            k: friendly(v) if isinstance(v, Problem) else v for k, v in message.params.items()
        }
        return friendly(Problem(message.code, params))
    return friendly(message)


def issue_json(issue: Issue) -> dict[str, Any]:
    """One problem for the API: row, column (its header), field, code and worded message.
    A refusal still worded as text by its service carries the generic code field.invalid."""
    message = issue.message
    return {
        "row": issue.row,
        "column": issue.column.header if issue.column else None,
        "field": issue.field,
        "code": message.code if isinstance(message, Problem) else "field.invalid",
        "message": worded(message),
    }


def report_json(report: Report) -> dict[str, Any]:
    return {
        "kind": report.kind.value,
        "status": report.status,
        "rows": report.rows,
        "created": report.created,
        "dry_run": report.dry_run,
        "imported": report.imported,
        "errors": [issue_json(i) for i in report.errors],
        "warnings": [issue_json(i) for i in report.warnings],
    }


def headline(report: Report) -> Problem | None:
    """The report's one-line summary as a problem, or None when it went through."""
    if report.previous is not None:
        when = report.previous.created_at
        return problem(
            "import.already_imported",
            when=when.astimezone(zone()).strftime("%Y-%m-%d %H:%M") if when else "",
            rows=report.previous.row_count,
        )
    if report.errors:
        return problem("import.invalid", n=max(report.error_rows, 1))
    if report.status == "needs_confirmation":
        return problem("import.needs_confirmation", n=len(report.warnings))
    return None


def by_row(issues: list[Issue]) -> list[tuple[int | None, list[Issue]]]:
    """Problems grouped by row, in row order (the file's own first)."""
    rows: dict[int | None, list[Issue]] = {}
    for issue in issues:
        rows.setdefault(issue.row, []).append(issue)
    return sorted(rows.items(), key=lambda item: item[0] or 0)

"""Background work a person started and waits for (a large label PDF, a large export): its
progress, so that any server process can show it, and where its file lies when done."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from trace.db import Base, StrEnumType, UTCDateTime, utcnow
from trace.models.events import JSONType


class JobKind(enum.StrEnum):
    LABEL_ISSUE = "label_issue"  # a large label run issued (batch_id, count, template); result_id
    LABEL_PDF = "label_pdf"  # a label run's sheets (parameters: run_id)
    EVENTS_EXPORT = "events_export"  # trace events as CSV or XLSX (batch, date range, format)
    # A large spreadsheet import (parameters: the staged file, dry run, confirmations); its file
    # is the JSON report (trace.services.imports.Report.as_json).
    PRODUCER_IMPORT = "producer_import"
    BATCH_IMPORT = "batch_import"
    ATTENDANCE_IMPORT = "attendance_import"


class JobStatus(enum.StrEnum):
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_owner_id_created_at", "owner_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[JobKind] = mapped_column(StrEnumType(JobKind, 20))
    status: Mapped[JobStatus] = mapped_column(StrEnumType(JobStatus, 10), default=JobStatus.RUNNING)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    title: Mapped[str] = mapped_column(String(200))  # what it is about, e.g. "DY208HT250915-001 #3"
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None] = mapped_column()  # None: not known in advance
    # The file's name for the person downloading it, and where it lies under the jobs folder.
    file_name: Mapped[str] = mapped_column(String(200), default="")
    stored_name: Mapped[str] = mapped_column(String(100), default="")
    result_id: Mapped[int | None] = mapped_column()  # a record the job made (a label run's id)
    # The form's key: pressing "issue" twice starts one job, not two.
    idempotency_key: Mapped[str | None] = mapped_column(String(100), unique=True)
    error: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written with every progress step: a running job whose heartbeat stopped was cut off (the
    # server process restarted) and is shown as failed.
    heartbeat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a queue worker takes the job (None: waiting in the queue); cleared again when a
    # cut-off job is put back in the queue. `attempts` counts the takes, to give up in the end.
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

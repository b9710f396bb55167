"""Spreadsheet imports: the upload, its query arguments, and the report answered."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from trace.schemas.common import Integer


class ImportUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": ".xlsx, or .csv in UTF-8 or GB18030"})


class ImportArgsSchema(Schema):
    dry_run = fields.Boolean(
        load_default=False, metadata={"description": "check every row; write nothing"}
    )
    confirm = fields.Boolean(
        load_default=False,
        metadata={"description": "import although duplicate warnings were reported"},
    )
    session_id = Integer(
        load_default=None,
        allow_none=True,
        metadata={"description": "attendance only: the training session every row attended"},
    )


class ImportIssueSchema(Schema):
    row = Integer(allow_none=True, metadata={"description": "the row number in the file"})
    column = fields.String(allow_none=True, metadata={"description": "the column's header"})
    field = fields.String(allow_none=True)
    code = fields.String(metadata={"description": "a code of the message catalogue"})
    message = fields.String(metadata={"description": "worded in the request's language"})


class ImportReportSchema(Schema):
    kind = fields.String()
    status = fields.String(
        metadata={
            "description": "imported | checked (dry run, every row valid) | invalid | "
            "needs_confirmation | duplicate (this file was imported already)"
        }
    )
    rows = Integer()
    created = Integer()
    dry_run = fields.Boolean()
    imported = fields.Boolean()
    errors = fields.List(fields.Nested(ImportIssueSchema))
    warnings = fields.List(fields.Nested(ImportIssueSchema))


class ImportJobSchema(Schema):
    job_id = Integer()
    status = fields.String(metadata={"description": "running | finished | failed"})
    done = Integer()
    total = Integer(allow_none=True)
    job_url = fields.String()
    progress_url = fields.String()
    report = fields.Nested(ImportReportSchema, allow_none=True)

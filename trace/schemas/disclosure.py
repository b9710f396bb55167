"""Schemas for the public disclosure records: notices, their attachments, reported figures."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from trace.models.disclosure import NoticeCategory
from trace.schemas import validate
from trace.schemas.common import (
    Integer,
    QueryArgsSchema,
    StrictSchema,
    one_of,
    page_schema,
    trimmed,
)


class NoticeAttachmentSchema(Schema):
    id = Integer()
    notice_id = Integer()
    original_filename = fields.String()
    content_type = fields.String()
    size_bytes = Integer()
    sha256 = fields.String()
    created_at = fields.AwareDateTime()


class NoticeSchema(Schema):
    id = Integer()
    title = fields.String()
    category = fields.Enum(NoticeCategory, by_value=True)
    published_on = fields.Date()
    body = fields.String()
    is_published = fields.Boolean()
    attachments = fields.List(fields.Nested(NoticeAttachmentSchema))
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


NoticePageSchema = page_schema(NoticeSchema, "NoticePage")


class NoticeCreateSchema(StrictSchema):
    title = trimmed(200, 1, required=True)
    category = fields.String(required=True, validate=one_of(NoticeCategory))
    published_on = fields.Date(required=True)
    body = trimmed(20000, load_default="")
    is_published = fields.Boolean(load_default=True)


class NoticeUpdateSchema(NoticeCreateSchema):
    """Every field optional: use as `NoticeUpdateSchema(partial=True)`."""


class NoticeQueryArgsSchema(QueryArgsSchema):
    category = fields.String(validate=one_of(NoticeCategory))
    is_published = fields.Boolean()


class AttachmentUploadSchema(Schema):
    file = Upload(required=True, metadata={"description": "a PDF"})


class FigureSchema(Schema):
    id = Integer()
    label_zh = fields.String()
    label_en = fields.String()
    value = fields.Decimal(as_string=True)
    target_value = fields.Decimal(as_string=True, allow_none=True)
    unit = fields.String()
    as_of = fields.Date()
    target_code = fields.String(allow_none=True)
    source = fields.String()
    sort_order = Integer()
    updated_at = fields.AwareDateTime()


class FigureCreateSchema(StrictSchema):
    label_zh = trimmed(100, 1, required=True)
    label_en = trimmed(150, load_default="")
    value = fields.Decimal(
        required=True, places=2, validate=validate.Range(min=-(10**13), max=10**13)
    )
    target_value = fields.Decimal(
        load_default=None, allow_none=True, places=2, validate=validate.Range(min=0, max=10**13)
    )
    unit = trimmed(20, load_default="")
    as_of = fields.Date(required=True)
    target_code = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=40)
    )
    source = trimmed(300, load_default="")
    sort_order = Integer(load_default=0, validate=validate.Range(min=-10000, max=10000))


class FigureUpdateSchema(FigureCreateSchema):
    """Every field optional: use as `FigureUpdateSchema(partial=True)`."""

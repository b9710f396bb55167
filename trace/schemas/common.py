"""Pieces shared by every resource's schemas: strictness, pagination, error bodies."""

from __future__ import annotations

import json
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields

from trace.errors import problem
from trace.schemas import validate

# marshmallow's own refusals (a required field missing, "abc" for a number, an unknown field...)
# as message codes of trace/messages.py, for every schema: the web layer words them in the page's
# language (trace.web.messages), and the API's `error_codes` carries them. Codes, not Problems:
# marshmallow insists on strings for some (Email, URL); a string that is a code is one.
CODED_FIELD_MESSAGES: dict[type[fields.Field], dict[str, str]] = {
    fields.Field: {
        "required": "field.required",
        "null": "field.required",
        "validator_failed": "field.invalid",
    },
    fields.Nested: {"type": "field.invalid"},
    fields.List: {"invalid": "field.list"},
    fields.Tuple: {"invalid": "field.list"},
    fields.String: {"invalid": "field.text", "invalid_utf8": "field.text"},
    fields.UUID: {"invalid_uuid": "field.invalid"},
    fields.Number: {"invalid": "field.number", "too_large": "field.number_too_large"},
    fields.Integer: {"invalid": "field.integer"},
    fields.Decimal: {"special": "field.number"},
    fields.Float: {"special": "field.number"},
    fields.Boolean: {"invalid": "field.boolean"},
    fields.DateTime: {
        "invalid": "field.datetime",
        "invalid_awareness": "field.datetime",
        "format": "field.datetime",
    },
    fields.Date: {"invalid": "field.date", "format": "field.date"},
    fields.Time: {"invalid": "field.time", "format": "field.time"},
    fields.TimeDelta: {"invalid": "field.invalid", "format": "field.invalid"},
    fields.Mapping: {"invalid": "field.object"},
    fields.Url: {"invalid": "field.url"},
    fields.Email: {"invalid": "email.invalid"},
    fields.Enum: {"unknown": "field.one_of"},
}
for _kind, _messages in CODED_FIELD_MESSAGES.items():
    _kind.default_error_messages = {**_kind.default_error_messages, **_messages}
Schema._default_error_messages = {"type": "field.object", "unknown": "field.unknown"}

# PostgreSQL's integer column (ids, counts, sizes) holds -2**31..2**31-1.
MAX_INTEGER = 2**31 - 1
# A record id: a larger one is refused here instead of failing in SQL.
ID = validate.Range(min=1, max=MAX_INTEGER)


class Integer(fields.Integer):
    """An integer a database column can hold: a larger one in a request is an error naming the
    field (422), never an SQL error ("integer out of range", a 500). The bound is documented in
    the OpenAPI document as minimum/maximum (apispec reads the Range), so clients see it too.
    Every integer field of the project's schemas is this one (tests/test_architecture.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.validators.insert(0, validate.Range(min=-MAX_INTEGER - 1, max=MAX_INTEGER))


class FreeFormJSON(fields.Dict):
    """A JSON object whose shape is the client's (event details, rule parameters), bounded: at
    most MAX_KEYS keys in all, MAX_DEPTH levels of nesting and MAX_BYTES bytes as compact JSON.
    Ten 7.9 MB `details` once grew the database by 160 MB and a lot page to 86 MB; a few KB is
    plenty for a note, a temperature or a reference. Too much is a 422 naming the field."""

    MAX_BYTES = 4096
    MAX_DEPTH = 4
    MAX_KEYS = 64
    MAX_KEY_LENGTH = 64

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("keys", fields.String())
        metadata = kwargs.setdefault("metadata", {})
        metadata.setdefault(
            "description",
            f"a JSON object of at most {self.MAX_KEYS} keys, {self.MAX_DEPTH} levels "
            f"and {self.MAX_BYTES} bytes",
        )
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        result = super()._deserialize(value, attr, data, **kwargs)
        keys = self._count(result, 1)
        if keys > self.MAX_KEYS:
            raise ValidationError([problem("json.too_many_keys", keys=keys, max=self.MAX_KEYS)])
        size = len(json.dumps(result, ensure_ascii=False, separators=(",", ":")).encode())
        if size > self.MAX_BYTES:
            raise ValidationError([problem("json.too_large", size=size, max=self.MAX_BYTES)])
        return result

    def _count(self, value: Any, depth: int) -> int:
        """Keys in `value` (and lists' items), refusing deep nesting and long keys on the way."""
        if depth > self.MAX_DEPTH:
            raise ValidationError([problem("json.too_deep", max=self.MAX_DEPTH)])
        if isinstance(value, dict):
            for key in value:
                if len(key) > self.MAX_KEY_LENGTH:
                    raise ValidationError([problem("json.key_too_long", max=self.MAX_KEY_LENGTH)])
            return len(value) + sum(self._count(v, depth + 1) for v in value.values())
        if isinstance(value, list):
            return len(value) + sum(self._count(v, depth + 1) for v in value)
        return 0


class StrictSchema(Schema):
    """Input schemas refuse unknown fields so a typo is an error, not silently ignored."""

    class Meta:
        unknown = RAISE


class QueryArgsSchema(Schema):
    """List endpoints: page counts from 1; unknown query args are ignored (e.g. lang)."""

    class Meta:
        unknown = EXCLUDE

    page = Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = Integer(load_default=50, validate=validate.Range(min=1, max=200))


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    """A schema for `{items, page, per_page, total, pages}` around `item_schema`."""
    attrs: dict[str, Any] = {
        "items": fields.List(fields.Nested(item_schema)),
        "page": Integer(),
        "per_page": Integer(),
        "total": Integer(),
        "pages": Integer(),
    }
    return Schema.from_dict(attrs, name=name)


class ErrorSchema(Schema):
    code = Integer(metadata={"description": "HTTP status code"})
    status = fields.String(metadata={"description": "HTTP status name"})
    message = fields.String()
    errors = fields.Dict(
        keys=fields.String(), metadata={"description": "messages keyed by field name"}
    )


def one_of(enum_class: Any) -> validate.OneOf:
    return validate.OneOf([member.value for member in enum_class])


class TrimmedString(fields.String):
    """A string with surrounding white space removed before validation (phones paste spaces)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        result = super()._deserialize(value, attr, data, **kwargs)
        return result.strip() if isinstance(result, str) else result


def trimmed(max_length: int, min_length: int = 0, **kwargs: Any) -> fields.String:
    return TrimmedString(validate=validate.Length(min=min_length, max=max_length), **kwargs)

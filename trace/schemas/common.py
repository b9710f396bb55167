"""Pieces shared by every resource's schemas: strictness, pagination, error bodies."""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema, fields, validate

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

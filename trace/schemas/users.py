"""Schemas for accounts and API tokens."""

from __future__ import annotations

from marshmallow import Schema, fields

from trace.models.users import Role
from trace.schemas import validate
from trace.schemas.common import Integer, StrictSchema, one_of


class TokenCreateSchema(StrictSchema):
    email = fields.Email(required=True)
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
    label = fields.String(load_default="", validate=validate.Length(max=100))


class TokenIssuedSchema(Schema):
    id = Integer()
    token = fields.String()
    expires_at = fields.AwareDateTime()


class TokenSchema(Schema):
    id = Integer()
    label = fields.String()
    created_at = fields.AwareDateTime()
    expires_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)


class UserSchema(Schema):
    id = Integer()
    email = fields.String()
    name = fields.String()
    role = fields.Enum(Role, by_value=True)
    township_code = fields.String(allow_none=True)
    is_active = fields.Boolean()
    created_at = fields.AwareDateTime()


class UserCreateSchema(StrictSchema):
    email = fields.Email(required=True)
    name = fields.String(load_default="", validate=validate.Length(max=100))
    role = fields.String(required=True, validate=one_of(Role))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
    township_code = fields.String(load_default=None, allow_none=True)

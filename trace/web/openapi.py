"""The JSON API under /api/v1, described by /api/v1/openapi.json, with docs from local assets.

`init_app` builds the one flask-smorest `Api`; each feature registers its API blueprints on it
with `register`."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Any

import swagger_ui_bundle
from flask import Flask, send_from_directory
from flask_smorest import Api
from flask_smorest.error_handler import ErrorSchema as SmorestErrorSchema
from marshmallow import fields

SWAGGER_ASSETS = Path(swagger_ui_bundle.swagger_ui_path)

API_SETTINGS = {
    "API_TITLE": "Dayao Trace API (大姚农产品溯源)",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "/docs",
    # Served by this app from the swagger-ui-bundle package: no CDN at run time.
    "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
    "API_SPEC_OPTIONS": {
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearerAuth": []}],
    },
}


# A decimal travels as a JSON string ("12.500"): exact, unlike a binary float. Accepted as a
# number too, but documented as what the API answers with.
DECIMAL_PATTERN = r"^-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?$"
RANGE_KEYS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def decimal_as_string(converter: Any, field: fields.Field, ret: dict[str, Any], **_: Any) -> dict:
    """apispec documents fields.Decimal as `type: number` with its Range bounds as strings (the
    Decimal objects, which makes the document invalid); the API sends decimals as strings. So:
    `type: string, format: decimal` with a pattern, the bounds kept as numbers in x-minimum and
    x-maximum (a string schema has no minimum)."""
    if not isinstance(field, fields.Decimal):
        return {}
    bounds = {key: ret.pop(key) for key in RANGE_KEYS if key in ret}
    documented: dict[str, Any] = {"type": "string", "format": "decimal", "pattern": DECIMAL_PATTERN}
    for key, value in bounds.items():
        documented[f"x-{key}"] = value if isinstance(value, bool) else float(value)
    return documented


class ErrorSchema(SmorestErrorSchema):
    """The error body as trace.web.errors answers it: with the codes of coded problems."""

    message_code = fields.String(metadata={"description": "the message's code, when it has one"})
    error_codes = fields.Dict(
        metadata={"description": "by field: the problems' codes and parameters (trace/messages.py)"}
    )


class _Api(Api):
    ERROR_SCHEMA = ErrorSchema


def init_app(app: Flask) -> Api:
    for key, value in API_SETTINGS.items():
        app.config.setdefault(key, value)
    api = _Api(app)
    api.ma_plugin.converter.add_attribute_function(decimal_as_string)

    @app.get("/api/v1/docs/assets/<path:filename>")
    def swagger_asset(filename: str):  # type: ignore[no-untyped-def]
        return send_from_directory(SWAGGER_ASSETS, filename, max_age=86400)

    return api


def register(api: Api, *modules: ModuleType) -> None:
    """Serve each module's `blp` under /api/v1 followed by the module's `PREFIX`."""
    for module in modules:
        api.register_blueprint(module.blp, url_prefix=f"/api/v1{module.PREFIX}")

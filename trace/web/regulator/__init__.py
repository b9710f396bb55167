"""The regulator's desk: read-only pages under /regulator (lots, recalls, exports, audit), the
export and audit JSON API."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from trace.web import openapi
from trace.web.regulator import audit, exports, pages
from trace.web.regulator import records as _records  # noqa: F401  (its route joins pages.bp)


def init_app(app: Flask, api: Api) -> None:
    openapi.register(api, audit, exports)
    app.register_blueprint(pages.bp)

"""Quality records: grading, inspections and dispositions, packaging, certifications and brand
admission; the JSON API and the staff pages (/staff, blueprint staff_quality)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from trace.web import openapi
from trace.web.quality import brand, certifications, grading, inspections, packaging, pages


def init_app(app: Flask, api: Api) -> None:
    openapi.register(api, grading, inspections, packaging, certifications, brand)
    app.register_blueprint(pages.bp)

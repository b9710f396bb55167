"""Staff pages for quality records: inspections, gradings, certificates, packaging, brand."""

from __future__ import annotations

from flask import Flask

from trace.web.staff_quality.views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

"""The programme modules (stations, logistics, training, targets): each has a JSON API blueprint
under /api/v1 and a blueprint of read pages under /program; their staff forms are one blueprint,
staff_program, under /staff/program (staff_forms and the staff* modules that add routes to it)."""

from __future__ import annotations

from flask import Flask, redirect, url_for
from flask_smorest import Api
from werkzeug.wrappers import Response

from trace.web import openapi
from trace.web.program import (
    dashboard,
    logistics,
    staff,
    staff_cold_chain,
    staff_forms,
    staff_poverty,
    staff_targets,
    staff_training,
    stations,
    training,
)

MODULES = (stations, logistics, training, dashboard)
# They add their routes to staff_forms.bp when imported.
STAFF_FORMS = (staff, staff_cold_chain, staff_poverty, staff_targets, staff_training)


def init_app(app: Flask, api: Api) -> None:
    openapi.register(api, *MODULES)
    for module in MODULES:
        app.register_blueprint(module.pages, url_prefix="/program")
    app.register_blueprint(staff_forms.bp)

    @app.get("/program/")
    def program_home() -> Response:
        return redirect(url_for("program_dashboard.dashboard_page"))

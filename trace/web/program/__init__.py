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
    funding,
    logistics,
    staff,
    staff_cold_chain,
    staff_forms,
    staff_funding,
    staff_poverty,
    staff_services,
    staff_targets,
    staff_training,
    station_services,
    stations,
    training,
)

MODULES = (stations, logistics, training, dashboard, funding)
API_ONLY = (station_services,)  # issue 19: its figures show on the dashboard's page
# They add their routes to staff_forms.bp when imported.
STAFF_FORMS = (
    staff,
    staff_cold_chain,
    staff_poverty,
    staff_targets,
    staff_training,
    staff_funding,
    staff_services,
)


def init_app(app: Flask, api: Api) -> None:
    openapi.register(api, *MODULES, *API_ONLY)
    for module in MODULES:
        app.register_blueprint(module.pages, url_prefix="/program")
    app.register_blueprint(staff_forms.bp)

    @app.get("/program/")
    def program_home() -> Response:
        return redirect(url_for("program_dashboard.dashboard_page"))

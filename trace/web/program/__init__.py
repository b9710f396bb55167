"""The programme modules (stations, logistics, training, targets): each has a JSON API blueprint
under /api/v1 and a blueprint of read pages under /program."""

from __future__ import annotations

from flask import Flask, redirect, url_for
from flask_smorest import Api
from werkzeug.wrappers import Response

from trace.web.program import dashboard, logistics, stations, training

MODULES = (stations, logistics, training, dashboard)


def init_app(app: Flask, api: Api) -> None:
    for module in MODULES:
        api.register_blueprint(module.blp, url_prefix=f"/api/v1{module.PREFIX}")
        app.register_blueprint(module.pages, url_prefix="/program")

    @app.get("/program/")
    def program_home() -> Response:
        return redirect(url_for("program_dashboard.dashboard_page"))

"""The web layer: blueprints, error handlers, languages; the only layer that knows about Flask."""

from __future__ import annotations

from flask import Flask

from trace.web import (
    access,
    api,
    database,
    errors,
    i18n,
    input_guard,
    public,
    resolver,
    scan_pool,
    security,
    staff,
)
from trace.web.feedback import init_app as init_feedback
from trace.web.program import init_app as init_program
from trace.web.regulator import bp as regulator_bp
from trace.web.staff_program import bp as staff_program_bp
from trace.web.staff_quality import bp as staff_quality_bp


def init_app(app: Flask) -> None:
    database.init_app(app)
    scan_pool.init_app(app)  # the scan log's own autocommit pool (PostgreSQL)
    i18n.init_app(app)
    errors.init_app(app)
    # Headers, rate and size limits first, then the one access check (trace.web.access).
    security.init_app(app)
    input_guard.init_app(app)
    access.init_app(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(resolver.bp)
    staff.init_app(app)
    app.register_blueprint(regulator_bp)  # the regulator's read-only pages, /regulator
    init_feedback(app)  # consumer reports (/report, /staff/reports) and /disclosure
    init_program(app, api.init_app(app))  # programme modules, on the Api that api.init_app returns
    app.register_blueprint(staff_program_bp)  # staff forms of the programme modules
    app.register_blueprint(staff_quality_bp)  # staff forms of the quality records
    # flask-smorest installs its own HTTP error handler; ours answers in the project's format.
    errors.init_app(app)

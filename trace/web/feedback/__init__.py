"""Consumer feedback desk and public disclosure: the public report form and status look-up,
the 政务公开 page, and the staff pages that triage reports and manage notices."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_smorest import Api

from trace.web import openapi
from trace.web.feedback import (
    disclosure,
    names,
    notices_api,
    public,
    reports_api,
    staff,
    staff_disclosure,
    transparency,
)
from trace.web.feedback.common import check_settings

BLUEPRINTS = (public.bp, disclosure.bp, staff.bp, staff_disclosure.bp, transparency.bp)
TABLES = {
    "kinds": names.KINDS,
    "statuses": names.STATUSES,
    "public_statuses": names.PUBLIC_STATUSES,
    "outcomes": names.OUTCOMES,
    "actions": names.ACTIONS,
    "verdicts": names.VERDICTS,
    "categories": names.CATEGORIES,
}


def report_name(table: str, value: Any) -> str:
    """`{{ report_name('kinds', report.kind) }}`: the localized name of a report or notice value."""
    return names.name(TABLES[table], value)


def public_status(value: Any) -> str:
    """A report's status in the words its reporter sees."""
    return names.name(names.PUBLIC_STATUSES, value)


def init_app(app: Flask, api: Api) -> None:
    openapi.register(api, reports_api, notices_api)  # consumer reports; public notices
    check_settings(app.config)
    app.jinja_env.globals.update(report_name=report_name, public_status=public_status)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

"""Consumer feedback desk and public disclosure: the public report form and status look-up,
the 政务公开 page, and the staff pages that triage reports and manage notices."""

from __future__ import annotations

from flask import Flask

from trace.web.feedback import disclosure, public, staff, staff_disclosure
from trace.web.feedback.common import check_settings

BLUEPRINTS = (public.bp, disclosure.bp, staff.bp, staff_disclosure.bp)


def init_app(app: Flask) -> None:
    check_settings(app.config)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)

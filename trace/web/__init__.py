"""The web layer: blueprints, error handlers, languages; the only layer that knows about Flask."""

from __future__ import annotations

from flask import Flask

from trace.web import api, database, errors, i18n, public


def init_app(app: Flask) -> None:
    database.init_app(app)
    i18n.init_app(app)
    errors.init_app(app)
    app.register_blueprint(public.bp)
    api.init_app(app)
    # flask-smorest installs its own HTTP error handler; ours answers in the project's format.
    errors.init_app(app)

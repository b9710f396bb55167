"""Public pages: the home page, the consumer's scan page, batch and product pages, and the GS1
Digital Link resolver (/01/...)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from trace.web.public import pages, resolver


def init_app(app: Flask, api: Api) -> None:
    app.register_blueprint(pages.bp)
    app.register_blueprint(resolver.bp)

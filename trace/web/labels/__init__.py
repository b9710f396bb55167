"""Label runs and single labels: issuing, printing, reprinting and voiding; the JSON API and the
staff pages."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from trace.web import openapi, staff_area
from trace.web.labels import api as labels_api
from trace.web.labels import pages


def init_app(app: Flask, api: Api) -> None:
    openapi.register(api, labels_api)
    staff_area.register(app, pages.bp)

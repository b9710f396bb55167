"""Master records: townships and villages, producers, products, batches and their events; the
JSON API (/api/v1) and the staff pages (/staff)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from trace.web import openapi, staff_area
from trace.web.records import batches, pages, producers, products, regions


def init_app(app: Flask, api: Api) -> None:
    openapi.register(api, regions, producers, products, batches)
    staff_area.register(app, pages.bp)

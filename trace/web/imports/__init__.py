"""Spreadsheet imports of producers, batches and training attendance: the JSON API
(/api/v1/imports) and the staff pages (/staff/imports)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from trace.web import openapi, staff_area
from trace.web.imports import api, pages


def init_app(app: Flask, api_: Api) -> None:
    openapi.register(api_, api)
    staff_area.register(app, pages.bp)

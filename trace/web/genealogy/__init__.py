"""Genealogy: lot operations (split, merge, transform), trace queries both ways, and recalls;
the JSON API. The regulator's pages show them (trace.web.regulator)."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from trace.web import openapi
from trace.web.genealogy import lots, recalls


def init_app(app: Flask, api: Api) -> None:
    openapi.register(api, lots, recalls)

"""Accounts: sign-in and sign-out, password changes, users, API tokens, and the staff home page;
the JSON API (/api/v1/tokens, /api/v1/users) and the staff pages."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from trace.web import openapi, staff_area
from trace.web.accounts import home, sign_in, tokens_api, users, users_api


def init_app(app: Flask, api: Api) -> None:
    openapi.register(api, tokens_api, users_api)
    for blueprint in (sign_in.bp, home.bp, users.bp):
        staff_area.register(app, blueprint)

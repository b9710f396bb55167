"""Refuse NUL characters in any input: PostgreSQL cannot store them in text, so they would fail a
write late (a 500) instead of early with a clear 400."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import BadRequest

MESSAGE = "NUL characters (\\u0000) are not allowed in any field"


def _has_nul() -> bool:
    if any("\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)):
        return True
    if "\x00" in request.path:
        return True
    if request.is_json:
        body = request.get_data(cache=True)
        return b"\\u0000" in body or b"\x00" in body
    if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        return any("\x00" in value for value in request.form.values())
    return False


def refuse_nul() -> None:
    if request.method in {"GET", "HEAD", "OPTIONS"} and not request.args:
        return
    if _has_nul():
        error = BadRequest(MESSAGE)
        error.data = {"message": MESSAGE, "errors": {"_input": [MESSAGE]}}  # type: ignore[attr-defined]
        raise error


def init_app(app: Flask) -> None:
    app.before_request(refuse_nul)

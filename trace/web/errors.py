"""Error answers: roll back, then JSON `{code, status, message, errors}` or an HTML page."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from trace.db import is_busy
from trace.errors import (
    AuthenticationError,
    ConflictError,
    InvalidTransitionError,
    Message,
    NotFoundError,
    PermissionDeniedError,
    Problem,
    TraceError,
    ValidationError,
)
from trace.models.events import AppendOnlyError
from trace.printing.errors import FontNotFoundError, PrintingError
from trace.web import messages as wording
from trace.web.database import rollback

log = logging.getLogger(__name__)

STATUS_FOR_ERROR: dict[type[TraceError], int] = {
    ValidationError: 422,
    NotFoundError: 404,
    ConflictError: 409,
    InvalidTransitionError: 409,
    AuthenticationError: 401,
    PermissionDeniedError: 403,
}


def wants_json() -> bool:
    """API paths and clients that prefer JSON get JSON; browsers get a page."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return (
        best == "application/json"
        and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]
    )


def _flatten(messages: Any) -> dict[str, list[str]]:
    """webargs nests errors by location ({"json": {"gtin": [...]}}); the contract keys by field."""
    if not isinstance(messages, dict):
        return {"_schema": [str(messages)]}
    flat: dict[str, Any] = {}
    for location, errors in messages.items():
        if location in {"json", "query", "form", "files", "headers", "path"} and isinstance(
            errors, dict
        ):
            flat.update(errors)
        else:
            flat[location] = errors
    return flat


def error_response(
    status: int, message: Message, errors: dict[str, Any] | None = None
) -> tuple[Response | str, int]:
    """The error answer. `message` and the field `errors` may be Problems: they are worded in the
    request's language, and JSON carries their codes too (`error_codes`, by field, and
    `message_code`), which is what programs should match on."""
    name = HTTPStatus(status).phrase
    worded = wording.text(message)
    if wants_json():
        body: dict[str, Any] = {"code": status, "status": name, "message": worded}
        body["errors"] = wording.texts(errors or {})
        if isinstance(message, Problem):
            body["message_code"] = message.code
        found = wording.codes(errors or {})
        if found:
            body["error_codes"] = found
        return jsonify(body), status
    return render_template("error.html", status=status, name=name, message=worded), status


def handle_trace_error(error: TraceError) -> Any:
    rollback()
    status = next((code for kind, code in STATUS_FOR_ERROR.items() if isinstance(error, kind)), 400)
    response, status = error_response(status, error.message, error.errors)
    if status == 401 and not isinstance(response, str):
        response.headers["WWW-Authenticate"] = 'Bearer realm="dayao-trace"'
    return response, status


def handle_printing_error(error: PrintingError) -> Any:
    """A missing font is the server's fault (503); a label that cannot be laid out, the input's."""
    rollback()
    if isinstance(error, FontNotFoundError):
        log.error("label printing unavailable: %s", error)
        return error_response(503, str(error))
    return error_response(422, str(error), {"template": [str(error)]})


def handle_http_exception(error: HTTPException) -> Any:
    rollback()
    data = getattr(error, "data", None) or {}
    errors = _flatten(data["messages"]) if "messages" in data else data.get("errors")
    message = data.get("message") or error.description or error.name
    if errors and error.code == 422:
        message = "the request has invalid fields: " + ", ".join(sorted(errors))
    response, status = error_response(error.code or 500, str(message), errors)
    headers = dict(data.get("headers") or {})  # Retry-After of a 429: on pages too
    if isinstance(response, str):
        return response, status, headers
    for key, value in headers.items():
        response.headers[key] = value
    return response, status


def handle_database_unavailable(error: DBAPIError) -> Any:
    """The database is away (restarting, network) or, on SQLite, held by a long write past the
    bounded wait: 503 with Retry-After, in the error format, instead of a 500. Other database
    errors (a broken constraint) are bugs and go on to handle_unexpected."""
    if not is_unavailable(error):
        return handle_unexpected(error)
    try:
        rollback()
    except Exception:  # the connection is gone; the session is discarded at teardown
        log.debug("rollback after a lost connection failed", exc_info=True)
    log.warning("database unavailable on %s %s: %s", request.method, request.path, error.orig)
    busy = is_busy(error)
    message = "the database is busy; try again shortly" if busy else "the database is unavailable"
    response, status = error_response(503, message)
    retry = "2" if busy else "10"
    if isinstance(response, str):
        return response, status, {"Retry-After": retry}
    response.headers["Retry-After"] = retry
    return response, status


def is_unavailable(error: DBAPIError) -> bool:
    """A lost or refused connection, or SQLite's write lock not had in time."""
    return bool(
        error.connection_invalidated
        or (
            isinstance(error, (OperationalError, InterfaceError))
            and not isinstance(error, IntegrityError)
        )
    )


def handle_unexpected(error: Exception) -> Any:
    """Log the stack trace on the server; the client sees only that something failed."""
    rollback()
    if isinstance(error, AppendOnlyError):
        log.error("append-only record change refused: %s", error)
    else:
        log.exception("unhandled error on %s %s", request.method, request.path)
    return handle_http_exception(InternalServerError("an internal error occurred; it was logged"))


def init_app(app: Flask) -> None:
    app.register_error_handler(TraceError, handle_trace_error)
    app.register_error_handler(PrintingError, handle_printing_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DBAPIError, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)

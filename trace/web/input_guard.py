"""Input refused before any view runs, with a clear 400 in the error format instead of a late 500:

- a Host header naming none of the service's hosts (TRACE_PUBLIC_HOST, TRACE_ALLOWED_HOSTS,
  localhost): links and redirects are built from the request's host, so `Host: evil.example`
  used to send scanners to evil.example (Flask's TRUSTED_HOSTS);
- NUL characters anywhere (PostgreSQL cannot store them in text);
- query keys Flask's url_for reserves (`_method`, `_external`, `_anchor`, `_scheme`): pages that
  keep their query in links (pagination, the language switch, the report form's action) pass it
  to url_for, where `?_method=DELETE` used to raise a BuildError;
- JSON bodies nested too deep, with absurdly long numbers, lone UTF-16 surrogates or bytes that
  are not UTF-8 (trace.json_limits): Python's parser recursed, raised on 5,000-digit integers, or
  let a surrogate through to fail when the text was encoded again.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask.globals import request_ctx
from werkzeug.exceptions import BadRequest, SecurityError

from trace.errors import Problem
from trace.json_limits import json_body_problem

MESSAGE = Problem("input.nul")
# Keyword arguments of flask.url_for: never accepted as names of query parameters.
RESERVED_QUERY_KEYS = frozenset({"_method", "_external", "_anchor", "_scheme"})


def _refuse(message: Problem, field: str = "_input") -> BadRequest:
    error = BadRequest(str(message))
    error.data = {"message": message, "errors": {field: [message]}}  # type: ignore[attr-defined]
    return error


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
        raise _refuse(MESSAGE)


def refuse_reserved_query_keys() -> None:
    reserved = sorted(RESERVED_QUERY_KEYS & set(request.args))
    if reserved:
        raise _refuse(Problem("input.reserved_query", {"name": reserved[0]}), reserved[0])


def refuse_unreadable_json() -> None:
    if not request.is_json or request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    problem = json_body_problem(request.get_data(cache=True))
    if problem is not None:
        raise _refuse(problem, "_body")


# Always answered: `make run` is opened at http://127.0.0.1:8000, tests at localhost.
LOCAL_HOSTS = ("localhost", "127.0.0.1", "[::1]", "::1")


def trusted_hosts(config: dict[str, object] | Flask) -> list[str]:
    settings = config.config if isinstance(config, Flask) else config
    extra = [h for h in str(settings.get("ALLOWED_HOSTS") or "").split(",") if h]
    return [str(settings["PUBLIC_HOST"]), *extra, *LOCAL_HOSTS]


def refuse_untrusted_host() -> None:
    """Flask keeps a bad Host as the routing error, raised only after the before-request hooks:
    raise it first, before anything builds a URL or counts the request."""
    if isinstance(request.routing_exception, SecurityError):
        # The error page still links its style sheet: URLs built for the public host.
        request_ctx.url_adapter = current_app.url_map.bind(
            str(current_app.config["PUBLIC_HOST"]), url_scheme=request.scheme
        )
        raise _refuse(Problem("input.untrusted_host"), "host")


def init_app(app: Flask) -> None:
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app)
    # First of all before-request hooks: the sign-in throttle, for one, reads the JSON body.
    hooks = app.before_request_funcs.setdefault(None, [])
    hooks[0:0] = [
        refuse_untrusted_host,
        refuse_nul,
        refuse_reserved_query_keys,
        refuse_unreadable_json,
    ]

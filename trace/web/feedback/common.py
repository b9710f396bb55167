"""Helpers shared by the report and disclosure pages: where files live, forms, rate limits."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import current_app
from limits import parse

from trace import storage
from trace.errors import ConfigError, TraceError, problem
from trace.web.forms import Form
from trace.web.security import client_key, limit, limits_enabled, rate_limits, too_many

RATE_LIMIT_SETTINGS = ("RATE_LIMIT_REPORT", "RATE_LIMIT_REPORT_STATUS")


def photo_dir() -> Path:
    """FEEDBACK_UPLOAD_DIR, or instance/uploads/feedback: never under static/."""
    return storage.feedback_upload_dir(current_app.config)


def check_settings(config: dict[str, Any]) -> None:
    """Refuse to start with a rate limit that does not parse (named like the other settings)."""
    for name in RATE_LIMIT_SETTINGS:
        try:
            parse(str(config[name]))
        except ValueError:
            raise ConfigError(problem("config.rate_format", name=f"TRACE_{name}")) from None
    if int(config["REPORT_MIN_SECONDS"]) < 0:
        raise ConfigError("config.report_min_seconds")


def over_limit(name: str) -> Any | None:
    """Count one request against RATE_LIMIT_<NAME> for this client; the 429 error when over it."""
    if not limits_enabled():
        return None
    item, key = limit(name), client_key()
    if rate_limits().hit(item, name, key):
        return None
    return too_many(item, name, key)


def fail(form: Form, error: TraceError, fields: Iterable[str] | None = None) -> None:
    """Show a service's refusal beside its fields, in the page's language; messages about
    anything the form has no field for (given `fields`) go to the top of the form."""
    shown = set(fields) if fields is not None else None
    if error.errors:
        for field, messages in error.errors.items():
            target = field if shown is None or field in shown else "_form"
            for text in messages:
                form.add(target, text)
    else:
        form.add("_form", error.message)

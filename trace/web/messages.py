"""Problems (trace.errors.Problem) worded for people in the page's language, one place for all.

What reaches these functions is a Problem, a code of the catalogue (trace/messages.py; marshmallow
refuses with codes, see trace/schemas/common.py) or, nested, a dict or list of them as marshmallow
collects them. Nothing here matches English text: text that is not a code is a bug, logged and
shown as the generic "格式不对".
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from typing import Any

from flask_babel import get_locale, gettext

from trace.errors import Message, Problem
from trace.messages import MESSAGES
from trace.web.names import ENUM_TABLES, name_of

log = logging.getLogger(__name__)


def problem_of(message: Any) -> Problem:
    """`message` as a Problem: a Problem as it is, a code as a Problem without parameters.
    Anything else is a bug (a message that escaped the catalogue): logged, and the generic
    field.invalid is shown instead, never the raw text."""
    if isinstance(message, Problem):
        return message
    if isinstance(message, str) and message in MESSAGES:
        return Problem(message)
    log.error("message without a code reached the web layer: %r", message)
    return Problem("field.invalid", {"detail": str(message)})


def text(message: Message) -> str:
    """The wording of a problem in the request's language. A code missing from the catalogue is
    a bug: it is logged and shown as the generic "格式不对" rather than as a raw code."""
    found = problem_of(message)
    template = MESSAGES.get(found.code)
    if template is None:
        log.error("message code %r has no wording in trace/messages.py", found.code)
        template = MESSAGES["field.invalid"]
    try:
        return str(gettext(template, **{k: _shown(v) for k, v in found.params.items()}))
    except (KeyError, TypeError, ValueError):
        log.error("message %s lacks a parameter its wording names", found)
        return str(gettext(MESSAGES["field.invalid"]))


def flat(errors: Any, prefix: str = "") -> dict[str, list[Problem]]:
    """Field errors as {field: [Problem]}: marshmallow's nesting ({"lines": {0: {"lot": [...]}}})
    flattened to dotted names ("lines.0.lot"), codes made Problems."""
    if isinstance(errors, Mapping):
        found: dict[str, list[Problem]] = {}
        for key, value in errors.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for field, problems in flat(value, name).items():
                found.setdefault(field, []).extend(problems)
        return found
    if isinstance(errors, list | tuple):
        found = {}
        for item in errors:
            for field, problems in flat(item, prefix).items():
                found.setdefault(field, []).extend(problems)
        return found
    return {prefix or "_schema": [problem_of(errors)]}


def texts(errors: Mapping[str, Any]) -> dict[str, Any]:
    """Field errors worded: the `errors` of the JSON error body, in the shape they came in
    (marshmallow nests a list's items: {"results": {"0": {"item": [...]}}})."""
    return {str(name): _each(value, text) for name, value in errors.items()}


def codes(errors: Mapping[str, Any]) -> dict[str, Any]:
    """Field errors as codes and parameters (the JSON error body's `error_codes`), in the same
    shape as `errors`: what a client program matches on, whatever the language."""
    return {
        str(name): _each(value, lambda m: problem_of(m).as_json()) for name, value in errors.items()
    }


def _each(value: Any, word: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _each(v, word) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_each(v, word) if isinstance(v, Mapping | list | tuple) else word(v) for v in value]
    return [word(value)]


def _shown(value: Any) -> Any:
    """A parameter as people read it: lists joined, an enum value by its display name (a unit is
    斤, never `jin`)."""
    if isinstance(value, list | tuple):
        separator = ", " if str(get_locale()).startswith("en") else "、"
        return separator.join(str(_shown(v)) for v in value)
    if isinstance(value, enum.Enum):
        table = ENUM_TABLES.get(type(value))
        return name_of(table, value) if table is not None else value.value
    return value

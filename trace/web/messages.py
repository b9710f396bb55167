"""Problems (trace.errors.Problem) worded for people in the page's language, one place for all."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import get_locale, gettext

from trace.errors import Message, Problem
from trace.messages import MESSAGES

log = logging.getLogger(__name__)


def text(message: Message) -> str:
    """The wording of a problem in the request's language. A code missing from the catalogue is
    a bug: it is logged and shown as the generic "格式不对" rather than as a raw code. A plain
    string (legacy, before its service moved to codes) is shown as it came."""
    if not isinstance(message, Problem):
        return str(message)
    template = MESSAGES.get(message.code)
    if template is None:
        log.error("message code %r has no wording in trace/messages.py", message.code)
        template = MESSAGES["field.invalid"]
    return str(gettext(template, **{k: _shown(v) for k, v in message.params.items()}))


def texts(errors: Mapping[str, Sequence[Message]]) -> dict[str, list[str]]:
    """Field errors worded: the `errors` of the JSON error body and of forms."""
    return {name: [text(m) for m in messages] for name, messages in errors.items()}


def codes(errors: Mapping[str, Sequence[Any]]) -> dict[str, list[dict[str, Any]]]:
    """Field errors as codes and parameters (the JSON error body's `error_codes`): what a client
    program matches on, whatever the language. Legacy strings have no code yet and are left out."""
    found = {
        name: [m.as_json() for m in messages if isinstance(m, Problem)]
        for name, messages in errors.items()
    }
    return {name: listed for name, listed in found.items() if listed}


def _shown(value: Any) -> Any:
    if isinstance(value, list | tuple):
        separator = ", " if str(get_locale()).startswith("en") else "、"
        return separator.join(str(v) for v in value)
    return value

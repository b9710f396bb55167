"""The one catalogue of messages for people: a stable code -> its Chinese wording.

Services raise `Problem(code, params)` (trace.errors); the web layer words it with
trace.web.messages.text, in the page's language. Each wording is a Flask-Babel msgid (Simplified
Chinese; English in trace/translations/en/LC_MESSAGES/messages.po) with `%(name)s` placeholders for
the problem's parameters. `N_` only marks a msgid for extraction (pybabel -k N_); it translates
nothing, so this module stays free of Flask.

Codes are `<subject>.<what>` in snake_case, sorted, in one block per feature. A code is a public
contract (the API answers it in `error_codes`): never reuse one for another meaning.
"""

from __future__ import annotations


def N_(text: str) -> str:
    return text


MESSAGES: dict[str, str] = {
    # Shared by every form and API schema.
    "field.invalid": N_("格式不对"),
    "field.required": N_("必填"),
    # Producers.
    "credit_code.alphabet": N_("统一社会信用代码只能由数字和大写字母组成（不用 I、O、S、V、Z）"),
    "credit_code.check_char": N_("统一社会信用代码校验位不对，请核对（GB 32100-2015）"),
    "credit_code.length": N_("统一社会信用代码应为 18 位"),
}


def describe(message: object) -> str:
    """A message in Chinese without Flask, for the command line and logs: a Problem's wording
    filled from its parameters, anything else as text."""
    code = getattr(message, "code", None)
    params = getattr(message, "params", None)
    if not isinstance(code, str) or params is None or code not in MESSAGES:
        return str(message)
    try:
        return MESSAGES[code] % dict(params)
    except (KeyError, TypeError, ValueError):
        return str(message)

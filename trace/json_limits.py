"""Limits on a JSON request body, checked on its bytes before any parser sees it.

Python's json module recurses (a body nested 100,000 deep raised RecursionError: a 500), refuses
integers of more than 4,300 digits with a ValueError some parsers do not expect, and accepts an
escaped lone surrogate (`"\\ud800"`) that cannot be encoded again later (UnicodeEncodeError when
the e-mail was hashed for the sign-in throttle). Each of these is refused here with a reason, and
the web layer answers 400 in the project's error format. Pure: bytes in, a reason or None out.
"""

from __future__ import annotations

import re

from trace.errors import Problem, problem

MAX_DEPTH = 32  # objects and arrays inside each other; our schemas need fewer than 6
MAX_NUMBER_CHARS = 100  # digits, sign, point and exponent of one number literal

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_LONG_NUMBER = re.compile(rb"[-+0-9.eE]{%d,}" % (MAX_NUMBER_CHARS + 1))
_BRACKETS = re.compile(rb"[\[\]{}]")
_HIGH = rb"\\u[dD][89abAB][0-9a-fA-F]{2}"
_LOW = rb"\\u[dD][c-fC-F][0-9a-fA-F]{2}"
_LONE_SURROGATE = re.compile(rb"%s(?!%s)|(?<!%s)%s" % (_HIGH, _LOW, _HIGH, _LOW))


def json_body_problem(body: bytes) -> Problem | None:
    """Why this JSON body is refused before parsing, or None. Not a full validation: what is
    not refused here is parsed (and its syntax errors reported) as usual."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return problem("json.not_utf8")
    if _LONE_SURROGATE.search(body):
        return problem("json.lone_surrogate")
    outside = _STRING.sub(b'""', body)
    if _LONG_NUMBER.search(outside):
        return problem("json.number_too_long", max=MAX_NUMBER_CHARS)
    depth = deepest = 0
    for bracket in _BRACKETS.findall(outside):
        depth += 1 if bracket in (b"[", b"{") else -1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_DEPTH:
                return problem("json.too_deep", max=MAX_DEPTH)
    return None

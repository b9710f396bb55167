"""Parsing a GS1 Digital Link URI (or its path) into a DigitalLink."""

from __future__ import annotations

from datetime import date

from trace.gs1.ai_table import AI_TABLE, _lookup
from trace.gs1.charsets import _first_bad, _is_digits
from trace.gs1.digital_link import (
    _ALPHAS,
    _BAD_HOST_CHARS,
    _URI_CHARS,
    _URI_RE,
    DigitalLink,
    _check_attribute,
    _pad_gtin,
    _qualifier_sequence,
    _value_error,
)
from trace.gs1.element_strings import AIPair
from trace.gs1.errors import DigitalLinkError, GS1Error
from trace.gs1.percent import unescape_value
from trace.gs1.values import validate_ai


def _path_ai(token: str, permit_unknown_ais: bool, permit_convenience_alphas: bool) -> str | None:
    if permit_convenience_alphas and 3 <= len(token) <= 5 and not token[0].isdigit():
        alpha = _ALPHAS.get(token)
        if alpha is not None:
            return alpha
    return token if _lookup(token, permit_unknown_ais) is not None else None


def parse_digital_link(
    uri_or_path: str,
    *,
    permit_unknown_ais: bool = False,
    allow_unknown_ai_attributes: bool = False,
    permit_zero_suppressed_gtin: bool = False,
    permit_convenience_alphas: bool = False,
    allow_trailing_slash: bool = True,
    today: date | None = None,
) -> DigitalLink:
    """Parse a GS1 Digital Link URI ("https://host/01/...") or a raw path ("/01/...?17=...").

    Pass the URI as received, still percent-encoded: "%2F" inside a lot is part of the value,
    never a path separator. Everything is validated (key-qualifier order, AI values, check
    digits, duplicates, which AIs may be query attributes); faults raise DigitalLinkError.
    Options follow the GS1 Syntax Engine's: unknown AIs, unknown AIs as attributes, GTIN-8/12/13
    in place of GTIN-14, /gtin/-style convenience alphas. One trailing "/" is tolerated unless
    `allow_trailing_slash` is False (the GS1 engine's strict behaviour).
    """
    text = uri_or_path
    if not text:
        raise DigitalLinkError("syntax", "empty URI")
    if not _URI_RE.fullmatch(text):
        bad = text[_first_bad(text, _URI_CHARS)]
        raise DigitalLinkError("syntax", f"URI contains {bad!r}, which must be percent-encoded")
    origin = ""
    if not text.startswith("/"):
        scheme = next(
            (s for s in ("https://", "HTTPS://", "http://", "HTTP://") if text.startswith(s)), None
        )
        if scheme is None:
            # Upper or lower case only, as the GS1 engine's tests require ("HtTp://" is refused).
            raise DigitalLinkError("syntax", "URI must start with http:// or https://")
        slash = text.find("/", len(scheme))
        if slash <= len(scheme):
            raise DigitalLinkError("syntax", "URI has no host or no path")
        if not _BAD_HOST_CHARS.isdisjoint(text[len(scheme) : slash]):
            raise DigitalLinkError("syntax", "URI host contains an illegal character")
        origin, text = text[:slash], text[slash:]
    text = text.partition("#")[0]
    path, _, query = text.partition("?")
    if path.endswith("/") and len(path) > 1:
        if not allow_trailing_slash:
            raise DigitalLinkError("syntax", "URI path must not end with '/'")
        path = path[:-1]

    # Walk /AI/value pairs from the right: the rightmost primary key starts the GS1 path, so
    # anything before it (even AI-like segments) is the path prefix of the resolver.
    segments = path.split("/")[1:]
    path_ais: dict[int, str] = {}  # segment index -> AI, for the pairs the walk accepted
    start = -1
    i = len(segments) - 2
    while i >= 0:
        ai = _path_ai(segments[i], permit_unknown_ais, permit_convenience_alphas)
        if ai is None:
            token = segments[i]
            if 2 <= len(token) <= 4 and _is_digits(token):
                raise DigitalLinkError(
                    "unknown_ai", f"unknown AI ({token}) in the URI path", ai=token
                )
            break
        path_ais[i] = ai
        entry = AI_TABLE.get(ai)
        if entry is not None and entry.is_primary_key:
            start = i
            break
        i -= 2
    if start < 0:
        raise DigitalLinkError(
            "syntax", "no GS1 primary key (such as /01/{GTIN}) found in the URI path"
        )

    path_pairs: list[AIPair] = []
    for j in range(start, len(segments), 2):
        ai, raw = path_ais[j], segments[j + 1]
        if not raw:
            raise DigitalLinkError("bad_value", f"AI ({ai}) has an empty value in the path", ai=ai)
        value = unescape_value(raw)
        if ai == "01" and permit_zero_suppressed_gtin:
            value = _pad_gtin(value)
        path_pairs.append((ai, value))
    key = path_pairs[0][0]
    path_quals = [ai for ai, _ in path_pairs[1:]]
    sequence = _qualifier_sequence(key, path_quals)
    positions = [sequence.index(q) for q in path_quals]
    for n in range(1, len(path_quals)):
        if positions[n] < positions[n - 1]:
            raise DigitalLinkError(
                "bad_order",
                f"AI ({path_quals[n]}) must come before AI ({path_quals[n - 1]}) in the URI path "
                f"(order for AI ({key}): {','.join(sequence)})",
                ai=path_quals[n],
            )

    attributes: list[AIPair] = []
    params: list[tuple[str, str]] = []
    seen = {ai for ai, _ in path_pairs}
    for part in query.split("&"):
        if not part:
            continue
        name, eq, raw = part.partition("=")
        if not eq or not _is_digits(name):
            params.append((unescape_value(name, query=True), unescape_value(raw, query=True)))
            continue
        entry = _lookup(name, permit_unknown_ais)
        if entry is None:
            raise DigitalLinkError(
                "unknown_ai", f"unknown AI ({name}) in the query string", ai=name
            )
        if not raw:
            raise DigitalLinkError(
                "bad_value", f"AI ({name}) has an empty value in the query", ai=name
            )
        if name in seen:
            raise DigitalLinkError("duplicate", f"AI ({name}) appears more than once", ai=name)
        seen.add(name)
        _check_attribute(key, path_quals, name, entry, allow_unknown_ai_attributes)
        value = unescape_value(raw, query=True)
        if name == "01" and permit_zero_suppressed_gtin:
            value = _pad_gtin(value)
        attributes.append((name, value))

    for ai, value in (*path_pairs, *attributes):
        if "\x00" in value:
            raise DigitalLinkError("syntax", f"AI ({ai}) value contains an encoded NUL", ai=ai)
        try:
            validate_ai(ai, value, today=today, permit_unknown_ais=permit_unknown_ais)
        except GS1Error as exc:
            raise _value_error(exc) from None

    prefix = "/".join(["", *segments[:start]]) if start else ""
    return DigitalLink(
        path_pairs[0], tuple(path_pairs[1:]), tuple(attributes), tuple(params), prefix, origin
    )

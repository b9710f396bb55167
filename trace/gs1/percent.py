"""Percent-encoding as the GS1 Digital Link standard applies it to AI values."""

from __future__ import annotations

import re
from typing import Final

_UNRESERVED_RE: Final = re.compile(r"[A-Za-z0-9\-._~]*")
_UNRESERVED: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_HEX: Final = frozenset("0123456789abcdefABCDEF")


def escape_value(value: str, *, query: bool = False) -> str:
    """Percent-encode an AI value: all but A-Z a-z 0-9 - . _ ~ ; a space is "+" in a query value."""
    if _UNRESERVED_RE.fullmatch(value):
        return value
    out = []
    for ch in value:
        if ch in _UNRESERVED:
            out.append(ch)
        elif ch == " " and query:
            out.append("+")
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def unescape_value(value: str, *, query: bool = False) -> str:
    """Decode %XX (and "+" as space in a query value); a malformed "%" stays as it is.

    Decoded bytes are read as UTF-8 or, failing that, one byte per character (Latin-1), so an
    odd byte such as %FF comes back as "ÿ" and fails later validation instead of vanishing.
    """
    if "%" not in value and not (query and "+" in value):
        return value
    buf = bytearray()
    i, n = 0, len(value)
    while i < n:
        ch = value[i]
        if ch == "%" and i + 2 < n and value[i + 1] in _HEX and value[i + 2] in _HEX:
            buf.append(int(value[i + 1 : i + 3], 16))
            i += 3
            continue
        buf += b" " if ch == "+" and query else ch.encode("utf-8")
        i += 1
    try:
        return buf.decode("utf-8")
    except UnicodeDecodeError:
        return buf.decode("latin-1")

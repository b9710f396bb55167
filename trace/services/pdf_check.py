"""Refusing PDFs with active content (scripts, launch and submit actions, embedded files).

Lab reports, certificate scans and notice attachments are documents to read. A PDF can also
carry JavaScript run when it is opened (`/OpenAction` → `/JS`), actions launching programs or
sending forms, and embedded files; served from our origin, such a file would act with our name.
Images are re-encoded on upload; a PDF cannot be, so its objects are read instead: every name in
the file and in its Flate-compressed streams (object streams included), with `#xx` escapes
decoded, so `/J#61vaScript` is `/JavaScript`. A document-open action that is a destination
(`[page /Fit]`, as office programs write) is fine; one that is an action is not. An encrypted
file whose objects are hidden in encrypted object streams cannot be read and is refused too.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator

# Names whose presence means the document does something when opened or clicked.
ACTIVE_NAMES = frozenset(
    {
        "JS",
        "JavaScript",
        "AA",  # additional actions: on page open, on field focus, ...
        "Launch",
        "SubmitForm",
        "ImportData",
        "GoToR",
        "GoToE",
        "EmbeddedFile",
        "EmbeddedFiles",
        "RichMedia",
        "XFA",
    }
)
# Decompressed bytes read at most (a small PDF may inflate enormously: a zip bomb).
MAX_INFLATED = 64 * 1024 * 1024

_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")
_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb"stream\r?\n")
_OPEN_ACTION = re.compile(rb"/OpenAction\s*(\[|<<|(\d+)\s+(\d+)\s+R)")


def _name(raw: bytes) -> str:
    return _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw).decode("latin-1")


def _streams(data: bytes) -> Iterator[bytes]:
    """The inflated content of every stream that inflates (others are images, fonts...)."""
    budget = MAX_INFLATED
    for match in _STREAM.finditer(data):
        start = match.end()
        end = data.find(b"endstream", start)
        if end < 0:
            continue
        inflater = zlib.decompressobj()
        try:
            inflated = inflater.decompress(data[start:end], budget)
        except zlib.error:
            continue
        budget -= len(inflated)
        yield inflated
        if budget <= 0:
            return


def active_content(data: bytes) -> list[str]:
    """What makes the PDF active (names such as `JavaScript`, `OpenAction`), sorted; [] if none."""
    parts = [data, *_streams(data)]
    text = _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), b"\n".join(parts))
    found = {_name(raw) for part in parts for raw in _NAME.findall(part)} & ACTIVE_NAMES
    for match in _OPEN_ACTION.finditer(text):
        if match.group(1) == b"<<":
            found.add("OpenAction")
        elif match.group(2) is not None:  # an indirect object: a destination array is fine
            target = re.search(
                rb"(?<!\d)" + match.group(2) + rb"\s+" + match.group(3) + rb"\s+obj\s*(\[|<<)",
                text,
            )
            if target is None or target.group(1) == b"<<":
                found.add("OpenAction")
    names = {_name(raw) for raw in _NAME.findall(data)}
    if "Encrypt" in names and "ObjStm" in names:
        found.add("Encrypt")  # its objects are out of sight
    return sorted(found)

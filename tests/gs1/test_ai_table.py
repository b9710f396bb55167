"""Cross-check trace.gs1.AI_TABLE against the GS1 Barcode Syntax Dictionary in ../shared."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal, cast

from tests.gs1.vectors import cases, shared_dir
from trace import gs1

_COMPONENT = re.compile(r"(\[)?([NXYZ])(\.\.)?(\d+)(\])?((?:,[a-z0-9]+)*)")


@dataclass(frozen=True)
class Entry:
    flags: str
    components: tuple[gs1.Component, ...]
    dlpkey: tuple[tuple[str, ...], ...] | None
    title: str


def _component(token: str) -> gs1.Component | None:
    """One format component; None for base64 (Z) data, which our table does not carry."""
    m = _COMPONENT.fullmatch(token)
    assert m is not None, token
    if m[2] == "Z":
        return None
    size = int(m[4])
    cset = cast(Literal["N", "X", "Y"], m[2])
    linters = tuple(m[6].split(",")[1:])
    return gs1.Component(cset, 1 if m[3] else size, size, m[1] is not None, linters)


def _dlpkey(attributes: list[str]) -> tuple[tuple[str, ...], ...] | None:
    for attribute in attributes:
        if attribute == "dlpkey":
            return ((),)
        if attribute.startswith("dlpkey="):
            return tuple(tuple(alt.split(",")) for alt in attribute[7:].split("|"))
    return None


@cache
def dictionary() -> dict[str, Entry]:
    """AI -> entry, with AI ranges such as 3100-3105 expanded."""
    text = (shared_dir() / "conformance" / "gs1" / "gs1-syntax-dictionary.txt").read_text("utf-8")
    entries: dict[str, Entry] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        body, _, title = line.partition("#")
        tokens = body.split()
        ais, rest = tokens[0], tokens[1:]
        flags = rest.pop(0) if rest and rest[0][0] not in "NXYZ[" else ""
        spec = [t for t in rest if t[0] in "NXYZ["]
        attributes = [t for t in rest if t[0] not in "NXYZ["]
        parsed = [_component(t) for t in spec]
        components = tuple(c for c in parsed if c is not None)
        if len(components) != len(parsed):
            continue  # a base64 (Z) AI such as 8030: not in our table
        first, _, last = ais.partition("-")
        for n in range(int(first), int(last or first) + 1):
            ai = str(n).zfill(len(first))
            entries[ai] = Entry(flags, components, _dlpkey(attributes), title.strip())
    return entries


def test_dictionary_parses() -> None:
    assert len(dictionary()) > 400
    assert dictionary()["01"].dlpkey == (("22", "10", "21"), ("235",))


def _differences(ai: str) -> list[str]:
    ours, theirs = gs1.AI_TABLE[ai], dictionary().get(ai)
    if theirs is None:
        return ["not in the GS1 Barcode Syntax Dictionary"]
    checks = [
        ("format or linters", ours.components, theirs.components),
        ("predefined length (*)", not ours.fnc1, "*" in theirs.flags),
        ("DL data attribute (?)", ours.dl_attribute, "?" in theirs.flags),
        ("DL primary key qualifiers (dlpkey)", ours.dl_qualifiers, theirs.dlpkey),
        ("title", ours.title, theirs.title),
    ]
    found = [f"{what}: ours {a!r}, GS1 {b!r}" for what, a, b in checks if a != b]
    linters = {name for c in ours.components for name in c.linters}
    if not linters <= gs1.LINTER_NAMES:
        found.append(f"linters we do not implement: {sorted(linters - gs1.LINTER_NAMES)}")
    return found


def test_ai_table_matches_dictionary() -> None:
    """Format, lengths, character set, linters, FNC1 and Digital Link flags for every AI we know."""
    assert len(gs1.AI_TABLE) > 400
    problems = {ai: found for ai in gs1.AI_TABLE if (found := _differences(ai))}
    assert not problems, "\n".join(f"AI ({ai}): {'; '.join(f)}" for ai, f in problems.items())


def test_every_primary_key_and_qualifier_is_supported() -> None:
    """A Digital Link parser that missed a key would misread the URI path, so all must be here."""
    keys = {ai for ai, entry in dictionary().items() if entry.dlpkey is not None}
    assert keys <= set(gs1.AI_TABLE)
    qualifiers = {q for ai in keys for alt in dictionary()[ai].dlpkey or () for q in alt}
    assert qualifiers <= set(gs1.AI_TABLE)


def test_predefined_length_ais_have_fixed_length() -> None:
    for entry in gs1.AI_TABLE.values():
        if not entry.fnc1:
            assert entry.min_length == entry.max_length, entry.ai


def test_every_ai_in_the_vectors_is_in_our_table() -> None:
    used: set[str] = set()
    for file in ("gs1_dl_parse.json", "gs1_ai_parse.json"):
        used |= {ai for case in cases(file) for ai, _ in case.get("expected_ais", [])}
    for case in cases("gs1_dl_generate.json"):
        used |= set(re.findall(r"\((\d+)\)", case["ai_data"]))
    unknown_on_purpose = {"89"}  # the vectors use (89) to exercise permitUnknownAIs
    assert used - unknown_on_purpose <= set(gs1.AI_TABLE)
    assert not unknown_on_purpose & set(dictionary())

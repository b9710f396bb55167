"""The Application Identifier table (GS1 General Specifications section 3, GS1 Digital Link)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Final, Literal

from trace.gs1.charsets import _is_digits
from trace.gs1.errors import GS1Error


@dataclass(frozen=True, slots=True)
class Component:
    """One part of an AI's data field, e.g. the N13 of GDTI "N13 [X..17]"."""

    cset: Literal["N", "X", "Y"]
    min_length: int
    max_length: int
    optional: bool
    linters: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AIDef:
    """How one Application Identifier's value is formed and where it may go in a Digital Link."""

    ai: str
    title: str
    components: tuple[Component, ...]
    # Whether an FNC1/GS must follow the value when another AI comes next: every AI except those
    # in GS1's table of predefined-length AIs, which is not the same as fixed-length (8018: N18).
    fnc1: bool
    dl_attribute: bool  # may appear as a Digital Link query-string data attribute
    # None: not a Digital Link primary key; otherwise its alternative ordered qualifier sequences.
    dl_qualifiers: tuple[tuple[str, ...], ...] | None
    known: bool = True  # False for an AI "vivified" under permit_unknown_ais
    min_length: int = field(init=False, compare=False)  # of the whole value
    max_length: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # Computed once: validation reads them for every value it checks.
        mandatory = sum(c.min_length for c in self.components if not c.optional)
        object.__setattr__(self, "min_length", mandatory)
        object.__setattr__(self, "max_length", sum(c.max_length for c in self.components))

    @property
    def is_primary_key(self) -> bool:
        return self.dl_qualifiers is not None


# Rows: AI or AI range, flags ("*" predefined length, "?" DL data attribute), data format with
# linters per component ("[...]" optional), DL primary key ("pkey" / "pkey=q1,q2|alt"), title.
_ROWS: Final[tuple[tuple[str, str, str, str, str], ...]] = (
    ("00", "*?", "N18,csum,gcppos2", "pkey", "SSCC"),
    ("01", "*?", "N14,csum,gcppos2", "pkey=22,10,21|235", "GTIN"),
    ("02", "*?", "N14,csum,gcppos2", "", "CONTENT"),
    ("03", "*", "N14,csum,gcppos2", "", "MTO GTIN"),
    ("10", "?", "X..20", "", "BATCH/LOT"),
    ("11", "*?", "N6,yymmd0", "", "PROD DATE"),
    ("12", "*?", "N6,yymmd0", "", "DUE DATE"),
    ("13", "*?", "N6,yymmd0", "", "PACK DATE"),
    ("15", "*?", "N6,yymmd0", "", "BEST BEFORE or BEST BY"),
    ("16", "*?", "N6,yymmd0", "", "SELL BY"),
    ("17", "*?", "N6,yymmd0", "", "USE BY or EXPIRY"),
    ("20", "*?", "N2", "", "VARIANT"),
    ("21", "", "X..20", "", "SERIAL"),
    ("22", "", "X..20", "", "CPV"),
    ("235", "", "X..28", "", "TPX"),
    ("240", "?", "X..30", "", "ADDITIONAL ID"),
    ("241", "?", "X..30", "", "CUST. PART No."),
    ("242", "?", "N..6", "", "MTO VARIANT"),
    ("243", "?", "X..20", "", "PCN"),
    ("250", "?", "X..30", "", "SECONDARY SERIAL"),
    ("251", "?", "X..30", "", "REF. TO SOURCE"),
    ("253", "?", "N13,csum,gcppos1 [X..17]", "pkey", "GDTI"),
    ("254", "", "X..20", "", "GLN EXTENSION COMPONENT"),
    ("255", "?", "N13,csum,gcppos1 [N..12]", "pkey", "GCN"),
    ("30", "?", "N..8", "", "VAR. COUNT"),
    # 31nn-36nn trade and logistic measures follow below, generated from _MEASURES.
    ("37", "?", "N..8", "", "COUNT"),
    ("3900-3909", "?", "N..15", "", "AMOUNT"),
    ("3920-3929", "?", "N..15", "", "PRICE"),
    ("3940-3943", "?", "N4", "", "PRCNT OFF"),
    ("3950-3955", "?", "N6", "", "PRICE/UoM"),
    ("400", "?", "X..30", "", "ORDER NUMBER"),
    ("401", "?", "X..30,gcppos1", "pkey", "GINC"),
    ("402", "?", "N17,csum,gcppos1", "pkey", "GSIN"),
    ("403", "?", "X..30", "", "ROUTE"),
    ("410", "*?", "N13,csum,gcppos1", "", "SHIP TO LOC"),
    ("411", "*?", "N13,csum,gcppos1", "", "BILL TO"),
    ("412", "*?", "N13,csum,gcppos1", "", "PURCHASE FROM"),
    ("413", "*?", "N13,csum,gcppos1", "", "SHIP FOR LOC"),
    ("414", "*?", "N13,csum,gcppos1", "pkey=254|7040", "LOC No."),
    ("415", "*?", "N13,csum,gcppos1", "pkey=8020", "PAY TO"),
    ("416", "*?", "N13,csum,gcppos1", "", "PROD/SERV LOC"),
    ("417", "*?", "N13,csum,gcppos1", "pkey=7040", "PARTY"),
    ("420", "?", "X..20", "", "SHIP TO POST"),
    ("421", "?", "N3,iso3166 X..9", "", "SHIP TO POST"),
    ("422", "?", "N3,iso3166", "", "ORIGIN"),
    ("423", "?", "N3,iso3166" + " [N3],iso3166" * 4, "", "COUNTRY - INITIAL PROCESS"),
    ("424", "?", "N3,iso3166", "", "COUNTRY - PROCESS"),
    ("425", "?", "N3,iso3166" + " [N3],iso3166" * 4, "", "COUNTRY - DISASSEMBLY"),
    ("426", "?", "N3,iso3166", "", "COUNTRY - FULL PROCESS"),
    ("427", "?", "X..3", "", "ORIGIN SUBDIVISION"),
    ("7001", "?", "N13", "", "NSN"),
    ("7002", "?", "X..30", "", "MEAT CUT"),
    ("7003", "?", "N6,yymmdd N4,hhmi", "", "EXPIRY TIME"),
    ("7004", "?", "N..4", "", "ACTIVE POTENCY"),
    ("7005", "?", "X..12", "", "CATCH AREA"),
    ("7006", "?", "N6,yymmdd", "", "FIRST FREEZE DATE"),
    ("7007", "?", "N6,yymmdd [N6],yymmdd", "", "HARVEST DATE"),
    ("7008", "?", "X..3", "", "AQUATIC SPECIES"),
    ("7009", "?", "X..10", "", "FISHING GEAR TYPE"),
    ("7010", "?", "X..2", "", "PROD METHOD"),
    ("7011", "?", "N6,yymmdd [N4],hhmi", "", "TEST BY DATE"),
    ("7020", "?", "X..20", "", "REFURB LOT"),
    ("7021", "?", "X..20", "", "FUNC STAT"),
    ("7022", "?", "X..20", "", "REV STAT"),
    ("7023", "?", "X..30,gcppos1", "", "GIAI - ASSEMBLY"),
    # 7030-7039 PROCESSOR # s follow below.
    ("7040", "", "N1 X1 X1 X1,importeridx", "", "UIC+EXT"),
    ("710", "?", "X..20", "", "NHRN PZN"),
    ("711", "?", "X..20", "", "NHRN CIP"),
    ("712", "?", "X..20", "", "NHRN CN"),
    ("713", "?", "X..20", "", "NHRN DRN"),
    ("714", "?", "X..20", "", "NHRN AIM"),
    ("715", "?", "X..20", "", "NHRN NDC"),
    ("716", "?", "X..20", "", "NHRN AIC"),
    ("717", "?", "X..20", "", "NHRN SRN"),
    ("7240", "?", "X..20", "", "PROTOCOL"),
    ("7242", "?", "X..25", "", "VCN"),
    ("8002", "?", "X..20", "", "CMT No."),
    ("8003", "?", "N1,zero N13,csum,gcppos1 [X..16]", "pkey", "GRAI"),
    ("8004", "?", "X..30,gcppos1", "pkey=7040", "GIAI"),
    ("8005", "?", "N6", "", "PRICE PER UNIT"),
    ("8006", "?", "N14,csum,gcppos2 N4,pieceoftotal", "pkey=22,10,21", "ITIP"),
    ("8009", "?", "X..50", "", "OPTSEN"),
    ("8010", "?", "Y..30,gcppos1", "pkey=8011", "CPID"),
    ("8011", "", "N..12,nozeroprefix", "", "CPID SERIAL"),
    ("8012", "?", "X..20", "", "VERSION"),
    ("8013", "?", "X..25,csumalpha,gcppos1", "pkey", "GMN"),
    ("8014", "", "X..25,csumalpha,gcppos1,hasnondigit", "", "MUDI"),
    ("8017", "?", "N18,csum,gcppos1", "pkey=8019", "GSRN - PROVIDER"),
    ("8018", "?", "N18,csum,gcppos1", "pkey=8019", "GSRN - RECIPIENT"),
    ("8019", "", "N..10", "", "SRIN"),
    ("8020", "", "X..25", "", "REF No."),
    ("8026", "?", "N14,csum,gcppos2 N4,pieceoftotal", "", "ITIP CONTENT"),
    ("8111", "?", "N4", "", "POINTS"),
    ("8200", "", "X..70", "", "PRODUCT URL"),
    ("90", "?", "X..30", "", "INTERNAL"),
    ("91-99", "?", "X..90", "", "INTERNAL"),
)

# Trade (31-32, 35-36 net) and logistic (33-34, 35-36 "log") measures: AI = 3 digits + decimals.
_MEASURES: Final = (
    ("310", "NET WEIGHT (kg)"), ("311", "LENGTH (m)"), ("312", "WIDTH (m)"),
    ("313", "HEIGHT (m)"), ("314", "AREA (m²)"), ("315", "NET VOLUME (l)"),
    ("316", "NET VOLUME (m³)"), ("320", "NET WEIGHT (lb)"), ("321", "LENGTH (in)"),
    ("322", "LENGTH (ft)"), ("323", "LENGTH (yd)"), ("324", "WIDTH (in)"), ("325", "WIDTH (ft)"),
    ("326", "WIDTH (yd)"), ("327", "HEIGHT (in)"), ("328", "HEIGHT (ft)"), ("329", "HEIGHT (yd)"),
    ("330", "GROSS WEIGHT (kg)"), ("331", "LENGTH (m), log"), ("332", "WIDTH (m), log"),
    ("333", "HEIGHT (m), log"), ("334", "AREA (m²), log"), ("335", "VOLUME (l), log"),
    ("336", "VOLUME (m³), log"), ("337", "KG PER m²"), ("340", "GROSS WEIGHT (lb)"),
    ("341", "LENGTH (in), log"), ("342", "LENGTH (ft), log"), ("343", "LENGTH (yd), log"),
    ("344", "WIDTH (in), log"), ("345", "WIDTH (ft), log"), ("346", "WIDTH (yd), log"),
    ("347", "HEIGHT (in), log"), ("348", "HEIGHT (ft), log"), ("349", "HEIGHT (yd), log"),
    ("350", "AREA (in²)"), ("351", "AREA (ft²)"), ("352", "AREA (yd²)"),
    ("353", "AREA (in²), log"), ("354", "AREA (ft²), log"), ("355", "AREA (yd²), log"),
    ("356", "NET WEIGHT (tr oz)"), ("357", "NET VOLUME (oz)"), ("360", "NET VOLUME (qt (US))"),
    ("361", "NET VOLUME (gal.)"), ("362", "VOLUME (qt (US)), log"),
    ("363", "VOLUME (gal (US)), log"), ("364", "NET VOLUME (in³)"), ("365", "NET VOLUME (ft³)"),
    ("366", "NET VOLUME (yd³)"), ("367", "VOLUME (in³), log"), ("368", "VOLUME (ft³), log"),
    ("369", "VOLUME (yd³), log"),
)  # fmt: skip

_COMPONENT_RE: Final = re.compile(r"(\[)?([NXY])(\.\.)?(\d+)(\])?((?:,[a-z0-9]+)*)")


def _parse_format(spec: str) -> tuple[Component, ...]:
    parts = []
    for token in spec.split():
        m = _COMPONENT_RE.fullmatch(token)
        if m is None or (m[1] is None) != (m[5] is None):
            raise ValueError(f"bad AI format component {token!r}")
        size = int(m[4])
        cset: Literal["N", "X", "Y"] = "N" if m[2] == "N" else "X" if m[2] == "X" else "Y"
        linters = tuple(m[6].split(",")[1:])
        parts.append(Component(cset, 1 if m[3] else size, size, m[1] is not None, linters))
    return tuple(parts)


def _parse_pkey(spec: str) -> tuple[tuple[str, ...], ...] | None:
    if not spec:
        return None
    _, _, alternatives = spec.partition("=")
    if not alternatives:
        return ((),)
    return tuple(tuple(alt.split(",")) for alt in alternatives.split("|"))


def _build_table() -> dict[str, AIDef]:
    rows = list(_ROWS)
    rows += [(f"{p}0-{p}5", "*?", "N6", "", title) for p, title in _MEASURES]
    rows += [(f"703{s}", "?", "N3,iso3166999 X..27", "", f"PROCESSOR # {s}") for s in range(10)]
    rows += [(f"723{s}", "?", "X2 X..28", "", f"CERT # {s + 1}") for s in range(10)]
    table: dict[str, AIDef] = {}
    for ais, flags, spec, pkey, title in rows:
        first, _, last = ais.partition("-")
        components, qualifiers = _parse_format(spec), _parse_pkey(pkey)
        for n in range(int(first), int(last or first) + 1):
            ai = str(n).zfill(len(first))
            table[ai] = AIDef(ai, title, components, "*" not in flags, "?" in flags, qualifiers)
    return dict(sorted(table.items()))


AI_TABLE: Final[Mapping[str, AIDef]] = MappingProxyType(_build_table())

# GS1 allocates AIs so that all AIs sharing their first two digits have the same length.
_AI_LENGTH_BY_PREFIX: Final = MappingProxyType({ai[:2]: len(ai) for ai in AI_TABLE})

# Two-digit prefixes whose AIs have a GS1-predefined value length (no FNC1 needed), including
# prefixes with no AI assigned yet: an unknown AI must still be read with this length.
_PREDEFINED_VALUE_LENGTH: Final = MappingProxyType(
    {"00": 18, "01": 14, "02": 14, "03": 14, "04": 16, "20": 2, "41": 13}
    | {str(p): 6 for p in range(11, 20)}
    | {str(p): 6 for p in range(31, 37)}
)


@lru_cache(maxsize=256)
def _unknown_ai(ai: str) -> AIDef | None:
    if any(ai[:k] in AI_TABLE for k in range(2, len(ai))):
        return None  # a known AI is a prefix of it: the data would be read as that AI
    if any(known.startswith(ai) for known in AI_TABLE):
        return None
    expected = _AI_LENGTH_BY_PREFIX.get(ai[:2])
    if expected is not None and expected != len(ai):
        return None
    fixed = _PREDEFINED_VALUE_LENGTH.get(ai[:2])
    if fixed is not None:
        return AIDef(
            ai, "UNKNOWN", (Component("X", fixed, fixed, False, ()),), False, False, None, False
        )
    return AIDef(ai, "UNKNOWN", (Component("X", 1, 90, False, ()),), True, False, None, False)


def _lookup(ai: str, permit_unknown_ais: bool = False) -> AIDef | None:
    entry = AI_TABLE.get(ai)
    if entry is not None or not permit_unknown_ais:
        return entry
    if not 2 <= len(ai) <= 4 or not _is_digits(ai):
        return None
    return _unknown_ai(ai)


def ai_definition(ai: str) -> AIDef:
    """The table entry for `ai`; GS1Error if this module does not know the AI."""
    entry = AI_TABLE.get(ai)
    if entry is None:
        raise GS1Error(f"unknown AI ({ai})", ai=ai, code="UNKNOWN_AI")
    return entry

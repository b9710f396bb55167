"""GS1 Digital Link URIs: the parsed link and building links from AI data."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import Final

from trace.gs1.ai_table import AI_TABLE, AIDef, _lookup
from trace.gs1.charsets import CANONICAL_STEM, GS, _is_digits, normalize_gtin
from trace.gs1.element_strings import AIPair, element_string, hri, parse_ai_data
from trace.gs1.errors import DigitalLinkError, DLErrorKind, GS1Error
from trace.gs1.percent import escape_value
from trace.gs1.values import validate_ai, validate_lot, validate_serial


@dataclass(frozen=True, slots=True)
class DigitalLink:
    """A parsed GS1 Digital Link URI: primary key, path qualifiers and query-string data."""

    primary: AIPair  # e.g. ("01", "06901234567892")
    qualifiers: tuple[AIPair, ...] = ()  # path key qualifiers in URI order, e.g. (("10", lot),)
    attributes: tuple[AIPair, ...] = ()  # AI data attributes from the query string, in order
    params: tuple[tuple[str, str], ...] = ()  # other query parameters (linkType, lang, ...)
    path_prefix: str = ""  # path before the primary key, e.g. "/trace"; "" if none
    origin: str = ""  # "https://host[:port]" as given, or "" when only a path was parsed

    @property
    def ais(self) -> tuple[AIPair, ...]:
        """All AI data: primary key, then qualifiers, then attributes."""
        return (self.primary, *self.qualifiers, *self.attributes)

    def value(self, ai: str) -> str | None:
        """The value of `ai` anywhere in the link, or None."""
        return next((v for a, v in self.ais if a == ai), None)

    def param(self, name: str) -> str | None:
        """The first non-AI query parameter called `name` (e.g. "linkType"), or None."""
        return next((v for k, v in self.params if k == name), None)

    @property
    def gtin(self) -> str | None:
        return self.value("01")

    @property
    def lot(self) -> str | None:
        return self.value("10")

    @property
    def serial(self) -> str | None:
        return self.value("21")

    def hri(self) -> str:
        """Human-readable AI data, e.g. "(01)06901234567892(10)DY208HT250915-003(21)K3M9"."""
        return hri(self.ais)

    def to_element_string(self, fnc1: str = GS, *, leading_fnc1: bool = False) -> str:
        """AI data for a GS1-128/DataMatrix encoder; GS (or `fnc1`) after AIs that need one."""
        return element_string(
            self.ais, fnc1=fnc1, leading_fnc1=leading_fnc1, permit_unknown_ais=True
        )

    def to_uri(self, base_url: str | None = None) -> str:
        """The canonical URI: `base_url` or the parsed origin and prefix; no non-AI parameters."""
        base = base_url.rstrip("/") if base_url is not None else self.origin + self.path_prefix
        return _compose(base, self.primary, self.qualifiers, self.attributes)


_URI_CHARS: Final = frozenset(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#[]@!$&'()*+,;=%"
)
_URI_RE: Final = re.compile("[" + re.escape("".join(sorted(_URI_CHARS))) + "]*")
_BAD_HOST_CHARS: Final = frozenset("_~?#@!$&'()*+,;=%")
# GS1 Digital Link 1.0 "convenience alphas" (deprecated): /gtin/... for /01/...
_ALPHAS: Final = MappingProxyType(
    {
        "cpid": "8010", "cpsn": "8011", "cpv": "22", "gcn": "255", "gdti": "253", "giai": "8004",
        "ginc": "401", "gln": "414", "glnx": "254", "gmn": "8013", "grai": "8003", "gsin": "402",
        "gsrn": "8018", "gsrnp": "8017", "gtin": "01", "itip": "8006", "lot": "10",
        "party": "417", "refno": "8020", "ser": "21", "srin": "8019", "sscc": "00",
    }
)  # fmt: skip
_CHECK_CODES: Final = frozenset({"INCORRECT_CHECK_DIGIT", "INCORRECT_CHECK_PAIR"})


def _value_error(exc: GS1Error) -> DigitalLinkError:
    kind: DLErrorKind = "bad_value"
    if exc.code in _CHECK_CODES:
        kind = "check_digit"
    elif exc.code == "UNKNOWN_AI":
        kind = "unknown_ai"
    elif exc.code == "SYNTAX":
        kind = "syntax"
    return DigitalLinkError(kind, str(exc), ai=exc.ai, code=exc.code)


def _pad_gtin(value: str) -> str:
    # GTIN-8/12/13 written without their leading zeros: Digital Link's canonical form is 14.
    return value.zfill(14) if len(value) in (8, 12, 13) and _is_digits(value) else value


def _describe(alternatives: tuple[tuple[str, ...], ...]) -> str:
    return " or ".join(",".join(alt) for alt in alternatives if alt) or "none"


def _qualifier_sequence(key: str, quals: Sequence[str]) -> tuple[str, ...]:
    """The alternative of `key` that all `quals` belong to; errors name the offending AI."""
    alternatives = AI_TABLE[key].dl_qualifiers or ((),)
    seen: set[str] = set()
    for q in quals:
        if q in seen:
            raise DigitalLinkError(
                "duplicate", f"AI ({q}) appears more than once in the path", ai=q
            )
        seen.add(q)
        if not any(q in alt for alt in alternatives):
            raise DigitalLinkError(
                "bad_order",
                f"AI ({q}) is not a key qualifier of AI ({key}) and may not be in the URI path "
                f"(qualifiers allowed: {_describe(alternatives)})",
                ai=q,
            )
    for alt in alternatives:
        if seen.issubset(alt):
            return alt
    raise DigitalLinkError(
        "bad_order",
        f"AIs ({'), ('.join(quals)}) cannot qualify AI ({key}) together "
        f"(qualifier sequences: {_describe(alternatives)})",
        ai=quals[-1],
    )


def _belongs_in_path(key: str, path_quals: Iterable[str], ai: str) -> bool:
    present = set(path_quals)
    return ai not in present and any(
        ai in alt and present.issubset(alt) for alt in AI_TABLE[key].dl_qualifiers or ()
    )


def _check_attribute(
    key: str, path_quals: Sequence[str], ai: str, entry: AIDef, allow_unknown: bool
) -> None:
    if not entry.dl_attribute and (entry.known or not allow_unknown):
        what = "unknown AI" if not entry.known else "AI"
        raise DigitalLinkError(
            "not_attribute", f"{what} ({ai}) is not allowed as a Digital Link data attribute", ai=ai
        )
    if _belongs_in_path(key, path_quals, ai):
        raise DigitalLinkError(
            "bad_order",
            f"AI ({ai}) qualifies AI ({key}) and must be in the URI path, not the query string",
            ai=ai,
        )


def _compose(
    base: str, primary: AIPair, qualifiers: Iterable[AIPair], attributes: Iterable[AIPair]
) -> str:
    path = "".join(f"/{ai}/{escape_value(v)}" for ai, v in (primary, *qualifiers))
    query = "&".join(f"{ai}={escape_value(v, query=True)}" for ai, v in attributes)
    return f"{base}{path}?{query}" if query else base + path


def _clean_base(base_url: str) -> str:
    base = base_url.rstrip("/")
    scheme, sep, rest = base.partition("://")
    if not sep or scheme.lower() not in ("http", "https"):
        raise DigitalLinkError(
            "syntax", f"base URL must start with http:// or https://: {base_url!r}"
        )
    if not rest or rest.startswith("/") or any(ch in rest for ch in "?# \t\r\n"):
        raise DigitalLinkError("syntax", f"base URL must have a host and no query: {base_url!r}")
    return base


def build_digital_link(
    base_url: str,
    primary: AIPair,
    qualifiers: Sequence[AIPair] = (),
    attributes: Sequence[AIPair] = (),
    *,
    permit_unknown_ais: bool = False,
    allow_unknown_ai_attributes: bool = False,
    today: date | None = None,
) -> str:
    """A canonical GS1 Digital Link URI: base/key/value[/qualifier/value...][?attributes].

    Qualifiers are put in the order GS1 mandates (e.g. 22, 10, 21 for a GTIN); attributes keep
    the given order. A GTIN-8/12/13 is padded to 14 digits. Every value is validated.
    """
    base = _clean_base(base_url)
    key, key_value = primary
    entry = AI_TABLE.get(key)
    if entry is None or not entry.is_primary_key:
        raise DigitalLinkError("syntax", f"AI ({key}) is not a Digital Link primary key", ai=key)
    pairs = {key: _pad_gtin(key_value) if key == "01" else key_value}
    sequence = _qualifier_sequence(key, [q for q, _ in qualifiers])
    ordered = sorted(qualifiers, key=lambda pair: sequence.index(pair[0]))
    pairs |= dict(ordered)
    attrs: list[AIPair] = []
    for ai, value in attributes:
        attr_entry = _lookup(ai, permit_unknown_ais)
        if attr_entry is None:
            raise DigitalLinkError("unknown_ai", f"unknown AI ({ai})", ai=ai)
        if ai in pairs:
            raise DigitalLinkError("duplicate", f"AI ({ai}) is given more than once", ai=ai)
        _check_attribute(key, [q for q, _ in ordered], ai, attr_entry, allow_unknown_ai_attributes)
        attrs.append((ai, _pad_gtin(value) if ai == "01" else value))
        pairs[ai] = attrs[-1][1]
    for ai, value in pairs.items():
        try:
            validate_ai(ai, value, today=today, permit_unknown_ais=permit_unknown_ais)
        except GS1Error as exc:
            raise _value_error(exc) from None
    return _compose(base, (key, pairs[key]), [(q, pairs[q]) for q, _ in ordered], attrs)


def digital_link_from_ais(
    ais: Iterable[AIPair] | str,
    base_url: str | None = None,
    *,
    permit_unknown_ais: bool = False,
    allow_unknown_ai_attributes: bool = False,
    today: date | None = None,
) -> str:
    """A Digital Link URI for a bag of AI data (pairs or "(01)...(10)..."), as GS1's engine does.

    The first AI that can be a primary key becomes it; the qualifier sequence matching most of
    the given AIs is used; the rest become attributes, predefined-length AIs first. Repeats of
    an identical AI and value are dropped; the same AI with different values is an error.
    """
    if isinstance(ais, str):
        try:
            ais = parse_ai_data(ais, permit_unknown_ais=permit_unknown_ais, today=today)
        except GS1Error as exc:
            raise _value_error(exc) from None
    values: dict[str, str] = {}
    for ai, value in ais:
        if values.setdefault(ai, value) != value:
            raise DigitalLinkError(
                "duplicate", f"AI ({ai}) is given twice with different values", ai=ai
            )
    key = next((ai for ai in values if ai in AI_TABLE and AI_TABLE[ai].is_primary_key), None)
    if key is None:
        raise DigitalLinkError("syntax", "no AI in the data can be a Digital Link primary key")
    alternatives = AI_TABLE[key].dl_qualifiers or ((),)
    # max() keeps the first of equal counts, so ties go to the alternative GS1 lists first.
    best = max(alternatives, key=lambda alt: sum(q in values for q in alt))
    qualifiers = [(q, values[q]) for q in best if q in values]
    rest = [(ai, v) for ai, v in values.items() if ai != key and ai not in best]
    fixed_first = sorted(rest, key=lambda pair: _is_variable(pair[0], permit_unknown_ais))
    return build_digital_link(
        base_url or CANONICAL_STEM,
        (key, values[key]),
        qualifiers,
        fixed_first,
        permit_unknown_ais=permit_unknown_ais,
        allow_unknown_ai_attributes=allow_unknown_ai_attributes,
        today=today,
    )


def _is_variable(ai: str, permit_unknown_ais: bool) -> bool:
    entry = _lookup(ai, permit_unknown_ais)
    return entry is None or entry.fnc1


def _clean_host(host: str) -> str:
    cleaned = host.strip().strip("/")
    if not cleaned or "://" in cleaned or any(ch in cleaned for ch in "?# \t\r\n"):
        raise GS1Error(f"not a host name: {host!r}")
    return cleaned


def pack_uri(host: str, gtin: str, lot: str | None = None, serial: str | None = None) -> str:
    """The pack/batch/product code https://{host}/01/{GTIN-14}[/10/{lot}][/21/{serial}]."""
    qualifiers: list[AIPair] = []
    if lot is not None:
        qualifiers.append(("10", validate_lot(lot)))
    if serial is not None:
        qualifiers.append(("21", validate_serial(serial)))
    return build_digital_link(
        f"https://{_clean_host(host)}", ("01", normalize_gtin(gtin)), qualifiers
    )

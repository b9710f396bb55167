"""GS1 identifiers: check digits, AI table, element strings and Digital Link URIs; pure stdlib.

One module per section of the GS1 standards; import from `trace.gs1` (the names below), not from
the modules, so they can move again. Order of dependence: errors <- charsets <- dates <- linters
<- ai_table <- values <- element_strings / percent <- digital_link <- digital_link_parse.
"""

from __future__ import annotations

from trace.gs1.ai_table import AI_TABLE, AIDef, Component, ai_definition
from trace.gs1.charsets import (
    CANONICAL_STEM,
    CSET39,
    CSET82,
    GS,
    check_char_pair,
    check_digit,
    has_valid_check_digit,
    is_cset39,
    is_cset82,
    normalize_gtin,
)
from trace.gs1.dates import gs1_year, parse_gs1_date
from trace.gs1.digital_link import DigitalLink, build_digital_link, digital_link_from_ais, pack_uri
from trace.gs1.digital_link_parse import parse_digital_link
from trace.gs1.element_strings import (
    AIPair,
    element_string,
    hri,
    parse_ai_data,
    parse_element_string,
)
from trace.gs1.errors import DigitalLinkError, DLErrorKind, GS1Error
from trace.gs1.linters import LINTER_NAMES, lint
from trace.gs1.percent import escape_value, unescape_value
from trace.gs1.values import validate_ai, validate_lot, validate_serial

__all__ = [
    "AI_TABLE",
    "CANONICAL_STEM",
    "CSET39",
    "CSET82",
    "GS",
    "LINTER_NAMES",
    "AIDef",
    "AIPair",
    "Component",
    "DLErrorKind",
    "DigitalLink",
    "DigitalLinkError",
    "GS1Error",
    "ai_definition",
    "build_digital_link",
    "check_char_pair",
    "check_digit",
    "digital_link_from_ais",
    "element_string",
    "escape_value",
    "gs1_year",
    "has_valid_check_digit",
    "hri",
    "is_cset39",
    "is_cset82",
    "lint",
    "normalize_gtin",
    "pack_uri",
    "parse_ai_data",
    "parse_digital_link",
    "parse_element_string",
    "parse_gs1_date",
    "unescape_value",
    "validate_ai",
    "validate_lot",
    "validate_serial",
]

"""Focused tests of trace.gs1 for the behaviours Dayao Trace relies on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from trace import gs1

DEMO_GTIN = "06901234567892"  # DOMAIN.md: Chinese prefix 690, valid check digit
HOST = "trace.example.cn"
TODAY = date(2026, 6, 1)


def _fault(uri: str, **kwargs: Any) -> gs1.DigitalLinkError:
    with pytest.raises(gs1.DigitalLinkError) as caught:
        gs1.parse_digital_link(uri, **kwargs)
    return caught.value


# --- check digits and GTINs ------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [DEMO_GTIN, "6901234567892", "02345673", "416000336108", "9520123456788", "006141411234567890"],
)
def test_valid_check_digits(code: str) -> None:
    assert gs1.has_valid_check_digit(code)
    assert gs1.check_digit(code[:-1]) == code[-1]


@pytest.mark.parametrize("code", ["06901234567893", "", "7", "0690123456789X", "٠٦٩٠١٢٣٤٥٦٧٨٩٢"])
def test_invalid_check_digits(code: str) -> None:
    assert not gs1.has_valid_check_digit(code)


def test_check_digit_needs_digits() -> None:
    with pytest.raises(gs1.GS1Error):
        gs1.check_digit("69O123")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("6901234567892", DEMO_GTIN),
        (DEMO_GTIN, DEMO_GTIN),
        (" 6901234567892\n", DEMO_GTIN),
        ("416000336108", "00416000336108"),
        ("02345673", "00000002345673"),
    ],
)
def test_normalize_gtin_gives_14_digits(raw: str, expected: str) -> None:
    assert gs1.normalize_gtin(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        ("690123456789", "INCORRECT_CHECK_DIGIT", "should be 7, not 9"),  # a GTIN-12
        ("06901234567893", "INCORRECT_CHECK_DIGIT", "should be 2, not 3"),
        ("0690123456789", "INCORRECT_CHECK_DIGIT", "check digit"),
        ("69012345678", "INVALID_LENGTH", "not 11"),
        ("069012345678920", "INVALID_LENGTH", "not 15"),
        ("", "NON_DIGIT_CHARACTER", "digits"),
        ("0690-1234-5678-92", "NON_DIGIT_CHARACTER", "digits"),
    ],
)
def test_normalize_gtin_explains_faults(raw: str, code: str, words: str) -> None:
    with pytest.raises(gs1.GS1Error) as caught:
        gs1.normalize_gtin(raw)
    assert caught.value.code == code
    assert words in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_check_character_pair() -> None:
    assert gs1.check_char_pair("1987654Ad4X4bL5ttr2310c") == "2K"
    gs1.validate_ai("8013", "1987654Ad4X4bL5ttr2310c2K")
    with pytest.raises(gs1.GS1Error) as caught:
        gs1.validate_ai("8013", "1987654Ad4X4bL5ttr2310c2X")
    assert caught.value.code == "INCORRECT_CHECK_PAIR"


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yy", "today", "year"),
    [
        (26, date(2026, 6, 1), 2026),
        (76, date(2026, 6, 1), 2076),  # +50: still this century
        (77, date(2026, 6, 1), 1977),  # +51: previous century
        (99, date(2026, 6, 1), 1999),
        (0, date(2049, 1, 1), 2000),  # -49
        (0, date(2050, 1, 1), 2100),  # -50: next century
        (98, date(2001, 1, 1), 1998),
    ],
)
def test_century_rule(yy: int, today: date, year: int) -> None:
    assert gs1.gs1_year(yy, today) == year


def test_leap_day_depends_on_the_century() -> None:
    assert gs1.parse_gs1_date("000229", today=TODAY) == date(2000, 2, 29)
    with pytest.raises(gs1.GS1Error) as caught:
        gs1.parse_gs1_date("000229", today=date(2051, 1, 1))  # 2100 is not a leap year
    assert caught.value.code == "ILLEGAL_DAY"


def test_day_00_means_end_of_month_only_where_allowed() -> None:
    assert gs1.parse_gs1_date("250200", allow_zero_day=True, today=TODAY) == date(2025, 2, 28)
    for ai in ("11", "12", "13", "15", "16", "17"):
        gs1.validate_ai(ai, "270900", today=TODAY)
    with pytest.raises(gs1.GS1Error, match=r"AI \(7007\)"):
        gs1.validate_ai("7007", "250900", today=TODAY)  # harvest date: a real day is required


def test_harvest_date_range_and_bad_dates() -> None:
    gs1.validate_ai("7007", "250915", today=TODAY)
    gs1.validate_ai("7007", "250915250920", today=TODAY)
    with pytest.raises(gs1.GS1Error, match="too short"):
        gs1.validate_ai("7007", "2509152509", today=TODAY)
    with pytest.raises(gs1.GS1Error) as caught:
        gs1.validate_ai("17", "271301", today=TODAY)
    assert caught.value.code == "ILLEGAL_MONTH"
    assert caught.value.ai == "17"


# --- character sets, lots and serials --------------------------------------------------------


def test_character_sets() -> None:
    assert gs1.is_cset82("DY208HT250915-003")
    assert gs1.is_cset82("")
    for bad in ("A B", "A#", "A$", "A@", "A~", "批次", "\x1d"):
        assert not gs1.is_cset82(bad)
    assert gs1.is_cset39("0200-A/B#")
    assert not gs1.is_cset39("abc")


@pytest.mark.parametrize("validate", [gs1.validate_lot, gs1.validate_serial])
def test_lot_and_serial_rules(validate: Callable[[str], str]) -> None:
    assert validate("DY208HT250915-003") == "DY208HT250915-003"
    assert validate("A" * 20) == "A" * 20
    for bad in ("", "A" * 21, "A B", "A#1", "核桃01"):
        with pytest.raises(gs1.GS1Error):
            validate(bad)


def test_validate_ai_names_the_ai_and_fault() -> None:
    with pytest.raises(gs1.GS1Error) as caught:
        gs1.validate_ai("10", "LOT 1")
    assert str(caught.value).startswith("AI (10):")
    assert "' '" in str(caught.value)
    assert caught.value.code == "INVALID_CSET82_CHARACTER"
    with pytest.raises(gs1.GS1Error) as caught:
        gs1.validate_ai("01", "06901234567893")
    assert caught.value.code == "INCORRECT_CHECK_DIGIT"
    with pytest.raises(gs1.GS1Error) as caught:
        gs1.validate_ai("89", "X")
    assert caught.value.code == "UNKNOWN_AI"
    gs1.validate_ai("89", "X", permit_unknown_ais=True)


def test_ai_table_facts() -> None:
    table = gs1.AI_TABLE
    assert table["01"].dl_qualifiers == (("22", "10", "21"), ("235",))
    assert table["414"].dl_qualifiers == (("254",), ("7040",))
    assert table["00"].dl_qualifiers == ((),)
    assert table["10"].dl_qualifiers is None
    assert table["10"].dl_attribute and table["17"].dl_attribute
    assert not table["21"].dl_attribute and not table["235"].dl_attribute
    assert not table["17"].fnc1  # predefined length: no separator after it
    assert table["8018"].fnc1  # fixed 18 digits, but not predefined: needs a separator
    assert gs1.ai_definition("3103").title == "NET WEIGHT (kg)"


# --- Digital Link: building ------------------------------------------------------------------


def test_pack_uri_forms() -> None:
    base = f"https://{HOST}/01/{DEMO_GTIN}"
    assert gs1.pack_uri(HOST, "6901234567892") == base
    assert gs1.pack_uri(HOST, DEMO_GTIN, "DY208HT250915-003") == f"{base}/10/DY208HT250915-003"
    assert gs1.pack_uri(HOST, DEMO_GTIN, "L1", "K3M9QZ7PX2") == f"{base}/10/L1/21/K3M9QZ7PX2"
    assert gs1.pack_uri(HOST, DEMO_GTIN, serial="S1") == f"{base}/21/S1"
    assert gs1.pack_uri(HOST + "/", DEMO_GTIN) == base


@pytest.mark.parametrize(
    ("host", "gtin", "lot", "serial"),
    [
        (HOST, "06901234567893", None, None),
        (HOST, DEMO_GTIN, "", None),
        (HOST, DEMO_GTIN, "LOT 1", None),
        (HOST, DEMO_GTIN, "L", "S" * 21),
        (f"https://{HOST}", DEMO_GTIN, None, None),
        ("", DEMO_GTIN, None, None),
    ],
)
def test_pack_uri_rejects_bad_input(
    host: str, gtin: str, lot: str | None, serial: str | None
) -> None:
    with pytest.raises(gs1.GS1Error):
        gs1.pack_uri(host, gtin, lot, serial)


def test_build_orders_qualifiers_and_puts_attributes_in_the_query() -> None:
    uri = gs1.build_digital_link(
        f"https://{HOST}/",
        ("01", "6901234567892"),
        [("21", "S/1"), ("10", "L1")],
        [("7007", "250915"), ("17", "270131"), ("3103", "000500")],
        today=TODAY,
    )
    assert uri == (
        f"https://{HOST}/01/{DEMO_GTIN}/10/L1/21/S%2F1?7007=250915&17=270131&3103=000500"
    )


@pytest.mark.parametrize(
    ("primary", "qualifiers", "attributes", "kind"),
    [
        (("10", "L1"), [], [], "syntax"),
        (("01", DEMO_GTIN), [("17", "270131")], [], "bad_order"),
        (("01", DEMO_GTIN), [("235", "T"), ("10", "L")], [], "bad_order"),
        (("01", DEMO_GTIN), [], [("10", "L")], "bad_order"),
        (("01", DEMO_GTIN), [("10", "L")], [("10", "L")], "duplicate"),
        (("01", DEMO_GTIN), [], [("21", "S")], "not_attribute"),
        (("01", DEMO_GTIN), [], [("89", "X")], "unknown_ai"),
        (("01", "06901234567893"), [], [], "check_digit"),
        (("01", DEMO_GTIN), [("10", "L#1")], [], "bad_value"),
    ],
)
def test_build_rejects(
    primary: tuple[str, str],
    qualifiers: list[tuple[str, str]],
    attributes: list[tuple[str, str]],
    kind: str,
) -> None:
    with pytest.raises(gs1.DigitalLinkError) as caught:
        gs1.build_digital_link(f"https://{HOST}", primary, qualifiers, attributes)
    assert caught.value.kind == kind


def test_build_needs_an_http_base() -> None:
    for base in ("", "ftp://x", "https://", f"https://{HOST}?a=1", HOST):
        with pytest.raises(gs1.DigitalLinkError):
            gs1.build_digital_link(base, ("01", DEMO_GTIN))


# --- Digital Link: parsing -------------------------------------------------------------------


def test_lot_with_encoded_slash_stays_one_value() -> None:
    uri = gs1.pack_uri(HOST, DEMO_GTIN, "A/B", "S1")
    assert uri.endswith("/10/A%2FB/21/S1")
    link = gs1.parse_digital_link(uri)
    assert (link.gtin, link.lot, link.serial) == (DEMO_GTIN, "A/B", "S1")
    assert link.to_uri() == uri


def test_parse_raw_path_with_query_and_params() -> None:
    link = gs1.parse_digital_link(
        f"/01/{DEMO_GTIN}/10/L1/21/S1?17=270131&linkType=gs1%3Apip&lang=zh&debug",
        today=TODAY,
    )
    assert link.primary == ("01", DEMO_GTIN)
    assert link.qualifiers == (("10", "L1"), ("21", "S1"))
    assert link.attributes == (("17", "270131"),)
    assert link.params == (("linkType", "gs1:pip"), ("lang", "zh"), ("debug", ""))
    assert link.param("linkType") == "gs1:pip"
    assert (link.origin, link.path_prefix) == ("", "")
    assert link.to_uri() == f"/01/{DEMO_GTIN}/10/L1/21/S1?17=270131"


def test_parse_keeps_origin_and_path_prefix() -> None:
    link = gs1.parse_digital_link(f"https://{HOST}:8443/trace/v1/01/{DEMO_GTIN}/10/L1#top")
    assert link.origin == f"https://{HOST}:8443"
    assert link.path_prefix == "/trace/v1"
    assert link.to_uri() == f"https://{HOST}:8443/trace/v1/01/{DEMO_GTIN}/10/L1"
    assert link.to_uri("https://id.example/") == f"https://id.example/01/{DEMO_GTIN}/10/L1"


def test_one_trailing_slash_is_tolerated_unless_strict() -> None:
    uri = f"https://{HOST}/01/{DEMO_GTIN}/10/L1/"
    assert gs1.parse_digital_link(uri).lot == "L1"
    assert _fault(uri, allow_trailing_slash=False).kind == "syntax"
    assert _fault(uri + "/").kind == "syntax"


@pytest.mark.parametrize(
    ("uri", "kind", "ai"),
    [
        (f"/01/{DEMO_GTIN}/21/S1/10/L1", "bad_order", "10"),
        (f"/01/{DEMO_GTIN}/10/L1/22/V", "bad_order", "22"),
        (f"/01/{DEMO_GTIN}/235/T/21/S1", "bad_order", "21"),
        (f"/01/{DEMO_GTIN}/17/270131", "bad_order", "17"),
        (f"/01/{DEMO_GTIN}?10=L1", "bad_order", "10"),
        (f"/01/{DEMO_GTIN}/89/X", "unknown_ai", "89"),
        (f"/01/{DEMO_GTIN}?999=X", "unknown_ai", "999"),
        (f"/01/{DEMO_GTIN}?21=S1", "not_attribute", "21"),
        (f"/01/{DEMO_GTIN}/10/L1?10=L1", "duplicate", "10"),
        (f"/01/{DEMO_GTIN}?17=270131&17=270131", "duplicate", "17"),
        ("/01/06901234567893", "check_digit", "01"),
        (f"/01/{DEMO_GTIN}/10/L%201", "bad_value", "10"),
        (f"/01/{DEMO_GTIN}/10/", "syntax", None),  # "/10/" minus its tolerated slash
        (f"/01/{DEMO_GTIN}?17=271301", "bad_value", "17"),
        (f"/01/{DEMO_GTIN}/10/{'L' * 21}", "bad_value", "10"),
        (f"/01/{DEMO_GTIN}/10/L<1", "syntax", None),
        (f"/gtin/{DEMO_GTIN}", "syntax", None),
        ("/6901234567892", "syntax", None),
        ("", "syntax", None),
        (f"ftp://{HOST}/01/{DEMO_GTIN}", "syntax", None),
    ],
)
def test_parse_faults(uri: str, kind: str, ai: str | None) -> None:
    fault = _fault(uri, today=TODAY)
    assert fault.kind == kind
    assert fault.ai == ai
    if ai is not None:
        assert f"({ai})" in str(fault)


def test_parse_options() -> None:
    assert gs1.parse_digital_link("/01/6901234567892", permit_zero_suppressed_gtin=True).gtin == (
        DEMO_GTIN
    )
    assert _fault("/01/6901234567892").kind == "bad_value"
    alpha = gs1.parse_digital_link(f"/gtin/{DEMO_GTIN}/lot/L1", permit_convenience_alphas=True)
    assert alpha.ais == (("01", DEMO_GTIN), ("10", "L1"))
    uri = f"/01/{DEMO_GTIN}?89=X"
    assert _fault(uri, permit_unknown_ais=True).kind == "not_attribute"
    link = gs1.parse_digital_link(uri, permit_unknown_ais=True, allow_unknown_ai_attributes=True)
    assert link.attributes == (("89", "X"),)


def test_other_primary_keys() -> None:
    assert gs1.parse_digital_link("/414/9520123456788/254/32a%2Fb").value("254") == "32a/b"
    assert gs1.parse_digital_link("/8018/123456789012345675/8019/123").primary[0] == "8018"
    assert gs1.parse_digital_link("/00/006141411234567890").qualifiers == ()


# --- element strings -------------------------------------------------------------------------


def test_element_string_for_a_pack() -> None:
    link = gs1.parse_digital_link(f"/01/{DEMO_GTIN}/10/DY208HT250915-003/21/K3M9?17=270131")
    assert link.hri() == f"(01){DEMO_GTIN}(10)DY208HT250915-003(21)K3M9(17)270131"
    element = link.to_element_string()
    assert element == f"01{DEMO_GTIN}10DY208HT250915-003\x1d21K3M9\x1d17270131"
    assert link.to_element_string("^", leading_fnc1=True) == "^" + element.replace("\x1d", "^")
    assert gs1.parse_element_string("]d2" + element) == list(link.ais)


def test_fnc1_follows_every_ai_without_predefined_length() -> None:
    pairs = [("8018", "123456789012345675"), ("8019", "123")]
    assert gs1.element_string(pairs) == "8018123456789012345675\x1d8019123"
    assert gs1.element_string([("01", DEMO_GTIN), ("17", "270131"), ("10", "L")]) == (
        f"01{DEMO_GTIN}17270131" + "10L"
    )


def test_parse_ai_data_escapes_brackets() -> None:
    assert gs1.parse_ai_data(r"(01)06901234567892(10)A\(B") == [("01", DEMO_GTIN), ("10", "A(B")]
    with pytest.raises(gs1.GS1Error):
        gs1.parse_ai_data("(01)06901234567892(10)")


def test_digital_link_from_ais_picks_key_and_orders() -> None:
    uri = gs1.digital_link_from_ais(
        [("17", "270131"), ("21", "S1"), ("01", DEMO_GTIN), ("10", "L1"), ("3103", "000500")],
        f"https://{HOST}",
        today=TODAY,
    )
    assert uri == f"https://{HOST}/01/{DEMO_GTIN}/10/L1/21/S1?17=270131&3103=000500"
    with pytest.raises(gs1.DigitalLinkError) as caught:
        gs1.digital_link_from_ais([("01", DEMO_GTIN), ("10", "L1"), ("10", "L2")])
    assert caught.value.kind == "duplicate"


# --- percent-encoding ------------------------------------------------------------------------


def test_escape_non_ascii_round_trips() -> None:
    assert gs1.escape_value("~-._") == "~-._"
    assert gs1.escape_value("核桃") == "%E6%A0%B8%E6%A1%83"
    assert gs1.unescape_value("%E6%A0%B8%E6%A1%83") == "核桃"
    assert gs1.unescape_value("A%FFB") == "AÿB"  # not UTF-8: kept byte for byte
    assert gs1.unescape_value("a+b") == "a+b"
    assert gs1.unescape_value("a+b", query=True) == "a b"

"""EAN-13 and GS1-128 encoders: check digits, FNC1 placement, and decoding by zxing-cpp."""

from __future__ import annotations

import numpy as np
import pytest
import zxingcpp

from trace.printing import BarcodeError
from trace.printing.barcodes import (
    C128_QUIET,
    FNC1,
    encode_code128,
    encode_ean13,
    encode_gs1_128,
    gs1_check_digit,
    gs1_element_data,
    gtin13_from_gtin14,
    validate_gtin14,
)


def _strip(modules: str, quiet: int, scale: int = 3, height: int = 40) -> np.ndarray:
    row = np.array([0 if m == "1" else 255 for m in "0" * quiet + modules + "0" * quiet], np.uint8)
    return np.repeat(np.tile(row, (height, 1)), scale, axis=1)


def _zxing_modules(content: str, fmt: zxingcpp.BarcodeFormat, **options: object) -> str:
    image = zxingcpp.create_barcode(content, fmt, **options).to_image(add_quiet_zones=False)
    return "".join("1" if v == 0 else "0" for v in np.asarray(image)[0])


def test_gs1_check_digits() -> None:
    assert gs1_check_digit("0690123456789") == 2
    assert validate_gtin14("06901234567892") == "06901234567892"
    assert gtin13_from_gtin14("06901234567892") == "6901234567892"
    with pytest.raises(BarcodeError, match="check digit"):
        validate_gtin14("06901234567893")
    with pytest.raises(BarcodeError, match="14 digits"):
        validate_gtin14("6901234567892")
    with pytest.raises(BarcodeError, match="indicator digit 1"):
        gtin13_from_gtin14("16901234567899")


@pytest.mark.parametrize(
    "gtin13", ["6901234567892", "6920152400012", "4006381333931", "0000000000000"]
)
def test_ean13_matches_an_independent_encoder_and_decodes(gtin13: str) -> None:
    symbol = encode_ean13(gtin13)
    assert len(symbol.modules) == 95
    assert symbol.modules == _zxing_modules(gtin13, zxingcpp.BarcodeFormat.EAN13)
    found = zxingcpp.read_barcodes(_strip(symbol.modules, 11))
    assert [(b.format, b.text) for b in found] == [(zxingcpp.BarcodeFormat.EAN13, gtin13)]


def test_ean13_rejects_a_wrong_check_digit() -> None:
    with pytest.raises(BarcodeError):
        encode_ean13("6901234567891")


def test_fnc1_first_and_after_variable_length_ais_unless_last() -> None:
    elements = [("01", "06901234567892"), ("10", "DY208HT250915-003"), ("15", "260914")]
    assert gs1_element_data(elements) == (
        f"{FNC1}010690123456789210DY208HT250915-003{FNC1}15260914"
    )
    # Fixed-length AIs need no separator, and nothing follows the last element.
    assert gs1_element_data([("13", "250915"), ("15", "260914")]) == f"{FNC1}1325091515260914"
    assert gs1_element_data([("01", "06901234567892"), ("10", "A1")]).endswith("10A1")
    assert gs1_element_data([("10", "A1"), ("21", "X9")]) == f"{FNC1}10A1{FNC1}21X9"


@pytest.mark.parametrize(
    ("elements", "hri"),
    [
        (
            [("01", "06901234567892"), ("10", "DY208HT250915-003")],
            "(01)06901234567892(10)DY208HT250915-003",
        ),
        (
            [("01", "06901234567892"), ("10", "DY208HT250915-003"), ("15", "260914")],
            "(01)06901234567892(10)DY208HT250915-003(15)260914",
        ),
        ([("13", "250915"), ("17", "260914")], "(13)250915(17)260914"),
        ([("10", "ab-1/2"), ("21", "7K3M9QWXZ2")], "(10)ab-1/2(21)7K3M9QWXZ2"),
    ],
)
def test_gs1_128_decodes_as_gs1_with_the_right_element_string(
    elements: list[tuple[str, str]], hri: str
) -> None:
    symbol = encode_gs1_128(elements)
    found = zxingcpp.read_barcodes(_strip(symbol.modules, C128_QUIET))
    assert len(found) == 1
    code = found[0]
    assert code.format == zxingcpp.BarcodeFormat.Code128
    assert code.content_type == zxingcpp.ContentType.GS1
    assert code.symbology_identifier == "]C1"  # FNC1 in first position
    assert code.text == hri
    # Transmitted data: element strings with GS (FNC1) only after a non-final variable AI.
    assert code.bytes.decode() == gs1_element_data(elements)[1:]
    # Our code-set choice is as short as zint's (an independent optimising encoder).
    zint = _zxing_modules(
        "".join(f"[{a}]{v}" for a, v in elements), zxingcpp.BarcodeFormat.Code128, gs1=True
    )
    assert len(symbol.modules) == len(zint)


def test_gs1_128_hri_and_width_of_the_carton_symbols() -> None:
    symbol = encode_gs1_128([("01", "06901234567892"), ("10", "DY208HT250915-003")])
    assert symbol.hri == "(01)06901234567892 (10)DY208HT250915-003"
    assert len(symbol.modules) == 332  # 84.3 mm at X = 0.254 mm, 89.4 mm with quiet zones


def test_gs1_128_rejects_bad_values() -> None:
    with pytest.raises(BarcodeError):
        encode_gs1_128([("10", "HAS SPACE")])
    with pytest.raises(BarcodeError):
        encode_gs1_128([("10", "X" * 21)])
    with pytest.raises(BarcodeError):
        encode_gs1_128([("01", "06901234567893")])
    with pytest.raises(BarcodeError):
        encode_gs1_128([("99", "x")])
    with pytest.raises(BarcodeError):
        encode_gs1_128([])


def test_code128_plain_text_round_trip() -> None:
    text = "Walnut 20250915 lot-42"
    found = zxingcpp.read_barcodes(_strip(encode_code128(text), C128_QUIET))
    assert [b.text for b in found] == [text]

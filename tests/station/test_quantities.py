"""Quantities as farmers type them and the one conversion to kilograms (trace.quantities), and
the measured values of trace events (trace.measurements): pure, no database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trace.errors import Problem, ValidationError
from trace.measurements import above_target, check_measurements
from trace.models.batches import Unit
from trace.quantities import KG_PER, parse_number, parse_quantity, to_kg


def test_one_jin_is_half_a_kilogram_exactly():
    assert to_kg(Decimal("320"), "jin") == Decimal("160.0")
    assert to_kg(Decimal("0.001"), Unit.JIN) == Decimal("0.0005")  # no float on the way
    assert to_kg(Decimal("1.5"), "kg") == Decimal("1.5")
    assert to_kg(Decimal("2500"), "g") == Decimal("2.500")
    assert to_kg(Decimal("0.1"), "t") == Decimal("100.0")
    assert to_kg(Decimal("12"), "box") is None  # a count is not a mass
    assert isinstance(to_kg(Decimal(1), "jin"), Decimal)
    assert set(KG_PER) == {Unit.KG, Unit.JIN, Unit.G, Unit.T}


@pytest.mark.parametrize(
    ("typed", "number", "unit"),
    [
        ("320斤", "320", Unit.JIN),
        ("320 斤", "320", Unit.JIN),
        ("320市斤", "320", Unit.JIN),
        ("320jin", "320", Unit.JIN),
        ("320 JIN", "320", Unit.JIN),
        ("１.５公斤", "1.5", Unit.KG),  # full-width digits from a Chinese keyboard
        ("1。5公斤", "1.5", Unit.KG),  # the ideographic full stop as a decimal point
        ("1.5 千克", "1.5", Unit.KG),
        ("86.5kg", "86.5", Unit.KG),
        ("1,500斤", "1500", Unit.JIN),
        ("500克", "500", Unit.G),
        ("2吨", "2", Unit.T),
        ("12箱", "12", Unit.BOX),
        ("  320  ", "320", None),
        (".5", "0.5", None),
    ],
)
def test_numbers_typed_with_their_unit_are_understood(typed, number, unit):
    assert parse_quantity(typed) == (Decimal(number), unit)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("三百二十斤", "quantity.not_a_number"),
        ("斤", "quantity.not_a_number"),
        ("", "quantity.not_a_number"),
        ("1,5公斤", "quantity.not_a_number"),  # a decimal comma is too easy to misread
        ("320斤5两", "quantity.not_a_number"),
        ("320两", "quantity.unknown_unit"),
        ("320 pounds", "quantity.unknown_unit"),
    ],
)
def test_unreadable_quantities_are_refused_naming_the_field(typed, code):
    with pytest.raises(ValidationError) as raised:
        parse_quantity(typed, "quantity")
    assert list(raised.value.errors) == ["quantity"]
    assert raised.value.errors["quantity"][0].code == code


def test_an_unknown_unit_is_named_in_the_hint():
    with pytest.raises(ValidationError) as raised:
        parse_quantity("320两")
    assert raised.value.errors["quantity"] == [Problem("quantity.unknown_unit", {"unit": "两"})]


def test_numbers_pass_through():
    assert parse_quantity(Decimal("12.5")) == (Decimal("12.5"), None)
    assert parse_quantity(7) == (Decimal(7), None)
    with pytest.raises(ValidationError):
        parse_quantity(True)


def test_measured_values_are_checked_and_written_as_exact_text():
    assert check_measurements("drying", {"moisture_pct": "7.60%", "note": "晒了 3 天"}) == {
        "moisture_pct": "7.6",
        "note": "晒了 3 天",
    }
    assert check_measurements("drying", {"moisture_pct": 7.55}) == {"moisture_pct": "7.6"}
    assert check_measurements("drying", {"moisture_pct": "８"}) == {"moisture_pct": "8"}
    assert check_measurements("storing", {"temperature_c": "-2℃", "humidity_pct": "60%"}) == {
        "temperature_c": "-2",
        "humidity_pct": "60",
    }
    assert check_measurements("grading", {"diameter_mm": "32.4 mm"}) == {"diameter_mm": "32.4"}
    # An empty value is left out; another event's keys stay free-form, as before.
    assert check_measurements("drying", {"moisture_pct": ""}) == {}
    assert check_measurements("hulling", {"moisture_pct": "lots"}) == {"moisture_pct": "lots"}


@pytest.mark.parametrize(
    ("event_type", "key", "typed", "code"),
    [
        ("drying", "moisture_pct", "101", "moisture_pct.range"),
        ("drying", "moisture_pct", "-1", "moisture_pct.range"),
        ("drying", "moisture_pct", "很干", "moisture_pct.not_a_number"),
        ("drying", "moisture_pct", True, "moisture_pct.not_a_number"),
        ("storing", "temperature_c", "200", "temperature_c.range"),
        ("grading", "mean_nut_weight_g", "0", "mean_nut_weight_g.range"),
    ],
)
def test_measured_values_out_of_range_are_refused(event_type, key, typed, code):
    with pytest.raises(ValidationError) as raised:
        check_measurements(event_type, {key: typed})
    assert [p.code for p in raised.value.errors[key]] == [code]


def test_moisture_above_the_drying_target_is_flagged_not_refused():
    assert [m.key for m in above_target("drying", {"moisture_pct": "9.5"})] == ["moisture_pct"]
    assert above_target("drying", {"moisture_pct": "8"}) == []
    assert parse_number("7.5%", "moisture_pct", ("%",)) == Decimal("7.5")


def test_lot_operations_and_recall_totals_convert_jin_through_the_same_table():
    from trace.services.genealogy import convert, measure

    assert convert(Decimal("320"), "jin", "kg") == Decimal("160.0")
    assert convert(Decimal("160"), "kg", "jin") == Decimal("320")
    assert measure(Decimal("3"), "jin").value == Decimal("1.5")
    assert measure(Decimal("3"), "jin").dimension == "kg"

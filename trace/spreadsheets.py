"""Spreadsheets as people keep them: reading an uploaded .xlsx or .csv into rows of text, and
writing a template (.xlsx or .csv) with a header row and a notes row. Bytes in, rows out; no
database, no Flask.

.xlsx is read with openpyxl in read-only mode (rows streamed from the zip, never the whole sheet
as objects); .csv is UTF-8 with or without a BOM, else GB18030 (what Excel saves on a Chinese
Windows). Cells come back as text the way the person sees them: a date cell as 2026-09-15, a
whole number typed into a number cell (a phone number) without ".0".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# The notes row of a template starts with this word; a reader skips that row.
NOTES_MARK = "填写说明"
XLSX_MAGIC = b"PK\x03\x04"
MAX_COLUMNS = 60  # a sheet with more is not a template of ours: the rest is not read


class UnreadableError(Exception):
    """The bytes are neither an .xlsx workbook nor CSV text in a known encoding."""


class TooManyRowsError(Exception):
    """More data rows than the caller allows (reading stopped there)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"more than {limit} rows")
        self.limit = limit


@dataclass
class Sheet:
    """The header cells and the data rows, each with its row number as the program shows it."""

    headers: list[str]
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def read(data: bytes, filename: str = "", max_rows: int = 20_000) -> Sheet:
    """The first sheet of an .xlsx (by content, whatever the name says) or the rows of a CSV.

    The header is the first non-empty row; the notes row and blank rows are skipped. Raises
    UnreadableError, TooManyRowsError.
    """
    if data.startswith(XLSX_MAGIC):
        raw = _xlsx_rows(data)
    elif filename.lower().endswith((".xlsx", ".xlsm")):
        raise UnreadableError("not an xlsx workbook")
    else:
        raw = _csv_rows(data)
    headers: list[str] | None = None
    sheet = Sheet(headers=[])
    for number, cells in raw:
        texts = [_text(c) for c in cells[:MAX_COLUMNS]]
        if not any(texts):
            continue
        if texts[0].startswith(NOTES_MARK):
            continue
        if headers is None:
            headers = texts
            sheet.headers = texts
            continue
        if len(sheet.rows) >= max_rows:
            raise TooManyRowsError(max_rows)
        sheet.rows.append((number, texts))
    return sheet


def _xlsx_rows(data: bytes) -> Any:
    from openpyxl import load_workbook  # type: ignore[import-untyped]  # imported on use

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableError(str(exc)) from exc
    try:
        sheet = book.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, list(cells)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableError(str(exc)) from exc
    finally:
        book.close()


def _csv_rows(data: bytes) -> Any:
    text = _decode(data)
    if "\x00" in text:
        raise UnreadableError("binary data")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as exc:
        raise UnreadableError(str(exc)) from exc


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise UnreadableError("neither UTF-8 nor GB18030") from exc


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value).strip()


# -- templates ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateColumn:
    header: str  # shown in the header row (a "*" marks a required column)
    note: str  # what the column takes, in the notes row
    width: int = 14


def template_csv(columns: Sequence[TemplateColumn], example: Sequence[str] = ()) -> bytes:
    """A CSV template: header, notes row, an optional example row; UTF-8 with a BOM so that
    Excel opens it with the Chinese intact."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in columns])
    notes = [c.note for c in columns]
    if notes:
        notes[0] = f"{NOTES_MARK}：{notes[0]}"
    writer.writerow(notes)
    if example:
        writer.writerow(example)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(
    columns: Sequence[TemplateColumn],
    sheet_name: str,
    example: Sequence[str] = (),
    choices: Sequence[tuple[str, Sequence[str]]] = (),
) -> bytes:
    """An .xlsx template: the header row, a notes row (grey, skipped on import), an optional
    example row, and a second sheet listing the values each choice column accepts."""
    import xlsxwriter  # type: ignore[import-untyped]

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    header = book.add_format({"bold": True, "bg_color": "#E8F0E8", "border": 1})
    note = book.add_format({"italic": True, "font_color": "#666666", "text_wrap": True})
    text = book.add_format({"num_format": "@"})
    sheet = book.add_worksheet(sheet_name[:31])
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width, text)
        sheet.write_string(0, index, column.header, header)
        shown = f"{NOTES_MARK}：{column.note}" if index == 0 else column.note
        sheet.write_string(1, index, shown, note)
        if index < len(example):
            sheet.write_string(2, index, example[index])
    sheet.set_row(1, 48)
    sheet.freeze_panes(1, 0)
    if choices:
        lists = book.add_worksheet("可选值")
        for index, (title, values) in enumerate(choices):
            lists.set_column(index, index, 16)
            lists.write_string(0, index, title, header)
            for row, value in enumerate(values, start=1):
                lists.write_string(row, index, value)
    book.close()
    return out.getvalue()

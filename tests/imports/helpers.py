"""Filling the import templates as a person does, with openpyxl, and sending them."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import load_workbook


def filled_xlsx(template: bytes, rows: Sequence[Sequence[object]]) -> bytes:
    """The downloaded template with `rows` typed below its header and notes rows."""
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[str]], encoding: str) -> bytes:
    lines = [",".join(header), *(",".join(r) for r in rows)]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def upload(client, kind, data, headers, name="名单.xlsx", query=""):
    return client.post(
        f"/api/v1/imports/{kind}{query}",
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )

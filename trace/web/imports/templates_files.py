"""The import templates as downloads, made from the one column definition per kind."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response
from werkzeug.exceptions import NotFound

from trace import spreadsheets
from trace.services import imports as service
from trace.services import regions
from trace.services.imports import ImportKind
from trace.web.database import db
from trace.web.imports.common import FILE_NAMES, vocabulary

MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def template_bytes(kind: ImportKind, file_format: str) -> bytes:
    columns = service.template_columns(kind)
    if file_format == "csv":
        return spreadsheets.template_csv(columns)
    words = vocabulary()
    choices: list[tuple[str, list[str]]] = []
    for column in service.COLUMNS[kind]:
        if column.vocabulary:
            choices.append((column.header, list(words[column.vocabulary].shown)))
        elif column.type == service.TOWNSHIP:
            choices.append((column.header, [t.name_zh for t in regions.list_townships(db())]))
        elif column.type == service.YES_NO:
            choices.append((column.header, ["是", "否"]))
    return spreadsheets.template_xlsx(columns, service.SHEET_NAMES[kind], choices=choices)


def template_response(kind: str, file_format: str) -> Response:
    try:
        found = ImportKind(kind)
    except ValueError:
        raise NotFound() from None
    if file_format not in MEDIA:
        raise NotFound()
    name = f"{FILE_NAMES[found]}.{file_format}"
    response = Response(template_bytes(found, file_format), mimetype=MEDIA[file_format])
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{kind}-template.{file_format}\"; filename*=UTF-8''{quote(name)}"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response

"""Staff pages under /staff: server-rendered forms and lists for station, QC, admin, regulator."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from flask import Blueprint, Flask
from flask_babel import get_locale

from trace.web.staff import auth, home, jobs, labels, records, users
from trace.web.staff.names import ALL, name_of

bp = Blueprint("staff", __name__, url_prefix="/staff")
for child in (auth, home, records, labels, jobs, users):
    bp.register_blueprint(child.bp)


@bp.app_template_global()
def display(table: str, value: Any) -> str:
    """`{{ display('units', batch.unit) }}`: the localized name of an enum value."""
    return name_of(ALL[table], value)


@bp.app_template_global()
def choices(table: str, values: Iterable[Any]) -> list[tuple[str, str]]:
    """(value, localized name) pairs for a <select>."""
    return [(str(getattr(v, "value", v)), name_of(ALL[table], v)) for v in values]


@bp.app_template_global()
def place_choices(townships: Iterable[Any]) -> list[tuple[str, str]]:
    """(code, name) pairs of townships in the page's language."""
    locale = get_locale()
    zh = locale is None or locale.language == "zh"
    return [(t.code, t.name_zh if zh else t.name_pinyin) for t in townships]


@bp.app_template_global()
def qty(value: Decimal | None) -> str:
    """A quantity without trailing zeros or exponent: 100.000 -> "100", 12.50 -> "12.5"."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

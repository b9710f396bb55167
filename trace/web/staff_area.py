"""The staff area under /staff: how a feature's staff pages join it, and the template globals
every server-rendered page uses.

A feature's staff blueprint (say `records`) is registered as `staff.records` under /staff, so its
endpoints are `staff.records.<view>` as they were when these blueprints hung off one parent
blueprint; trace.web.access keys its table by those names. No parent blueprint object is shared:
each app registers the features' blueprints itself, so building several apps (tests) is safe."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from flask import Blueprint, Flask, g
from flask_babel import get_locale

from trace.printing.templates import list_templates
from trace.services import regions
from trace.web.database import db
from trace.web.names import ALL, display, item_label, name_of
from trace.web.verifiers import verifier

PREFIX = "/staff"


def register(app: Flask, bp: Blueprint) -> None:
    """Serve `bp` under /staff with endpoints named `staff.<bp.name>.<view>`."""
    app.register_blueprint(bp, name_prefix="staff", url_prefix=PREFIX + (bp.url_prefix or ""))


def choices(table: str, values: Iterable[Any]) -> list[tuple[str, str]]:
    """(value, localized name) pairs for a <select>."""
    return [(str(getattr(v, "value", v)), name_of(ALL[table], v)) for v in values]


def place_choices(townships: Iterable[Any]) -> list[tuple[str, str]]:
    """(code, name) pairs of townships in the page's language."""
    locale = get_locale()
    zh = locale is None or locale.language == "zh"
    return [(t.code, t.name_zh if zh else t.name_pinyin) for t in townships]


def township_name(code: str | None) -> str:
    """`{{ township_name(producer.township_code) }}`: 三台乡 (Santai Xiang on English pages), from
    the townships table (read once per request); the code itself only if the table lacks it."""
    if not code:
        return ""
    if "township_names" not in g:
        g.township_names = {t.code: t for t in regions.list_townships(db())}
    township = g.township_names.get(code)
    if township is None:
        return code
    locale = get_locale()
    return str(
        township.name_pinyin if locale is not None and locale.language == "en" else township.name_zh
    )


def label_template_title(name: str) -> str:
    """A label template as people know it (A4 3×8 包装标签 (70 × 37 mm)), not its file name."""
    if "label_titles" not in g:
        g.label_titles = {t.name: t.title for t in list_templates()}
    return str(g.label_titles.get(name, name))


def qty(value: Decimal | None) -> str:
    """A quantity without trailing zeros or exponent: 100.000 -> "100", 12.50 -> "12.5"."""
    if value is None:
        return ""
    return format(value.normalize(), "f")


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        display=display,
        item_label=item_label,
        choices=choices,
        place_choices=place_choices,
        township_name=township_name,
        label_template_title=label_template_title,
        verifier=verifier,
        qty=qty,
    )

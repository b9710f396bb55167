"""The staff area under /staff: how a feature's staff pages join it, and the template globals
every server-rendered page uses.

A feature's staff blueprint (say `records`) is registered as `staff.records` under /staff, so its
endpoints are `staff.records.<view>` as they were when these blueprints hung off one parent
blueprint; trace.web.access keys its table by those names. No parent blueprint object is shared:
each app registers the features' blueprints itself, so building several apps (tests) is safe."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import Blueprint, Flask, current_app, g
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from trace.models.users import Role
from trace.printing.templates import list_templates
from trace.services import regions
from trace.web.access import can, rule_for
from trace.web.auth import current_actor
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


@dataclass(frozen=True)
class MenuEntry:
    """A link of the staff menu: shown to those the access table lets open it, except the
    roles in `hidden_from` (whose work does not need it: a phone's menu stays short)."""

    endpoint: str
    label: Any
    hidden_from: frozenset[Role] = frozenset()
    station_only: bool = False
    element_id: str = ""  # for the tests and scripts that find the link


STATION = frozenset({Role.STATION})
SERVICES_ID = "nav-station-services"
# The first row, in order. Station staff see their day's work: the station's home, producers,
# harvests, training, and the record of the station's services (issue 19).
MENU: tuple[MenuEntry, ...] = (
    MenuEntry("regulator.index", _l("监管"), element_id="nav-regulator"),
    MenuEntry("staff.home.dashboard", _l("工作台")),
    MenuEntry("staff.records.producers", _l("生产主体")),
    MenuEntry("staff.records.products", _l("产品"), hidden_from=STATION),
    MenuEntry("staff.records.batches", _l("批次")),
    MenuEntry("staff_quality.certifications", _l("质量管理"), hidden_from=STATION),
    MenuEntry("staff_program.stations", _l("电商项目"), hidden_from=STATION),
    MenuEntry("staff_program.training", _l("培训"), station_only=True),
    MenuEntry(
        "staff_program.services",
        _l("站点服务"),
        station_only=True,
        element_id="nav-station-services",
    ),
    MenuEntry("feedback_staff.reports", _l("投诉反馈")),
    MenuEntry("staff.users.users", _l("账号管理")),
)
# Behind 更多 on a phone: the account's own pages; jobs and API tokens are not station work.
MORE: tuple[MenuEntry, ...] = (
    MenuEntry("staff.records.products", _l("产品"), station_only=True),
    MenuEntry("staff_quality.certifications", _l("质量管理"), station_only=True),
    MenuEntry("staff_program.stations", _l("电商项目"), station_only=True),
    MenuEntry(
        "staff_program.services",
        _l("站点服务"),
        hidden_from=STATION,
        element_id="nav-station-services",
    ),
    MenuEntry("staff.jobs.recent", _l("后台任务"), hidden_from=STATION),
    MenuEntry("staff.auth.tokens", _l("API 令牌"), hidden_from=STATION),
    MenuEntry("staff.auth.password", _l("修改密码")),
)


def _shown(entries: Iterable[MenuEntry], endpoints: Iterable[str]) -> list[MenuEntry]:
    actor = current_actor()
    if actor is None:
        return []
    present = set(endpoints)
    shown = []
    for entry in entries:
        if entry.endpoint not in present or actor.role in entry.hidden_from:
            continue
        if entry.station_only and actor.role is not Role.STATION:
            continue
        permission = rule_for(entry.endpoint)
        if permission is not None and can(permission):
            shown.append(entry)
    return shown


def staff_menu() -> dict[str, list[MenuEntry]]:
    """`{{ staff_menu() }}`: the signed-in user's menu, {"main": [...], "more": [...]}."""
    endpoints = current_app.view_functions.keys()
    return {"main": _shown(MENU, endpoints), "more": _shown(MORE, endpoints)}


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
        staff_menu=staff_menu,
    )

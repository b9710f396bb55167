"""Chinese first, English on request: `?lang=en` or Accept-Language with q-values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, request
from flask_babel import Babel

SUPPORTED = ("zh", "en")
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def select_locale() -> str:
    chosen = request.args.get("lang", "")[:2].lower()
    if chosen in SUPPORTED:
        return chosen
    best = request.accept_languages.best_match(["zh", "zh-CN", "zh-Hans", "en", "en-US", "en-GB"])
    if best:
        return best[:2]
    default: str = current_app.config["DEFAULT_LOCALE"]
    return default


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh")
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(TRANSLATIONS))
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", app.config["TIMEZONE"])
    Babel(app, locale_selector=select_locale)

    zone = ZoneInfo(app.config["TIMEZONE"])

    @app.context_processor
    def _locale() -> dict[str, str]:
        if "locale" not in g:
            g.locale = select_locale()
        return {"lang": g.locale}

    @app.template_filter("localdatetime")
    def _local_datetime(value: str | dt.datetime | None) -> str:
        """An ISO or aware datetime shown in the county's time zone, e.g. 2025-09-15 10:00."""
        moment = _as_datetime(value)
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    @app.template_filter("localdate")
    def _local_date(value: str | dt.datetime | None) -> str:
        moment = _as_datetime(value)
        return moment.astimezone(zone).strftime("%Y-%m-%d") if moment else ""


def _as_datetime(value: str | dt.datetime | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value

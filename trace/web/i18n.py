"""Chinese first, English on request: `?lang=en` (remembered in a cookie for the next pages) or
Accept-Language with q-values."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, Response, current_app, g, has_request_context, request
from flask_babel import Babel

from trace import clock

SUPPORTED = ("zh", "en")
LANGUAGE_COOKIE = "lang"  # the language a visitor chose with ?lang=, for the pages that follow
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600
TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


def select_locale() -> str:
    for chosen in (request.args.get("lang", ""), request.cookies.get(LANGUAGE_COOKIE, "")):
        if chosen[:2].lower() in SUPPORTED:
            return chosen[:2].lower()
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

    @app.after_request
    def _remember_language(response: Response) -> Response:
        """A language picked with ?lang= holds for the visitor's next pages (the report form
        after the scan page, say); pages in more than one language vary on the cookie too."""
        chosen = request.args.get("lang", "")[:2].lower()
        if chosen in SUPPORTED and request.cookies.get(LANGUAGE_COOKIE) != chosen:
            response.set_cookie(
                LANGUAGE_COOKIE,
                chosen,
                max_age=LANGUAGE_COOKIE_SECONDS,
                secure=bool(app.config.get("SESSION_COOKIE_SECURE")),
                httponly=True,
                samesite="Lax",
            )
        if "accept-language" in {v.lower() for v in response.vary}:
            response.vary.add("Cookie")
        return response

    @app.template_global()
    def language_url(language: str) -> str:
        """This page in another language: the same address and query, `lang` replaced. A page
        rendered once for every visitor (g.shared_render, the scan page) keeps no visitor's
        query."""
        if g.get("shared_render"):
            # The scan page's switch carries a token (filled in per view) that keeps it from
            # counting as a new scan: trace.web.public.scan_clients.
            return "?" + urlencode({"lang": language}) + g.get("language_suffix", "")
        arguments = request.args.to_dict(flat=False)
        arguments["lang"] = [language]
        return "?" + urlencode(arguments, doseq=True)

    @app.context_processor
    def _locale() -> dict[str, str]:
        if "locale" not in g:
            g.locale = select_locale()
        return {"lang": g.locale}

    @app.template_filter("localdatetime")
    def _local_datetime(value: str | dt.datetime | None) -> str:
        """An ISO or aware datetime shown in the county's time zone, e.g. 2025-09-15 10:00."""
        moment = _as_datetime(value)
        return moment.astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M") if moment else ""

    app.add_template_filter(people_date, "day")

    @app.template_filter("localdate")
    def _local_date(value: str | dt.datetime | None) -> str:
        moment = _as_datetime(value)
        return moment.astimezone(clock.zone()).strftime("%Y-%m-%d") if moment else ""


def people_date(value: str | dt.date | dt.datetime | None) -> str:
    """A date as people read it in the page's language: 2025年9月12日, or 12 Sep 2025 in English.
    A datetime is taken in the county's time zone. Machine formats (exports, the API, form
    fields) keep ISO dates; this is for text shown to people."""
    if not value:
        return ""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10]) if len(value) <= 10 else _as_datetime(value)
    if isinstance(value, dt.datetime):
        value = value.astimezone(clock.zone()).date()
    assert isinstance(value, dt.date)
    if has_request_context() and select_locale() == "en":
        return f"{value.day} {value:%b} {value.year}"
    return f"{value.year}年{value.month}月{value.day}日"


def _as_datetime(value: str | dt.datetime | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value) if isinstance(value, str) else value

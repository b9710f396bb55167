"""Chinese first, English on request: `?lang=en` or Accept-Language with q-values."""

from __future__ import annotations

from pathlib import Path

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

    @app.context_processor
    def _locale() -> dict[str, str]:
        if "locale" not in g:
            g.locale = select_locale()
        return {"lang": g.locale}

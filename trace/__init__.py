"""Dayao Trace (大姚农产品溯源): farm-product traceability for Dayao County."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then TRACE_* environment, then `config` (tests), then extensions."""
    from trace import cli, clock, queue, web
    from trace.config import load_settings

    settings = load_settings(config)
    app = Flask(
        __name__,
        static_folder=str(ROOT / "static"),
        template_folder=str(ROOT / "trace" / "web" / "templates"),  # shared; features add their own
        instance_path=settings["INSTANCE_DIR"],
    )
    app.config.update(settings)
    clock.set_zone(app.config["TIMEZONE"])  # services' "today" is the configured zone's
    app.config["JSON_AS_ASCII"] = False
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    queue.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    return app

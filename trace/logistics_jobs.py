"""The daily logistics file for the prefecture's 城乡高效配送公共服务信息平台 (issue 19), as a
plain function of the app: the job worker's scheduler runs it at night (trace.queue, task
`logistics-daily`), and so can cron or a test. It owns its (reading) transaction, like the CLI."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from flask import Flask

from trace import storage
from trace.clock import local_today
from trace.db import utcnow
from trace.services.logistics import platform_export


def export_dir(app: Flask) -> Path:
    """instance/exports/logistics, or LOGISTICS_EXPORT_DIR."""
    configured = app.config.get("LOGISTICS_EXPORT_DIR")
    if configured:
        return Path(configured)
    return storage.instance_dir(app.config) / "exports" / "logistics"


def _write(path: Path, text: str) -> None:
    """Beside the target, then renamed: the platform's fetcher never reads half a file."""
    partial = path.with_name(f".{path.name}.part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def daily_logistics_export(app: Flask, day: dt.date | None = None) -> list[Path]:
    """Write `dayao-logistics-YYYYMMDD.json` and `.csv` for `day` (default yesterday in Dayao:
    the file is made after the day has ended). Writing a day again replaces its files."""
    day = day or local_today() - dt.timedelta(days=1)
    folder = export_dir(app)
    folder.mkdir(parents=True, exist_ok=True)
    factory = app.extensions["trace.sessionmaker"]
    with app.app_context(), factory() as session:
        document = platform_export.export_document(session, day, day, utcnow())
    stem = f"dayao-logistics-{day:%Y%m%d}"
    json_path, csv_path = folder / f"{stem}.json", folder / f"{stem}.csv"
    _write(json_path, platform_export.document_json(document))
    _write(csv_path, platform_export.records_csv(document["records"]))
    return [json_path, csv_path]

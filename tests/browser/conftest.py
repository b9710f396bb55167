"""What the browser tests share, once per test session: Debian's chromium through Playwright, and
the app served for real on 127.0.0.1 over one freshly migrated demo database (`demo_app`); plus a
phone-sized page that records console errors and the host of every request. Each test module adds
the records it needs to the shared database. Screenshots land in test-artifacts/."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests import needs
from tests.conftest import ROOT, require_tool
from trace import create_app, queue

SECRET = "browser-test-secret-key-0123456789"

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def demo_database(folder: Path, secret: str) -> str:
    """A SQLite database in `folder`, migrated and loaded with the demo data by the CLI, as
    `make run` does; its URL."""
    url = f"sqlite:///{folder / 'trace.db'}"
    env = {**os.environ, "TRACE_DATABASE_URL": url, "TRACE_SECRET_KEY": secret}
    env.pop("FLASK_DEBUG", None)
    for command in (("db", "upgrade"), ("demo", "load")):
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "trace", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return url


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """The app on a free port of 127.0.0.1 (a threaded werkzeug server); its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, str]]:
    """One app over one demo database, served on a free port for every browser test: production
    settings (secure cookies), the public host 127.0.0.1 so printed codes point back here, and
    background jobs on the queue, run by a consumer in this process, for runs of more than 100
    codes (40 printed)."""
    url = demo_database(tmp_path_factory.mktemp("browser"), SECRET)
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "PUBLIC_HOST": "127.0.0.1",
            "LOG_REQUESTS": False,
            "LABEL_ISSUE_DIRECT_MAX": 100,
            "LABEL_PDF_DIRECT_MAX": 40,
            "JOBS_DIR": str(tmp_path_factory.mktemp("browser-jobs")),
        }
    )
    # The queue's consumer in this process's threads, as `make run`'s worker process runs it.
    huey, _task = app.extensions[queue.EXTENSION_KEY].get()
    consumer = huey.create_consumer(workers=1, worker_type="thread", periodic=False)
    consumer.start()
    try:
        with serving(app) as base:
            yield app, base
    finally:
        consumer.stop(graceful=True)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    chromium = require_tool("chromium")
    sync_api = needs.module("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


class Watched:
    """A phone-sized page recording console errors (with their page), page errors and the host
    of every request it makes."""

    def __init__(self, browser: Any, viewport: dict[str, int], **context_options: Any) -> None:
        self.viewport = viewport
        self.context = browser.new_context(
            viewport=viewport,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="zh-CN",
            **context_options,
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.hosts: set[str] = set()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.hosts.add(urlsplit(r.url).hostname or r.url))

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"{message.text} ({message.location.get('url')})")

    def fits(self) -> bool:
        """Nothing wider than the phone: no sideways scrolling of the page."""
        width: int = self.page.evaluate("document.documentElement.scrollWidth")
        return width <= self.viewport["width"]

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / name
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        self.context.close()

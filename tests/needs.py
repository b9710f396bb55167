"""What the suite needs from outside: the one place a test may skip for want of it.

A missing package, system tool, font or service skips the tests needing it on a developer's
machine, but under CI=true it FAILS them: a broken install must never turn CI green without its
browser, fuzz, PDF or Redis tests. Every importorskip-like place of the suite calls this module
(tests/test_needs.py checks that no other skip for want of something exists), and `.ci/run` runs
`python -m tests.needs` before the suite, which exits 1 naming whatever is missing.
"""

from __future__ import annotations

import importlib
import os
import shutil
import socket
import sys
from dataclasses import dataclass
from types import ModuleType
from typing import NoReturn
from urllib.parse import urlsplit

import pytest

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def missing(message: str) -> NoReturn:
    """Skip the test for want of something; under CI=true fail it instead."""
    if under_ci():
        pytest.fail(f"{message} (CI=true: a missing test dependency fails the run)", pytrace=False)
    pytest.skip(message, allow_module_level=True)


@dataclass(frozen=True)
class Need:
    kind: str  # module, tool, service, font or data
    name: str
    install: str  # how to get it

    def problem(self) -> str | None:
        """Why the need is not met, or None."""
        if self.kind == "module":
            try:
                importlib.import_module(self.name)
            except ImportError as exc:  # also a wheel whose shared library is missing
                return f"Python module {self.name} cannot be imported ({exc}); {self.install}"
            return None
        if self.kind == "tool":
            found = shutil.which(self.name)
            return None if found else f"{self.name} is not installed ({self.install})"
        if self.kind == "service":
            return _redis_problem(redis_test_url())
        if self.kind == "data":
            from trace.config import IP_REGION_DB

            found = IP_REGION_DB.is_file()
            return None if found else f"{IP_REGION_DB} is missing ({self.install})"
        if self.kind == "font":
            from trace.printing import FontNotFoundError, load_font

            try:
                load_font()
            except FontNotFoundError as exc:
                return f"{exc} ({self.install})"
            return None
        raise ValueError(self.kind)


PIP = "pip install -r requirements-dev.txt; make setup-dev does"
APT = "apt-get install {}; scripts/system-deps.sh test does"

# Everything any test may skip for; tests/test_needs.py checks none is missing under CI=true.
NEEDS: dict[str, Need] = {
    need.name: need
    for need in (
        Need("module", "playwright.sync_api", PIP),
        Need("module", "schemathesis", PIP),
        Need("module", "pyzbar.pyzbar", PIP + "; the zbar library: " + APT.format("libzbar0")),
        Need("tool", "chromium", APT.format("chromium")),
        Need("data", "ip-region", "make ip-region (npm ci in data/ip-region); make setup-dev does"),
        Need("tool", "pdftoppm", APT.format("poppler-utils")),
        Need("tool", "pdftotext", APT.format("poppler-utils")),
        Need("tool", "pdffonts", APT.format("poppler-utils")),
        Need("tool", "make", APT.format("make")),
        # Backups of PostgreSQL (tests/records): the client tools come with the server's packages.
        Need("tool", "pg_dump", APT.format("postgresql-client")),
        Need("tool", "pg_restore", APT.format("postgresql-client")),
        Need("service", "redis", ".ci/run starts redis-server; or set TRACE_TEST_REDIS_URL"),
        Need("font", "label font", APT.format("fonts-wqy-microhei")),
    )
}


def module(name: str) -> ModuleType:
    """`pytest.importorskip` that fails under CI=true; `name` must be listed in NEEDS."""
    problem = NEEDS[name].problem()
    if problem:
        missing(problem)
    return importlib.import_module(name)


def tool(name: str) -> str:
    """Path of a system tool listed in NEEDS; skip without it (fail under CI=true)."""
    problem = NEEDS[name].problem()
    path = shutil.which(name)
    if problem or path is None:
        missing(problem or name)
    return path


def data(name: str) -> None:
    """Skip without the data file listed in NEEDS under `name` (fail under CI=true)."""
    problem = NEEDS[name].problem()
    if problem:
        missing(problem)


def redis_test_url() -> str:
    return os.environ.get("TRACE_TEST_REDIS_URL", DEFAULT_REDIS_URL)


def _redis_problem(url: str) -> str | None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError as exc:
        return f"Redis is not answering at {host}:{port} ({exc}); from TRACE_TEST_REDIS_URL={url}"
    return None


def redis() -> str:
    """The Redis URL the tests may use (TRACE_TEST_REDIS_URL), once something answers there."""
    url = redis_test_url()
    problem = _redis_problem(url)
    if problem:
        missing(problem + "; .ci/run starts Redis")
    return url


def unmet() -> list[str]:
    return [problem for need in NEEDS.values() if (problem := need.problem())]


def main() -> int:
    problems = unmet()
    for problem in problems:
        print(f"missing test dependency: {problem}", file=sys.stderr)
    if not problems:
        print(f"test dependencies: all {len(NEEDS)} present")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())

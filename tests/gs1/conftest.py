"""Report how many GS1 conformance vectors were skipped, per file (the goal is none)."""

from __future__ import annotations

from typing import Any

from tests.gs1.vectors import SKIPPED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SKIPPED:
        terminalreporter.section("GS1 conformance vectors skipped")
        for name, count in sorted(SKIPPED.items()):
            terminalreporter.write_line(f"{name}: {count}")

"""Fixtures shared with the programme module tests: villages, facilities, a lot to ship."""

from __future__ import annotations

from tests.program.conftest import admin, lot, places, villages  # noqa: F401

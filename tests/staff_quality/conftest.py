"""Fixtures for the quality forms: the quality records' own (an upload folder per test, the admin
and a walnut lot), shared from tests/quality/conftest.py."""

from __future__ import annotations

from tests.quality.conftest import admin, count, upload_dir, walnut_batch

__all__ = ["admin", "count", "upload_dir", "walnut_batch"]

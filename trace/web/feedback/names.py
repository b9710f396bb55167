"""Display names (Chinese msgids, English in messages.po) for reports and notices."""

from __future__ import annotations

from typing import Any

from trace.web import names

# The enums' names live in trace.web.names (one table per enum); the names this package uses.
KINDS = names.REPORT_KINDS
KIND_HINTS = names.REPORT_KIND_HINTS
PUBLIC_STATUSES = names.REPORT_PUBLIC_STATUSES
STATUSES = names.REPORT_STATUSES
OUTCOMES = names.REPORT_OUTCOMES
ACTIONS = names.REPORT_ACTIONS
VERDICTS = names.SCAN_VERDICTS
CATEGORIES = names.NOTICE_CATEGORIES


def name(table: dict[str, Any], value: Any) -> str:
    key = getattr(value, "value", value)
    return str(table.get(str(key), key if key is not None else ""))

"""Find and load GS1's third-party test vectors from the `shared` folder beside the repo."""

from __future__ import annotations

import json
import os
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest

# Dates in the linter vectors (e.g. 000229, 960229) are only valid under the GS1 century rule
# for a "today" in this century, so the conformance run pins it instead of using the clock.
VECTOR_TODAY = date(2026, 1, 1)

# Vectors skipped because they need an engine option or linter we do not offer, per file.
SKIPPED: Counter[str] = Counter()


def shared_dir() -> Path:
    """`$TRACE_SHARED_DIR`, else the `shared` folder beside the repository root."""
    override = os.environ.get("TRACE_SHARED_DIR")
    base = Path(override) if override else Path(__file__).resolve().parents[2] / ".." / "shared"
    return base.resolve()


@cache
def load(name: str) -> dict[str, Any]:
    """One vector file from conformance/gs1; fails loudly (at collection) if it is missing."""
    path = shared_dir() / "conformance" / "gs1" / name
    if not path.is_file():
        raise FileNotFoundError(
            f"GS1 conformance vectors not found at {path}; "
            "set TRACE_SHARED_DIR to the folder holding conformance/"
        )
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def cases(name: str) -> list[dict[str, Any]]:
    data = load(name)
    found: list[dict[str, Any]] = data["cases"]
    assert len(found) == data["count"], f"{name}: header says {data['count']} cases"
    return found


def case_ids(name: str, field: str, tag: str | None = None) -> list[str]:
    """Test ids naming each vector: index, `tag` field (e.g. the linter), outcome, input."""
    ids = []
    for i, case in enumerate(cases(name)):
        outcome = "valid" if case.get("valid", True) else "invalid"
        text = case[field] if isinstance(case[field], str) else repr(case[field])
        label = f"{case[tag]}-" if tag else ""
        ids.append(f"{i:04d}-{label}{outcome}-{text[:60]!r}")
    return ids


def skip_vector(name: str, reason: str) -> None:
    """Skip one vector we cannot run, counting it for the end-of-run summary."""
    SKIPPED[name] += 1
    pytest.skip(f"reason: needs {reason}")

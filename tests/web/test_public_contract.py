"""The public contract of the web layer stays put: every URL with its methods, and every OpenAPI
operation and schema, as recorded in tests/web/snapshots/ (written from the code before the web
layer was reshaped into one package per feature, issue 20).

Additions are fine (new routes, operations, schemas, optional properties, enum values, responses);
a removed or changed URL, method, operation, schema or property fails, and so does a change to a
list of required fields. After a deliberate change, rewrite the snapshots with
`TRACE_WRITE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/web/test_public_contract.py` and let
the diff be reviewed: it shows exactly what a client sees change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
URL_MAP = SNAPSHOTS / "url_map.txt"
OPENAPI = SNAPSHOTS / "openapi.json"
IMPLICIT = {"HEAD", "OPTIONS"}  # Werkzeug adds these to every rule


def url_lines(app: Flask) -> set[str]:
    """One line per (rule, method): `GET /staff/batches/<int:batch_id>`."""
    return {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        for method in sorted((rule.methods or set()) - IMPLICIT)
    }


def openapi_contract(app: Flask) -> dict[str, Any]:
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    return {
        "operations": {
            f"{method.upper()} {path}": operation
            for path, item in spec["paths"].items()
            for method, operation in item.items()
            if isinstance(operation, dict)
        },
        "path_parameters": {
            path: item["parameters"] for path, item in spec["paths"].items() if "parameters" in item
        },
        "schemas": spec.get("components", {}).get("schemas", {}),
        "security": spec.get("security"),
        "securitySchemes": spec.get("components", {}).get("securitySchemes"),
    }


def departures(recorded: Any, current: Any, path: str = "") -> list[str]:
    """Where `current` no longer offers what `recorded` did: an object may gain keys (a new
    optional property, a new response), an `enum` may gain values; anything else must be equal."""
    if isinstance(recorded, dict) and isinstance(current, dict):
        found = []
        for key, value in recorded.items():
            if key not in current:
                found.append(f"{path}/{key} removed")
            else:
                found += departures(value, current[key], f"{path}/{key}")
        return found
    if path.endswith("/enum") and isinstance(recorded, list) and isinstance(current, list):
        return [] if all(v in current for v in recorded) else [f"{path} lost values"]
    return [] if recorded == current else [f"{path} changed"]


def _writing() -> bool:
    return os.environ.get("TRACE_WRITE_SNAPSHOTS") == "1"


def test_every_recorded_url_and_method_is_still_served(app: Flask) -> None:
    current = url_lines(app)
    if _writing():
        URL_MAP.write_text("\n".join(sorted(current)) + "\n", encoding="utf-8")
    recorded = set(URL_MAP.read_text(encoding="utf-8").split("\n")) - {""}
    missing = sorted(recorded - current)
    assert missing == [], f"URLs or methods removed or changed: {missing}"


def test_every_recorded_openapi_operation_and_schema_is_unchanged(app: Flask) -> None:
    current = openapi_contract(app)
    if _writing():
        OPENAPI.write_text(
            json.dumps(current, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
    recorded = json.loads(OPENAPI.read_text(encoding="utf-8"))
    for section in ("operations", "path_parameters", "schemas"):
        assert departures(recorded[section], current[section], section) == []
    assert current["security"] == recorded["security"]
    assert current["securitySchemes"] == recorded["securitySchemes"]


WELL_KNOWN = ["GET /scan/<serial>", "GET /api/v1/openapi.json", "POST /staff/sign-in"]


@pytest.mark.parametrize("line", WELL_KNOWN)
def test_the_snapshot_holds_the_well_known_urls(line: str) -> None:
    """The snapshot is not empty or truncated: a few URLs every deployment relies on are in it."""
    assert line in URL_MAP.read_text(encoding="utf-8").split("\n")


def test_additions_pass_and_changes_fail() -> None:
    """The comparison itself: what counts as an addition and what as a change."""
    was = {"A": {"properties": {"x": {"type": "string"}}, "required": ["x"]}, "E": {"enum": [1]}}
    grown = {
        "A": {"properties": {"x": {"type": "string"}, "y": {"type": "integer"}}, "required": ["x"]},
        "B": {},
        "E": {"enum": [1, 2]},
    }
    assert departures(was, grown) == []
    assert departures(was, {**grown, "E": {"enum": [2]}}) == ["/E/enum lost values"]
    retyped = {**grown, "A": {"properties": {"x": {"type": "integer"}}, "required": ["x"]}}
    assert departures(was, retyped) == ["/A/properties/x/type changed"]
    now_required = {**grown, "A": {**grown["A"], "required": ["x", "y"]}}
    assert departures(was, now_required) == ["/A/required changed"]
    assert departures(was, {"E": {"enum": [1]}}) == ["/A removed"]

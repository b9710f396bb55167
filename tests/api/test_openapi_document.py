"""The OpenAPI document says what the API does with numbers: a client generated from it (or a
fuzzer, tests/security/test_fuzz_api.py) sends what the API accepts and reads what it answers."""

from __future__ import annotations

from typing import Any

from trace.schemas.common import MAX_INTEGER

# flask-smorest's own response-only components: never read from a request.
FRAMEWORK_COMPONENTS = {"Error", "PaginationMetadata"}


def _properties(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, schema in spec["components"]["schemas"].items():
        if name in FRAMEWORK_COMPONENTS:
            continue
        for field, definition in schema.get("properties", {}).items():
            found.append((f"{name}.{field}", definition))
            items = definition.get("items")
            if isinstance(items, dict):
                found.append((f"{name}.{field}[]", items))
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            parameters = operation if method == "parameters" else operation.get("parameters", [])
            for parameter in parameters:
                label = f"{method.upper()} {path} {parameter['name']}"
                found.append((label, parameter.get("schema", {})))
    return found


def test_integers_are_bounded_and_decimals_are_strings(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    properties = _properties(spec)
    integers = [(label, d) for label, d in properties if d.get("type") == "integer"]
    assert len(integers) > 100
    unbounded = [
        label
        for label, d in integers
        if not ("maximum" in d and d["maximum"] <= MAX_INTEGER and "minimum" in d)
    ]
    assert unbounded == []
    string_bounds = [
        label
        for label, d in properties
        if any(isinstance(d.get(key), str) for key in ("minimum", "maximum"))
    ]
    assert string_bounds == []  # bounds written as strings make the document invalid
    quantity = spec["components"]["schemas"]["BatchCreate"]["properties"]["quantity"]
    assert quantity["type"] == "string" and quantity["format"] == "decimal"
    assert quantity["x-minimum"] == 0 and isinstance(quantity["x-maximum"], float)


def test_an_id_too_large_for_the_database_is_a_422_naming_the_field(client, as_role):
    headers = as_role("admin")
    body = {
        "product_id": 10**20,
        "producer_id": 1,
        "harvested_on": "2025-09-15",
        "quantity": "100",
        "unit": "kg",
        "township_code": "532326100",
    }
    answer = client.post("/api/v1/batches", json=body, headers=headers)
    assert answer.status_code == 422
    assert "product_id" in answer.get_json()["errors"]
    listing = client.get("/api/v1/batches?product_id=33697201035400978432", headers=headers)
    assert listing.status_code == 422 and "product_id" in listing.get_json()["errors"]

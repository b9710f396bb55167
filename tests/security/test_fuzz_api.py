"""Schemathesis fuzzes every operation of /api/v1/openapi.json through the WSGI app (no server)
as an admin: no answer may be a 5xx or break the response schema the document declares.

Examples per operation are bounded (TRACE_FUZZ_EXAMPLES, default 5) so the run stays near a
minute; the total is printed. Each example runs in a savepoint that is rolled back, so a fuzzed
DELETE cannot revoke the admin's token for the next one. Failures are collected per operation.

Findings whose root cause is known and reported to the lead are listed (KNOWN_ROOT_CAUSES),
printed, and tolerated: any other failure fails the test. TRACE_FUZZ_STRICT=1 tolerates none.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.core.errors import InvalidSchema  # noqa: E402
from schemathesis.core.failures import FailureGroup, ServerError  # noqa: E402
from schemathesis.generation.feedback import NO_FEEDBACK  # noqa: E402
from schemathesis.openapi.checks import JsonSchemaError  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

from tests import factories  # noqa: E402
from trace.services.users import issue_token  # noqa: E402
from trace.web.security import MAX_ID  # noqa: E402

EXAMPLES = int(os.environ.get("TRACE_FUZZ_EXAMPLES", "5"))
STRICT = os.environ.get("TRACE_FUZZ_STRICT") == "1"
CHECKS = [not_a_server_error, response_schema_conformance]
DECIMAL = re.compile(r"-?\d+(\.\d+)?")

# Root causes found by this test in other modules' code, reported to the lead (see the issue).
KNOWN_ROOT_CAUSES = {
    "decimal-as-string": (
        "marshmallow fields.Decimal(as_string=True) is dumped as a JSON string but apispec "
        "documents it as type number (trace/schemas/*.py, every Decimal in a response schema)"
    ),
    "decimal-bounds": (
        "validate.Range on a fields.Decimal puts its bounds into the OpenAPI document as "
        "strings ('minimum': \"0.000\"): the document is invalid there and no client generator "
        "can read it (every Decimal with a Range in an input schema)"
    ),
    "integer-overflow": (
        "an integer query or body value beyond the database's range (e.g. page=33697201035400978432"
        " or an id of 20 digits) reaches SQL and fails with a 500: QueryArgsSchema.page and the id "
        "fields need a maximum (trace/schemas/common.py and the modules' query/body schemas)"
    ),
}


def _integers(value: Any) -> Iterator[int]:
    if isinstance(value, bool):
        return
    if isinstance(value, int):
        yield value
    elif isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        yield int(value)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _integers(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _integers(item)


def _root_cause(failure: Exception, case: Any) -> str | None:
    """The known root cause of one failure, or None when it is something new."""
    instance = getattr(failure, "instance", None)
    numeric_string = isinstance(instance, str) and DECIMAL.fullmatch(instance) is not None
    if isinstance(failure, JsonSchemaError) and numeric_string:
        return "decimal-as-string"
    if isinstance(failure, ServerError):
        sent = [case.path_parameters, case.query, case.body]
        if any(abs(n) > MAX_ID for n in _integers(sent)):
            return "integer-overflow"
    return None


def _has_string_bounds(node: Any, components: dict[str, Any], seen: set[str]) -> bool:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name in seen:
                return False
            seen.add(name)
            return _has_string_bounds(components.get(name), components, seen)
        if any(isinstance(node.get(k), str) for k in ("minimum", "maximum")):
            return True
        return any(_has_string_bounds(v, components, seen) for v in node.values())
    if isinstance(node, list):
        return any(_has_string_bounds(v, components, seen) for v in node)
    return False


def test_api_survives_fuzzing_as_admin(app, client, db_session, make_user):
    admin = make_user("admin")
    factories.batch(db_session, admin)  # real records, so some generated ids hit something
    plain, _ = issue_token(db_session, admin, dt.timedelta(hours=1))
    db_session.flush()
    headers = {"Authorization": f"Bearer {plain}"}

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    spec = client.get("/api/v1/openapi.json").get_json()
    components = spec.get("components", {}).get("schemas", {})
    examples = 0
    known: dict[str, set[str]] = defaultdict(set)
    failures: list[str] = []
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    only = os.environ.get("TRACE_FUZZ_ONLY")  # e.g. "GET /api/v1/batches", to reproduce one
    if only:
        operations = [op for op in operations if only in op.label]
    for operation in operations:
        seen: list[str] = []
        try:
            _runner(operation, db_session, headers, seen, known)()
        except InvalidSchema as exc:
            definition = spec["paths"][operation.path][operation.method.lower()]
            if not STRICT and _has_string_bounds(definition, components, set()):
                known["decimal-bounds"].add(operation.label)
            else:
                failures.append(f"{operation.label}: {str(exc).strip()[:1500]}")
        except (Exception, BaseExceptionGroup) as exc:  # collect; go on with the next one
            failures.append(f"{operation.label}: {str(exc).strip()[:2500]}")
        examples += len(seen)
    elapsed = time.monotonic() - started
    print(f"\nfuzzed {len(operations)} operations, {examples} examples in {elapsed:.0f} s")
    for cause, labels in sorted(known.items()):
        print(f"known ({cause}, {len(labels)} operations): {KNOWN_ROOT_CAUSES[cause]}")
        for label in sorted(labels):
            print(f"    {label}")
    assert examples >= len(operations) // 2 and operations
    assert failures == [], "\n\n".join(failures)


def _runner(
    operation: Any,
    db_session: Any,
    headers: dict[str, str],
    seen: list[str],
    known: dict[str, set[str]],
) -> Any:
    """A Hypothesis test drawing `EXAMPLES` cases of one operation, each in a savepoint."""
    # No constants mined from the project's source (slow, and pinned schemathesis API).
    strategy = operation.as_strategy(feedback=NO_FEEDBACK)

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,  # no .hypothesis/ directory in the work tree
        derandomize=True,  # the same examples every run: a failure is reproducible
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def run(data: Any) -> None:
        case = data.draw(strategy)
        nested = db_session.begin_nested()
        db_session.connection()  # emit the SAVEPOINT now: SQLAlchemy would wait for a query
        try:
            response = case.call(headers=headers)
            seen.append(f"{case.method} {case.formatted_path}")
            if os.environ.get("TRACE_FUZZ_VERBOSE"):
                print(case.method, case.formatted_path, case.query, response.status_code)
            try:
                case.validate_response(response, checks=CHECKS, headers=headers)
            except FailureGroup as group:
                causes = [_root_cause(f, case) for f in group.exceptions]
                if STRICT or None in causes:
                    raise
                for cause in causes:
                    known[str(cause)].add(operation.label)
        finally:
            if nested.is_active:
                nested.rollback()

    return run

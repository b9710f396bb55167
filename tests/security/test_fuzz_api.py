"""Schemathesis fuzzes every operation of /api/v1/openapi.json through the WSGI app (no server)
as an admin: no answer may be a 5xx or break the response schema the document declares.

Examples per operation are bounded (TRACE_FUZZ_EXAMPLES, default 5) so the run stays near a
minute; the total is printed. Each example runs in a savepoint that is rolled back, so a fuzzed
DELETE cannot revoke the admin's token for the next one. Failures are collected per operation.

Every failure fails the test: no finding is tolerated.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

from tests import needs

schemathesis = needs.module("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.generation.feedback import NO_FEEDBACK  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

from tests import factories  # noqa: E402
from trace.services.users import issue_token  # noqa: E402

EXAMPLES = int(os.environ.get("TRACE_FUZZ_EXAMPLES", "5"))
CHECKS = [not_a_server_error, response_schema_conformance]


def test_api_survives_fuzzing_as_admin(app, db_session, make_user):
    admin = make_user("admin")
    factories.batch(db_session, admin)  # real records, so some generated ids hit something
    plain, _ = issue_token(db_session, admin, dt.timedelta(hours=1))
    db_session.flush()
    headers = {"Authorization": f"Bearer {plain}"}

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    client = app.test_client()  # reads and closes each answer, as a server (tests/conftest.py)
    examples = 0
    failures: list[str] = []
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    only = os.environ.get("TRACE_FUZZ_ONLY")  # e.g. "GET /api/v1/batches", to reproduce one
    if only:
        operations = [op for op in operations if only in op.label]
    for operation in operations:
        seen: list[str] = []
        try:
            _runner(operation, db_session, client, headers, seen)()
        except (Exception, BaseExceptionGroup) as exc:  # collect; go on with the next one
            failures.append(f"{operation.label}: {str(exc).strip()[:2500]}")
        examples += len(seen)
    elapsed = time.monotonic() - started
    print(f"\nfuzzed {len(operations)} operations, {examples} examples in {elapsed:.0f} s")
    assert examples >= len(operations) // 2 and operations
    assert failures == [], "\n\n".join(failures)


def _runner(
    operation: Any, db_session: Any, client: Any, headers: dict[str, str], seen: list[str]
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
            response = case.call(session=client, headers=headers)
            seen.append(f"{case.method} {case.formatted_path}")
            if os.environ.get("TRACE_FUZZ_VERBOSE"):
                print(case.method, case.formatted_path, case.query, response.status_code)
            case.validate_response(response, checks=CHECKS, headers=headers)
        finally:
            if nested.is_active:
                nested.rollback()

    return run

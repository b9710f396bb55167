"""Schemathesis fuzzes every operation of /api/v1/openapi.json through the WSGI app (no server)
as an admin: no answer may be a 5xx or break the response schema the document declares.

The number of examples per operation is bounded (TRACE_FUZZ_EXAMPLES, default 12) so the run
stays under about a minute; the total is printed. Each operation runs in its own savepoint and
failures are collected across operations, so one report lists everything found.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

from tests import factories  # noqa: E402
from trace.services.users import issue_token  # noqa: E402

EXAMPLES = int(os.environ.get("TRACE_FUZZ_EXAMPLES", "12"))
CHECKS = [not_a_server_error, response_schema_conformance]


def test_api_survives_fuzzing_as_admin(app, client, db_session, make_user):
    admin = make_user("admin")
    # A few real records, so generated ids sometimes hit something.
    factories.batch(db_session, admin)
    plain, _ = issue_token(db_session, admin, dt.timedelta(hours=1))
    db_session.flush()
    headers = {"Authorization": f"Bearer {plain}"}

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    examples = 0
    failures: list[str] = []
    started = time.monotonic()
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in operations:
        seen: list[str] = []
        try:
            _runner(operation, db_session, headers, seen)()
        except (Exception, BaseExceptionGroup) as exc:  # collect; go on with the next one
            failures.append(f"{operation.label}: {str(exc).strip()[:1500]}")
        examples += len(seen)
    elapsed = time.monotonic() - started
    print(f"\nfuzzed {len(operations)} operations, {examples} examples in {elapsed:.0f} s")
    assert examples >= len(operations)
    assert failures == [], "\n\n".join(failures)


def _runner(operation: Any, db_session: Any, headers: dict[str, str], seen: list[str]) -> Any:
    """A Hypothesis test drawing `EXAMPLES` cases of one operation, each in a savepoint."""
    strategy = operation.as_strategy()

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
        try:
            response = case.call(headers=headers)
            seen.append(f"{case.method} {case.formatted_path}")
            case.validate_response(response, checks=CHECKS, headers=headers)
        finally:
            if nested.is_active:
                nested.rollback()

    return run

"""The most sensitive routes, with who may call them written out by hand.

tests/security/test_access_matrix.py checks every route against trace.web.access.ACCESS and
trace.policy.PERMISSIONS, the very tables the code enforces: a wrong entry there passes it. This
file does not read those tables. Its expectations come from the roles of DOMAIN.md and
trace/models/users.py, reviewed route by route:

- admin: runs the service and the programme's records; may not reveal a reporter's contact
  (that is for the people who follow the report up);
- qc (county QC centre): grades, inspects, releases and holds lots, issues labels, prints the
  承诺达标合格证, triages consumer reports, ships and keeps the cold chain; alone decides a hold;
- station (township service station): records producers, lots and their events in its township,
  applies for the brand, trains; carries out recalls (notifies holders) but never orders one;
- regulator (市场监管局 / 农业农村局): reads everything, exports lots and date ranges, reads the
  audit log, orders and closes recalls -- the one write it makes -- and writes nothing else;
- anonymous: none of these routes.

Routes are named by method and URL (the public contract), not by endpoint names, so moving the
code does not change this list. Each (route, caller) is requested for real, as in the matrix test.
"""

from __future__ import annotations

import pytest
from werkzeug.routing import IntegerConverter, Rule

from tests.security.test_access_matrix import ANONYMOUS, MISSING_ID, _outcome, callers  # noqa: F401
from trace.web import access

A, Q, S, R = "admin", "qc", "station", "regulator"
ROLES = (A, Q, S, R)

# (method, URL rule) -> the roles that may call it. Reviewed against DOMAIN.md by hand.
EXPECTED: dict[tuple[str, str], set[str]] = {
    # Recalls: the regulator (or the admin) orders and closes; staff carry them out.
    ("POST", "/api/v1/recalls"): {A, R},
    ("POST", "/api/v1/recalls/<int:recall_id>/close"): {A, R},
    ("POST", "/api/v1/recalls/<int:recall_id>/actions"): {A, Q, S},
    ("POST", "/api/v1/reports/<int:report_id>/recall"): {A, R},
    ("POST", "/staff/reports/<int:report_id>/recall"): {A, R},
    ("GET", "/api/v1/recalls"): {A, Q, S, R},
    # Exports of lots and date ranges (FSMA-204-like requests), the audit log, lot verification.
    ("GET", "/api/v1/exports/events.csv"): {A, Q, R},
    ("GET", "/api/v1/exports/events.xlsx"): {A, Q, R},
    ("GET", "/api/v1/batches/<int:batch_id>/epcis"): {A, Q, R},
    ("GET", "/regulator/lots/<int:batch_id>/export.<fmt>"): {A, R},
    ("POST", "/regulator/exports/job"): {A, R},
    ("GET", "/regulator/"): {A, R},
    ("GET", "/regulator/audit"): {A, R},
    ("GET", "/api/v1/audit"): {A, R},
    ("GET", "/api/v1/batches/<int:batch_id>/verify"): {A, R},
    # Personal data: accounts, reporters' contacts and photos, trainees, producers.
    ("GET", "/api/v1/users"): {A},
    ("POST", "/api/v1/users"): {A},
    ("POST", "/staff/users/new"): {A},
    ("POST", "/staff/users/<int:user_id>/active"): {A},
    ("POST", "/staff/users/<int:user_id>/password"): {A},
    ("POST", "/api/v1/reports/<int:report_id>/contact"): {Q, R},
    ("POST", "/staff/reports/<int:report_id>/contact"): {Q, R},
    ("GET", "/api/v1/reports/<int:report_id>"): {A, Q, R},
    ("GET", "/api/v1/reports/<int:report_id>/photo"): {A, Q, R},
    ("GET", "/staff/reports/<int:report_id>/photo"): {A, Q, R},
    ("POST", "/api/v1/reports/<int:report_id>/answer"): {A, Q},
    ("GET", "/api/v1/training/trainees"): {A, Q, S, R},
    ("POST", "/api/v1/training/trainees"): {A, S},
    ("GET", "/api/v1/producers/<int:producer_id>"): {A, Q, S, R},
    ("POST", "/api/v1/producers"): {A, Q, S},
    # Writes on the record of a lot: what is traced, what a consumer sees.
    ("POST", "/api/v1/batches"): {A, Q, S},
    ("POST", "/api/v1/batches/<int:batch_id>/events"): {A, Q, S},
    ("POST", "/api/v1/lot-operations"): {A, Q, S},
    ("POST", "/api/v1/products"): {A, Q},
    ("POST", "/api/v1/batches/<int:batch_id>/inspections"): {A, Q},
    ("POST", "/api/v1/batches/<int:batch_id>/dispositions"): {Q},
    ("POST", "/api/v1/batches/<int:batch_id>/gradings"): {A, Q},
    ("POST", "/api/v1/certifications"): {A, Q},
    ("POST", "/api/v1/brand-applications"): {A, Q, S},
    ("POST", "/api/v1/brand-applications/<int:application_id>/approve"): {A, Q},
    ("POST", "/api/v1/shipments"): {A, Q},
    ("POST", "/api/v1/temperature-readings"): {A, Q},
    ("POST", "/api/v1/stations"): {A},
    ("POST", "/api/v1/notices"): {A},
    # Labels: one code per pack, the anti-counterfeiting core; and the 合格证.
    ("POST", "/api/v1/batches/<int:batch_id>/label-runs"): {A, Q},
    ("GET", "/api/v1/label-runs/<int:run_id>/pdf"): {A, Q},
    ("POST", "/api/v1/label-runs/<int:run_id>/void"): {A, Q},
    ("POST", "/api/v1/pack-codes/void"): {A, Q},
    ("GET", "/api/v1/pack-codes/<serial>/label.png"): {A, Q},
    ("GET", "/api/v1/batches/<int:batch_id>/compliance-certificate.pdf"): {A, Q},
    ("POST", "/staff/batches/<int:batch_id>/label-runs/new"): {A, Q},
}


def _rule(app, method: str, template: str) -> Rule:
    found = [
        r for r in app.url_map.iter_rules() if r.rule == template and method in (r.methods or ())
    ]
    assert len(found) == 1, f"no single route {method} {template}: was it moved or renamed?"
    return found[0]


def _url(rule: Rule) -> str:
    values = {
        name: MISSING_ID if isinstance(converter, IntegerConverter) else "x"
        for name, converter in rule._converters.items()
    }
    built = rule.build(values, append_unknown=False)
    assert built is not None
    return built[1]


def mismatches(app, callers) -> list[str]:  # noqa: F811  (the fixture's value)
    """Each (route, caller) whose real answer differs from the hand-written expectation."""
    found = []
    for (method, template), allowed in EXPECTED.items():
        url = _url(_rule(app, method, template))
        is_api = url.startswith("/api/")
        for caller in (ANONYMOUS, *ROLES):
            headers, page_client = callers[caller]
            send = app.test_client() if is_api else page_client()
            response = send.open(
                url,
                method=method,
                headers=headers if is_api else {},
                json={} if is_api and method in {"POST", "PUT", "PATCH"} else None,
            )
            got = _outcome(response.status_code, response.headers.get("Location", ""))
            if caller == ANONYMOUS:
                want = {"401", "sign-in"}
            else:
                want = {"allowed"} if caller in allowed else {"403"}
            if got not in want or response.status_code >= 500:
                found.append(
                    f"{method} {template} as {caller}: {response.status_code}, want {want}"
                )
    return found


@pytest.fixture()
def no_csrf(app, monkeypatch):
    # Tokens are tested in test_access_matrix.py; here only who may pass matters.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)


def test_sensitive_routes_answer_as_written_by_hand(app, callers, no_csrf):  # noqa: F811
    assert mismatches(app, callers) == []


def test_a_wrong_entry_in_the_access_table_fails(app, callers, no_csrf, monkeypatch):  # noqa: F811
    """The check can fail: widen one route in the code's own table and it is caught."""
    rule = _rule(app, "POST", "/api/v1/recalls")
    monkeypatch.setitem(access.ACCESS, rule.endpoint, "recall.progress")  # station may open one
    found = mismatches(app, callers)
    assert any(line.startswith("POST /api/v1/recalls as station:") for line in found), found
    assert any(line.startswith("POST /api/v1/recalls as regulator: 403") for line in found), found


def test_every_role_is_reviewed():
    from trace.models.users import Role

    assert {role.value for role in Role} == set(ROLES), "a new role: review EXPECTED for it"

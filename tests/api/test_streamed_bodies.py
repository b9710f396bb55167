"""Bodies streamed after the request has ended (exports, label PDFs) close the database session
they read from: no transaction is left open behind them.

Each request runs inside a SAVEPOINT of the test's own; a body that reopened the request's
closed session would leave its own SAVEPOINT open on the shared connection, and rolling back
the outer one then warns (SAWarning, an error in this suite). In production the same mistake
holds a pooled connection in an open transaction until garbage collection.
"""

from __future__ import annotations

from sqlalchemy import text

from tests import factories


def _streamed_then_rolled_back(client, db_session, url, headers):
    savepoint = db_session.begin_nested()
    db_session.connection()
    answer = client.get(url, headers=headers)  # read whole and closed, as a server would
    assert answer.status_code == 200 and len(answer.get_data()) > 100
    savepoint.rollback()  # raises if the body left a transaction of its own open
    assert db_session.execute(text("SELECT 1")).scalar() == 1


def test_export_closes_its_session(client, db_session, as_role, make_user):
    factories.batch(db_session, make_user("admin"))
    db_session.flush()
    url = "/api/v1/exports/events.csv?occurred_to=2999-12-31"
    _streamed_then_rolled_back(client, db_session, url, as_role("regulator"))
    xlsx = "/api/v1/exports/events.xlsx?occurred_to=2999-12-31"
    _streamed_then_rolled_back(client, db_session, xlsx, as_role("regulator"))


def test_label_pdf_closes_its_session(client, db_session, as_role, make_user):
    admin = make_user("admin")
    batch = factories.batch(db_session, admin)
    factories.passed_inspection(db_session, admin, batch)
    db_session.flush()
    headers = as_role("qc")
    run = client.post(f"/api/v1/batches/{batch.id}/label-runs", json={"count": 2}, headers=headers)
    assert run.status_code == 201, run.get_json()
    _streamed_then_rolled_back(client, db_session, run.get_json()["pdf_url"], headers)

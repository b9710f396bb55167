"""Issue 16.8: signing out ends the session server-side: a copy of the cookie taken before
`POST /staff/sign-out` opens nothing afterwards, and the sign-out is audited."""

from __future__ import annotations

from sqlalchemy import select

from tests.staff.helpers import csrf_from, sign_in
from trace.models.audit import AuditEntry


def _cookie_name(app):
    return app.config.get("SESSION_COOKIE_NAME", "session")


def test_a_copied_cookie_is_dead_after_sign_out(app, db_session, make_user):
    user = make_user("qc")
    browser = app.test_client()
    sign_in(browser, user)
    assert browser.get("/staff/").status_code == 200
    copied = browser.get_cookie(_cookie_name(app)).value

    token = csrf_from(browser.get("/staff/"))
    signed_out = browser.post("/staff/sign-out", data={"csrf_token": token})
    assert signed_out.status_code == 303

    thief = app.test_client()
    thief.set_cookie(_cookie_name(app), copied)
    answer = thief.get("/staff/")
    assert answer.status_code in (302, 303) and "/staff/sign-in" in answer.headers["Location"]
    entries = db_session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.entity_type == "users", AuditEntry.entity_id == str(user.id)
        )
    ).all()
    assert "user.sign_out" in entries

    # Signing in again works, with a new cookie; the old copy stays dead.
    sign_in(browser, user)
    assert browser.get("/staff/").status_code == 200
    assert thief.get("/staff/").status_code in (302, 303)

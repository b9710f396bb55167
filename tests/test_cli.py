"""Command line: creating users and loading the demo twice without duplicates."""

from __future__ import annotations

from sqlalchemy import func, select

from trace.models import Batch, Producer, Product, TraceEvent, User


def test_users_create(app, db_session):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "new.qc@dayao.example.cn",
            "--role",
            "qc",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code == 0, result.output
    assert (
        db_session.scalar(select(User).where(User.email == "new.qc@dayao.example.cn")).role == "qc"
    )


def test_users_create_rejects_short_password_and_bad_role(app, db_session):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "x@dayao.example.cn", "--role", "qc", "--password", "short"]
    )
    assert result.exit_code != 0 and "password" in result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "x@dayao.example.cn",
            "--role",
            "king",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code != 0


def test_demo_load_is_idempotent_and_marks_examples(app, db_session):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0

    def counts():
        return [
            db_session.scalar(select(func.count()).select_from(m))
            for m in (User, Producer, Product, Batch, TraceEvent)
        ]

    first = counts()
    assert first[1] >= 5 and first[3] >= 6
    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0 and "already present" in again.output
    assert counts() == first
    assert all("示例" in p.name for p in db_session.scalars(select(Producer)))
    assert all("示例" in p.name for p in db_session.scalars(select(Product)))


def test_targets_seed_is_safe_to_run_on_a_seeded_database(app, db_session):
    result = app.test_cli_runner().invoke(args=["targets", "seed"])
    assert result.exit_code == 0, result.output
    assert "every target is there" in result.output

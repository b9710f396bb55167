"""Migrations that cannot destroy data silently, and a service that will not run on a schema it
does not match: `db downgrade` refuses without --force, saying what would be lost; the web
server and the job worker refuse to start on a database behind (or without) the head."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import inspect

from tests.concurrency.conftest import SECRET, environment, free_port, own_database, seed
from tests.conftest import ROOT
from trace import create_app
from trace.db import make_engine
from trace.schema import head_revisions


def _cli(url, *args):
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET})
    result = app.test_cli_runner().invoke(args=list(args))
    app.extensions["trace.engine"].dispose()
    return result


def _tables(url) -> set[str]:
    engine = make_engine(url)
    names = set(inspect(engine).get_table_names()) - {"alembic_version"}
    engine.dispose()
    return names


def test_downgrade_refuses_to_drop_data_without_force(database_url, tmp_path):
    with own_database(database_url, tmp_path) as url:
        seed(url, lots=1, packs=5)
        before = _tables(url)
        refused = _cli(url, "db", "downgrade", "base")
        assert refused.exit_code != 0
        assert "would destroy data" in refused.output
        assert "table pack_codes: 5 rows" in refused.output
        assert "--force" in refused.output
        assert _tables(url) == before  # nothing changed
        # The head step drops the retention rules' attached months, which are data (the rule
        # seeded by migration 0019): refused alone too, then taken with --force.
        step = _cli(url, "db", "downgrade", "--", "-1")
        assert step.exit_code != 0
        assert "retention_rules.attached_months" in step.output
        assert _cli(url, "db", "downgrade", "--force", "--", "-1").exit_code == 0
        assert _cli(url, "db", "upgrade").exit_code == 0
        forced = _cli(url, "db", "downgrade", "base", "--force")
        assert forced.exit_code == 0, forced.output
        assert _tables(url) == set()


def test_a_database_behind_the_head_is_refused_at_start(database_url, tmp_path):
    with own_database(database_url, tmp_path, revision="0009") as url:
        env = environment(url, tmp_path)
        head = ",".join(sorted(head_revisions()))
        web = subprocess.run(
            [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py",
             "--bind", f"127.0.0.1:{free_port()}", "wsgi:app"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert web.returncode != 0
        assert f"at revision 0009, behind this code's head {head}" in web.stderr
        assert "flask --app trace db upgrade" in web.stderr
        imported = subprocess.run(
            [sys.executable, "-c", "import wsgi"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert imported.returncode != 0 and "behind this code's head" in imported.stderr
        worker = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "trace", "worker"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert worker.returncode != 0 and "behind this code's head" in worker.stderr
        assert _cli(url, "db", "check").exit_code != 0
        assert _cli(url, "db", "upgrade").exit_code == 0
        assert _cli(url, "db", "check").exit_code == 0


def test_an_empty_database_is_refused_at_start(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    imported = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT, env=environment(url, tmp_path), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert imported.returncode != 0
    assert "has no schema" in imported.stderr and "db upgrade" in imported.stderr

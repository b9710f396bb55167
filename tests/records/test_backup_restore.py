"""The restore drill: make data, back it up, restore it into a fresh instance, and find it all
there: chains intact and consistent with the checkpoint, packs scanning with their history and
count, the old API token accepted (documented: tokens travel with the database), uploads
opening, the secret key (and with it the scan log's keyed client hashes) the same."""

from __future__ import annotations

import datetime as dt
import io
import tarfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bench import pgdb
from tests import factories
from tests.conftest import TEST_PASSWORD_HASH
from tests.needs import tool as require_tool
from trace import create_app
from trace.models.events import EventType
from trace.models.users import Role, User
from trace.services.events import append_event
from trace.services.labels import issue_label_run, run_serials
from trace.services.users import issue_token
from trace.web.database import EXTENSION_KEY

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JSON = {"Accept": "application/json"}
PHONE = {"REMOTE_ADDR": "198.51.100.77", "HTTP_USER_AGENT": "Mozilla/5.0 MicroMessenger/8.0"}


@pytest.fixture()
def fresh_database(database_url: str, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Empty databases of their own: SQLite files, or new PostgreSQL databases
    (`trace_test_drill_<name>_<random>`, bench/pgdb.py), dropped afterwards: only those."""
    created: list[str] = []
    if database_url.startswith("postgresql"):
        require_tool("pg_dump")  # the PostgreSQL client tools, installed with the server
        require_tool("pg_restore")

    def make(name: str) -> str:
        if not database_url.startswith("postgresql"):
            return f"sqlite:///{tmp_path / name}.db"
        url = pgdb.create_database(database_url, f"drill_{name}", prefix=pgdb.TEST_PREFIX)
        created.append(url)
        return url

    yield make
    for url in created:
        pgdb.drop_database(url)


def instance_app(url: str, folder: Path):
    return create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_DIR": str(folder),
            "JOBS_DIR": str(folder / "jobs"),
            "PUBLIC_HOST": "trace.test",
            "TESTING": True,
            "RATE_LIMITS_ENABLED": False,
        }
    )


def cli(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output + (result.stderr or "")
    return result


def make_records(app):
    """A lot with history, a passed inspection whose PDF was uploaded, two labelled packs
    (one scanned), a checkpoint; returns what the drill checks afterwards."""
    with app.app_context():
        session = app.extensions[EXTENSION_KEY]()
        admin = User(
            email="drill-admin@test.example.cn",
            name="演练管理员",
            role=Role.ADMIN,
            password_hash=TEST_PASSWORD_HASH,
        )
        session.add(admin)
        session.flush()
        batch = factories.batch(session, admin)
        inspection = factories.passed_inspection(session, admin, batch)
        append_event(
            session, admin, batch, EventType.DRYING, dt.datetime(2025, 9, 20, tzinfo=dt.UTC)
        )
        run = issue_label_run(session, admin, batch.id, 2)
        serials = run_serials(session, run.id)
        token, _ = issue_token(session, admin, dt.timedelta(days=7))
        session.commit()
        ids = {"batch": batch.id, "inspection": inspection.id, "lot": batch.lot}
        session.close()
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    uploaded = client.post(
        f"/api/v1/batches/{ids['batch']}/inspections/{ids['inspection']}/report",
        data={"file": (io.BytesIO(PDF), "report.pdf", "application/pdf")},
        headers=auth,
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    first = client.get(f"/scan/{serials[0]}", headers=JSON, environ_base=PHONE).get_json()
    assert first["verdict"] == "genuine"
    return ids, serials, auth, first


def test_restore_drill(fresh_database, tmp_path):
    source = instance_app(fresh_database("source"), tmp_path / "source")
    cli(source, "db", "upgrade")
    ids, serials, auth, first = make_records(source)
    assert "checkpoint 1" in cli(source, "checkpoint").output
    archive = tmp_path / "backups" / "trace-drill.tar.gz"
    made = cli(source, "backup", "create", str(archive))
    assert "1 batches" in made.output

    with tarfile.open(archive) as unpacked:
        names = unpacked.getnames()
    assert "manifest.json" in names
    assert "files/instance/secret_key" in names
    assert "files/instance/checkpoint_ed25519.pem" in names
    assert any(name.startswith("files/uploads/") for name in names)
    assert any(name.startswith("database/") for name in names)

    # A fresh machine: empty database, empty instance folder.
    target_url = fresh_database("target")
    target = instance_app(target_url, tmp_path / "target")
    restored = cli(target, "backup", "restore", str(archive))
    assert "all chains intact" in restored.output
    assert "consistent with checkpoint 1" in restored.output

    # The restored instance, started afresh, is the old one.
    served = instance_app(target_url, tmp_path / "target")
    assert served.config["SECRET_KEY"] == source.config["SECRET_KEY"]
    assert "all chains intact" in cli(served, "verify").output
    client = served.test_client()
    again = client.get(f"/scan/{serials[0]}", headers=JSON, environ_base=PHONE).get_json()
    assert again["verdict"] != "unknown"
    assert again["first_scanned_at"] == first["first_scanned_at"]
    assert again["scan_count"] >= first["scan_count"]
    assert len(first["record"]["timeline"]) >= 3  # harvest, inspection's, drying
    assert again["record"]["timeline"] == first["record"]["timeline"]
    other = client.get(f"/scan/{serials[1]}", headers=JSON, environ_base=PHONE).get_json()
    assert other["verdict"] == "genuine"  # never scanned before the backup
    # Tokens are in the database: one issued before the backup is accepted until it expires.
    listed = client.get("/api/v1/batches", headers=auth)
    assert listed.status_code == 200
    report = client.get(
        f"/api/v1/batches/{ids['batch']}/inspections/{ids['inspection']}/report", headers=auth
    )
    assert report.status_code == 200 and report.data == PDF

    # The daily backup keeps the newest N in BACKUP_DIR (instance/backups by default).
    for _ in range(2):
        cli(source, "backup", "scheduled", "--keep", "1")
        time.sleep(1.1)  # archives are named to the second
    kept = list((tmp_path / "source" / "backups").glob("trace-*.tar.gz"))
    assert len(kept) == 1


def test_restore_refuses_a_damaged_archive_and_a_used_instance(fresh_database, tmp_path):
    source = instance_app(fresh_database("source"), tmp_path / "source")
    cli(source, "db", "upgrade")
    make_records(source)
    archive = tmp_path / "b.tar.gz"
    cli(source, "backup", "create", str(archive))
    refused = source.test_cli_runner().invoke(args=["backup", "create", str(archive)])
    assert refused.exit_code != 0 and "备份从不覆盖文件" in refused.output

    # Into a database that already holds an instance: refused, nothing changed.
    used = source.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
    assert used.exit_code != 0 and "数据库不是空的" in used.output

    # A file changed inside the archive: its checksum no longer matches the manifest.
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as original, tarfile.open(damaged, "w:gz") as copy:
        for member in original.getmembers():
            data = original.extractfile(member).read()
            if member.name.startswith("files/uploads/"):
                data = data.replace(b"%%EOF", b"%%EOX")
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    target = instance_app(fresh_database("target"), tmp_path / "target")
    broken = target.test_cli_runner().invoke(args=["backup", "restore", str(damaged)])
    assert broken.exit_code != 0 and "与校验和不符" in broken.output

"""Backups as one archive: a consistent database snapshot, the instance's secrets and every
stored file, with a manifest of checksums and the schema revision; and their restore.

The snapshot is SQLite's online backup API (a consistent copy while the service runs) or
`pg_dump --format=custom` (one transaction-consistent snapshot). Files are the instance's
secret key (sessions, CSRF and the keyed client hashes in the scan log), the checkpoint signing
key, uploaded lab reports and certificate scans, report photos, job files and retention
archives. A restore goes only into an empty database and empty folders: it never mixes two
histories.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect
from sqlalchemy.engine import make_url

from trace.errors import TraceError, problem

FORMAT = "dayao-trace-backup/1"
# Files of the instance folder itself that belong in a backup (the rest are folders below).
INSTANCE_FILES = ("secret_key", "checkpoint_ed25519.pem")
SECRET_FILES = frozenset(INSTANCE_FILES)
_CHUNK = 1 << 20


class BackupError(TraceError):
    """The archive is damaged or foreign, or the place to restore into is not empty."""

    code = "backup_error"


@dataclass(frozen=True)
class Layout:
    """Where one instance keeps its database and files (trace.storage answers for an app)."""

    database_url: str
    instance_dir: Path
    folders: dict[str, Path]  # role -> folder: uploads, feedback, jobs, archives

    def sqlite_path(self) -> Path | None:
        url = make_url(self.database_url)
        return Path(url.database or "") if url.get_backend_name() == "sqlite" else None


@dataclass
class Manifest:
    created_at: str
    schema_revision: str | None
    dialect: str
    database: dict[str, Any]
    files: list[dict[str, Any]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    secret_key_in_archive: bool = True

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "created_at": self.created_at,
            "schema_revision": self.schema_revision,
            "dialect": self.dialect,
            "database": self.database,
            "files": self.files,
            "counts": self.counts,
            "secret_key_in_archive": self.secret_key_in_archive,
        }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def libpq_url(database_url: str) -> str:
    """postgresql+psycopg://... as the plain URL pg_dump and pg_restore take."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _stored_files(layout: Layout) -> Iterator[tuple[str, Path, Path]]:
    """(role, absolute path, path inside its folder) of every stored file; a folder nested in
    another (feedback photos under uploads/) is walked once, under its own role."""
    roots = {role: folder.resolve() for role, folder in layout.folders.items()}
    for role, root in roots.items():
        if not root.is_dir():
            continue
        others = [other for name, other in roots.items() if name != role and other != root]
        for path in sorted(root.rglob("*")):
            if not path.is_file() or path.is_symlink():
                continue
            if any(other in path.parents and root in other.parents for other in others):
                continue  # belongs to the nested folder's own role
            yield role, path, path.relative_to(root)
    for name in INSTANCE_FILES:
        path = layout.instance_dir / name
        if path.is_file():
            yield "instance", path, Path(name)


def _snapshot_database(layout: Layout, engine: Engine, target: Path) -> None:
    sqlite_path = layout.sqlite_path()
    if sqlite_path is not None:
        # The online backup API copies a consistent state even while others write.
        source = sqlite3.connect(sqlite_path)
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy)
        finally:
            copy.close()
            source.close()
        return
    _run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            "--file",
            str(target),
            "--dbname",
            libpq_url(layout.database_url),
        ]
    )


def _run(command: list[str]) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(problem("backup.tool_missing", tool=command[0]))
    result = subprocess.run([tool, *command[1:]], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(
            problem("backup.tool_failed", tool=command[0], detail=result.stderr.strip()[-2000:])
        )


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    archive.addfile(info, io.BytesIO(data))


def create_backup(
    layout: Layout,
    engine: Engine,
    out: Path,
    schema_revision: str | None,
    counts: dict[str, int],
    secret_key_in_env: bool = False,
) -> Manifest:
    """Write the archive to `out` (through a temporary file, renamed when complete).

    Raises BackupError (pg_dump missing or failing, `out` existing)."""
    if out.exists():
        raise BackupError(problem("backup.file_exists", file=out))
    out.parent.mkdir(parents=True, exist_ok=True)
    dialect = engine.dialect.name
    manifest = Manifest(
        created_at=dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        schema_revision=schema_revision,
        dialect=dialect,
        database={},
        counts=counts,
        secret_key_in_archive=not secret_key_in_env,
    )
    with tempfile.TemporaryDirectory(prefix="trace-backup-") as scratch:
        dump = Path(scratch) / ("trace.sqlite" if dialect == "sqlite" else "trace.pgdump")
        _snapshot_database(layout, engine, dump)
        partial = out.with_name(out.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            member = f"database/{dump.name}"
            archive.add(dump, member)
            manifest.database = {
                "path": member,
                "sha256": _sha256(dump),
                "size": dump.stat().st_size,
            }
            for role, path, relative in _stored_files(layout):
                member = f"files/{role}/{relative.as_posix()}"
                archive.add(path, member)
                manifest.files.append(
                    {
                        "path": member,
                        "role": role,
                        "sha256": _sha256(path),
                        "size": path.stat().st_size,
                    }
                )
            text = json.dumps(manifest.as_json(), ensure_ascii=False, indent=1)
            _add_bytes(archive, "manifest.json", text.encode())
        os.chmod(partial, 0o600)  # the archive holds the instance's secrets
        partial.rename(out)
    return manifest


def read_manifest(archive_path: Path) -> dict[str, Any]:
    with tarfile.open(archive_path, "r:*") as archive:
        member = archive.extractfile("manifest.json")
        if member is None:
            raise BackupError("backup.no_manifest")
        manifest: dict[str, Any] = json.load(member)
    if manifest.get("format") != FORMAT:
        raise BackupError(problem("backup.not_a_backup", format=manifest.get("format")))
    return manifest


def check_archive(archive_path: Path, into: Path) -> dict[str, Any]:
    """Unpack into `into` and check every file against the manifest. Raises BackupError."""
    manifest = read_manifest(archive_path)
    expected = {entry["path"]: entry for entry in manifest["files"]}
    expected[manifest["database"]["path"]] = manifest["database"]
    with tarfile.open(archive_path, "r:*") as archive:
        names = set()
        for member in archive.getmembers():
            if member.name == "manifest.json":
                continue
            if not member.isfile() or member.name not in expected:
                raise BackupError(problem("backup.unlisted_member", name=member.name))
            archive.extract(member, into, filter="data")
            names.add(member.name)
    missing = sorted(set(expected) - names)
    if missing:
        raise BackupError(problem("backup.missing_members", names=missing[:10]))
    for name, entry in expected.items():
        if _sha256(into / name) != entry["sha256"]:
            raise BackupError(problem("backup.checksum", name=name))
    return manifest


def assert_empty(layout: Layout, engine: Engine) -> None:
    """A restore goes into a fresh instance only. Raises BackupError naming what is not empty."""
    tables = [t for t in inspect(engine).get_table_names() if t != "alembic_version"]
    if tables:
        raise BackupError(
            problem("backup.database_not_empty", count=len(tables), example=tables[0])
        )
    key = layout.instance_dir / "checkpoint_ed25519.pem"
    if key.exists():
        raise BackupError(problem("backup.key_exists", file=key))
    for role, folder in layout.folders.items():
        if folder.is_dir() and any(p.is_file() for p in folder.rglob("*")):
            raise BackupError(problem("backup.folder_not_empty", role=role, folder=folder))


def restore_backup(layout: Layout, engine: Engine, archive_path: Path) -> dict[str, Any]:
    """Check the archive, then restore the database and files into an empty instance.

    The secret key written at start-up by a fresh instance is replaced by the archived one.
    Migrating and verifying are the caller's next steps. Raises BackupError."""
    assert_empty(layout, engine)
    with tempfile.TemporaryDirectory(prefix="trace-restore-") as scratch:
        unpacked = Path(scratch)
        manifest = check_archive(archive_path, unpacked)
        if manifest["dialect"] != engine.dialect.name:
            raise BackupError(
                problem(
                    "backup.dialect_mismatch",
                    archive=manifest["dialect"],
                    instance=engine.dialect.name,
                )
            )
        dump = unpacked / manifest["database"]["path"]
        engine.dispose()
        sqlite_path = layout.sqlite_path()
        if sqlite_path is not None:
            sqlite_path.parent.mkdir(parents=True, exist_ok=True)
            source, target = sqlite3.connect(dump), sqlite3.connect(sqlite_path)
            try:
                with target:
                    source.backup(target)
            finally:
                target.close()
                source.close()
        else:
            _run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    "--single-transaction",
                    "--dbname",
                    libpq_url(layout.database_url),
                    str(dump),
                ]
            )
        for entry in manifest["files"]:
            role, relative = (
                entry["role"],
                Path(entry["path"]).relative_to(f"files/{entry['role']}"),
            )
            base = layout.instance_dir if role == "instance" else layout.folders.get(role)
            if base is None:
                raise BackupError(problem("backup.no_place", role=role))
            target_path = base / relative
            target_path.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(unpacked / entry["path"], target_path)
            if role == "instance":
                os.chmod(target_path, 0o600)
    return manifest


def prune_backups(folder: Path, keep: int, pattern: str = "trace-*.tar.gz") -> list[Path]:
    """Delete all but the newest `keep` archives of `folder` named by `pattern`; returns them."""
    if keep < 1:
        raise BackupError("backup.keep_one")
    archives = sorted(folder.glob(pattern), key=lambda p: p.name)
    removed = archives[:-keep]
    for path in removed:
        path.unlink()
    return removed

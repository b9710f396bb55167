"""The same spreadsheet uploaded twice at once, by two clients of the served app (gunicorn,
several workers): it is imported once; the other upload answers 409 "already imported" (the
SHA-256 of the file is unique per kind), never a 500 and never a second copy of the rows."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select

from trace.db import make_engine
from trace.models.audit import AuditEntry
from trace.models.imports import SpreadsheetImport
from trace.models.producers import Producer

ROWS = 300


def _upload(base: str, token: str, data: bytes) -> tuple[int, Any]:
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.csv"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    request = urllib.request.Request(
        base + "/api/v1/imports/producers",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_file_uploaded_twice_at_once_is_imported_once(served_app):
    served, seeded, url = served_app
    tag = uuid.uuid4().hex[:6]
    lines = ["名称,类型,乡镇,村"] + [
        f"并发{tag}农户{i}（示例）,农户,三台乡,村{i}" for i in range(ROWS)
    ]
    data = ("\r\n".join(lines) + "\r\n").encode("utf-8")
    barrier = threading.Barrier(2)

    def send(_index: int) -> tuple[int, Any]:
        barrier.wait()
        return _upload(served.base, seeded.token, data)

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(send, range(2)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201, 409], answers
    refused = next(body for status, body in answers if status == 409)
    assert refused["message_code"] == "import.already_imported", refused
    assert f"{ROWS} 行" in refused["message"]
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            named = (
                select(func.count())
                .select_from(Producer)
                .where(Producer.name.startswith(f"并发{tag}"))
            )
            assert connection.scalar(named) == ROWS
            audits = (
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.action == "producer.create")
            )
            assert connection.scalar(audits) >= ROWS
            assert connection.scalar(select(func.count()).select_from(SpreadsheetImport)) == 1
    finally:
        engine.dispose()
    again = _upload(served.base, seeded.token, data)  # later, too
    assert again[0] == 409 and again[1]["message_code"] == "import.already_imported"

"""Concurrency against the app as served (gunicorn threads and processes, the job worker): on
SQLite, the embedded default, and on PostgreSQL. No answer may be a 5xx; no write lost or
doubled."""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trace.db import make_engine
from trace.models.labels import LabelRun, PackCode
from trace.models.recalls import Recall

SCAN_CLIENTS = 16


def _auth(seeded: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.token}"}


def test_scans_and_staff_writes_at_once_never_answer_5xx(served_app):
    served, seeded, _url = served_app
    statuses: Counter[str] = Counter()
    lock = threading.Lock()
    stop_at = time.monotonic() + 6

    def tally(kind: str, status: int) -> None:
        with lock:
            statuses[f"{kind}_{status // 100}xx"] += 1

    def scanner(index: int) -> None:
        step = 0
        while time.monotonic() < stop_at:
            step += 1
            serial = seeded.serials[(index * 37 + step) % len(seeded.serials)]
            status, _ = served.request("GET", f"/scan/{serial}")
            tally("scan", status)

    def writer(index: int) -> None:
        step = 0
        while time.monotonic() < stop_at:
            step += 1
            now = dt.datetime.now(dt.UTC).isoformat()
            if (step + index) % 2:
                status, _ = served.request(
                    "POST",
                    f"/api/v1/batches/{seeded.batch_ids[1]}/events",
                    {"event_type": "storing", "occurred_at": now, "location": "大姚县 仓库"},
                    _auth(seeded),
                )
            else:
                status, _ = served.request(
                    "POST",
                    "/api/v1/lot-operations",
                    {
                        "kind": "split",
                        "occurred_at": now,
                        "inputs": [{"batch_id": seeded.batch_ids[2], "quantity": "0.002"}],
                        "outputs": [
                            {"quantity": "0.001", "unit": "kg"},
                            {"quantity": "0.001", "unit": "kg"},
                        ],
                    },
                    _auth(seeded),
                )
            tally("staff", status)

    with ThreadPoolExecutor(max_workers=SCAN_CLIENTS + 2) as pool:
        jobs = [pool.submit(scanner, i) for i in range(SCAN_CLIENTS)]
        jobs += [pool.submit(writer, i) for i in range(2)]
        for job in jobs:
            job.result()
    assert statuses["scan_2xx"] > 50, statuses
    assert statuses["staff_2xx"] > 4, statuses
    assert not any(key.endswith("5xx") for key in statuses), statuses
    assert statuses["staff_4xx"] == 0, statuses


def test_recalls_sent_together_one_wins_the_others_name_it(served_app):
    served, seeded, url = served_app
    barrier = threading.Barrier(4)

    def recall(_index: int) -> tuple[int, Any]:
        barrier.wait()
        return served.request(
            "POST",
            "/api/v1/recalls",
            {"batch_id": seeded.batch_ids[0], "level": 2, "reason": "黄曲霉毒素超标",
             "instructions": "停止销售，退回经销商"},
            _auth(seeded),
        )  # fmt: skip

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(recall, range(4)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201, 409, 409, 409], answers
    winner = next(body for status, body in answers if status == 201)
    for status, body in answers:
        if status == 409:
            assert f"召回编号 {winner['id']}" in body["message"], body
    # Sent again later: refused too, naming the same recall.
    status, body = served.request(
        "POST",
        "/api/v1/recalls",
        {"batch_id": seeded.batch_ids[0], "level": 1, "reason": "再次召回", "instructions": "停售"},
        _auth(seeded),
    )
    assert status == 409 and f"召回编号 {winner['id']}" in body["message"]
    engine = make_engine(url)
    with Session(engine) as session:
        assert session.scalar(select(func.count()).select_from(Recall)) == 1
    engine.dispose()


def test_one_idempotency_key_sent_at_once_and_again_gives_one_run(served_app):
    served, seeded, url = served_app
    key = uuid.uuid4().hex
    barrier = threading.Barrier(4)
    path = f"/api/v1/batches/{seeded.batch_ids[1]}/label-runs"

    def issue(_index: int) -> tuple[int, Any]:
        barrier.wait()
        return served.request("POST", path, {"count": 50, "idempotency_key": key}, _auth(seeded))

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(issue, range(4)))
    assert {status for status, _ in answers} <= {200, 201}, answers
    assert len({body["id"] for _, body in answers}) == 1, answers
    again_status, again = served.request(
        "POST", path, {"count": 50, "idempotency_key": key}, _auth(seeded)
    )
    assert again_status in (200, 201) and again["id"] == answers[0][1]["id"]
    engine = make_engine(url)
    with Session(engine) as session:
        runs = session.scalar(
            select(func.count()).select_from(LabelRun).where(LabelRun.idempotency_key == key)
        )
        codes = session.scalar(
            select(func.count())
            .select_from(PackCode)
            .where(PackCode.label_run_id == answers[0][1]["id"])
        )
    engine.dispose()
    assert (runs, codes) == (1, 50)

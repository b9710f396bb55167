"""Two people registering the same farmer at the same moment, against the app as served (gunicorn
threads and processes), on SQLite and on PostgreSQL: one record and one duplicate warning (409),
never two records and never a 5xx."""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import SANTAI
from trace.db import make_engine
from trace.models.producers import Producer

ROUNDS = 8


def test_parallel_registrations_of_one_farmer_give_one_record_and_warnings(served_app):
    served, seeded, url = served_app
    headers = {"Authorization": f"Bearer {seeded.token}"}
    outcomes: list[Counter[int]] = []
    names = []
    for round_ in range(ROUNDS):
        clients = 2 if round_ < ROUNDS // 2 else 4
        name = f"并发农户{uuid.uuid4().hex[:6]}（示例）"
        names.append(name)
        # Half the rounds match by name and village, half by phone alone.
        by_phone = round_ % 2 == 1
        phone = f"139{uuid.uuid4().int % 10**8:08d}"
        start = threading.Barrier(clients)

        def register(
            index: int,
            name: str = name,
            phone: str = phone,
            by_phone: bool = by_phone,
            start: threading.Barrier = start,
        ) -> tuple[int, Any]:
            body = {
                "name": f"{name}{index}" if by_phone else name,
                "kind": "farmer",
                "township_code": SANTAI,
                "village": "大箐村",
                "phone": phone,
            }
            start.wait(timeout=30)
            return served.request("POST", "/api/v1/producers", body, headers)

        with ThreadPoolExecutor(clients) as pool:
            answers = list(pool.map(register, range(clients)))
        statuses = Counter(status for status, _ in answers)
        outcomes.append(statuses)
        assert statuses == Counter({201: 1, 409: clients - 1}), answers
        warned = [body for status, body in answers if status == 409]
        assert all(b["message_code"] == "producer.possible_duplicate" for b in warned)
        created = next(body for status, body in answers if status == 201)
        assert all(b["error_codes"]["name"][0]["params"]["ids"] == [created["id"]] for b in warned)

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            for name in names:
                found = session.scalar(
                    select(func.count()).select_from(Producer).where(Producer.name.startswith(name))
                )
                assert found == 1, name
    finally:
        engine.dispose()
    assert len(outcomes) == ROUNDS

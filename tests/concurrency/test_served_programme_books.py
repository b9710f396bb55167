"""Issue 19 served for real: two clients recording station services and spending entries at once
lose no row and double none, on SQLite and on PostgreSQL; two corrections of one entry at once:
one wins, the other is told it was corrected already."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.conftest import SANTAI
from trace.db import make_engine
from trace.models.funding import SpendingEntry
from trace.models.station_activity import ServiceRecord

CLIENTS = 2
SERVICES_EACH = 15
SPENDING_EACH = 6
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _multipart(
    base: str, path: str, token: str, fields: dict[str, str], file: bytes
) -> tuple[int, Any]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        parts.append(f"{head}{value}\r\n".encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="voucher"; filename="v.png"\r\n'
        "Content-Type: image/png\r\n\r\n".encode()
        + file
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    request = urllib.request.Request(
        base + path,
        data=b"".join(parts),
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_two_clients_recording_at_once_lose_and_double_nothing(served_app):
    served, seeded, url = served_app
    auth = {"Authorization": f"Bearer {seeded.token}"}
    status, station = served.request(
        "POST",
        "/api/v1/stations",
        {"name": f"三台乡并发测试站（示例）{uuid.uuid4().hex[:4]}", "tier": "township",
         "township_code": SANTAI},
        auth,
    )  # fmt: skip
    assert status == 201, station

    def client(index: int) -> list[tuple[str, int, Any]]:
        done = []
        for step in range(max(SERVICES_EACH, SPENDING_EACH)):
            if step < SERVICES_EACH:
                status, body = served.request(
                    "POST",
                    "/api/v1/station-services",
                    {"kind": "parcel_in", "parcels": index + 1, "station_id": station["id"]},
                    auth,
                )
                done.append(("service", status, body))
            if step < SPENDING_EACH:
                fields = {
                    "spent_on": "2026-11-20",
                    "payee": f"并发示例单位{index}",
                    "task_code": "supply_chain",
                    "source": "county",
                    "use_category": "equipment",
                    "amount": f"{100 + step}.{index:02d}",
                }
                voucher = PNG + f"{index}-{step}".encode()
                status, body = _multipart(
                    served.base, "/api/v1/funding/spending", seeded.token, fields, voucher
                )
                done.append(("spending", status, body))
        return done

    with ThreadPoolExecutor(CLIENTS) as pool:
        results = [r for batch in pool.map(client, range(CLIENTS)) for r in batch]
    assert {(kind, status) for kind, status, _ in results} == {
        ("service", 201),
        ("spending", 201),
    }, [r for r in results if r[1] != 201][:3]
    service_ids = [body["id"] for kind, _, body in results if kind == "service"]
    spending_ids = [body["id"] for kind, _, body in results if kind == "spending"]
    assert len(set(service_ids)) == len(service_ids) == CLIENTS * SERVICES_EACH
    assert len(set(spending_ids)) == len(spending_ids) == CLIENTS * SPENDING_EACH

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            services = session.scalars(
                select(ServiceRecord).where(ServiceRecord.station_id == station["id"])
            ).all()
            assert sorted(s.id for s in services) == sorted(service_ids)
            assert sum(s.parcels or 0 for s in services) == SERVICES_EACH * (1 + 2)
            stored = session.scalar(
                select(func.count(SpendingEntry.id)).where(SpendingEntry.id.in_(spending_ids))
            )
            assert stored == len(spending_ids)
            total = session.scalar(
                select(func.sum(SpendingEntry.amount_fen)).where(SpendingEntry.id.in_(spending_ids))
            )
            expected = sum(
                (100 + step) * 100 + index
                for index in range(CLIENTS)
                for step in range(SPENDING_EACH)
            )
            assert total == expected
    finally:
        engine.dispose()

    # Two corrections of one entry at once: one replaces it, the other is refused by name.
    target = spending_ids[0]

    def correct(index: int) -> tuple[int, Any]:
        return _multipart(
            served.base,
            f"/api/v1/funding/spending/{target}/corrections",
            seeded.token,
            {"reason": f"并发更正 {index}", "amount": "1.00"},
            PNG + f"correction-{index}".encode(),
        )

    with ThreadPoolExecutor(CLIENTS) as pool:
        outcomes = list(pool.map(correct, range(CLIENTS)))
    statuses = sorted(status for status, _ in outcomes)
    assert statuses == [201, 409], outcomes
    refused = next(body for status, body in outcomes if status == 409)
    assert refused["error_codes"]["corrects_id"][0]["code"] == "funding.already_corrected"

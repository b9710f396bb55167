"""Issue 16.2: every station write is scoped by the township of every record it touches.

The matrix role × township × endpoint, in the manner of test_access_matrix.py: each write a
station account may make at all is tried against records of its own township (三台乡) and of
another (金碧镇), by station staff of each township, QC, admin and the regulator. Station staff
must be refused (403) whenever any record touched lies in another township and must succeed in
their own; the other roles by their permission alone. Each request runs in a savepoint that is
rolled back, so every cell of the matrix starts from the same records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from tests import factories
from tests.conftest import JINBI, SANTAI
from trace.models.users import Role
from trace.policy import PERMISSIONS
from trace.services.recalls import open_recall
from trace.services.training import create_course, create_trainee

TOWNSHIPS = {"own": SANTAI, "other": JINBI}
WHEN = "2025-09-25T10:00:00+08:00"


@dataclass(frozen=True)
class Case:
    name: str
    permission: str
    method: str
    # (records of the township under test, records of 三台乡) -> (path, json body)
    build: Callable[[dict[str, Any], dict[str, Any]], tuple[str, dict[str, Any]]]
    touches_santai: bool = False  # a record of 三台乡 besides the township under test


def _producer_body(t: dict[str, Any], _own: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    body = {"name": "范围测试合作社（示例）", "kind": "cooperative", "township_code": t["code"]}
    return "/api/v1/producers", {**body, "credit_code": factories.credit_code()}


CASES = [
    Case("create producer", "producer.write", "POST", _producer_body),
    Case(
        "edit producer",
        "producer.write",
        "PATCH",
        lambda t, _o: (f"/api/v1/producers/{t['producer']}", {"village": "示例村"}),
    ),
    Case(
        "batch of the township's producer, filed in 三台乡",
        "batch.write",
        "POST",
        lambda t, o: (
            "/api/v1/batches",
            {
                "product_id": o["product"],
                "producer_id": t["producer"],
                "harvested_on": "2025-09-15",
                "quantity": "10",
                "unit": "kg",
                "township_code": SANTAI,
            },
        ),
        touches_santai=True,
    ),
    Case(
        "batch in the township, of a 三台乡 producer",
        "batch.write",
        "POST",
        lambda t, o: (
            "/api/v1/batches",
            {
                "product_id": o["product"],
                "producer_id": o["producer"],
                "harvested_on": "2025-09-15",
                "quantity": "10",
                "unit": "kg",
                "township_code": t["code"],
            },
        ),
        touches_santai=True,
    ),
    Case(
        "event on the township's lot",
        "event.write",
        "POST",
        lambda t, _o: (
            f"/api/v1/batches/{t['batch']}/events",
            {"event_type": "drying", "occurred_at": WHEN, "details": {"moisture_pct": "7"}},
        ),
    ),
    Case(
        "split the township's lot",
        "batch.write",
        "POST",
        lambda t, _o: (
            "/api/v1/lot-operations",
            {
                "kind": "split",
                "occurred_at": WHEN,
                "inputs": [{"batch_id": t["batch"], "quantity": "100"}],
                "outputs": [{"quantity": "60", "unit": "kg"}, {"quantity": "40", "unit": "kg"}],
            },
        ),
    ),
    Case(
        "split a 三台乡 lot into the township's producer",
        "batch.write",
        "POST",
        lambda t, o: (
            "/api/v1/lot-operations",
            {
                "kind": "split",
                "occurred_at": WHEN,
                "inputs": [{"batch_id": o["batch"], "quantity": "100"}],
                "outputs": [
                    {"quantity": "60", "unit": "kg", "producer_id": t["producer"]},
                    {"quantity": "40", "unit": "kg"},
                ],
            },
        ),
        touches_santai=True,
    ),
    Case(
        "recover a quantity of the township's recalled lot",
        "recall.progress",
        "POST",
        lambda t, _o: (
            f"/api/v1/recalls/{t['recall']}/actions",
            {"kind": "recovered", "batch_id": t["recalled"], "quantity": "5"},
        ),
    ),
    Case(
        "a note on the recall of the township's lot",
        "recall.progress",
        "POST",
        lambda t, _o: (f"/api/v1/recalls/{t['recall']}/actions", {"kind": "note", "note": "已"}),
    ),
    Case(
        "training session in the township",
        "training.write",
        "POST",
        lambda t, o: (
            "/api/v1/training/sessions",
            {"course_id": o["course"], "township_code": t["code"], "held_on": "2025-09-01"}
            | {"hours": "2"},
        ),
    ),
    Case(
        "trainee of the township",
        "training.write",
        "POST",
        lambda t, _o: ("/api/v1/training/trainees", {"township_code": t["code"]}),
    ),
    Case(
        "incubation of the township's trainee",
        "training.write",
        "POST",
        lambda t, _o: (
            "/api/v1/training/incubations",
            {"trainee_id": t["trainee"], "started_on": "2025-09-02"},
        ),
    ),
    Case(
        "brand application of the township's producer",
        "brand.apply",
        "POST",
        lambda t, o: (
            "/api/v1/brand-applications",
            {"producer_id": t["producer"], "product_id": o["product"]},
        ),
    ),
]


@pytest.fixture()
def records(db_session, make_user):
    """Per township: a producer, an active lot, a recalled lot under its own recall, a trainee."""
    admin = make_user("admin")
    product = factories.product(db_session, admin)
    course = create_course(db_session, admin, title="电商基础（示例）", kind="general")
    out: dict[str, dict[str, Any]] = {}
    for key, code in TOWNSHIPS.items():
        producer = factories.producer(db_session, admin, township_code=code, village="")
        lot = dict(product_id=product.id, producer_id=producer.id, township_code=code, village="")
        batch = factories.batch(db_session, admin, **lot, quantity=Decimal("100"))
        recalled = factories.batch(db_session, admin, **lot)
        recall = open_recall(db_session, admin, recalled.id, 2, "测试召回", "停止销售")
        trainee = create_trainee(db_session, admin, township_code=code, name="")
        out[key] = {
            "code": code,
            "producer": producer.id,
            "batch": batch.id,
            "recalled": recalled.id,
            "recall": recall.id,
            "trainee": trainee.id,
            "product": product.id,
            "course": course.id,
        }
    db_session.flush()
    return out


CALLERS = [
    ("station", SANTAI),
    ("station", JINBI),
    ("qc", None),
    ("admin", None),
    ("regulator", None),
]


def expected_refusal(role: str, station_of: str | None, case: Case, township: str) -> bool:
    if Role(role) not in PERMISSIONS[case.permission]:
        return True
    if role != "station":
        return False
    touched = {township, SANTAI} if case.touches_santai else {township}
    return touched != {station_of}


def test_station_writes_are_scoped_by_every_township_they_touch(
    client, as_role, records, db_session
):
    failures: list[str] = []
    cells = 0
    for role, township_of_caller in CALLERS:
        headers = as_role(role, township_of_caller)
        for case in CASES:
            for key, target in records.items():
                path, body = case.build(target, records["own"])
                nested = db_session.begin_nested()
                db_session.connection()
                try:
                    answer = client.open(path, method=case.method, json=body, headers=headers)
                finally:
                    if nested.is_active:
                        nested.rollback()
                cells += 1
                refused = expected_refusal(role, township_of_caller, case, target["code"])
                who = f"{role}({township_of_caller or '-'}) {case.name} [{key}]"
                if refused and answer.status_code != 403:
                    failures.append(f"{who}: {answer.status_code}, expected 403")
                elif not refused and answer.status_code not in (200, 201):
                    detail = answer.get_json()
                    failures.append(f"{who}: {answer.status_code} {detail}, expected success")
    assert cells == len(CALLERS) * len(CASES) * len(TOWNSHIPS)
    assert failures == [], "\n".join(failures)


def test_a_station_account_without_a_township_writes_nothing(db_session, make_user):
    from trace.errors import PermissionDeniedError
    from trace.models.users import User
    from trace.policy import authorize

    adrift = make_user("station")
    adrift.township_code = None
    assert isinstance(adrift, User)
    for permission in ("producer.write", "batch.write", "recall.progress"):
        with pytest.raises(PermissionDeniedError):
            authorize(adrift, permission, SANTAI)
    _ = dt  # the module's dates are strings in the bodies above

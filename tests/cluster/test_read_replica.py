"""TRACE_READ_DATABASE_URL: which requests read from the replica. Here the replica is a second
engine on the same database (a real streaming standby is optional and not started by the suite),
so what is checked is the routing: every connection either engine hands out is counted."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.concurrency.conftest import SECRET, Seeded, own_database, seed
from trace import create_app
from trace.db import make_engine
from trace.models.batches import Batch
from trace.web.database import READ_ENGINE_KEY, REPLICA_SAFE

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 Safari/604.1"


@pytest.fixture(scope="module")
def replica_app(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, Seeded, dict[str, str], Counter[str]]]:
    folder: Path = tmp_path_factory.mktemp("replica")
    with own_database(database_url, folder) as url:
        seeded = seed(url, lots=1, packs=10)
        engine = make_engine(url)
        with Session(engine) as session:
            batch = session.get(Batch, seeded.batch_ids[0])
            assert batch is not None
            names = {"lot": batch.lot, "gtin": batch.product.gtin}
        engine.dispose()
        app = create_app(
            {
                "DATABASE_URL": url,
                "READ_DATABASE_URL": url,
                "SECRET_KEY": SECRET,
                "INSTANCE_DIR": str(folder),
                "RATE_LIMITS_ENABLED": False,
                "LOG_REQUESTS": False,
            }
        )
        checkouts: Counter[str] = Counter()
        engines = {
            "primary": app.extensions["trace.engine"],
            "replica": app.extensions[READ_ENGINE_KEY],
        }
        scan_engine = app.extensions.get("trace.scan_engine")  # PostgreSQL's autocommit pool
        if scan_engine is not None:
            engines["scan"] = scan_engine
        for name, each in engines.items():

            def counted(*_: Any, name: str = name) -> None:
                checkouts[name] += 1

            event.listen(each.pool, "checkout", counted)
        yield app, seeded, names, checkouts
        for each in engines.values():
            each.dispose()


def _engines_used(checkouts: Counter[str], call: Any) -> set[str]:
    checkouts.clear()
    call()
    return {name for name, count in checkouts.items() if count}


def test_public_pages_read_from_the_replica(replica_app) -> None:
    app, _, names, checkouts = replica_app
    client = app.test_client()
    for path in (f"/lots/{names['lot']}", f"/products/{names['gtin']}", "/"):
        used = _engines_used(checkouts, lambda path=path: client.get(path))
        assert used == {"replica"}, path


def test_the_scan_never_reads_or_writes_on_the_replica(replica_app) -> None:
    app, seeded, _, checkouts = replica_app
    client = app.test_client()
    for serial in seeded.serials[:3]:
        answer = client.get(
            f"/scan/{serial}", headers={"Accept": "application/json", "User-Agent": PHONE}
        )
        assert answer.status_code == 200
        assert json.loads(answer.data)["verdict"] == "genuine"
    used = _engines_used(
        checkouts, lambda: client.get(f"/scan/{seeded.serials[3]}", headers={"User-Agent": PHONE})
    )
    assert "replica" not in used and used  # the primary (or its scan pool) logged it


def test_writes_and_unmarked_reads_stay_on_the_primary(replica_app) -> None:
    app, seeded, _, checkouts = replica_app
    client = app.test_client()
    auth = {"Authorization": f"Bearer {seeded.token}"}
    used = _engines_used(checkouts, lambda: client.get("/api/v1/batches", headers=auth))
    assert used == {"primary"}
    body = {"name": "副本测试合作社", "kind": "farmer", "township_code": "532326100"}

    def create() -> None:
        answer = client.post("/api/v1/producers", json=body, headers=auth)
        assert answer.status_code in {201, 422}, answer.data  # either way: decided on the primary

    assert _engines_used(checkouts, create) == {"primary"}


def test_the_replica_safe_views_are_the_reviewed_ones(replica_app) -> None:
    app = replica_app[0]
    marked = sorted(e for e, v in app.view_functions.items() if getattr(v, REPLICA_SAFE, False))
    assert marked == [
        "public.batch_page",
        "public.compliance_page",
        "public.home",
        "public.product_page",
        "regulator.audit",
        "regulator.lots",
    ]


def test_without_a_replica_every_request_uses_the_primary(app) -> None:
    assert READ_ENGINE_KEY not in app.extensions
    assert app.config["READ_DATABASE_URL"] is None

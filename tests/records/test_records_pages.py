"""What the public and regulators see: published checkpoints with their key and proofs, the
link from /disclosure, and the regulator's record-keeping page."""

from __future__ import annotations

import re

from sqlalchemy import update

from tests.records.conftest import delete_events, fix_counters, insider, run_cli
from tests.staff.helpers import sign_in, text
from trace.models.events import TraceEvent
from trace.services import checkpoints


def test_published_checkpoint_key_and_a_lots_proof(app, client, db_session, make_lot):
    assert client.get("/transparency/checkpoints/latest.json").status_code == 404
    lots = [make_lot(events=2) for _ in range(3)]
    assert run_cli(app, "checkpoint").exit_code == 0
    latest = client.get("/transparency/checkpoints/latest.json")
    assert latest.status_code == 307 and latest.location.endswith(
        "/transparency/checkpoints/1.json"
    )
    document = client.get("/transparency/checkpoints/1.json")
    assert document.status_code == 200 and "public" in document.headers["Cache-Control"]
    pem = client.get("/transparency/public-key.pem")
    assert pem.status_code == 200 and pem.data.startswith(b"-----BEGIN PUBLIC KEY-----")
    key = checkpoints.load_public_key(pem.data)
    body, leaves = checkpoints.verify_document(document.get_json(), key)
    assert body["lot_count"] == 3 and sorted(leaf[0] for leaf in leaves) == sorted(
        lot.lot for lot in lots
    )
    proof = client.get(f"/transparency/checkpoints/1/lots/{lots[1].lot}.json")
    assert proof.status_code == 200
    assert checkpoints.verify_lot_proof(proof.get_json(), key) == [
        lots[1].lot,
        2,
        leaves[[leaf[0] for leaf in leaves].index(lots[1].lot)][2],
    ]
    assert client.get("/transparency/checkpoints/1/lots/NOPE.json").status_code == 404
    assert client.get("/transparency/checkpoints/2.json").status_code == 404
    listed = client.get("/transparency/checkpoints").get_json()
    assert [c["sequence"] for c in listed["checkpoints"]] == [1]
    assert listed["public_key"].endswith("/transparency/public-key.pem")


def test_disclosure_links_the_latest_checkpoint(app, client, db_session, make_lot):
    make_lot()
    assert run_cli(app, "checkpoint").exit_code == 0
    page = text(client.get("/disclosure"))
    assert 'data-checkpoint="1"' in page and "/transparency/checkpoints/1.json" in page
    assert "/transparency/public-key.pem" in page
    body = client.get("/disclosure", headers={"Accept": "application/json"}).get_json()
    assert body["checkpoint"]["sequence"] == 1
    assert body["checkpoint"]["url"].endswith("/transparency/checkpoints/1.json")


def test_regulator_sees_checkpoint_consistency_and_retention(
    app, client, db_session, make_lot, make_user
):
    sign_in(client, make_user("regulator"))
    empty = text(client.get("/regulator/records"))
    assert "尚未生成检查点" in empty and 'data-consistent="false"' in empty
    kept, cut = make_lot(), make_lot()
    assert run_cli(app, "checkpoint").exit_code == 0
    checkpoints.record_check(db_session, _against_latest(db_session))
    page = text(client.get("/regulator/records"))
    assert 'data-checkpoint="1"' in page
    assert 'data-consistent="true"' in page and 'data-stale="false"' in page
    assert 'data-kind="scan"' in page and 'data-kind="production_event"' in page
    assert "个人信息保护法" in page and "永久保留" in page
    assert not re.search(r">[^<]*\b[a-z]+_[a-z_]+\b[^<]*<", page)  # no snake_case shown

    insider(db_session)
    delete_events(db_session, cut, [4])
    fix_counters(db_session, cut)
    db_session.execute(
        update(TraceEvent)
        .where(TraceEvent.batch_id == kept.id, TraceEvent.sequence == 1)
        .values(location="别处")
        .execution_options(synchronize_session=False)
    )
    checkpoints.record_check(db_session, _against_latest(db_session))
    changed = text(client.get("/regulator/records"))
    assert 'data-consistent="false"' in changed
    assert f'data-lot="{cut.lot}" data-problem="truncated"' in changed
    assert "事件少于检查点时" in changed
    assert f'data-lot="{kept.lot}" data-problem="hash_mismatch"' in changed
    assert client.get("/regulator/records", headers={}).status_code == 200
    english = text(client.get("/regulator/records?lang=en"))
    assert "Record keeping" in english


def test_records_page_is_the_regulators(client, make_user):
    sign_in(client, make_user("station"))
    assert client.get("/regulator/records").status_code == 403


def _against_latest(session):
    document = checkpoints.checkpoint_document(checkpoints.latest_checkpoint(session))
    return checkpoints.check_against(session, document["checkpoint"], document["leaves"])

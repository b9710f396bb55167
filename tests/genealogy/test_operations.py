"""Split, merge and transform through the API: child lots, links, events, quantities and units."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import JINBI
from tests.genealogy.conftest import counts, operation, post_operation, split
from trace.models.batches import Batch, BatchStatus
from trace.models.events import EventType, TraceEvent
from trace.models.genealogy import LotLink

LOT_RE = re.compile(r"^DY\d{3}[A-Z]{2}\d{6}-\d{3}$")


def events_of(session, batch_id):
    return list(
        session.scalars(
            select(TraceEvent).where(TraceEvent.batch_id == batch_id).order_by(TraceEvent.sequence)
        )
    )


def test_split_makes_grade_lots_with_lots_links_and_events(client, as_role, walnuts, db_session):
    body = split(client, as_role("qc"), walnuts, "400", "350", "245")
    assert body["kind"] == "split"
    assert [i["batch_id"] for i in body["inputs"]] == [walnuts.id]
    children = [o["batch_id"] for o in body["outputs"]]
    lots = [o["lot"] for o in body["outputs"]]
    assert len(set(lots)) == 3 and all(LOT_RE.match(lot) for lot in lots)
    # Lots like a harvest batch's: the same township, category and harvest date prefix.
    assert all(lot.startswith(walnuts.lot[:-3]) for lot in lots)
    grades = [db_session.get(Batch, c).grade for c in children]
    assert grades == ["特级", "一级", "二级"]
    links = db_session.scalars(select(LotLink).where(LotLink.parent_batch_id == walnuts.id)).all()
    assert sorted(link.child_batch_id for link in links) == sorted(children)
    # Both sides' chains gain a transforming event naming the other side.
    parent_event = events_of(db_session, walnuts.id)[-1]
    assert parent_event.event_type is EventType.TRANSFORMING
    assert parent_event.details["to"] == lots and parent_event.details["quantity"] == "995"
    first_child_events = events_of(db_session, children[0])
    assert [e.event_type for e in first_child_events] == [EventType.TRANSFORMING]
    assert first_child_events[0].details["from"] == [walnuts.lot]
    assert first_child_events[0].details["grade"] == "特级"


def test_split_outside_tolerance_is_refused_and_writes_nothing(
    client, as_role, walnuts, db_session
):
    before = counts(db_session)
    body = operation(
        "split",
        [{"batch_id": walnuts.id, "quantity": "1000"}],
        [{"quantity": "600", "unit": "kg"}, {"quantity": "380", "unit": "kg"}],  # 2 % lost
    )
    answer = post_operation(client, as_role("qc"), body)
    assert answer.status_code == 422
    assert "outputs" in answer.get_json()["errors"]
    assert "1%" in answer.get_json()["errors"]["outputs"][0]
    assert counts(db_session) == before
    # Within 1 % (scale rounding, samples) it passes.
    body["outputs"][1]["quantity"] = "392"
    assert post_operation(client, as_role("qc"), body).status_code == 201


def test_transform_may_lose_mass_but_never_gain_it(client, as_role, walnuts, db_session, admin):
    kernel = factories.product(db_session, admin, category="walnut_kernel")
    headers = as_role("qc")
    body = operation(
        "transform",
        [{"batch_id": walnuts.id, "quantity": "0.5", "unit": "t"}],  # 500 kg, in tonnes
        [{"quantity": "501", "unit": "kg", "product_id": kernel.id}],
    )
    before = counts(db_session)
    gained = post_operation(client, headers, body)
    assert gained.status_code == 422
    assert gained.get_json()["error_codes"]["outputs"][0]["code"] == "operation.gains"
    assert "多于投入" in gained.get_json()["errors"]["outputs"][0]
    assert counts(db_session) == before
    body["outputs"] = [{"quantity": "230000", "unit": "g", "product_id": kernel.id}]
    made = post_operation(client, headers, body)
    assert made.status_code == 201, made.get_json()
    child = db_session.get(Batch, made.get_json()["outputs"][0]["batch_id"])
    assert child.product_id == kernel.id and child.lot.startswith("DY208HR250915-")
    # The parent has 500 kg left for later operations, and no more.
    too_much = operation(
        "split", [{"batch_id": walnuts.id, "quantity": "501"}], [{"quantity": "501", "unit": "kg"}]
    )
    refused = post_operation(client, headers, too_much)
    assert refused.status_code == 422
    assert "只剩 500 kg，不够 501 kg" in refused.get_json()["errors"]["inputs.0.quantity"][0]


def test_mass_and_count_need_a_declared_factor(client, as_role, db_session, admin):
    honey = factories.product(db_session, admin, category="honey", name="测试蜂蜜（示例）")
    drum = factories.batch(db_session, admin, product_id=honey.id, quantity=Decimal("620"))
    headers = as_role("qc")
    body = operation(
        "transform",
        [{"batch_id": drum.id, "quantity": "620"}],
        [{"quantity": "1200", "unit": "bottle"}],
    )
    no_factor = post_operation(client, headers, body)
    assert no_factor.status_code == 422
    refused = no_factor.get_json()["error_codes"]["outputs.0.kg_per_unit"][0]
    assert refused["code"] == "operation.unit_needs_factor"
    body["outputs"][0]["kg_per_unit"] = "0.6"  # 720 kg from 620: a gain
    assert post_operation(client, headers, body).status_code == 422
    body["outputs"][0]["kg_per_unit"] = "0.5"
    bottled = post_operation(client, headers, body)
    assert bottled.status_code == 201, bottled.get_json()
    out = bottled.get_json()["outputs"][0]
    assert out["unit"] == "bottle" and out["quantity"] == "1200.000" and out["kg_per_unit"]


def test_merge_of_two_producers_names_who_made_it(client, as_role, db_session, admin):
    first = factories.batch(db_session, admin, quantity=Decimal("300"))
    second = factories.batch(
        db_session, admin, quantity=Decimal("200"), product_id=first.product_id
    )
    headers = as_role("qc")
    body = operation(
        "merge",
        [{"batch_id": first.id, "quantity": "300"}, {"batch_id": second.id, "quantity": "200"}],
        [{"quantity": "500", "unit": "kg"}],
    )
    missing = post_operation(client, headers, body)
    assert missing.status_code == 422
    assert "outputs.0.producer_id" in missing.get_json()["errors"]
    body["outputs"][0]["producer_id"] = first.producer_id
    merged = post_operation(client, headers, body)
    assert merged.status_code == 201, merged.get_json()
    child_id = merged.get_json()["outputs"][0]["batch_id"]
    parents = db_session.scalars(
        select(LotLink.parent_batch_id).where(LotLink.child_batch_id == child_id)
    ).all()
    assert sorted(parents) == sorted([first.id, second.id])


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"inputs": [{"batch_id": 987654, "quantity": "1"}]}, "inputs.0.batch_id", 422),
        ({"inputs": [{"batch_id": "x", "quantity": "1"}]}, "inputs", 422),
        ({"outputs": [{"quantity": "-1", "unit": "kg"}]}, "outputs", 422),
        (
            {"outputs": [{"quantity": "1", "unit": "kg", "product_id": 987654}]},
            "outputs.0.product_id",
            422,
        ),
        ({"kind": "explode"}, "kind", 422),
        ({"occurred_at": "2099-01-01T00:00:00+08:00"}, "occurred_at", 422),
        ({"occurred_at": "2025-09-01T00:00:00+08:00"}, "occurred_at", 422),  # before the harvest
        ({"colour": "red"}, "colour", 422),
    ],
)
def test_bad_operations_name_the_field(client, as_role, walnuts, db_session, change, field, status):
    body = operation(
        "split", [{"batch_id": walnuts.id, "quantity": "10"}], [{"quantity": "10", "unit": "kg"}]
    )
    body.update(change)
    before = counts(db_session)
    answer = post_operation(client, as_role("qc"), body)
    assert answer.status_code == status, answer.get_json()
    errors = answer.get_json()["errors"]
    assert any(key == field or key.startswith(field) for key in errors), errors
    assert counts(db_session) == before


def test_a_held_or_recalled_lot_cannot_be_processed(client, as_role, walnuts, db_session):
    walnuts.status = BatchStatus.ON_HOLD
    db_session.flush()
    body = operation(
        "split", [{"batch_id": walnuts.id, "quantity": "10"}], [{"quantity": "10", "unit": "kg"}]
    )
    answer = post_operation(client, as_role("qc"), body)
    assert answer.status_code == 409
    assert "inputs.0.batch_id" in answer.get_json()["errors"]


def test_who_may_record_operations(client, as_role, walnuts):
    body = operation(
        "split", [{"batch_id": walnuts.id, "quantity": "10"}], [{"quantity": "10", "unit": "kg"}]
    )
    assert post_operation(client, {}, body).status_code == 401
    assert post_operation(client, as_role("regulator"), body).status_code == 403
    # Station staff write only in their own township (the lot is in 三台乡).
    assert post_operation(client, as_role("station", JINBI), body).status_code == 403
    assert post_operation(client, as_role("station"), body).status_code == 201


def test_history_and_public_timeline_include_the_ancestors(client, as_role, walnuts, app):
    headers = as_role("qc")
    graded = split(client, headers, walnuts, "600", "400")
    child = graded["outputs"][0]
    history = client.get(f"/api/v1/batches/{child['batch_id']}/history", headers=headers)
    assert history.status_code == 200
    rows = history.get_json()
    assert [r["lot"] for r in rows[:1]] == [walnuts.lot]
    assert rows[0]["event"]["event_type"] == "commissioning" and rows[0]["is_ancestor"]
    assert rows[-1]["lot"] == child["lot"] and not rows[-1]["is_ancestor"]
    app.extensions.pop("trace.public_records", None)
    record = client.get(f"/lots/{child['lot']}", headers={"Accept": "application/json"})
    assert record.status_code == 200
    timeline = record.get_json()["timeline"]
    assert {"lot": walnuts.lot, "type": "commissioning"}.items() <= timeline[0].items()
    assert timeline[-1]["lot"] == child["lot"] and timeline[-1]["type"] == "transforming"


def test_operations_are_listed_and_fetched(client, as_role, walnuts):
    headers = as_role("regulator")
    made = split(client, as_role("qc"), walnuts, "500", "500")
    listed = client.get(f"/api/v1/lot-operations?batch_id={walnuts.id}", headers=headers)
    assert listed.status_code == 200 and listed.get_json()["total"] == 1
    one = client.get(f"/api/v1/lot-operations/{made['id']}", headers=headers)
    assert one.get_json()["outputs"] == made["outputs"]
    assert client.get("/api/v1/lot-operations/987654", headers=headers).status_code == 404


def test_a_parents_later_events_are_not_the_childs_history(
    client, as_role, walnuts, db_session, admin
):
    import datetime as dt

    from trace.services.events import append_event

    headers = as_role("qc")
    graded = split(client, headers, walnuts, "300")  # 700 kg stay in the parent lot
    child_id = graded["outputs"][0]["batch_id"]
    append_event(
        db_session,
        admin,
        walnuts,
        EventType.STORING,
        dt.datetime(2025, 10, 2, 9, tzinfo=dt.UTC),
        "县公共仓储中心",
    )
    db_session.flush()
    rows = client.get(f"/api/v1/batches/{child_id}/history", headers=headers).get_json()
    types = [(r["lot"], r["event"]["event_type"]) for r in rows]
    assert (walnuts.lot, "commissioning") in types
    assert (walnuts.lot, "storing") not in types  # after the split: the rest of the parent's story
    parent_rows = client.get(f"/api/v1/batches/{walnuts.id}/history", headers=headers).get_json()
    assert (walnuts.lot, "storing") in [(r["lot"], r["event"]["event_type"]) for r in parent_rows]
    # The public page of a pack from the child lot tells the same story.
    child_lot = graded["outputs"][0]["lot"]
    client.application.extensions.pop("trace.public_records", None)
    public = client.get(f"/lots/{child_lot}", headers={"Accept": "application/json"}).get_json()
    shown = [(e["lot"], e["type"]) for e in public["timeline"]]
    assert (walnuts.lot, "commissioning") in shown
    assert (walnuts.lot, "storing") not in shown

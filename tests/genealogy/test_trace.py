"""Trace queries both ways through the API: farms upstream; lots, codes, shipments downstream."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import insert, select

from tests import factories
from tests.genealogy.conftest import label, operation, post_operation, release, split
from trace.models.genealogy import LotLink, LotOperation, OperationKind
from trace.services import logistics
from trace.services.trace_query import Direction, lineage_ids


def _grades_and_kernels(client, headers, walnuts, db_session, admin):
    """walnuts -> (A 600, B 400); B -> kernels; A + another harvest -> merged lot."""
    graded = split(client, headers, walnuts, "600", "400")
    a, b = (o["batch_id"] for o in graded["outputs"])
    kernel = factories.product(db_session, admin, category="walnut_kernel")
    cracked = post_operation(
        client,
        headers,
        operation(
            "transform",
            [{"batch_id": b, "quantity": "400"}],
            [{"quantity": "180", "unit": "kg", "product_id": kernel.id}],
        ),
    ).get_json()
    other = factories.batch(
        db_session, admin, quantity=Decimal("300"), product_id=walnuts.product_id
    )
    merged = post_operation(
        client,
        headers,
        operation(
            "merge",
            [{"batch_id": a, "quantity": "600"}, {"batch_id": other.id, "quantity": "300"}],
            [{"quantity": "900", "unit": "kg", "producer_id": walnuts.producer_id}],
        ),
    ).get_json()
    return a, b, cracked["outputs"][0]["batch_id"], merged["outputs"][0]["batch_id"], other


def test_downstream_reaches_every_derived_lot_code_and_shipment(
    client, as_role, walnuts, db_session, admin
):
    headers = as_role("qc")
    _a, _b, kernels, merged, other = _grades_and_kernels(
        client, headers, walnuts, db_session, admin
    )
    label(db_session, admin, kernels, 30)
    label(db_session, admin, walnuts.id, 5)
    release(db_session, admin, merged)  # shipping may come to need an inspection too
    shipment = logistics.create_shipment(
        db_session,
        admin,
        lines=[{"batch_id": merged, "quantity": Decimal("500")}],
        origin_name="县质检中心",
        destination_name="昆明示例商贸（示例）",
        departed_at=dt.datetime(2025, 10, 1, 9, tzinfo=dt.UTC),
    )
    db_session.flush()

    reader = as_role("regulator")
    answer = client.get(f"/api/v1/batches/{walnuts.id}/downstream?per_page=2", headers=reader)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["counts"] == {
        "lots": 4,  # A, B, kernels, merged
        "pack_codes": 35,
        "label_runs": 2,
        "shipments": 1,
        "depth": 2,
        "is_truncated": False,
    }
    assert body["lots"]["total"] == 4 and len(body["lots"]["items"]) == 2
    assert [item["depth"] for item in body["lots"]["items"]] == [1, 1]
    shipments = client.get(
        f"/api/v1/batches/{walnuts.id}/downstream/shipments", headers=reader
    ).get_json()
    assert shipments["total"] == 1
    assert shipments["items"][0]["reference"] == shipment.reference
    assert shipments["items"][0]["destination"] == "昆明示例商贸（示例）"
    assert shipments["items"][0]["lots"][0]["batch_id"] == merged
    runs = client.get(
        f"/api/v1/batches/{walnuts.id}/downstream/label-runs?per_page=1", headers=reader
    ).get_json()
    assert runs["total"] == 2 and len(runs["items"]) == 1 and runs["pages"] == 2
    second = client.get(
        f"/api/v1/batches/{walnuts.id}/downstream?per_page=2&page=2", headers=reader
    ).get_json()
    assert {i["batch"]["id"] for i in second["lots"]["items"]} == {kernels, merged}

    # The other harvest reaches only the merged lot.
    other_down = client.get(f"/api/v1/batches/{other.id}/downstream", headers=reader).get_json()
    assert other_down["counts"]["lots"] == 1 and other_down["counts"]["pack_codes"] == 0


def test_pack_codes_are_counted_and_paginated_never_inlined(
    client, as_role, walnuts, db_session, admin
):
    headers = as_role("qc")
    graded = split(client, headers, walnuts, "500", "500")
    for child in graded["outputs"]:
        label(db_session, admin, child["batch_id"], 150)
    db_session.flush()
    url = f"/api/v1/batches/{walnuts.id}/downstream/pack-codes"
    page = client.get(url + "?per_page=200", headers=headers).get_json()
    assert page["total"] == 300 and len(page["items"]) == 200 and page["pages"] == 2
    last = client.get(url + "?per_page=200&page=2", headers=headers).get_json()
    serials = {i["serial"] for i in page["items"]} | {i["serial"] for i in last["items"]}
    assert len(serials) == 300
    assert client.get(url + "?per_page=5000", headers=headers).status_code == 422


def test_upstream_reaches_every_source_lot_producer_and_farm(
    client, as_role, walnuts, db_session, admin
):
    headers = as_role("qc")
    _a, _b, kernels, merged, other = _grades_and_kernels(
        client, headers, walnuts, db_session, admin
    )
    up = client.get(f"/api/v1/batches/{merged}/upstream", headers=as_role("regulator"))
    assert up.status_code == 200
    body = up.get_json()
    assert {s["id"] for s in body["sources"]} == {walnuts.id, other.id}
    assert {(lot["batch"]["lot"], lot["depth"]) for lot in body["lots"]} >= {
        (walnuts.lot, 2),
        (other.lot, 1),
    }
    assert {p["id"] for p in body["producers"]} == {walnuts.producer_id, other.producer_id}
    assert {f["lot"] for f in body["farms"]} == {walnuts.lot, other.lot}
    assert body["farms"][0]["village"] == "三台村"
    # A harvest lot is its own source.
    own = client.get(f"/api/v1/batches/{walnuts.id}/upstream", headers=headers).get_json()
    assert own["lots"] == [] and [s["id"] for s in own["sources"]] == [walnuts.id]
    kernel_up = client.get(f"/api/v1/batches/{kernels}/upstream", headers=headers).get_json()
    assert [s["id"] for s in kernel_up["sources"]] == [walnuts.id]


def test_unknown_lot_is_404_and_anonymous_401(client, as_role):
    headers = as_role("station")
    for path in (
        "upstream",
        "downstream",
        "downstream/pack-codes",
        "downstream/label-runs",
        "downstream/shipments",
        "history",
    ):
        assert client.get(f"/api/v1/batches/987654/{path}", headers=headers).status_code == 404
        assert client.get(f"/api/v1/batches/987654/{path}").status_code == 401


def test_cycles_in_bad_data_end_at_the_depth_limit(db_session, walnuts, admin, client, as_role):
    """The services never write a cycle; bulk-loaded data could. The walk still ends."""
    child = factories.batch(db_session, admin, product_id=walnuts.product_id)
    op = LotOperation(
        kind=OperationKind.SPLIT,
        occurred_at=dt.datetime(2025, 9, 20, tzinfo=dt.UTC),
    )
    db_session.add(op)
    db_session.flush()
    db_session.execute(
        insert(LotLink),
        [
            {"parent_batch_id": walnuts.id, "child_batch_id": child.id, "operation_id": op.id},
            {"parent_batch_id": child.id, "child_batch_id": walnuts.id, "operation_id": op.id},
        ],
    )
    assert lineage_ids(db_session, walnuts.id, Direction.DOWN) == {walnuts.id: 0, child.id: 1}
    body = client.get(f"/api/v1/batches/{walnuts.id}/downstream", headers=as_role("qc")).get_json()
    assert body["counts"]["is_truncated"] is True
    assert body["counts"]["lots"] == 1  # the lot itself is never counted as its own descendant
    up = client.get(f"/api/v1/batches/{child.id}/upstream", headers=as_role("qc")).get_json()
    assert up["is_truncated"] is True
    assert db_session.scalar(select(LotLink.id).where(LotLink.child_batch_id == walnuts.id))

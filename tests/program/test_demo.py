"""The programme demo data tells a believable 2025 story: partial progress, one cold-chain alert."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from trace.demo import load_demo
from trace.demo.core import VILLAGES
from trace.models.events import EventType, TraceEvent
from trace.models.logistics import Shipment, ShipmentStatus
from trace.models.regions import Village
from trace.models.stations import Station
from trace.models.training import Trainee
from trace.services import metrics, targets
from trace.services.logistics import open_alerts
from trace.services.stations import county_coverage, coverage_by_township


def check_stations_and_coverage(demo):
    tiers = metrics.stations_by_tier(demo)
    assert tiers["county"] == 1 and tiers["township"] == 12 and 35 <= tiers["village"] <= 45
    county = county_coverage(coverage_by_township(demo))
    assert county.pct is not None and Decimal(35) < county.pct < Decimal(50)  # not there yet
    real = {name for _t, _c, name, _p in VILLAGES}
    for village in demo.scalars(select(Village)):
        assert village.name_zh in real or "示例" in village.name_zh
    for station in demo.scalars(select(Station)):
        assert "示例" in station.operator


def check_progress_is_partial(demo):
    rows = {p.target.code: p for p in targets.progress(demo)}
    met = {code for code, p in rows.items() if p.is_met}
    short = {code for code, p in rows.items() if p.is_met is False}
    assert {"cold_store", "public_warehouse", "county_centre", "training_skills_share"} <= met
    assert {"training_total", "village_coverage", "incubation"} <= short
    assert rows["cold_store"].current == Decimal(320)
    assert rows["public_warehouse"].current == Decimal(1200)
    assert Decimal(1000) < rows["training_total"].current < Decimal(3000)


def check_shipments_and_the_open_alert(demo):
    walnut_lot = demo.scalars(select(Shipment).order_by(Shipment.id)).first().lines[0].batch
    kinds = [
        e.event_type
        for e in demo.scalars(
            select(TraceEvent)
            .where(TraceEvent.batch_id == walnut_lot.id)
            .order_by(TraceEvent.sequence)
        )
    ]
    assert kinds.count(EventType.SHIPPING) == 3 and kinds.count(EventType.RECEIVING) == 3
    statuses = {s.status for s in demo.scalars(select(Shipment))}
    assert statuses == {ShipmentStatus.DELIVERED, ShipmentStatus.IN_TRANSIT}
    alerts = open_alerts(demo)
    assert len(alerts) == 1 and alerts[0].reading.temperature_c == Decimal("7.5")


def check_trainees_carry_flags_not_names(demo):
    assert all(t.name == "" for t in demo.scalars(select(Trainee)))


def check_dashboard_page(client):
    html = client.get("/program/dashboard").get_data(as_text=True)
    assert "大姚县农产品冷库（示例）" in html and "7.5" in html
    assert 'class="met"' in html and 'data-status="behind"' in html
    # The turnover growth published on /disclosure is the dashboard's figure for its target.
    turnover = html.split('data-code="ecommerce_turnover_growth"')[1].split("</tr>")[0]
    assert 'data-current="21.4"' in turnover and 'data-source="reported"' in turnover
    retail = html.split('data-code="online_farm_retail_growth"')[1].split("</tr>")[0]
    assert 'data-current="27.1"' in retail and 'data-source="office"' in retail  # corrected
    for code in ("model_enterprises", "households_lifted", "poor_employment_share",
                 "poor_village_coverage", "small_cold_stores", "poverty_products"):  # fmt: skip
        row = html.split(f'data-code="{code}"')[1].split("</tr>")[0]
        assert 'data-source="records"' in row, code


def test_demo_tells_the_2025_story(client, db_session):
    # One test: loading the whole demo takes seconds, so it is loaded once and checked here.
    assert load_demo(db_session) is True
    check_stations_and_coverage(db_session)
    check_progress_is_partial(db_session)
    check_shipments_and_the_open_alert(db_session)
    check_trainees_carry_flags_not_names(db_session)
    check_dashboard_page(client)

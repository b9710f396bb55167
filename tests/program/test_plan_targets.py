"""Every numeric target of the county plan on the dashboard, against its milestones; figures
computed from the records; figures the programme office enters (issue 19)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import pytest
from sqlalchemy import select

from tests import factories
from tests.conftest import JINBI, SANTAI, SHARED
from tests.staff.helpers import csrf_from, sign_in
from trace import clock
from trace.models.audit import AuditEntry
from trace.models.brand import ApplicationStatus, BrandApplication
from trace.models.events import AppendOnlyError
from trace.models.regions import Village
from trace.models.stations import Station
from trace.models.targets import MetricKey, Target, TargetFigureEntry
from trace.services import disclosure, metrics, packaging, poverty_relief, stations, training
from trace.services import logistics as logistics_service
from trace.services import targets as service
from trace.services.targets import Status

PLAN_FILE = SHARED / "data" / "dayao_plan_targets.csv"
COMPARISONS = {">=": "at_least", "<=": "at_most", "=": "equal"}


def plan_rows() -> list[dict[str, str]]:
    with PLAN_FILE.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def dashboard_rows(client, query: str = "") -> dict[str, str]:
    """Each target row of the dashboard page, by code: the row's HTML."""
    html = client.get(f"/program/dashboard{query}").get_data(as_text=True)
    rows = {}
    for match in re.finditer(r'<tr data-code="([a-z0-9_]+)"(.*?)</tr>', html, re.S):
        rows[match.group(1)] = match.group(0)
    return rows


def attribute(row: str, name: str) -> str:
    found = re.search(rf'{name}="([^"]*)"', row)
    assert found is not None, name
    return found.group(1)


def value_of(db_session, code: str) -> Decimal | None:
    by_code = {p.target.code: p for p in service.progress(db_session)}
    return by_code[code].current


def test_every_target_of_the_plan_file_has_its_row_with_the_same_figures(client):
    """Reads shared/data/dayao_plan_targets.csv now: a target added there and not seeded fails."""
    rows = dashboard_rows(client)
    plan = plan_rows()
    assert len(plan) == 32
    missing = [r["code"] for r in plan if r["code"] not in rows]
    assert missing == []
    csv_rows = {
        r["code"]: r
        for r in csv.DictReader(
            io.StringIO(
                client.get("/program/dashboard.csv").get_data(as_text=True).lstrip("\ufeff")
            )
        )
    }
    for target in plan:
        row = rows[target["code"]]
        assert Decimal(attribute(row, "data-target")) == Decimal(target["value"]), target["code"]
        assert attribute(row, "data-milestones") == target["milestones"], target["code"]
        exported = csv_rows[target["code"]]
        assert exported["milestones"] == target["milestones"]
        assert exported["comparison"] == COMPARISONS[target["comparison"]]
        assert exported["baseline_year"] == target["baseline"]
        assert exported["figure_source"] == target["figure_from"]
        assert exported["plan_text_zh"] == target["target_zh"]
        assert exported["area"] == target["area"]
        assert exported["unit"] == target["unit"].replace("m2", "m²").replace("m3", "m³")
        assert Decimal(exported["target_value"]) == Decimal(target["value"])


def _progress(db_session, code: str, current: Decimal | None, today: dt.date):
    target = db_session.scalar(select(Target).where(Target.code == code))
    return service.Progress(target, current, "records", None, today)


def test_a_target_behind_its_milestone_date_is_behind(db_session):
    # training_total: 1,500 person-times by 2019-08-31, 3,000 by 2019-10-31.
    before_first = dt.date(2019, 8, 31)  # the day itself has not passed yet
    after_first = dt.date(2019, 9, 1)
    after_second = dt.date(2019, 11, 1)
    assert _progress(db_session, "training_total", Decimal(1000), before_first).status is (
        Status.ON_TRACK
    )
    assert _progress(db_session, "training_total", Decimal(1000), after_first).status is (
        Status.BEHIND
    )
    assert _progress(db_session, "training_total", Decimal(1600), after_first).status is (
        Status.ON_TRACK
    )
    assert _progress(db_session, "training_total", Decimal(2999), after_second).status is (
        Status.BEHIND
    )
    assert _progress(db_session, "training_total", Decimal(3000), after_second).status is (
        Status.MET
    )
    assert _progress(db_session, "training_total", None, after_second).status is Status.UNMEASURED
    # A share milestone: township stations, 50 % (6) by 2019-08-31.
    assert _progress(db_session, "township_stations", Decimal(6), after_first).status is (
        Status.ON_TRACK
    )
    assert _progress(db_session, "township_stations", Decimal(5), after_first).status is (
        Status.BEHIND
    )
    # A ceiling: over 15 % for the county centre is a breach.
    assert _progress(db_session, "county_centre_share", Decimal(16), after_first).status is (
        Status.BEHIND
    )
    assert _progress(db_session, "county_centre_share", Decimal(12), after_first).status is (
        Status.MET
    )


def test_the_dashboard_shows_behind_after_the_date_and_on_track_before(client, db_session):
    with clock.pinned(dt.datetime(2019, 8, 1, tzinfo=dt.UTC)):
        early = dashboard_rows(client)["training_total"]
    late = dashboard_rows(client)["training_total"]  # today: long after 2019-10-31
    current = value_of(db_session, "training_total")
    assert current is not None and current < 3000
    assert attribute(early, "data-status") == "on_track" and "按进度推进" in early
    assert attribute(late, "data-status") == "behind" and "滞后于时间节点" in late
    assert "2019-08-31 ≥ 1,500 人次" in late and "2019-10-31 ≥ 3,000 人次" in late


# -- figures computed from the records -----------------------------------------------------------


@pytest.fixture()
def enterprise(db_session, admin):
    producer = factories.producer(
        db_session, admin, name="示范合作社（测试）", kind="cooperative", township_code=SANTAI
    )
    return poverty_relief.designate_enterprise(
        db_session, admin, producer.id, dt.date(2025, 3, 1), "县扶贫办认定文件（测试）"
    )


def test_model_enterprises_and_the_households_they_lift_move_with_the_records(
    db_session, admin, enterprise
):
    before = metrics.compute(db_session)
    other = factories.producer(db_session, admin, name="示范企业二（测试）", kind="enterprise")
    poverty_relief.designate_enterprise(db_session, admin, other.id, dt.date(2025, 3, 2), "")
    farmer = factories.producer(
        db_session, admin, name="罗测试", kind="farmer", is_poverty_registered=True
    )
    trainee = training.create_trainee(
        db_session, admin, township_code=SANTAI, is_poverty_registered=True
    )
    poverty_relief.link_household(
        db_session, admin, enterprise.id, linked_on=dt.date(2025, 4, 1), producer_id=farmer.id
    )
    poverty_relief.link_household(
        db_session, admin, enterprise.id, linked_on=dt.date(2025, 4, 1), trainee_id=trainee.id
    )
    after = metrics.compute(db_session)
    assert after[MetricKey.MODEL_ENTERPRISES] == before[MetricKey.MODEL_ENTERPRISES] + 1
    assert after[MetricKey.HOUSEHOLDS_LIFTED] == before[MetricKey.HOUSEHOLDS_LIFTED] + 2
    # A household that leaves the register no longer counts.
    farmer.is_poverty_registered = False
    db_session.flush()
    assert metrics.households_lifted(db_session) == before[MetricKey.HOUSEHOLDS_LIFTED] + 1
    # Only registered households can be linked, and only enterprises or cooperatives designated.
    plain = factories.producer(db_session, admin, name="普通户（测试）", kind="farmer")
    with pytest.raises(Exception) as refused:
        poverty_relief.link_household(
            db_session, admin, enterprise.id, linked_on=dt.date(2025, 4, 1), producer_id=plain.id
        )
    assert "lifted_household.not_registered" in str(refused.value.errors)  # type: ignore[attr-defined]
    with pytest.raises(Exception) as not_firm:
        poverty_relief.designate_enterprise(db_session, admin, plain.id, dt.date(2025, 3, 1), "")
    assert "model_enterprise.not_an_enterprise" in str(not_firm.value.errors)  # type: ignore[attr-defined]


def test_poverty_products_come_from_lots_of_poor_households_or_model_enterprises(
    db_session, admin, enterprise
):
    before = metrics.poverty_products(db_session)
    product = factories.product(db_session, admin, name="扶贫蜂蜜（测试）", category="honey")
    factories.batch(db_session, admin, product_id=product.id, producer_id=enterprise.producer_id)
    assert metrics.poverty_products(db_session) == before + 1
    other = factories.product(db_session, admin, name="普通蜂蜜（测试）", category="honey")
    plain = factories.producer(db_session, admin, name="普通户二（测试）", kind="farmer")
    factories.batch(db_session, admin, product_id=other.id, producer_id=plain.id)
    assert metrics.poverty_products(db_session) == before + 1


def test_public_brand_and_product_brands_are_two_figures(db_session, admin):
    before = metrics.compute(db_session)
    factories.product(db_session, admin, name="昙华蜂蜜（测试）", brand="昙华山（测试）")
    walnut = factories.product(db_session, admin, name="核桃（测试）", brand="县域品牌（测试）")
    producer = factories.producer(db_session, admin, name="品牌申请人（测试）")
    after_products = metrics.compute(db_session)
    assert after_products[MetricKey.PRODUCT_BRANDS] == before[MetricKey.PRODUCT_BRANDS] + 2
    # Once producers are admitted to 县域品牌 it is a public brand, no longer a product brand.
    db_session.add(
        BrandApplication(
            brand="县域品牌（测试）",
            producer_id=producer.id,
            product_id=walnut.id,
            status=ApplicationStatus.APPROVED,
        )
    )
    db_session.flush()
    after = metrics.compute(db_session)
    assert after[MetricKey.PUBLIC_BRANDS] == before[MetricKey.PUBLIC_BRANDS] + 1
    assert after[MetricKey.PRODUCT_BRANDS] == before[MetricKey.PRODUCT_BRANDS] + 1


def test_packaging_designs_count_active_designs(db_session, admin):
    before = metrics.packaging_designs(db_session)
    spec = packaging.create_spec(
        db_session,
        admin,
        design_code="DY-TEST-500",
        name="测试礼盒",
        package_type="gift_box",
        net_content_g=500,
        label_template="a4-3x8",
    )
    assert metrics.packaging_designs(db_session) == before + 1
    spec.is_active = False
    db_session.flush()
    assert metrics.packaging_designs(db_session) == before


def test_poor_village_coverage_follows_villages_marked_poor(db_session, admin):
    poor = [Village(township_code=SANTAI, name_zh=f"贫困测试{n}村", is_poor=True) for n in range(4)]
    no_conditions = Village(
        township_code=SANTAI, name_zh="贫困测试远村", is_poor=True, has_station_conditions=False
    )
    db_session.add_all([*poor, no_conditions])
    db_session.flush()
    eligible = db_session.scalars(
        select(Village).where(Village.is_poor.is_(True), Village.has_station_conditions.is_(True))
    ).all()
    covered = {
        s.village_id
        for s in db_session.scalars(select(Station).where(Station.tier == "village"))
        if s.village_id in {v.id for v in eligible}
    }
    before = metrics.poor_village_coverage_pct(db_session)
    assert before == (Decimal(len(covered) * 100) / len(eligible)).quantize(Decimal("0.1"))
    stations.create_station(
        db_session,
        admin,
        name="贫困测试0村服务点",
        tier="village",
        township_code=SANTAI,
        village="贫困测试0村",
    )
    after = metrics.poor_village_coverage_pct(db_session)
    assert after == (Decimal((len(covered) + 1) * 100) / len(eligible)).quantize(Decimal("0.1"))
    # The village without the conditions for a station is not in the count.
    assert no_conditions.id not in {v.id for v in eligible}


def test_small_cold_stores_and_the_county_centre_area(db_session, admin):
    before = metrics.compute(db_session)
    logistics_service.create_facility(
        db_session,
        admin,
        name="三台村小型冷库（测试）",
        kind="small_cold_store",
        township_code=SANTAI,
        volume_m3=Decimal("30"),
    )
    stations.create_station(
        db_session,
        admin,
        name="县级中心（测试）",
        tier="county",
        township_code=JINBI,
        floor_area_m2=Decimal("500"),
    )
    after = metrics.compute(db_session)
    assert after[MetricKey.SMALL_COLD_STORES] == before[MetricKey.SMALL_COLD_STORES] + 1
    # The big cold store's volume is not the small ones'.
    assert after[MetricKey.COLD_STORE_VOLUME_M3] == before[MetricKey.COLD_STORE_VOLUME_M3]
    assert after[MetricKey.COUNTY_CENTRE_AREA_M2] == before[MetricKey.COUNTY_CENTRE_AREA_M2] + 500


def test_poor_employment_share_takes_each_places_latest_count(db_session, admin, places):
    station = stations.create_station(
        db_session, admin, name="乡镇站（测试）", tier="township", township_code=SANTAI
    )
    helped_before = metrics.poor_people_helped(db_session)
    assert metrics.poor_employment_share_pct(db_session) is None  # nobody counted yet
    poverty_relief.count_staff(
        db_session,
        admin,
        station_id=station.id,
        counted_on=dt.date(2025, 1, 5),
        employees=10,
        poor_employees=0,
    )
    poverty_relief.count_staff(
        db_session,
        admin,
        facility_id=places["centre"].id,
        counted_on=dt.date(2025, 1, 5),
        employees=10,
        poor_employees=1,
    )
    assert metrics.poor_employment_share_pct(db_session) == Decimal("5.0")
    poverty_relief.count_staff(  # the station hires two registered poor people
        db_session,
        admin,
        station_id=station.id,
        counted_on=dt.date(2025, 6, 5),
        employees=10,
        poor_employees=2,
    )
    assert metrics.poor_employment_share_pct(db_session) == Decimal("15.0")
    assert metrics.poor_people_helped(db_session) == helped_before + 3
    with pytest.raises(Exception) as refused:
        poverty_relief.count_staff(
            db_session,
            admin,
            station_id=station.id,
            counted_on=dt.date(2025, 6, 5),
            employees=2,
            poor_employees=3,
        )
    assert "staff_count.poor_over_total" in str(refused.value.errors)  # type: ignore[attr-defined]


def test_job_training_of_poor_and_disabled_counts_skills_and_start_up_classes(db_session, admin):
    courses = {
        kind: training.create_course(db_session, admin, title=f"{kind}（测试）", kind=kind)
        for kind in ("skills", "general")
    }
    sessions = {
        kind: training.create_session(
            db_session,
            admin,
            course_id=course.id,
            township_code=SANTAI,
            held_on=dt.date(2025, 6, 1),
            hours=Decimal("4"),
        )
        for kind, course in courses.items()
    }
    disabled = training.create_trainee(db_session, admin, township_code=SANTAI, is_disabled=True)
    before = metrics.compute(db_session)
    training.record_attendance(db_session, admin, sessions["skills"].id, [disabled.id])
    training.record_attendance(db_session, admin, sessions["general"].id, [disabled.id])
    after = metrics.compute(db_session)
    key = MetricKey.POOR_OR_DISABLED_JOB_TRAINING
    assert after[key] == before[key] + 1
    assert after[MetricKey.TRAINING_PERSON_TIMES] == before[MetricKey.TRAINING_PERSON_TIMES] + 2


# -- figures the programme office enters ---------------------------------------------------------


def _office_target(db_session, code="online_farm_retail_growth") -> Target:
    target = service.target_by_code(db_session, code)
    assert target is not None
    return target


def test_office_figures_are_entered_on_a_phone_form_audited_and_corrected_by_a_new_entry(
    client, db_session, admin
):
    target = _office_target(db_session)
    sign_in(client, admin)
    url = f"/staff/program/targets/{target.id}/figures/new"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'type="month"' in html and 'inputmode="decimal"' in html
    assert '<meta name="viewport"' in html
    missing = client.post(
        url, data={"month": "2025-06", "value": "18.5", "csrf_token": csrf_from(page)}
    )
    assert missing.status_code == 422
    assert db_session.scalar(select(TargetFigureEntry.id)) is None
    sent = client.post(
        url,
        data={
            "month": "2025-06",
            "value": "18.5",
            "source": "农村电子商务大数据平台",
            "evidence": "县商务局统计月报2025年第6期",
            "csrf_token": csrf_from(page),
        },
    )
    assert sent.status_code == 303
    db_session.expire_all()
    entry = db_session.scalar(select(TargetFigureEntry))
    assert (
        entry is not None and entry.value == Decimal("18.5") and entry.month == dt.date(2025, 6, 1)
    )
    audit = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "target_figure.create"))
    assert audit is not None and audit.actor_id == admin.id
    row = dashboard_rows(client)["online_farm_retail_growth"]
    assert attribute(row, "data-current") == "18.5" and attribute(row, "data-source") == "office"
    assert "项目办填报" in row and "截至2025-06" in row
    # A correction is a new entry; the first stays as it was.
    fix_page = client.get(f"{url}?corrects={entry.id}")
    assert "18.5" in fix_page.get_data(as_text=True)
    fixed = client.post(
        f"{url}?corrects={entry.id}",
        data={
            "month": "2025-06",
            "value": "19.2",
            "source": "农村电子商务大数据平台",
            "evidence": "县商务局统计月报2025年第6期（更正）",
            "corrects_id": str(entry.id),
            "csrf_token": csrf_from(fix_page),
        },
    )
    assert fixed.status_code == 303
    db_session.expire_all()
    entries = db_session.scalars(select(TargetFigureEntry).order_by(TargetFigureEntry.id)).all()
    assert [e.value for e in entries] == [Decimal("18.5"), Decimal("19.2")]
    assert entries[1].corrects_id == entries[0].id
    assert attribute(dashboard_rows(client)["online_farm_retail_growth"], "data-current") == "19.2"
    listing = client.get(f"/staff/program/targets/{target.id}/figures").get_data(as_text=True)
    assert "已被更正" in listing and "19.2" in listing


def test_office_entries_are_append_only_and_only_for_office_targets(db_session, admin, make_user):
    target = _office_target(db_session, "ecommerce_outlets_growth")
    entry = service.enter_figure(
        db_session,
        admin,
        target.id,
        month=dt.date(2025, 5, 17),
        value=Decimal("6"),
        source="县市场监管局",
        evidence="市场主体统计表（测试）",
    )
    assert entry.month == dt.date(2025, 5, 1)
    entry.value = Decimal("60")
    with pytest.raises(AppendOnlyError):
        db_session.flush()
    db_session.rollback()
    computed = _office_target(db_session, "training_total")
    with pytest.raises(Exception) as refused:
        service.enter_figure(
            db_session,
            admin,
            computed.id,
            month=dt.date(2025, 5, 1),
            value=Decimal("6"),
            source="x",
            evidence="y",
        )
    assert "target_figure.computed" in str(refused.value.errors)  # type: ignore[attr-defined]
    with pytest.raises(Exception) as future:
        service.enter_figure(
            db_session,
            admin,
            target.id,
            month=clock.local_today() + dt.timedelta(days=40),
            value=Decimal("6"),
            source="x",
            evidence="y",
        )
    assert "month" in future.value.errors  # type: ignore[attr-defined]
    with pytest.raises(Exception) as not_admin:
        service.enter_figure(
            db_session,
            make_user("qc"),
            target.id,
            month=dt.date(2025, 5, 1),
            value=Decimal("6"),
            source="x",
            evidence="y",
        )
    assert type(not_admin.value).__name__ == "PermissionDeniedError"


def test_the_turnover_figure_of_the_disclosure_page_is_on_the_dashboard(client, db_session, admin):
    disclosure.create_figure(
        db_session,
        admin,
        label_zh="电子商务交易额较2018年增长",
        value=Decimal("21.4"),
        target_value=Decimal("35"),
        unit="%",
        as_of=dt.date(2025, 6, 30),
        source="县商务局季度统计",
        target_code="ecommerce_turnover_growth",
    )
    db_session.flush()
    row = dashboard_rows(client)["ecommerce_turnover_growth"]
    assert attribute(row, "data-current") == "21.4" and attribute(row, "data-source") == "reported"
    assert "政务公开数据" in row
    public = client.get("/disclosure").get_data(as_text=True)
    assert 'data-code="ecommerce_turnover_growth" data-source="reported"' in public
    assert "21.4" in public


# -- exports and languages -----------------------------------------------------------------------


def xlsx_sheets(data: bytes) -> tuple[list[str], list[list[object]]]:
    """The workbook's sheet names and its first sheet's cells (numbers as floats), read from
    the zipped XML itself; each cell placed by its reference, blanks as None."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = re.findall(r'<sheet name="([^"]*)"', archive.read("xl/workbook.xml").decode())
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    rows: list[list[object]] = []
    for row in re.findall(r"<row [^>]*>(.*?)</row>", xml, re.S):
        cells: list[object] = []
        for ref, attrs, body in re.findall(r'<c r="([A-Z]+)\d+"([^>]*?)(?:/>|>(.*?)</c>)', row):
            column = 0
            for letter in ref:
                column = column * 26 + ord(letter) - 64
            cells += [None] * (column - 1 - len(cells))
            text = re.sub(r"<[^>]+>", "", body)
            cells.append(text if 't="' in attrs else float(text) if text else None)
        rows.append(cells)
    return names, rows


def test_the_xlsx_carries_every_target_with_its_milestones_and_status(client):
    answer = client.get("/program/dashboard.xlsx")
    assert answer.status_code == 200 and "attachment" in answer.headers["Content-Disposition"]
    names, rows = xlsx_sheets(answer.data)
    header, body = rows[0], rows[1:]
    assert header[0] == "代码" and "时间节点" in header and "状态" in header
    by_code = {r[0]: r for r in body}
    for target in plan_rows():
        assert target["code"] in by_code
    training_row = by_code["training_total"]
    assert "2019-08-31 ≥ 1,500 人次" in training_row[header.index("时间节点")]
    assert training_row[header.index("状态")] in {"滞后于时间节点", "按进度推进", "已达成"}
    assert isinstance(training_row[header.index("当前数值")], float)
    assert len(names) >= 3 and names[0] == "目标进度"  # the targets, then the sections' tables


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return html


def _section(html: str, key: str) -> str:
    return html.split(f'data-section="{key}"')[1].split('<div class="dashboard-section"')[0]


def test_the_chinese_dashboard_has_no_english_and_the_english_one_no_chinese(client):
    chinese = client.get("/program/dashboard").get_data(as_text=True)
    words = set(re.findall(r"[A-Za-z]{2,}", _visible_text(_section(chinese, "targets"))))
    assert words <= {"CSV", "Excel"}, words
    assert "(about 80)" not in chinese and "no figure in the plan" not in chinese
    english = client.get("/program/dashboard?lang=en").get_data(as_text=True)
    shown = _visible_text(_section(english, "targets"))
    assert re.findall(r"[\u4e00-\u9fff]+", shown) == []
    assert "Behind its milestone" in shown or "On track" in shown


def test_the_office_designates_an_enterprise_links_a_household_and_counts_staff_by_forms(
    client, db_session, admin, places
):
    firm = factories.producer(db_session, admin, name="表单示范企业（测试）", kind="enterprise")
    farmer = factories.producer(
        db_session, admin, name="表单农户（测试）", kind="farmer", is_poverty_registered=True
    )
    db_session.flush()
    before = metrics.compute(db_session)
    sign_in(client, admin)
    page = client.get("/staff/program/poverty-relief/enterprises/new")
    assert "表单示范企业（测试）" in page.get_data(as_text=True)
    made = client.post(
        "/staff/program/poverty-relief/enterprises/new",
        data={
            "producer_id": str(firm.id),
            "designated_on": "2025-03-01",
            "csrf_token": csrf_from(page),
        },
    )
    assert made.status_code == 303
    db_session.expire_all()
    enterprise = next(
        e for e in poverty_relief.list_enterprises(db_session, admin) if e.producer_id == firm.id
    )
    url = f"/staff/program/poverty-relief/enterprises/{enterprise.id}/households"
    page = client.get(url)
    linked = client.post(
        url,
        data={
            "producer_id": str(farmer.id),
            "linked_on": "2025-04-01",
            "csrf_token": csrf_from(page),
        },
    )
    assert linked.status_code == 303
    page = client.get("/staff/program/poverty-relief/staff-counts/new")
    wrong = client.post(
        "/staff/program/poverty-relief/staff-counts/new",
        data={
            "place": f"facility:{places['centre'].id}",
            "counted_on": "2025-05-01",
            "employees": "4",
            "poor_employees": "5",
            "csrf_token": csrf_from(page),
        },
    )
    assert wrong.status_code == 422 and "贫困人口人数不能多于从业人员总数" in wrong.get_data(
        as_text=True
    )
    counted = client.post(
        "/staff/program/poverty-relief/staff-counts/new",
        data={
            "place": f"facility:{places['centre'].id}",
            "counted_on": "2025-05-01",
            "employees": "8",
            "poor_employees": "2",
            "csrf_token": csrf_from(page),
        },
    )
    assert counted.status_code == 303
    db_session.expire_all()
    after = metrics.compute(db_session)
    assert after[MetricKey.MODEL_ENTERPRISES] == before[MetricKey.MODEL_ENTERPRISES] + 1
    assert after[MetricKey.HOUSEHOLDS_LIFTED] == before[MetricKey.HOUSEHOLDS_LIFTED] + 1
    assert after[MetricKey.POOR_EMPLOYMENT_SHARE_PCT] is not None
    listing = client.get("/staff/program/poverty-relief").get_data(as_text=True)
    assert "表单示范企业（测试）" in listing and "测试物流配送中心" in listing
    rows = dashboard_rows(client)
    assert attribute(rows["model_enterprises"], "data-current") == str(
        after[MetricKey.MODEL_ENTERPRISES]
    )


def test_the_json_dashboard_carries_status_source_and_milestones(client, as_role):
    rows = {
        r["code"]: r
        for r in client.get("/api/v1/dashboard", headers=as_role("regulator")).get_json()
    }
    training_row = rows["training_total"]
    assert training_row["status"] in {"behind", "on_track", "met"}
    assert training_row["source"] == "records" and training_row["figure_source"] == "records"
    assert [m["due_on"] for m in training_row["milestones"]] == ["2019-08-31", "2019-10-31"]
    assert rows["ecommerce_turnover_growth"]["baseline_year"] == 2018
    assert rows["central_funds"]["metric"] == "central_funds_wan"  # from the funding books


def test_the_office_moves_a_milestone_and_the_status_follows(client, db_session, admin):
    target = _office_target(db_session, "training_total")
    sign_in(client, admin)
    url = f"/staff/program/targets/{target.id}/edit"
    page = client.get(url)
    assert "2019-08-31:1500;2019-10-31:3000" in page.get_data(as_text=True)
    bad = client.post(
        url,
        data={
            "target_value": "3000",
            "unit": "人次",
            "milestones": "明年:1500",
            "csrf_token": csrf_from(page),
        },
    )
    assert bad.status_code == 422 and "格式不对" in bad.get_data(as_text=True)
    later = (clock.local_today() + dt.timedelta(days=90)).isoformat()
    moved = client.post(
        url,
        data={
            "target_value": "3000",
            "unit": "人次",
            "milestones": f"{later}:100%",
            "csrf_token": csrf_from(page),
        },
    )
    assert moved.status_code == 303
    row = dashboard_rows(client)["training_total"]
    assert attribute(row, "data-milestones") == f"{later}:100%"
    assert attribute(row, "data-status") == "on_track"  # the new date has not passed
    audit = db_session.scalar(select(AuditEntry).where(AuditEntry.action == "target.milestones"))
    assert audit is not None and "2019-08-31:1500" in audit.note


def test_the_packaging_page_counts_against_the_target_of_the_plan(db_session, admin):
    target = _office_target(db_session, "grading_packaging_designs")
    service.update_target(db_session, admin, target.id, target_value=Decimal("25"))
    assert packaging.packaging_report(db_session, admin)["target"] == 25


def test_the_seed_adds_a_missing_target_with_its_milestones_and_keeps_the_others(db_session):
    assert service.seed_plan(db_session) == []  # the migration seeded every one
    gone = service.target_by_code(db_session, "small_cold_stores")
    assert gone is not None
    db_session.delete(gone)
    kept = service.target_by_code(db_session, "training_total")
    assert kept is not None
    kept.target_value = Decimal("3300")  # as the office may have changed it
    db_session.flush()
    assert service.seed_plan(db_session) == ["small_cold_stores"]
    back = service.target_by_code(db_session, "small_cold_stores")
    assert back is not None and [service.milestone_notation(m) for m in back.milestones] == [
        "2019-10-31:100%"
    ]
    assert kept.target_value == Decimal("3300")

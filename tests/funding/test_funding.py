"""Funding (issue 19 part 3): budget lines, append-only spending with vouchers and corrections,
the plan's rules checked from data, a breach red on the dashboard, the acceptance exports."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from decimal import Decimal

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from tests.conftest import SHARED
from tests.staff.helpers import sign_in
from tests.staff.helpers import text as page_text
from trace.errors import ConflictError, ValidationError
from trace.models.events import AppendOnlyError
from trace.models.funding import FundingRule, SpendingEntry
from trace.services import funding

WAN = Decimal(10_000)  # 1 万元


def workbook(xlsx: bytes) -> dict[str, list[list[str]]]:
    """Sheet name -> rows of cell texts, without an XLSX library (zipped XML, inline strings)."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as archive:
        names = re.findall(r'<sheet name="([^"]+)"', archive.read("xl/workbook.xml").decode())
        sheets = {}
        for number, name in enumerate(names, start=1):
            xml = archive.read(f"xl/worksheets/sheet{number}.xml").decode()
            rows = []
            for row in re.findall(r"<row [^>]*>(.*?)</row>", xml):
                cells = re.findall(r"<c [^>]*?(?:/>|>(.*?)</c>)", row)
                rows.append([re.sub(r"<[^>]+>", "", cell) for cell in cells])
            sheets[name] = rows
    return sheets


def _check(session, code):
    return next(c for c in funding.check_rules(session) if c.rule.code == code)


def _spend(session, actor, upload_dir, voucher, **data):
    values = {
        "spent_on": dt.date(2026, 11, 2),
        "payee": "大姚示例设备有限公司",
        "task_code": "supply_chain",
        "source": "central",
        "use_category": "equipment",
        "amount": Decimal("1000.00"),
    }
    values.update(data)
    return funding.record_spending(
        session, actor, upload_dir=upload_dir, voucher=voucher(), **values
    )


def _plan(session, actor, **wan):
    """Budget lines in 万元: task=central amount (county lines 0)."""
    for task, amount in wan.items():
        funding.set_budget_line(session, actor, task, "central", Decimal(amount) * WAN)


def _row(html: str, code: str) -> str:
    found = re.search(rf'<tr class="([a-z_]+)" data-rule="{code}" data-status="([a-z_]+)">', html)
    assert found, code
    return found.group(1)


def test_amounts_are_integer_fen_and_never_rounded(db_session, admin):
    assert funding.to_fen(Decimal("12.34")) == 1234
    assert funding.to_fen("1400000") == 140_000_000
    for wrong, code in (("12.345", "funding.amount_places"), ("0", "funding.amount_positive")):
        with pytest.raises(ValidationError) as caught:
            funding.to_fen(wrong)
        assert caught.value.errors["amount"][0].code == code
    line = funding.set_budget_line(db_session, admin, "county_centre", "central", Decimal("0.10"))
    assert line.amount_fen == 10 and isinstance(line.amount_fen, int)


def test_the_county_centre_share_breach_turns_red(client, db_session, admin):
    _plan(db_session, admin, county_centre=300, supply_chain=900, logistics=200)
    check = _check(db_session, "county_centre_share")
    assert check.status == "breach" and check.figures["budget_pct"] == Decimal("21.43")
    html = page_text(client.get("/program/dashboard"))
    assert _row(html, "county_centre_share") == "breach"
    assert "支持县级公共服务中心建设的资金比例不得高于15%" in html
    assert "有 1 条资金使用规定未遵守" in html or "条资金使用规定未遵守" in html
    _plan(db_session, admin, county_centre=200)  # 200 / 1300 = 15.38 %: still over
    assert _check(db_session, "county_centre_share").status == "breach"
    _plan(db_session, admin, county_centre=190)  # 190 / 1290 = 14.73 %
    assert _check(db_session, "county_centre_share").status == "ok"
    html = page_text(client.get("/program/dashboard"))
    assert _row(html, "county_centre_share") == "ok"


def test_the_supply_chain_share_below_half_is_a_breach(client, db_session, admin):
    assert _check(db_session, "supply_chain_share").status == "no_data"
    _plan(db_session, admin, supply_chain=800, logistics=900)
    assert _check(db_session, "supply_chain_share").status == "breach"
    assert _row(page_text(client.get("/program/dashboard")), "supply_chain_share") == "breach"
    _plan(db_session, admin, supply_chain=900, logistics=800)
    assert _check(db_session, "supply_chain_share").status == "ok"


def test_a_forbidden_use_of_central_funds_is_flagged(client, db_session, admin, tmp_path, voucher):
    _plan(db_session, admin, supply_chain=1000)
    fine = _spend(db_session, admin, tmp_path, voucher)
    county_traffic = _spend(
        db_session, admin, tmp_path, voucher, source="county", use_category="traffic"
    )
    assert _check(db_session, "central_no_traffic").status == "ok"  # county money may
    bought = _spend(db_session, admin, tmp_path, voucher, use_category="traffic")
    check = _check(db_session, "central_no_traffic")
    assert check.status == "breach" and check.entries == [bought.id]
    assert fine.id not in check.entries and county_traffic.id not in check.entries
    for use, rule in (
        ("trading_platform", "central_no_trading_platform"),
        ("building", "central_no_buildings"),
        ("running_costs", "central_no_running_costs"),
    ):
        assert _check(db_session, rule).status == "ok"
        entry = _spend(db_session, admin, tmp_path, voucher, use_category=use)
        assert _check(db_session, rule).entries == [entry.id]
    html = page_text(client.get("/program/dashboard"))
    assert _row(html, "central_no_traffic") == "breach"
    assert "中央财政资金不得用于购买流量" in html and f"#{bought.id}" in html
    sign_in(client, admin)
    staff = page_text(client.get("/staff/program/funding"))
    assert f'<tr class="breach" data-entry="{bought.id}">' in staff
    assert f'<tr class="" data-entry="{fine.id}">' in staff


def test_a_correction_is_a_new_entry_and_replaces_the_old_in_totals(
    db_session, admin, tmp_path, voucher
):
    _plan(db_session, admin, supply_chain=1000)
    wrong = _spend(db_session, admin, tmp_path, voucher, use_category="traffic")
    assert _check(db_session, "central_no_traffic").status == "breach"
    fixed = funding.correct_spending(
        db_session,
        admin,
        wrong.id,
        reason="用途录错：实为设备购置",
        upload_dir=tmp_path,
        use_category="equipment",
    )
    assert fixed.corrects_id == wrong.id and fixed.voucher_sha256 == wrong.voucher_sha256
    assert _check(db_session, "central_no_traffic").status == "ok"
    assert db_session.get(SpendingEntry, wrong.id).use_category.value == "traffic"  # kept
    with pytest.raises(ConflictError) as caught:
        funding.correct_spending(db_session, admin, wrong.id, reason="再改", upload_dir=tmp_path)
    assert caught.value.errors["corrects_id"][0].code == "funding.already_corrected"
    withdrawn = funding.correct_spending(
        db_session, admin, fixed.id, reason="撤销", upload_dir=tmp_path, amount=Decimal(0)
    )
    tasks = {t.task.code: t for t in funding.spending_by_task(db_session)}
    assert tasks["supply_chain"].spent_total == 0 and withdrawn.amount_fen == 0


def test_spending_entries_are_append_only(db_session, admin, tmp_path, voucher):
    entry = _spend(db_session, admin, tmp_path, voucher)
    with pytest.raises(AppendOnlyError), db_session.begin_nested():
        entry.amount_fen = 1
        db_session.flush()
    db_session.expire_all()
    assert db_session.get(SpendingEntry, entry.id).amount_fen == 100000
    if db_session.get_bind().dialect.name == "postgresql":
        entry = _spend(db_session, admin, tmp_path, voucher)
        with (
            pytest.raises(DBAPIError, match="append-only table spending_entries"),
            db_session.begin_nested(),
        ):
            db_session.execute(
                update(SpendingEntry).where(SpendingEntry.id == entry.id).values(amount_fen=1)
            )


def test_overspending_a_budget_line_and_the_plan_totals_are_breaches(
    db_session, admin, tmp_path, voucher
):
    _plan(db_session, admin, training=1)  # 1 万元
    _spend(db_session, admin, tmp_path, voucher, task_code="training", amount=Decimal("9000"))
    assert _check(db_session, "earmarked").status == "ok"
    over = _spend(
        db_session, admin, tmp_path, voucher, task_code="training", amount=Decimal("1000.01")
    )
    check = _check(db_session, "earmarked")
    assert check.status == "breach" and over.id in check.entries
    assert _check(db_session, "central_total").status == "ok"
    _plan(db_session, admin, supply_chain=1400)  # 1401 万 of central funds planned
    assert _check(db_session, "central_total").status == "breach"


def test_one_voucher_on_two_entries_is_funding_twice(db_session, admin, tmp_path, voucher):
    same = voucher()
    first = _spend(db_session, admin, tmp_path, lambda: same)
    assert _check(db_session, "no_double_funding").status == "ok"
    second = _spend(db_session, admin, tmp_path, lambda: same, source="county")
    assert _check(db_session, "no_double_funding").entries == [first.id, second.id]


def test_vouchers_are_checked_like_every_upload(client, db_session, admin, as_role, tmp_path):
    with pytest.raises(ValidationError) as caught:
        funding.record_spending(
            db_session, admin, spent_on=dt.date(2026, 11, 1), payee="x", task_code="training",
            source="county", use_category="training", amount=Decimal(1), upload_dir=tmp_path,
            voucher=None,
        )  # fmt: skip
    assert caught.value.errors["voucher"][0].code == "funding.voucher_required"
    headers = as_role("admin")
    form = {
        "spent_on": "2026-11-03",
        "payee": "示例培训机构",
        "task_code": "training",
        "source": "county",
        "use_category": "training",
        "amount": "2500.50",
    }
    fake = {**form, "voucher": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "v.pdf", "application/pdf")}
    refused = client.post("/api/v1/funding/spending", data=fake, headers=headers)
    assert refused.status_code == 422 and "voucher" in refused.get_json()["errors"]
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    good = {**form, "voucher": (io.BytesIO(pdf), "凭证.pdf", "application/pdf")}
    made = client.post("/api/v1/funding/spending", data=good, headers=headers)
    assert made.status_code == 201, made.get_json()
    body = made.get_json()
    assert body["amount_fen"] == 250050 and body["source"] == "county"
    got = client.get(f"/api/v1/funding/spending/{body['id']}/voucher", headers=headers)
    assert got.status_code == 200 and got.data == pdf
    stranger = client.get(f"/api/v1/funding/spending/{body['id']}/voucher")
    assert stranger.status_code == 401
    again = {**form, "voucher": (io.BytesIO(pdf), "凭证.pdf", "application/pdf")}
    station = client.post("/api/v1/funding/spending", data=again, headers=as_role("station"))
    assert station.status_code == 403


def test_the_acceptance_exports_carry_budget_spending_and_checks(
    client, db_session, admin, make_user, tmp_path, voucher
):
    _plan(db_session, admin, county_centre=300, supply_chain=900)
    bad = _spend(db_session, admin, tmp_path, voucher, use_category="building")
    assert client.get("/program/funding/acceptance.xlsx").status_code in (302, 303)
    sign_in(client, make_user("regulator"))
    answer = client.get("/program/funding/acceptance.xlsx")
    assert answer.status_code == 200
    book = workbook(answer.data)
    assert list(book) == ["预算与支出", "支出明细", "规定检查"]
    checks = {row[0]: row for row in book["规定检查"][1:]}
    assert checks["county_centre_share"][2] == "违反"
    assert (
        checks["central_no_buildings"][2] == "违反"
        and f"#{bad.id}" in checks["central_no_buildings"][3]
    )
    spending = book["支出明细"][1:]
    assert spending[0][7] == "1000.00" and "楼堂馆所" in spending[0][12]
    budget = {row[0]: row for row in book["预算与支出"][1:]}
    assert budget["supply_chain"][2] == "9000000.00"
    csv_text = client.get("/program/funding/checks.csv").get_data(as_text=True)
    assert (
        csv_text.startswith("\ufeff")
        and "central_no_buildings,中央财政资金不得用于楼堂馆所建设,违反" in csv_text
    )
    assert client.get("/program/funding/other.csv").status_code == 404
    english = client.get("/program/funding/checks.csv?lang=en").get_data(as_text=True)
    assert "Central funds may not pay for buildings,Breach" in english


def test_the_rules_are_the_plans_and_they_are_data(db_session, admin):
    plan = (SHARED / "data" / "dayao_plan_funding_rules.md").read_text(encoding="utf-8")
    rules = {r.code: r for r in funding.list_rules(db_session)}
    assert "15 %" in plan and rules["county_centre_share"].limit_pct == 15
    assert "50 %" in plan and rules["supply_chain_share"].limit_pct == 50
    assert "1,400 万元" in plan and rules["central_total"].limit_fen == 1400 * 10_000 * 100
    assert "310 万元" in plan and rules["county_total"].limit_fen == 310 * 10_000 * 100
    for words, code in (
        ("网络交易平台", "central_no_trading_platform"),
        ("楼堂馆所建设", "central_no_buildings"),
        ("工作经费", "central_no_running_costs"),
        ("购买流量", "central_no_traffic"),
    ):
        assert words in plan and words in rules[code].text_zh
    _plan(db_session, admin, county_centre=180, supply_chain=1000)
    assert _check(db_session, "county_centre_share").status == "breach"  # 15.25 %
    db_session.execute(
        update(FundingRule).where(FundingRule.code == "county_centre_share").values(limit_pct=16)
    )
    db_session.expire_all()
    assert _check(db_session, "county_centre_share").status == "ok"


def test_the_english_dashboard_words_the_funding_section_in_english(client, db_session, admin):
    _plan(db_session, admin, county_centre=300, supply_chain=900)
    html = page_text(client.get("/program/dashboard?lang=en"))
    section = html[html.index('id="funding"') : html.index('id="station-services"')]
    assert "Funds for the county public service centre: at most 15%" in section
    assert "County e-commerce public service centre" in section
    assert not re.search(r"[\u4e00-\u9fff]", section), re.findall(r"[\u4e00-\u9fff]+", section)


def test_nothing_is_written_when_a_spending_request_fails(client, db_session, as_role):
    before = db_session.scalar(select(text("count(*)")).select_from(SpendingEntry))
    answer = client.post(
        "/api/v1/funding/spending",
        data={"spent_on": "2026-11-03", "payee": "x", "task_code": "nope", "source": "county",
              "use_category": "training", "amount": "1",
              "voucher": (io.BytesIO(b"\x89PNG\r\n\x1a\n...."), "v.png", "image/png")},
        headers=as_role("admin"),
    )  # fmt: skip
    assert answer.status_code == 422
    assert answer.get_json()["error_codes"]["task_code"][0]["code"] == "funding.no_task"
    after = db_session.scalar(select(text("count(*)")).select_from(SpendingEntry))
    assert after == before


def test_the_plans_funding_targets_are_figures_of_the_budget(db_session, admin):
    """The four funding targets of the plan (central 1,400 万元, county 310 万元, the county
    centre's share at most 15 %, the supply chain's at least 50 %) are read from the budget lines:
    a budget line moves them and their status."""
    from trace.services import targets

    def row(code: str) -> targets.Progress:
        return next(p for p in targets.progress(db_session) if p.target.code == code)

    assert row("central_funds").current is None  # nothing budgeted yet: not measured
    _plan(db_session, admin, county_centre=300, supply_chain=900, logistics=200)
    assert row("central_funds").current == Decimal(1400)
    assert row("central_funds").status == "met"
    assert row("county_centre_share").current == Decimal("21.43")
    assert row("county_centre_share").status == "behind"  # over its ceiling
    assert row("supply_chain_share").current == Decimal("64.29")
    assert row("supply_chain_share").status == "met"
    _plan(db_session, admin, county_centre=190)  # 190 / 1290 = 14.73 %
    assert row("county_centre_share").current == Decimal("14.73")
    assert row("county_centre_share").status == "met"
    funding.set_budget_line(db_session, admin, "county_centre", "county", Decimal(310) * WAN)
    assert row("county_funds").current == Decimal(310)

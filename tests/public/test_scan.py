"""The scan page: verdicts from the scan log, what counts, the log's privacy, bounded queries."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import event, select

from tests.public.conftest import add_certificate, add_inspection
from trace import clock
from trace.models.batches import BatchStatus
from trace.models.events import EventType
from trace.models.labels import PackCode
from trace.models.scans import Scan
from trace.services.events import append_event

JSON = {"Accept": "application/json"}


def _scan(client, serial, **kwargs):
    return client.get(f"/scan/{serial}", **kwargs)


def _verdict(html: str) -> str:
    return re.search(r'data-verdict="(\w+)"', html).group(1)


def _new_phone(app, n):
    """A phone never seen before (its own cookie jar), at its own address."""
    phone = app.test_client()
    phone.environ_base["REMOTE_ADDR"] = f"198.51.100.{n}"
    return phone


def _banner_count(html: str) -> int:
    """The scan count as the consumer reads it: in the verdict banner's own words."""
    (banner,) = re.findall(r'<section[^>]*\bid="verdict".*?</section>', html, re.S)
    words = re.sub(r"<[^>]+>", "", banner)
    (count,) = re.findall(r"已被\s*(\d+)\s*位", words)
    return int(count)


def test_first_repeat_then_exceeded(client, labelled, app):
    serial = labelled.serials[0]
    first = _scan(_new_phone(app, 1), serial)
    assert first.status_code == 200 and _verdict(first.get_data(as_text=True)) == "genuine"
    second = _scan(_new_phone(app, 2), serial, headers=JSON).get_json()
    assert second["verdict"] == "repeat" and second["scan_count"] == 2
    assert second["first_scanned_at"] is not None
    third = _scan(_new_phone(app, 3), serial).get_data(as_text=True)
    assert _verdict(third) == "repeat" and _banner_count(third) == 3
    limit = app.config["SCAN_LIMIT"]
    for n in range(limit - 3):
        _scan(_new_phone(app, 10 + n), serial)
    over = _scan(_new_phone(app, 30), serial, headers=JSON).get_json()
    assert over["verdict"] == "exceeded" and over["scan_count"] == limit + 1
    page = _scan(_new_phone(app, 31), serial).get_data(as_text=True)
    assert _verdict(page) == "exceeded" and _banner_count(page) == limit + 2
    assert _scan(client, labelled.serials[1], headers=JSON).get_json()["verdict"] == "genuine"


def test_json_carries_the_public_record(client, labelled):
    body = _scan(client, labelled.serials[0], headers=JSON).get_json()
    assert set(body) >= {"verdict", "scan_count", "first_scanned_at", "record"}
    record = body["record"]
    assert record["lot"] == labelled.batch.lot
    assert record["timeline"][0]["type"] == "commissioning"
    assert record["origin"]["township"] == "三台乡"


def test_head_and_staff_scans_do_not_count(client, labelled, as_role, db_session):
    serial = labelled.serials[0]
    assert client.head(f"/scan/{serial}").status_code == 200
    staff = _scan(client, serial, headers={**JSON, **as_role("qc")}).get_json()
    assert staff["scan_count"] == 0
    public = _scan(client, serial, headers=JSON).get_json()
    assert public["verdict"] == "genuine" and public["scan_count"] == 1
    logged = db_session.scalars(select(Scan).order_by(Scan.id)).all()
    assert [s.is_public for s in logged] == [False, True]  # HEAD left no trace


def test_log_keeps_no_raw_address(client, labelled, db_session):
    _scan(
        client,
        labelled.serials[0],
        environ_base={"REMOTE_ADDR": "203.0.113.7"},
        headers={"User-Agent": "Mozilla/5.0 (iPhone) MicroMessenger/8.0"},
    )
    scan = db_session.scalars(select(Scan)).one()
    assert "203.0.113.7" not in scan.client_hash and len(scan.client_hash) == 32
    assert scan.user_agent_family == "wechat"


def test_void_and_recall(client, labelled, db_session):
    code = db_session.scalar(select(PackCode).where(PackCode.serial == labelled.serials[0]))
    code.status = "void"
    db_session.flush()
    assert _scan(client, labelled.serials[0], headers=JSON).get_json()["verdict"] == "void"
    labelled.batch.status = BatchStatus.RECALLED
    db_session.flush()
    for serial in labelled.serials[:2]:  # a recall overrides void and everything else
        page = _scan(client, serial).get_data(as_text=True)
        assert _verdict(page) == "recalled"


def test_recall_opened_elsewhere_shows_its_notice_at_once(client, labelled, db_session, make_user):
    """Another gunicorn worker opens the recall, so this process's cache is not cleared for it:
    the scan reads the lot's status itself and refreshes the stale record (level, reason, what
    to do), and the lot's page does the same."""
    from trace.services.recalls import open_recall

    first = _scan(client, labelled.serials[0], headers=JSON).get_json()
    assert first["record"]["recall"] is None  # cached now, before the recall
    assert client.get(f"/lots/{labelled.batch.lot}").status_code == 200
    open_recall(
        db_session, make_user("regulator"), labelled.batch.id, 1, "黄曲霉毒素超标", "停止食用"
    )
    db_session.flush()
    body = _scan(client, labelled.serials[1], headers=JSON).get_json()
    assert body["verdict"] == "recalled"
    assert body["record"]["status"] == "recalled"
    assert {"level": 1, "reason": "黄曲霉毒素超标"}.items() <= body["record"]["recall"].items()
    page = _scan(client, labelled.serials[2]).get_data(as_text=True)
    assert _verdict(page) == "recalled" and "黄曲霉毒素超标" in page and "停止食用" in page
    lot_page = client.get(f"/lots/{labelled.batch.lot}", headers=JSON).get_json()
    assert lot_page["recall"]["reason"] == "黄曲霉毒素超标"


def test_unknown_code_is_404_and_says_so(client, labelled):
    answer = _scan(client, "ZZZZZZZZZZ")
    assert answer.status_code == 404
    assert _verdict(answer.get_data(as_text=True)) == "unknown"
    assert _scan(client, "ZZZZZZZZZZ", headers=JSON).get_json()["verdict"] == "unknown"


def test_english_by_query_or_header(client, labelled):
    zh = _scan(client, labelled.serials[0]).get_data(as_text=True)
    assert "正品验证通过" in zh
    en = _scan(client, labelled.serials[1] + "?lang=en&from=a-visitors-query").get_data(
        as_text=True
    )
    assert 'lang="en"' in en
    # The page around the banner is rendered once for everyone: no visitor's query in its links
    # (only the switch's own token, which keeps the switch from counting as a scan).
    assert "a-visitors-query" not in en and 'href="?lang=zh&amp;seen=' in en


def test_query_count_does_not_grow_with_history(
    midnight_clock, client, labelled, db_session, app, engine, make_user
):
    """However long the lot's history (events, lab reports, certificates), a scan that builds the
    whole record (no cache) runs the same few queries; the tests' SAVEPOINTs are not counted."""
    app.config["PUBLIC_CACHE_SECONDS"] = 0
    app.extensions.pop("trace.public_records", None)
    admin = make_user("admin")
    today = clock.local_today()
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    def measure(serial):
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:  # a new phone each time: the first look of a new client is the most work
            assert _scan(app.test_client(), serial).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    add_inspection(db_session, admin, labelled.batch)
    add_certificate(
        db_session,
        admin,
        labelled.batch,
        "12425000000000011",
        today - dt.timedelta(days=5),
        today + dt.timedelta(days=300),
    )
    try:
        short = measure(labelled.serials[0])
        for day in range(40):
            append_event(
                db_session,
                None,
                labelled.batch,
                EventType.STORING,
                dt.datetime(2025, 10, 1, tzinfo=dt.UTC) + dt.timedelta(days=day),
                "县公共仓储中心",
                system=True,
            )
        for _ in range(6):
            add_inspection(db_session, admin, labelled.batch)
        for n in range(3):
            add_certificate(
                db_session,
                admin,
                labelled.batch,
                f"1242500000000002{n}",
                today - dt.timedelta(days=5),
                today + dt.timedelta(days=300),
            )
        db_session.flush()
        long = measure(labelled.serials[1])
        body = _scan(client, labelled.serials[2], headers=JSON).get_json()
    finally:
        app.config["PUBLIC_CACHE_SECONDS"] = 30
        app.extensions.pop("trace.public_records", None)
    assert len(body["record"]["timeline"]) > 40 and len(body["record"]["certificates"]) == 4
    assert long == short, "\n".join(statements)
    # The scan's own 8 (SQLite: code, client, address, 2 registrations, address count, pack
    # count, log; PostgreSQL: one) and the record's.
    assert short <= 17, "\n".join(statements)

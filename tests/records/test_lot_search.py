"""One lot search for staff, regulator and report lists: part of a lot, any case, finds it."""

from __future__ import annotations

import datetime as dt

from tests import factories
from trace.models.feedback import FeedbackReport, ReportKind, ReportStatus
from trace.services.batches import list_batches
from trace.services.feedback import list_reports
from trace.services.oversight import search_lots


def _lots(db_session, make_user):
    admin = make_user("admin")
    product = factories.product(db_session, admin)
    producer = factories.producer(db_session, admin)
    made = [
        factories.batch(
            db_session, admin, product_id=product.id, producer_id=producer.id, harvested_on=day
        )
        for day in (dt.date(2025, 9, 12), dt.date(2025, 9, 12), dt.date(2025, 10, 3))
    ]
    db_session.flush()
    return admin, made


def test_staff_and_regulator_lists_find_a_lot_by_any_part_of_it(db_session, make_user):
    admin, (first, second, other) = _lots(db_session, make_user)
    regulator = make_user("regulator")
    day_part = first.lot[-10:].lower()  # e.g. "250912-001": the date and sequence, lower case
    assert first.lot[-10:] != second.lot[-10:]
    for term, expected in (
        (day_part, {first.lot}),
        (first.lot.lower(), {first.lot}),
        (first.lot[:-4], {first.lot, second.lot}),  # the day's lots, without their sequence
        ("%", set()),  # a wildcard matches only itself
    ):
        staff = {b.lot for b in list_batches(db_session, admin, lot=term).items}
        regulator_view = {b.lot for b in search_lots(db_session, regulator, lot=term).items}
        assert staff == regulator_view == expected, term
    assert other.lot not in {b.lot for b in list_batches(db_session, admin, lot="250912").items}


def test_report_list_uses_the_same_lot_search(db_session, make_user):
    _admin, lots = _lots(db_session, make_user)
    for n, batch in enumerate(lots):
        db_session.add(
            FeedbackReport(
                reference=f"FK-2025-0000000{n}",
                kind=ReportKind.QUALITY,
                description="示例",
                batch_id=batch.id,
                producer_id=batch.producer_id,
                status=ReportStatus.NEW,
            )
        )
    db_session.flush()
    found = list_reports(db_session, make_user("qc"), lot=lots[0].lot[-10:].lower()).items
    assert [r.batch_id for r in found] == [lots[0].id]

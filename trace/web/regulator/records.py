"""/regulator/records (记录保全): the latest signed checkpoint and whether the data was last found
consistent with it, and what each retention rule keeps and what is past its period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import render_template
from flask_babel import lazy_gettext as _l

from trace.db import utcnow
from trace.services import checkpoints, retention
from trace.web.auth import current_actor
from trace.web.database import db
from trace.web.regulator.pages import bp

# A daily job makes the check; one older than this is shown as stale.
CHECK_STALE_AFTER = dt.timedelta(hours=36)

RECORD_KINDS = {
    "production_event": _l("生产记录（追溯事件）"),
    "inspection": _l("检验记录"),
    "sales_record": _l("进货与销售记录（发运、收货）"),
    "compliance_certificate": _l("承诺达标合格证"),
    "audit_entry": _l("操作日志"),
    "scan": _l("扫码日志"),
    "complaint_photo": _l("投诉照片"),
}
COUNTED_FROM = {
    "harvested_on": _l("采收日期"),
    "tested_on": _l("检验日期"),
    "occurred_at": _l("发生时间"),
    "issued_at": _l("开具时间"),
    "at": _l("记录时间"),
    "scanned_at": _l("扫码时间"),
    "closed_at": _l("办结时间"),
}


@bp.get("/records")
def records() -> Any:
    session = db()
    actor = current_actor()
    check = checkpoints.latest_check(session)
    is_stale = check is None or utcnow() - check.checked_at > CHECK_STALE_AFTER
    return render_template(
        "regulator/records.html",
        checkpoint=checkpoints.latest_checkpoint(session),
        check=check,
        is_stale=is_stale,
        due=retention.list_due(session, actor),
        archives=retention.list_archives(session, actor),
        record_kinds=RECORD_KINDS,
        counted_from=COUNTED_FROM,
    )

"""What the programme's staff forms share (issue 8): their blueprint `staff_program` under
/staff/program, the Chinese wording of service messages, and the small form helpers.

trace.web.program.staff, staff_cold_chain, staff_targets and staff_training add their routes to
`bp`; trace.web.program imports all of them before it registers `bp`."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from trace.models.users import User
from trace.services import logistics as logistics_service
from trace.web.auth import current_actor
from trace.web.database import db
from trace.web.forms import Form

bp = Blueprint("staff_program", __name__, url_prefix="/staff/program", template_folder="templates")

PER_PAGE = 50
SHIPMENT_ROWS = 4  # fixed rows: works without JavaScript; a bigger load is several shipments

# Service messages these forms meet that trace.web.forms does not word yet.
_MESSAGES: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"already has a funded station"), _l("该村已有一个获资助的服务点，每村只资助一个")),
    (re.compile(r"^a village station names its village"), _l("村级服务点须填写所在村")),
    (re.compile(r"^only village stations name a village"), _l("只有村级服务点填写村")),
    (re.compile(r"^no (administrative )?village"), _l("本乡镇没有这个村")),
    (re.compile(r"^give the (origin|destination) as a facility"), _l("请选择场所或填写外部单位")),
    (re.compile(r"^is the origin itself"), _l("起点和终点不能相同")),
    (re.compile(r"^no such lot"), _l("没有这个批号")),
    (re.compile(r"^Length must be between 0 and"), _l("太长了")),
]


def _word(form: Form) -> Form:
    """Replace the English service messages left in `form.errors` by their Chinese wording."""
    for name, messages in form.errors.items():
        worded = []
        for message in messages:
            for pattern, text in _MESSAGES:
                if pattern.search(message):
                    message = str(text)
                    break
            worded.append(message)
        form.errors[name] = worded
    return form


def _actor() -> User:
    actor = current_actor()
    assert actor is not None  # the access hook let only signed-in staff through
    return actor


def _form_page(template: str, form: Form, **context: Any) -> tuple[str, int]:
    _word(form)
    return render_template(template, form=form, **context), 200 if form.is_valid else 422


def _posted(lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """The submitted form as a dict; the fields in `lists` (checkbox groups) as lists."""
    data: MultiDict[str, str] = request.form
    values: dict[str, Any] = {k: v for k, v in data.items() if k != "csrf_token"}
    for name in lists:
        values[name] = data.getlist(name)
    return values


def _facility_choices() -> list[tuple[str, str]]:
    page = logistics_service.list_facilities(db(), _actor(), per_page=500)
    return [(str(f.id), f.name) for f in page.items]

"""What the programme's staff forms share (issue 8): their blueprint `staff_program` under
/staff/program, and the small form helpers (service messages are worded by trace.web.forms from
their codes).

trace.web.program.staff, staff_cold_chain, staff_targets and staff_training add their routes to
`bp`; trace.web.program imports all of them before it registers `bp`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from werkzeug.datastructures import MultiDict

from trace.models.users import User
from trace.services import logistics as logistics_service
from trace.web.auth import current_actor
from trace.web.database import db
from trace.web.forms import Form

bp = Blueprint("staff_program", __name__, url_prefix="/staff/program", template_folder="templates")

PER_PAGE = 50
SHIPMENT_ROWS = 4  # fixed rows: works without JavaScript; a bigger load is several shipments


def _actor() -> User:
    actor = current_actor()
    assert actor is not None  # the access hook let only signed-in staff through
    return actor


def _form_page(template: str, form: Form, **context: Any) -> tuple[str, int]:
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

"""The staff dashboard: one's own recent work and what needs attention."""

from __future__ import annotations

import importlib
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, url_for
from flask_babel import lazy_gettext as _l

from trace.errors import PermissionDeniedError
from trace.models.audit import AuditEntry
from trace.models.users import Role
from trace.services import accounts
from trace.services import batches as batch_service
from trace.web import names
from trace.web.auth import current_actor
from trace.web.database import db
from trace.web.i18n import people_date

bp = Blueprint("home", __name__, template_folder="templates")
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OptionalPanel:
    """A dashboard panel fed by a service another module provides, shown once it exists."""

    key: str
    title: Any
    module: str
    function: str


OPTIONAL_PANELS = (
    OptionalPanel(
        "certificates",
        _l("即将到期的证书"),
        "trace.services.certifications",
        "expiring_certificates",
    ),
    OptionalPanel("recalls", _l("进行中的召回"), "trace.services.recalls", "open_recalls"),
    OptionalPanel("reports", _l("待处理的投诉反馈"), "trace.services.feedback", "open_reports"),
)


def _optional_service(panel: OptionalPanel) -> Callable[..., Any] | None:
    """The panel's service function if its module is installed, looked up at call time."""
    try:
        module = importlib.import_module(panel.module)
    except ModuleNotFoundError:
        return None
    function = getattr(module, panel.function, None)
    return function if callable(function) else None


def _call_panel(function: Callable[..., Any]) -> list[Any]:
    """Call `function(session, ...)`, passing `actor` and `limit` only to a function that takes
    them (the modules differ). It may answer a list or a Page; at most 10 items are shown."""
    kwargs: dict[str, Any] = {}
    parameters = inspect.signature(function).parameters
    if "actor" in parameters:
        kwargs["actor"] = current_actor()
    if "limit" in parameters:
        kwargs["limit"] = 10
    result = function(db(), **kwargs)
    items = getattr(result, "items", result)
    return list(items)[:10]


def describe(item: Any) -> str:
    """A one-line label for a record of another module, from the attributes it commonly has."""
    parts = []
    for attribute in ("cert_type", "number", "holder", "name", "title", "lot", "level", "reason"):
        value = getattr(item, attribute, None)
        if attribute == "cert_type" and value is not None:
            parts.append(names.name_of(names.CERT_TYPES, value))
        elif attribute == "level" and value not in (None, ""):
            parts.append(str(_l("%(level)s级召回", level=value)))
        elif value not in (None, ""):
            parts.append(str(getattr(value, "value", value)))
    for attribute in ("valid_to", "expires_on", "started_at", "opened_at"):
        value = getattr(item, attribute, None)
        if value is not None:
            parts.append(people_date(value))
            break
    return " · ".join(parts) or f"#{getattr(item, 'id', '?')}"


# Where the record of one of the user's audit entries is shown.
WORK_LINKS = {
    "producers": ("staff.records.producer", "producer_id"),
    "batches": ("staff.records.batch", "batch_id"),
    "label_runs": ("staff.labels.run", "run_id"),
}


def work_item(entry: AuditEntry) -> tuple[str, str | None]:
    """How one of the user's audit entries reads on the dashboard, and its link if any."""
    name = names.AUDIT_ACTIONS.get(entry.action) or names.RECORD_TYPES.get(entry.entity_type)
    label = f"{name or names.RECORD_TYPES['audit_entries']} #{entry.entity_id}"
    link = WORK_LINKS.get(entry.entity_type)
    if entry.entity_type == "trace_events" and entry.after and entry.after.get("batch_id"):
        return label, url_for("staff.records.batch", batch_id=entry.after["batch_id"])
    if link and entry.entity_id.isdigit():
        values: dict[str, Any] = {link[1]: int(entry.entity_id)}
        return label, url_for(link[0], **values)
    return label, None


@bp.get("/")
def dashboard() -> Any:
    session = db()
    actor = current_actor()
    assert actor is not None
    township = actor.township_code if actor.role is Role.STATION else None
    held = batch_service.list_batches(
        session, actor, per_page=10, status="on_hold", township_code=township
    )
    panels = []
    for panel in OPTIONAL_PANELS:
        function = _optional_service(panel)
        if function is None:
            continue
        try:
            items = _call_panel(function)
        except PermissionDeniedError:
            continue
        panels.append({"key": panel.key, "title": panel.title, "items": items})
    return render_template(
        "staff/dashboard.html",
        work=accounts.recent_work(session, actor, limit=10),
        held=held,
        panels=panels,
        describe=describe,
        work_item=work_item,
    )

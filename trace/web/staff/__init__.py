"""Staff pages under /staff: server-rendered forms and lists for station, QC, admin, regulator."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask

from trace.web.staff import auth, home, labels, records, users
from trace.web.staff.names import ALL, name_of

bp = Blueprint("staff", __name__, url_prefix="/staff")
for child in (auth, home, records, labels, users):
    bp.register_blueprint(child.bp)


@bp.app_template_global()
def display(table: str, value: Any) -> str:
    """`{{ display('units', batch.unit) }}`: the localized name of an enum value."""
    return name_of(ALL[table], value)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

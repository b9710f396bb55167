"""The staff quality pages' blueprint and the helpers its forms share."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from marshmallow import Schema
from marshmallow import ValidationError as SchemaError
from werkzeug.datastructures import FileStorage

from trace.models.users import User
from trace.web import names
from trace.web.auth import current_actor
from trace.web.forms import Form
from trace.web.messages import flat
from trace.web.uploads import upload_arguments

bp = Blueprint("staff_quality", __name__, url_prefix="/staff", template_folder="../templates")


@bp.app_template_global()
def quality_name(table: str, value: Any) -> str:
    """`{{ quality_name('cert_types', c.cert_type) }}`: the localized name of a stored value."""
    key = getattr(value, "value", value)
    return str(names.ALL[table].get(key, key)) if key is not None else ""


# Rows offered on the inspection form; blank ones are ignored, so a short report fits too.
RESULT_ROWS = 6
PER_PAGE = 50


def _actor() -> User:
    actor = current_actor()
    assert actor is not None  # the access hook let only signed-in staff through
    return actor


def _form_page(template: str, form: Form, **context: Any) -> tuple[str, int]:
    return render_template(template, form=form, **context), 200 if form.is_valid else 422


def _load(form: Form, schema: Schema, raw: Mapping[str, Any]) -> dict[str, Any] | None:
    """Validate an already assembled body; errors go to the form under dotted field names."""
    try:
        data: dict[str, Any] = schema.load(raw)
    except SchemaError as exc:
        _add_nested(form, exc.messages, "")
        return None
    return data


def _add_nested(form: Form, messages: Any, prefix: str) -> None:
    for field, problems in flat(messages, prefix).items():
        for found in problems:
            form.add("_form" if field == "_schema" else field, found)


def _filled(form: Form, names: tuple[str, ...]) -> dict[str, str]:
    """The named fields that were filled in, trimmed."""
    out = {}
    for name in names:
        value = form.values.get(name)
        if isinstance(value, str) and value.strip():
            out[name] = value.strip()
    return out


def _uploaded() -> FileStorage | None:
    storage = request.files.get("file")
    return storage if storage is not None and storage.filename else None


def _attach_upload(max_bytes: int, attach: Callable[..., Any]) -> str | None:
    """Store the posted file through `attach(data=, content_type=, filename=, upload_dir=)` as the
    request's transaction: None when stored, else what to show beside the upload."""
    storage = _uploaded()
    if storage is None:
        return _("请选择文件")
    form = Form()
    form.attempt(
        lambda: attach(
            **upload_arguments(storage, max_bytes),
        )
    )
    if form.is_valid:
        return None
    return "；".join(m for messages in form.errors.values() for m in messages)

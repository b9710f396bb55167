"""Producers, products, batches and trace events: lists with search, detail pages, forms."""

from __future__ import annotations

import importlib
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, fields
from marshmallow import ValidationError as SchemaError

from trace.clock import local_now, local_today, zone
from trace.errors import TraceError
from trace.measurements import MEASURES, above_target, measures_of
from trace.models.batches import Unit
from trace.models.producers import Producer, ProducerKind
from trace.models.products import ProductCategory
from trace.models.regions import Township
from trace.models.users import Role, User
from trace.quantities import parse_quantity, to_kg
from trace.schemas import validate
from trace.schemas.common import Integer, StrictSchema, trimmed
from trace.schemas.records import (
    BatchCreateSchema,
    BatchQueryArgsSchema,
    ProducerCreateSchema,
    ProducerQueryArgsSchema,
    ProductCreateSchema,
    ProductQueryArgsSchema,
)
from trace.services import batches as batch_service
from trace.services import compliance, regions
from trace.services import events as event_service
from trace.services import producers as producer_service
from trace.services import products as product_service
from trace.web.auth import current_actor
from trace.web.database import db, rollback
from trace.web.forms import FORM_ERRORS, Form
from trace.web.messages import text as worded
from trace.web.names import STAFF_EVENT_TYPES

bp = Blueprint("records", __name__, template_folder="templates")

PER_PAGE = 20


def _actor() -> User:
    actor = current_actor()
    assert actor is not None  # the access hook let only signed-in staff through
    return actor


def query_args(schema: Schema) -> dict[str, Any]:
    """Search arguments from the query string; a bad one is dropped, not an error page."""
    raw = {k: v for k, v in request.args.items() if v.strip() != "" and k != "lang"}
    try:
        args: dict[str, Any] = schema.load(raw)
    except SchemaError as exc:
        bad = set(exc.messages) if isinstance(exc.messages, dict) else set()
        args = schema.load({k: v for k, v in raw.items() if k not in bad})
    args["per_page"] = PER_PAGE
    return args


def _townships_for(actor: User) -> list[Any]:
    """Townships offered in a form: a station's own only (the service would refuse others)."""
    townships = regions.list_townships(db())
    if actor.role is Role.STATION:
        return [t for t in townships if t.code == actor.township_code]
    return townships


def _form_page(template: str, form: Form, **context: Any) -> tuple[str, int]:
    return render_template(template, form=form, **context), 200 if form.is_valid else 422


# -- producers -----------------------------------------------------------------------------------


@bp.get("/producers")
def producers() -> Any:
    args = query_args(ProducerQueryArgsSchema())
    page = producer_service.list_producers(db(), _actor(), newest_first=True, **args)
    return render_template(
        "staff/producers.html",
        page=page,
        args=args,
        townships=regions.list_townships(db()),
        kinds=[k.value for k in ProducerKind],
    )


@bp.get("/producers/<int:producer_id>")
def producer(producer_id: int) -> Any:
    session = db()
    record = producer_service.get_producer(session, _actor(), producer_id)
    batches = batch_service.list_batches(
        session, _actor(), producer_id=producer_id, per_page=PER_PAGE, newest_first=True
    )
    return render_template("staff/producer.html", producer=record, batches=batches)


@bp.route("/producers/new", methods=["GET", "POST"])
def new_producer() -> Any:
    actor = _actor()
    form = Form(request.form if request.method == "POST" else {"kind": "farmer"})
    if request.method == "GET" and actor.township_code:
        form.values["township_code"] = actor.township_code
    duplicates: list[dict[str, Any]] = []
    if request.method == "POST":
        data = form.load(ProducerCreateSchema(), fields=_PRODUCER_FIELDS)
        if data is not None:
            session = db()
            # The ids of the possible duplicates the page showed and the user confirmed past.
            data.pop("confirm_duplicate", None)
            seen = {
                int(i)
                for i in request.form.get("confirm_duplicate", "").split(",")
                if i.isdigit() and len(i) < 10
            }
            try:
                record = producer_service.create_producer(
                    session, actor, confirm_duplicate=seen, **data
                )
            except producer_service.PossibleDuplicateError as exc:
                duplicates = [_duplicate_card(p) for p in exc.duplicates]
                rollback()
                form.fail(exc)
            except FORM_ERRORS as exc:
                rollback()
                form.fail(exc)
            else:
                session.commit()
                flash(_("已登记生产主体：%(name)s", name=record.name), "ok")
                return redirect(url_for(".producer", producer_id=record.id), 303)
    return _form_page(
        "staff/producer_form.html",
        form,
        townships=_townships_for(actor),
        kinds=[k.value for k in ProducerKind],
        duplicates=duplicates,
        all_townships=regions.list_townships(db()) if duplicates else [],
        confirm_ids=",".join(str(d["id"]) for d in duplicates),
    )


def _duplicate_card(producer: Producer) -> dict[str, Any]:
    """What the warning shows of a registered producer (read before the rollback)."""
    return {
        "id": producer.id,
        "name": producer.name,
        "kind": producer.kind,
        "township_code": producer.township_code,
        "village": producer.village,
        "phone": producer.phone,
        "created_at": producer.created_at,
    }


_PRODUCER_FIELDS = (
    "name",
    "kind",
    "township_code",
    "village",
    "credit_code",
    "phone",
    "is_poverty_registered",
)


# -- products ------------------------------------------------------------------------------------


@bp.get("/products")
def products() -> Any:
    args = query_args(ProductQueryArgsSchema())
    page = product_service.list_products(db(), _actor(), **args)
    return render_template(
        "staff/products.html",
        page=page,
        args=args,
        categories=[c.value for c in ProductCategory],
    )


@bp.route("/products/new", methods=["GET", "POST"])
def new_product() -> Any:
    actor = _actor()
    form = Form(request.form if request.method == "POST" else {"category": "walnut_in_shell"})
    if request.method == "POST":
        data = form.load(ProductCreateSchema())
        if data is not None:
            session = db()
            record = form.attempt(lambda: product_service.create_product(session, actor, **data))
            if record is not None:
                flash(_("已登记产品：%(name)s", name=record.name), "ok")
                return redirect(url_for(".products", q=record.gtin), 303)
    return _form_page(
        "staff/product_form.html", form, categories=[c.value for c in ProductCategory]
    )


# -- batches -------------------------------------------------------------------------------------


class BatchFormSchema(BatchCreateSchema):
    """The API's batch schema, reading ids from form text (the API insists on JSON numbers)."""

    product_id = Integer(required=True)
    producer_id = Integer(required=True)


@bp.get("/batches")
def batches() -> Any:
    args = query_args(BatchQueryArgsSchema())
    if args.get("lot"):
        args["lot"] = args["lot"].upper()
    page = batch_service.list_batches(db(), _actor(), newest_first=True, **args)
    return render_template(
        "staff/batches.html",
        page=page,
        args=args,
        townships=regions.list_townships(db()),
    )


def _label_runs(batch_id: int) -> list[Any] | None:
    """The batch's label runs if the labels module is installed, else None (no panel)."""
    try:
        labels = importlib.import_module("trace.services.labels")
    except ModuleNotFoundError:
        return None
    runs: list[Any] = labels.list_label_runs(db(), _actor(), batch_id)
    return runs


@bp.get("/batches/<int:batch_id>")
def batch(batch_id: int) -> Any:
    session = db()
    record = batch_service.get_batch(session, _actor(), batch_id)
    events = event_service.list_events(session, _actor(), batch_id)
    return render_template(
        "staff/batch.html",
        batch=record,
        events=events,
        label_runs=_label_runs(batch_id),
        township=session.get(Township, record.township_code),
        certificates=compliance.list_certificates(session, _actor(), batch_id),
        certificate_problem=_certificate_problem(session, record),
        measure_labels=MEASURE_LABELS,
        quantity_kg=to_kg(record.quantity, record.unit),
    )


def _certificate_problem(session: Any, record: Any) -> str | None:
    """Why no 合格证 may be issued for the batch now, in the page's language."""
    problem = compliance.certificate_problem(session, record)
    return worded(problem[1]) if problem else None


def _batch_choices(actor: User) -> dict[str, Any]:
    session = db()
    township = actor.township_code if actor.role is Role.STATION else None
    return {
        "products": product_service.list_products(session, actor, per_page=200).items,
        "producers": producer_service.list_producers(
            session, actor, per_page=200, township_code=township
        ).items,
        "townships": _townships_for(actor),
        "units": [u.value for u in Unit],
    }


@bp.route("/batches/new", methods=["GET", "POST"])
def new_batch() -> Any:
    actor = _actor()
    today = local_today()
    defaults = {"unit": "kg", "harvested_on": today.isoformat()}
    if actor.township_code:
        defaults["township_code"] = actor.township_code
    if request.args.get("producer_id", "").isdigit():
        defaults["producer_id"] = request.args["producer_id"]
        _place_of_producer(defaults)
    form = Form(request.form if request.method == "POST" else defaults)
    if request.method == "POST":
        _typed_unit(form)
        if not form.value("village").strip():
            _place_of_producer(form.values, township=False)
        data = form.load(BatchFormSchema(), fields=_BATCH_FIELDS)
        if data is not None:
            session = db()
            record = form.attempt(lambda: batch_service.create_batch(session, actor, **data))
            if record is not None:
                flash(_("已登记批次，批号 %(lot)s", lot=record.lot), "ok")
                return redirect(url_for(".batch", batch_id=record.id), 303)
    return _form_page("staff/batch_form.html", form, **_batch_choices(actor))


def _place_of_producer(values: dict[str, Any], township: bool = True) -> None:
    """The lot's village (and township) default to its producer's: what static/js/batch-form.js
    fills in as soon as a producer is chosen, done here too for pages without script."""
    producer_id = str(values.get("producer_id") or "")
    if not producer_id.isdigit() or int(producer_id) > 2**31 - 1:
        return
    producer = db().get(Producer, int(producer_id))
    if producer is None:
        return
    values["village"] = producer.village
    if township:
        values["township_code"] = producer.township_code


def _typed_unit(form: Form) -> None:
    """A quantity typed with its unit ("320斤") sets the unit: the list's choice is only the
    default the page came with. The API instead refuses a unit that disagrees."""
    try:
        _number, unit = parse_quantity(form.value("quantity"))
    except TraceError:
        return  # the schema says what is wrong with it, beside the field
    if unit is not None:
        form.values["unit"] = unit.value


_BATCH_FIELDS = (
    "product_id",
    "producer_id",
    "harvested_on",
    "quantity",
    "unit",
    "township_code",
    "village",
    "plot",
)


# -- trace events --------------------------------------------------------------------------------


class EventFormSchema(StrictSchema):
    """A hand-recorded event: local date and time (the county's zone), place, a note."""

    event_type = fields.String(required=True, validate=validate.OneOf(STAFF_EVENT_TYPES))
    occurred_at = fields.NaiveDateTime(required=True, format="%Y-%m-%dT%H:%M")
    location = trimmed(200, load_default="")
    note = trimmed(500, load_default="")
    corrects_event_id = Integer(load_default=None)
    # Measured values, as typed ("7.6", "7.6%"); trace.measurements checks them in the service.
    moisture_pct = trimmed(20, load_default="")
    diameter_mm = trimmed(20, load_default="")
    mean_nut_weight_g = trimmed(20, load_default="")
    temperature_c = trimmed(20, load_default="")
    humidity_pct = trimmed(20, load_default="")


MEASURE_KEYS = tuple(m.key for measures in MEASURES.values() for m in measures)
# Each measured value's label and unit sign on the event form and the batch page.
MEASURE_LABELS: dict[str, tuple[Any, str]] = {
    "moisture_pct": (_l("含水率"), "%"),
    "diameter_mm": (_l("果径"), "mm"),
    "mean_nut_weight_g": (_l("平均单果重"), "g"),
    "temperature_c": (_l("温度"), "℃"),
    "humidity_pct": (_l("相对湿度"), "%"),
}


@bp.route("/batches/<int:batch_id>/events/new", methods=["GET", "POST"])
def new_event(batch_id: int) -> Any:
    session = db()
    actor = _actor()
    record = batch_service.get_batch(session, actor, batch_id)
    now = local_now().replace(second=0, microsecond=0, tzinfo=None)
    defaults = {"event_type": "drying", "occurred_at": now.isoformat(timespec="minutes")}
    form = Form(request.form if request.method == "POST" else defaults)
    if request.method == "POST":
        data = form.load(EventFormSchema())
        if (
            data is not None
            and data["event_type"] == "correcting"
            and not data.get("corrects_event_id")
        ):
            form.add("corrects_event_id", "event.corrects_required")
            data = None
        if data is not None:
            note = data.pop("note")
            typed = {key: data.pop(key) for key in MEASURE_KEYS}
            details: dict[str, Any] = {"note": note} if note else {}
            # Only the chosen event's own measures (the others' fields are hidden by script).
            for measure in measures_of(data["event_type"]):
                if typed[measure.key]:
                    details[measure.key] = typed[measure.key]
            try:
                event = event_service.append_event(
                    session,
                    actor,
                    record,
                    data["event_type"],
                    occurred_at=data["occurred_at"].replace(tzinfo=zone()),
                    location=data["location"],
                    details=details,
                    corrects_event_id=data["corrects_event_id"],
                )
            except FORM_ERRORS as exc:
                rollback()
                form.fail(exc)
            else:
                session.commit()
                flash(_("已记录事件。"), "ok")
                for measure in above_target(event.event_type, event.details):
                    if measure.key == "moisture_pct":
                        flash(
                            _(
                                "含水率 %(value)s%% 高于 %(target)s%% 的目标，请继续晾晒后再分级",
                                value=event.details[measure.key],
                                target=measure.target_max,
                            ),
                            "warn",
                        )
                return redirect(url_for(".batch", batch_id=batch_id), 303)
    return _form_page(
        "staff/event_form.html",
        form,
        batch=record,
        event_types=STAFF_EVENT_TYPES,
        events=event_service.list_events(session, actor, batch_id),
        measures={str(t): m for t, m in MEASURES.items()},
        measure_labels=MEASURE_LABELS,
    )

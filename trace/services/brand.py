"""Admission to the 大姚核桃 regional brand: rules as data, applications, reviews, label marks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.db import utcnow
from trace.errors import (
    ConflictError,
    InvalidTransitionError,
    NotFoundError,
    Problem,
    ValidationError,
    problem,
)
from trace.messages import describe
from trace.models.batches import Batch
from trace.models.brand import (
    DAYAO_WALNUT_BRAND,
    ApplicationStatus,
    BrandApplication,
    BrandCheck,
    BrandRule,
)
from trace.models.grading import StandardKind
from trace.models.producers import Producer
from trace.models.products import Product, ProductCategory
from trace.policy import Actor, authorize
from trace.services.audit import record_change, snapshot
from trace.services.grading import BELOW_GRADE, current_standard, find_grade, latest_grading
from trace.services.inspections import latest_inspection_of
from trace.services.pages import Page, paginate

DAYAO_COUNTY_CODE = "532326"
WALNUT_CATEGORIES = frozenset({ProductCategory.WALNUT_IN_SHELL, ProductCategory.WALNUT_KERNEL})
OPEN_STATUSES = (ApplicationStatus.PENDING, ApplicationStatus.APPROVED)


def label_marks(session: Session, producer: Producer, product: Product) -> tuple[bool, bool]:
    """(may carry the 大姚核桃 brand mark, may carry the GI mark) for this producer's product.

    The brand mark needs an approved, not suspended admission of this producer and product; the
    GI mark needs a producer recorded as an authorised GI-mark user and a walnut product.
    """
    admitted = session.scalar(
        select(BrandApplication.id)
        .where(
            BrandApplication.brand == DAYAO_WALNUT_BRAND,
            BrandApplication.producer_id == producer.id,
            BrandApplication.product_id == product.id,
            BrandApplication.status == ApplicationStatus.APPROVED,
        )
        .limit(1)
    )
    gi = bool(producer.is_gi_authorised) and product.category in WALNUT_CATEGORIES
    return admitted is not None, gi


# --- rules -----------------------------------------------------------------------------------


def _check_params(kind: BrandCheck, params: dict[str, Any]) -> None:
    if kind is BrandCheck.ORIGIN_IN_COUNTY:
        code = params.get("county_code", "")
        if not (isinstance(code, str) and code.isdigit() and len(code) == 6):
            raise ValidationError.for_field("params", "brand_rule.county_code")
    if kind is BrandCheck.MIN_GRADE:
        if not isinstance(params.get("grade"), str) or not params["grade"]:
            raise ValidationError.for_field("params", "brand_rule.grade")
        categories = params.get("product_categories", [])
        valid = {c.value for c in ProductCategory}
        if not isinstance(categories, list) or not set(categories) <= valid:
            raise ValidationError.for_field("params", "brand_rule.categories")


def create_rule(session: Session, actor: Actor | None, **data: Any) -> BrandRule:
    """Add an admission rule. Raises ValidationError (params), ConflictError, PermissionDenied."""
    authorize(actor, "brand.review")
    data["kind"] = BrandCheck(data["kind"])
    data.setdefault("params", {})
    _check_params(data["kind"], data["params"])
    clash = session.scalar(
        select(BrandRule.id).where(BrandRule.brand == data["brand"], BrandRule.kind == data["kind"])
    )
    if clash is not None:
        raise ConflictError("brand_rule.exists", {"kind": ["brand_rule.exists"]})
    rule = BrandRule(**data)
    session.add(rule)
    record_change(session, actor, "brand_rule.create", rule)
    return rule


def update_rule(session: Session, actor: Actor | None, rule_id: int, **changes: Any) -> BrandRule:
    """Change a rule's parameters, wording or whether it applies. Raises NotFoundError,
    ValidationError, PermissionDeniedError."""
    authorize(actor, "brand.review")
    rule = session.get(BrandRule, rule_id)
    if rule is None:
        raise NotFoundError(problem("brand_rule.not_found", id=rule_id))
    if "params" in changes:
        _check_params(rule.kind, changes["params"])
    before = snapshot(rule)
    for key, value in changes.items():
        setattr(rule, key, value)
    record_change(session, actor, "brand_rule.update", rule, before)
    return rule


def list_rules(session: Session, actor: Actor | None, brand: str | None = None) -> list[BrandRule]:
    authorize(actor, "record.read")
    query = select(BrandRule).order_by(BrandRule.id)
    if brand:
        query = query.where(BrandRule.brand == brand)
    return list(session.scalars(query))


# --- evaluation ------------------------------------------------------------------------------


def _batch_ids(session: Session, producer: Producer, product: Product) -> list[int]:
    query = select(Batch.id).where(Batch.producer_id == producer.id, Batch.product_id == product.id)
    return list(session.scalars(query))


def _origin(
    session: Session, rule: BrandRule, producer: Producer, product: Product
) -> tuple[bool, Problem]:
    county = str(rule.params.get("county_code", DAYAO_COUNTY_CODE))
    if not producer.township_code.startswith(county):
        return False, problem(
            "brand_rule.origin_township_outside", township=producer.township_code, county=county
        )
    outside = session.scalars(
        select(Batch.lot).where(
            Batch.producer_id == producer.id,
            Batch.product_id == product.id,
            Batch.township_code.not_like(f"{county}%"),
        )
    ).all()
    if outside:
        return False, problem("brand_rule.origin_lots_outside", county=county, lots=list(outside))
    return True, problem("brand_rule.origin_inside", county=county)


def _inspection(session: Session, batch_ids: Sequence[int]) -> tuple[bool, Problem]:
    latest = latest_inspection_of(session, batch_ids)
    if latest is None:
        return False, problem("brand_rule.no_inspection")
    verdict = "brand_rule.inspection_passed" if latest.passed else "brand_rule.inspection_failed"
    return latest.passed, problem(verdict, report=latest.report_no)


def _grade(
    session: Session, rule: BrandRule, product: Product, batch_ids: Sequence[int]
) -> tuple[bool, Problem]:
    wanted = str(rule.params.get("grade", ""))
    categories = rule.params.get("product_categories") or []
    if categories and product.category.value not in categories:
        return True, problem("brand_rule.grade_not_required", category=product.category.value)
    grading = latest_grading(session, batch_ids)
    if grading is None:
        return False, problem("brand_rule.no_grading")
    standard = grading.standard
    floor = find_grade(standard, wanted)
    if floor is None:
        current = current_standard(session, StandardKind.GRADE, product.category)
        floor = find_grade(current, wanted) if current is not None else None
    if floor is None:
        return False, problem("brand_rule.grade_unknown", grade=wanted, standard=standard.label)
    met = find_grade(standard, grading.grade) if grading.grade != BELOW_GRADE else None
    if met is None or met.rank > floor.rank:
        return False, problem("brand_rule.grade_below", grade=grading.grade, floor=floor.name)
    return True, problem("brand_rule.grade_met", grade=grading.grade, floor=floor.name)


def evaluate_rules(
    session: Session, brand: str, producer: Producer, product: Product
) -> list[dict[str, Any]]:
    """Every active rule of the brand checked now: [{kind, passed, reason, reason_code}]: the
    reason in Chinese words (stored with the application as it was decided) and as its message
    code and parameters (pages word it in their language)."""
    batch_ids = _batch_ids(session, producer, product)
    results = []
    for rule in session.scalars(
        select(BrandRule)
        .where(BrandRule.brand == brand, BrandRule.is_active.is_(True))
        .order_by(BrandRule.id)
    ):
        if rule.kind is BrandCheck.ORIGIN_IN_COUNTY:
            passed, reason = _origin(session, rule, producer, product)
        elif rule.kind is BrandCheck.LATEST_INSPECTION_PASSED:
            passed, reason = _inspection(session, batch_ids)
        else:
            passed, reason = _grade(session, rule, product, batch_ids)
        results.append(
            {
                "kind": rule.kind.value,
                "passed": passed,
                "reason": describe(reason),
                "reason_code": reason.as_json(),
            }
        )
    return results


# --- applications ----------------------------------------------------------------------------


def apply_for_brand(
    session: Session,
    actor: Actor | None,
    *,
    producer_id: int,
    product_id: int,
    brand: str = DAYAO_WALNUT_BRAND,
    note: str = "",
) -> BrandApplication:
    """File a producer's application to use the brand on a product (station staff: own township).

    Raises ValidationError (producer_id, product_id, brand), ConflictError (an open application
    exists), PermissionDeniedError.
    """
    authorize(actor, "brand.apply")
    # Locked: two applications for one producer sent at once must not both find none open.
    producer = session.scalar(
        select(Producer)
        .where(Producer.id == producer_id)
        .with_for_update(of=Producer)
        .execution_options(populate_existing=True)
    )
    if producer is None:
        raise ValidationError.for_field("producer_id", "producer.no_such")
    authorize(actor, "brand.apply", producer.township_code)
    product = session.get(Product, product_id)
    if product is None:
        raise ValidationError.for_field("product_id", "product.no_such")
    has_rules = session.scalar(
        select(BrandRule.id).where(BrandRule.brand == brand, BrandRule.is_active.is_(True))
    )
    if has_rules is None:
        raise ValidationError.for_field("brand", "brand.no_rules", brand=brand)
    open_one = session.scalar(
        select(BrandApplication.id).where(
            BrandApplication.brand == brand,
            BrandApplication.producer_id == producer.id,
            BrandApplication.product_id == product.id,
            BrandApplication.status.in_(OPEN_STATUSES),
        )
    )
    if open_one is not None:
        raise ConflictError(
            problem("brand_application.open_exists", id=open_one),
            {"product_id": [problem("brand_application.open_exists", id=open_one)]},
        )
    application = BrandApplication(
        brand=brand,
        producer_id=producer.id,
        product_id=product.id,
        note=note,
        rule_results=evaluate_rules(session, brand, producer, product),
        filed_by_id=actor.id if actor is not None else None,
    )
    session.add(application)
    record_change(session, actor, "brand_application.create", application)
    return application


def _locked(session: Session, application_id: int) -> BrandApplication:
    """The application locked for this transaction and read afresh: two reviewers deciding at
    once get one decision and one refusal, never two decisions."""
    application = session.scalar(
        select(BrandApplication)
        .where(BrandApplication.id == application_id)
        .with_for_update(of=BrandApplication)
        .execution_options(populate_existing=True)
    )
    if application is None:
        raise NotFoundError(problem("brand_application.not_found", id=application_id))
    return application


def _pending(session: Session, actor: Actor | None, application_id: int) -> BrandApplication:
    authorize(actor, "brand.review")
    application = _locked(session, application_id)
    if application.status is not ApplicationStatus.PENDING:
        raise InvalidTransitionError(
            problem(
                "brand_application.not_pending",
                status=application.status.value,
            ),
            {"status": [problem("brand_application.not_pending", status=application.status.value)]},
        )
    return application


def approve_application(
    session: Session, actor: Actor | None, application_id: int, note: str = ""
) -> BrandApplication:
    """Admit the producer's product, only if every active rule is met now.

    Raises NotFoundError, InvalidTransitionError (not pending; each failing rule named),
    PermissionDeniedError.
    """
    application = _pending(session, actor, application_id)
    results = evaluate_rules(session, application.brand, application.producer, application.product)
    failing = {
        r["kind"]: [Problem(r["reason_code"]["code"], r["reason_code"]["params"])]
        for r in results
        if not r["passed"]
    }
    if failing:
        raise InvalidTransitionError(
            problem("brand_application.rules_not_met", rules=sorted(failing)), failing
        )
    before = snapshot(application)
    application.status = ApplicationStatus.APPROVED
    application.rule_results = results
    application.decision_reasons = [note] if note else []
    application.reviewed_by_id = actor.id if actor is not None else None
    application.reviewed_at = utcnow()
    record_change(session, actor, "brand_application.approve", application, before)
    return application


def reject_application(
    session: Session, actor: Actor | None, application_id: int, reasons: Sequence[str]
) -> BrandApplication:
    """Refuse admission with reasons. Raises NotFoundError, ValidationError (reasons),
    InvalidTransitionError, PermissionDeniedError."""
    application = _pending(session, actor, application_id)
    if not [r for r in reasons if r.strip()]:
        raise ValidationError.for_field("reasons", "brand_application.reason_required")
    before = snapshot(application)
    application.status = ApplicationStatus.REJECTED
    application.rule_results = evaluate_rules(
        session, application.brand, application.producer, application.product
    )
    application.decision_reasons = [r.strip() for r in reasons if r.strip()]
    application.reviewed_by_id = actor.id if actor is not None else None
    application.reviewed_at = utcnow()
    record_change(session, actor, "brand_application.reject", application, before)
    return application


def suspend_application(
    session: Session, actor: Actor | None, application_id: int, reason: str
) -> BrandApplication:
    """Withdraw an admitted product's brand mark. Raises NotFoundError, InvalidTransitionError
    (not approved), PermissionDeniedError."""
    authorize(actor, "brand.review")
    application = _locked(session, application_id)
    if application.status is not ApplicationStatus.APPROVED:
        raise InvalidTransitionError(
            problem(
                "brand_application.not_approved",
                status=application.status.value,
            ),
            {
                "status": [
                    problem("brand_application.not_approved", status=application.status.value)
                ]
            },
        )
    before = snapshot(application)
    application.status = ApplicationStatus.SUSPENDED
    application.suspension_reason = reason
    application.suspended_by_id = actor.id if actor is not None else None
    application.suspended_at = utcnow()
    record_change(session, actor, "brand_application.suspend", application, before)
    return application


def get_application(session: Session, actor: Actor | None, application_id: int) -> BrandApplication:
    authorize(actor, "record.read")
    application = session.get(BrandApplication, application_id)
    if application is None:
        raise NotFoundError(problem("brand_application.not_found", id=application_id))
    return application


def list_applications(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    status: str | None = None,
    producer_id: int | None = None,
    product_id: int | None = None,
    brand: str | None = None,
) -> Page[BrandApplication]:
    authorize(actor, "record.read")
    query = select(BrandApplication).order_by(BrandApplication.id)
    if status:
        query = query.where(BrandApplication.status == ApplicationStatus(status))
    if producer_id is not None:
        query = query.where(BrandApplication.producer_id == producer_id)
    if product_id is not None:
        query = query.where(BrandApplication.product_id == product_id)
    if brand:
        query = query.where(BrandApplication.brand == brand)
    return paginate(session, query, page, per_page)


def marks_for(
    session: Session, actor: Actor | None, producer_id: int, product_id: int
) -> dict[str, Any]:
    """label_marks for staff tools, with the records named. Raises ValidationError."""
    authorize(actor, "record.read")
    producer = session.get(Producer, producer_id)
    if producer is None:
        raise ValidationError.for_field("producer_id", "producer.no_such")
    product = session.get(Product, product_id)
    if product is None:
        raise ValidationError.for_field("product_id", "product.no_such")
    brand_mark, gi_mark = label_marks(session, producer, product)
    return {
        "producer_id": producer.id,
        "product_id": product.id,
        "brand": DAYAO_WALNUT_BRAND,
        "brand_mark": brand_mark,
        "gi_mark": gi_mark,
    }

"""Standard packaging designs, the products they fit, and progress towards the plan's target."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from trace.errors import ConflictError, NotFoundError, ValidationError
from trace.models.packaging import PackageType, PackagingSpec
from trace.models.products import Product
from trace.models.targets import Target
from trace.policy import Actor, authorize
from trace.services.audit import record_change, snapshot
from trace.services.pages import Page, paginate

# The county's demonstration plan asks the QC centre for 20+ standard grading/packaging designs.
PLAN_TARGET = 20  # the plan's 分级包装策划设计 ≥ 20, when the targets table does not say
PLAN_TARGET_CODE = "grading_packaging_designs"
TEMPLATE_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _products(session: Session, product_ids: Sequence[int]) -> list[Product]:
    ids = list(dict.fromkeys(product_ids))
    found = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(ids)))}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        raise ValidationError.for_field("product_ids", f"no such product: {', '.join(missing)}")
    return [found[i] for i in ids]


def _check(session: Session, data: dict[str, Any], spec_id: int | None = None) -> None:
    if "label_template" in data and not TEMPLATE_RE.match(data["label_template"]):
        raise ValidationError.for_field(
            "label_template", "a template name such as a4-3x8 or thermal-60x40"
        )
    if "design_code" in data:
        clash = session.scalar(
            select(PackagingSpec.id).where(PackagingSpec.design_code == data["design_code"])
        )
        if clash is not None and clash != spec_id:
            raise ConflictError(
                "another design has this code", {"design_code": ["already registered"]}
            )


def create_spec(session: Session, actor: Actor | None, **data: Any) -> PackagingSpec:
    """Register a packaging design. Raises ValidationError (product_ids, label_template),
    ConflictError (design_code), PermissionDeniedError."""
    authorize(actor, "packaging.write")
    data["design_code"] = data["design_code"].strip().upper()
    _check(session, data)
    products = _products(session, data.pop("product_ids", []))
    data["package_type"] = PackageType(data["package_type"])
    spec = PackagingSpec(**data, products=products)
    session.add(spec)
    record_change(session, actor, "packaging_spec.create", spec)
    return spec


def update_spec(
    session: Session, actor: Actor | None, spec_id: int, **changes: Any
) -> PackagingSpec:
    """Change a design; `product_ids` replaces the list of products it fits.

    Raises NotFoundError, ValidationError, ConflictError, PermissionDeniedError.
    """
    authorize(actor, "packaging.write")
    spec = get_spec(session, actor, spec_id)
    before = {**snapshot(spec), "product_ids": [p.id for p in spec.products]}
    if "design_code" in changes:
        changes["design_code"] = changes["design_code"].strip().upper()
    _check(session, changes, spec.id)
    if "product_ids" in changes:
        spec.products = _products(session, changes.pop("product_ids"))
    if "package_type" in changes:
        changes["package_type"] = PackageType(changes["package_type"])
    for key, value in changes.items():
        setattr(spec, key, value)
    record_change(session, actor, "packaging_spec.update", spec, before)
    return spec


def get_spec(session: Session, actor: Actor | None, spec_id: int) -> PackagingSpec:
    authorize(actor, "record.read")
    spec = session.get(PackagingSpec, spec_id)
    if spec is None:
        raise NotFoundError(f"no packaging design {spec_id}")
    return spec


def list_specs(
    session: Session,
    actor: Actor | None,
    page: int = 1,
    per_page: int = 50,
    package_type: str | None = None,
    product_id: int | None = None,
    is_active: bool | None = None,
) -> Page[PackagingSpec]:
    authorize(actor, "record.read")
    query = select(PackagingSpec).order_by(PackagingSpec.design_code)
    if package_type:
        query = query.where(PackagingSpec.package_type == PackageType(package_type))
    if product_id is not None:
        query = query.where(PackagingSpec.products.any(Product.id == product_id))
    if is_active is not None:
        query = query.where(PackagingSpec.is_active.is_(is_active))
    return paginate(session, query, page, per_page)


def packaging_report(session: Session, actor: Actor | None) -> dict[str, Any]:
    """How many standard designs exist against the plan's target, by package type and category."""
    authorize(actor, "record.read")
    goal = session.scalar(select(Target.target_value).where(Target.code == PLAN_TARGET_CODE))
    plan_target = int(goal) if goal is not None else PLAN_TARGET
    specs = list(session.scalars(select(PackagingSpec)))
    active = [s for s in specs if s.is_active]
    categories: Counter[str] = Counter()
    for spec in active:
        for category in {p.category.value for p in spec.products}:
            categories[category] += 1
    return {
        "designs": len(specs),
        "active_designs": len(active),
        "target": plan_target,
        "remaining": max(0, plan_target - len(active)),
        "meets_target": len(active) >= plan_target,
        "by_package_type": dict(sorted(Counter(s.package_type.value for s in active).items())),
        "by_category": dict(sorted(categories.items())),
    }

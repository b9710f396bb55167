"""Admission to the 大姚核桃 brand: rules, applications, reviews and the label marks."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from trace.schemas.quality import (
    ApproveSchema,
    BrandApplicationCreateSchema,
    BrandApplicationPageSchema,
    BrandApplicationQueryArgsSchema,
    BrandApplicationSchema,
    BrandRuleCreateSchema,
    BrandRuleQueryArgsSchema,
    BrandRuleSchema,
    BrandRuleUpdateSchema,
    MarksQueryArgsSchema,
    MarksSchema,
    RejectSchema,
    RuleResultSchema,
    SuspendSchema,
)
from trace.services import brand as service
from trace.web.auth import current_actor
from trace.web.database import db

PREFIX = ""
blp = Blueprint("brand", __name__, description="大姚核桃 brand admission")


@blp.get("/brand-rules")
@blp.arguments(BrandRuleQueryArgsSchema, location="query")
@blp.response(200, BrandRuleSchema(many=True))
def list_rules(args: dict[str, Any]) -> Any:
    return service.list_rules(db(), current_actor(), **args)


@blp.post("/brand-rules")
@blp.arguments(BrandRuleCreateSchema)
@blp.response(201, BrandRuleSchema)
def create_rule(data: dict[str, Any]) -> Any:
    session = db()
    rule = service.create_rule(session, current_actor(), **data)
    session.commit()
    return rule


@blp.patch("/brand-rules/<int:rule_id>")
@blp.arguments(BrandRuleUpdateSchema)
@blp.response(200, BrandRuleSchema)
def update_rule(changes: dict[str, Any], rule_id: int) -> Any:
    session = db()
    rule = service.update_rule(session, current_actor(), rule_id, **changes)
    session.commit()
    return rule


@blp.get("/brand-applications")
@blp.arguments(BrandApplicationQueryArgsSchema, location="query")
@blp.response(200, BrandApplicationPageSchema)
def list_applications(args: dict[str, Any]) -> Any:
    return service.list_applications(db(), current_actor(), **args)


@blp.post("/brand-applications")
@blp.arguments(BrandApplicationCreateSchema)
@blp.response(201, BrandApplicationSchema)
def apply(data: dict[str, Any]) -> Any:
    """File a producer's application for a product (station staff: their own township)."""
    session = db()
    application = service.apply_for_brand(session, current_actor(), **data)
    session.commit()
    return application


@blp.get("/brand-applications/<int:application_id>")
@blp.response(200, BrandApplicationSchema)
def get_application(application_id: int) -> Any:
    return service.get_application(db(), current_actor(), application_id)


@blp.get("/brand-applications/<int:application_id>/checks")
@blp.response(200, RuleResultSchema(many=True))
def checks(application_id: int) -> Any:
    """The admission rules checked now, each with whether it is met and why."""
    session = db()
    application = service.get_application(session, current_actor(), application_id)
    return service.evaluate_rules(
        session, application.brand, application.producer, application.product
    )


@blp.post("/brand-applications/<int:application_id>/approve")
@blp.arguments(ApproveSchema)
@blp.response(200, BrandApplicationSchema)
def approve(data: dict[str, Any], application_id: int) -> Any:
    """Admit (qc or admin), only when every rule is met; otherwise 409 naming each failing rule."""
    session = db()
    application = service.approve_application(session, current_actor(), application_id, **data)
    session.commit()
    return application


@blp.post("/brand-applications/<int:application_id>/reject")
@blp.arguments(RejectSchema)
@blp.response(200, BrandApplicationSchema)
def reject(data: dict[str, Any], application_id: int) -> Any:
    session = db()
    application = service.reject_application(session, current_actor(), application_id, **data)
    session.commit()
    return application


@blp.post("/brand-applications/<int:application_id>/suspend")
@blp.arguments(SuspendSchema)
@blp.response(200, BrandApplicationSchema)
def suspend(data: dict[str, Any], application_id: int) -> Any:
    session = db()
    application = service.suspend_application(session, current_actor(), application_id, **data)
    session.commit()
    return application


@blp.get("/brand-marks")
@blp.arguments(MarksQueryArgsSchema, location="query")
@blp.response(200, MarksSchema)
def marks(args: dict[str, Any]) -> Any:
    """Which marks a producer's product may carry: the 大姚核桃 brand mark and the GI mark."""
    return service.marks_for(db(), current_actor(), args["producer_id"], args["product_id"])

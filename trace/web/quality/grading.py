"""Grading standards (versioned data) and the gradings of batches."""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint

from trace.schemas.quality import (
    GradeThresholdSchema,
    GradeThresholdUpdateSchema,
    GradingCreateSchema,
    GradingSchema,
    GradingStandardCreateSchema,
    GradingStandardPageSchema,
    GradingStandardQueryArgsSchema,
    GradingStandardSchema,
    GradingStandardUpdateSchema,
)
from trace.services import grading as service
from trace.web.auth import current_actor
from trace.web.database import db

PREFIX = ""
blp = Blueprint("grading", __name__, description="Grading standards and batch gradings")


@blp.get("/grading-standards")
@blp.arguments(GradingStandardQueryArgsSchema, location="query")
@blp.response(200, GradingStandardPageSchema)
def list_standards(args: dict[str, Any]) -> Any:
    return service.list_standards(db(), current_actor(), **args)


@blp.post("/grading-standards")
@blp.arguments(GradingStandardCreateSchema)
@blp.response(201, GradingStandardSchema)
def create_standard(data: dict[str, Any]) -> Any:
    """Add a standard or a new version of one (e.g. GB/T 20398-2021), with grades and thresholds."""
    session = db()
    standard = service.create_standard(session, current_actor(), **data)
    session.commit()
    return standard


@blp.get("/grading-standards/<int:standard_id>")
@blp.response(200, GradingStandardSchema)
def get_standard(standard_id: int) -> Any:
    return service.get_standard(db(), current_actor(), standard_id)


@blp.patch("/grading-standards/<int:standard_id>")
@blp.arguments(GradingStandardUpdateSchema)
@blp.response(200, GradingStandardSchema)
def update_standard(changes: dict[str, Any], standard_id: int) -> Any:
    session = db()
    standard = service.update_standard(session, current_actor(), standard_id, **changes)
    session.commit()
    return standard


@blp.patch("/grade-thresholds/<int:threshold_id>")
@blp.arguments(GradeThresholdUpdateSchema)
@blp.response(200, GradeThresholdSchema)
def update_threshold(changes: dict[str, Any], threshold_id: int) -> Any:
    """Correct one cell of a standard (value, uncertainty flag, note)."""
    session = db()
    threshold = service.update_threshold(session, current_actor(), threshold_id, **changes)
    session.commit()
    return threshold


@blp.post("/batches/<int:batch_id>/gradings")
@blp.arguments(GradingCreateSchema)
@blp.response(201, GradingSchema)
def grade_batch(data: dict[str, Any], batch_id: int) -> Any:
    """Grade a batch from sample measurements; the grade is recorded on the lot."""
    session = db()
    grading = service.grade_batch(session, current_actor(), batch_id, **data)
    session.commit()
    return grading


@blp.get("/batches/<int:batch_id>/gradings")
@blp.response(200, GradingSchema(many=True))
def list_gradings(batch_id: int) -> Any:
    return service.list_gradings(db(), current_actor(), batch_id)


@blp.get("/batches/<int:batch_id>/gradings/<int:grading_id>")
@blp.response(200, GradingSchema)
def get_grading(batch_id: int, grading_id: int) -> Any:
    return service.get_grading(db(), current_actor(), batch_id, grading_id)

"""Training: the JSON API and the public page of aggregate training figures (no names)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint as PageBlueprint
from flask import render_template
from flask_smorest import Blueprint

from trace.schemas.program import (
    AttendanceCreateSchema,
    AttendanceSchema,
    CourseCreateSchema,
    CoursePageSchema,
    CourseQueryArgsSchema,
    CourseSchema,
    IncubationCreateSchema,
    IncubationPageSchema,
    IncubationQueryArgsSchema,
    IncubationSchema,
    IncubationUpdateSchema,
    TraineeCreateSchema,
    TraineePageSchema,
    TraineeQueryArgsSchema,
    TraineeSchema,
    TrainingSessionCreateSchema,
    TrainingSessionPageSchema,
    TrainingSessionQueryArgsSchema,
    TrainingSessionSchema,
)
from trace.services import training as service
from trace.web import names
from trace.web.auth import current_actor
from trace.web.database import db
from trace.web.formats import fmt

PREFIX = "/training"
blp = Blueprint("training", __name__, description="E-commerce training and incubation")
pages = PageBlueprint("program_training", __name__)

KIND_NAMES = names.TRAINING_KINDS
OUTCOME_NAMES = names.INCUBATION_OUTCOMES


@blp.get("/courses")
@blp.arguments(CourseQueryArgsSchema, location="query")
@blp.response(200, CoursePageSchema)
def list_courses(args: dict[str, Any]) -> Any:
    return service.list_courses(db(), current_actor(), **args)


@blp.post("/courses")
@blp.arguments(CourseCreateSchema)
@blp.response(201, CourseSchema)
def create_course(data: dict[str, Any]) -> Any:
    session = db()
    course = service.create_course(session, current_actor(), **data)
    session.commit()
    return course


@blp.get("/courses/<int:course_id>")
@blp.response(200, CourseSchema)
def get_course(course_id: int) -> Any:
    return service.get_course(db(), current_actor(), course_id)


@blp.get("/sessions")
@blp.arguments(TrainingSessionQueryArgsSchema, location="query")
@blp.response(200, TrainingSessionPageSchema)
def list_sessions(args: dict[str, Any]) -> Any:
    return service.list_sessions(db(), current_actor(), **args)


@blp.post("/sessions")
@blp.arguments(TrainingSessionCreateSchema)
@blp.response(201, TrainingSessionSchema)
def create_session(data: dict[str, Any]) -> Any:
    session = db()
    training = service.create_session(session, current_actor(), **data)
    session.commit()
    return training


@blp.get("/sessions/<int:session_id>")
@blp.response(200, TrainingSessionSchema)
def get_session(session_id: int) -> Any:
    return service.get_session(db(), current_actor(), session_id)


@blp.get("/sessions/<int:session_id>/attendance")
@blp.response(200, AttendanceSchema(many=True))
def list_attendance(session_id: int) -> Any:
    return service.list_attendance(db(), current_actor(), session_id)


@blp.post("/sessions/<int:session_id>/attendance")
@blp.arguments(AttendanceCreateSchema)
@blp.response(201, AttendanceSchema(many=True))
def record_attendance(data: dict[str, Any], session_id: int) -> Any:
    """Mark trainees present: each is one person-time (人次)."""
    session = db()
    rows = service.record_attendance(session, current_actor(), session_id, **data)
    session.commit()
    return rows


@blp.get("/trainees")
@blp.arguments(TraineeQueryArgsSchema, location="query")
@blp.response(200, TraineePageSchema)
def list_trainees(args: dict[str, Any]) -> Any:
    return service.list_trainees(db(), current_actor(), **args)


@blp.post("/trainees")
@blp.arguments(TraineeCreateSchema)
@blp.response(201, TraineeSchema)
def create_trainee(data: dict[str, Any]) -> Any:
    session = db()
    trainee = service.create_trainee(session, current_actor(), **data)
    session.commit()
    return trainee


@blp.get("/trainees/<int:trainee_id>")
@blp.response(200, TraineeSchema)
def get_trainee(trainee_id: int) -> Any:
    return service.get_trainee(db(), current_actor(), trainee_id)


@blp.get("/incubations")
@blp.arguments(IncubationQueryArgsSchema, location="query")
@blp.response(200, IncubationPageSchema)
def list_incubations(args: dict[str, Any]) -> Any:
    return service.list_incubations(db(), current_actor(), **args)


@blp.post("/incubations")
@blp.arguments(IncubationCreateSchema)
@blp.response(201, IncubationSchema)
def create_incubation(data: dict[str, Any]) -> Any:
    session = db()
    incubation = service.create_incubation(session, current_actor(), **data)
    session.commit()
    return incubation


@blp.get("/incubations/<int:incubation_id>")
@blp.response(200, IncubationSchema)
def get_incubation(incubation_id: int) -> Any:
    return service.get_incubation(db(), current_actor(), incubation_id)


@blp.patch("/incubations/<int:incubation_id>")
@blp.arguments(IncubationUpdateSchema(partial=True))
@blp.response(200, IncubationSchema)
def update_incubation(changes: dict[str, Any], incubation_id: int) -> Any:
    session = db()
    incubation = service.update_incubation(session, current_actor(), incubation_id, **changes)
    session.commit()
    return incubation


@pages.get("/training")
def training_page() -> str:
    """Public: totals by kind of training and township, and incubation outcomes; no names."""
    report = service.training_summary(db())
    return render_template(
        "program/training.html",
        report=report,
        kind_names=KIND_NAMES,
        outcome_names=OUTCOME_NAMES,
        fmt=fmt,
    )

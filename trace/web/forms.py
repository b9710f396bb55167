"""HTML forms on top of the API's marshmallow schemas: keep what was typed, errors by field."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from marshmallow import Schema
from marshmallow import ValidationError as SchemaError

from trace.errors import (
    ConflictError,
    InvalidTransitionError,
    Message,
    PermissionDeniedError,
    Problem,
    TraceError,
    ValidationError,
    as_problem,
)
from trace.web.database import db, rollback
from trace.web.messages import flat
from trace.web.messages import text as worded

T = TypeVar("T")

# Field errors a form shows beside the field instead of failing the whole page.
FORM_ERRORS = (ValidationError, ConflictError, InvalidTransitionError, PermissionDeniedError)


class Form:
    """What the user typed (`values`) and what is wrong with it (`errors`, by field name).

    `load(schema)` validates with the same schema the API uses; fields left empty are dropped
    so optional ones take their defaults and required ones say they are required.
    """

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = dict(values or {})
        self.errors: dict[str, list[str]] = {}  # worded, for the page
        self.problems: dict[str, list[Problem]] = {}  # the same, as codes and parameters
        self.fields: tuple[str, ...] | None = None  # set by load(): the fields the page shows

    def value(self, name: str, default: Any = "") -> Any:
        value = self.values.get(name)
        return default if value is None else value

    def error(self, name: str) -> str:
        return "；".join(self.errors.get(name, []))

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def add(self, field: str, message: Message, /, **params: Any) -> None:
        """A problem beside `field` (`_form`: at the top), worded in the page's language: a
        Problem, or a code of trace/messages.py with its parameters. Text is refused
        (TypeError): a form shows nothing that did not come from the catalogue."""
        self.problems.setdefault(field, []).append(as_problem(message, **params))
        self.errors.setdefault(field, []).append(worded(self.problems[field][-1]))

    def load(self, schema: Schema, fields: tuple[str, ...] | None = None) -> dict[str, Any] | None:
        wanted = fields if fields is not None else tuple(schema.fields)
        self.fields = wanted
        submitted = {
            name: value.strip() if isinstance(value, str) else value
            for name, value in self.values.items()
            if name in wanted
        }
        submitted = {name: value for name, value in submitted.items() if value != ""}
        try:
            data: dict[str, Any] = schema.load(submitted)
        except SchemaError as exc:
            for field, problems in flat(exc.messages).items():
                for found in problems:
                    self.add(field, found)
            return None
        return data

    def attempt(self, action: Callable[[], T]) -> T | None:
        """Run a service call as the request's one transaction: committed when it succeeds; when
        the service refuses (FORM_ERRORS), rolled back and the refusal shown beside its fields.
        Check `is_valid` afterwards (a service may return None on success)."""
        try:
            result = action()
        except FORM_ERRORS as exc:
            rollback()
            self.fail(exc)
            return None
        db().commit()
        return result

    def fail(self, error: TraceError) -> None:
        """Show a service's refusal beside its fields; at the top when it names none, or names
        one the page has no input for (a batch's status, its inspection...)."""
        if not error.errors:
            self.add("_form", error.message)
        for field, messages in error.errors.items():
            shown = self.fields is None or field in self.fields
            for message in messages:
                self.add(field if shown else "_form", message)

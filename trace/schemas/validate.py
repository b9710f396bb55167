"""marshmallow's validators, refusing with message codes (trace/messages.py) and their parameters
instead of English sentences, so API `errors` and forms come out in the page's language.

Schemas use `from trace.schemas import validate` and write `validate.Length(max=80)` as with
marshmallow's module; the bounds stay readable (apispec documents min/max, choices, patterns).
A validator given `error="some.code"` refuses with that code (and the same parameters).
"""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError
from marshmallow import validate as base

from trace.errors import Problem
from trace.messages import MESSAGES


def _refuse(validator: base.Validator, code: str, **params: Any) -> ValidationError:
    custom = getattr(validator, "error", None)  # marshmallow's own default text when not given
    chosen = custom if isinstance(custom, str) and custom in MESSAGES else code
    return ValidationError([Problem(chosen, params)])


class Length(base.Length):
    def __call__(self, value: Any) -> Any:
        try:
            return super().__call__(value)
        except ValidationError:
            pass
        if self.equal is not None:
            raise _refuse(self, "field.length_equal", n=self.equal)
        if self.max is None or (self.min == 1 and len(value) < 1):
            if self.min == 1:
                raise _refuse(self, "field.required") from None
            raise _refuse(self, "field.too_short", min=self.min)
        if self.min is None or self.min == 0 or len(value) > self.max:
            raise _refuse(self, "field.too_long", max=self.max)
        raise _refuse(self, "field.length_between", min=self.min, max=self.max)


class Range(base.Range):
    def __call__(self, value: Any) -> Any:
        try:
            return super().__call__(value)
        except ValidationError:
            pass
        if self.min is not None and self.max is not None:
            if self.min_inclusive:
                raise _refuse(self, "field.range", min=self.min, max=self.max)
            low = value <= self.min
            if low:
                raise _refuse(self, "field.more_than", min=self.min)
            code = "field.at_most" if self.max_inclusive else "field.less_than"
            raise _refuse(self, code, max=self.max)
        if self.min is not None:
            code = "field.at_least" if self.min_inclusive else "field.more_than"
            raise _refuse(self, code, min=self.min)
        code = "field.at_most" if self.max_inclusive else "field.less_than"
        raise _refuse(self, code, max=self.max)


class OneOf(base.OneOf):
    def __call__(self, value: Any) -> Any:
        try:
            return super().__call__(value)
        except ValidationError:
            raise _refuse(self, "field.one_of", choices=list(self.choices)) from None


class Regexp(base.Regexp):
    def __call__(self, value: Any) -> Any:
        try:
            return super().__call__(value)
        except ValidationError:
            raise _refuse(self, "field.pattern", pattern=self.regex.pattern) from None


class URL(base.URL):
    def __call__(self, value: Any) -> Any:
        try:
            return super().__call__(value)
        except ValidationError:
            raise _refuse(self, "field.url") from None


class Email(base.Email):
    def __call__(self, value: Any) -> Any:
        try:
            return super().__call__(value)
        except ValidationError:
            raise _refuse(self, "email.invalid") from None


class ContainsOnly(base.ContainsOnly):
    def __call__(self, value: Any) -> Any:
        try:
            return super().__call__(value)
        except ValidationError:
            raise _refuse(self, "field.one_of", choices=list(self.choices)) from None


__all__ = ["URL", "ContainsOnly", "Email", "Length", "OneOf", "Range", "Regexp"]

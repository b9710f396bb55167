"""Field validators shared by the quality schemas."""

from __future__ import annotations

from trace.schemas import validate

PERCENT = validate.Range(min=0, max=100)
POSITIVE = validate.Range(min=0, max=10**6)
SNAKE_CASE = validate.Regexp(r"^[a-z][a-z0-9_]{1,39}$", error="field.snake_case")

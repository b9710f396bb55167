"""Field validators shared by the quality schemas."""

from __future__ import annotations

from marshmallow import validate

PERCENT = validate.Range(min=0, max=100)


POSITIVE = validate.Range(min=0, max=10**6)


SNAKE_CASE = validate.Regexp(r"^[a-z][a-z0-9_]{1,39}$", error="use a snake_case code")


# Ids are 32-bit on PostgreSQL: a larger one is refused here instead of failing in SQL.
ID = validate.Range(min=1, max=2**31 - 1)

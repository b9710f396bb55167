"""The message catalogue (trace/messages.py): every code worded in Chinese and English, and the
wording filled from the problem's parameters in the page's language."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from marshmallow import ValidationError as MarshmallowError

from trace.errors import NotFoundError, Problem, ValidationError, problem
from trace.messages import MESSAGES
from trace.web.forms import Form
from trace.web.messages import codes, text, texts

PO = Path(__file__).resolve().parent.parent / "trace/translations/en/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")


def _english() -> dict[str, str]:
    with PO.open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_has_chinese_and_english_wording(code: str) -> None:
    assert CODE.match(code), f"{code} is not <subject>.<what> in snake_case"
    chinese = MESSAGES[code]
    assert re.search(r"[\u4e00-\u9fff]", chinese), f"{code}: the msgid should be Chinese"
    english = _english().get(chinese)
    assert english, f"{code}: {chinese!r} has no English in messages.po"
    assert not re.search(r"[\u4e00-\u9fff]", english), f"{code}: English still has Chinese"
    assert set(PLACEHOLDER.findall(english)) == set(PLACEHOLDER.findall(chinese)), code


def test_catalogue_is_sorted_within_each_block() -> None:
    """Blocks (one per feature, each under a comment) keep their codes sorted: merges stay easy
    and a code is found where one looks for it."""
    source = (Path(__file__).resolve().parent.parent / "trace/messages.py").read_text("utf-8")
    body = source.split("MESSAGES: dict[str, str] = {", 1)[1]
    for block in re.split(r"\n\s*#[^\n]*", body):
        found = re.findall(r'^\s*"([^"]+)":', block, re.MULTILINE)
        assert found == sorted(found), f"unsorted block: {found}"


def test_problem_is_worded_in_the_page_language(app: Flask) -> None:
    problem = Problem("credit_code.check_char")
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert text(problem) == "统一社会信用代码校验位不对，请核对（GB 32100-2015）"
    with app.test_request_context("/?lang=en"):
        assert "check character" in text(problem)
        assert not re.search(r"[\u4e00-\u9fff]", text(problem))


def test_unknown_code_is_never_shown_raw(app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    with app.test_request_context("/"):
        shown = text(Problem("no_such.code"))
    assert "no_such" not in shown
    assert shown == "格式不对"
    assert "no_such.code" in caplog.text


def test_for_field_turns_a_catalogue_code_into_a_problem() -> None:
    error = ValidationError.for_field("credit_code", "credit_code.check_char")
    assert error.errors == {"credit_code": [Problem("credit_code.check_char")]}
    assert codes(error.errors) == {
        "credit_code": [{"code": "credit_code.check_char", "params": {}}]
    }


def test_field_errors_worded_and_coded_together(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    """Codes (as marshmallow gives them) and Problems are worded alike; text that escaped the
    catalogue is a bug: logged, shown as the generic wording, never as it came."""
    errors = {
        "credit_code": [Problem("credit_code.length")],
        "count": ["field.integer"],
        "name": ["legacy text"],
        "lines": {0: {"lot": ["field.required"]}},
    }
    with app.test_request_context("/"):
        assert texts(errors) == {
            "credit_code": ["统一社会信用代码应为 18 位"],
            "count": ["请输入整数"],
            "name": ["格式不对"],
            "lines": {"0": {"lot": ["必填"]}},
        }
    assert "legacy text" in caplog.text
    assert codes(errors)["credit_code"] == [{"code": "credit_code.length", "params": {}}]
    assert codes(errors)["lines"] == {"0": {"lot": [{"code": "field.required", "params": {}}]}}


def test_errors_take_codes_only() -> None:
    """The legacy path is closed: a domain error (and a form) refuses text that is not a code of
    the catalogue, so English cannot reach a page from a service again."""
    with pytest.raises(TypeError):
        ValidationError.for_field("name", "must not be empty")
    with pytest.raises(TypeError):
        NotFoundError("no batch 7")
    with pytest.raises(TypeError):
        NotFoundError(Problem("no_such.code"))
    with pytest.raises(TypeError):
        ValidationError(Problem("field.required"), {"name": ["required"]})
    error = NotFoundError(problem("batch.not_found", id=7))
    assert error.message == Problem("batch.not_found", {"id": 7})
    assert "没有这个批次（编号 7）" in str(error)


def test_form_takes_codes_only(app: Flask) -> None:
    with app.test_request_context("/?lang=en"):
        form = Form()
        form.add("count", "field.at_most", max=5)
        assert form.error("count") == "Must be at most 5"
        assert form.problems["count"] == [Problem("field.at_most", {"max": 5})]
        with pytest.raises(TypeError):
            form.add("count", "Not a valid integer.")


def test_marshmallow_refuses_with_codes_and_parameters(app: Flask) -> None:
    """marshmallow's own messages (required, not a number, one-of, length, range, unknown
    field) come out as codes with their parameters, in the page's language."""
    from marshmallow import fields as ma_fields

    from trace.schemas import validate
    from trace.schemas.common import Integer, StrictSchema

    class Probe(StrictSchema):
        name = ma_fields.String(required=True, validate=validate.Length(max=3))
        level = Integer(validate=validate.OneOf([1, 2, 3]))
        count = Integer(validate=validate.Range(min=1, max=9))
        on = ma_fields.Date()

    form = Form({"name": "abcd", "level": "4", "count": "0", "on": "x", "extra": "1"})
    with app.test_request_context("/"):
        assert form.load(Probe(), fields=("name", "level", "count", "on")) is None
        assert form.problems["name"] == [Problem("field.too_long", {"max": 3})]
        assert form.problems["level"] == [Problem("field.one_of", {"choices": [1, 2, 3]})]
        assert form.problems["count"] == [Problem("field.range", {"min": 1, "max": 9})]
        assert form.error("on") == "日期格式应为 年-月-日"
    errors: dict[str, Any] = {}
    try:
        Probe().load({"level": "x", "extra": 1})
    except MarshmallowError as exc:
        errors = exc.messages  # type: ignore[assignment]
    assert codes(errors) == {
        "name": [{"code": "field.required", "params": {}}],
        "level": [{"code": "field.integer", "params": {}}],
        "extra": [{"code": "field.unknown", "params": {}}],
    }


CODE_CALL = re.compile(
    r"(?:for_field\([^,\n)]+,\s*|problem\(\s*|Problem\(\s*|Error\(\s*|\.add\([^,\n)]+,\s*)"
    r'"([a-z][a-z0-9_]*\.[a-z0-9_.]+)"'
)


def test_every_code_raised_in_the_source_is_in_the_catalogue() -> None:
    """A typo in a code would be a TypeError at run time: found here for every call site."""
    root = Path(__file__).resolve().parent.parent / "trace"
    unknown = {
        (str(path.relative_to(root)), code)
        for path in root.rglob("*.py")
        for code in CODE_CALL.findall(path.read_text("utf-8"))
        if code not in MESSAGES and not code.endswith((".py", ".html"))
    }
    assert not unknown

"""The message catalogue (trace/messages.py): every code worded in Chinese and English, and the
wording filled from the problem's parameters in the page's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask

from trace.errors import Problem, ValidationError
from trace.messages import MESSAGES
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


def test_field_errors_worded_and_coded_together(app: Flask) -> None:
    errors = {"credit_code": [Problem("credit_code.length")], "name": ["legacy text"]}
    with app.test_request_context("/"):
        assert texts(errors) == {
            "credit_code": ["统一社会信用代码应为 18 位"],
            "name": ["legacy text"],
        }
    assert codes(errors) == {"credit_code": [{"code": "credit_code.length", "params": {}}]}

"""HTML forms on top of the API's marshmallow schemas: keep what was typed, errors by field."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l
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
)
from trace.web.database import db, rollback
from trace.web.messages import text as worded

T = TypeVar("T")

# Field errors a form shows beside the field instead of failing the whole page.
FORM_ERRORS = (ValidationError, ConflictError, InvalidTransitionError, PermissionDeniedError)

# Chinese (and, through messages.po, English) wording for the messages schemas and services
# produce most often; anything else is shown as it came.
_EXACT: dict[str, Any] = {
    "Missing data for required field.": _l("必填"),
    "Not a valid integer.": _l("请输入整数"),
    "Not a valid number.": _l("请输入数字"),
    "Not a valid date.": _l("日期格式应为 年-月-日"),
    "Not a valid datetime.": _l("请填写日期和时间"),
    "Not a valid email address.": _l("电子邮箱格式不对"),
    "Not a valid boolean.": _l("请选择是或否"),
    "Field may not be null.": _l("必填"),
    "already registered": _l("已登记过"),
    "no such product": _l("没有这个产品"),
    "no such producer": _l("没有这个生产主体"),
    "is in the future": _l("不能晚于今天"),
    "must be more than zero": _l("必须大于零"),
    "not your township": _l("只能登记本乡镇的记录"),
    "station staff need a township": _l("服务站人员须指定乡镇"),
    "cooperatives and enterprises need their 统一社会信用代码": _l(
        "合作社和企业须填写统一社会信用代码"
    ),
    "not a mainland mobile or landline number": _l("不是有效的手机或座机号码"),
    "not a valid e-mail address": _l("电子邮箱格式不对"),
    "you cannot disable your own account": _l("不能停用自己的账号"),
    "the certificate needs a contact (联系方式)": _l("请填写联系方式"),
    "say why the labels are voided": _l("请填写作废原因"),
    "no such code in this run": _l("本批标签中没有这个防伪码或序号"),
    "say why the lot is recalled": _l("请填写召回原因"),
    "say why, in words for the public": _l("请填写公告中的召回原因"),
    "say what holders and consumers must do": _l("请填写处置要求"),
    "say how the recall ended": _l("请说明召回如何结束"),
    "must be 1, 2 or 3": _l("请选择召回级别"),
    "a voided run cannot be reprinted": _l("已作废的标签批次不能重印"),
    "the public notice may not quote the report's reference": _l(
        "公告内容不能出现举报编号（编号只给举报人本人）"
    ),
    "the batch has no passed inspection yet": _l("该批次还没有合格的检测报告，不能生成标签"),
    "the batch has been recalled": _l("该批次已召回"),
    "the batch is closed": _l("该批次已结束"),
    "the batch is on hold after a failed inspection until qc records a disposition": _l(
        "该批次检测不合格，暂扣中，须质检中心处理后才能继续"
    ),
}
# Refusals that carry a figure: the pattern's named groups fill the translated sentence.
_FILLED: list[tuple[re.Pattern[str], Any]] = [
    (
        re.compile(r"^at most (?P<n>\d+) more codes fit this batch \((?P<left>.+) left\)$"),
        _l("此批次最多还能生成 %(n)s 个码（批次剩余 %(left)s，作废的码不计）"),
    ),
    (
        re.compile(r"^is before the harvest \((?P<date>[0-9-]+)\)$"),
        _l("不能早于采收日期 %(date)s"),
    ),
    (
        re.compile(r"^must be more than 0 and at most the batch's (?P<n>[0-9.]+)$"),
        _l("须大于 0，且不超过批次数量 %(n)s"),
    ),
    (re.compile(r"^unknown serials: (?P<codes>.+)$"), _l("没有这些防伪码：%(codes)s")),
    (
        re.compile(r"^(?P<gtin>\d{14}) is a consumer GTIN"),
        _l(
            "%(gtin)s 是消费单元（单包）的 GTIN："
            "请先登记外箱产品（自有 GTIN 和每箱件数），再打印外箱标签"
        ),
    ),
    (
        re.compile(r"^(?P<gtin>\d{14}) is a carton GTIN"),
        _l("%(gtin)s 是外箱的 GTIN，请选择外箱标签版式"),
    ),
]
_PATTERNS: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"^Must be one of"), _l("请从列表中选择")),
    (re.compile(r"^Longer than maximum length"), _l("太长了")),
    (re.compile(r"^Shorter than minimum length"), _l("必填")),
    (re.compile(r"^Must be (greater|less) than"), _l("超出允许范围")),
    (re.compile(r"^String does not match expected pattern"), _l("格式不对")),
    (re.compile(r"^no township"), _l("大姚县没有这个乡镇")),
]


def friendly(message: Message) -> str:
    """The user-facing wording of a schema or service message."""
    if isinstance(message, Problem):
        return worded(message)
    if message in _EXACT:
        return str(_EXACT[message])
    for pattern, sentence in _FILLED:
        found = pattern.search(message)
        if found:
            return str(sentence % found.groupdict())
    least = re.match(r"^must be at least (\d+) characters", message)
    if least:
        return str(_l("至少 %(n)s 个字符", n=least.group(1)))
    unprintable = re.match(r"^cannot be printed on labels: (.*)$", message)
    if unprintable:
        return str(_l("标签字体打印不了这些字符：%(chars)s", chars=unprintable.group(1)))
    for pattern, text in _PATTERNS:
        if pattern.search(message):
            return str(text)
    return message


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            flat.update(_flatten(value, f"{prefix}{key}" if not prefix else f"{prefix}.{key}"))
        return flat
    if isinstance(messages, list | tuple) and all(isinstance(m, str) for m in messages):
        return {prefix or "_form": [str(m) for m in messages]}
    return {prefix or "_form": [str(messages)]}


class Form:
    """What the user typed (`values`) and what is wrong with it (`errors`, by field name).

    `load(schema)` validates with the same schema the API uses; fields left empty are dropped
    so optional ones take their defaults and required ones say they are required.
    """

    def __init__(self, values: Mapping[str, Any] | None = None) -> None:
        self.values: dict[str, Any] = dict(values or {})
        self.errors: dict[str, list[str]] = {}
        self.fields: tuple[str, ...] | None = None  # set by load(): the fields the page shows

    def value(self, name: str, default: Any = "") -> Any:
        value = self.values.get(name)
        return default if value is None else value

    def error(self, name: str) -> str:
        return "；".join(self.errors.get(name, []))

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def add(self, field: str, message: Message) -> None:
        self.errors.setdefault(field, []).append(friendly(message))

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
            for field, messages in _flatten(exc.messages).items():
                for message in messages:
                    self.add(field, message)
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

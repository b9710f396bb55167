"""Display names (Chinese msgids, English in messages.po) for reports and notices."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from trace.errors import Message, Problem
from trace.web import messages, names

# The enums' names live in trace.web.names (one table per enum); the names this package uses.
KINDS = names.REPORT_KINDS
KIND_HINTS = names.REPORT_KIND_HINTS
PUBLIC_STATUSES = names.REPORT_PUBLIC_STATUSES
STATUSES = names.REPORT_STATUSES
OUTCOMES = names.REPORT_OUTCOMES
ACTIONS = names.REPORT_ACTIONS
VERDICTS = names.SCAN_VERDICTS
CATEGORIES = names.NOTICE_CATEGORIES
# Service and schema messages shown beside a field, in the page's language.
MESSAGES: dict[str, Any] = {
    "say what is wrong": _l("请说明遇到的问题"),
    "enter a mainland phone number or an e-mail address": _l("请填写手机号码、座机号码或电子邮箱"),
    "only JPEG or PNG photos are accepted": _l("照片只能是 JPEG 或 PNG 格式"),
    "the file is not a readable JPEG or PNG": _l("无法读取这张照片，请换一张"),
    "the photo has too many pixels": _l("照片像素太多，请换一张"),
    "the file is empty": _l("文件是空的"),
    "not a kind of problem we know": _l("请选择问题类型"),
    "no active QC or admin user has this id": _l("请选择质检中心的人员"),
    "write the answer the reporter will see": _l("请填写答复内容"),
    "say why the regulator should look at it": _l("请说明上报原因"),
    "say why the report is closed": _l("请说明办结理由"),
    "not an outcome we know": _l("请选择办结结果"),
    "the report is closed already": _l("此反映已办结"),
    "escalated already": _l("已上报过"),
    "no target has the code": _l("没有这个目标代码"),
    # The recall module's refusals, shown on the report page's recall form.
    "must be 1, 2 or 3": _l("请选择召回级别"),
    "say why the lot is recalled": _l("请说明召回原因"),
    "say what holders and consumers must do": _l("请说明对持有人和消费者的要求"),
    "already recalled": _l("这个批次已经在召回中"),
}


def name(table: dict[str, Any], value: Any) -> str:
    key = getattr(value, "value", value)
    return str(table.get(str(key), key if key is not None else ""))


def message(text: Message) -> str:
    """A service message in the page's language (the photo size message carries a number)."""
    if isinstance(text, Problem):
        return messages.text(text)
    if text.startswith("the photo is larger than"):
        return str(_l("照片不能超过 %(mb)s MB", mb=text.split()[-2]))
    if text.startswith("no target has the code"):
        return str(MESSAGES["no target has the code"])
    if text.startswith("lot ") and "is already recalled" in text:
        return str(MESSAGES["already recalled"])
    return str(MESSAGES.get(text, text))

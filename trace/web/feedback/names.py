"""Display names (Chinese msgids, English in messages.po) for reports and notices."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from trace.errors import Message, Problem
from trace.web import messages

KINDS: dict[str, Any] = {
    "counterfeit": _l("疑似假冒"),
    "quality": _l("质量问题"),
    "labelling": _l("标签标识问题"),
    "other": _l("其他问题"),
}
KIND_HINTS: dict[str, Any] = {
    "counterfeit": _l("防伪码查询异常、包装与本页不符、价格异常低等"),
    "quality": _l("霉变、异味、虫蛀、空壳、变质等"),
    "labelling": _l("标签缺失、信息错误、日期或净含量不符等"),
    "other": _l("服务、物流或其他情况"),
}
# What the reporter sees: where the report stands, without the county's internal steps.
PUBLIC_STATUSES: dict[str, Any] = {
    "new": _l("已受理，等待处理"),
    "in_progress": _l("正在核查处理"),
    "escalated": _l("已移交市场监管部门处理"),
    "answered": _l("已答复"),
    "closed": _l("已办结"),
}
STATUSES: dict[str, Any] = {
    "new": _l("新收到"),
    "in_progress": _l("处理中"),
    "escalated": _l("已上报监管"),
    "answered": _l("已答复"),
    "closed": _l("已办结"),
}
OUTCOMES: dict[str, Any] = {
    "substantiated": _l("情况属实，已处理"),
    "unfounded": _l("经核查不属实"),
    "insufficient": _l("信息不足，无法核实"),
    "duplicate": _l("重复反映"),
    "referred": _l("已移交其他部门"),
    "open": _l("处理中"),
}
ACTIONS: dict[str, Any] = {
    "filed": _l("提交反映"),
    "assigned": _l("分派"),
    "answered": _l("答复"),
    "escalated": _l("上报监管部门"),
    "closed": _l("办结"),
    "contact_revealed": _l("查看联系方式"),
    "recall_opened": _l("发起召回"),
}
VERDICTS: dict[str, Any] = {
    "genuine": _l("首次查询"),
    "repeat": _l("重复查询"),
    "exceeded": _l("查询超限"),
    "unknown": _l("未登记"),
    "void": _l("已作废"),
    "recalled": _l("已召回"),
}
CATEGORIES: dict[str, Any] = {
    "plan": _l("实施方案"),
    "selection": _l("承办主体遴选"),
    "progress": _l("项目进展"),
    "funds": _l("资金使用"),
    "acceptance": _l("验收结果"),
    "other": _l("其他公告"),
}
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

"""The one catalogue of messages for people: a stable code -> its Chinese wording.

Services raise `Problem(code, params)` (trace.errors); the web layer words it with
trace.web.messages.text, in the page's language. Each wording is a Flask-Babel msgid (Simplified
Chinese; English in trace/translations/en/LC_MESSAGES/messages.po) with `%(name)s` placeholders for
the problem's parameters. `N_` only marks a msgid for extraction (pybabel -k N_); it translates
nothing, so this module stays free of Flask.

Codes are `<subject>.<what>` in snake_case, sorted, in one block per feature. A code is a public
contract (the API answers it in `error_codes`): never reuse one for another meaning.
"""

from __future__ import annotations


def N_(text: str) -> str:
    return text


MESSAGES: dict[str, str] = {
    # Shared by every form and API schema.
    "field.invalid": N_("格式不对"),
    "field.required": N_("必填"),
    # Programme funding, station services, parcels and the logistics export (issue 19).
    "funding.amount_places": N_("金额最多精确到分（两位小数）"),
    "funding.amount_positive": N_("金额须大于零"),
    "funding.amount_too_large": N_("金额太大"),
    "funding.already_corrected": N_("这条支出已被更正过，请更正最新的那一条"),
    "funding.no_entry": N_("没有这条支出记录"),
    "funding.no_task": N_("没有这个资金任务"),
    "funding.voucher_required": N_("请附上支出凭证（PDF 或照片）"),
    "logistics_export.range_reversed": N_("结束日期不能早于开始日期"),
    "logistics_export.range_too_long": N_("日期范围最多 %(days)s 天"),
    "parcels.no_facility": N_("没有这个物流场所"),
    "parcels.station_point": N_("这个物流点与服务站合一，件数请在站点服务中登记"),
    "station_service.amount_required": N_("这项服务须填写金额"),
    "station_service.no_station": N_("没有这个服务站点"),
    "station_service.no_station_here": N_("本乡镇还没有登记服务站点，请联系管理员"),
    "station_service.parcels_required": N_("这项服务须填写件数"),
    "station_service.parcels_too_many": N_("件数太多，最多 %(max)s 件"),
    "station_service.villager_id_number": N_("请只填写姓名，不要填写身份证号"),
    # Producers.
    "credit_code.alphabet": N_("统一社会信用代码只能由数字和大写字母组成（不用 I、O、S、V、Z）"),
    "credit_code.check_char": N_("统一社会信用代码校验位不对，请核对（GB 32100-2015）"),
    "credit_code.length": N_("统一社会信用代码应为 18 位"),
}


def describe(message: object) -> str:
    """A message in Chinese without Flask, for the command line and logs: a Problem's wording
    filled from its parameters, anything else as text."""
    code = getattr(message, "code", None)
    params = getattr(message, "params", None)
    if not isinstance(code, str) or params is None or code not in MESSAGES:
        return str(message)
    try:
        return MESSAGES[code] % dict(params)
    except (KeyError, TypeError, ValueError):
        return str(message)

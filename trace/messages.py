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
    # Producers.
    "credit_code.alphabet": N_("统一社会信用代码只能由数字和大写字母组成（不用 I、O、S、V、Z）"),
    "credit_code.check_char": N_("统一社会信用代码校验位不对，请核对（GB 32100-2015）"),
    "credit_code.length": N_("统一社会信用代码应为 18 位"),
    # Plan targets: office figures, model enterprises and the households they lift, staff counts.
    "lifted_household.already_linked": N_("该户已登记在这家示范企业名下"),
    "lifted_household.not_registered": N_("只有建档立卡户可以登记为带动户"),
    "lifted_household.one_of": N_("请选择一个经营主体或一名学员（二选一）"),
    "model_enterprise.already_designated": N_("该经营主体已是电商扶贫示范企业"),
    "model_enterprise.not_an_enterprise": N_("示范企业须为企业或合作社"),
    "model_enterprise.unknown_producer": N_("没有这个经营主体"),
    "staff_count.negative": N_("人数不能为负数"),
    "staff_count.one_place": N_("请选择一个服务站点或一个物流设施（二选一）"),
    "staff_count.poor_over_total": N_("贫困人口人数不能多于从业人员总数"),
    "staff_count.unknown_place": N_("没有这个站点或设施"),
    "target_figure.already_corrected": N_("这条填报已被更正，请更正最新的一条"),
    "target_figure.computed": N_("该目标由系统记录计算，不需人工填报"),
    "target_figure.unknown_entry": N_("要更正的填报不存在"),
    "target_milestone.invalid": N_(
        "时间节点“%(item)s”格式不对，应写作 2019-08-31:50%% 或 2019-10-31:3000"
    ),
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

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
    # Spreadsheet imports (trace.services.imports): per row and column, or the whole file.
    "import.already_imported": N_("这个文件已于 %(when)s 导入过（%(rows)s 行），不会重复导入"),
    "import.already_present": N_("已登记过到这一场培训"),
    "import.ambiguous_producer": N_("有 %(n)s 个同名生产主体：请填写生产主体电话以区分"),
    "import.ambiguous_session": N_("这一天有 %(n)s 场这门课：请从该场次的到课登记页导入"),
    "import.choice": N_("请填写以下之一：%(choices)s"),
    "import.column_missing": N_("缺少必填列：%(columns)s"),
    "import.column_unknown": N_("不认识的列，已忽略：%(columns)s"),
    "import.date": N_("日期应写成 2026-09-15 或 2026年9月15日"),
    "import.duplicate_batch_db": N_("已登记过相同的批次 %(lot)s（同一生产主体、产品、日期、数量）"),
    "import.duplicate_batch_file": N_("与第 %(row)s 行是同一批次（主体、产品、日期、数量相同）"),
    "import.duplicate_producer_db": N_("已登记过疑似同一生产主体：%(name)s（%(reason)s）"),
    "import.duplicate_producer_file": N_("与第 %(row)s 行疑似同一生产主体（%(reason)s）"),
    "import.duplicate_row": N_("与第 %(row)s 行重复"),
    "import.file_empty": N_("文件里没有数据行：请在表头下面逐行填写"),
    "import.file_unreadable": N_("读不出这个文件：请上传 .xlsx 或 .csv（UTF-8 或 GB18030 编码）"),
    "import.invalid": N_("有 %(n)s 行需要修改，没有导入任何记录：请改正后重新上传"),
    "import.needs_confirmation": N_("有 %(n)s 处疑似重复：请核对，确认无误后再导入"),
    "import.no_producer": N_("本乡镇没有这个生产主体：请先登记，或核对名称"),
    "import.no_product": N_("没有这个产品：请填写已登记的产品名称或 GTIN"),
    "import.no_session": N_("没有这一场培训：请先登记培训场次（课程、乡镇、日期）"),
    "import.not_held": N_("培训还没举办：举办后才能登记到课"),
    "import.number": N_("请填写数字，单位另填在单位列"),
    "import.reason_phone": N_("同一电话"),
    "import.reason_village": N_("同名同村"),
    "import.session_mismatch": N_("与所选场次不符：该场次是 %(value)s"),
    "import.too_long": N_("最多 %(n)s 个字"),
    "import.too_many_rows": N_("一次最多导入 %(n)s 行：请分成几个文件"),
    "import.yes_no": N_("请填写“是”或“否”"),
    # Programme funding, station services, parcels and the logistics export (issue 19).
    "funding.already_corrected": N_("这条支出已被更正过，请更正最新的那一条"),
    "funding.amount_places": N_("金额最多精确到分（两位小数）"),
    "funding.amount_positive": N_("金额须大于零"),
    "funding.amount_too_large": N_("金额太大"),
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

"""Display names (Chinese msgids, English in messages.po) of every enum value people see: the one
table per enum (issue 18). Pages, exports and labels look names up here; no other module keeps a
table of an enum's values (tests/web/test_names.py fails if one appears)."""

from __future__ import annotations

import enum
from typing import Any

from flask_babel import lazy_gettext as _l

from trace.models.batches import BatchStatus, Unit
from trace.models.products import ProductCategory

ROLES = {
    "admin": _l("管理员"),
    "qc": _l("质检中心"),
    "station": _l("服务站"),
    "regulator": _l("监管部门"),
}
PRODUCER_KINDS = {
    "farmer": _l("农户"),
    "family_farm": _l("家庭农场"),
    "cooperative": _l("农民专业合作社"),
    "enterprise": _l("企业"),
}
CATEGORIES = {
    "walnut_in_shell": _l("带壳核桃"),
    "walnut_kernel": _l("核桃仁"),
    "honey": _l("蜂蜜"),
    "vermicelli": _l("粉丝"),
    "other": _l("其他"),
}
UNITS = {
    "jin": _l("斤"),
    "kg": _l("千克"),
    "g": _l("克"),
    "t": _l("吨"),
    "piece": _l("件"),
    "box": _l("箱"),
    "bottle": _l("瓶"),
}
BATCH_STATUSES = {
    "active": _l("正常"),
    "on_hold": _l("暂扣待处理"),
    "recalled": _l("已召回"),
    "closed": _l("已结束"),
}
EVENT_TYPES = {
    "commissioning": _l("采收"),
    "hulling": _l("脱青皮"),
    "drying": _l("晾晒/烘干"),
    "grading": _l("分级"),
    "sampling": _l("抽样"),
    "inspecting": _l("质量检测"),
    "packing": _l("包装"),
    "storing": _l("入库贮藏"),
    "shipping": _l("发货"),
    "receiving": _l("收货"),
    "transforming": _l("加工"),
    "holding": _l("暂扣"),
    "recalling": _l("召回"),
    "correcting": _l("更正记录"),
}
# What staff record by hand; harvest comes with the batch, holds and recalls from QC's modules.
STAFF_EVENT_TYPES = (
    "hulling",
    "drying",
    "grading",
    "sampling",
    "packing",
    "storing",
    "shipping",
    "receiving",
    "transforming",
    "correcting",
)
CODE_STATUSES = {"active": _l("有效"), "void": _l("已作废")}
JOB_KINDS = {
    "label_issue": _l("生成追溯码"),
    "label_pdf": _l("标签 PDF"),
    "events_export": _l("导出追溯事件"),
    "producer_import": _l("导入生产主体"),
    "batch_import": _l("导入采收批次"),
    "attendance_import": _l("导入培训到课"),
}
JOB_STATUSES = {"running": _l("进行中"), "finished": _l("已完成"), "failed": _l("失败")}

SHIPMENT_STATUSES = {"planned": _l("待发运"), "in_transit": _l("运输中"), "delivered": _l("已送达")}


# Quality records ----------------------------------------------------------------------------
DISPOSITION_KINDS = {
    "re_test": _l("复检（继续暂扣）"),
    "downgrade": _l("降级处理"),
    "destroy": _l("销毁"),
    "release": _l("放行"),
}
# 无公害农产品 certification was wound down (DOMAIN.md): kept on the record, shown as legacy.
CERT_TYPES = {
    "gi_product": _l("地理标志保护产品"),
    "gi_trademark": _l("地理标志证明商标"),
    "green_food": _l("绿色食品"),
    "organic": _l("有机产品"),
    "compliance_certificate": _l("承诺达标合格证"),
    "legacy_pollution_free": _l("无公害农产品（已停止）"),
}
CERT_SCOPES = {"producer": _l("生产主体"), "product": _l("产品"), "batch": _l("批次")}
CERT_STATUSES = {
    "valid": _l("有效"),
    "expiring": _l("即将到期"),
    "expired": _l("已过期"),
    "not_yet_valid": _l("未生效"),
}
CERTIFICATE_SOURCES = {"issued": _l("开具"), "reissued": _l("重新开具")}
PACKAGE_TYPES = {
    "gift_box": _l("礼盒"),
    "bag": _l("袋装"),
    "vacuum_bag": _l("真空袋"),
    "mesh_bag": _l("网袋"),
    "jar": _l("罐装"),
    "bottle": _l("瓶装"),
    "bundle": _l("把装"),
    "carton": _l("外箱"),
}
APPLICATION_STATUSES = {
    "pending": _l("待审核"),
    "approved": _l("已准入"),
    "rejected": _l("未通过"),
    "suspended": _l("已暂停"),
}
BRAND_CHECKS = {
    "origin_in_county": _l("产地在大姚县"),
    "latest_inspection_passed": _l("最近一次检测合格"),
    "min_grade": _l("达到最低等级"),
}
STANDARD_KINDS = {"grade": _l("质量等级"), "gi_conformity": _l("地理标志质量要求")}
BOUNDS = {"min": _l("不低于"), "max": _l("不高于")}
# Grade names are data (grading standards), but from a fixed list: GB/T 20398 and the kernel
# trade grades. Keyed by the stored name.
GRADES = {
    "特级": _l("特级"),
    "Ⅰ级": _l("Ⅰ级"),
    "Ⅱ级": _l("Ⅱ级"),
    "Ⅲ级": _l("Ⅲ级"),
    "等外": _l("等外"),
    "头路": _l("头路"),
    "二路": _l("二路"),
    "三路": _l("三路"),
}
MEASURES = {
    "diameter_mm": _l("横径（毫米）"),
    "mean_nut_weight_g": _l("平均单果重（克）"),
    "kernel_ratio_pct": _l("出仁率（%）"),
    "empty_shell_pct": _l("空壳果率（%）"),
    "broken_pct": _l("破损果率（%）"),
    "black_spot_pct": _l("黑斑果率（%）"),
    "moisture_pct": _l("含水率（%）"),
    "fat_pct": _l("脂肪含量（%）"),
    "protein_pct": _l("蛋白质含量（%）"),
}
# Inspection items by their code (the limits per category, with units, are data:
# inspection_limits; its name_zh, when set, is what the lab's report calls the item).
INSPECTION_ITEMS = {
    "aflatoxin_b1": _l("黄曲霉毒素B₁"),
    "moisture": _l("水分"),
    "acid_value": _l("酸价"),
    "peroxide_value": _l("过氧化值"),
    "lead": _l("铅"),
    "cadmium": _l("镉"),
    "kernel_ratio": _l("出仁率"),
    "crude_fat": _l("粗脂肪"),
    "protein": _l("蛋白质"),
    "nut_weight": _l("单果重"),
    "fructose_glucose": _l("果糖和葡萄糖"),
    "sucrose": _l("蔗糖"),
    "hmf": _l("羟甲基糠醛"),
    "diastase": _l("淀粉酶活性"),
    "aluminium": _l("铝"),
}

# Genealogy and recalls --------------------------------------------------------------------
OPERATION_KINDS = {"split": _l("分割"), "merge": _l("合并"), "transform": _l("加工")}
LINE_ROLES = {"input": _l("投入"), "output": _l("产出")}
RECALL_STATUSES = {"open": _l("进行中"), "closed": _l("已结束")}
RECALL_ACTIONS = {"notified": _l("已通知持有方"), "recovered": _l("追回"), "note": _l("备注")}

# Feedback and disclosure ------------------------------------------------------------------
REPORT_KINDS = {
    "counterfeit": _l("疑似假冒"),
    "quality": _l("质量问题"),
    "labelling": _l("标签标识问题"),
    "other": _l("其他问题"),
}
REPORT_KIND_HINTS = {
    "counterfeit": _l("防伪码查询异常、包装与本页不符、价格异常低等"),
    "quality": _l("霉变、异味、虫蛀、空壳、变质等"),
    "labelling": _l("标签缺失、信息错误、日期或净含量不符等"),
    "other": _l("服务、物流或其他情况"),
}
# What the reporter sees: where the report stands, without the county's internal steps.
REPORT_PUBLIC_STATUSES = {
    "new": _l("已受理，等待处理"),
    "in_progress": _l("正在核查处理"),
    "escalated": _l("已移交市场监管部门处理"),
    "answered": _l("已答复"),
    "closed": _l("已办结"),
}
REPORT_STATUSES = {
    "new": _l("新收到"),
    "in_progress": _l("处理中"),
    "escalated": _l("已上报监管"),
    "answered": _l("已答复"),
    "closed": _l("已办结"),
}
REPORT_OUTCOMES = {
    "substantiated": _l("情况属实，已处理"),
    "unfounded": _l("经核查不属实"),
    "insufficient": _l("信息不足，无法核实"),
    "duplicate": _l("重复反映"),
    "referred": _l("已移交其他部门"),
    "open": _l("处理中"),
}
REPORT_ACTIONS = {
    "filed": _l("提交反映"),
    "assigned": _l("分派"),
    "answered": _l("答复"),
    "escalated": _l("上报监管部门"),
    "closed": _l("办结"),
    "contact_revealed": _l("查看联系方式"),
    "recall_opened": _l("发起召回"),
}
CONTACT_KINDS = {"phone": _l("电话"), "email": _l("电子邮箱")}
SCAN_VERDICTS = {
    "genuine": _l("首次查询"),
    "repeat": _l("重复查询"),
    "exceeded": _l("查询超限"),
    "unknown": _l("未登记"),
    "void": _l("已作废"),
    "recalled": _l("已召回"),
}
NOTICE_CATEGORIES = {
    "plan": _l("实施方案"),
    "selection": _l("承办主体遴选"),
    "progress": _l("项目进展"),
    "funds": _l("资金使用"),
    "acceptance": _l("验收结果"),
    "other": _l("其他公告"),
}

# Programme: stations, training, logistics -------------------------------------------------
STATION_TIERS = {
    "county": _l("县级服务中心"),
    "township": _l("乡镇服务站"),
    "village": _l("村级服务点"),
}
STATION_SERVICES = {
    "produce_marketing": _l("农产品营销"),
    "online_purchasing": _l("网上代购"),
    "consignment_sales": _l("农产品代销"),
    "parcels": _l("快递代收代发"),
    "bill_payment": _l("缴费代办"),
    "phone_top_up": _l("话费充值"),
    "outreach": _l("电商知识和政策宣传"),
    "ticketing": _l("票务代订"),
    "job_information": _l("就业创业信息发布"),
}
TRAINING_KINDS = {
    "general": _l("普及培训"),
    "skills": _l("技能培训"),
    "entrepreneurship": _l("创业培训"),
}
INCUBATION_OUTCOMES = {
    "in_progress": _l("孵化中"),
    "online_shop": _l("已开网店"),
    "business_registered": _l("已注册经营主体"),
    "employed": _l("已从事电商工作"),
    "discontinued": _l("已终止"),
}
FACILITY_KINDS = {
    "distribution_centre": _l("县级物流配送中心"),
    "delivery_centre": _l("乡镇物流配送站"),
    "village_point": _l("村级物流服务点"),
    "public_warehouse": _l("公共仓储中心"),
    "cold_store": _l("冷库"),
    "small_cold_store": _l("乡村小型冷库"),
}

# The audit log: what an action did, and to which kind of record -----------------------------
AUDIT_ACTIONS = {
    "account.sign_in_locked": _l("登录暂停（多次密码错误）"),
    "account.sign_in_slowed": _l("登录放慢（多次密码错误）"),
    "attendance.record": _l("登记培训签到"),
    "batch.create": _l("登记批次"),
    "batch.grade": _l("批次定级"),
    "batch.hold": _l("暂扣批次"),
    "batch.recall": _l("召回批次"),
    "brand_application.approve": _l("批准品牌准入"),
    "brand_application.create": _l("申请品牌准入"),
    "brand_application.reject": _l("驳回品牌准入"),
    "brand_application.suspend": _l("暂停品牌准入"),
    "brand_rule.create": _l("新增品牌准入规则"),
    "brand_rule.update": _l("修改品牌准入规则"),
    "certification.create": _l("登记证书"),
    "certification.file": _l("上传证书文件"),
    "certification.update": _l("修改证书"),
    "checkpoint.create": _l("生成检查点"),
    "compliance_certificate.issue": _l("开具承诺达标合格证"),
    "course.create": _l("新增培训课程"),
    "disclosure_figure.create": _l("新增公开数据"),
    "disclosure_figure.delete": _l("删除公开数据"),
    "disclosure_figure.update": _l("修改公开数据"),
    "disposition.create": _l("登记处置"),
    "event.append": _l("记录追溯事件"),
    "facility.create": _l("新增物流设施"),
    "facility.update": _l("修改物流设施"),
    "grade_threshold.create": _l("新增分级指标"),
    "grade_threshold.update": _l("修改分级指标"),
    "grading.create": _l("登记分级"),
    "grading_standard.create": _l("新增分级标准"),
    "grading_standard.update": _l("修改分级标准"),
    "incubation.create": _l("登记创业孵化"),
    "incubation.update": _l("修改创业孵化"),
    "inspection.create": _l("登记检测报告"),
    "inspection_limit.create": _l("新增检测限量"),
    "inspection_limit.update": _l("修改检测限量"),
    "inspection_report.create": _l("上传检测报告文件"),
    "label_run.issue": _l("生成追溯码"),
    "label_run.reprint": _l("重印标签"),
    "label_run.void": _l("作废标签批次"),
    "lifted_household.create": _l("登记带动脱贫户"),
    "lot_operation.create": _l("批次分割、合并或加工"),
    "model_enterprise.create": _l("登记电商扶贫示范企业"),
    "notice.create": _l("发布公告"),
    "notice.update": _l("修改公告"),
    "notice_attachment.create": _l("上传公告附件"),
    "pack_code.void": _l("作废追溯码"),
    "packaging_spec.create": _l("新增包装规格"),
    "packaging_spec.update": _l("修改包装规格"),
    "personal_data.erase": _l("删除个人信息"),
    "producer.create": _l("登记生产主体"),
    "producer.update": _l("修改生产主体"),
    "product.create": _l("登记产品"),
    "product.update": _l("修改产品"),
    "recall.action": _l("记录召回处置"),
    "recall.close": _l("结束召回"),
    "recall.open": _l("发起召回"),
    "recall.start": _l("发起召回"),
    "report.answer": _l("答复投诉反馈"),
    "report.assign": _l("分派投诉反馈"),
    "report.close": _l("办结投诉反馈"),
    "report.create": _l("收到投诉反馈"),
    "report.escalate": _l("上报监管部门"),
    "report.recall": _l("由投诉反馈发起召回"),
    "report.reveal_contact": _l("查看反映人联系方式"),
    "retention.remove": _l("清理超过保存期的记录"),
    "scans.mark_test": _l("标记测试扫码"),
    "shipment.arrive": _l("发运到达"),
    "shipment.create": _l("登记发运"),
    "shipment.depart": _l("发运出发"),
    "staff_count.create": _l("登记从业人数"),
    "station.create": _l("新增服务站点"),
    "station.update": _l("修改服务站点"),
    "target.create": _l("新增项目目标"),
    "target.milestones": _l("修改目标时间节点"),
    "target.seed": _l("导入实施方案目标"),
    "target.update": _l("修改项目目标"),
    "target_figure.create": _l("填报目标数据"),
    "temperature.record": _l("记录温度"),
    "temperature_alert.acknowledge": _l("确认温度告警"),
    "temperature_alert.raise": _l("温度告警"),
    "temperature_limit.set": _l("设置温度限值"),
    "token.issue": _l("生成 API 令牌"),
    "token.revoke": _l("作废 API 令牌"),
    "trainee.create": _l("登记学员"),
    "training_session.create": _l("新增培训场次"),
    "user.create": _l("创建账号"),
    "user.disable": _l("停用账号"),
    "user.enable": _l("启用账号"),
    "user.set_password": _l("修改密码"),
    "user.sign_out": _l("退出所有登录"),
    "budget_line.create": _l("登记预算"),
    "budget_line.update": _l("修改预算"),
    "parcel_count.create": _l("登记包裹量"),
    "spending.correct": _l("更正资金支出"),
    "spending.create": _l("登记资金支出"),
    "station_service.create": _l("登记站点服务"),
    "retention.detach_partition": _l("按保存期限卸下月度分区"),
}
RECORD_TYPES = {
    "api_tokens": _l("API 令牌"),
    "audit_entries": _l("操作日志"),
    "batches": _l("批次"),
    "brand_applications": _l("品牌准入申请"),
    "brand_rules": _l("品牌准入规则"),
    "certifications": _l("证书"),
    "checkpoints": _l("检查点"),
    "compliance_certificates": _l("承诺达标合格证"),
    "consistency_checks": _l("一致性检查"),
    "disclosure_figures": _l("公开数据"),
    "dispositions": _l("处置"),
    "facilities": _l("物流设施"),
    "feedback_contacts": _l("反映人联系方式"),
    "feedback_report_steps": _l("投诉处理步骤"),
    "feedback_reports": _l("投诉反馈"),
    "grade_specs": _l("等级"),
    "grade_thresholds": _l("分级指标"),
    "grading_standards": _l("分级标准"),
    "gradings": _l("分级"),
    "incubations": _l("创业孵化"),
    "inspection_limits": _l("检测限量"),
    "inspection_reports": _l("检测报告文件"),
    "inspection_results": _l("检测结果"),
    "inspections": _l("检测报告"),
    "jobs": _l("后台任务"),
    "label_runs": _l("标签批次"),
    "lifted_households": _l("带动脱贫户"),
    "lot_links": _l("批次关联"),
    "lot_operation_lines": _l("批次操作明细"),
    "lot_operations": _l("批次操作"),
    "model_enterprises": _l("电商扶贫示范企业"),
    "notice_attachments": _l("公告附件"),
    "notices": _l("公告"),
    "pack_codes": _l("追溯码"),
    "packaging_spec_products": _l("包装规格适用产品"),
    "packaging_specs": _l("包装规格"),
    "producers": _l("生产主体"),
    "products": _l("产品"),
    "recall_actions": _l("召回处置"),
    "recall_lots": _l("召回批次"),
    "recalls": _l("召回"),
    "retention_archives": _l("保存期归档"),
    "retention_rules": _l("保存期规则"),
    "scan_addresses": _l("扫码地址"),
    "scan_clients": _l("扫码设备"),
    "scans": _l("扫码记录"),
    "shipment_lines": _l("发运明细"),
    "shipments": _l("发运"),
    "spent_form_stamps": _l("已用表单凭据"),
    "station_services": _l("站点服务"),
    "stations": _l("服务站点"),
    "staff_counts": _l("从业人数"),
    "target_figure_entries": _l("目标填报数据"),
    "target_milestones": _l("目标时间节点"),
    "targets": _l("项目目标"),
    "temperature_alerts": _l("温度告警"),
    "temperature_limits": _l("温度限值"),
    "temperature_readings": _l("温度记录"),
    "townships": _l("乡镇"),
    "trace_events": _l("追溯事件"),
    "trainees": _l("学员"),
    "training_attendances": _l("培训签到"),
    "training_courses": _l("培训课程"),
    "training_sessions": _l("培训场次"),
    "users": _l("账号"),
    "villages": _l("村"),
    "funding_tasks": _l("资金任务"),
    "funding_rules": _l("资金使用规则"),
    "budget_lines": _l("预算"),
    "spending_entries": _l("资金支出"),
    "station_service_records": _l("站点服务记录"),
    "parcel_counts": _l("包裹量"),
    "spreadsheet_imports": _l("表格导入"),
}
# Fields an audit entry shows as changed, and the table naming a record type's status values.
AUDIT_FIELDS = {
    "status": _l("状态"),
    "grade": _l("等级"),
    "decision_reasons": _l("审核意见"),
    "reviewed_at": _l("审核时间"),
    "reviewed_by_id": _l("审核人"),
    "updated_at": _l("修改时间"),
    "answered_at": _l("答复时间"),
    "assignee_id": _l("处理人"),
    "public_answer": _l("公开答复"),
    "void_reason": _l("作废原因"),
    "started_at": _l("开始时间"),
    "closed_at": _l("结束时间"),
    "arrived_at": _l("到达时间"),
    "departed_at": _l("出发时间"),
    "name": _l("名称"),
    "phone": _l("联系电话"),
    "village": _l("村"),
    "township_code": _l("乡镇"),
    "quantity": _l("数量"),
    "valid_to": _l("有效期至"),
    "valid_from": _l("有效期自"),
    "is_active": _l("启用"),
    "note": _l("备注"),
    "outcome": _l("处理结果"),
    "escalated_at": _l("上报时间"),
    "acknowledged_at": _l("确认时间"),
}
STATUS_TABLES = {
    "batches": "batch_statuses",
    "brand_applications": "application_statuses",
    "feedback_reports": "report_statuses",
    "pack_codes": "code_statuses",
    "shipments": "shipment_statuses",
    "recalls": "recall_statuses",
    "jobs": "job_statuses",
}
# The plan's targets against their milestones (trace.services.targets.Status), and where a
# target's figure comes from.
TARGET_STATUSES = {
    "met": _l("已达成"),
    "on_track": _l("按进度推进"),
    "behind": _l("滞后于时间节点"),
    "unmeasured": _l("尚未计量"),
}
COMPARISONS = {">=": _l("不低于"), "<=": _l("不高于"), "=": _l("等于")}
FIGURE_SOURCES = {
    "records": _l("系统记录"),
    "office": _l("项目办填报"),
    "reported": _l("政务公开数据"),
}
# Issue 19: programme funding and station services.
FUND_SOURCES = {"central": _l("中央财政资金"), "county": _l("县级配套资金")}
USE_CATEGORIES = {
    "equipment": _l("设备购置"),
    "renovation": _l("场地改造装修"),
    "service_purchase": _l("服务购买"),
    "training": _l("培训实施"),
    "logistics": _l("物流配送"),
    "design_branding": _l("品牌与包装设计"),
    "subsidy": _l("补贴奖励"),
    "trading_platform": _l("网络交易平台"),
    "building": _l("楼堂馆所建设"),
    "running_costs": _l("工作经费"),
    "traffic": _l("购买流量"),
    "other": _l("其他"),
}
SERVICE_KINDS = {
    "purchase_sale": _l("代购代销"),
    "parcel_in": _l("快递代收"),
    "parcel_out": _l("快递代发"),
    "bill_payment": _l("缴费代办"),
    "produce_order": _l("农产品上行"),
}
PARCEL_DIRECTIONS = {"in": _l("进港（收）"), "out": _l("出港（发）")}
FUNDING_RULE_KINDS = {
    "share_max": _l("资金占比上限"),
    "share_min": _l("资金占比下限"),
    "forbidden_use": _l("中央资金禁止用途"),
    "source_total": _l("资金总额"),
    "within_budget": _l("专款专用（不超预算）"),
    "single_funding": _l("不得重复支持"),
}
# HTTP answers as error pages name them (JSON keeps the standard English phrase).
HTTP_STATUSES = {
    400: _l("请求有误"),
    401: _l("请先登录"),
    403: _l("无权访问"),
    404: _l("找不到页面或记录"),
    405: _l("不支持这种操作"),
    409: _l("与现有记录冲突"),
    413: _l("内容太大"),
    422: _l("填写有误"),
    429: _l("操作太频繁"),
    500: _l("服务器出错"),
    503: _l("服务暂时不可用"),
}

# Enum parameters of messages (trace.web.messages) are shown by these tables' names.
ENUM_TABLES: dict[type[enum.Enum], dict[str, Any]] = {
    Unit: UNITS,
    BatchStatus: BATCH_STATUSES,
    ProductCategory: CATEGORIES,
}

ALL = {
    "roles": ROLES,
    "producer_kinds": PRODUCER_KINDS,
    "categories": CATEGORIES,
    "units": UNITS,
    "batch_statuses": BATCH_STATUSES,
    "event_types": EVENT_TYPES,
    "code_statuses": CODE_STATUSES,
    "job_kinds": JOB_KINDS,
    "job_statuses": JOB_STATUSES,
    "shipment_statuses": SHIPMENT_STATUSES,
    "disposition_kinds": DISPOSITION_KINDS,
    "cert_types": CERT_TYPES,
    "cert_scopes": CERT_SCOPES,
    "cert_statuses": CERT_STATUSES,
    "certificate_sources": CERTIFICATE_SOURCES,
    "package_types": PACKAGE_TYPES,
    "application_statuses": APPLICATION_STATUSES,
    "brand_checks": BRAND_CHECKS,
    "standard_kinds": STANDARD_KINDS,
    "bounds": BOUNDS,
    "grades": GRADES,
    "measures": MEASURES,
    "inspection_items": INSPECTION_ITEMS,
    "operation_kinds": OPERATION_KINDS,
    "line_roles": LINE_ROLES,
    "recall_statuses": RECALL_STATUSES,
    "recall_actions": RECALL_ACTIONS,
    "report_kinds": REPORT_KINDS,
    "report_public_statuses": REPORT_PUBLIC_STATUSES,
    "report_statuses": REPORT_STATUSES,
    "report_outcomes": REPORT_OUTCOMES,
    "report_actions": REPORT_ACTIONS,
    "contact_kinds": CONTACT_KINDS,
    "scan_verdicts": SCAN_VERDICTS,
    "notice_categories": NOTICE_CATEGORIES,
    "station_tiers": STATION_TIERS,
    "station_services": STATION_SERVICES,
    "training_kinds": TRAINING_KINDS,
    "incubation_outcomes": INCUBATION_OUTCOMES,
    "facility_kinds": FACILITY_KINDS,
    "audit_actions": AUDIT_ACTIONS,
    "record_types": RECORD_TYPES,
    "target_statuses": TARGET_STATUSES,
    "figure_sources": FIGURE_SOURCES,
    "fund_sources": FUND_SOURCES,
    "use_categories": USE_CATEGORIES,
    "service_kinds": SERVICE_KINDS,
    "parcel_directions": PARCEL_DIRECTIONS,
    "funding_rule_kinds": FUNDING_RULE_KINDS,
    "comparisons": COMPARISONS,
}
# Hints, not names: shown beside a choice, looked up like names.
HINTS = {"report_kinds": REPORT_KIND_HINTS}


def name_of(table: dict[str, Any], value: Any) -> str:
    """The display name of an enum value (or its raw value when the table lacks it)."""
    key = getattr(value, "value", value)
    return str(table.get(key, key)) if key is not None else ""


def display(table: str, value: Any) -> str:
    """`{{ display('units', batch.unit) }}`: the localized name of a value of ALL[table]."""
    return name_of(ALL[table], value)


def bilingual(table: dict[str, Any]) -> dict[str, str]:
    """Each value's name in Chinese and English ("采收 Harvest"), as the exports' column titles
    are written: the sheet goes to Chinese regulators and foreign buyers alike."""
    from flask_babel import force_locale

    with force_locale("zh"):
        chinese = {key: str(name) for key, name in table.items()}
    with force_locale("en"):
        english = {key: str(name) for key, name in table.items()}
    return {key: f"{chinese[key]} {english[key]}" for key in table}


def item_label(item: str, unit: str = "", name_zh: str = "") -> str:
    """An inspection item as people read it: its name and unit (黄曲霉毒素B₁ μg/kg). A code the
    table lacks shows the name the limit's data gives it (in Chinese), else the code."""
    name = INSPECTION_ITEMS.get(item)
    shown = str(name) if name is not None else (name_zh or item)
    return f"{shown} {unit}".strip() if unit else shown

"""The programme dashboard (/program/dashboard) as a list of sections.

Each section is a template under program/dashboard/ and the function that gives it its context
from the session; it may also give sheets for the XLSX export. The page renders SECTIONS in order
and the export writes the targets sheet, then every section's sheets. A module that adds to the
dashboard (funding, station services...) adds one Section to SECTIONS, with its own template and
service; nothing else changes.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import xlsxwriter  # type: ignore[import-untyped]
from flask import request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from trace.cells import XLSX_OPTIONS, write_string_row
from trace.db import utcnow
from trace.models.targets import Comparison, MetricKey, TargetMilestone
from trace.models.training import TrainingKind
from trace.services import logistics, metrics, stations
from trace.services import targets as service
from trace.services.targets import Progress, Status, threshold
from trace.web.charts import Series, progress_bar, stacked_columns
from trace.web.formats import fmt, is_english, pick, unit
from trace.web.names import FIGURE_SOURCES, TARGET_STATUSES, name_of
from trace.web.program.funding import acceptance_sheets, funding_context
from trace.web.program.logistics import CATEGORY_NAMES
from trace.web.program.station_services import services_context
from trace.web.program.stations import coverage_chart
from trace.web.program.training import KIND_NAMES

COMPARISON_SIGNS = {Comparison.AT_LEAST: "≥", Comparison.AT_MOST: "≤", Comparison.EQUAL: "="}


@dataclass(frozen=True)
class Sheet:
    """One worksheet of the XLSX export: a title, a header row and rows of cells."""

    title: str
    header: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class Section:
    """One block of the dashboard: `template` is rendered with `block` = context(session)."""

    key: str
    template: str
    context: Callable[[Session], dict[str, Any]]
    sheets: Callable[[Session], list[Sheet]] = field(default=lambda _session: [])


# -- the targets against their milestones --------------------------------------------------------


def milestone_text(progress: Progress, milestone: TargetMilestone) -> str:
    """A milestone as people read it: "2019-08-31 ≥ 1,500 人次" or "2019-08-31 投入运营"."""
    target = progress.target
    if milestone.label_zh:
        what = pick(milestone.label_zh, milestone.label_en)
    else:
        sign = COMPARISON_SIGNS[target.comparison]
        what = f"{sign} {fmt(threshold(target, milestone))} {unit(target.unit)}".strip()
    return f"{milestone.due_on.isoformat()} {what}"


milestone_data = service.milestone_notation


def _plain(value: Decimal | None) -> str:
    return "" if value is None else f"{value.normalize():f}"


def source_text(progress: Progress) -> str:
    if not progress.source:
        return ""
    text = name_of(FIGURE_SOURCES, progress.source)
    if progress.as_of is not None:
        month = progress.as_of.strftime("%Y-%m")
        text += " · " + _("截至%(month)s", month=month)
    return text


def target_row(progress: Progress) -> dict[str, Any]:
    target = progress.target
    label = pick(target.label_zh, target.label_en)
    judged = progress.milestone
    marker = None
    if judged is not None and target.target_value:
        marker = min(Decimal(100), threshold(target, judged) * 100 / target.target_value)
    return {
        "code": target.code,
        "label": label,
        "plan_text": "" if is_english() else target.plan_text_zh,
        "note": "" if is_english() else target.note,
        "unit": unit(target.unit),
        "goal": f"{COMPARISON_SIGNS[target.comparison]} {fmt(target.target_value)}",
        "target_plain": _plain(target.target_value),
        "baseline_year": target.baseline_year,
        "current": fmt(progress.current),
        "current_plain": _plain(progress.current),
        "source": source_text(progress),
        "source_kind": progress.source or "none",
        "milestones": [
            {"text": milestone_text(progress, m), "is_judged": m is judged}
            for m in target.milestones
        ],
        "milestones_data": ";".join(milestone_data(m) for m in target.milestones),
        "status": progress.status.value,
        "status_name": name_of(TARGET_STATUSES, progress.status),
        "pct": progress.pct,
        "bar": progress_bar(progress.pct, label, marker, progress.status is Status.BEHIND),
    }


def _area(progress: Progress) -> str:
    if is_english():
        return AREA_NAMES.get(progress.target.area_zh, progress.target.area_zh)
    return progress.target.area_zh


# The plan's chapters, as English pages name them (the Chinese is the targets' data).
AREA_NAMES = {
    "公共服务体系": _l("公共服务体系"),
    "物流服务体系": _l("物流服务体系"),
    "供应链体系": _l("供应链体系"),
    "品牌培育": _l("品牌培育"),
    "营销体系": _l("营销体系"),
    "培训孵化": _l("培训孵化"),
    "精准扶贫": _l("精准扶贫"),
    "资金": _l("资金"),
    "质量追溯": _l("质量追溯"),
}


def targets_context(session: Session) -> dict[str, Any]:
    rows = service.progress(session)
    groups: dict[str, list[dict[str, Any]]] = {}
    for progress in rows:
        groups.setdefault(str(_area(progress)), []).append(target_row(progress))
    counts = dict.fromkeys(Status, 0)
    for progress in rows:
        counts[progress.status] += 1
    return {
        "groups": list(groups.items()),
        "total": len(rows),
        "counts": {status.value: n for status, n in counts.items()},
        "csv_url": url_for("program_dashboard.dashboard_csv"),
        "xlsx_url": url_for("program_dashboard.dashboard_xlsx"),
    }


def target_header() -> list[str]:
    return [
        _("代码"),
        _("领域"),
        _("目标"),
        _("规划原文"),
        _("基期年份"),
        _("目标值"),
        _("单位"),
        _("当前数值"),
        _("数据来源"),
        _("进度（%）"),
        _("状态"),
        _("时间节点"),
    ]


def target_sheet_rows(rows: list[Progress]) -> list[list[Any]]:
    out = []
    for p in rows:
        target = p.target
        out.append(
            [
                target.code,
                target.area_zh,
                pick(target.label_zh, target.label_en),
                target.plan_text_zh,
                target.baseline_year if target.baseline_year is not None else "",
                f"{COMPARISON_SIGNS[target.comparison]} {_plain(target.target_value)}",
                target.unit,
                p.current if p.current is not None else "",
                source_text(p),
                p.pct if p.pct is not None else "",
                name_of(TARGET_STATUSES, p.status),
                "; ".join(milestone_text(p, m) for m in target.milestones),
            ]
        )
    return out


# -- the other sections --------------------------------------------------------------------------


def coverage_context(session: Session) -> dict[str, Any]:
    rows = stations.coverage_by_township(session)
    goal = service.target_value_for(session, MetricKey.VILLAGE_COVERAGE_PCT)
    return {
        "chart": coverage_chart(rows, goal),
        "link": url_for("program_stations.stations_page"),
    }


def coverage_sheets(session: Session) -> list[Sheet]:
    rows = stations.coverage_by_township(session)
    return [
        Sheet(
            _("行政村覆盖率"),
            [_("乡镇"), _("行政村"), _("已覆盖"), _("覆盖率（%）")],
            [
                [
                    pick(r.name_zh, r.name_pinyin),
                    r.administrative_villages,
                    r.covered_villages,
                    r.pct if r.pct is not None else "",
                ]
                for r in rows
            ],
        )
    ]


def chart_year(session: Session) -> int:
    chosen = request.args.get("year", "")
    if chosen.isdigit() and 2015 <= int(chosen) <= 2100:
        return int(chosen)
    return metrics.latest_training_year(session) or utcnow().year


def training_context(session: Session) -> dict[str, Any]:
    year = chart_year(session)
    months = metrics.training_by_month(session, year)
    month_labels = [str(m) if is_english() else f"{m}月" for m in months]
    chart = stacked_columns(
        month_labels,
        [Series(str(KIND_NAMES[k]), [months[m][k] for m in months]) for k in TrainingKind],
        _("%(year)s年各月培训人次", year=year),
        _("按月份和培训类型统计的参训人次。"),
    )
    return {"year": year, "chart": chart, "link": url_for("program_training.training_page")}


def training_sheets(session: Session) -> list[Sheet]:
    year = chart_year(session)
    months = metrics.training_by_month(session, year)
    return [
        Sheet(
            _("%(year)s年各月培训人次", year=year),
            [_("月份")] + [str(KIND_NAMES[k]) for k in TrainingKind],
            [[m] + [months[m][k] for k in TrainingKind] for m in months],
        )
    ]


def cold_chain_context(session: Session) -> dict[str, Any]:
    return {"alerts": logistics.open_alerts(session), "category_names": CATEGORY_NAMES}


def funding_sheets(session: Session) -> list[Sheet]:
    """The acceptance file's budget, spending and rule-check tables, in the dashboard's XLSX."""
    return [Sheet(title, header, rows) for title, header, rows in acceptance_sheets(session)]


SECTIONS: list[Section] = [
    Section("targets", "program/dashboard/_targets.html", targets_context),
    Section("coverage", "program/dashboard/_coverage.html", coverage_context, coverage_sheets),
    Section("training", "program/dashboard/_training.html", training_context, training_sheets),
    Section("cold_chain", "program/dashboard/_cold_chain.html", cold_chain_context),
    # Issue 19: the plan's funding rules and books, the stations' services and parcels.
    Section("funding", "program/dashboard/_funding.html", funding_context, funding_sheets),
    Section("station_services", "program/dashboard/_station_services.html", services_context),
]


def blocks(session: Session) -> list[tuple[Section, dict[str, Any]]]:
    """Each section with its context, in page order."""
    return [(section, section.context(session)) for section in SECTIONS]


def workbook(session: Session) -> bytes:
    """The dashboard as an XLSX workbook: every target, then each section's sheets. Small (a
    few hundred cells), so it is built in memory within the request."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"constant_memory": True, **XLSX_OPTIONS})
    bold = book.add_format({"bold": True, "bg_color": "#F6F2EA"})
    sheets = [Sheet(_("目标进度"), target_header(), target_sheet_rows(service.progress(session)))]
    for section in SECTIONS:
        sheets += section.sheets(session)
    for sheet in sheets:
        worksheet = book.add_worksheet(_sheet_name(sheet.title))
        write_string_row(worksheet, 0, sheet.header, bold)
        for number, row in enumerate(sheet.rows, start=1):
            for column, cell in enumerate(row):
                if isinstance(cell, int | Decimal) and not isinstance(cell, bool):
                    worksheet.write_number(number, column, float(cell))
                else:  # text stays text, never a formula (trace.cells)
                    worksheet.write_string(number, column, "" if cell is None else str(cell))
        worksheet.freeze_panes(1, 0)
        worksheet.set_column(0, len(sheet.header) - 1, 14)
    book.close()
    return buffer.getvalue()


def _sheet_name(title: str) -> str:
    """Excel's limits: 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in title)
    return cleaned[:31]

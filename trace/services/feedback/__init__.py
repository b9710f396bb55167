"""Consumer reports: filing (public), status by reference, staff triage, clusters, statistics.

A report is filed without signing in. Its contact is kept apart from it (see FeedbackContact) and
shown to staff masked unless they reveal it, which is recorded. Every step of a report is an
append-only FeedbackStep plus an audit entry; reports on one lot or producer are grouped so that
a cluster (several counterfeit reports on one lot, or a pack whose scan log was flagged) stands out.

Modules: references (reference numbers, codes and contacts as typed), photos, filing, reports
(staff reading), clusters, triage (steps), statistics. Callers import the names below from
`trace.services.feedback`.
"""

from __future__ import annotations

from trace.services.feedback.clusters import (
    CLUSTER_WINDOW_DAYS,
    COUNTERFEIT_CLUSTER_SIZE,
    FLAGGED_VERDICTS,
    Cluster,
    ReportFlags,
    clusters,
    flagged_packs,
    report_flags,
)
from trace.services.feedback.filing import (
    PackInfo,
    PublicAnswer,
    PublicStatus,
    describe_code,
    file_report,
    report_status,
)
from trace.services.feedback.photos import (
    PHOTO_MAX_BYTES,
    PHOTO_MAX_PIXELS,
    PHOTO_MAX_SIDE,
    PHOTO_TYPES,
    PreparedPhoto,
    discard_photo,
    photo_file,
    prepare_photo,
    store_photo,
)
from trace.services.feedback.references import (
    REFERENCE_PREFIX,
    REFERENCE_RANDOM_LENGTH,
    find_pack,
    mask_contact,
    new_reference,
    normalize_reference,
    parse_contact,
    serial_from,
)
from trace.services.feedback.reports import (
    TRIAGE_ROLES,
    ReportContext,
    ReportSummary,
    assignable_users,
    get_report,
    list_reports,
    open_reports,
    open_reports_summary,
    pack_scans,
    report_context,
    report_history,
)
from trace.services.feedback.statistics import MonthStats, monthly_statistics, report_statistics
from trace.services.feedback.triage import (
    answer_report,
    assign_report,
    close_report,
    escalate_report,
    note_recall,
    reveal_contact,
)

__all__ = [
    "CLUSTER_WINDOW_DAYS",
    "COUNTERFEIT_CLUSTER_SIZE",
    "FLAGGED_VERDICTS",
    "PHOTO_MAX_BYTES",
    "PHOTO_MAX_PIXELS",
    "PHOTO_MAX_SIDE",
    "PHOTO_TYPES",
    "REFERENCE_PREFIX",
    "REFERENCE_RANDOM_LENGTH",
    "TRIAGE_ROLES",
    "Cluster",
    "MonthStats",
    "PackInfo",
    "PreparedPhoto",
    "PublicAnswer",
    "PublicStatus",
    "ReportContext",
    "ReportFlags",
    "ReportSummary",
    "answer_report",
    "assign_report",
    "assignable_users",
    "close_report",
    "clusters",
    "describe_code",
    "discard_photo",
    "escalate_report",
    "file_report",
    "find_pack",
    "flagged_packs",
    "get_report",
    "list_reports",
    "mask_contact",
    "monthly_statistics",
    "new_reference",
    "normalize_reference",
    "note_recall",
    "open_reports",
    "open_reports_summary",
    "pack_scans",
    "parse_contact",
    "photo_file",
    "prepare_photo",
    "report_context",
    "report_flags",
    "report_history",
    "report_statistics",
    "report_status",
    "reveal_contact",
    "serial_from",
    "store_photo",
]

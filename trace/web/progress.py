"""Progress feedback for long work (large label runs, exports) with no JavaScript.

The pattern: the request that starts the work answers at once with a redirect (303) to a status
route of the feature's own, e.g. `/staff/exports/<id>`. That route reads how far the work is and
returns `progress_page(Progress(...))`. While the work is unfinished the page says "正在生成…",
shows a <progress> bar and reloads itself every few seconds through
`<meta http-equiv="refresh">` (allowed by the Content-Security-Policy, unlike inline script).
Once finished it shows a link to the result instead (a status route may also simply redirect
there). A failure is shown with its message and no refresh.

    @bp.get("/exports/<int:export_id>")
    def export_status(export_id: int) -> Any:
        job = exports.get_export(db(), current_actor(), export_id)
        return progress_page(Progress(
            title=_("导出批次记录"), done=job.rows_written, total=job.rows_total,
            finished=job.finished_at is not None,
            result_url=url_for(".export_file", export_id=job.id),
            back_url=url_for(".exports")))

The work itself must run outside the request (a worker, a CLI task, or a streamed response):
this module only shows where it has got to.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template


@dataclass(frozen=True)
class Progress:
    title: str
    done: int = 0
    total: int | None = None  # None: unknown, the bar is indeterminate
    finished: bool = False
    result_url: str | None = None
    result_label: str | None = None
    failed: str | None = None  # a message when the work stopped with an error
    back_url: str | None = None

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return max(0, min(100, round(100 * self.done / self.total)))


def progress_page(progress: Progress, refresh_seconds: int = 2) -> tuple[str, int]:
    """The status page: refreshing itself while the work runs, a result link when done.

    Answers 200 when finished or failed and 202 (accepted, still working) otherwise.
    """
    running = not progress.finished and progress.failed is None
    page = render_template(
        "staff/progress.html",
        progress=progress,
        refresh_seconds=refresh_seconds if running else None,
    )
    return page, 202 if running else 200

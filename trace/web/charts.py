"""Charts drawn on the server as inline SVG: no script, no chart service, readable by screen
readers through each chart's <title> and <desc>."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import count

from markupsafe import Markup, escape

_ids = count(1)

# Colours pass WCAG contrast against white for the bars' text; one per series.
SERIES_COLOURS = ("#6b4f2a", "#2e7d32", "#1565c0", "#b26a00")
TRACK = "#e8e4da"
GOOD, SHORT = "#2e7d32", "#b26a00"
BEHIND, MARKER = "#c62828", "#3b3b3b"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _frame(width: int, height: int, title: str, desc: str, body: str, css: str) -> Markup:
    uid = f"chart{next(_ids)}"
    return Markup(
        f'<svg class="{css}" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="{uid}-t {uid}-d" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>'
        f"{body}</svg>"
    )


def progress_bar(
    pct: Decimal | None, label: str, marker: Decimal | None = None, behind: bool = False
) -> Markup:
    """A thin bar filled to `pct` (0-100); grey and empty when not measured. `marker` (0-100)
    draws a tick where a milestone stands; a target behind its milestone is drawn red."""
    filled = float(pct) if pct is not None else 0.0
    colour = GOOD if filled >= 100 else (BEHIND if behind else SHORT)
    body = (
        f'<rect x="0" y="0" width="100" height="8" rx="2" fill="{TRACK}"/>'
        f'<rect x="0" y="0" width="{_num(filled)}" height="8" rx="2" fill="{colour}"/>'
    )
    if marker is not None and 0 < marker < 100:
        body += (
            f'<rect x="{_num(float(marker) - 0.4)}" y="0" width="0.8" height="8" fill="{MARKER}"/>'
        )

    desc = f"{_num(filled)}%" if pct is not None else "—"
    uid = f"bar{next(_ids)}"
    return Markup(
        f'<svg class="progress" viewBox="0 0 100 8" preserveAspectRatio="none" width="100%" '
        f'height="8" role="img" aria-labelledby="{uid}-t" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{uid}-t">{escape(label)}: {escape(desc)}</title>{body}</svg>'
    )


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal | None  # percent, or None when there is nothing to measure
    note: str = ""  # e.g. "3/7" shown after the value


def text_width(text: str, size: int = 12) -> float:
    """Rough rendered width: a CJK character is about one em, a Latin one a little over half."""
    return sum(size if ord(ch) > 0x2E80 else size * 0.58 for ch in text)


def percent_bars(bars: Sequence[Bar], target_pct: Decimal | None, title: str, desc: str) -> Markup:
    """Horizontal bars of percentages with a dashed line at the target."""
    bar_w, row_h, top = 300, 24, 8
    label_w = int(max([60.0, *(text_width(b.label) for b in bars)]) + 12)
    width = label_w + bar_w + 90
    height = top * 2 + row_h * max(1, len(bars)) + 16
    parts: list[str] = []
    for i, bar in enumerate(bars):
        y = top + i * row_h
        value = float(bar.value) if bar.value is not None else 0.0
        met = target_pct is not None and bar.value is not None and bar.value >= target_pct
        w = bar_w * min(value, 100.0) / 100
        shown = f"{_num(value)}%" if bar.value is not None else "—"
        note = f" ({escape(bar.note)})" if bar.note else ""
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12">'
            f"{escape(bar.label)}</text>"
            f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="14" fill="{TRACK}"/>'
            f'<rect x="{label_w}" y="{y + 4}" width="{_num(w)}" height="14" '
            f'fill="{GOOD if met else SHORT}"/>'
            f'<text x="{label_w + bar_w + 6}" y="{y + 15}" font-size="12">{shown}{note}</text>'
        )
    if target_pct is not None:
        x = label_w + bar_w * float(min(target_pct, Decimal(100))) / 100
        bottom = top + row_h * len(bars)
        parts.append(
            f'<line x1="{_num(x)}" y1="{top}" x2="{_num(x)}" y2="{bottom}" stroke="#1f2a1f" '
            f'stroke-dasharray="4 3"/>'
            f'<text x="{_num(x)}" y="{bottom + 14}" text-anchor="middle" font-size="11">'
            f"{_num(float(target_pct))}%</text>"
        )
    return _frame(width, height, title, desc, "".join(parts), "chart chart-bars")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[int]


def stacked_columns(
    categories: Sequence[str], series: Sequence[Series], title: str, desc: str
) -> Markup:
    """Vertical columns, one per category, stacked by series, with a legend."""
    left, plot_w, plot_h, top = 40, 480, 180, 10
    width, height = left + plot_w + 10, top + plot_h + 60
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    peak = max([*totals, 1])
    step = plot_w / max(1, len(categories))
    col_w = step * 0.7
    parts: list[str] = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#5b665b"/>',
        f'<text x="{left - 4}" y="{top + 10}" text-anchor="end" font-size="10">{peak}</text>',
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end" font-size="10">0</text>',
    ]
    for i, category in enumerate(categories):
        x = left + i * step + (step - col_w) / 2
        y = float(top + plot_h)
        for colour, s in zip(SERIES_COLOURS, series, strict=False):
            h = plot_h * s.values[i] / peak
            if h:
                y -= h
                parts.append(
                    f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(col_w)}" height="{_num(h)}" '
                    f'fill="{colour}"><title>{escape(category)} · {escape(s.label)}: '
                    f"{s.values[i]}</title></rect>"
                )
        if totals[i]:
            parts.append(
                f'<text x="{_num(x + col_w / 2)}" y="{_num(y - 3)}" text-anchor="middle" '
                f'font-size="10">{totals[i]}</text>'
            )
        parts.append(
            f'<text x="{_num(x + col_w / 2)}" y="{top + plot_h + 14}" text-anchor="middle" '
            f'font-size="10">{escape(category)}</text>'
        )
    legend_y = top + plot_h + 34
    for j, (colour, s) in enumerate(zip(SERIES_COLOURS, series, strict=False)):
        lx = left + j * 150
        parts.append(
            f'<rect x="{lx}" y="{legend_y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{lx + 16}" y="{legend_y + 11}" font-size="12">{escape(s.label)}</text>'
        )
    return _frame(width, height, title, desc, "".join(parts), "chart chart-columns")

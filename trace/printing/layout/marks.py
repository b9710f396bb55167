"""Marks (boxed words such as 地理标志) and tick-box checklists on a label."""

from __future__ import annotations

from collections.abc import Mapping

from trace.printing.errors import LabelLayoutError
from trace.printing.layout.primitives import PT_MM, Polyline, Primitive, Rect
from trace.printing.layout.text import Surface, fit_text, wrap_text
from trace.printing.templates import ChecklistElement, MarkElement


def draw_mark(s: Surface, e: MarkElement, out: list[Primitive]) -> None:
    out.append(
        Rect(
            e.x_mm,
            e.y_mm,
            e.width_mm,
            e.height_mm,
            0.0 if e.solid else 0.3,
            e.solid,
            e.radius_mm,
        )
    )
    pad = min(1.0, e.height_mm * 0.15)
    fitted = fit_text(s.font, e.text, e.width_mm - 2 * pad, e.size_pt, 4.0, 1)
    if fitted is None:
        raise LabelLayoutError(f"mark text {e.text!r} does not fit {e.width_mm} mm")
    size, lines = fitted
    size_mm = size * PT_MM
    # Centre the glyphs' cap height, not the line box, so the text sits optically centred.
    top = e.y_mm + (e.height_mm - s.font.metrics.cap_height * size_mm) / 2
    top -= (s.font.metrics.ascent - s.font.metrics.cap_height) * size_mm
    out.extend(
        s.text_runs(
            e.x_mm + pad,
            top,
            e.width_mm - 2 * pad,
            size,
            lines,
            align="center",
            bold=e.solid,
            white=e.solid,
        )
    )


def draw_checklist(
    s: Surface, e: ChecklistElement, values: Mapping[str, object], out: list[Primitive]
) -> None:
    raw = values.get(e.field)
    ticks = tuple(bool(v) for v in raw) if isinstance(raw, tuple | list) else ()
    size_mm = e.size_pt * PT_MM
    box = size_mm * 0.85
    gap = size_mm * 0.5
    text_x = e.x_mm + box + gap
    text_w = e.width_mm - box - gap
    y = e.y_mm
    for i, item in enumerate(e.items):
        s.font.check_glyphs(item)
        lines = wrap_text(s.font, item, text_w / PT_MM, e.size_pt)
        box_top = y + (s.font.metrics.ascent - s.font.metrics.cap_height) * size_mm
        box_top -= (box - s.font.metrics.cap_height * size_mm) / 2
        out.append(Rect(e.x_mm, box_top, box, box, 0.25, False))
        if i < len(ticks) and ticks[i]:
            b = box
            out.append(
                Polyline(
                    (
                        (e.x_mm + 0.18 * b, box_top + 0.52 * b),
                        (e.x_mm + 0.42 * b, box_top + 0.78 * b),
                        (e.x_mm + 0.86 * b, box_top + 0.2 * b),
                    ),
                    max(0.25, b * 0.14),
                )
            )
        out.extend(s.text_runs(text_x, y, text_w, e.size_pt, lines, line_height=e.line_height))
        y += len(lines) * e.line_height * size_mm + e.item_gap_mm
    if y > s.template.label_height_mm + 0.01:
        raise LabelLayoutError(f"checklist runs below the label ({y:.1f} mm)")
